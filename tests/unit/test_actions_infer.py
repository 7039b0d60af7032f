"""Observed changes inferred from synthetic snapshots, linked to recorded actions whose targets agree."""

from __future__ import annotations

from datetime import UTC, datetime

from sanctions_ledger.actions.infer import infer
from sanctions_ledger.actions.model import Action, Event, Target, When
from sanctions_ledger.actions.store import all_actions, get_action, record_action
from sanctions_ledger.ledger import Ledger
from sanctions_ledger.model import Entity, Name
from sanctions_ledger.parsers import ParsedList


def ent(n: int, name: str, programs: list[str] | None = None) -> Entity:
    return Entity(
        list="ofac-sdn",
        source_id=str(n),
        schema="organization",
        names=[Name(name)],
        programs=programs or ["DPRK3"],
    )


def pub(*entities: Entity) -> ParsedList:
    return ParsedList(
        list="ofac-sdn",
        format="ofac-csv",
        entities=list(entities),
        files=[],
        counts={"records": len(entities)},
    )


def at(day: int) -> datetime:
    return datetime(2019, 3, day, 12, tzinfo=UTC)


def test_infer_groups_and_links(ledger: Ledger) -> None:
    ledger.record(pub(ent(1, "A"), ent(2, "B")), at(1))
    ledger.record(pub(ent(1, "A2"), ent(3, "C"), ent(4, "D", ["SDGT"])), at(22))
    now = datetime.now(UTC)
    record_action(
        ledger,
        Action(
            "rec-1",
            "US-TREASURY-OFAC",
            "designation",
            "designation",
            None,
            "recorded",
            "America/New_York",
            targets=[Target("C", "entity", "ofac-sdn:3"), Target("Z", "entity", "ofac-sdn:9")],
        ),
        [Event("announced", When(at(21), "America/New_York", "minute"), now, "t")],
    )
    r = infer(ledger)
    assert sorted(r.created) == [
        "observed:ofac-sdn:1-2:amendment",
        "observed:ofac-sdn:1-2:delisting",
        "observed:ofac-sdn:1-2:designation",
    ]
    added = get_action(ledger, "observed:ofac-sdn:1-2:designation")
    assert [(tg.entity_id, tg.name, tg.change) for tg in added.targets] == [
        ("ofac-sdn:3", "C", "added"),
        ("ofac-sdn:4", "D", "added"),
    ]
    assert added.events[0].kind == "observed" and added.events[0].when.at == at(22)
    assert added.programs == ["DPRK3", "SDGT"] and added.origin == "inferred"
    removed = get_action(ledger, "observed:ofac-sdn:1-2:delisting")
    assert [tg.name for tg in removed.targets] == ["B"]
    assert [link["action_id"] for link in added.links] == ["rec-1"]
    assert added.links[0]["matched"] == ["ofac-sdn:3"] and added.links[0]["missing"] == ["ofac-sdn:9"]
    assert added.links[0]["timing"] == "in-window"
    assert get_action(ledger, "rec-1").links[0]["role"] == "observed_in"
    again = infer(ledger)  # idempotent
    assert again.created == [] and again.links_added == []
    assert len(all_actions(ledger, origin="inferred")) == 3
