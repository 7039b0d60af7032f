"""Is the screening score a probability? Fit a confidence (a small logistic regression) on the dev split
and check it on the validation sets (bench/make_validation.py): never fitted on validation.

    python bench/calibrate.py [--validation-dir /tmp/sanctions-validation]

Each alert a query raises at or above 0.70 (at most 10) is one training pair, labelled true when it is the
expected party. Features, all known when a result is built: the score, whether the alert is the query's
best (alone and times the score), and how far below the query's best it is. The fit is Newton's method
on the log-loss with a little L2 (standard library only). Prints the coefficients and the reliability of
the raw score and of the confidence on both splits (docs/matching.md, "What a score means": the
confidence was not adopted).
"""

from __future__ import annotations

import argparse
import csv
import math
import sys
from pathlib import Path

from screening_bench import DEV, SDN_2019, ensure_validation, load

from sanctions_ledger.matching.index import MatchIndex
from sanctions_ledger.screening import Screener, ScreeningQuery

Pair = tuple[list[float], int]


def alert_features(score: float, best: float, is_best: bool) -> list[float]:
    """The score, whether the alert is the query's best, that times the score, and the gap below the best."""
    top = 1.0 if is_best else 0.0
    return [score, top, top * score, best - score]


def pairs(screener: Screener, split: Path) -> list[Pair]:
    with (split / "expected.csv").open(encoding="utf-8", newline="") as f:
        expected = {r["qid"]: r["expected_entity_id"] for r in csv.DictReader(f)}
    out: list[Pair] = []
    with (split / "queries_blind.csv").open(encoding="utf-8", newline="") as f:
        for r in csv.DictReader(f):
            q = ScreeningQuery.build(r["name"], schema=r["type"], dob=r["dob"], country=r["country"])
            scores = [(m.entity_id, m.score) for m in screener.screen(q).matches]
            for i, (eid, sc) in enumerate(scores):
                out.append((alert_features(sc, scores[0][1], i == 0), int(eid == expected[r["qid"]])))
    return out


def sigmoid(z: float) -> float:
    return 1.0 / (1.0 + math.exp(-z)) if z > -30 else 0.0


def fit(data: list[Pair], l2: float = 1e-3, steps: int = 30) -> list[float]:
    """Logistic regression by Newton's method (iteratively reweighted least squares), a little L2."""
    k = len(data[0][0]) + 1
    w = [0.0] * k
    for _ in range(steps):
        grad = [0.0] * k
        hess = [[0.0] * k for _ in range(k)]
        for x, y in data:
            xs = [1.0, *x]
            p = sigmoid(sum(a * b for a, b in zip(w, xs, strict=True)))
            for i in range(k):
                grad[i] += (p - y) * xs[i]
                for j in range(k):
                    hess[i][j] += p * (1 - p) * xs[i] * xs[j]
        for i in range(1, k):
            grad[i] += l2 * w[i] * len(data)
            hess[i][i] += l2 * len(data)
        step = solve(hess, grad)
        w = [a - b for a, b in zip(w, step, strict=True)]
        if max(abs(v) for v in step) < 1e-8:
            break
    return w


def solve(a: list[list[float]], b: list[float]) -> list[float]:
    """Gaussian elimination with partial pivoting."""
    n = len(b)
    m = [[*row, b[i]] for i, row in enumerate(a)]
    for c in range(n):
        piv = max(range(c, n), key=lambda r: abs(m[r][c]))
        m[c], m[piv] = m[piv], m[c]
        for r in range(n):
            if r != c and m[c][c]:
                f = m[r][c] / m[c][c]
                m[r] = [x - f * y for x, y in zip(m[r], m[c], strict=True)]
    return [m[i][n] / m[i][i] if m[i][i] else 0.0 for i in range(n)]


def report(label: str, data: list[Pair], w: list[float]) -> None:
    bands = [(0.0, 0.2), (0.2, 0.5), (0.5, 0.8), (0.8, 0.9), (0.9, 0.95), (0.95, 1.0001)]
    probs = [sigmoid(w[0] + sum(a * b for a, b in zip(w[1:], x, strict=True))) for x, _ in data]
    brier_raw = sum((x[0] - y) ** 2 for x, y in data) / len(data)
    brier_cal = sum((p - y) ** 2 for p, (_, y) in zip(probs, data, strict=True)) / len(data)
    print(f"{label}: {len(data)} alerts, Brier score raw {brier_raw:.4f}, confidence {brier_cal:.4f}")
    for name, vals in (("raw score", [x[0] for x, _ in data]), ("confidence", probs)):
        cells = []
        for lo, hi in bands:
            sel = [y for v, (_, y) in zip(vals, data, strict=True) if lo <= v < hi]
            cells.append(f"[{lo:.2f},{min(hi, 1):.2f}) {sum(sel) / len(sel) if sel else 0:.3f} ({len(sel)})")
        print(f"  {name:<10} " + "  ".join(cells))


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--validation-dir", type=Path, default=Path("/tmp/sanctions-validation"))
    a = ap.parse_args(argv)
    ensure_validation(a.validation_dir)
    screener = Screener(MatchIndex(load([SDN_2019])), threshold=0.7, limit=10)
    dev = pairs(screener, DEV)
    w = fit(dev)
    print(
        "coefficients (intercept, score, is best, is best x score, gap below best):", [round(v, 3) for v in w]
    )
    report("dev (fitted)", dev, w)
    report("validation (held out)", pairs(screener, a.validation_dir), w)
    return 0


if __name__ == "__main__":
    sys.exit(main())
