"""Writers wait for each other: a second writer while an archive replays does not make the replay fail.

Real processes on the database under test. The replay stops inside its first write transaction (see
paused_writer.py); meanwhile another connection tries to write without waiting, and a second
``sanctions load`` starts. Before the fix, SQLite let the other write commit under the replay's open
read, and the replay then failed with "database is locked" (exit 6). Now a write transaction holds the
write lock from its start: the non-waiting write is refused, the second load waits, and both loads
succeed. Nothing here depends on how long anything takes: the processes are synchronised with files.
"""

from __future__ import annotations

import os
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

from sqlalchemy import create_engine, func, insert, select
from sqlalchemy.engine import make_url

from sanctions_ledger.ledger import open_ledger
from sanctions_ledger.ledger import tables as t
from tests.unit.ofac_archive import sdn_csv, standard, write_dir

HERE = Path(__file__).parent
PAUSED = HERE / "paused_writer.py"
NEVER = 300.0  # only turns a hang into a failure; no outcome depends on it


def _wait_for(path: Path, proc: subprocess.Popen[str]) -> None:
    deadline = time.monotonic() + NEVER
    while not path.exists():
        if proc.poll() is not None:
            out, err = proc.communicate()
            raise AssertionError(f"process ended (exit {proc.returncode}) before {path.name}:\n{out}\n{err}")
        assert time.monotonic() < deadline, f"no {path.name}"
        time.sleep(0.01)


def _writer(sync: Path, db_url: str, *args: str) -> subprocess.Popen[str]:
    sync.mkdir()
    env = {**os.environ, "SANCTIONS_DB": db_url, "PYTHONPATH": str(HERE.parents[1])}
    return subprocess.Popen(
        [sys.executable, str(PAUSED), str(sync), *args],
        env=env,
        text=True,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )


def _write_now(db_url: str) -> bool:
    """One audit row written by another connection without waiting for the lock. True if it committed."""
    row = {"at": t.utcnow(), "actor": "test", "action": "probe", "target": None, "detail": "{}"}
    u = make_url(db_url)
    if u.get_backend_name() == "sqlite":
        con = sqlite3.connect(str(u.database), timeout=0, isolation_level=None)
        try:
            con.execute("BEGIN IMMEDIATE")
            con.execute(
                "INSERT INTO audit_log (at, actor, action, target, detail) VALUES (?, ?, ?, ?, ?)",
                (row["at"].replace(tzinfo=None).isoformat(" "), "test", "probe", None, "{}"),
            )
            con.execute("COMMIT")
            return True
        except sqlite3.OperationalError as exc:
            assert "locked" in str(exc)
            return False
        finally:
            con.close()
    engine = create_engine(u.set(drivername="postgresql+psycopg"))
    with engine.begin() as c:
        c.execute(insert(t.audit_log).values(row))
    engine.dispose()
    return True


def test_a_second_writer_during_a_replay_waits_and_both_succeed(db_url: str, tmp_path: Path) -> None:
    open_ledger(db_url).close()  # schema in place, so neither process migrates
    days = [sdn_csv("ALPHA TRADING", "BETA LTD"), sdn_csv("ALPHA TRADING", "BETA LTD", "GAMMA SA")]
    archive = write_dir(tmp_path / "archive", *standard(days))
    other = tmp_path / "later" / "sdn.csv"
    other.parent.mkdir()
    other.write_bytes(sdn_csv("DELTA CORP"))

    replay = _writer(tmp_path / "a", db_url, "load", str(archive))
    _wait_for(tmp_path / "a" / "inside", replay)  # the replay is inside its first write transaction
    probe_committed = _write_now(db_url)
    second = _writer(tmp_path / "b", db_url, "load", str(other), "--observed-at", "2022-01-01")
    (tmp_path / "b" / "go").touch()  # the second load does not stop
    _wait_for(tmp_path / "b" / "begins", second)  # it is opening a transaction while the replay holds one
    (tmp_path / "a" / "go").touch()
    out_a, err_a = replay.communicate(timeout=NEVER)
    _, err_b = second.communicate(timeout=NEVER)

    assert replay.returncode == 0, err_a
    assert "2 observations replayed" in out_a
    assert second.returncode == 0, err_b
    ledger = open_ledger(db_url)
    try:
        snaps = ledger.snapshots("ofac-sdn")
        assert [s.entity_count for s in snaps] == [2, 3, 1]
        with ledger.engine.connect() as c:
            probes = c.execute(select(func.count()).where(t.audit_log.c.action == "probe")).scalar_one()
            loads = c.execute(select(func.count()).where(t.audit_log.c.action == "load")).scalar_one()
        assert probes == int(probe_committed) and loads == 3
        if make_url(db_url).get_backend_name() == "sqlite":
            assert not probe_committed  # the replay held the write lock: a writer that cannot wait is refused
    finally:
        ledger.close()


def test_readers_do_not_wait_for_a_writer(db_url: str, tmp_path: Path) -> None:
    open_ledger(db_url).close()
    archive = write_dir(tmp_path / "archive", *standard([sdn_csv("ALPHA TRADING")]))
    replay = _writer(tmp_path / "a", db_url, "load", str(archive))
    _wait_for(tmp_path / "a" / "inside", replay)  # holding its write transaction until told to go
    try:
        env = {**os.environ, "SANCTIONS_DB": db_url}
        reader = subprocess.run(
            [sys.executable, "-m", "sanctions_ledger", "snapshots", "--json"],
            env=env,
            capture_output=True,
            text=True,
            timeout=NEVER,
        )
        assert reader.returncode == 0, reader.stderr  # answered while the writer still holds its lock
        assert reader.stdout.strip() == "[]"
    finally:
        (tmp_path / "a" / "go").touch()
        replay.communicate(timeout=NEVER)
    assert replay.returncode == 0
