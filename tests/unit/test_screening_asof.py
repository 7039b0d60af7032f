"""Screening as of an instant honours recorded actions that are the only record of a change."""

from __future__ import annotations

from datetime import UTC, datetime

from sanctions_ledger.actions.model import Action, Event, Target, When
from sanctions_ledger.actions.store import record_action
from sanctions_ledger.ledger import Ledger
from sanctions_ledger.model import Entity, Name
from sanctions_ledger.parsers import ParsedList
from sanctions_ledger.screening import Screener, ScreeningQuery
from sanctions_ledger.screening.service import IndexProvider


def t(day: int, hour: int = 12) -> datetime:
    return datetime(2019, 3, day, hour, tzinfo=UTC)


def pub(*names: tuple[int, str]) -> ParsedList:
    ents = [Entity("ofac-sdn", str(n), "organization", [Name(nm)], programs=["DPRK3"]) for n, nm in names]
    return ParsedList("ofac-sdn", "ofac-csv", ents, [], counts={"records": len(ents)})


def action(aid: str, category: str, targets: list[Target], events: list[Event]) -> Action:
    return Action(
        id=aid,
        authority="US-TREASURY-OFAC",
        action_type=category,
        category=category,
        title=aid,
        origin="recorded",
        timezone="America/New_York",
        programs=["DPRK3"],
        targets=targets,
        events=events,
    )


def ev(kind: str, day: int, **kw: object) -> Event:
    return Event(kind, When(t(day), "America/New_York"), t(day), "test", **kw)  # type: ignore[arg-type]


def ids(ledger: Ledger, name: str, at: datetime) -> list[str]:
    index = IndexProvider(ledger).index(at)
    result = Screener(index, lists=["ofac-sdn"]).screen(ScreeningQuery(name=name))
    return [m.entity_id for m in result.matches]


def test_designation_between_snapshots_is_screened(ledger: Ledger) -> None:
    ledger.record(pub((1, "OLD SHIPPING CO")), t(1))
    ledger.record(pub((1, "OLD SHIPPING CO"), (2, "DALIAN HAIBO INTERNATIONAL FREIGHT CO. LTD.")), t(25))
    record_action(
        ledger,
        action(
            "d1",
            "designation",
            [Target("DALIAN HAIBO INTERNATIONAL FREIGHT CO. LTD.", "organization", "ofac-sdn:2")],
            [],
        ),
        [ev("announced", 21), ev("effective", 21)],
    )
    # on the 22nd the snapshot in use (1 March) does not have it yet, the action does
    assert ids(ledger, "Dalian Haibo International Freight", t(22)) == ["ofac-sdn:2"]
    # before the action it was not listed
    assert ids(ledger, "Dalian Haibo International Freight", t(20)) == []


def test_withdrawn_scheduled_designation_is_never_screened(ledger: Ledger) -> None:
    ledger.record(pub((1, "OLD SHIPPING CO")), t(1))
    record_action(
        ledger,
        action("d2", "designation", [Target("NEW ROUND TRADING CO", "organization")], []),
        [
            ev("scheduled", 20, effective=When(t(25), "America/New_York")),
            ev("withdrawn", 22, reason="called off"),
        ],
    )
    for day in (21, 23, 26, 28):
        assert ids(ledger, "New Round Trading Co", t(day)) == []


def test_revoked_designation_only_between(ledger: Ledger) -> None:
    ledger.record(pub((1, "OLD SHIPPING CO")), t(1))
    record_action(
        ledger,
        action("d3", "designation", [Target("BRIEF TRADING CO", "organization")], []),
        [ev("effective", 10), ev("revoked", 20, reason="court order")],
    )
    assert ids(ledger, "Brief Trading Co", t(9)) == []
    assert len(ids(ledger, "Brief Trading Co", t(15))) == 1
    assert ids(ledger, "Brief Trading Co", t(21)) == []


def test_delisting_newer_than_snapshot_removes(ledger: Ledger) -> None:
    ledger.record(pub((1, "OLD SHIPPING CO")), t(1))
    record_action(
        ledger,
        action("l1", "delisting", [Target("OLD SHIPPING CO", "organization", "ofac-sdn:1")], []),
        [ev("effective", 10)],
    )
    assert ids(ledger, "Old Shipping Co", t(5)) == ["ofac-sdn:1"]
    assert ids(ledger, "Old Shipping Co", t(15)) == []
    # a later snapshot that still lists it is newer than the delisting: the snapshot wins
    ledger.record(pub((1, "OLD SHIPPING CO"), (3, "X")), t(20))
    assert ids(ledger, "Old Shipping Co", t(21)) == ["ofac-sdn:1"]
