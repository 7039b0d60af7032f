"""Tests as data on the real 2019 SDN set: tests/data/screening_cases.csv."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest

from sanctions_ledger.matching.index import MatchIndex
from sanctions_ledger.screening import Screener, ScreeningQuery

pytestmark = pytest.mark.integration

ROOT = Path(__file__).resolve().parents[2]
SDN_2019 = ROOT.parent / "shared/data/ofac-sdn/2019-01-04"
CASES = list(csv.DictReader((ROOT / "tests/data/screening_cases.csv").open(encoding="utf-8", newline="")))


@pytest.fixture(scope="module")
def screener() -> Screener:
    if not SDN_2019.exists():
        pytest.skip("shared data not available")
    from sanctions_ledger.parsers import parse_paths

    return Screener(MatchIndex(parse_paths([SDN_2019])[0].entities))


@pytest.mark.parametrize("case", CASES, ids=[c["case"] for c in CASES])
def test_case(screener: Screener, case: dict[str, str]) -> None:
    query = ScreeningQuery.build(
        case["query"],
        schema=case["type"],
        dob=case["dob"],
        country=case["country"],
        imo=case["imo"],
        id_number=case["id_number"],
    )
    result = screener.screen(query)
    ids = [m.entity_id for m in result.matches]
    expect = case["expect"]
    if expect == "match":
        assert case["entity_id"] in ids, (case["note"], result.to_dict()["matches"][:3])
    elif expect == "top":
        assert ids and ids[0] == case["entity_id"], (case["note"], ids)
    elif expect == "no_match":
        assert ids == [], (case["note"], [(m.entity_id, m.score, m.matched_name) for m in result.matches])
    elif expect.startswith("rank_below:"):
        above = expect.split(":", 1)[1]
        scores = {m.entity.id: m.score for m in screener.score_all(query)}
        assert scores.get(above, 0) > scores.get(case["entity_id"], 0), (case["note"], scores)
    else:  # pragma: no cover
        pytest.fail(f"unknown expectation {expect!r}")


def test_explanation_is_defensible(screener: Screener) -> None:
    result = screener.screen(ScreeningQuery.build("Choi Ryong Hae", schema="person", dob="1950-01-15"))
    top = result.to_dict()["matches"][0]
    assert top["entity_id"] == "ofac-sdn:23213"
    ex = top["explanation"]
    assert ex["matched_kind"] == "primary" and ex["korean_romanisation"] is True
    assert any(f["feature"] == "dob" and f["effect"] > 0 for f in ex["features"])
    assert ex["list"] == "ofac-sdn" and ex["programs"] == ["DPRK2"]
    assert 0.0 <= top["score"] <= 1.0
