"""Reading and writing actions. Every write is one transaction that also writes the audit log entry and
the webhook notification; a refused write (unknown id, event out of order) writes nothing."""

from __future__ import annotations

import hashlib
import json
import re
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import replace
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, func, insert, select
from sqlalchemy.exc import IntegrityError

from sanctions_ledger.actions import webhooks
from sanctions_ledger.actions.lifecycle import Lifecycle, derive
from sanctions_ledger.actions.model import CATEGORIES, EVENT_KINDS, Action, Event, Target, When
from sanctions_ledger.errors import ConflictError, InputError, NotFoundError
from sanctions_ledger.ledger import Ledger
from sanctions_ledger.ledger import actions_tables as at
from sanctions_ledger.ledger.store import default_actor
from sanctions_ledger.ledger.tables import utcnow


def content_sha256(action: Action) -> str:
    blob = json.dumps(action.content(), sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(blob.encode("utf-8")).hexdigest()


def recorded_notification(action_id: str) -> str:
    """The key of the ``action.recorded`` webhook notification queued with a recorded action."""
    return f"action:{action_id}"


def event_notification(event_id: int) -> str:
    """The key of the ``action.event`` webhook notification queued with an appended event."""
    return f"action-event:{event_id}"


def _j(value: Any) -> str:
    return json.dumps(value, sort_keys=True, ensure_ascii=False)


# -- writing -----------------------------------------------------------------------------------------------


def insert_action(conn: Connection, action: Action, actor: str, now: datetime) -> None:
    if action.category not in CATEGORIES:
        raise InputError(
            f"unknown action category {action.category!r}", hint=f"one of {', '.join(CATEGORIES)}"
        )
    conn.execute(
        insert(at.actions).values(
            id=action.id,
            authority=action.authority,
            action_type=action.action_type,
            category=action.category,
            title=action.title,
            programs=_j(action.programs),
            countries=_j(action.countries),
            legal_authorities=_j(action.legal_authorities),
            sources=_j(action.sources),
            press_release_id=action.press_release_id,
            timezone=action.timezone,
            origin=action.origin,
            list=action.list_name,
            from_snapshot_id=action.from_snapshot_id,
            snapshot_id=action.snapshot_id,
            detail=_j(action.detail),
            content_sha256=content_sha256(action),
            created_at=now,
            created_by=actor,
        )
    )
    rows = [
        {
            "action_id": action.id,
            "position": i,
            "entity_id": tg.entity_id,
            "name": tg.name,
            "type": tg.type,
            "change": tg.change,
            "detail": _j(tg.detail),
        }
        for i, tg in enumerate(action.targets)
    ]
    for start in range(0, len(rows), 500):
        conn.execute(insert(at.action_targets), rows[start : start + 500])


def insert_event(conn: Connection, action_id: str, seq: int, ev: Event, now: datetime) -> int:
    if ev.kind not in EVENT_KINDS:
        raise InputError(f"unknown event kind {ev.kind!r}", hint=f"one of {', '.join(EVENT_KINDS)}")
    res = conn.execute(
        insert(at.action_events).values(
            action_id=action_id,
            seq=seq,
            kind=ev.kind,
            at=ev.when.at,
            zone=ev.when.zone,
            precision=ev.when.precision,
            effective_at=ev.effective.at if ev.effective else None,
            effective_zone=ev.effective.zone if ev.effective else None,
            effective_precision=ev.effective.precision if ev.effective else None,
            reason=ev.reason,
            note=ev.note,
            corrects=ev.corrects,
            detail=_j(ev.detail),
            recorded_at=ev.recorded_at or now,
            recorded_by=ev.recorded_by,
        )
    )
    pk = res.inserted_primary_key
    assert pk is not None
    return int(pk[0])


def exists(conn: Connection, action_id: str) -> bool:
    return conn.execute(select(at.actions.c.id).where(at.actions.c.id == action_id)).first() is not None


_SLUG = re.compile(r"[^a-z0-9]+")


def new_action_id(conn: Connection, authority: str, day: str, title: str | None) -> str:
    base = "-".join(
        p for p in (authority.lower(), day, _SLUG.sub("-", (title or "").lower()).strip("-")[:40]) if p
    )
    base = base.strip("-")
    candidate, n = base, 1
    while exists(conn, candidate):
        n += 1
        candidate = f"{base}-{n}"
    return candidate


def record_action(
    ledger: Ledger, action: Action, events: Sequence[Event], *, actor: str | None = None
) -> Action:
    """Store a new action (recorded by a person) with its first events, in one transaction."""
    who = actor or default_actor()
    now = utcnow()
    derive(action.id, events)  # refuses impossible sequences before anything is written
    with ledger.engine.begin() as conn:
        if exists(conn, action.id):
            raise ConflictError(f"an action {action.id!r} already exists", hint="choose another --id")
        action.created_at, action.created_by = now, who
        insert_action(conn, action, who, now)
        for i, ev in enumerate(events, start=1):
            insert_event(conn, action.id, i, ev, now)
        ledger.audit(
            conn,
            who,
            "actions.record",
            action.id,
            {"action": action.content(), "events": [e.to_dict() for e in events]},
        )
        webhooks.enqueue(conn, recorded_notification(action.id), "action.recorded", {"action_id": action.id})
    return get_action(ledger, action.id)


def add_event(ledger: Ledger, action_id: str, ev: Event, *, actor: str | None = None) -> Event:
    """Append one lifecycle event, after checking it against the log. Nothing is written if refused."""
    who = actor or default_actor()
    now = utcnow()
    try:
        with ledger.engine.begin() as conn:
            action = _load(conn, [action_id])
            if not action:
                raise NotFoundError(f"no action {action_id!r}", hint="`sanctions actions list` shows the ids")
            current = action[0].events
            if ev.corrects is not None:
                target = next((e for e in current if e.id == ev.corrects), None)
                if target is None:
                    raise InputError(f"event #{ev.corrects} is not an event of {action_id}")
                if target.kind != ev.kind:
                    raise InputError(
                        f"event #{ev.corrects} is '{target.kind}'; a correction must be of the same kind "
                        f"(got '{ev.kind}')"
                    )
            derive(action_id, [*current, ev])
            seq = max((e.seq or 0 for e in current), default=0) + 1
            ev_stored = replace(ev, recorded_by=who, recorded_at=now, seq=seq)
            eid = insert_event(conn, action_id, seq, ev_stored, now)
            ledger.audit(conn, who, "actions.event", f"{action_id}#{eid}", ev_stored.to_dict())
            webhooks.enqueue(
                conn,
                event_notification(eid),
                "action.event",
                {"action_id": action_id, "event": {**ev_stored.to_dict(), "id": eid}},
            )
    except IntegrityError as exc:
        raise ConflictError(
            f"another event was recorded for {action_id} at the same moment; try again"
        ) from exc
    return replace(ev_stored, id=eid)


# -- reading -----------------------------------------------------------------------------------------------


def _event_from_row(r: Any) -> Event:
    eff = (
        When(r.effective_at, r.effective_zone, r.effective_precision) if r.effective_at is not None else None
    )
    return Event(
        kind=r.kind,
        when=When(r.at, r.zone, r.precision),
        recorded_at=r.recorded_at,
        recorded_by=r.recorded_by,
        note=r.note,
        reason=r.reason,
        effective=eff,
        corrects=r.corrects,
        detail=json.loads(r.detail),
        id=int(r.id),
        seq=int(r.seq),
    )


def _load(
    conn: Connection,
    ids: Iterable[str] | None = None,
    *,
    origin: str | None = None,
    with_targets: bool = True,
) -> list[Action]:
    a = at.actions
    q = select(a).order_by(a.c.id)
    id_list = list(ids) if ids is not None else None
    if id_list is not None:
        if not id_list:
            return []
        q = q.where(a.c.id.in_(id_list))
    if origin:
        q = q.where(a.c.origin == origin)
    out: dict[str, Action] = {}
    for r in conn.execute(q):
        out[r.id] = Action(
            id=r.id,
            authority=r.authority,
            action_type=r.action_type,
            category=r.category,
            title=r.title,
            origin=r.origin,
            timezone=r.timezone,
            programs=json.loads(r.programs),
            countries=json.loads(r.countries),
            legal_authorities=json.loads(r.legal_authorities),
            sources=json.loads(r.sources),
            press_release_id=r.press_release_id,
            detail=json.loads(r.detail),
            list_name=r.list,
            from_snapshot_id=r.from_snapshot_id,
            snapshot_id=r.snapshot_id,
            created_at=r.created_at,
            created_by=r.created_by,
        )
    if not out:
        return []
    keys = list(out)
    ev = at.action_events
    events: dict[str, list[Event]] = defaultdict(list)
    targets: dict[str, list[Target]] = defaultdict(list)
    links: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for start in range(0, len(keys), 500):
        chunk = keys[start : start + 500]
        for r in conn.execute(select(ev).where(ev.c.action_id.in_(chunk)).order_by(ev.c.action_id, ev.c.seq)):
            events[r.action_id].append(_event_from_row(r))
        if with_targets:
            tg = at.action_targets
            q2 = select(tg).where(tg.c.action_id.in_(chunk)).order_by(tg.c.action_id, tg.c.position)
            for r in conn.execute(q2):
                targets[r.action_id].append(
                    Target(r.name, r.type, r.entity_id, r.change, json.loads(r.detail))
                )
        lk = at.action_links
        for col, other in ((lk.c.inferred_id, "action_id"), (lk.c.action_id, "inferred_id")):
            for r in conn.execute(select(lk).where(col.in_(chunk)).order_by(lk.c.id)):
                own = r.inferred_id if other == "action_id" else r.action_id
                links[own].append(
                    {
                        "role": "explains" if other == "action_id" else "observed_in",
                        "action_id": getattr(r, other),
                        "matched": json.loads(r.matched),
                        "missing": json.loads(r.missing),
                        "timing": r.timing,
                    }
                )
    for k, act in out.items():
        act.events = events.get(k, [])
        act.targets = targets.get(k, [])
        act.links = links.get(k, [])
    return list(out.values())


def get_action(ledger: Ledger, action_id: str) -> Action:
    with ledger.engine.connect() as conn:
        found = _load(conn, [action_id])
    if not found:
        raise NotFoundError(f"no action {action_id!r}", hint="`sanctions actions list` shows the ids")
    return found[0]


def all_actions(ledger: Ledger, *, origin: str | None = None, with_targets: bool = True) -> list[Action]:
    with ledger.engine.connect() as conn:
        return _load(conn, origin=origin, with_targets=with_targets)


def actions_by_ids(ledger: Ledger, ids: Iterable[str]) -> list[Action]:
    with ledger.engine.connect() as conn:
        return _load(conn, ids)


def action_ids_for_entity(ledger: Ledger, entity_id: str) -> list[str]:
    tg = at.action_targets
    with ledger.engine.connect() as conn:
        return [
            r[0] for r in conn.execute(select(tg.c.action_id).where(tg.c.entity_id == entity_id).distinct())
        ]


def count_actions(conn: Connection) -> int:
    return int(conn.execute(select(func.count()).select_from(at.actions)).scalar_one())


def lifecycle(action: Action) -> Lifecycle:
    return derive(action.id, action.events)
