"""Questions about actions, with zones: announced on a local date, in effect at an instant, an action's
history, an entity's actions, what a withdrawn scheduled action would have done.

A time given as a day (precision ``day``) is an interval: that whole local day in its zone. Asked about a
date in another zone, such a day can overlap two dates; the match is then ``possible``, not ``exact``.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from sanctions_ledger.actions.lifecycle import Lifecycle, derive
from sanctions_ledger.actions.model import Action, When, authority_zone
from sanctions_ledger.actions.store import action_ids_for_entity, actions_by_ids, all_actions, get_action
from sanctions_ledger.actions.timeinput import tz_for
from sanctions_ledger.errors import InputError, NotFoundError
from sanctions_ledger.ledger import Ledger
from sanctions_ledger.ledger.tables import utcnow
from sanctions_ledger.model.times import iso


def interval(w: When) -> tuple[datetime, datetime]:
    """``[start, end)`` in UTC of a time: a point for instants, the local day or month otherwise."""
    if w.precision in ("instant", "minute"):
        end = w.at + (timedelta(minutes=1) if w.precision == "minute" else timedelta(microseconds=1))
        return w.at, end
    z = tz_for(w.zone)
    d = w.at.astimezone(z).date()
    if w.precision == "month":
        nxt = (d.replace(day=28) + timedelta(days=4)).replace(day=1)
    else:
        nxt = d + timedelta(days=1)
    return w.at, datetime.combine(nxt, time.min, tzinfo=z).astimezone(UTC)


def local_dates(w: When, tz: str) -> list[date]:
    """The local dates in ``tz`` that the time can fall on (one for an instant; one or two for a day)."""
    start, end = interval(w)
    z = tz_for(tz)
    first = start.astimezone(z).date()
    last = (end - timedelta(microseconds=1)).astimezone(z).date()
    out, d = [], first
    while d <= last:
        out.append(d)
        d += timedelta(days=1)
    return out


def match_day(w: When, day: date, tz: str) -> str | None:
    """``exact`` when the time certainly falls on ``day`` in ``tz``, ``possible`` when it may, else None."""
    dates = local_dates(w, tz)
    if day not in dates:
        return None
    return "exact" if len(dates) == 1 else "possible"


def announcement(life: Lifecycle) -> When | None:
    """When the action became public: its announcement, else its taking effect, else its first observation.
    A scheduled action that was never announced has none."""
    return life.announced or life.effective or life.observed


def announcement_detail(action: Action, life: Lifecycle) -> dict[str, Any]:
    """The detail (precision, confidence, basis) of the event behind an action's announcement."""
    ann = announcement(life)
    if ann is None:
        return {}
    for ev in action.events:
        if ev.when == ann:
            return dict(ev.detail)
    return {}


def weekday_date(d: date) -> str:
    return f"{d.strftime('%A')} {d.day} {d.strftime('%B %Y')}"


@dataclass
class Found:
    action: Action
    life: Lifecycle
    match: str | None = None

    def to_dict(self, now: datetime | None = None) -> dict[str, Any]:
        return summary(self.action, self.life, now) | ({"announced_match": self.match} if self.match else {})


def summary(action: Action, life: Lifecycle | None = None, now: datetime | None = None) -> dict[str, Any]:
    life = life or derive(action.id, action.events)
    ann = announcement(life)
    now = now or utcnow()
    out: dict[str, Any] = {
        "id": action.id,
        "authority": action.authority,
        "title": action.title,
        "category": action.category,
        "action_type": action.action_type,
        "origin": action.origin,
        "announced_at": ann.local_text() if ann else None,
        "announced": ann.display(announcement_detail(action, life)) if ann else None,
        "announced_date": ann.local_date().isoformat() if ann and ann.precision != "month" else None,
        "announced_zone": ann.zone if ann else None,
        "announced_precision": ann.precision if ann else None,
        "status": life.status_at(now),
        "effective_from": iso(life.start),
        "effective": life.start_when.display(announcement_detail(action, life)) if life.start_when else None,
        "effective_until": iso(life.end),
        "programs": action.programs,
        "countries": action.countries,
        "legal_authorities": action.legal_authorities,
        "press_release": action.press_release_id,
        "targets": [
            {"entity_id": t.entity_id, "name": t.name, "type": t.type}
            | ({"change": t.change} if t.change else {})
            for t in action.targets
        ],
        "sources": action.sources,
    }
    if life.planned:
        out["scheduled_effective_at"] = life.planned.local_iso()
    if life.ended:
        out["ended"] = {
            "kind": life.ended.kind,
            "at": life.ended.when.local_iso(),
            "reason": life.ended.reason or life.ended.note,
        }
    if action.links:
        out["links"] = action.links
    if action.origin == "inferred":
        out["observed"] = action.detail
    return out


def _with_life(actions: list[Action]) -> list[Found]:
    return [Found(a, derive(a.id, a.events)) for a in actions]


def announced_on(
    ledger: Ledger,
    day: date,
    tz: str | None = None,
    *,
    include_possible: bool = True,
    actions: list[Action] | None = None,
) -> list[Found]:
    """Actions announced on local date ``day``: in ``tz``, or by default each in its authority's zone."""
    out = []
    for f in _with_life(actions if actions is not None else all_actions(ledger)):
        ann = announcement(f.life)
        if ann is None:
            continue
        m = match_day(ann, day, tz or f.action.timezone or authority_zone(f.action.authority))
        if m == "exact" or (m == "possible" and include_possible):
            f.match = m
            out.append(f)
    return sorted(out, key=lambda f: (_announced_at(f.life), f.action.id))


def _announced_at(life: Lifecycle) -> datetime:
    ann = announcement(life)
    return ann.at if ann else utcnow()


def in_effect_at(ledger: Ledger, at: datetime, *, actions: list[Action] | None = None) -> list[Found]:
    """Actions in effect at instant ``at``: withdrawn ones never, revoked ones only before revocation."""
    return [
        f
        for f in _with_life(actions if actions is not None else all_actions(ledger))
        if f.life.in_effect_at(at)
    ]


def for_entity(ledger: Ledger, entity_id: str) -> list[Found]:
    if ":" not in entity_id:
        raise InputError(f"entity id {entity_id!r} is not <list>:<id>", hint="e.g. ofac-sdn:26243")
    return _with_life(actions_by_ids(ledger, action_ids_for_entity(ledger, entity_id)))


def history(ledger: Ledger, action_id: str) -> dict[str, Any]:
    """The action with every event ever recorded (corrected ones marked), and its derived status."""
    a = get_action(ledger, action_id)
    life = derive(a.id, a.events)
    corrected = {e.corrects for e in a.events if e.corrects is not None}
    out = summary(a, life)
    out["events"] = [e.to_dict() | {"corrected": e.id in corrected} for e in a.events]
    out["detail"] = a.detail
    out["created_at"] = iso(a.created_at)
    out["created_by"] = a.created_by
    return out


def would_have(ledger: Ledger, action_id: str) -> dict[str, Any]:
    """What an action that never took effect (withdrawn) would have done at its planned time: which targets
    it would have added to (or removed from) which list, and which of them were listed then anyway."""
    a = get_action(ledger, action_id)
    life = derive(a.id, a.events)
    planned = life.planned or life.announced
    if life.state != "withdrawn":
        raise InputError(
            f"action {action_id} is {life.state}, not withdrawn",
            hint="this question is about withdrawn actions; `sanctions actions show` gives its history",
        )
    when = planned.at if planned else (life.ended.when.at if life.ended else utcnow())
    rows = []
    for t in a.targets:
        listed: bool | None = None
        if t.entity_id:
            try:
                ledger.entity(t.entity_id, when)
                listed = True
            except NotFoundError:
                listed = False
            except InputError:
                listed = None
        effect = "unknown"
        if listed is not None:
            if a.category == "designation":
                effect = "already listed" if listed else "would have been added"
            elif a.category == "delisting":
                effect = "would have been removed" if listed else "was not listed"
            else:
                effect = "would have been amended" if listed else "was not listed"
        rows.append(
            {"entity_id": t.entity_id, "name": t.name, "listed_at_planned_time": listed, "effect": effect}
        )
    return {
        "id": a.id,
        "category": a.category,
        "planned_effective_at": planned.local_iso() if planned else None,
        "withdrawn_at": life.ended.when.local_iso() if life.ended else None,
        "reason": (life.ended.reason or life.ended.note) if life.ended else None,
        "in_effect_ever": False,
        "targets": rows,
    }
