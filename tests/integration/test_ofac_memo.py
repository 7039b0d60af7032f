"""Parsing consecutive daily files with a record memo gives exactly what parsing each file afresh gives."""

from __future__ import annotations

import tarfile
from pathlib import Path

import pytest

from sanctions_ledger.parsers import ofac_csv

pytestmark = pytest.mark.integration


def test_memo_parse_equals_fresh_parse(tmp_path: Path, shared_data: Path) -> None:
    archive = shared_data / "ofac-sdn-daily" / "ofac-sdn-daily.tar.xz"
    wanted = 3
    files: list[Path] = []
    with tarfile.open(archive, "r|xz") as tf:
        for member in tf:
            if member.name.endswith(".csv") and "/files/" in "/" + member.name and len(files) < wanted:
                tf.extract(member, tmp_path, filter="data")
                files.append(tmp_path / member.name)
            if len(files) == wanted:
                break
    memo = ofac_csv.RecordMemo()
    for f in files:
        fresh = ofac_csv.parse(f, list_name="ofac-sdn")
        cached = ofac_csv.parse(f, list_name="ofac-sdn", memo=memo)
        assert [e.id for e in cached.entities] == [e.id for e in fresh.entities]
        assert [e.canonical_json() for e in cached.entities] == [e.canonical_json() for e in fresh.entities]
        assert [e.provenance for e in cached.entities] == [e.provenance for e in fresh.entities]
        assert cached.counts == fresh.counts
    assert memo.hits > memo.misses  # consecutive versions share most records
