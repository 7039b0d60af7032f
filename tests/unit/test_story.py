"""An entity's story: file dates, actions naming it and snapshot evidence on one timeline."""

from __future__ import annotations

from datetime import UTC, datetime

from sanctions_ledger.actions import Action, Event, Target, When
from sanctions_ledger.actions.store import record_action
from sanctions_ledger.actions.story import entity_history, entity_story, show_entity
from sanctions_ledger.ledger import Ledger
from sanctions_ledger.model import Entity, Name, Provenance
from tests.unit.test_api import pub


def org(n: int, name: str, programs: list[str], listed_on: str | None = None) -> Entity:
    return Entity(
        list="ofac-sdn",
        source_id=str(n),
        schema="organization",
        names=[Name(name)],
        programs=programs,
        listed_on=listed_on,
        provenance=Provenance("sdn.csv", line=n),
    )


def at(month: int, day: int) -> datetime:
    return datetime(2019, month, day, 16, tzinfo=UTC)


def kinds(story: dict[str, object]) -> list[str]:
    return [e["kind"] for e in story["events"]]  # type: ignore[attr-defined, index]


def test_rename_and_program_change_are_not_removals(ledger: Ledger) -> None:
    ledger.record(pub(org(1, "HAVANA BANK", ["CUBA"])), at(1, 4))
    ledger.record(pub(org(1, "HAVIN BANK LIMITED", ["CUBA", "SDGT"])), at(2, 4))
    ledger.record(pub(org(1, "HAVIN BANK LIMITED", ["SDGT"])), at(3, 4))
    s = entity_story(ledger, "ofac-sdn:1")
    assert kinds(s) == ["first seen", "renamed", "program added", "program removed"]
    assert s["listed"] is True
    renamed = s["events"][1]
    assert renamed["from"] == "HAVANA BANK" and renamed["to"] == "HAVIN BANK LIMITED"
    assert "delisted" not in kinds(s)


def test_delisting_and_relisting_from_snapshots(ledger: Ledger) -> None:
    other = org(2, "OTHER CO", ["IRAN"])
    ledger.record(pub(org(1, "ACME TRADING", ["IRAN"]), other), at(1, 4))
    ledger.record(pub(other), at(2, 4))
    ledger.record(pub(org(1, "ACME TRADING", ["IRAN"]), other), at(3, 4))
    s = entity_story(ledger, "ofac-sdn:1")
    assert kinds(s) == ["first seen", "delisted", "relisted"]
    gone = s["events"][1]
    assert gone["at"]["precision"] == "between" and gone["at"]["after"] == "2019-01-04T16:00:00Z"
    assert gone["at"]["utc"] == "2019-02-04T16:00:00Z"


def test_designation_from_the_file_and_an_action(ledger: Ledger) -> None:
    ledger.record(pub(org(5, "DALIAN SHIPPING CO", ["DPRK3"], listed_on="2019-03-21")), at(6, 1))
    ny = "America/New_York"
    when = When(datetime(2019, 3, 21, 4, tzinfo=UTC), ny, "day")
    action = Action(
        id="a1",
        authority="US-TREASURY-OFAC",
        action_type="designation",
        category="designation",
        title="Treasury designates",
        origin="recorded",
        timezone=ny,
        targets=[Target("DALIAN SHIPPING CO", "entity", "ofac-sdn:5")],
    )
    now = datetime.now(UTC)
    record_action(ledger, action, [Event("announced", when, now, "t"), Event("effective", when, now, "t")])
    by_name = Action(
        id="a2",
        authority="US-TREASURY-OFAC",
        action_type="designation",
        category="amendment",
        title="Treasury updates",
        origin="recorded",
        timezone=ny,
        targets=[Target("Dalian Shipping Co.", "entity", None)],
    )
    later = When(datetime(2019, 5, 1, 4, tzinfo=UTC), ny, "month")
    record_action(ledger, by_name, [Event("announced", later, now, "t")])
    s = entity_story(ledger, "ofac-sdn:5")
    d = s["designation"]
    assert d["date"] == "2019-03-21" and d["action_id"] == "a1" and d["evidence"] == ["action", "file"]
    assert kinds(s) == ["designated", "designated", "amended", "first seen"]
    assert [(a["action_id"], a["linked"]) for a in s["actions"]] == [("a1", "by id"), ("a2", "by name")]
    # a day is a day and a month is a month: no invented midnight
    texts = [e["at"]["text"] for e in s["events"]]
    assert texts[:3] == ["2019-03-21", "2019-03-21", "May 2019"]
    assert [e["evidence"] for e in s["events"][:2]] == ["file", "action"]
    shown = show_entity(ledger, "ofac-sdn:5")
    assert shown["designation"]["date"] == "2019-03-21" and shown["actions"][0]["action_id"] == "a1"
    h = entity_history(ledger, "ofac-sdn:5")
    assert h["versions"] and h["events"] == s["events"]


def test_no_designation_evidence_says_so(ledger: Ledger) -> None:
    ledger.record(pub(org(7, "PLAIN CO", ["SDGT"])), at(1, 4))
    d = entity_story(ledger, "ofac-sdn:7")["designation"]
    assert d["date"] is None and d["evidence"] == "snapshot" and d["first_seen"] == "2019-01-04T16:00:00Z"
