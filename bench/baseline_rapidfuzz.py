"""Baseline from the screening benchmark README: rapidfuzz ``token_sort_ratio``, brute force over every
2019 SDN name (primary, aliases, weak a.k.a.s), names only, upper-cased with punctuation removed.

    python bench/baseline_rapidfuzz.py QUERIES.csv OUT.jsonl [--threshold 0.845] [--workers 2]
                                       [--lists DIR ...]

``--lists``: brute force over every name of these list folders instead of the 2019 SDN (to show how the cost
grows with the lists; bench/service_bench.py runs it as a whole process beside ``sanctions screen-file``).
"""

from __future__ import annotations

import argparse
import csv
import json
import multiprocessing as mp
import re
import sys
import time
from pathlib import Path

from rapidfuzz import fuzz, process

from sanctions_ledger.parsers import parse_paths

SDN_2019 = Path(__file__).resolve().parents[2] / "shared/data/ofac-sdn/2019-01-04"
_PUNCT = re.compile(r"[^\w\s]")

_CHOICES: list[str] = []
_IDS: list[str] = []
_CUTOFF = 84.5


def _norm(s: str) -> str:
    """Upper case, punctuation removed, tokens sorted: ``ratio`` on this is ``token_sort_ratio``."""
    return " ".join(sorted(_PUNCT.sub(" ", s.upper()).split()))


def load(lists: list[Path] | None = None) -> None:
    for parsed in parse_paths(lists or [SDN_2019]):
        for e in parsed.entities:
            for n in e.names:
                _CHOICES.append(_norm(n.name))
                _IDS.append(e.id)


def _one(row: tuple[str, str]) -> str:
    qid, name = row
    hits = process.extract(_norm(name), _CHOICES, scorer=fuzz.ratio, score_cutoff=_CUTOFF, limit=20)
    best: dict[str, float] = {}
    for _, score, i in hits:
        eid = _IDS[i]
        best[eid] = max(best.get(eid, 0.0), score / 100)
    matches = [{"entity_id": k, "score": round(v, 4)} for k, v in sorted(best.items(), key=lambda kv: -kv[1])]
    return json.dumps({"qid": qid, "matches": matches})


def run(
    queries: Path, out: Path, threshold: float = 0.845, workers: int = 2, lists: list[Path] | None = None
) -> float:
    """Screen the queries; returns names per second."""
    global _CUTOFF
    _CUTOFF = threshold * 100
    if not _CHOICES:
        load(lists)
    with queries.open(encoding="utf-8", newline="") as f:
        rows = [(r["qid"], r["name"]) for r in csv.DictReader(f)]
    t0 = time.perf_counter()
    with out.open("w", encoding="utf-8") as f:
        if workers > 1:
            with mp.get_context("fork").Pool(workers) as pool:
                for line in pool.imap(_one, rows, chunksize=32):
                    f.write(line + "\n")
        else:
            for r in rows:
                f.write(_one(r) + "\n")
    return len(rows) / (time.perf_counter() - t0)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("queries", type=Path)
    ap.add_argument("out", type=Path)
    ap.add_argument("--threshold", type=float, default=0.845)
    ap.add_argument("--workers", type=int, default=2)
    ap.add_argument("--lists", type=Path, nargs="+", help="list folders (default: the 2019 SDN)")
    a = ap.parse_args(argv)
    qps = run(a.queries, a.out, a.threshold, a.workers, a.lists)
    print(f"baseline_rapidfuzz: {qps:.0f} names/s", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
