"""Tables of ongoing monitoring (migration 5), on the ledger's shared metadata.

- ``watchlists``: a named customer or counterparty file that is screened whenever a list changes.
- ``watchlist_uploads``: each file loaded into a watchlist (``seq`` 1, 2, ...), with its counts.
- ``watchlist_records``: each version of each customer record, with the run of uploads it was current in
  (``first_upload`` .. ``last_upload``; ``last_upload`` NULL while current). Nothing is deleted: a removed
  customer's row is closed, a changed one gets a new row.
- ``monitor_processed``: one row per ledger snapshot whose changes have been screened (the idempotency
  record: written in the same transaction as the alerts the snapshot raised).
- ``monitor_runs``: a log of monitoring work (delta, full, watchlist) with its counts.
- ``monitor_state``: small key/value state: the optimistic-concurrency ``version`` and the scoring
  ``baseline_at``.
- ``alerts``: one row per (watchlist, customer record content, entity version) that scored at or above the
  threshold; ``status`` open/closed, the analyst's latest ``decision``.
- ``alert_events``: the append-only history of each alert (raised, closed, reopened, decided).
"""

from __future__ import annotations

from sqlalchemy import (
    BigInteger,
    Column,
    Float,
    ForeignKey,
    Index,
    Integer,
    String,
    Table,
    Text,
    UniqueConstraint,
)

from sanctions_ledger.ledger.tables import BIG_ID as _ID
from sanctions_ledger.ledger.tables import UTCDateTime, metadata

watchlists = Table(
    "watchlists",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("name", String(128), nullable=False, unique=True),
    Column("description", Text, nullable=False, server_default=""),
    Column("created_at", UTCDateTime, nullable=False),
    Column("created_by", String(128), nullable=False),
    Column("current_upload", Integer, nullable=False, server_default="0"),
)

watchlist_uploads = Table(
    "watchlist_uploads",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("watchlist_id", Integer, ForeignKey("watchlists.id"), nullable=False),
    Column("seq", Integer, nullable=False),
    Column("loaded_at", UTCDateTime, nullable=False),
    Column("loaded_by", String(128), nullable=False),
    Column("file", Text, nullable=False),
    Column("sha256", String(64), nullable=False),
    Column("format", String(16), nullable=False),
    Column("rows", Integer, nullable=False),
    Column("added", Integer, nullable=False),
    Column("changed", Integer, nullable=False),
    Column("removed", Integer, nullable=False),
    Column("unchanged", Integer, nullable=False),
    UniqueConstraint("watchlist_id", "seq", name="uq_watchlist_upload_seq"),
)

watchlist_records = Table(
    "watchlist_records",
    metadata,
    Column("id", _ID, primary_key=True, autoincrement=True),
    Column("watchlist_id", Integer, ForeignKey("watchlists.id"), nullable=False),
    Column("customer_id", String(256), nullable=False),
    Column("content_hash", String(64), nullable=False),
    Column("name", Text, nullable=False),
    Column("content", Text, nullable=False),  # canonical JSON of the record
    Column("source_line", Integer, nullable=True),
    Column("first_upload", Integer, nullable=False),
    Column("last_upload", Integer, nullable=True),  # NULL: current
    UniqueConstraint("watchlist_id", "customer_id", "first_upload", name="uq_watchlist_record_first"),
)
Index("ix_watchlist_records_current", watchlist_records.c.watchlist_id, watchlist_records.c.last_upload)

monitor_runs = Table(
    "monitor_runs",
    metadata,
    Column("id", _ID, primary_key=True, autoincrement=True),
    Column("kind", String(16), nullable=False),  # delta | full | watchlist
    Column("snapshot_id", Integer, nullable=True),
    Column("watchlist_id", Integer, nullable=True),
    Column("started_at", UTCDateTime, nullable=False),
    Column("finished_at", UTCDateTime, nullable=False),
    Column("actor", String(128), nullable=False),
    Column("stats", Text, nullable=False),  # JSON
)

monitor_processed = Table(
    "monitor_processed",
    metadata,
    Column("snapshot_id", Integer, ForeignKey("snapshots.id"), primary_key=True),
    Column("run_id", BigInteger, nullable=False),
    Column("mode", String(16), nullable=False),  # delta | full
    Column("processed_at", UTCDateTime, nullable=False),
)

monitor_state = Table(
    "monitor_state",
    metadata,
    Column("key", String(64), primary_key=True),
    Column("value", Text, nullable=False),
)

alerts = Table(
    "alerts",
    metadata,
    Column("id", _ID, primary_key=True, autoincrement=True),
    Column("watchlist_id", Integer, ForeignKey("watchlists.id"), nullable=False),
    Column("customer_id", String(256), nullable=False),
    Column("record_hash", String(64), nullable=False),
    Column("record_id", BigInteger, nullable=False),  # watchlist_records.id when raised
    Column("entity_id", String(128), nullable=False),
    Column("entity_version_id", BigInteger, nullable=False),  # entity_versions.id
    Column("entity_hash", String(64), nullable=False),  # entity_versions.content_hash
    Column("list", String(64), nullable=False),
    Column("customer_name", Text, nullable=False),
    Column("entity_name", Text, nullable=False),
    Column("score", Float, nullable=False),
    Column("explanation", Text, nullable=False),  # JSON: the screening match with its explanation
    Column("snapshot_id", Integer, nullable=True),  # the snapshot whose processing raised it
    Column("status", String(16), nullable=False),  # open | closed
    Column("closed_reason", Text, nullable=True),
    Column("decision", String(16), nullable=True),  # true_match | false_positive | escalate
    Column("decision_reason", Text, nullable=True),
    Column("decided_by", String(128), nullable=True),
    Column("decided_at", UTCDateTime, nullable=True),
    Column("raised_at", UTCDateTime, nullable=False),
    Column("updated_at", UTCDateTime, nullable=False),
    UniqueConstraint(
        "watchlist_id", "customer_id", "record_hash", "entity_version_id", name="uq_alert_versions"
    ),
)
Index("ix_alerts_status", alerts.c.status, alerts.c.decision)
Index("ix_alerts_entity", alerts.c.entity_id)
Index("ix_alerts_customer", alerts.c.watchlist_id, alerts.c.customer_id)

alert_events = Table(
    "alert_events",
    metadata,
    Column("id", _ID, primary_key=True, autoincrement=True),
    Column("alert_id", BigInteger, ForeignKey("alerts.id"), nullable=False),
    Column("at", UTCDateTime, nullable=False),
    Column("actor", String(128), nullable=False),
    Column("kind", String(16), nullable=False),  # raised | closed | reopened | decision
    Column("snapshot_id", Integer, nullable=True),
    Column("decision", String(16), nullable=True),
    Column("reason", Text, nullable=True),
)
Index("ix_alert_events_alert", alert_events.c.alert_id)

ALL_TABLES = [
    watchlists,
    watchlist_uploads,
    watchlist_records,
    monitor_runs,
    monitor_processed,
    monitor_state,
    alerts,
    alert_events,
]
