"""The dev split of the screening benchmark, end to end through screen-file, at the default operating point.

A regression guard for the acceptance bars of the screening issue (the hidden split is scored elsewhere)."""

from __future__ import annotations

import csv
import json
import subprocess
import sys
from collections import defaultdict
from pathlib import Path

import pytest

from sanctions_ledger.matching.index import MatchIndex
from sanctions_ledger.parsers import parse_paths
from sanctions_ledger.screening import Screener
from sanctions_ledger.screening.batch import screen_file

pytestmark = pytest.mark.integration

# issue 14: no category lower than before it (perturbed 0.984, cross_list_latin 0.979, cross_script 0.952);
# new_alias 0.656 and novel-party FPR 0.0048 after it (docs/matching.md, "Validation")
BARS_RECALL = {"perturbed": 0.98, "cross_list_latin": 0.975, "cross_script": 0.95, "new_alias": 0.65}
BAR_FPR = 0.005


def test_dev_benchmark_meets_the_bars(tmp_path: Path, shared_data: Path) -> None:
    bench = shared_data.parent / "bench" / "screening"
    dev = bench / "dev"
    screener = Screener(MatchIndex(parse_paths([shared_data / "ofac-sdn" / "2019-01-04"])[0].entities))
    out = tmp_path / "dev.jsonl"
    screen_file(screener, dev / "queries_blind.csv", out, workers=2)
    lines = [json.loads(x) for x in out.read_text().splitlines()]
    queries = list(csv.DictReader((dev / "queries.csv").open(encoding="utf-8")))
    assert len(lines) == len(queries)
    expected = {r["qid"]: r["expected_entity_id"] for r in csv.DictReader((dev / "expected.csv").open())}
    got = {x["qid"]: {m["entity_id"] for m in x["matches"]} for x in lines}
    hits: dict[str, list[bool]] = defaultdict(list)
    for q in queries:
        want = expected[q["qid"]]
        hits[q["category"]].append(want in got[q["qid"]] if want else bool(got[q["qid"]]))
    rates = {c: sum(v) / len(v) for c, v in hits.items()}
    for category, bar in BARS_RECALL.items():
        assert rates[category] >= bar, (category, rates)
    for category in ("negatives_people", "negatives_novel"):
        assert rates[category] <= BAR_FPR, (category, rates)
    # the benchmark's own evaluator agrees
    res = subprocess.run(
        [
            sys.executable,
            str(bench / "eval_screening.py"),
            "--queries",
            str(dev / "queries.csv"),
            "--expected",
            str(dev / "expected.csv"),
            "--results",
            str(out),
        ],
        capture_output=True,
        text=True,
        check=True,
    )
    report = json.loads(res.stdout.strip().splitlines()[-1])
    assert report["overall"]["missing_results"] == 0
    for category, bar in BARS_RECALL.items():
        assert report["categories"][category]["recall"] == pytest.approx(rates[category], abs=1e-3)
        assert report["categories"][category]["recall"] >= bar
    for category in ("negatives_people", "negatives_novel"):
        assert report["categories"][category]["fpr"] <= BAR_FPR


def test_screen_leaves_out_only_what_scores_below_the_threshold(shared_data: Path) -> None:
    """Screening skips the features of entities whose name score cannot reach the threshold; the answer
    must be exactly the full scoring cut at the threshold, for every dev query (with dates of birth and
    countries that raise scores) and several thresholds."""
    from sanctions_ledger.screening import ScreeningQuery

    screener = Screener(MatchIndex(parse_paths([shared_data / "ofac-sdn" / "2019-01-04"])[0].entities))
    dev = shared_data.parent / "bench" / "screening" / "dev"
    rows = list(csv.DictReader((dev / "queries.csv").open(encoding="utf-8")))
    compared = kept = 0
    for r in rows:
        for threshold in (0.5, 0.8, 0.9):
            q = ScreeningQuery.build(
                r["name"],
                schema=r["type"] or None,
                dob=r["dob"] or None,
                country=r["country"] or None,
                threshold=threshold,
                limit=50,
            )
            full = [(m.entity.id, m.score) for m in screener.score_all(q) if m.score >= threshold][:50]
            got = [(m.entity_id, m.score) for m in screener.screen(q).matches]
            assert got == full, (r["name"], threshold)
            compared += 1
            kept += len(got)
    assert compared == 3 * len(rows) and kept > 1000
