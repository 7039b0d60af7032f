"""Actions in the store: recording, events, import from facts, zone-aware queries, the CLI contract."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime
from pathlib import Path

import pytest
from click.testing import CliRunner
from sqlalchemy import Table, func, select

from sanctions_ledger.actions import queries as q
from sanctions_ledger.actions.facts import import_facts
from sanctions_ledger.actions.model import Action, Event, Target, When
from sanctions_ledger.actions.store import add_event, get_action, record_action
from sanctions_ledger.cli.main import cli, register_all
from sanctions_ledger.errors import ConflictError, InputError, NotFoundError
from sanctions_ledger.ledger import Ledger
from sanctions_ledger.ledger import actions_tables as at
from sanctions_ledger.ledger import tables as t

NY = "America/New_York"

FACTS = [
    {
        "id": "us-ofac-2019-03-21-dprk",
        "authority": "US-TREASURY-OFAC",
        "action_type": "designation",
        "date": "2019-03-21",
        "date_precision": "day",
        "timezone": NY,
        "title": None,
        "time": {"value": "13:40", "tz": NY, "confidence": "low"},
        "program_tags": ["DPRK3", "DPRK4"],
        "legal_authorities": ["E.O. 13722"],
        "targets": [
            {"name": "DALIAN HAIBO", "type": "entity", "sdn_uid": "26243"},
            {"name": "LIAONING DANXING", "type": "entity", "sdn_uid": "26244"},
        ],
        "sources": [{"url": "https://example.org/a", "kind": "secondary"}],
    },
    {
        "id": "us-ofac-2019-03-21-drc",
        "authority": "US-TREASURY-OFAC",
        "action_type": "designation",
        "date": "2019-03-21",
        "timezone": NY,
        "program_tags": ["DRCONGO"],
        "targets": [],
    },
    {
        "id": "us-ofac-2019-03-22-venezuela",
        "authority": "US-TREASURY-OFAC",
        "action_type": "designation",
        "date": "2019-03-22",
        "timezone": NY,
        "program_tags": ["VENEZUELA-EO13850"],
        "targets": [],
    },
    {
        "id": "unsc-2018-10",
        "authority": "UNSC",
        "action_type": "committee-vessel-designation",
        "date": "2018-10",
        "date_precision": "month",
        "timezone": NY,
        "targets": [],
    },
]


@pytest.fixture
def facts_file(tmp_path: Path) -> Path:
    p = tmp_path / "facts.json"
    p.write_text(json.dumps(FACTS))
    return p


def count(ledger: Ledger, table: Table) -> int:
    with ledger.engine.connect() as c:
        return int(c.execute(select(func.count()).select_from(table)).scalar_one())


def w(text: str, zone: str = NY, precision: str = "minute") -> When:
    return When(datetime.fromisoformat(text).astimezone(UTC), zone, precision)


def scheduled_action(ledger: Ledger) -> Action:
    a = Action(
        "plan-1",
        "US-TREASURY-OFAC",
        "designation",
        "designation",
        "Planned",
        "recorded",
        NY,
        programs=["DPRK3"],
        targets=[Target("ACME", "entity", "ofac-sdn:1"), Target("NEW CO", "entity")],
    )
    now = datetime.now(UTC)
    return record_action(
        ledger,
        a,
        [
            Event(
                "scheduled",
                w("2019-03-22T09:00:00-04:00"),
                now,
                "t",
                effective=w("2019-03-25T09:00:00-04:00"),
            )
        ],
    )


def test_import_is_idempotent_and_audited(ledger: Ledger, facts_file: Path) -> None:
    r1 = import_facts(ledger, facts_file)
    assert len(r1.created) == 4
    events, audits = count(ledger, at.action_events), count(ledger, t.audit_log)
    r2 = import_facts(ledger, facts_file)
    assert r2.created == [] and len(r2.unchanged) == 4
    assert count(ledger, at.action_events) == events and count(ledger, t.audit_log) == audits
    a = get_action(ledger, "us-ofac-2019-03-21-dprk")
    assert [tg.entity_id for tg in a.targets] == ["ofac-sdn:26243", "ofac-sdn:26244"]
    assert a.countries == ["KP"]
    assert a.events[0].when.precision == "minute" and a.events[0].detail["confidence"] == "low"
    drc = get_action(ledger, "us-ofac-2019-03-21-drc")
    assert drc.events[0].when.precision == "day" and drc.events[0].when.zone == NY
    assert get_action(ledger, "unsc-2018-10").events[0].when.precision == "month"


def test_bad_facts_file_writes_nothing(ledger: Ledger, tmp_path: Path) -> None:
    p = tmp_path / "bad.json"
    p.write_text(json.dumps([FACTS[0], {"id": "x", "authority": "UNSC", "date": "2019-13-45"}]))
    with pytest.raises(InputError, match="action #2"):
        import_facts(ledger, p)
    assert count(ledger, at.actions) == 0


def test_announced_on_depends_on_the_zone(ledger: Ledger, facts_file: Path) -> None:
    import_facts(ledger, facts_file)
    ny = {f.action.id: f.match for f in q.announced_on(ledger, date(2019, 3, 21), NY)}
    assert ny == {"us-ofac-2019-03-21-dprk": "exact", "us-ofac-2019-03-21-drc": "exact"}
    seoul = {f.action.id: f.match for f in q.announced_on(ledger, date(2019, 3, 22), "Asia/Seoul")}
    # 13:40 EDT on the 21st is 02:40 KST on the 22nd; a day-only NY date straddles two Seoul dates
    assert seoul["us-ofac-2019-03-21-dprk"] == "exact"
    assert seoul["us-ofac-2019-03-21-drc"] == "possible"
    assert seoul["us-ofac-2019-03-22-venezuela"] == "possible"
    exact = q.announced_on(ledger, date(2019, 3, 22), "Asia/Seoul", include_possible=False)
    assert [f.action.id for f in exact] == ["us-ofac-2019-03-21-dprk"]
    default = {f.action.id for f in q.announced_on(ledger, date(2019, 3, 22))}  # each authority's own zone
    assert default == {"us-ofac-2019-03-22-venezuela"}


def test_withdrawn_scheduled_action_and_would_have(ledger: Ledger) -> None:
    scheduled_action(ledger)
    audits = count(ledger, t.audit_log)
    add_event(
        ledger,
        "plan-1",
        Event(
            "withdrawn",
            w("2019-03-22T14:00:00-04:00"),
            datetime.now(UTC),
            "",
            reason="ordered by the President",
        ),
    )
    assert count(ledger, t.audit_log) == audits + 1
    for day in ("2019-03-24T12:00:00Z", "2019-03-26T12:00:00Z", "2030-01-01T00:00:00Z"):
        assert "plan-1" not in {f.action.id for f in q.in_effect_at(ledger, datetime.fromisoformat(day))}
    h = q.history(ledger, "plan-1")
    assert h["status"] == "withdrawn" and [e["kind"] for e in h["events"]] == ["scheduled", "withdrawn"]
    wh = q.would_have(ledger, "plan-1")
    assert wh["planned_effective_at"] == "2019-03-25T09:00:00-04:00" and wh["in_effect_ever"] is False
    assert [tg["name"] for tg in wh["targets"]] == ["ACME", "NEW CO"]


def test_bad_events_write_nothing(ledger: Ledger) -> None:
    scheduled_action(ledger)
    add_event(
        ledger,
        "plan-1",
        Event("withdrawn", w("2019-03-22T14:00:00-04:00"), datetime.now(UTC), "", reason="x"),
    )
    events, audits = count(ledger, at.action_events), count(ledger, t.audit_log)
    with pytest.raises(ConflictError, match="withdrawn"):
        add_event(ledger, "plan-1", Event("effective", w("2019-03-25T09:00:00-04:00"), datetime.now(UTC), ""))
    with pytest.raises(NotFoundError):
        add_event(ledger, "nope", Event("announced", w("2019-03-25T09:00:00-04:00"), datetime.now(UTC), ""))
    assert count(ledger, at.action_events) == events and count(ledger, t.audit_log) == audits


def test_revoked_action_in_effect_only_between(ledger: Ledger) -> None:
    a = Action("rev-1", "US-TREASURY-OFAC", "designation", "designation", None, "recorded", NY)
    now = datetime.now(UTC)
    record_action(
        ledger,
        a,
        [
            Event("announced", w("2019-03-21T13:40:00-04:00"), now, "t"),
            Event("effective", w("2019-03-21T13:40:00-04:00"), now, "t"),
        ],
    )
    add_event(ledger, "rev-1", Event("revoked", w("2019-04-01T10:00:00-04:00"), now, "", reason="error"))

    def ids(s: str) -> set[str]:
        return {f.action.id for f in q.in_effect_at(ledger, datetime.fromisoformat(s))}

    assert "rev-1" not in ids("2019-03-21T12:00:00-04:00")
    assert "rev-1" in ids("2019-03-25T12:00:00-04:00")
    assert "rev-1" not in ids("2019-04-01T10:00:00-04:00")


def test_correction_is_a_new_event(ledger: Ledger) -> None:
    a = Action("c-1", "UNSC", "designation", "designation", None, "recorded", NY)
    now = datetime.now(UTC)
    stored = record_action(ledger, a, [Event("announced", w("2019-03-21T10:00:00-04:00"), now, "t")])
    first = stored.events[0].id
    add_event(ledger, "c-1", Event("announced", w("2019-03-20T10:00:00-04:00"), now, "", corrects=first))
    h = q.history(ledger, "c-1")
    assert [e["corrected"] for e in h["events"]] == [True, False]
    assert h["announced_at"] == "2019-03-20T10:00:00-04:00"


# -- CLI ----------------------------------------------------------------------------------------------


@pytest.fixture
def run(db_url: str):  # type: ignore[no-untyped-def]
    register_all()
    runner = CliRunner()

    def invoke(*args: str) -> tuple[int, str, str]:
        r = runner.invoke(cli, ["--db", db_url, *args])
        return r.exit_code, r.stdout, r.stderr

    return invoke


def test_cli_contract(run, facts_file: Path) -> None:  # type: ignore[no-untyped-def]
    code, _, err = run("actions", "import", str(facts_file))
    assert code == 0, err
    code, out, _ = run("actions", "list", "--announced-on", "2019-03-21", "--tz", NY, "--json")
    rows = json.loads(out)
    assert {r["id"] for r in rows} == {"us-ofac-2019-03-21-dprk", "us-ofac-2019-03-21-drc"}
    dprk = next(r for r in rows if r["id"] == "us-ofac-2019-03-21-dprk")
    assert dprk["authority"] == "US-TREASURY-OFAC" and dprk["status"] == "effective"
    assert dprk["announced_at"] == "2019-03-21T13:40:00-04:00" and dprk["programs"] == ["DPRK3", "DPRK4"]
    assert (
        dprk["targets"][0]["entity_id"] == "ofac-sdn:26243" and dprk["targets"][0]["name"] == "DALIAN HAIBO"
    )
    code, out, err = run(
        "actions",
        "record",
        "--authority",
        "US-TREASURY-OFAC",
        "--id",
        "plan-x",
        "--target-name",
        "ACME|entity",
        "--scheduled-for",
        "2019-03-25T09:00:00-04:00",
        "--announced-at",
        "2019-03-22",
        "--json",
    )
    assert code == 0, err
    assert json.loads(out)["announced_zone"] == NY
    code, out, err = run(
        "actions",
        "event",
        "plan-x",
        "withdrawn",
        "--at",
        "2019-03-22T14:00:00-04:00",
        "--note",
        "withdrawn by order",
        "--json",
    )
    assert code == 0, err
    code, out, _ = run("actions", "show", "plan-x", "--json")
    assert json.loads(out)["status"] == "withdrawn"
    code, _, err = run("actions", "event", "plan-x", "effective", "--at", "2019-03-25T09:00:00-04:00")
    assert code == 5 and "withdrawn" in err
    code, _, err = run(
        "actions", "event", "nope", "withdrawn", "--at", "2019-03-22T14:00:00-04:00", "--note", "x"
    )
    assert code == 4 and "no action 'nope'" in err
    code, _, err = run("actions", "event", "plan-x", "revoked", "--at", "2019-03-22T14:00:00")
    assert code == 2 and "no time zone" in err
    code, out, _ = run("feed", "--format", "json")
    assert json.loads(out)["version"] == "https://jsonfeed.org/version/1.1"
