"""The ledger's SQL tables (SQLAlchemy Core), shared by SQLite and PostgreSQL.

- ``snapshots``: one official publication of one list as we observed it.
- ``observations``: every time we saw a snapshot's content (a load of identical content adds one row here;
  at most one row per snapshot and instant).
- ``entity_versions``: each distinct content of each entity, stored once.
- ``spans``: an entity version's run of consecutive snapshots of its list, ``first``..``last``. Snapshot
  membership is derived from spans, so a daily snapshot costs a few rows for what changed, not a row per
  entity.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import (
    BigInteger,
    Column,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    MetaData,
    String,
    Table,
    Text,
    UniqueConstraint,
)
from sqlalchemy.engine import Dialect
from sqlalchemy.types import TypeDecorator

metadata = MetaData()

# Surrogate keys of large tables: BIGINT on PostgreSQL, INTEGER (the rowid alias) on SQLite.
BIG_ID = BigInteger().with_variant(Integer, "sqlite")


class UTCDateTime(TypeDecorator[datetime]):
    """A timezone-aware instant, stored as UTC. Refuses naive datetimes: every time has a zone."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError(f"naive datetime {value!r}: every stored time needs a zone")
        value = value.astimezone(UTC)
        if dialect.name == "sqlite":
            return value.replace(tzinfo=None)
        return value

    def process_result_value(self, value: Any, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if isinstance(value, str):
            value = datetime.fromisoformat(value)
        if value.tzinfo is None:
            return value.replace(tzinfo=UTC)  # type: ignore[no-any-return]
        return value.astimezone(UTC)  # type: ignore[no-any-return]


schema_version = Table(
    "schema_version",
    metadata,
    Column("version", Integer, primary_key=True),
    Column("description", Text, nullable=False),
    Column("applied_at", UTCDateTime, nullable=False),
)

lists = Table(
    "lists",
    metadata,
    Column("name", String(64), primary_key=True),
    Column("authority", String(64), nullable=False),
    Column("timezone", String(64), nullable=False),
)

snapshots = Table(
    "snapshots",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("list", String(64), ForeignKey("lists.name"), nullable=False),
    Column("observed_at", UTCDateTime, nullable=False),
    Column("published_at", UTCDateTime, nullable=True),
    Column("format", String(32), nullable=False),
    Column("content_sha256", String(64), nullable=False),
    Column("files", Text, nullable=False),  # JSON list of {role, path, size, sha256}
    Column("entity_count", Integer, nullable=False),
    Column("name_count", Integer, nullable=False),
    Column("address_count", Integer, nullable=False),
    Column("identifier_count", Integer, nullable=False),
    Column("added_count", Integer, nullable=False),
    Column("removed_count", Integer, nullable=False),
    Column("changed_count", Integer, nullable=False),
    Column("warnings", Text, nullable=False),  # JSON list of strings
    Column("provenance", LargeBinary, nullable=False),  # zlib(JSON {entity_id: [file, line|element]})
    Column("loaded_at", UTCDateTime, nullable=False),
    UniqueConstraint("list", "observed_at", name="uq_snapshot_list_observed"),
)
Index("ix_snapshots_list_observed", snapshots.c.list, snapshots.c.observed_at)

observations = Table(
    "observations",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("snapshot_id", Integer, ForeignKey("snapshots.id"), nullable=False),
    Column("observed_at", UTCDateTime, nullable=False),
    Column("files", Text, nullable=False),
    Column("source", Text, nullable=True),  # where the observation came from (e.g. archive row)
    Column("loaded_at", UTCDateTime, nullable=False),
)
Index("ix_observations_snapshot", observations.c.snapshot_id)
# One observation per snapshot and instant: loading the same content at the same time again adds nothing.
Index(
    "uq_observations_snapshot_observed", observations.c.snapshot_id, observations.c.observed_at, unique=True
)

entity_versions = Table(
    "entity_versions",
    metadata,
    Column("id", BIG_ID, primary_key=True, autoincrement=True),
    Column("entity_id", String(128), nullable=False),
    Column("list", String(64), nullable=False),
    Column("content_hash", String(64), nullable=False),
    Column("schema", String(16), nullable=False),
    Column("caption", Text, nullable=False),
    Column("content", Text, nullable=False),  # canonical JSON of Entity.content_dict()
    Column("programs", Text, nullable=False, server_default=""),  # " DPRK3 DPRK4 " for cheap filters
    UniqueConstraint("entity_id", "content_hash", name="uq_version_entity_hash"),
)

spans = Table(
    "spans",
    metadata,
    Column("id", BIG_ID, primary_key=True, autoincrement=True),
    Column("list", String(64), nullable=False),
    Column("entity_id", String(128), nullable=False),
    Column("version_id", BigInteger, ForeignKey("entity_versions.id"), nullable=False),
    Column("first_snapshot_id", Integer, ForeignKey("snapshots.id"), nullable=False),
    Column("last_snapshot_id", Integer, ForeignKey("snapshots.id"), nullable=True),  # NULL: open
    Column("first_at", UTCDateTime, nullable=False),
    Column("last_at", UTCDateTime, nullable=False),
)
Index("ix_spans_list_first_last", spans.c.list, spans.c.first_at, spans.c.last_at)
Index("ix_spans_entity", spans.c.entity_id)
Index("ix_spans_last", spans.c.list, spans.c.last_at)

audit_log = Table(
    "audit_log",
    metadata,
    Column("id", BIG_ID, primary_key=True, autoincrement=True),
    Column("at", UTCDateTime, nullable=False),
    Column("actor", String(128), nullable=False),  # "cli:<os user>", "api-key:<name>", ...
    Column("action", String(64), nullable=False),  # e.g. "load", "actions.record", "keys.create"
    Column("target", Text, nullable=True),
    Column("detail", Text, nullable=False),  # JSON
)
Index("ix_audit_at", audit_log.c.at)


# ``last_at`` of an open span: one that reaches the latest snapshot of its list.
OPEN = datetime(9999, 12, 31, tzinfo=UTC)


def utcnow() -> datetime:
    return datetime.now(UTC)
