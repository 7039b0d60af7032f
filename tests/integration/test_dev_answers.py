"""The screening service gives the same answers as before it was restructured (issue #11): every dev query
of the screening benchmark at thresholds 0.5, 0.8 and 0.9, against the 2019 SDN, the matches and their
scores. ``tests/data/dev_answers.csv`` was written by the matcher as it stood before (commit c586544)."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest

from sanctions_ledger.matching.index import MatchIndex
from sanctions_ledger.parsers import parse_paths
from sanctions_ledger.screening import Screener, ScreeningQuery

SHARED = Path(__file__).resolve().parents[3] / "shared"
DEV = SHARED / "bench/screening/dev/queries.csv"
ANSWERS = Path(__file__).resolve().parents[1] / "data/dev_answers.csv"

pytestmark = pytest.mark.skipif(not DEV.exists(), reason="the shared screening benchmark is not here")


def test_dev_answers_unchanged() -> None:
    entities = [e for p in parse_paths([SHARED / "data/ofac-sdn/2019-01-04"]) for e in p.entities]
    screener = Screener(MatchIndex(entities), limit=10)
    with ANSWERS.open(encoding="utf-8", newline="") as f:
        expected = {(r["qid"], float(r["threshold"])): r["matches"] for r in csv.DictReader(f)}
    got: dict[tuple[str, float], str] = {}
    with DEV.open(encoding="utf-8", newline="") as f:
        for r in csv.DictReader(f):
            for t in (0.5, 0.8, 0.9):
                q = ScreeningQuery.build(
                    r["name"], schema=r.get("type"), dob=r.get("dob"), country=r.get("country"), threshold=t
                )
                got[(r["qid"], t)] = " ".join(f"{m.entity_id}={m.score}" for m in screener.screen(q).matches)
    assert len(got) == len(expected) == 3975
    differ = [k for k in expected if got.get(k) != expected[k]]
    assert not differ, f"{len(differ)} answers changed, e.g. {differ[:3]}: {[got[k] for k in differ[:3]]}"
