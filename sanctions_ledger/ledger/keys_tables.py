"""The API keys table (on the shared ledger metadata). Created by migration step 4.

A key is stored only as the sha256 hex digest of its secret; the secret itself is shown once, when the key
is created. ``scopes`` is a space-separated set (``read``, ``analyst``, ``admin``). A revoked key keeps its
row (``revoked_at`` set): nothing is deleted, so the audit log's ``api-key:<name>`` actors stay explained.
"""

from __future__ import annotations

from sqlalchemy import BigInteger, Column, Integer, String, Table, Text, UniqueConstraint

from sanctions_ledger.ledger.tables import UTCDateTime, metadata

api_keys = Table(
    "api_keys",
    metadata,
    Column("id", BigInteger().with_variant(Integer, "sqlite"), primary_key=True, autoincrement=True),
    Column("name", String(64), nullable=False),
    Column("scopes", Text, nullable=False),
    Column("key_sha256", String(64), nullable=False),
    Column("created_at", UTCDateTime, nullable=False),
    Column("created_by", String(128), nullable=False, server_default=""),
    Column("revoked_at", UTCDateTime, nullable=True),
    UniqueConstraint("name", name="uq_api_keys_name"),
    UniqueConstraint("key_sha256", name="uq_api_keys_hash"),
)
