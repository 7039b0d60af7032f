"""Batch screening throughput: Dask (dask.distributed) versus the single-process batch.

    python bench/dask_bench.py --rows 1000000 [--workers 2] [--single-rows 20000] [--scheduler ADDR]
                               [--format csv|parquet] [--lists DIR ...]

The index is the 2024-07-02 OFAC SDN list with its aliases (plus any ``--lists`` folders). Input names
are generated from real name resources (bench/monitoring_bench.py: US Congress members, UK HMT
individuals' given names x surnames, some listed names). The Dask run uses exactly the code behind
``sanctions screen-file --dask`` / ``--scheduler``:
:func:`sanctions_ledger.screening.batch.screen_file` on the
:class:`~sanctions_ledger.screening.executors.DaskCluster` executor of a LocalCluster (``--workers`` worker
processes, one thread each), or of the cluster at ``--scheduler``. Throughput is measured for what
actually ran; nothing is extrapolated.
"""

from __future__ import annotations

import argparse
import csv
import importlib.util
import json
import random
import tempfile
import time
from pathlib import Path
from typing import Any

from sanctions_ledger.matching.index import MatchIndex
from sanctions_ledger.parsers import parse_paths
from sanctions_ledger.screening import Screener
from sanctions_ledger.screening.batch import screen_file
from sanctions_ledger.screening.executors import DaskCluster, dask_client

HERE = Path(__file__).resolve().parent
SDN = HERE.parent.parent / "shared" / "data" / "ofac-sdn" / "2024-07-02"


def _pools() -> Any:
    spec = importlib.util.spec_from_file_location("monitoring_bench", HERE / "monitoring_bench.py")
    assert spec and spec.loader
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod.name_pools()


def make_input(path: Path, rows: int, listed: list[str], seed: int = 11) -> None:
    full, given, family = _pools()
    rng = random.Random(seed)
    fmt_parquet = path.suffix == ".parquet"
    names: list[str] = []
    for _ in range(rows):
        r = rng.random()
        if r < 0.01 and listed:
            names.append(rng.choice(listed))
        elif r < 0.05 and full:
            names.append(rng.choice(full))
        else:
            names.append(f"{rng.choice(given)} {rng.choice(family)}")
    if fmt_parquet:
        import pyarrow as pa  # type: ignore[import-untyped]
        import pyarrow.parquet as pq  # type: ignore[import-untyped]

        table = pa.table({"id": [f"q{i}" for i in range(rows)], "name": names})
        pq.write_table(table, path, row_group_size=5000)
        return
    with path.open("w", newline="", encoding="utf-8") as f:
        w = csv.writer(f)
        w.writerow(["id", "name"])
        for i, n in enumerate(names):
            w.writerow([f"q{i}", n])


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--rows", type=int, default=1_000_000, help="rows through Dask")
    ap.add_argument(
        "--single-rows", type=int, default=None, help="rows through the single process (default: --rows)"
    )
    ap.add_argument("--workers", type=int, default=2)
    ap.add_argument("--scheduler", default=None)
    ap.add_argument("--format", choices=["csv", "parquet"], default="csv")
    ap.add_argument("--chunk-rows", type=int, default=2000)
    ap.add_argument("--lists", type=Path, nargs="*", default=[SDN])
    ap.add_argument("--out", type=Path, default=None, help="write the JSON report here")
    args = ap.parse_args()
    single_rows = args.single_rows or args.rows
    entities = [e for p in parse_paths(list(args.lists)) for e in p.entities]
    t = time.perf_counter()
    screener = Screener(MatchIndex(entities))
    build_s = time.perf_counter() - t
    listed = [e.caption for e in entities if e.schema == "person"][:2000]
    report: dict[str, Any] = {"entities": len(entities), "index_build_seconds": round(build_s, 2)}
    print(f"index: {len(entities)} entities, built in {build_s:.1f} s", flush=True)
    with tempfile.TemporaryDirectory(prefix="daskbench-") as tmp:
        src = Path(tmp) / f"in.{args.format}"
        make_input(src, args.rows, listed)
        csv_src = src
        if args.format == "parquet" or single_rows != args.rows:
            csv_src = Path(tmp) / "single.csv"
            make_input(csv_src, single_rows, listed)
        t = time.perf_counter()
        c1 = screen_file(screener, csv_src, Path(tmp) / "single.jsonl", workers=1, progress=False)
        s1 = time.perf_counter() - t
        report["single_process"] = {
            "rows": c1["rows"],
            "seconds": round(s1, 2),
            "rows_per_s": round(c1["rows"] / s1, 1),
        }
        print(f"single process: {c1['rows']} rows in {s1:.1f} s = {c1['rows'] / s1:.0f} rows/s", flush=True)
        t = time.perf_counter()
        with dask_client(args.scheduler, n_workers=args.workers) as client:
            started = time.perf_counter() - t
            n_workers = len(client.scheduler_info()["workers"])
            t2 = time.perf_counter()
            dask = DaskCluster(client)
            out = Path(tmp) / "dask.jsonl"
            c2 = screen_file(screener, src, out, progress=False, chunk_size=args.chunk_rows, executor=dask)
            s2 = time.perf_counter() - t2
        report["dask"] = {
            "rows": c2["rows"],
            "tasks": -(-c2["rows"] // args.chunk_rows),
            "workers": n_workers,
            "scheduler": args.scheduler or "LocalCluster",
            "input": args.format,
            "cluster_start_seconds": round(started, 2),
            "seconds": round(s2, 2),
            "rows_per_s": round(c2["rows"] / s2, 1),
        }
        print(
            f"dask ({n_workers} workers, {c2['tasks']} tasks, {args.format}): {c2['rows']} rows in "
            f"{s2:.1f} s = {c2['rows'] / s2:.0f} rows/s (cluster start {started:.1f} s)",
            flush=True,
        )
        if single_rows == args.rows and args.format == "csv":
            same = (Path(tmp) / "single.jsonl").read_bytes() == (Path(tmp) / "dask.jsonl").read_bytes()
            report["identical_output"] = same
            print(f"identical output: {same}")
    print(json.dumps(report, indent=2))
    if args.out:
        args.out.write_text(json.dumps(report, indent=2))


if __name__ == "__main__":
    main()
