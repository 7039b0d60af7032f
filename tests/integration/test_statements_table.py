"""The statement table (tests/data/statements.csv): real statements about the 2017-2019 North Korea actions
and the lists, each with its instant, expected verdict and the action or entity it must be about, checked
against real OFAC and UN snapshots, the facts file and inferred changes. Also the entity story on the
same record (the designation of ofac-sdn:26243, a rename that is not a removal)."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest

from sanctions_ledger.actions.facts import import_facts
from sanctions_ledger.actions.infer import infer
from sanctions_ledger.actions.story import entity_history, show_entity
from sanctions_ledger.ledger import Ledger, open_ledger
from sanctions_ledger.statements import check_statement
from tests.conftest import REPO, SHARED

pytestmark = pytest.mark.integration

FACTS = SHARED / "facts" / "dprk-actions-2017-2019.json"
TABLE = REPO / "tests" / "data" / "statements.csv"
ROWS = list(csv.DictReader(TABLE.open(encoding="utf-8")))


@pytest.fixture(scope="module")
def record(shared_data: Path, tmp_path_factory: pytest.TempPathFactory) -> Ledger:
    if not FACTS.is_file():
        pytest.skip("facts file missing")
    ledger = open_ledger(f"sqlite:///{tmp_path_factory.mktemp('statements') / 'ledger.db'}")
    for day in ("2019-01-04", "2021-06-29"):
        ledger.load_paths([shared_data / "ofac-sdn" / day], day)
    for day in ("2018-06-07", "2018-06-21", "2018-08-24", "2018-10-29", "2020-11-24"):
        ledger.load_paths([shared_data / "un" / day], day)
    import_facts(ledger, FACTS)
    infer(ledger, "ofac-sdn")
    infer(ledger, "un")
    return ledger


def test_the_table_has_at_least_40_statements() -> None:
    assert len(ROWS) >= 40
    assert {r["verdict"] for r in ROWS} == {"supported", "contradicted", "unverifiable"}


@pytest.mark.parametrize("row", ROWS, ids=[r["id"] for r in ROWS])
def test_statement(record: Ledger, row: dict[str, str]) -> None:
    out = check_statement(record, row["text"], row["at"])
    about = [a for c in out["claims"] for a in c.get("matched_actions") or []]
    about += [c["entity_id"] for c in out["claims"] if c.get("entity_id")]
    assert out["verdict"] == row["verdict"], out["findings"]
    if row["expect"]:
        assert row["expect"] in about, (about, out["findings"])


def test_promise_says_whether_it_was_kept(record: Ledger) -> None:
    out = check_statement(
        record,
        "The Treasury will announce new sanctions on North Korea tomorrow.",
        "2019-03-20T12:00:00-04:00",
    )
    promise = out["claims"][0]["promise"]
    assert promise["kept"] is True and "us-ofac-2019-03-21-dprk" in promise["actions"]
    assert out["candidates"][0]["action_id"] == "us-ofac-2019-03-21-dprk"


def test_designation_of_26243_comes_from_the_action(record: Ledger) -> None:
    shown = show_entity(record, "ofac-sdn:26243")
    d = shown["designation"]
    assert d["date"] == "2019-03-21" and d["action_id"] == "us-ofac-2019-03-21-dprk"
    assert d["at"]["approximate"] is True and d["at"]["confidence"] == "low"
    h = entity_history(record, "ofac-sdn:26243")
    kinds = [(e["kind"], e["evidence"]) for e in h["events"]]
    assert kinds[0] == ("designated", "action") and ("first seen", "snapshot") in kinds


def test_a_rename_is_not_a_removal(record: Ledger) -> None:
    h = entity_history(record, "ofac-sdn:906")  # HAVANA INTERNATIONAL BANK -> HAVIN BANK LIMITED
    kinds = [e["kind"] for e in h["events"]]
    assert "renamed" in kinds and "delisted" not in kinds
    assert h["on_latest_snapshot"] is True


def test_un_entities_carry_the_file_listing_date(record: Ledger) -> None:
    d = show_entity(record, "un:KPe.047")["designation"]  # FOREIGN TRADE BANK, resolution 2371
    assert d["date"] == "2017-08-05" and "file" in d["evidence"]
