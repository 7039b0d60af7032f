"""Shared fixtures: the shared data folder, and ledgers on SQLite and (when configured) PostgreSQL."""

from __future__ import annotations

import os
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import text

from sanctions_ledger.ledger import Ledger, open_ledger
from sanctions_ledger.ledger import tables as t

REPO = Path(__file__).resolve().parents[1]
SHARED = Path(os.environ.get("SANCTIONS_SHARED", REPO.parent / "shared"))
SHARED_DATA = Path(os.environ.get("SANCTIONS_SHARED_DATA", SHARED / "data"))
PG_URL = os.environ.get("SANCTIONS_TEST_PG")  # e.g. postgresql://postgres@127.0.0.1:5433/sanctions_test
# screening index files of this run (every process the tests start inherits it): never the user's folder
os.environ.setdefault("SANCTIONS_INDEX_DIR", tempfile.mkdtemp(prefix="sanctions-test-indexes-"))


@pytest.fixture(scope="session")
def shared_data() -> Path:
    if not SHARED_DATA.is_dir():
        pytest.skip(f"shared data not found at {SHARED_DATA}")
    return SHARED_DATA


def _reset_pg(url: str) -> None:
    ledger = open_ledger(url, migrate_schema=False)
    with ledger.engine.begin() as conn:
        t.metadata.drop_all(conn)
        # tables created by later migrations of other modules share the metadata; drop leftovers too
        conn.execute(text("DROP SCHEMA public CASCADE"))
        conn.execute(text("CREATE SCHEMA public"))
    ledger.close()


def _backends() -> list[str]:
    return ["sqlite", "postgres"] if PG_URL else ["sqlite"]


@pytest.fixture(params=_backends())
def db_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'ledger.db'}"
    assert PG_URL
    _reset_pg(PG_URL)
    return PG_URL


@pytest.fixture
def ledger(db_url: str) -> Iterator[Ledger]:
    lg = open_ledger(db_url)
    yield lg
    lg.close()
