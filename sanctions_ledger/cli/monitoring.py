"""``sanctions watchlist|monitor|alerts``: ongoing monitoring from the command line.

Also hooks two existing commands (without changing their modules):

- ``load`` and ``update``: after a successful load, when any watchlist exists, the new snapshots are
  screened (``monitor run``); set ``SANCTIONS_MONITOR_ON_LOAD=0`` to leave that to a scheduled
  ``sanctions monitor run``.
- ``screen-file``: ``--scheduler ADDRESS`` and ``--dask`` run the batch on Dask (Parquet input and CSV of
  256 MB or more go to a LocalCluster by default).
"""

from __future__ import annotations

import functools
import os
import sys
from pathlib import Path
from typing import Any

import click

from sanctions_ledger.cli.main import get_ledger, json_option
from sanctions_ledger.cli.output import emit_json, err, table
from sanctions_ledger.errors import InputError
from sanctions_ledger.ledger.store import default_actor


def _monitor(ctx: click.Context) -> Any:
    from sanctions_ledger.monitoring import Monitor

    return Monitor(get_ledger(ctx))


# ---- watchlist ---------------------------------------------------------------------------------------


@click.group("watchlist")
def watchlist() -> None:
    """Customer or counterparty files screened whenever a list changes."""


def _print_load(s: dict[str, Any]) -> None:
    a = s["alerts"]
    click.echo(
        f"watchlist {s['watchlist']} upload {s['upload']}: {s['rows']} records "
        f"({s['added']} added, {s['changed']} changed, {s['removed']} removed, {s['unchanged']} unchanged); "
        f"alerts: {a['raised']} raised, {a['reopened']} reopened, {a['closed']} closed"
    )
    c = s.get("caught_up")
    if c:
        a = c["alerts"]
        what = "a full re-screen against" if c["mode"] == "full" else "the deltas of"
        click.echo(
            f"screened by {what} snapshot(s) {', '.join(f'#{i}' for i in c['snapshots']) or 'none'}: "
            f"alerts {a.get('raised', 0)} raised, {a.get('reopened', 0)} reopened, "
            f"{a.get('closed', 0)} closed"
        )
    elif not s["screened_against"]:
        err("note: the ledger holds no snapshot yet; the watchlist is screened when one is loaded")


@watchlist.command("add")
@click.argument("name")
@click.argument("path", type=click.Path(path_type=Path))
@click.option("--description", default="", help="What the watchlist holds.")
@json_option
@click.pass_context
def watchlist_add(ctx: click.Context, name: str, path: Path, description: str, as_json: bool) -> None:
    """Create watchlist NAME from PATH (CSV or Parquet: id, name, type, dob, country, imo, id_number) and
    screen it against the current snapshots at once."""
    s = _monitor(ctx).add_watchlist(name, path, description=description)
    emit_json(s) if as_json else _print_load(s)


@watchlist.command("update")
@click.argument("name")
@click.argument("path", type=click.Path(path_type=Path))
@json_option
@click.pass_context
def watchlist_update(ctx: click.Context, name: str, path: Path, as_json: bool) -> None:
    """Load a new version of watchlist NAME from PATH (added, changed and removed customers are tracked)."""
    s = _monitor(ctx).load_watchlist(name, path, create=False)
    emit_json(s) if as_json else _print_load(s)


@watchlist.command("list")
@json_option
@click.pass_context
def watchlist_list(ctx: click.Context, as_json: bool) -> None:
    """The watchlists, with their current record and open alert counts."""
    rows = _monitor(ctx).watchlists()
    if as_json:
        emit_json(rows)
        return
    table(
        [
            (w["name"], w["records"], w["uploads"], w["open_alerts"], w["queue_alerts"], w["created_at"])
            for w in rows
        ],
        ["name", "records", "uploads", "open alerts", "to review", "created"],
    )


# ---- monitor -----------------------------------------------------------------------------------------


@click.group("monitor")
def monitor() -> None:
    """Re-screen watchlists when lists change."""


def _print_run(r: dict[str, Any]) -> None:
    for p in r["processed"]:
        if p.get("superseded"):
            click.echo(f"snapshot #{p['snapshot']} ({p['list']}): superseded by a later snapshot")
            continue
        e, a, w = p["entities"], p["alerts"], p["work"]
        click.echo(
            f"snapshot #{p['snapshot']} ({p['list']}, {p['observed_at']}): "
            f"+{e['added']} ~{e['changed']} -{e['removed']} entities; "
            f"{w['queries']} of {p['customers']} customers screened, {w['candidates_scored']} candidates; "
            f"alerts {a['raised']} raised, {a['reopened']} reopened, {a['closed']} closed, "
            f"{a['suppressed']} suppressed"
        )
    if not r["processed"]:
        click.echo("nothing to do: every snapshot has been processed")


@monitor.command("run")
@click.option("--limit", type=int, default=None, help="Process at most this many snapshots.")
@json_option
@click.pass_context
def monitor_run(ctx: click.Context, limit: int | None, as_json: bool) -> None:
    """Screen every snapshot not yet processed (only its added and changed entities), oldest first.

    Idempotent and resumable: each snapshot is one transaction."""
    r = _monitor(ctx).run(limit=limit)
    emit_json(r) if as_json else _print_run(r)


@monitor.command("full")
@click.option("--scheduler", default=None, help="Run on the Dask cluster at this address (tcp://host:8786).")
@click.option("--dask", "use_dask", is_flag=True, help="Run on a local Dask cluster.")
@click.option("--workers", type=int, default=2, show_default=True, help="Workers of the local Dask cluster.")
@json_option
@click.pass_context
def monitor_full(
    ctx: click.Context, scheduler: str | None, use_dask: bool, workers: int, as_json: bool
) -> None:
    """Re-screen every watchlist against the latest snapshots (refreshes the scoring baseline)."""
    from sanctions_ledger.monitoring import Monitor

    ledger = get_ledger(ctx)
    if scheduler or use_dask:
        from sanctions_ledger.monitoring.dask_exec import DaskExecutor, dask_client

        with dask_client(scheduler, n_workers=workers) as client:
            r = Monitor(ledger, executor=DaskExecutor(client), executor_min_records=1).full()
    else:
        r = Monitor(ledger).full()
    if as_json:
        emit_json(r)
        return
    a, w = r["alerts"], r["work"]
    click.echo(
        f"full re-screen against snapshots {r['snapshots']}: {w['queries']} customers, "
        f"{w['candidates_scored']} candidates scored in {w['seconds']} s; alerts {a['raised']} raised, "
        f"{a['reopened']} reopened, {a['closed']} closed, {a['suppressed']} suppressed"
    )


@monitor.command("status")
@json_option
@click.pass_context
def monitor_status(ctx: click.Context, as_json: bool) -> None:
    """Snapshots processed and pending, and the scoring baseline."""
    s = _monitor(ctx).status()
    if as_json:
        emit_json(s)
        return
    click.echo(
        f"processed snapshots: {s['processed_snapshots']}; pending: {s['pending_snapshots'] or 'none'}"
    )
    click.echo(f"scoring baseline: {s['baseline_at'] or 'not set yet'}")


# ---- alerts ------------------------------------------------------------------------------------------


@click.group("alerts")
def alerts() -> None:
    """Alerts raised by monitoring, and analysts' decisions on them."""


@alerts.command("list")
@click.option(
    "--status",
    type=click.Choice(["queue", "open", "closed", "all"]),
    default="queue",
    show_default=True,
    help="queue: open and undecided or escalated.",
)
@click.option("--watchlist", default=None)
@click.option("--decision", type=click.Choice(["true_match", "false_positive", "escalate", "none"]))
@click.option("--customer", "customer_id", default=None)
@click.option("--entity", "entity_id", default=None)
@click.option("--limit", type=int, default=100, show_default=True)
@json_option
@click.pass_context
def alerts_list(
    ctx: click.Context,
    status: str,
    watchlist: str | None,
    decision: str | None,
    customer_id: str | None,
    entity_id: str | None,
    limit: int,
    as_json: bool,
) -> None:
    """Alerts, highest score first."""
    from sanctions_ledger.monitoring import list_alerts

    res = list_alerts(
        get_ledger(ctx),
        status=status,
        watchlist=watchlist,
        decision=decision,
        customer_id=customer_id,
        entity_id=entity_id,
        limit=limit,
    )
    if as_json:
        emit_json(res)
        return
    table(
        [
            (
                a["id"],
                f"{a['score']:.3f}",
                a["watchlist"],
                a["customer_id"],
                a["customer_name"],
                a["entity_id"],
                a["entity_name"],
                a["status"],
                a["decision"] or "",
            )
            for a in res["alerts"]
        ],
        ["id", "score", "watchlist", "customer", "name", "entity", "listed name", "status", "decision"],
    )
    if res["total"] > len(res["alerts"]):
        err(f"({len(res['alerts'])} of {res['total']}; use --limit)")


@alerts.command("show")
@click.argument("alert_id", type=int)
@json_option
@click.pass_context
def alerts_show(ctx: click.Context, alert_id: int, as_json: bool) -> None:
    """One alert with its match explanation and history."""
    from sanctions_ledger.monitoring import get_alert

    a = get_alert(get_ledger(ctx), alert_id)
    if as_json:
        emit_json(a)
        return
    ex = a["match"]["explanation"]
    click.echo(
        f"alert #{a['id']} [{a['status']}{', ' + a['decision'] if a['decision'] else ''}]  score {a['score']}"
    )
    click.echo(f"  customer {a['customer_id']} ({a['watchlist']}): {a['customer_name']}")
    click.echo(
        f"  entity   {a['entity_id']} version {a['entity_version_id']} ({a['entity_hash'][:12]}): "
        f"{a['entity_name']}"
    )
    click.echo(f"  matched {ex['matched_kind']} name {ex['matched_name']!r} ({ex['method']})")
    for f in ex["features"]:
        click.echo(f"    {f['effect']:+.2f} {f['detail']}")
    click.echo(f"  raised {a['raised_at']} (snapshot #{a['snapshot_id']})")
    for e in a["events"]:
        extra = " ".join(x for x in (e["decision"], e["reason"]) if x)
        click.echo(f"  {e['at']}  {e['kind']:<9} {e['actor']}  {extra}")
    for d in a.get("earlier", []):
        click.echo(
            f"  decided before on alert #{d['alert_id']}: {d['decision']} by {d['decided_by']} "
            f"({d['decided_at']}): {d['reason']}"
        )
        for c in d["changes"]:
            click.echo(f"    {c['of']} {c['field']}: {c['before'] or '-'} -> {c['after'] or '-'}")


@alerts.command("decide")
@click.argument("alert_id", type=int)
@click.option("--decision", required=True, type=click.Choice(["true_match", "false_positive", "escalate"]))
@click.option("--reason", required=True, help="Why (kept with the decision and in the audit log).")
@click.option("--actor", default=None, help="Who decides (default: cli:<os user>).")
@json_option
@click.pass_context
def alerts_decide(
    ctx: click.Context, alert_id: int, decision: str, reason: str, actor: str | None, as_json: bool
) -> None:
    """Record a decision on an alert. A false positive stays cleared until the entity or the customer
    record changes."""
    from sanctions_ledger.monitoring import decide

    a = decide(get_ledger(ctx), alert_id, decision, reason, actor or default_actor())
    if as_json:
        emit_json(a)
    else:
        click.echo(f"alert #{a['id']}: {a['decision']} ({a['decided_by']})")


# ---- hooks on existing commands ----------------------------------------------------------------------


def _after_load(cmd: click.Command) -> None:
    original = cmd.callback
    if original is None or getattr(original, "_monitor_hook", False):
        return

    @functools.wraps(original)
    def wrapped(*args: Any, **kwargs: Any) -> Any:
        result = original(*args, **kwargs)
        if os.environ.get("SANCTIONS_MONITOR_ON_LOAD", "1") != "0":
            ctx = click.get_current_context()
            from sanctions_ledger.monitoring import Monitor

            mon = Monitor(get_ledger(ctx))
            if mon.has_watchlists():
                r = mon.run()
                a = sum(p.get("alerts", {}).get("raised", 0) for p in r["processed"])
                err(f"monitoring: {len(r['processed'])} snapshot(s) screened, {a} new alert(s)")
        return result

    wrapped._monitor_hook = True  # type: ignore[attr-defined]
    cmd.callback = wrapped


def _dask_screen_file(cmd: click.Command) -> None:
    original = cmd.callback
    if original is None or getattr(original, "_dask_hook", False):
        return
    cmd.params.append(
        click.Option(["--scheduler"], default=None, help="Screen on the Dask cluster at this address.")
    )
    cmd.params.append(
        click.Option(["--dask", "use_dask"], is_flag=True, help="Screen on a local Dask cluster (--workers).")
    )

    @functools.wraps(original)
    def wrapped(*args: Any, **kwargs: Any) -> Any:
        scheduler = kwargs.pop("scheduler", None)
        force = kwargs.pop("use_dask", False)
        in_path: Path = kwargs["in_path"]
        from sanctions_ledger.monitoring.dask_exec import use_dask

        if not in_path.is_file() or not use_dask(in_path, scheduler, force):
            return original(*args, **kwargs)
        return _screen_file_on_dask(click.get_current_context(), scheduler, **kwargs)

    wrapped._dask_hook = True  # type: ignore[attr-defined]
    cmd.callback = wrapped


def _screen_file_on_dask(ctx: click.Context, scheduler: str | None, **kw: Any) -> None:
    from sanctions_ledger.cli import screening as sc
    from sanctions_ledger.monitoring.dask_exec import dask_client, screen_file_dask
    from sanctions_ledger.screening import ScreeningQuery
    from sanctions_ledger.screening.output import check_out_path, convert_jsonl, default_out_path

    if kw["workers"] < 1:
        raise InputError(f"--workers {kw['workers']} must be at least 1")
    out_path: Path = kw["out_path"] or default_out_path(kw["in_path"])
    fmt = check_out_path(kw["in_path"], out_path)
    ScreeningQuery.build(
        "x", lists=kw["lists"], programs=kw["programs"], threshold=kw["threshold"], limit=kw["limit"]
    )
    index = sc._index(ctx, kw["lists"], kw["as_of"], kw["files"])
    screener = sc._FilteredScreener(index, kw["threshold"], kw["limit"], kw["lists"], kw["programs"])
    # Dask writes JSON lines or CSV; a workbook is written from JSON lines once the cluster is done.
    direct = fmt != "xlsx"
    target = out_path if direct else out_path.with_name(out_path.name + ".part.jsonl")
    try:
        with dask_client(scheduler, n_workers=kw["workers"]) as client:
            counts = screen_file_dask(screener, kw["in_path"], target, client, progress=kw["progress"])
        if not direct:
            convert_jsonl(target, out_path)
    finally:
        if not direct:
            target.unlink(missing_ok=True)
    err(
        f"screened {counts['rows']} rows on Dask ({counts['tasks']} tasks): {counts['with_matches']} with "
        f"matches, {counts['errors']} errors; wrote {out_path}"
    )
    if counts["errors"] and counts["errors"] == counts["rows"]:
        sys.exit(1)


def register(group: click.Group) -> None:
    for g in (watchlist, monitor, alerts):
        group.add_command(g)
    for name in ("load", "update"):
        cmd = group.commands.get(name)
        if cmd is not None:
            _after_load(cmd)
    sf = group.commands.get("screen-file")
    if sf is not None:
        _dask_screen_file(sf)
