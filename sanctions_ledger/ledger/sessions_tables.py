"""The web sign-in sessions table (on the shared ledger metadata). Created by migration step 12.

A session is made when someone signs in to the web pages with an API key. Only the sha256 digest of the
session secret is stored (the secret is in the browser's cookie), with the key it was made from, when it
expires and when it was ended (signed out). Every worker of ``sanctions serve --workers N`` sees every
session, and a revoked key ends its sessions at once (the key is checked on every request).
"""

from __future__ import annotations

from sqlalchemy import Column, Index, String, Table

from sanctions_ledger.ledger.tables import UTCDateTime, metadata

web_sessions = Table(
    "web_sessions",
    metadata,
    Column("id_sha256", String(64), primary_key=True),
    Column("key_name", String(64), nullable=False),
    Column("created_at", UTCDateTime, nullable=False),
    Column("expires_at", UTCDateTime, nullable=False),
    Column("ended_at", UTCDateTime, nullable=True),
    Index("ix_web_sessions_key", "key_name"),
)
