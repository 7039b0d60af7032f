"""Ledger commands: load, update, snapshots, diff, show, history, asof, stats, audit."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import click

from sanctions_ledger.actions.story import entity_history, show_entity
from sanctions_ledger.cli.main import get_ledger, json_option, parse_at
from sanctions_ledger.cli.output import emit_json, err, progress_enabled, table
from sanctions_ledger.ledger.queries import list_of
from sanctions_ledger.model.times import iso
from sanctions_ledger.parsers import LISTS
from sanctions_ledger.parsers.aliases import LIST_ALIASES


def _bar(total: int, desc: str) -> Any:
    import sys

    from tqdm import tqdm

    return tqdm(total=total, desc=desc, unit="file", disable=not progress_enabled(), file=sys.stderr)


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
    from sanctions_ledger.ledger.archive import is_archive, replay

    ledger = get_ledger(ctx)
    archives = [p for p in paths if p.exists() and is_archive(p)]
    plain = [p for p in paths if p not in archives]
    out: dict[str, Any] = {"loads": [], "replays": []}
    if plain:
        results = ledger.load_paths(plain, observed_at, list_name=list_name)
        out["loads"] = [r.to_dict() for r in results]
        if not as_json:
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
    for a in archives:
        bar = None

        def progress(done: int, total: int, name: str = a.name) -> None:
            nonlocal bar
            if bar is None:
                bar = _bar(total, name)
            bar.update(1)

        summary = replay(ledger, a, list_name=list_name or "ofac-sdn", limit=limit, progress=progress)
        if bar is not None:
            bar.close()
        out["replays"].append(summary.to_dict())
        if not as_json:
            stored = f", {summary.already_stored} already stored" if summary.already_stored else ""
            click.echo(
                f"{a}: {summary.observations} observations replayed, {summary.snapshots_created} snapshots "
                f"created, {summary.unchanged} unchanged{stored}, {summary.versions_created} new versions"
            )
    if as_json:
        emit_json(out)


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
    from sanctions_ledger.ledger.update import FORMAT_SOURCES, OFFICIAL_SOURCES, fetch_list, update_from_dir
    from sanctions_ledger.settings import Settings

    ledger = get_ledger(ctx)
    if from_dir is not None:
        results = update_from_dir(
            ledger,
            from_dir,
            lists=list(lists) or None,
            progress=(lambda s: err(f"loading {s}")) if not as_json else None,
        )
        out: dict[str, Any] = {"loads": [r.to_dict() for r in results], "replays": []}
        if with_archives:
            from sanctions_ledger.ledger.archive import replay

            for arch in sorted(from_dir.glob("*-daily/*.tar*")):
                lst = arch.parent.name.removesuffix("-daily")
                if lists and lst not in lists:
                    continue
                out["replays"].append(replay(ledger, arch, list_name=lst).to_dict())
        if as_json:
            emit_json(out)
        else:
            table(
                [
                    (r.snapshot.list, r.snapshot.id, iso(r.snapshot.observed_at), r.status, r.entities_stored)
                    for r in results
                ],
                ["list", "snapshot", "observed_at", "status", "entities"],
            )
            for rp in out["replays"]:
                click.echo(
                    f"replayed {rp['archive']}: {rp['observations']} observations, "
                    f"{rp['snapshots_created']} snapshots"
                )
        return
    cache = Settings.from_env(ctx.obj["db_url"]).data_dir / "downloads"
    if fmt is not None:  # an OFAC SLS format: only the lists published in it
        names = lists or tuple(lst for lst, f in FORMAT_SOURCES if f == fmt)
        outcomes = [fetch_list(ledger, name, cache, fmt=fmt) for name in names]
    else:
        outcomes = [fetch_list(ledger, name, cache) for name in (lists or tuple(OFFICIAL_SOURCES))]
    if as_json:
        emit_json([o.to_dict() for o in outcomes])
    else:
        for o in outcomes:
            click.echo(f"{o.list}: {o.status}")


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
