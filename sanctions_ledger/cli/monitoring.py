"""``sanctions watchlist|monitor|alerts``: ongoing monitoring from the command line.

``load`` and ``update`` re-screen the watchlists after loading through their own post-load step
(:func:`sanctions_ledger.services.loading.rescreen_watchlists`), and ``screen-file`` declares its own Dask
options (:mod:`sanctions_ledger.cli.screening`): this module adds nothing to other commands.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import click

from sanctions_ledger.cli.main import get_ledger, json_option
from sanctions_ledger.cli.output import emit_json, err, table
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
        from sanctions_ledger.screening.executors import DaskCluster, dask_client

        with dask_client(scheduler, n_workers=workers) as client:
            r = Monitor(ledger, executor=DaskCluster(client), executor_min_records=1).full()
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
    meaning = (ex.get("score_meaning") or {}).get("text")
    features = {f["detail"] for f in ex["features"]}
    click.echo(f"  matched {ex['matched_name']!r} (name similarity {ex['name_similarity']})")
    for note in ex.get("notes", []):  # the name evidence in an analyst's words (alerts raised before: none)
        if note not in features and note != meaning:
            click.echo(f"    {note}")
    for f in ex["features"]:
        click.echo(f"    {f['effect']:+.2f} {f['detail']}")
    if meaning:
        click.echo(f"    {meaning}")
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


def register(group: click.Group) -> None:
    for g in (watchlist, monitor, alerts):
        group.add_command(g)
