"""The whole daily OFAC archive replays; every snapshot's entity set equals its file's ent_nums."""

from __future__ import annotations

import csv
import io
import tarfile
from datetime import datetime
from pathlib import Path

import pytest

from sanctions_ledger.ledger import open_ledger
from sanctions_ledger.ledger.archive import read_observations, replay

pytestmark = [pytest.mark.integration, pytest.mark.slow]


def raw_ent_nums(path: Path) -> set[str]:
    text = path.read_bytes().rstrip(b"\x1a").decode("cp1252")
    return {row[0] for row in csv.reader(io.StringIO(text)) if row and row[0].strip().isdigit()}


def test_full_replay(tmp_path: Path, shared_data: Path) -> None:
    root = tmp_path / "archive"
    with tarfile.open(shared_data / "ofac-sdn-daily" / "ofac-sdn-daily.tar.xz") as tf:
        tf.extractall(root, filter="data")
    rows = read_observations(root)
    ledger = open_ledger(f"sqlite:///{tmp_path / 'replay.db'}")
    summary = replay(ledger, root)
    assert summary.observations == len(rows) == 566
    distinct = len({r["sha256"] for r in rows})
    # every distinct file is a snapshot unless its content equals the snapshot before it
    assert summary.snapshots_created + summary.unchanged == len(rows)
    assert summary.snapshots_created <= distinct
    snaps = ledger.snapshots("ofac-sdn")
    assert len(snaps) == summary.snapshots_created
    assert sum(s.observation_count for s in snaps) == len(rows)
    cache: dict[str, set[str]] = {}
    for r in rows:
        at = datetime.fromisoformat(r["observed_at_utc"].replace("Z", "+00:00"))
        snap, ids = ledger.asof("ofac-sdn", at)
        want = cache.setdefault(r["file"], raw_ent_nums(root / r["file"]))
        assert {i.split(":")[1] for i in ids} == want, f"snapshot at {at} differs from {r['file']}"
        assert snap.entity_count == len(want)
    # histories agree with the files: an entity's first_seen is the first observation whose file has it
    first = {}
    for r in rows:
        for n in cache[r["file"]]:
            first.setdefault(n, r["observed_at_utc"])
    for n in sorted(first)[:: max(1, len(first) // 200)]:
        h = ledger.history(f"ofac-sdn:{n}")
        assert h["first_seen"] == first[n], n
    ledger.close()
