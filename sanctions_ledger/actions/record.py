"""Recording an action and appending a lifecycle event: the one way in for the CLI and the API.

The entry points only translate their input (flags, a JSON body) into :class:`ActionInput` or
:class:`EventInput` and print or return the result. Here, for both:

- times are read by one rule (:func:`event_time`): a date is a day in the given zone or, by default, the
  authority's; a time of day needs an offset or a zone; an offset that is the authority's zone's at that
  instant keeps the zone's name;
- targets named by an entity id the ledger holds take their name, type and programs from the ledger;
- program tags are upper-cased, and the action's countries are the ones given plus those its programs and
  title name;
- the action's zone is its authority's (:func:`~sanctions_ledger.actions.model.authority_zone`);
- the write is one transaction with its audit entry and its webhook notification (see
  :mod:`~sanctions_ledger.actions.store`); the result names the notification queued.

Delivering queued notifications is a separate step, :func:`deliver_notifications`, that every entry point
calls after a write: the CLI at once, the API after its answer has gone, so a slow or failing receiver
never holds a request and never fails a write.
"""

from __future__ import annotations

import re
import threading
from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import datetime

from sanctions_ledger.actions import store, webhooks
from sanctions_ledger.actions.model import EVENT_KINDS, Action, Event, Target, When, authority_zone
from sanctions_ledger.actions.programs import action_countries
from sanctions_ledger.actions.timeinput import parse_when
from sanctions_ledger.errors import InputError, SanctionsError
from sanctions_ledger.ledger import Ledger
from sanctions_ledger.ledger.tables import utcnow

_OFFSET = re.compile(r"(Z|[+-]\d{2}:?\d{2})$", re.IGNORECASE)
# The ledger's schema -> the target type an action names.
_TARGET_TYPES = {"person": "individual", "organization": "entity"}


@dataclass(frozen=True)
class EventInput:
    """A lifecycle event as a person gives it.

    ``at`` and ``effective_at`` are times as text (see :func:`event_time`); ``at=None`` means now.
    ``effective_at`` is the planned effective time of a ``scheduled`` event. ``tz`` is the zone of times
    given without an offset. ``at_name`` and ``effective_name`` name the two inputs in error messages
    (``--at`` on the command line, ``at`` in the API).
    """

    kind: str
    at: str | None = None
    effective_at: str | None = None
    tz: str | None = None
    note: str | None = None
    reason: str | None = None
    corrects: int | None = None
    at_name: str = "at"
    effective_name: str = "effective_at"


@dataclass(frozen=True)
class ActionInput:
    """An action as a person records it.

    ``targets`` hold an entity id (``ofac-sdn:26243``, completed from the ledger) or only a name and type.
    ``sources`` are URLs. ``events`` are the first lifecycle events, in order; none means "drafted now".
    ``note`` goes on the first event. ``action_id`` defaults to one made from the authority, the local day
    of the first event and the title.
    """

    authority: str
    category: str = "designation"
    action_type: str | None = None
    title: str | None = None
    action_id: str | None = None
    programs: Sequence[str] = ()
    countries: Sequence[str] = ()
    legal_authorities: Sequence[str] = ()
    sources: Sequence[str] = ()
    press_release_id: str | None = None
    targets: Sequence[Target] = ()
    events: Sequence[EventInput] = ()
    note: str | None = None


@dataclass(frozen=True)
class Recorded:
    """A recorded action as stored (events with their ids, targets as completed) and the key of the webhook
    notification queued with it."""

    action: Action
    queued: str


@dataclass(frozen=True)
class Appended:
    """An appended event as stored (id, sequence number, recorder) and the key of the webhook notification
    queued with it."""

    action_id: str
    event: Event
    queued: str


@dataclass(frozen=True)
class Delivery:
    """What one delivery pass did. ``attempted`` is false when no webhook is enabled (nothing was sent);
    ``error`` says why a pass stopped early (the notifications stay queued for the next one)."""

    attempted: bool
    delivered: int = 0
    failed: int = 0
    attempts: int = 0
    error: str | None = None

    def warnings(self) -> list[str]:
        """Sentences for the person who made the write: failed deliveries, or a pass that stopped."""
        if self.error:
            return [f"webhooks: delivery skipped ({self.error})"]
        if self.failed:
            return [f"webhooks: {self.failed} deliveries failed; `sanctions webhooks log` shows why"]
        return []


def event_time(value: str, tz: str | None, default_zone: str, what: str) -> When:
    """A time as given: an ISO instant with an offset, a local time with ``tz``, or a date (a local day in
    ``tz``, else in ``default_zone``, the authority's). An offset that is ``default_zone``'s at that instant
    keeps the zone's name. ``what`` names the input in error messages."""
    s = value.strip()
    is_date = len(s) in (7, 10) and "T" not in s.upper()
    if not tz and not is_date and _OFFSET.search(s):
        try:
            at, zone_name, precision = parse_when(s, default_zone, what=what)
            return When(at, zone_name, precision)
        except InputError:
            pass  # another offset: kept as the offset itself
    at, zone_name, precision = parse_when(s, tz or (default_zone if is_date else None), what=what)
    return When(at, zone_name, precision)


def _event(spec: EventInput, default_zone: str, actor: str, now: datetime) -> Event:
    if spec.kind not in EVENT_KINDS:
        raise InputError(f"unknown event kind {spec.kind!r}", hint=f"one of {', '.join(EVENT_KINDS)}")
    if spec.kind == "observed":
        raise InputError("'observed' events come from `sanctions actions infer` only")
    when = (
        event_time(spec.at, spec.tz, default_zone, spec.at_name) if spec.at else When(now, "UTC", "instant")
    )
    effective = (
        event_time(spec.effective_at, spec.tz, default_zone, spec.effective_name)
        if spec.effective_at
        else None
    )
    if spec.kind == "scheduled" and effective is None:
        raise InputError(f"a 'scheduled' event needs {spec.effective_name} (the planned effective time)")
    return Event(
        spec.kind,
        when,
        now,
        actor,
        note=spec.note,
        reason=spec.reason or (spec.note if spec.kind == "withdrawn" else None),
        effective=effective,
        corrects=spec.corrects,
    )


def resolve_targets(ledger: Ledger, targets: Sequence[Target]) -> list[Target]:
    """The targets with name, type and programs from the ledger for every entity id it holds; the others
    as given. An entity id must be ``<list>:<id>``."""
    out: list[Target] = []
    for tg in targets:
        if tg.entity_id is not None:
            if ":" not in tg.entity_id:
                raise InputError(
                    f"target {tg.entity_id!r} is not an entity id <list>:<id>",
                    hint="give a target the ledger does not hold by its name, without an entity id",
                )
            try:
                entity, _ = ledger.entity(tg.entity_id)
            except SanctionsError:
                pass  # not (yet) in the ledger: kept as given
            else:
                tg = Target(
                    entity.caption,
                    _TARGET_TYPES.get(entity.schema, entity.schema),
                    tg.entity_id,
                    None,
                    {"programs": entity.programs},
                )
        out.append(tg)
    return out


def record_action(ledger: Ledger, spec: ActionInput, *, actor: str) -> Recorded:
    """Record an action with its first events, as ``actor``, in one transaction (audited, notification
    queued). Refused, with nothing written, when a time, a target or the event sequence is invalid, or the
    id is taken."""
    zone_name = authority_zone(spec.authority)
    now = utcnow()
    events = [_event(e, zone_name, actor, now) for e in spec.events] or [
        Event("drafted", When(now, "UTC", "instant"), now, actor)
    ]
    if spec.note:
        events[0] = replace(events[0], note=spec.note)
    targets = resolve_targets(ledger, spec.targets)
    programs = [p.upper() for p in spec.programs]
    countries = {c.upper() for c in spec.countries} | set(action_countries(programs, [spec.title]))
    action_id = spec.action_id
    if action_id is None:
        first_day = events[0].when.local_date().isoformat()
        with ledger.engine.connect() as conn:
            action_id = store.new_action_id(conn, spec.authority, first_day, spec.title)
    action = Action(
        id=action_id,
        authority=spec.authority,
        action_type=spec.action_type or spec.category,
        category=spec.category,
        title=spec.title,
        origin="recorded",
        timezone=zone_name,
        programs=programs,
        countries=sorted(countries),
        legal_authorities=list(spec.legal_authorities),
        sources=[{"url": s} for s in spec.sources],
        press_release_id=spec.press_release_id,
        targets=targets,
    )
    stored = store.record_action(ledger, action, events, actor=actor)
    return Recorded(stored, store.recorded_notification(stored.id))


def append_event(ledger: Ledger, action_id: str, spec: EventInput, *, actor: str) -> Appended:
    """Append one lifecycle event to an action, as ``actor``. Dates default to the action's zone. Refused,
    with nothing written, for an unknown action, an invalid time, or an event the log contradicts."""
    action = store.get_action(ledger, action_id)
    event = _event(spec, action.timezone, actor, utcnow())
    stored = store.add_event(ledger, action_id, event, actor=actor)
    assert stored.id is not None
    return Appended(action_id, stored, store.event_notification(stored.id))


# One delivery pass at a time in a process: two passes at once would both send what is pending.
_DELIVERING = threading.Lock()


def deliver_notifications(ledger: Ledger, *, max_attempts: int = 3, backoff: float = 0.5) -> Delivery:
    """Send every queued notification to the enabled webhooks (see :func:`webhooks.dispatch`), retrying
    a failing receiver ``max_attempts`` times. Never raises: a problem is reported in the result, and what
    was not delivered stays queued for ``sanctions webhooks deliver``."""
    try:
        if not any(h.disabled_at is None for h in webhooks.list_hooks(ledger)):
            return Delivery(attempted=False)
        with _DELIVERING:
            r = webhooks.dispatch(ledger, max_attempts=max_attempts, backoff=backoff)
    except Exception as exc:  # delivery problems are reported, never fatal to the write before them
        return Delivery(attempted=True, error=str(exc))
    return Delivery(True, r.delivered, r.failed, r.attempts)
