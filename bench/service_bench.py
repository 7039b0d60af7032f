"""The screening service, measured the way users meet it (issue #11), each against a baseline in the same run.

    python bench/service_bench.py [--db sqlite:///ledger.db] [--repeat 10] [--workers 2] [--skip-server]

1. CLI: ``sanctions --version`` against ``sanctions screen NAME`` on the full ledger (the latest OFAC SDN,
   OFAC consolidated, UN, UK HMT and BIS DPL lists): the first call after a ledger change (builds the index
   and writes its file) and later calls (open the file). Median of 5 wall times each.
2. Index: build time from the ledger, write time, file size, open time (lazy and whole).
3. One query: p50/p99 over the dev queries of the screening benchmark, in process, lazy index (cold, then
   warm) and whole index.
4. Batch, whole process (start to exit, index file already written): ``sanctions screen-file`` on the dev
   queries repeated ``--repeat`` times, against the 2019 SDN and against all five lists, beside the
   brute-force rapidfuzz baseline of the benchmark's README (bench/baseline_rapidfuzz.py, also timed as a
   whole process, on the same names and lists, same number of workers).
5. Server: resident and proportional memory (RSS, PSS) of each worker of ``sanctions serve --workers N``
   after screening every dev query once.

Without ``--db`` a temporary SQLite ledger is loaded with the five lists first. Prints Markdown.
"""

from __future__ import annotations

import argparse
import csv
import os
import platform
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import httpx

from sanctions_ledger.ledger import open_ledger
from sanctions_ledger.matching.index import MatchIndex
from sanctions_ledger.matching.store import open_index, save_index
from sanctions_ledger.screening import Screener, ScreeningQuery

sys.path.insert(0, str(Path(__file__).resolve().parent))
from screening_bench import DEV as DEV_SPLIT
from screening_bench import LARGE, ROOT, SDN_2019

DEV = DEV_SPLIT / "queries_blind.csv"
BIN = Path(sys.executable).with_name("sanctions")


def wall(cmd: list[str], env: dict[str, str]) -> float:
    t = time.perf_counter()
    subprocess.run(cmd, env=env, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    return time.perf_counter() - t


def median_wall(cmd: list[str], env: dict[str, str], n: int = 5) -> float:
    return statistics.median(wall(cmd, env) for _ in range(n))


def pct(values: list[float], q: float) -> float:
    s = sorted(values)
    return s[min(len(s) - 1, int(q * len(s)))]


def cli(env: dict[str, str], out: list[str]) -> None:
    version = median_wall([str(BIN), "--version"], env)
    folder = Path(env["SANCTIONS_INDEX_DIR"])
    shutil.rmtree(folder, ignore_errors=True)
    first = wall([str(BIN), "screen", "Kim Jong Un"], env)
    later = median_wall([str(BIN), "screen", "Kim Jong Un"], env)
    out += [
        "| command | wall time (median of 5) | against `--version` |",
        "|---|---:|---:|",
        f"| `sanctions --version` | {version:.3f} s | 1.00× |",
        f'| `sanctions screen "Kim Jong Un"`, first after a change (builds, writes the file) | {first:.3f} s'
        f" (one run) | {first / version:.2f}× |",
        f'| `sanctions screen "Kim Jong Un"`, later calls (open the file) | {later:.3f} s |'
        f" **{later / version:.2f}×** |",
        "",
    ]


def index_times(db: str, out: list[str]) -> MatchIndex:
    ledger = open_ledger(db)
    t = time.perf_counter()
    entities = list(ledger.entities_at())
    read = time.perf_counter() - t
    t = time.perf_counter()
    index = MatchIndex(entities)
    build = time.perf_counter() - t
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "x.index"
        t = time.perf_counter()
        save_index(index, path)
        write = time.perf_counter() - t
        size = path.stat().st_size
        t = time.perf_counter()
        open_index(path, lazy=True)
        lazy = time.perf_counter() - t
        t = time.perf_counter()
        whole = open_index(path, lazy=False)
        load = time.perf_counter() - t
        latency(index, open_index(path, lazy=True), whole, out)
    st = index.stats()
    out[:0] = [
        f"Full ledger: {st['entities']:,} entities, {st['names']:,} names, {st['keys']:,} keys.",
        "",
        "| step | time |",
        "|---|---:|",
        f"| read the entities from the ledger | {read:.2f} s |",
        f"| build the index | {build:.2f} s |",
        f"| write the index file ({size / 1e6:.0f} MB) | {write:.2f} s |",
        f"| open the file, lazy (what `sanctions screen` and server workers do) | {lazy * 1000:.1f} ms |",
        f"| read the file whole (what a batch does) | {load:.2f} s |",
        "",
    ]
    ledger.close()
    return index


def latency(built: MatchIndex, lazy: MatchIndex, whole: MatchIndex, out: list[str]) -> None:
    with DEV.open(encoding="utf-8", newline="") as f:
        rows = list(csv.DictReader(f))
    out += ["| index | queries | p50 ms | p99 ms |", "|---|---:|---:|---:|"]
    for label, index in (
        ("built in memory", built),
        ("file, lazy, first pass (cold)", lazy),
        ("file, lazy, second pass (warm)", lazy),
        ("file read whole", whole),
    ):
        s = Screener(index)
        times = []
        for r in rows:
            q = ScreeningQuery.build(
                r["name"], schema=r.get("type"), dob=r.get("dob"), country=r.get("country")
            )
            t = time.perf_counter()
            s.screen(q)
            times.append((time.perf_counter() - t) * 1000)
        out.append(f"| {label} | {len(times):,} | {pct(times, 0.5):.2f} | {pct(times, 0.99):.2f} |")
    out.append("")


def batch(env: dict[str, str], repeat: int, workers: int, out: list[str]) -> None:
    with DEV.open(encoding="utf-8", newline="") as f:
        rows = list(csv.DictReader(f))
    out += [
        "| lists | names | `sanctions screen-file` | brute-force baseline | ratio |",
        "|---|---:|---:|---:|---:|",
    ]
    with tempfile.TemporaryDirectory() as tmp:
        queries = Path(tmp) / "queries.csv"
        with queries.open("w", encoding="utf-8", newline="") as f:
            w = csv.DictWriter(f, fieldnames=list(rows[0]))
            w.writeheader()
            for i in range(repeat):
                for r in rows:
                    w.writerow({**r, "qid": f"{r['qid']}-{i}"})
        n = len(rows) * repeat
        for label, lists in (("2019 SDN", [SDN_2019]), ("all five lists", LARGE)):
            files = [a for p in lists for a in ("--files", str(p))]
            ours_cmd = [str(BIN), "screen-file", str(queries), "--out", f"{tmp}/o.jsonl", "--no-progress",
                        "--workers", str(workers), *files]  # fmt: skip
            wall(ours_cmd, env)  # writes the index file of these lists
            ours = min(wall(ours_cmd, env) for _ in range(2))
            base_cmd = [sys.executable, str(ROOT / "bench/baseline_rapidfuzz.py"), str(queries),
                        f"{tmp}/b.jsonl", "--workers", str(workers), "--lists", *map(str, lists)]  # fmt: skip
            base = min(wall(base_cmd, env) for _ in range(2))
            out.append(
                f"| {label} | {n:,} | {n / ours:,.0f} names/s ({ours:.1f} s) | {n / base:,.0f} names/s"
                f" ({base:.1f} s) | **{base / ours:.2f}×** |"
            )
    out.append("")


def memory_of(pid: int) -> tuple[float, float]:
    rss = pss = 0.0
    for line in Path(f"/proc/{pid}/smaps_rollup").read_text().splitlines():
        if line.startswith("Rss:"):
            rss = int(line.split()[1]) / 1024
        elif line.startswith("Pss:"):
            pss = int(line.split()[1]) / 1024
    return rss, pss


def server(env: dict[str, str], workers: int, out: list[str]) -> None:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    cmd = [str(BIN), "serve", "--host", "127.0.0.1", "--port", str(port), "--workers", str(workers)]
    proc = subprocess.Popen(cmd, env=env, start_new_session=True, stderr=subprocess.DEVNULL)
    try:
        base = f"http://127.0.0.1:{port}"
        deadline = time.monotonic() + 300
        while time.monotonic() < deadline:
            try:
                if httpx.post(f"{base}/screen", json={"name": "Kim Jong Un"}, timeout=120).status_code == 200:
                    break
            except httpx.HTTPError:
                time.sleep(0.3)
        with DEV.open(encoding="utf-8", newline="") as f:
            names = [r["name"] for r in csv.DictReader(f)]
        with httpx.Client(timeout=60) as c:
            for _ in range(2):  # each query reaches both workers, most likely
                for name in names:
                    c.post(f"{base}/screen", json={"name": name})
        children = [int(p) for p in Path(f"/proc/{proc.pid}/task/{proc.pid}/children").read_text().split()]
        out += ["| process | RSS MB | PSS MB |", "|---|---:|---:|"]
        for pid in children:
            name = Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode()[:40]
            rss, pss = memory_of(pid)
            out.append(f"| worker {pid} (`{name.strip()}`) | {rss:.0f} | {pss:.0f} |")
        out.append("")
    finally:
        os.killpg(proc.pid, signal.SIGTERM)
        proc.wait(timeout=30)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--db", help="a ledger holding the five lists (default: a temporary one, loaded first)")
    ap.add_argument("--repeat", type=int, default=10, help="batch: the dev queries this many times")
    ap.add_argument("--workers", type=int, default=2)
    ap.add_argument("--skip-server", action="store_true")
    a = ap.parse_args(argv)
    tmp = Path(tempfile.mkdtemp(prefix="service-bench-"))
    try:
        db = a.db or f"sqlite:///{tmp / 'ledger.db'}"
        env = {**os.environ, "SANCTIONS_DB": db, "SANCTIONS_INDEX_DIR": str(tmp / "indexes"),
               "SANCTIONS_DATA_DIR": str(tmp / "data")}  # fmt: skip
        if not a.db:
            for p in LARGE:
                subprocess.run([str(BIN), "load", str(p)], env=env, check=True, stdout=subprocess.DEVNULL)
        out = [
            f"Machine: {platform.machine()}, {os.cpu_count()} CPUs, Python {platform.python_version()};"
            f" {time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}.",
            "",
        ]
        body: list[str] = []
        index_times(db, body)
        cli(env, body)
        batch(env, a.repeat, a.workers, body)
        if not a.skip_server:
            server(env, a.workers, body)
        print("\n".join(out + body))
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
