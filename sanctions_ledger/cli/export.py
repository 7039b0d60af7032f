"""``sanctions export``: the ledger as FollowTheMoney entities (JSON lines), now, as of an instant, or as a
delta between two snapshots of one list (docs/cli.md, docs/formats.md)."""

from __future__ import annotations

import json
import os
import sys
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import IO, Any

import click

from sanctions_ledger.cli.main import get_ledger, parse_at
from sanctions_ledger.errors import InputError


@click.command("export")
@click.option("--format", "fmt", type=click.Choice(["ftm"]), default="ftm", show_default=True)
@click.option("--list", "lists", multiple=True, help="A list to export (repeatable; default: every list).")
@click.option("--as-of", "as_of", help="An instant or date (end of that day in --tz); default: latest.")
@click.option("--tz", help="Zone for a date in --as-of (default: the list's zone, or UTC for several).")
@click.option("--from", "from_ref", help="Delta from this snapshot (#id, date or instant) of one --list.")
@click.option("--to", "to_ref", help="Delta to this snapshot (with --from).")
@click.option("--out", type=click.Path(dir_okay=False, path_type=Path), help="Write here (default: stdout).")
@click.option("--validate", is_flag=True, help="Check every entity with followthemoney; fail on any problem.")
@click.pass_context
def export_cmd(
    ctx: click.Context,
    fmt: str,
    lists: tuple[str, ...],
    as_of: str | None,
    tz: str | None,
    from_ref: str | None,
    to_ref: str | None,
    out: Path | None,
    validate: bool,
) -> None:
    """Export FollowTheMoney entities as JSON lines: each listed entity with its Sanction, Address,
    Identification/Passport and link entities. With --from/--to: a delta (ADD/MOD/DEL records)."""
    from sanctions_ledger.opensanctions.export import delta, export

    ledger = get_ledger(ctx)
    if (from_ref is None) != (to_ref is None):
        raise InputError(
            "--from and --to go together", hint="e.g. --list ofac-sdn --from 2019-01-04 --to 2021-06-29"
        )
    records: Iterator[dict[str, Any]]
    if from_ref is not None and to_ref is not None:
        if len(lists) != 1 or as_of:
            raise InputError(
                "a delta is between two snapshots of one list", hint="give exactly one --list, no --as-of"
            )
        records = delta(ledger, lists[0], from_ref, to_ref)
    else:
        zone = tz or (ledger.list_timezone(lists[0]) if len(lists) == 1 else "UTC")
        records = export(ledger, list(lists) or None, parse_at(as_of, zone))
    counts = _write(records, out, validate)
    where = str(out) if out else "stdout"
    summary = ", ".join(f"{k} {v}" for k, v in sorted(counts.items()))
    click.echo(f"{fmt}: {summary} written to {where}", err=True)


def _write(records: Iterator[dict[str, Any]], out: Path | None, validate: bool) -> dict[str, int]:
    from sanctions_ledger.ftm.validate import problems

    counts: dict[str, int] = {}
    bad: list[str] = []

    def emit(f: IO[str]) -> None:
        for rec in records:
            entity = rec.get("entity", rec)
            key = rec["op"] if "op" in rec else ("listed" if entity.get("target") else entity["schema"])
            counts[key] = counts.get(key, 0) + 1
            if validate and "schema" in entity:
                bad.extend(f"{entity['id']}: {p}" for p in problems(entity))
            f.write(json.dumps(rec, ensure_ascii=False, separators=(",", ":")))
            f.write("\n")

    if out is None:
        emit(sys.stdout)
    else:
        fd, tmp = tempfile.mkstemp(dir=out.parent if str(out.parent) else ".", prefix=f".{out.name}.")
        try:
            with os.fdopen(fd, "w", encoding="utf-8") as f:
                emit(f)
            if not bad:
                os.replace(tmp, out)
        finally:
            if os.path.exists(tmp):
                os.unlink(tmp)
    if bad:
        shown = "; ".join(bad[:10])
        raise InputError(
            f"{len(bad)} FtM problems: {shown}", hint="report this: every export should validate"
        )
    return counts


def register(cli: click.Group) -> None:
    cli.add_command(export_cmd)
