"""Ledger commands: load, update, snapshots, diff, show, history, asof, stats, audit."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

import click

from sanctions_ledger.actions.story import entity_history, show_entity
from sanctions_ledger.cli.main import get_ledger, json_option, parse_at
from sanctions_ledger.cli.output import emit_json, err, progress_enabled, table
from sanctions_ledger.ledger.archive import ReplaySummary
from sanctions_ledger.ledger.queries import list_of
from sanctions_ledger.ledger.records import LoadResult
from sanctions_ledger.model.times import iso
from sanctions_ledger.parsers import LISTS
from sanctions_ledger.parsers.aliases import LIST_ALIASES
from sanctions_ledger.services import loading
from sanctions_ledger.services.loading import Loaded, LoadReporter, PostLoadStep, rescreen_watchlists
from sanctions_ledger.settings import Settings


def _bar(total: int, desc: str) -> Any:
    import sys

    from tqdm import tqdm

    return tqdm(total=total, desc=desc, unit="file", disable=not progress_enabled(), file=sys.stderr)


def _post_load_steps(ctx: click.Context) -> list[PostLoadStep]:
    """The steps after a load: monitoring's re-screen of the watchlists (off: SANCTIONS_MONITOR_ON_LOAD=0)."""
    return [rescreen_watchlists] if Settings.from_env(ctx.obj["db_url"]).monitor_on_load else []


def _print_steps(loaded: Loaded) -> None:
    for outcome in loaded.steps:
        err(outcome.message)


class _LoadPrinter(LoadReporter):
    """``sanctions load``: a line per list set and per archive as each is stored, a bar per archive, and
    with --json the whole result at the end."""

    def __init__(self, as_json: bool) -> None:
        self.as_json = as_json
        self.bars: dict[Path, Any] = {}

    def stored(self, results: Sequence[LoadResult]) -> None:
        if self.as_json:
            return
        for r in results:
            s = r.snapshot
            verb = {
                "created": "new snapshot",
                "already_observed": "already observed at this time, nothing added: snapshot",
            }.get(r.status, "unchanged, observation recorded for snapshot")
            click.echo(
                f"{s.list}: {verb} #{s.id} observed {iso(s.observed_at)}: {r.records_in} records in, "
                f"{r.entities_stored} entities stored (+{s.added_count} -{s.removed_count} "
                f"~{s.changed_count}; {r.versions_created} new versions)"
            )

    def replaying(self, archive: Path, done: int, total: int) -> None:
        if archive not in self.bars:
            self.bars[archive] = _bar(total, archive.name)
        self.bars[archive].update(1)

    def replayed(self, summary: ReplaySummary) -> None:
        bar = self.bars.pop(Path(summary.archive), None)
        if bar is not None:
            bar.close()
        if not self.as_json:
            stored = f", {summary.already_stored} already stored" if summary.already_stored else ""
            click.echo(
                f"{summary.archive}: {summary.observations} observations replayed, "
                f"{summary.snapshots_created} snapshots created, {summary.unchanged} unchanged{stored}, "
                f"{summary.versions_created} new versions"
            )

    def finished(self, loaded: Loaded) -> None:
        if self.as_json:
            emit_json(loaded.to_dict())


@click.command()
@click.argument("paths", nargs=-1, required=True, type=click.Path(path_type=Path))
@click.option(
    "--observed-at",
    help="When the files were observed: a date (start of day in the list's zone) "
    "or an ISO instant. Default: now.",
)
@click.option(
    "--list",
    "list_name",
    type=click.Choice(sorted([*LISTS, *LIST_ALIASES])),
    help="Which list the files are (overrides detection).",
)
@click.option("--limit", type=int, help="Archives only: replay the first N observations.")
@json_option
@click.pass_context
def load(
    ctx: click.Context,
    paths: tuple[Path, ...],
    observed_at: str | None,
    list_name: str | None,
    limit: int | None,
    as_json: bool,
) -> None:
    """Load list files, folders of list sets, or an observation archive (e.g. ofac-sdn-daily.tar.xz).

    All files are parsed before anything is written; each list set is stored in one transaction.
    """
    loaded = loading.load_files(
        get_ledger(ctx),
        paths,
        observed_at=observed_at,
        list_name=list_name,
        limit=limit,
        after=_post_load_steps(ctx),
        reporter=_LoadPrinter(as_json),
    )
    _print_steps(loaded)


class _UpdatePrinter(LoadReporter):
    """``sanctions update --from``: a line on stderr per set as it starts, a table at the end."""

    def __init__(self, as_json: bool) -> None:
        self.as_json = as_json

    def loading(self, what: str) -> None:
        if not self.as_json:
            err(f"loading {what}")

    def finished(self, loaded: Loaded) -> None:
        if self.as_json:
            emit_json(loaded.to_dict())
            return
        table(
            [
                (r.snapshot.list, r.snapshot.id, iso(r.snapshot.observed_at), r.status, r.entities_stored)
                for r in loaded.loads
            ],
            ["list", "snapshot", "observed_at", "status", "entities"],
        )
        for rp in loaded.replays:
            click.echo(
                f"replayed {rp.archive}: {rp.observations} observations, {rp.snapshots_created} snapshots"
            )


class _FetchPrinter(LoadReporter):
    """``sanctions update``: each list's outcome at the end."""

    def __init__(self, as_json: bool) -> None:
        self.as_json = as_json

    def finished(self, loaded: Loaded) -> None:
        if self.as_json:
            emit_json([o.to_dict() for o in loaded.fetches])
            return
        for o in loaded.fetches:
            click.echo(f"{o.list}: {o.status}")


@click.command()
@click.option(
    "--from",
    "from_dir",
    type=click.Path(path_type=Path, exists=True, file_okay=False),
    help="Load a local tree laid out as <list>/<YYYY-MM-DD>/ instead of fetching.",
)
@click.option(
    "--list",
    "lists",
    multiple=True,
    type=click.Choice(sorted([*LISTS, *LIST_ALIASES])),
    help="Only these lists.",
)
@click.option(
    "--with-archives", is_flag=True, help="With --from: also replay <list>-daily/*.tar.xz archives."
)
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["ofac-advanced-xml", "ofac-enhanced-xml"]),
    help="Fetch the OFAC lists in this Sanctions List Service format instead of the legacy CSV.",
)
@json_option
@click.pass_context
def update(
    ctx: click.Context,
    from_dir: Path | None,
    lists: tuple[str, ...],
    with_archives: bool,
    fmt: str | None,
    as_json: bool,
) -> None:
    """Fetch the official lists (conditional requests) and load what changed, or load a local tree."""
    ledger = get_ledger(ctx)
    if from_dir is not None:
        loaded = loading.load_tree(
            ledger,
            from_dir,
            lists=lists,
            with_archives=with_archives,
            after=_post_load_steps(ctx),
            reporter=_UpdatePrinter(as_json),
        )
    else:
        loaded = loading.fetch_official(
            ledger,
            Settings.from_env(ctx.obj["db_url"]).data_dir / "downloads",
            lists=lists,
            fmt=fmt,
            after=_post_load_steps(ctx),
            reporter=_FetchPrinter(as_json),
        )
    _print_steps(loaded)


@click.command()
@click.option("--list", "list_name", help="Only this list.")
@json_option
@click.pass_context
def snapshots(ctx: click.Context, list_name: str | None, as_json: bool) -> None:
    """List the snapshots in the ledger."""
    snaps = get_ledger(ctx).snapshots(list_name)
    if as_json:
        emit_json([s.to_dict() for s in snaps])
        return
    table(
        [
            (
                s.id,
                s.list,
                iso(s.observed_at),
                s.observation_count,
                s.entity_count,
                f"+{s.added_count} -{s.removed_count} ~{s.changed_count}",
                s.format,
            )
            for s in snaps
        ],
        ["id", "list", "observed_at", "obs", "entities", "changes", "format"],
    )


@click.command()
@click.argument("list_name", metavar="LIST")
@click.argument("from_ref", metavar="FROM")
@click.argument("to_ref", metavar="TO")
@click.option("--tz", help="Zone for dates in FROM/TO (default: the list authority's).")
@json_option
@click.pass_context
def diff(
    ctx: click.Context, list_name: str, from_ref: str, to_ref: str, tz: str | None, as_json: bool
) -> None:
    """What changed on LIST between two snapshots (ids, or instants: the latest snapshot at or before)."""
    d = get_ledger(ctx).diff(list_name, from_ref, to_ref, tz)
    if as_json:
        emit_json(d.to_dict())
        return
    click.echo(
        f"{list_name}: snapshot #{d.from_snapshot.id} ({iso(d.from_snapshot.observed_at)}) -> "
        f"#{d.to_snapshot.id} ({iso(d.to_snapshot.observed_at)})"
    )
    click.echo(f"added {len(d.added)}, removed {len(d.removed)}, changed {len(d.changed)}")
    if d.by_program:
        table(
            [(p, c["added"], c["removed"], c["changed"]) for p, c in d.by_program.items()],
            ["program", "added", "removed", "changed"],
        )


@click.command()
@click.argument("entity_id")
@click.option("--as-of", "as_of", help="An instant or date (end of day in the list's zone).")
@json_option
@click.pass_context
def show(ctx: click.Context, entity_id: str, as_of: str | None, as_json: bool) -> None:
    """Show a listed entity as of an instant (default: the latest snapshot)."""
    ledger = get_ledger(ctx)
    at = parse_at(as_of, ledger.list_timezone(list_of(entity_id))) if as_of else None
    d = show_entity(ledger, entity_id, at)
    if as_json:
        emit_json(d)
        return
    caption = next((n["name"] for n in d["names"] if n["kind"] == "primary"), d["names"][0]["name"])
    click.echo(
        f"{d['id']}  {caption}  [{d['schema']}]  (snapshot #{d['snapshot']['id']}, "
        f"{d['snapshot']['observed_at']})"
    )
    click.echo(f"  programs: {', '.join(d['programs']) or '-'}")
    des = d["designation"]
    if des and des.get("at"):
        by = f" by {des['action_id']}" if des.get("action_id") else ""
        click.echo(f"  designated: {des['at']['text']}{by} (evidence: {', '.join(des['evidence'])})")
    elif des:
        click.echo(f"  designated: unknown (first seen in the ledger {des['first_seen']})")
    for a in d["actions"]:
        when = a["announced"]["text"] if a["announced"] else "?"
        click.echo(
            f"  action: {a['action_id']} ({a['category']}, {when}, {a['status']}; linked {a['linked']})"
        )
    if d.get("linked_ids"):
        click.echo(f"  same party on: {', '.join(d['linked_ids'])}")
    for n in d["names"]:
        click.echo(f"  name ({n['kind']}): {n['name']}")
    for b in d["birth_dates"]:
        click.echo(f"  born: {b['value']}{' (circa)' if b.get('circa') else ''}")
    for i in d["identifiers"]:
        click.echo(f"  {i['type']}: {i['value']}{' (' + i['country'] + ')' if i.get('country') else ''}")
    for a in d["addresses"]:
        click.echo(f"  address: {a['full']}")
    if d["remarks"]:
        click.echo(f"  remarks: {d['remarks']}")
    if d.get("provenance"):
        p = d["provenance"]
        click.echo(f"  source: {p['file']}" + (f", line {p['line']}" if p.get("line") else ""))


@click.command()
@click.argument("entity_id")
@json_option
@click.pass_context
def history(ctx: click.Context, entity_id: str, as_json: bool) -> None:
    """An entity's versions across snapshots: first and last seen, and what changed when."""
    ledger = get_ledger(ctx)
    h = entity_history(ledger, entity_id)
    if as_json:
        emit_json(h)
        return
    click.echo(
        f"{entity_id}: first seen {h['first_seen']}, last seen {h['last_seen']}"
        + ("" if h["on_latest_snapshot"] else " (not on the latest snapshot)")
    )
    if h.get("linked_ids"):
        click.echo(f"  same party on: {', '.join(h['linked_ids'])} (see its history too)")
    table(
        [
            (
                v["version_id"],
                v["first_observed_at"],
                v["last_observed_at"],
                v["snapshots"],
                ", ".join(v["changes"]) or "(first)",
                v["ended_at"] or "",
            )
            for v in h["versions"]
        ],
        ["version", "from", "to", "snapshots", "changed", "ended"],
    )
    click.echo("story:")
    for e in h["events"]:
        click.echo(f"  {e['at']['text']:<40} {e['kind']:<16} {e['detail']}  [{e['evidence']}]")


@click.command()
@click.argument("instant")
@click.option("--list", "list_name", required=True, help="The list, e.g. ofac-sdn.")
@click.option("--program", help="Only entities in this program (e.g. DPRK3).")
@click.option("--tz", help="Zone for a date INSTANT (default: the list authority's).")
@json_option
@click.pass_context
def asof(
    ctx: click.Context, instant: str, list_name: str, program: str | None, tz: str | None, as_json: bool
) -> None:
    """Which entities were on a list at an instant (a date means the end of that day)."""
    ledger = get_ledger(ctx)
    at = parse_at(instant, tz or ledger.list_timezone(list_name))
    assert at is not None
    snap, ids = ledger.asof(list_name, at, program)
    out = {
        "list": list_name,
        "as_of": iso(at),
        "program": program,
        "snapshot": {"id": snap.id, "observed_at": iso(snap.observed_at)},
        "count": len(ids),
        "entity_ids": ids,
    }
    if as_json:
        emit_json(out)
    else:
        click.echo(
            f"{list_name} as of {iso(at)}: snapshot #{snap.id}, {len(ids)} entities"
            + (f" in {program}" if program else "")
        )
        for i in ids:
            click.echo(i)


@click.command()
@json_option
@click.pass_context
def stats(ctx: click.Context, as_json: bool) -> None:
    """Counts per list: snapshots, entities now and ever, versions."""
    s = get_ledger(ctx).stats()
    if as_json:
        emit_json(s)
        return
    table(
        [
            (
                n,
                v["snapshots"],
                v["observations"],
                v["entities_now"],
                v["entities_ever"],
                v["versions"],
                v["latest_observed_at"],
            )
            for n, v in s["lists"].items()
        ],
        ["list", "snapshots", "observations", "entities", "ever", "versions", "latest"],
    )


@click.command()
@click.option("--limit", default=50, show_default=True)
@click.option("--action", help="Only entries whose action starts with this (e.g. load, actions.).")
@json_option
@click.pass_context
def audit(ctx: click.Context, limit: int, action: str | None, as_json: bool) -> None:
    """The append-only audit log of every write, newest first."""
    rows = get_ledger(ctx).audit_entries(limit, action)
    if as_json:
        emit_json(rows)
        return
    table(
        [(r["id"], r["at"], r["actor"], r["action"], r["target"]) for r in rows],
        ["id", "at", "actor", "action", "target"],
    )


def register(group: click.Group) -> None:
    for cmd in (load, update, snapshots, diff, show, history, asof, stats, audit):
        group.add_command(cmd)
