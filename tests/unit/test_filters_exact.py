"""Filters compare exactly: ``%``, ``_`` and ``\\`` typed by a user are plain characters, never LIKE
wildcards (program filters of ``asof``, the audit log's action prefix), in the ledger, the API and the CLI."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from click.testing import CliRunner

from sanctions_ledger.cli.main import cli, register_all
from sanctions_ledger.ledger import Ledger
from sanctions_ledger.model import Entity, Name
from sanctions_ledger.parsers import ParsedList
from sanctions_ledger.services.keys import create_key
from tests.unit.test_api import make_client

AT = datetime(2019, 3, 22, 16, tzinfo=UTC)


def _org(n: int, name: str, programs: list[str]) -> Entity:
    return Entity(
        list="ofac-sdn", source_id=str(n), schema="organization", names=[Name(name)], programs=programs
    )


@pytest.fixture
def filled(ledger: Ledger) -> Ledger:
    entities = [
        _org(1, "CUBA ONE", ["CUBA"]),
        _org(2, "TWO PROGRAMS", ["DPRK3", "DPRK4"]),
        _org(3, "SPACED", ["The ISIL (Da'esh) and Al-Qaida organisations", "SDGT"]),
        _org(4, "PERCENT", ["100%_X"]),
    ]
    parsed = ParsedList(
        list="ofac-sdn", format="ofac-csv", entities=entities, files=[], counts={"records": len(entities)}
    )
    ledger.record(parsed, AT)
    with ledger.engine.begin() as conn:
        for action in ("keys.create", "actions.record", "load_x"):
            ledger.audit(conn, "test", action, None, {})
    return ledger


@pytest.mark.parametrize(
    ("program", "expected"),
    [
        ("CUBA", ["ofac-sdn:1"]),
        ("%", []),
        ("_UBA", []),
        ("CUB%", []),
        ("cuba", []),  # exact: SQLite's LIKE would have ignored case
        ("DPRK3 DPRK4", []),  # two programs are not one
        ("DPRK4", ["ofac-sdn:2"]),
        ("Al-Qaida organisations SDGT", []),
        ("The ISIL (Da'esh) and Al-Qaida organisations", ["ofac-sdn:3"]),
        ("100%_X", ["ofac-sdn:4"]),
        ("100\\%\\_X", []),
    ],
)
def test_asof_program_filter_is_exact(filled: Ledger, program: str, expected: list[str]) -> None:
    _snap, ids = filled.asof("ofac-sdn", AT, program)
    assert ids == expected


@pytest.mark.parametrize(
    ("action", "expected"),
    [
        ("keys.", ["keys.create"]),
        ("actions.record", ["actions.record"]),
        ("%", []),
        ("_eys", []),
        ("load_", ["load_x"]),
        ("loadX", []),
        ("KEYS.", []),
    ],
)
def test_audit_action_is_an_exact_prefix(filled: Ledger, action: str, expected: list[str]) -> None:
    assert [r["action"] for r in filled.audit_entries(100, action)] == expected


def test_api_filters_take_no_wildcards(filled: Ledger) -> None:
    admin = create_key(filled, "test-admin", "admin", "test")[0]
    with make_client(filled) as client:
        everything = client.get("/audit", headers={"X-API-Key": admin}).json()
        assert len(everything) > 3
        r = client.get("/audit", params={"action": "%"}, headers={"X-API-Key": admin})
        assert r.status_code == 200 and r.json() == []
        for program in ("%", "_UBA"):
            r = client.get("/asof/ofac-sdn", params={"at": "2019-03-23", "program": program})
            assert r.status_code == 200 and r.json()["entity_ids"] == [], program
        r = client.get("/asof/ofac-sdn", params={"at": "2019-03-23", "program": "CUBA"})
        assert r.json()["entity_ids"] == ["ofac-sdn:1"]


def test_cli_program_percent_matches_nothing(filled: Ledger, db_url: str) -> None:
    register_all()
    out = CliRunner().invoke(
        cli, ["--db", db_url, "asof", "2019-03-23", "--list", "ofac-sdn", "--program", "%", "--json"]
    )
    assert out.exit_code == 0, out.output
    assert '"count": 0' in out.output
