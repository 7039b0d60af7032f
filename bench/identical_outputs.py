"""Screening output fingerprint: every dev query screened at several thresholds, full results to one file.

    python bench/identical_outputs.py OUT.jsonl [--data DIR ...]

Screens each query of the dev split (``queries_blind.csv`` and ``queries.csv``) against an index of the
2019-01-04 SDN (or of the list directories given with ``--data``) at thresholds 0.5, 0.8 and 0.9 with
limit 10, and writes one JSON line per (file, threshold, query) with the whole result: scores, matched
names and explanations. A speed change to the matcher must leave this file byte-identical (run it before
and after, compare with ``cmp``).
"""

from __future__ import annotations

import argparse
import csv
import hashlib
import json
import sys
from pathlib import Path

from sanctions_ledger.matching.index import MatchIndex
from sanctions_ledger.parsers import parse_paths
from sanctions_ledger.screening import Screener
from sanctions_ledger.screening.batch import screen_row

ROOT = Path(__file__).resolve().parents[1]
SHARED = ROOT.parent / "shared"
DEV = SHARED / "bench/screening/dev"
SDN_2019 = SHARED / "data/ofac-sdn/2019-01-04"
FILES = ("queries_blind.csv", "queries.csv")
THRESHOLDS = (0.5, 0.8, 0.9)
LIMIT = 10


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("out", type=Path, help="where to write the JSONL results")
    ap.add_argument(
        "--data", type=Path, action="append", help="a list directory to index (repeatable; default: SDN 2019)"
    )
    a = ap.parse_args(argv)
    index = MatchIndex([e for p in parse_paths(a.data or [SDN_2019]) for e in p.entities])
    digest = hashlib.sha256()
    lines = 0
    with a.out.open("w", encoding="utf-8", newline="\n") as out:
        for name in FILES:
            with (DEV / name).open(encoding="utf-8", newline="") as f:
                rows = list(csv.DictReader(f))
            for t in THRESHOLDS:
                screener = Screener(index, threshold=t, limit=LIMIT)
                for n, row in enumerate(rows, start=1):
                    rec = {"file": name, "threshold": t, **screen_row(screener, n, row, None)}
                    line = json.dumps(rec, ensure_ascii=False, sort_keys=True) + "\n"
                    digest.update(line.encode("utf-8"))
                    out.write(line)
                    lines += 1
    print(f"{lines} results written to {a.out}; sha256 {digest.hexdigest()}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
