"""Killing a load midway leaves no partial snapshot (a real process, killed with SIGKILL)."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from sqlalchemy import func, select

from sanctions_ledger.ledger import open_ledger
from sanctions_ledger.ledger import tables as t

pytestmark = pytest.mark.integration


def _state(url: str) -> tuple[int, int, list[int]]:
    lg = open_ledger(url)
    with lg.engine.connect() as c:
        snaps = int(c.execute(select(func.count()).select_from(t.snapshots)).scalar_one())
        versions = int(c.execute(select(func.count()).select_from(t.entity_versions)).scalar_one())
    counts = [s.entity_count for s in lg.snapshots()]
    members = [len(lg.asof(s.list, s.observed_at)[1]) for s in lg.snapshots()]
    lg.close()
    assert counts == members, "every stored snapshot must be complete"
    return snaps, versions, counts


@pytest.mark.parametrize("wal_bytes", [256 * 1024, 4 * 1024 * 1024])
def test_sigkill_midway_leaves_no_partial_snapshot(tmp_path: Path, shared_data: Path, wal_bytes: int) -> None:
    """The process is killed once its transaction has written ``wal_bytes`` to SQLite's write-ahead log,
    i.e. in the middle of storing the snapshot."""
    db = tmp_path / "k.db"
    url = f"sqlite:///{db}"
    open_ledger(url).close()
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "sanctions_ledger",
            "--db",
            url,
            "load",
            str(shared_data / "ofac-sdn" / "2024-07-02"),
            "--observed-at",
            "2024-07-02",
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    wal = Path(str(db) + "-wal")
    deadline = time.monotonic() + 60
    while proc.poll() is None and time.monotonic() < deadline:
        if wal.exists() and wal.stat().st_size >= wal_bytes:
            os.kill(proc.pid, signal.SIGKILL)
            break
        time.sleep(0.002)
    proc.wait()
    snaps, versions, counts = _state(url)
    print("returncode", proc.returncode, "snapshots", snaps, "versions", versions)
    if proc.returncode == -signal.SIGKILL:
        # killed: either nothing was committed, or (if the commit won the race) a complete snapshot
        assert (snaps, versions) == (0, 0) or counts == [15443]
    else:
        assert counts == [15443]
