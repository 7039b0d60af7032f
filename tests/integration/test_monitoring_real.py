"""Monitoring on real data and under concurrency.

- Delta re-screening over the first observations of the daily OFAC archive raises, day by day, exactly
  the alerts a full re-screen raises, for a fraction of the work (a small run of bench/monitoring_bench.py).
- Readers in one process see one complete snapshot or the next, never a mix, while another process loads
  snapshots and re-screens in a loop (SQLite in WAL mode; PostgreSQL when SANCTIONS_TEST_PG is set).
"""

from __future__ import annotations

import csv
import importlib.util
import io
import multiprocessing as mp
import tarfile
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from sanctions_ledger.ledger import open_ledger
from sanctions_ledger.model import Entity, Name
from sanctions_ledger.monitoring import Monitor, list_alerts
from sanctions_ledger.parsers.base import ParsedList

REPO = Path(__file__).resolve().parents[2]


def _bench() -> Any:
    spec = importlib.util.spec_from_file_location("monitoring_bench", REPO / "bench" / "monitoring_bench.py")
    assert spec and spec.loader
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


def _mini_archive(shared_data: Path, dest: Path, n: int) -> Path:
    """The first ``n`` observations of the daily archive (they come first in the tar: a quick read)."""
    with tarfile.open(shared_data / "ofac-sdn-daily" / "ofac-sdn-daily.tar.xz") as tf:
        head = tf.next()
        assert head is not None and head.name.endswith("observations.csv")
        f = tf.extractfile(head)
        assert f is not None
        text = f.read().decode("utf-8")
        rows = list(csv.DictReader(io.StringIO(text)))[:n]
        want = {r["file"] for r in rows}
        (dest / "files").mkdir(parents=True)
        for m in tf:
            if m.name in want:
                tf.extract(m, dest, filter="data")
                want.discard(m.name)
            if not want:
                break
    out = io.StringIO()
    w = csv.DictWriter(out, fieldnames=list(rows[0]))
    w.writeheader()
    w.writerows(rows)
    (dest / "observations.csv").write_text(out.getvalue(), encoding="utf-8")
    return dest


@pytest.mark.integration
def test_delta_equals_full_on_daily_archive(shared_data: Path, tmp_path: Path) -> None:
    """(SQLite only: the store does not change what is screened; PostgreSQL is covered by the unit tests.)"""
    db_url = f"sqlite:///{tmp_path / 'bench.db'}"
    bench = _bench()
    root = _mini_archive(shared_data, tmp_path / "archive", 5)
    rows = bench.month_rows(root, None, 5)
    report = bench.run(root, rows, 2000, db_url, tmp_path, log=lambda s: None, drift=False)
    s = report["summary"]
    compared = [d for d in report["days"] if "full" in d]
    assert len(compared) >= 3  # every observation of the first five is a new snapshot
    assert s["all_equal"], [(d["observed_at"], d["only_full"], d["only_delta"]) for d in compared]
    assert s["planted"] > 10
    # planted parties were found: alerts were raised on the days their entities appeared
    assert sum(d["raised"] for d in report["days"]) >= s["planted"] // 2
    # far less work than full re-screens
    assert s["ratio_on_compared_days"]["candidates_scored"] < 0.1
    assert s["ratio_on_compared_days"]["queries"] < 0.5


# ---- concurrency ---------------------------------------------------------------------------------------

SYL = ["ka", "lo", "mi", "ren", "to", "sa", "vu", "pe", "dri", "nos", "gal", "ber", "tin", "qu", "zor"]


def _word(i: int) -> str:
    out = ""
    for _ in range(3):
        out += SYL[i % len(SYL)]
        i //= len(SYL)
    return out.capitalize()


def _parsed(ids: list[int]) -> ParsedList:
    ents = [
        Entity(
            list="ofac-sdn", source_id=str(i), schema="person", names=[Name(f"{_word(i)} {_word(i * 7 + 3)}")]
        )
        for i in ids
    ]
    return ParsedList(list="ofac-sdn", format="test", entities=ents, files=[], counts={"records": len(ents)})


SET_A = list(range(1, 301))
SET_B = list(range(1, 201)) + list(range(1001, 1051))
T0 = datetime(2024, 1, 1, tzinfo=UTC)


LOADS = 6  # snapshots the loader writes while the reader reads
MIN_READS = 3


def _loader(url: str, reading: Any, done: Any) -> int:
    """Once the reader reads, writes LOADS snapshots (alternating sets) and runs the monitor after each;
    then says it is done."""
    lg = open_ledger(url, migrate_schema=False)
    mon = Monitor(lg)
    reading.wait()
    try:
        for i in range(1, LOADS + 1):
            lg.record(_parsed(SET_B if i % 2 else SET_A), T0 + timedelta(minutes=i), actor="loader")
            mon.run(actor="loader")
    finally:
        done.set()
        lg.close()
    return LOADS


def _reader(url: str, reading: Any, done: Any) -> tuple[int, list[str]]:
    """Reads until the loader is done, and at least MIN_READS times: counts, not seconds, decide."""
    lg = open_ledger(url, migrate_schema=False)
    allowed = {len(SET_A), len(SET_B)}
    bad: list[str] = []
    reads = 0
    far = datetime(2100, 1, 1, tzinfo=UTC)
    while reads < MIN_READS or not done.is_set():
        snap, ids = lg.asof("ofac-sdn", far)
        if len(ids) != snap.entity_count or len(ids) not in allowed:
            bad.append(f"asof: snapshot #{snap.id} says {snap.entity_count}, read {len(ids)}")
        n = sum(1 for _ in lg.entities_at(["ofac-sdn"]))
        if n not in allowed:
            bad.append(f"entities_at: {n}")
        list_alerts(lg, status="all", limit=5)
        reads += 1
        reading.set()
    lg.close()
    return reads, bad


def test_readers_see_whole_snapshots_while_loading(db_url: str, tmp_path: Path) -> None:
    lg = open_ledger(db_url)  # migrates
    lg.record(_parsed(SET_A), T0, actor="setup")
    wl = tmp_path / "wl.csv"
    wl.write_text("id,name\n" + "".join(f"c{i},{_word(i)} {_word(i * 7 + 3)}\n" for i in (5, 150, 250, 1010)))
    Monitor(lg).load_watchlist("bank", wl, create=True, actor="setup")
    lg.close()
    ctx = mp.get_context("spawn")
    with ctx.Manager() as manager, ctx.Pool(2) as pool:
        reading, done = manager.Event(), manager.Event()
        loads = pool.apply_async(_loader, (db_url, reading, done))
        reads = pool.apply_async(_reader, (db_url, reading, done))
        # the bound only stops a hung test: a busy machine is slower, never wrong
        n_loads = loads.get(timeout=1800)
        n_reads, bad = reads.get(timeout=1800)
    assert n_loads == LOADS and n_reads >= MIN_READS, (n_loads, n_reads)
    assert bad == []
    lg = open_ledger(db_url)
    assert Monitor(lg).status()["pending_snapshots"] == []
    lg.close()


# ---- a monitor killed mid-transaction ------------------------------------------------------------------


def _killable_child(url: str) -> None:
    """Runs in a subprocess: processes snapshots, announcing each write transaction and pausing inside it
    (after the alerts are written, before the commit) so the parent can SIGKILL it there."""
    import sys

    from sanctions_ledger.monitoring import alerts

    real = alerts.upsert_hits

    def paused(*args: Any, **kwargs: Any) -> dict[str, int]:
        out: dict[str, int] = real(*args, **kwargs)
        print("in-transaction", flush=True)
        # wait, inside the transaction, for the parent: a line means go on; the parent kills us instead
        # at the point it wants, so no sleep decides where the kill lands
        sys.stdin.readline()
        return out

    alerts.upsert_hits = paused
    lg = open_ledger(url, migrate_schema=False)
    Monitor(lg).run(actor="child", progress=lambda s, r: print(f"done {s.id}", flush=True))
    sys.exit(0)


def test_killed_monitor_resumes_without_duplicates(tmp_path: Path) -> None:
    import signal
    import subprocess
    import sys

    from sqlalchemy import func, select

    from sanctions_ledger.ledger import monitoring_tables as mt

    url = f"sqlite:///{tmp_path / 'kill.db'}"
    lg = open_ledger(url)
    for day in range(8):
        ids = (SET_A if day % 2 == 0 else SET_B)[day:]
        lg.record(_parsed(ids), T0 + timedelta(days=day), actor="setup")
    wl = tmp_path / "wl.csv"
    wl.write_text("id,name\n" + "".join(f"c{i},{_word(i)} {_word(i * 7 + 3)}\n" for i in range(1, 1100, 3)))
    Monitor(lg).load_watchlist("bank", wl, create=True, actor="setup")
    code = f"from tests.integration.test_monitoring_real import _killable_child; _killable_child({url!r})"
    child = subprocess.Popen(
        [sys.executable, "-c", code], cwd=REPO, stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True
    )
    assert child.stdout is not None and child.stdin is not None
    seen = 0
    for line in child.stdout:
        if line.startswith("in-transaction"):
            seen += 1
            if seen == 3:  # inside the third snapshot's transaction, where the child waits for us
                child.send_signal(signal.SIGKILL)
                break
            child.stdin.write("go\n")
            child.stdin.flush()
    child.wait(timeout=600)
    assert child.returncode == -signal.SIGKILL
    mon = Monitor(lg)
    assert mon.status()["pending_snapshots"][:1] == [3]  # two committed, the third rolled back
    r = mon.run(actor="resume")
    assert [p["snapshot"] for p in r["processed"]] == [3, 4, 5, 6, 7, 8]
    a = mt.alerts
    with lg.engine.connect() as c:
        keys = list(
            c.execute(select(a.c.watchlist_id, a.c.customer_id, a.c.record_hash, a.c.entity_version_id))
        )
        raised = c.execute(
            select(func.count()).select_from(mt.alert_events).where(mt.alert_events.c.kind == "raised")
        ).scalar()
        processed = c.execute(select(func.count()).select_from(mt.monitor_processed)).scalar()
    assert len(keys) == len(set(keys)) == raised and len(keys) > 0
    assert processed == 8
    hits, _, _, _ = mon.full_hits(refresh_baseline=False)
    from sanctions_ledger.monitoring.alerts import open_keys

    with lg.engine.connect() as c:
        assert open_keys(c) == {(w, *h.key) for w, hs in hits.items() for h in hs}
    lg.close()
