"""Ledger benchmarks: load time of one SDN set, the whole daily-archive replay, database size, diff and
as-of latency, each beside a baseline measured in the same run.

    .venv/bin/python bench/ledger_bench.py [--shared ../shared] [--archive-limit N] [--pg URL] [--out FILE]

Baselines: loading is compared with parsing alone (the cost of the store on top of the parser); the
replayed database with a database holding one snapshot (target <= 5x) and with the raw files; diff with
re-parsing both files and taking set differences of ent_nums (what one does without a ledger).
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import tempfile
import time
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from sanctions_ledger.ledger import open_ledger
from sanctions_ledger.ledger.archive import read_observations, replay
from sanctions_ledger.parsers import parse_paths
from sanctions_ledger.parsers.base import sha256_file


def timed(fn: Callable[[], Any]) -> tuple[float, Any]:
    t0 = time.perf_counter()
    out = fn()
    return time.perf_counter() - t0, out


def percentile(xs: list[float], p: float) -> float:
    xs = sorted(xs)
    k = max(0, min(len(xs) - 1, round(p / 100 * (len(xs) - 1))))
    return xs[k]


def machine() -> dict[str, Any]:
    cpu = "unknown"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    mem = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**30
    return {
        "cpu": cpu,
        "cores": os.cpu_count(),
        "memory_gib": round(mem, 1),
        "python": platform.python_version(),
    }


def sqlite_size(url: str) -> int:
    path = Path(url.removeprefix("sqlite:///"))
    return sum(p.stat().st_size for p in path.parent.glob(path.name + "*"))


def bench_load(shared: Path, work: Path) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for rel in ("ofac-sdn/2024-07-02", "ofac-sdn/2021-06-29"):
        folder = shared / "data" / rel
        parse_s, parsed = timed(lambda folder=folder: parse_paths([folder]))
        url = f"sqlite:///{work / ('load-' + rel.replace('/', '_') + '.db')}"
        ledger = open_ledger(url)
        load_s, res = timed(
            lambda ledger=ledger, folder=folder, rel=rel: ledger.load_paths([folder], rel.split("/")[1])
        )
        ledger.close()
        out[rel] = {
            "entities": res[0].entities_stored,
            "parse_only_s": round(parse_s, 3),
            "parse_and_store_s": round(load_s, 3),
            "store_overhead_ratio": round(load_s / parse_s, 2),
            "db_bytes": sqlite_size(url),
            "raw_bytes": sum(p.stat().st_size for p in folder.iterdir()),
        }
        _ = parsed
    return out


def bench_replay(shared: Path, work: Path, limit: int | None, url: str | None) -> dict[str, Any]:
    archive = shared / "data" / "ofac-sdn-daily" / "ofac-sdn-daily.tar.xz"
    url = url or f"sqlite:///{work / 'replay.db'}"
    ledger = open_ledger(url)
    t0 = time.perf_counter()
    summary = replay(ledger, archive, limit=limit)
    replay_s = time.perf_counter() - t0
    out: dict[str, Any] = {
        "db": url.split("://")[0],
        "summary": summary.to_dict(),
        "replay_s": round(replay_s, 1),
    }
    snaps = ledger.snapshots("ofac-sdn")
    if url.startswith("sqlite"):
        with ledger.engine.connect() as c:
            c.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")
        out["db_bytes"] = sqlite_size(url)
        # baseline: a ledger holding only the last snapshot of the replay. The archive's last file is
        # byte-identical to ofac-sdn/2024-07-02/sdn.csv (same sha256), which outlives the replay's temp dir.
        last = shared / "data" / "ofac-sdn" / "2024-07-02" / "sdn.csv"
        assert snaps[-1].files and snaps[-1].files[0]["sha256"] == sha256_file(last)
        one_url = f"sqlite:///{work / 'one.db'}"
        one = open_ledger(one_url)
        one.load_paths([last], "2024-07-02", list_name="ofac-sdn")
        with one.engine.connect() as c:
            c.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")
        one.close()
        out["one_snapshot_db_bytes"] = sqlite_size(one_url)
        out["size_ratio_vs_one_snapshot"] = round(out["db_bytes"] / max(1, out["one_snapshot_db_bytes"]), 2)
    out["snapshots"] = len(snaps)
    out["timings"] = bench_queries(ledger, snaps)
    ledger.close()
    return out


def bench_queries(ledger: Any, snaps: list[Any]) -> dict[str, Any]:
    res: dict[str, Any] = {}
    pairs = [(snaps[i].id, snaps[i + 1].id) for i in range(0, len(snaps) - 1, max(1, len(snaps) // 20))]
    pairs.append((snaps[0].id, snaps[-1].id))
    diff_t = [timed(lambda a=a, b=b: ledger.diff("ofac-sdn", str(a), str(b)))[0] for a, b in pairs]
    res["diff_ms"] = {
        "n": len(diff_t),
        "p50": round(statistics.median(diff_t) * 1000, 1),
        "max": round(max(diff_t) * 1000, 1),
        "first_to_last": round(diff_t[-1] * 1000, 1),
    }
    instants = [s.observed_at for s in snaps[:: max(1, len(snaps) // 30)]]
    asof_t = [timed(lambda at=at: ledger.asof("ofac-sdn", at))[0] for at in instants]
    asof_p = [timed(lambda at=at: ledger.asof("ofac-sdn", at, "DPRK3"))[0] for at in instants]
    res["asof_ms"] = {
        "n": len(asof_t),
        "p50": round(statistics.median(asof_t) * 1000, 1),
        "max": round(max(asof_t) * 1000, 1),
    }
    res["asof_program_ms"] = {
        "p50": round(statistics.median(asof_p) * 1000, 1),
        "max": round(max(asof_p) * 1000, 1),
    }
    ent_t = [timed(lambda at=at: ledger.entity("ofac-sdn:26243", at))[0] for at in instants]
    res["show_ms"] = {"p50": round(statistics.median(ent_t) * 1000, 1), "max": round(max(ent_t) * 1000, 1)}
    hist_t = [timed(lambda: ledger.history("ofac-sdn:26243"))[0] for _ in range(5)]
    res["history_ms"] = {"p50": round(statistics.median(hist_t) * 1000, 1)}
    return res


def bench_diff_baseline(shared: Path) -> dict[str, Any]:
    """Without a ledger: parse both sets and compare ent_num sets (and contents)."""
    a = shared / "data" / "ofac-sdn" / "2019-01-04"
    b = shared / "data" / "ofac-sdn" / "2021-06-29"

    def run() -> int:
        pa, pb = parse_paths([a])[0], parse_paths([b])[0]
        ha = {e.id: e.content_hash() for e in pa.entities}
        hb = {e.id: e.content_hash() for e in pb.entities}
        return (
            len(set(hb) - set(ha)) + len(set(ha) - set(hb)) + sum(1 for k in hb if k in ha and ha[k] != hb[k])
        )

    s, n = timed(run)
    return {"reparse_and_compare_s": round(s, 3), "differences": n}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--shared", type=Path, default=Path(__file__).resolve().parents[1].parent / "shared")
    ap.add_argument("--archive-limit", type=int, default=None)
    ap.add_argument("--pg", help="also replay into this PostgreSQL URL (it is wiped first by the caller)")
    ap.add_argument("--out", type=Path, default=None)
    args = ap.parse_args()
    results: dict[str, Any] = {"machine": machine(), "started": datetime.now(UTC).isoformat()}
    with tempfile.TemporaryDirectory(prefix="ledger-bench-") as tmp:
        work = Path(tmp)
        results["load"] = bench_load(args.shared, work)
        results["diff_baseline"] = bench_diff_baseline(args.shared)
        results["replay_sqlite"] = bench_replay(args.shared, work, args.archive_limit, None)
        if args.pg:
            results["replay_postgres"] = bench_replay(args.shared, work, args.archive_limit, args.pg)
    n_obs = len(read_observations_quick(args.shared))
    results["archive_observations"] = n_obs
    text = json.dumps(results, indent=2)
    print(text)
    if args.out:
        args.out.write_text(text)


def read_observations_quick(shared: Path) -> list[dict[str, str]]:
    import tarfile

    archive = shared / "data" / "ofac-sdn-daily" / "ofac-sdn-daily.tar.xz"
    with tempfile.TemporaryDirectory() as tmp, tarfile.open(archive) as tf:
        member = next(m for m in tf if m.name.endswith("observations.csv"))
        tf.extract(member, tmp, filter="data")
        return read_observations(Path(tmp) / Path(member.name).parent)


if __name__ == "__main__":
    main()
