"""An action's status, derived from its append-only event log, and the rules that keep the log sensible.

Events are taken in recording order; an event named by a later event's ``corrects`` is replaced by it.
``derive`` both computes the lifecycle and validates it: the store checks a new event by deriving the log
with the event appended, so an impossible sequence (``effective`` after ``withdrawn``, ``revoked`` before
it took effect, ...) is refused before anything is written.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from sanctions_ledger.actions.model import Event, When
from sanctions_ledger.errors import ConflictError
from sanctions_ledger.model.times import iso

TERMINAL = ("withdrawn", "revoked")


@dataclass(frozen=True)
class Lifecycle:
    state: str  # new draft scheduled announced effective withdrawn revoked observed
    announced: When | None
    planned: When | None  # scheduled effective time
    effective: When | None  # explicit effective event
    observed: When | None
    ended: Event | None  # the withdrawn or revoked event

    @property
    def start_when(self) -> When | None:
        """The time ``start`` comes from, with its zone and precision."""
        if self.state == "withdrawn":
            return None
        for w in (self.effective, self.planned, self.observed):
            if w is not None:
                return w
        if self.announced and self.state in ("effective", "revoked"):
            return self.announced
        return None

    @property
    def start(self) -> datetime | None:
        """When the action took (or takes) effect; ``None`` if it never does."""
        if self.state == "withdrawn":
            return None
        if self.effective:
            return self.effective.at
        if self.planned:
            return self.planned.at
        if self.observed:
            return self.observed.at
        if self.announced and self.state in ("effective", "revoked"):
            return self.announced.at
        return None

    @property
    def end(self) -> datetime | None:
        return self.ended.when.at if self.ended and self.ended.kind == "revoked" else None

    def in_effect_at(self, at: datetime) -> bool:
        start = self.start
        if start is None or at < start:
            return False
        end = self.end
        return end is None or at < end

    def status_at(self, at: datetime) -> str:
        if self.ended and at >= self.ended.when.at:
            return self.ended.kind
        if self.state in ("withdrawn", "revoked") and self.ended is None:  # pragma: no cover - defensive
            return self.state
        if self.in_effect_at(at):
            return "observed" if self.state == "observed" else "effective"
        if self.planned and at < self.planned.at:
            return "scheduled"
        if self.announced and at >= self.announced.at:
            return "announced"
        return "draft" if self.state != "new" else "new"


def live_events(events: Sequence[Event]) -> list[Event]:
    """The events in force: in recording order, without those a later event corrects."""
    corrected = {e.corrects for e in events if e.corrects is not None}
    return [e for e in events if e.id is None or e.id not in corrected]


def derive(action_id: str, events: Sequence[Event]) -> Lifecycle:
    state = "new"
    announced: When | None = None
    planned: When | None = None
    effective: When | None = None
    observed: When | None = None
    ended: Event | None = None

    def refuse(msg: str, hint: str | None = None) -> ConflictError:
        return ConflictError(f"action {action_id}: {msg}", hint=hint)

    for ev in live_events(events):
        t = ev.when.at
        if state in TERMINAL:
            assert ended is not None
            raise refuse(
                f"it was {state} at {iso(ended.when.at)}; no '{ev.kind}' event can follow",
                "nothing is overwritten: to fix a wrong event, record a correction with --corrects EVENT_ID",
            )
        if ev.kind == "drafted":
            if state not in ("new", "draft"):
                raise refuse(f"cannot be drafted once {state}")
            state = "draft"
        elif ev.kind == "scheduled":
            if ev.effective is None:
                raise refuse("a 'scheduled' event needs the planned effective time (--effective-at)")
            if state in ("effective", "observed"):
                raise refuse(f"cannot be scheduled: it is already {state}")
            planned = ev.effective
            state = "scheduled"
        elif ev.kind == "announced":
            if announced is not None:
                raise refuse(
                    f"it was already announced at {iso(announced.at)}",
                    "to change that time, record a correction: --corrects EVENT_ID",
                )
            announced = ev.when
            if state in ("new", "draft"):
                state = "announced"
        elif ev.kind == "effective":
            if effective is not None:
                raise refuse(
                    f"it already took effect at {iso(effective.at)}",
                    "to change that time, record a correction: --corrects EVENT_ID",
                )
            effective = ev.when
            state = "effective"
        elif ev.kind == "withdrawn":
            if state in ("effective", "observed"):
                start = effective.at if effective else observed.at if observed else t
                raise refuse(
                    f"it took effect at {iso(start)}; an action in effect is revoked, not withdrawn",
                    "record a 'revoked' event instead",
                )
            if planned is not None and planned.at <= t:
                raise refuse(
                    f"it was scheduled to take effect at {iso(planned.at)}, "
                    f"before this withdrawal at {iso(t)}",
                    "record 'revoked' if it took effect, or correct the schedule",
                )
            if not (ev.reason or ev.note):
                raise refuse("a withdrawal needs a reason (--reason or --note)")
            state, ended = "withdrawn", ev
        elif ev.kind == "revoked":
            began = effective or planned or observed
            if began is None:
                raise refuse(
                    "it never took effect, so it cannot be revoked",
                    "a scheduled or announced action that is called off before taking effect is 'withdrawn'",
                )
            if t < began.at:
                raise refuse(f"revocation at {iso(t)} is before it took effect at {iso(began.at)}")
            state, ended = "revoked", ev
        elif ev.kind == "observed":
            observed = ev.when
            if state == "new":
                state = "observed"
        else:
            raise refuse(f"unknown event kind {ev.kind!r}")
    return Lifecycle(state, announced, planned, effective, observed, ended)
