"""Lifecycle rules, derived from the event log alone (no database)."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from sanctions_ledger.actions.lifecycle import derive
from sanctions_ledger.actions.model import Event, When
from sanctions_ledger.errors import ConflictError


def t(day: int, hour: int = 12) -> datetime:
    return datetime(2019, 3, day, hour, tzinfo=UTC)


def ev(kind: str, day: int, *, eid: int | None = None, effective: int | None = None, **kw: object) -> Event:
    eff = When(t(effective), "America/New_York") if effective else None
    return Event(kind, When(t(day), "America/New_York"), t(day), "test", effective=eff, id=eid, **kw)  # type: ignore[arg-type]


def test_withdrawn_before_effective_is_never_in_effect() -> None:
    life = derive(
        "a",
        [ev("scheduled", 20, effective=25), ev("announced", 21), ev("withdrawn", 22, reason="called off")],
    )
    assert life.state == "withdrawn" and life.start is None
    for day in (20, 22, 25, 28):
        assert not life.in_effect_at(t(day))
    assert life.status_at(t(21)) == "scheduled"
    assert life.status_at(t(23)) == "withdrawn"


def test_scheduled_takes_effect_at_planned_time() -> None:
    life = derive("a", [ev("scheduled", 20, effective=25)])
    assert not life.in_effect_at(t(24)) and life.in_effect_at(t(25))
    assert life.status_at(t(22)) == "scheduled" and life.status_at(t(26)) == "effective"


def test_revoked_is_in_effect_only_between() -> None:
    life = derive("a", [ev("announced", 21), ev("effective", 21), ev("revoked", 27, reason="court order")])
    assert not life.in_effect_at(t(20))
    assert life.in_effect_at(t(21)) and life.in_effect_at(t(26))
    assert not life.in_effect_at(t(27)) and not life.in_effect_at(t(30))
    assert life.status_at(t(28)) == "revoked"


@pytest.mark.parametrize(
    ("events", "message"),
    [
        ([ev("announced", 21), ev("withdrawn", 22, reason="x"), ev("effective", 23)], "withdrawn"),
        (
            [ev("announced", 21), ev("effective", 21), ev("withdrawn", 22, reason="x")],
            "revoked, not withdrawn",
        ),
        ([ev("announced", 21), ev("revoked", 22)], "never took effect"),
        ([ev("effective", 25), ev("revoked", 22)], "before it took effect"),
        ([ev("scheduled", 20, effective=22), ev("withdrawn", 23, reason="x")], "scheduled to take effect"),
        ([ev("announced", 21), ev("announced", 22)], "already announced"),
        ([ev("announced", 21), ev("withdrawn", 22)], "needs a reason"),
        ([ev("scheduled", 20)], "planned effective time"),
    ],
)
def test_impossible_sequences_are_refused(events: list[Event], message: str) -> None:
    with pytest.raises(ConflictError, match=message):
        derive("a", events)


def test_a_correction_replaces_the_event_it_names() -> None:
    events = [ev("announced", 21, eid=1), ev("announced", 22, eid=2, corrects=1)]
    life = derive("a", events)
    assert life.announced is not None and life.announced.at == t(22)
