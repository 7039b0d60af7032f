"""Commands: ``actions import|list|show|record|event|infer``, ``check-statement``, ``feed``, ``webhooks``."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path
from typing import Any

import click

from sanctions_ledger.actions import record as rec
from sanctions_ledger.actions import webhooks as wh
from sanctions_ledger.actions.model import CATEGORIES, EVENT_KINDS, Target
from sanctions_ledger.cli.main import get_ledger, json_option
from sanctions_ledger.cli.output import emit_json, err, table
from sanctions_ledger.errors import InputError
from sanctions_ledger.ledger import Ledger
from sanctions_ledger.ledger.store import default_actor
from sanctions_ledger.ledger.tables import utcnow
from sanctions_ledger.model.times import parse_instant, zone


def _notify(ledger: Ledger) -> None:
    """Deliver queued notifications to registered webhooks (the step every write is followed by, see
    :func:`~sanctions_ledger.actions.record.deliver_notifications`); problems are printed, never fatal."""
    for warning in rec.deliver_notifications(ledger).warnings():
        err(warning)


@click.group("actions")
def actions_group() -> None:
    """Actions: designations, amendments, delistings, advisories, with their lifecycle events."""


@actions_group.command("import")
@click.argument("path", type=click.Path(path_type=Path))
@json_option
@click.pass_context
def import_cmd(ctx: click.Context, path: Path, as_json: bool) -> None:
    """Import actions from a facts JSON file. Idempotent: importing again adds nothing."""
    from sanctions_ledger.actions.facts import import_facts

    ledger = get_ledger(ctx)
    r = import_facts(ledger, path)
    _notify(ledger)
    if as_json:
        emit_json(r.to_dict())
        return
    click.echo(
        f"{path}: {len(r.created)} actions imported, {len(r.unchanged)} already present"
        + (
            f", {len(r.differs)} differ from the stored version (left as stored): {', '.join(r.differs)}"
            if r.differs
            else ""
        )
    )


@actions_group.command("list")
@click.option("--announced-on", help="A local date YYYY-MM-DD: actions announced that day.")
@click.option(
    "--tz", help="Zone of --announced-on / --in-effect-at (default: each action's authority's zone)."
)
@click.option("--in-effect-at", help="An instant (or a date: its end, in --tz): actions in effect then.")
@click.option("--entity", "entity_id", help="Only actions that target this entity (e.g. ofac-sdn:26243).")
@click.option("--authority", help="Only this authority (e.g. US-TREASURY-OFAC).")
@click.option(
    "--origin", type=click.Choice(["recorded", "imported", "inferred"]), help="Only actions of this origin."
)
@click.option(
    "--exact", is_flag=True, help="With --announced-on: leave out actions that only possibly fall on the day."
)
@json_option
@click.pass_context
def list_cmd(
    ctx: click.Context,
    announced_on: str | None,
    tz: str | None,
    in_effect_at: str | None,
    entity_id: str | None,
    authority: str | None,
    origin: str | None,
    exact: bool,
    as_json: bool,
) -> None:
    """List actions, optionally announced on a local date, in effect at an instant, or for an entity."""
    from sanctions_ledger.actions import queries as q
    from sanctions_ledger.actions.lifecycle import derive
    from sanctions_ledger.actions.store import all_actions

    ledger = get_ledger(ctx)
    if tz:
        zone(tz)
    acts = q.for_entity(ledger, entity_id) if entity_id else None
    pool = [f.action for f in acts] if acts is not None else all_actions(ledger, origin=origin)
    if authority:
        pool = [a for a in pool if a.authority == authority]
    if origin:
        pool = [a for a in pool if a.origin == origin]
    if announced_on:
        try:
            day = date.fromisoformat(announced_on)
        except ValueError as exc:
            raise InputError(f"--announced-on {announced_on!r} is not a date YYYY-MM-DD") from exc
        found = q.announced_on(ledger, day, tz, include_possible=not exact, actions=pool)
    else:
        found = [q.Found(a, derive(a.id, a.events)) for a in pool]
    if in_effect_at:
        instant = parse_instant(
            in_effect_at, tz or "America/New_York", end_of_day=True, what="--in-effect-at"
        )
        found = [f for f in found if f.life.in_effect_at(instant)]
    now = utcnow()
    rows = [f.to_dict(now) for f in found]
    if as_json:
        emit_json(rows)
        return
    table(
        [
            (
                r["id"],
                r["authority"],
                r["announced_at"],
                r["status"],
                r["origin"],
                len(r["targets"]),
                ",".join(r["programs"]),
            )
            for r in rows
        ],
        ["id", "authority", "announced_at", "status", "origin", "targets", "programs"],
    )


@actions_group.command("show")
@click.argument("action_id")
@click.option("--would-have", is_flag=True, help="For a withdrawn action: what it would have done.")
@json_option
@click.pass_context
def show_cmd(ctx: click.Context, action_id: str, would_have: bool, as_json: bool) -> None:
    """An action's full history: every event (corrections included), status, targets, sources, links."""
    from sanctions_ledger.actions import queries as q

    ledger = get_ledger(ctx)
    data = q.would_have(ledger, action_id) if would_have else q.history(ledger, action_id)
    if as_json:
        emit_json(data)
        return
    if would_have:
        click.echo(
            f"{data['id']}: planned to take effect {data['planned_effective_at']}, withdrawn "
            f"{data['withdrawn_at']} ({data['reason']})"
        )
        table(
            [(t["entity_id"], t["name"], t["effect"]) for t in data["targets"]], ["entity", "name", "effect"]
        )
        return
    click.echo(
        f"{data['id']}  [{data['category']}, {data['origin']}]  {data['authority']}  status: {data['status']}"
    )
    if data["title"]:
        click.echo(f"  {data['title']}")
    ann = data.get("announced") or {}
    click.echo(
        f"  announced: {ann.get('text') or data['announced_at']} ({data['announced_zone']}, "
        f"precision {data['announced_precision']}{', approximate' if ann.get('approximate') else ''})"
    )
    for e in data["events"]:
        mark = " (corrected)" if e["corrected"] else ""
        click.echo(
            f"  #{e['id']} {e['kind']:<10} {e['at']} [{e['zone']}, {e['precision']}]{mark}  "
            f"recorded {e['recorded_at']} by {e['recorded_by']}" + (f": {e['note']}" if e.get("note") else "")
        )
    for t in data["targets"]:
        click.echo(f"  target: {t['entity_id'] or '-'}  {t['name']} ({t['type']})")


@actions_group.command("record")
@click.option("--authority", required=True, help="e.g. US-TREASURY-OFAC, UNSC, UK-HMT-OFSI.")
@click.option("--category", type=click.Choice(CATEGORIES), default="designation", show_default=True)
@click.option("--type", "action_type", help="The authority's own term (default: the category).")
@click.option("--title", help="Title of the action or press release.")
@click.option(
    "--id", "action_id", help="An id for the action (default: made from authority, date and title)."
)
@click.option("--program", "programs", multiple=True, help="Program tag (repeatable), e.g. DPRK3.")
@click.option(
    "--legal-authority", "legal", multiple=True, help="Legal authority (repeatable), e.g. 'E.O. 13722'."
)
@click.option(
    "--target", "targets", multiple=True, help="A ledger entity id (repeatable), e.g. ofac-sdn:26243."
)
@click.option(
    "--target-name",
    "target_names",
    multiple=True,
    help="A target not (yet) in the ledger, by name (repeatable); 'NAME|type' sets its type.",
)
@click.option("--source", "sources", multiple=True, help="A source URL (repeatable).")
@click.option("--press-release", help="Press release id, e.g. sm774.")
@click.option("--drafted-at", help="When it was drafted.")
@click.option(
    "--scheduled-for", help="Planned effective time (records a 'scheduled' event now, or at --scheduled-at)."
)
@click.option("--scheduled-at", help="When the scheduling was decided (default: now).")
@click.option("--announced-at", help="When it was announced.")
@click.option("--effective-at", help="When it took effect.")
@click.option("--tz", help="Zone for times without an offset (dates default to the authority's zone).")
@click.option("--note", help="A note on the first event.")
@json_option
@click.pass_context
def record_cmd(
    ctx: click.Context,
    authority: str,
    category: str,
    action_type: str | None,
    title: str | None,
    action_id: str | None,
    programs: tuple[str, ...],
    legal: tuple[str, ...],
    targets: tuple[str, ...],
    target_names: tuple[str, ...],
    sources: tuple[str, ...],
    press_release: str | None,
    drafted_at: str | None,
    scheduled_for: str | None,
    scheduled_at: str | None,
    announced_at: str | None,
    effective_at: str | None,
    tz: str | None,
    note: str | None,
    as_json: bool,
) -> None:
    """Record an action by hand, with its first lifecycle events (one transaction, audited).

    Times: an ISO instant with offset (2019-03-21T13:40:00-04:00), a local time with --tz, or a date
    (a local day in --tz or the authority's zone, stored with precision 'day').
    """
    from sanctions_ledger.actions.queries import summary

    ledger = get_ledger(ctx)
    for tid in targets:
        if ":" not in tid:
            raise InputError(
                f"--target {tid!r} is not an entity id <list>:<id>", hint="use --target-name for names"
            )
    events: list[rec.EventInput] = []
    if drafted_at:
        events.append(rec.EventInput("drafted", drafted_at, tz=tz, at_name="--drafted-at"))
    if scheduled_for:
        events.append(
            rec.EventInput(
                "scheduled",
                scheduled_at,  # when it was decided; None: now
                effective_at=scheduled_for,
                tz=tz,
                at_name="--scheduled-at",
                effective_name="--scheduled-for",
            )
        )
    if announced_at:
        events.append(rec.EventInput("announced", announced_at, tz=tz, at_name="--announced-at"))
    if effective_at:
        events.append(rec.EventInput("effective", effective_at, tz=tz, at_name="--effective-at"))
    names = [tn.partition("|") for tn in target_names]
    spec = rec.ActionInput(
        authority=authority,
        category=category,
        action_type=action_type,
        title=title,
        action_id=action_id,
        programs=programs,
        legal_authorities=legal,
        sources=sources,
        press_release_id=press_release,
        targets=[Target(tid, "unknown", tid) for tid in targets]
        + [Target(name.strip(), ttype.strip() or "unknown", None) for name, _, ttype in names],
        events=events,
        note=note,
    )
    stored = rec.record_action(ledger, spec, actor=default_actor()).action
    _notify(ledger)
    out = summary(stored)
    if as_json:
        emit_json(out)
    else:
        click.echo(f"recorded {stored.id} ({out['status']})")


@actions_group.command("event")
@click.argument("action_id")
@click.argument("kind", type=click.Choice([k for k in EVENT_KINDS if k != "observed"]))
@click.option(
    "--at", "at_value", required=True, help="When it happened (instant with offset, or date/time + --tz)."
)
@click.option(
    "--tz", help="Zone for --at / --effective-at without an offset (dates default to the authority's)."
)
@click.option("--effective-at", help="For 'scheduled': the planned effective time.")
@click.option("--reason", help="Why (withdrawn/revoked).")
@click.option("--note", help="A note.")
@click.option("--corrects", type=int, help="Id of an earlier event of the same kind that this one corrects.")
@json_option
@click.pass_context
def event_cmd(
    ctx: click.Context,
    action_id: str,
    kind: str,
    at_value: str,
    tz: str | None,
    effective_at: str | None,
    reason: str | None,
    note: str | None,
    corrects: int | None,
    as_json: bool,
) -> None:
    """Append a lifecycle event to an action. Refused (nothing written) when it contradicts the log."""
    ledger = get_ledger(ctx)
    spec = rec.EventInput(
        kind,
        at_value,
        effective_at=effective_at,
        tz=tz,
        note=note,
        reason=reason,
        corrects=corrects,
        at_name="--at",
        effective_name="--effective-at",
    )
    ev = rec.append_event(ledger, action_id, spec, actor=default_actor()).event
    _notify(ledger)
    if as_json:
        emit_json(ev.to_dict() | {"action_id": action_id})
    else:
        click.echo(f"{action_id}: event #{ev.id} {kind} at {ev.when.local_iso()} recorded")


@actions_group.command("infer")
@click.option(
    "--list", "list_name", default="ofac-sdn", show_default=True, help="The list whose snapshots to compare."
)
@json_option
@click.pass_context
def infer_cmd(ctx: click.Context, list_name: str, as_json: bool) -> None:
    """Infer observed changes from consecutive snapshots, linked to recorded/imported actions."""
    from sanctions_ledger.actions.infer import infer

    ledger = get_ledger(ctx)
    r = infer(ledger, list_name)
    _notify(ledger)
    if as_json:
        emit_json(r.to_dict())
        return
    click.echo(
        f"{list_name}: {len(r.created)} observed changes created, {len(r.existing)} already known, "
        f"{len(r.links_added)} links to recorded actions added"
    )
    for link in r.links_added:
        click.echo(
            f"  {link['inferred_id']} <- {link['action_id']} "
            f"({len(link['matched'])} targets, {link['timing']})"
        )


@click.command("check-statement")
@click.argument("text")
@click.option("--at", "at_value", required=True, help="When the statement was made: an instant WITH offset.")
@click.option("--tz", help="The author's zone (default America/New_York).")
@json_option
@click.pass_context
def check_statement_cmd(ctx: click.Context, text: str, at_value: str, tz: str | None, as_json: bool) -> None:
    """Check what a statement says about sanctions actions against the record."""
    from sanctions_ledger.statements import check_statement

    r = check_statement(get_ledger(ctx), text, at_value, tz)
    if as_json:
        emit_json(r)
        return
    click.echo(f"verdict: {r['verdict']}")
    for f in r["findings"]:
        click.echo(f"- {f}")
    if r["candidates"]:
        click.echo("candidates:")
        for c in r["candidates"][:5]:
            click.echo(f"  {c['score']:.2f}  {c['action_id']}  announced {c['announced_at']}")


@click.command("feed")
@click.option("--format", "fmt", type=click.Choice(["atom", "json"]), default="atom", show_default=True)
@click.option("--limit", type=int, default=50, show_default=True)
@click.option("--url", help="The feed's own URL (self link / feed_url).")
@click.option("--output", "-o", type=click.Path(path_type=Path), help="Write to a file instead of stdout.")
@click.pass_context
def feed_cmd(ctx: click.Context, fmt: str, limit: int, url: str | None, output: Path | None) -> None:
    """The change feed of actions and list snapshots, as Atom or JSON Feed 1.1."""
    from sanctions_ledger.actions import feeds

    ledger = get_ledger(ctx)
    text = (
        feeds.atom(ledger, limit, url)
        if fmt == "atom"
        else json.dumps(feeds.json_feed(ledger, limit, url), indent=2, ensure_ascii=False) + "\n"
    )
    if output:
        output.write_text(text, encoding="utf-8")
    else:
        click.echo(text, nl=False)


@click.group("webhooks")
def webhooks_group() -> None:
    """Webhooks: signed POSTs for new actions, events and snapshots."""


@webhooks_group.command("add")
@click.argument("url")
@click.option(
    "--secret", required=True, envvar="SANCTIONS_WEBHOOK_SECRET", help="Shared HMAC secret (>= 16 chars)."
)
@click.option(
    "--event", "events", multiple=True, type=click.Choice(wh.EVENT_TYPES), help="Only these (default all)."
)
@json_option
@click.pass_context
def webhooks_add(ctx: click.Context, url: str, secret: str, events: tuple[str, ...], as_json: bool) -> None:
    """Register a webhook URL."""
    h = wh.register(get_ledger(ctx), url, secret, list(events) or None)
    emit_json(h.to_dict()) if as_json else click.echo(f"webhook #{h.id} registered for {h.url}")


@webhooks_group.command("list")
@json_option
@click.pass_context
def webhooks_list(ctx: click.Context, as_json: bool) -> None:
    """List webhooks (secrets are not shown)."""
    hooks = [h.to_dict() for h in wh.list_hooks(get_ledger(ctx))]
    if as_json:
        emit_json(hooks)
        return
    table(
        [(h["id"], h["url"], h["events"], h["created_at"], h["disabled_at"] or "") for h in hooks],
        ["id", "url", "events", "created_at", "disabled_at"],
    )


@webhooks_group.command("remove")
@click.argument("hook_id", type=int)
@click.pass_context
def webhooks_remove(ctx: click.Context, hook_id: int) -> None:
    """Disable a webhook (its row and delivery log are kept)."""
    wh.disable(get_ledger(ctx), hook_id)
    click.echo(f"webhook #{hook_id} disabled")


@webhooks_group.command("deliver")
@click.option("--max-attempts", type=int, default=4, show_default=True)
@click.option(
    "--backoff", type=float, default=1.0, show_default=True, help="Seconds before the first retry; doubles."
)
@json_option
@click.pass_context
def webhooks_deliver(ctx: click.Context, max_attempts: int, backoff: float, as_json: bool) -> None:
    """Deliver pending notifications (new snapshots included), retrying with exponential backoff."""
    r = wh.dispatch(get_ledger(ctx), max_attempts=max_attempts, backoff=backoff)
    emit_json(r.to_dict()) if as_json else click.echo(
        f"{r.delivered} delivered, {r.failed} failed, {r.attempts} attempts"
    )


@webhooks_group.command("log")
@click.option("--limit", type=int, default=50, show_default=True)
@json_option
@click.pass_context
def webhooks_log(ctx: click.Context, limit: int, as_json: bool) -> None:
    """The delivery log: every attempt, newest first."""
    rows: list[dict[str, Any]] = wh.deliveries(get_ledger(ctx), limit)
    if as_json:
        emit_json(rows)
        return
    table(
        [
            (
                r["id"],
                r["webhook_id"],
                r["notification"],
                r["attempt"],
                r["attempted_at"],
                r["status_code"],
                "ok" if r["ok"] else (r["error"] or "failed"),
            )
            for r in rows
        ],
        ["id", "hook", "notification", "attempt", "at", "status", "result"],
    )


def register(group: click.Group) -> None:
    group.add_command(actions_group)
    group.add_command(check_statement_cmd)
    group.add_command(feed_cmd)
    group.add_command(webhooks_group)
