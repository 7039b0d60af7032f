"""The batch-screening jobs table (on the shared ledger metadata). Created by migration step 6.

A job's state lives here, not in a server process, so every worker of ``sanctions serve --workers N`` sees
every job: any worker may accept an upload, any worker may run it, any worker answers its progress. The
uploaded CSV and the JSONL result are files in the jobs folder (``SANCTIONS_API_JOBS_DIR``), shared by the
workers. A worker running a job writes ``heartbeat_at`` as it goes; a running job whose heartbeat is stale
belonged to a worker that died and is queued again (``attempts`` counts the runs).
"""

from __future__ import annotations

from sqlalchemy import Column, Index, Integer, String, Table, Text

from sanctions_ledger.ledger.tables import UTCDateTime, metadata

screen_jobs = Table(
    "screen_jobs",
    metadata,
    Column("id", String(64), primary_key=True),
    Column("filename", Text, nullable=False),
    Column("status", String(16), nullable=False),  # queued | running | done | failed
    Column("rows_total", Integer, nullable=False, server_default="0"),
    Column("rows_done", Integer, nullable=False, server_default="0"),
    Column("rows_failed", Integer, nullable=False, server_default="0"),
    Column("rows_with_matches", Integer, nullable=False, server_default="0"),
    Column("attempts", Integer, nullable=False, server_default="0"),
    Column("worker", String(128), nullable=True),
    Column("error", Text, nullable=True),
    Column("created_by", String(128), nullable=False, server_default=""),
    Column("created_at", UTCDateTime, nullable=False),
    Column("started_at", UTCDateTime, nullable=True),
    Column("heartbeat_at", UTCDateTime, nullable=True),
    Column("finished_at", UTCDateTime, nullable=True),
    Index("ix_screen_jobs_status_created", "status", "created_at"),
)
