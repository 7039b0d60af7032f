"""``sanctions screen`` and ``sanctions screen-file``: screening against the ledger (or list files).

``screen-file`` runs the batch in this process, or on Dask with ``--dask`` (a LocalCluster of ``--workers``
processes) or ``--scheduler ADDRESS`` (an existing cluster); Parquet input and CSV of 256 MB or more go to
a LocalCluster by default (:func:`sanctions_ledger.screening.executors.wants_dask`). Both go through the one
batch engine (:mod:`sanctions_ledger.screening.executors`).
"""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path
from typing import Any

import click

from sanctions_ledger.errors import InputError
from sanctions_ledger.matching.index import MatchIndex
from sanctions_ledger.screening import (
    DEFAULT_LIMIT,
    DEFAULT_THRESHOLD,
    Screener,
    ScreeningQuery,
)
from sanctions_ledger.screening.batch import screen_file
from sanctions_ledger.screening.executors import DaskCluster, dask_client, wants_dask
from sanctions_ledger.screening.output import check_out_path, default_out_path
from sanctions_ledger.screening.service import IndexProvider, files_index, parse_as_of


def screening_index(
    ctx: click.Context,
    lists: tuple[str, ...],
    as_of: str | None,
    files: tuple[Path, ...],
    lazy: bool = True,
) -> MatchIndex:
    """The index to screen against: of ``--files``, or of the ledger at ``--as-of`` (the latest lists by
    default); opened from the index folder when it was built before (see screening/service.py)."""
    if files:
        return files_index(files, lazy=lazy)
    from sanctions_ledger.ledger import open_ledger

    obj: Any = ctx.obj or {}
    ledger = open_ledger(obj.get("db_url") if hasattr(obj, "get") else None)
    at = parse_as_of(ledger, as_of, lists, what="--as-of")
    index = IndexProvider(ledger, lazy=lazy).index(at)
    held = set(ledger.list_names()) if lists else set()
    if not index.entities or (lists and not held & set(lists)):
        raise InputError(
            "nothing to screen against: the ledger holds no snapshot"
            + (f" of {', '.join(lists)}" if lists else "")
            + (f" at or before {as_of}" if as_of else ""),
            hint="load a list first with `sanctions load PATH`",
        )
    return index


def _common(f: Any) -> Any:
    f = click.option("--list", "lists", multiple=True, help="Only entities of this list (repeatable).")(f)
    f = click.option(
        "--program", "programs", multiple=True, help="Only entities in this program (repeatable)."
    )(f)
    f = click.option("--as-of", "as_of", help="Screen against the lists as they stood at this instant.")(f)
    f = click.option(
        "--threshold",
        type=float,
        default=DEFAULT_THRESHOLD,
        show_default=True,
        help="Lowest score to report.",
    )(f)
    f = click.option(
        "--files",
        "files",
        multiple=True,
        type=click.Path(exists=True, path_type=Path),
        help="Screen against these list files or folders instead of the ledger.",
    )(f)
    return f


@click.command("screen")
@click.argument("name")
@click.option(
    "--type", "schema", type=click.Choice(["person", "organization", "vessel", "aircraft", "unknown"])
)
@click.option("--dob", help="Date of birth: YYYY, YYYY-MM or YYYY-MM-DD.")
@click.option("--country", help="Country (ISO code or name).")
@click.option("--imo", help="IMO number of a vessel or company.")
@click.option("--id-number", "id_number", help="Passport, national ID or other identifier.")
@_common
@click.option(
    "--limit", type=int, default=DEFAULT_LIMIT, show_default=True, help="At most this many matches."
)
@click.option(
    "--group",
    "grouped",
    is_flag=True,
    help="One result per party: hits on several lists linked by identifiers or UN reference numbers.",
)
@click.option("--json", "as_json", is_flag=True, help="Print machine-readable JSON on stdout.")
@click.pass_context
def screen_cmd(
    ctx: click.Context,
    name: str,
    schema: str | None,
    dob: str | None,
    country: str | None,
    imo: str | None,
    id_number: str | None,
    lists: tuple[str, ...],
    programs: tuple[str, ...],
    as_of: str | None,
    threshold: float,
    files: tuple[Path, ...],
    limit: int,
    grouped: bool,
    as_json: bool,
) -> None:
    """Screen one NAME against the sanctions lists (--group: each party once, with each list's record)."""
    query = ScreeningQuery.build(
        name,
        schema=schema,
        dob=dob,
        country=country,
        imo=imo,
        id_number=id_number,
        lists=lists,
        programs=programs,
        threshold=threshold,
        limit=limit,
    )
    screener = Screener(screening_index(ctx, lists, as_of, files))
    data = screener.screen_grouped(query) if grouped else screener.screen(query).to_dict()
    if as_of:
        data["query"]["as_of"] = as_of
    if as_json:
        click.echo(json.dumps(data, indent=2, ensure_ascii=False))
        return
    if not data.get("parties" if grouped else "matches"):
        click.echo(f"no match for {name!r} at threshold {threshold}")
        return
    if not grouped:
        for m in data["matches"]:
            _echo_match(m, "")
        return
    for party in data["parties"]:
        records = party["records"]
        best = records[0]
        on = ", ".join(party["lists"])
        count = f"{len(records)} records on {on}" if len(records) > 1 else f"1 record on {on}"
        click.echo(f"{party['score']:.3f}  {best['name']}  ({count})")
        for link in party["links"]:
            click.echo(f"       linked by {link}")
        for m in records:
            _echo_match(m, "       ")


def _echo_match(m: dict[str, Any], indent: str) -> None:
    """One match as text: score and entity, the name evidence in an analyst's words, each feature's effect,
    and what the score means."""
    ex, programs = m["explanation"], ", ".join(m["programs"])
    click.echo(f"{indent}{m['score']:.3f}  {m['entity_id']}  {m['name']}  [{m['schema']}; {programs}]")
    meaning = ex["score_meaning"]["text"]
    features = {f["detail"] for f in ex["features"]}
    for note in ex["notes"]:
        if note not in features and note != meaning:
            click.echo(f"{indent}       {note}")
    for f in ex["features"]:
        click.echo(f"{indent}       {f['effect']:+.2f} {f['detail']}")
    click.echo(f"{indent}       {meaning}")


@click.command("screen-file")
@click.argument("in_path", type=click.Path(path_type=Path))
@click.option(
    "--out",
    "out_path",
    type=click.Path(path_type=Path),
    help="OUT.csv, OUT.xlsx or OUT.jsonl (the extension picks the format)  [default: IN_PATH's name"
    " with .screened.csv, beside it]",
)
@_common
@click.option(
    "--limit", type=int, default=DEFAULT_LIMIT, show_default=True, help="At most this many per row."
)
@click.option("--workers", type=int, default=min(2, os.cpu_count() or 1), show_default=True)
@click.option("--progress/--no-progress", default=True, help="Progress bar on stderr.")
@click.option("--scheduler", default=None, help="Screen on the Dask cluster at this address.")
@click.option("--dask", "on_dask", is_flag=True, help="Screen on a local Dask cluster (--workers).")
@click.pass_context
def screen_file_cmd(
    ctx: click.Context,
    in_path: Path,
    out_path: Path | None,
    lists: tuple[str, ...],
    programs: tuple[str, ...],
    as_of: str | None,
    threshold: float,
    files: tuple[Path, ...],
    limit: int,
    workers: int,
    progress: bool,
    scheduler: str | None,
    on_dask: bool,
) -> None:
    """Screen every row of IN_PATH (CSV with a 'name' column) into --out: CSV, an Excel workbook or JSON
    lines, by its extension; by default IN_PATH's name with .screened.csv, beside it."""
    if not in_path.is_file():
        raise InputError(f"{in_path}: no such file")
    if workers < 1:
        raise InputError(f"--workers {workers} must be at least 1")
    out_path = out_path or default_out_path(in_path)
    check_out_path(in_path, out_path)
    ScreeningQuery.build("x", lists=lists, programs=programs, threshold=threshold, limit=limit)
    index = screening_index(ctx, lists, as_of, files, lazy=False)
    screener = Screener(index, threshold, limit, lists=lists, programs=programs)
    where = ""
    if wants_dask(in_path, scheduler, on_dask):
        with dask_client(scheduler, n_workers=workers) as client:
            dask = DaskCluster(client)
            counts = screen_file(
                screener, in_path, out_path, progress=progress, chunk_size=1000, executor=dask
            )
            where = f" on Dask ({dask.workers} workers)"
    else:
        counts = screen_file(screener, in_path, out_path, workers=workers, progress=progress)
    click.echo(
        f"screened {counts['rows']} rows{where}: {counts['with_matches']} with matches, "
        f"{counts['errors']} errors; wrote {out_path}",
        err=True,
    )
    if counts["errors"] and counts["errors"] == counts["rows"]:
        sys.exit(1)


def register(group: click.Group) -> None:
    group.add_command(screen_cmd)
    group.add_command(screen_file_cmd)
