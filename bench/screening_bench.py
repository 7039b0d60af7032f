"""Screening benchmark: quality on the dev split and speed (run on demand, not in the unit tests).

    python bench/screening_bench.py quality [--threshold T] [--sweep]   # dev split, evaluator table
    python bench/screening_bench.py validation [--threshold T] [--sweep] [--kfold 5]
                                            # dev and the validation sets side by side; k-fold over dev
    python bench/screening_bench.py speed [--large]                     # latency, throughput, build, memory
    python bench/screening_bench.py all

Quality indexes ONLY the 2019-01-04 SDN set, as the benchmark's rules require. The large index (speed
only) holds the latest SDN (2024-07-02), OFAC consolidated, UN, UK HMT and BIS DPL lists.
"""

from __future__ import annotations

import argparse
import csv
import json
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from sanctions_ledger.matching.index import MatchIndex
from sanctions_ledger.model import Entity
from sanctions_ledger.parsers import parse_paths
from sanctions_ledger.screening import Screener, ScreeningQuery
from sanctions_ledger.screening.batch import screen_file

ROOT = Path(__file__).resolve().parents[1]
SHARED = ROOT.parent / "shared"
BENCH = SHARED / "bench/screening"
DEV = BENCH / "dev"
SDN_2019 = SHARED / "data/ofac-sdn/2019-01-04"
LARGE = [
    SHARED / "data/ofac-sdn/2024-07-02",
    SHARED / "data/ofac-cons/2025-12-19",
    SHARED / "data/un/2026-02-27",
    SHARED / "data/uk-hmt/2016-03-23",
    SHARED / "data/us-bis-dpl/2023-11-30",
]


def rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def load(paths: list[Path]) -> list[Entity]:
    return [e for p in parse_paths(paths) for e in p.entities]


def evaluate(results: Path, threshold: float | None = None, split: Path = DEV) -> dict[str, object]:
    cmd = [
        sys.executable,
        str(BENCH / "eval_screening.py"),
        "--queries",
        str(split / "queries.csv"),
        "--expected",
        str(split / "expected.csv"),
        "--results",
        str(results),
        "--subkinds",
        str(split / "subkinds.csv"),
    ]
    if threshold is not None:
        cmd += ["--threshold", str(threshold)]
    out = subprocess.run(cmd, capture_output=True, text=True, check=True).stdout
    lines = out.strip().splitlines()
    print("\n".join(lines[:-1]))
    return dict(json.loads(lines[-1]))


def quality(threshold: float | None, sweep: bool, workers: int) -> None:
    index = MatchIndex(load([SDN_2019]))
    low = 0.6 if sweep else (threshold or Screener(index).threshold)
    screener = Screener(index, threshold=low, limit=10)
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp) / "dev.jsonl"
        t0 = time.perf_counter()
        counts = screen_file(screener, DEV / "queries_blind.csv", out, workers=workers, progress=False)
        dt = time.perf_counter() - t0
        print(
            f"screened {counts['rows']} dev queries in {dt:.2f}s"
            f" ({counts['rows'] / dt:.0f}/s, {workers} workers)"
        )
        op = threshold or Screener(index).threshold
        rep = evaluate(out, op)
        print(json.dumps(rep["overall"]))
        if sweep:
            print("\nthreshold sweep (recall per positive category; FPR per negative category)")
            for t in (0.7, 0.72, 0.75, 0.78, 0.8, 0.82, 0.85, 0.88, 0.9):
                r = _quiet_eval(out, t)
                cats: Any = r["categories"]
                cells = " ".join(
                    f"{c}={cats[c]['recall'] if cats[c]['recall'] is not None else cats[c]['fpr']}"
                    for c in (
                        "new_alias",
                        "cross_list_latin",
                        "cross_script",
                        "perturbed",
                        "negatives_people",
                        "negatives_novel",
                    )
                )
                print(f"  {t:.2f} {cells}")
        base = Path(tmp) / "baseline.jsonl"
        from baseline_rapidfuzz import run as baseline_run

        bqps = baseline_run(DEV / "queries_blind.csv", base, 0.845, workers)
        print(f"\nbaseline_rapidfuzz (token_sort_ratio >= 0.845, brute force): {bqps:.0f} names/s")
        print(json.dumps(_quiet_eval(base, None)["overall"]))


def _quiet_eval(results: Path, threshold: float | None, split: Path = DEV) -> dict[str, object]:
    cmd = [
        sys.executable,
        str(BENCH / "eval_screening.py"),
        "--queries",
        str(split / "queries.csv"),
        "--expected",
        str(split / "expected.csv"),
        "--results",
        str(results),
        "--json-only",
    ]
    if threshold is not None:
        cmd += ["--threshold", str(threshold)]
    return dict(json.loads(subprocess.run(cmd, capture_output=True, text=True, check=True).stdout))


VALIDATION_COLUMNS = (
    "new_alias",
    "cross_list_latin",
    "cross_script",
    "perturbed",
    "negatives_people",
    "negatives_novel",
    "negatives_other_list",
)


def ensure_validation(val_dir: Path) -> None:
    """Build the validation sets into ``val_dir`` (bench/make_validation.py) unless they are there."""
    if not (val_dir / "queries.csv").exists():
        subprocess.run(
            [sys.executable, str(Path(__file__).with_name("make_validation.py")), "--out", str(val_dir)],
            check=True,
        )


def validation(threshold: float | None, sweep: bool, workers: int, val_dir: Path, folds: int = 0) -> None:
    """Dev and the validation sets (bench/make_validation.py, built into ``val_dir`` when missing) side by
    side at the operating point, one row per split; with ``sweep`` at several thresholds."""
    ensure_validation(val_dir)
    index = MatchIndex(load([SDN_2019]))
    op = threshold or Screener(index).threshold
    screener = Screener(index, threshold=min(op, 0.7), limit=10)
    with tempfile.TemporaryDirectory() as tmp:
        outs = {}
        for label, split in (("dev", DEV), ("validation", val_dir)):
            out = Path(tmp) / f"{label}.jsonl"
            screen_file(screener, split / "queries_blind.csv", out, workers=workers, progress=False)
            outs[label] = (out, split)
        print("split        thr  " + " ".join(f"{c[:13]:>13}" for c in VALIDATION_COLUMNS) + "  precision")
        for t in (0.7, 0.75, 0.78, 0.8, 0.82, 0.85, 0.88, 0.9) if sweep else (op,):
            for label, (out, split) in outs.items():
                rep = _quiet_eval(out, t, split)
                cats: Any = rep["categories"]
                cells = []
                for c in VALIDATION_COLUMNS:
                    d = cats.get(c)
                    v = None if d is None else (d["recall"] if d["recall"] is not None else d["fpr"])
                    cells.append(f"{v:>13.4f}" if v is not None else f"{'-':>13}")
                print(f"{label:<11} {t:.2f}  " + " ".join(cells) + f"  {_precision(out, split, t):.4f}")
        print("\nwhat a score means: share of the alerts in each score band that are the expected party")
        bands = [(0.8, 0.85), (0.85, 0.9), (0.9, 0.95), (0.95, 1.0001)]
        print(
            "split       "
            + " ".join(
                f"{f'[{lo:.2f},{min(hi, 1):.2f}{chr(93) if hi > 1 else chr(41)}':>16}" for lo, hi in bands
            )
        )
        for label, (out, split) in outs.items():
            cells = []
            for lo, hi in bands:
                n, hit = _band(out, split, lo, hi)
                cells.append(f"{hit / n if n else 0:>8.3f} ({n:>4})")
            print(f"{label:<11} " + " ".join(f"{c:>16}" for c in cells))
        if folds:
            kfold(outs["dev"][0], DEV, folds)


def kfold(results: Path, split: Path = DEV, folds: int = 5) -> None:
    """Choose the operating point by k-fold over a split: on each fold's complement, the lowest threshold
    (0.70 ... 0.95 by 0.01) at which every negative category has FPR <= 1 %; then each category's recall or
    FPR on the held fold at that threshold. Folds are fixed by a hash of the qid."""
    import hashlib

    with (split / "queries.csv").open(encoding="utf-8", newline="") as f:
        rows = list(csv.DictReader(f))
    with (split / "expected.csv").open(encoding="utf-8", newline="") as f:
        expected = {r["qid"]: r["expected_entity_id"] for r in csv.DictReader(f)}
    got: dict[str, list[tuple[str, float]]] = {}
    for line in results.read_text(encoding="utf-8").splitlines():
        rec = json.loads(line)
        got[rec["qid"]] = [(m["entity_id"], float(m["score"])) for m in rec.get("matches") or []]

    def fold(qid: str) -> int:
        return int(hashlib.sha256(qid.encode()).hexdigest()[:8], 16) % folds

    def rates(qs: list[dict[str, str]], t: float) -> dict[str, float]:
        hit: dict[str, list[bool]] = {}
        for r in qs:
            want = expected[r["qid"]]
            ids = {e for e, sc in got.get(r["qid"], []) if sc >= t}
            hit.setdefault(r["category"], []).append(want in ids if want else bool(ids))
        return {c: sum(v) / len(v) for c, v in hit.items()}

    grid = [round(0.70 + 0.01 * i, 2) for i in range(26)]
    held: dict[str, list[float]] = {}
    chosen = []
    for k in range(folds):
        train = [r for r in rows if fold(r["qid"]) != k]
        test = [r for r in rows if fold(r["qid"]) == k]
        t = next(
            (
                g
                for g in grid
                if all(v <= 0.01 for c, v in rates(train, g).items() if c.startswith("negatives"))
            ),
            grid[-1],
        )
        chosen.append(t)
        for c, v in rates(test, t).items():
            held.setdefault(c, []).append(v)
    print(f"{folds}-fold over {split.name}: thresholds chosen {chosen}")
    for c in VALIDATION_COLUMNS:
        if c in held:
            v = held[c]
            print(f"  {c:<22} held-out folds mean {sum(v) / len(v):.4f}  min {min(v):.4f}  max {max(v):.4f}")


def _band(results: Path, split: Path, lo: float, hi: float) -> tuple[int, int]:
    """(alerts with lo <= score < hi, of which the expected party)."""
    with (split / "expected.csv").open(encoding="utf-8", newline="") as f:
        expected = {r["qid"]: r["expected_entity_id"] for r in csv.DictReader(f)}
    n = hit = 0
    for line in results.read_text(encoding="utf-8").splitlines():
        rec = json.loads(line)
        for m in rec.get("matches") or []:
            if lo <= m["score"] < hi:
                n += 1
                hit += m["entity_id"] == expected.get(rec["qid"], "")
    return n, hit


def _precision(results: Path, split: Path, threshold: float) -> float:
    """Of the alerts at or above ``threshold`` (every returned entity), the share that are the expected
    party: what a score at the threshold means on that split."""
    with (split / "expected.csv").open(encoding="utf-8", newline="") as f:
        expected = {r["qid"]: r["expected_entity_id"] for r in csv.DictReader(f)}
    alerts = hits = 0
    for line in results.read_text(encoding="utf-8").splitlines():
        rec = json.loads(line)
        for m in rec.get("matches") or []:
            if m["score"] >= threshold:
                alerts += 1
                hits += m["entity_id"] == expected.get(rec["qid"], "")
    return hits / alerts if alerts else 0.0


def _queries() -> list[ScreeningQuery]:
    with (DEV / "queries_blind.csv").open(encoding="utf-8", newline="") as f:
        return [
            ScreeningQuery.build(r["name"], schema=r["type"], dob=r["dob"], country=r["country"])
            for r in csv.DictReader(f)
        ]


def latency(index: MatchIndex, label: str) -> None:
    screener = Screener(index)
    queries = _queries()
    for q in queries[:50]:
        screener.screen(q)
    times: list[float] = []
    for q in queries:
        t0 = time.perf_counter()
        screener.screen(q)
        times.append((time.perf_counter() - t0) * 1000)
    times.sort()
    p50 = statistics.median(times)
    p99 = times[int(len(times) * 0.99) - 1]
    print(
        f"{label}: single-query latency p50 {p50:.3f} ms, p99 {p99:.3f} ms, max {times[-1]:.1f} ms"
        f" ({len(times)} dev queries)"
    )


def throughput(index: MatchIndex, workers: int, repeat: int) -> float:
    screener = Screener(index)
    with tempfile.TemporaryDirectory() as tmp:
        src = Path(tmp) / "in.csv"
        with (DEV / "queries_blind.csv").open(encoding="utf-8") as f:
            lines = f.read().splitlines()
        src.write_text("\n".join([lines[0]] + lines[1:] * repeat) + "\n", encoding="utf-8")
        n = (len(lines) - 1) * repeat
        t0 = time.perf_counter()
        screen_file(screener, src, Path(tmp) / "out.jsonl", workers=workers, progress=False)
        return n / (time.perf_counter() - t0)


def speed(large: bool, workers: int) -> None:
    sets = [("2019 SDN", [SDN_2019])] + ([("large (all lists)", LARGE)] if large else [])
    for label, paths in sets:
        entities = load(paths)
        before = rss_mb()
        t0 = time.perf_counter()
        index = MatchIndex(entities)
        build = time.perf_counter() - t0
        st = index.stats()
        print(
            f"\n== {label}: {st['entities']} entities, {st['names']} names, {st['keys']} keys,"
            f" {st['postings']} postings"
        )
        print(f"index build {build:.2f}s; peak RSS {rss_mb():.0f} MB (before build {before:.0f} MB)")
        latency(index, label)
        for w in (1, workers):
            qps = throughput(index, w, repeat=3)
            print(f"{label}: batch throughput {qps:.0f} names/s with {w} worker(s)")
    with tempfile.TemporaryDirectory() as tmp:
        from baseline_rapidfuzz import run as baseline_run

        bqps = baseline_run(DEV / "queries_blind.csv", Path(tmp) / "b.jsonl", 0.845, workers)
        print(f"\nbaseline_rapidfuzz brute force on the 2019 SDN: {bqps:.0f} names/s with {workers} workers")


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("what", choices=["quality", "validation", "speed", "all"])
    ap.add_argument("--validation-dir", type=Path, default=Path("/tmp/sanctions-validation"))
    ap.add_argument(
        "--kfold", type=int, default=0, help="validation: also choose the threshold by k-fold over dev"
    )
    ap.add_argument("--threshold", type=float, default=None)
    ap.add_argument("--sweep", action="store_true")
    ap.add_argument("--large", action="store_true", help="also the large all-lists index (speed)")
    ap.add_argument("--workers", type=int, default=2)
    a = ap.parse_args(argv)
    sys.path.insert(0, str(Path(__file__).resolve().parent))
    if a.what in ("quality", "all"):
        quality(a.threshold, a.sweep, a.workers)
    if a.what == "validation":
        validation(a.threshold, a.sweep, a.workers, a.validation_dir, a.kfold)
    if a.what in ("speed", "all"):
        speed(a.large or a.what == "all", a.workers)
    return 0


if __name__ == "__main__":
    sys.exit(main())
