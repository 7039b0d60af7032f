"""The ledger: snapshots, entity versions, diffs, histories, as-of queries (SQLite or PostgreSQL)."""

from sanctions_ledger.ledger.records import Diff, LoadResult, SnapshotInfo
from sanctions_ledger.ledger.store import Ledger, open_ledger

__all__ = ["Diff", "Ledger", "LoadResult", "SnapshotInfo", "open_ledger"]
