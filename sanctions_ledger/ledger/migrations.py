"""Schema migrations: an ordered list of steps, each applied once and recorded in ``schema_version``.

Add a step by appending to :data:`MIGRATIONS`; never edit a step that has shipped. Each step runs in the
same transaction as its ``schema_version`` row, so a failed step leaves the schema as it was.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from sqlalchemy import Connection, Engine, inspect, select, text

from sanctions_ledger.ledger import tables as t


@dataclass(frozen=True)
class Migration:
    version: int
    description: str
    apply: Callable[[Connection], None]


def _v1_core(conn: Connection) -> None:
    t.metadata.create_all(
        conn,
        tables=[t.lists, t.snapshots, t.observations, t.entity_versions, t.spans, t.audit_log],
    )


def _v2_version_programs(conn: Connection) -> None:
    # A space-padded program list per version (" DPRK3 DPRK4 ") so "as of, in program X" needs no JSON.
    cols = {c["name"] for c in inspect(conn).get_columns("entity_versions")}
    if "programs" not in cols:
        conn.execute(text("ALTER TABLE entity_versions ADD COLUMN programs TEXT NOT NULL DEFAULT ''"))


MIGRATIONS: list[Migration] = [
    Migration(1, "core ledger tables", _v1_core),
    Migration(2, "program tags on entity versions", _v2_version_programs),
]


def current_version(conn: Connection) -> int:
    if not inspect(conn).has_table("schema_version"):
        return 0
    v = conn.execute(select(t.schema_version.c.version).order_by(t.schema_version.c.version.desc())).first()
    return int(v[0]) if v else 0


def migrate(engine: Engine) -> list[int]:
    """Bring the database to the newest schema. Returns the versions applied."""
    applied: list[int] = []
    with engine.begin() as conn:
        if engine.dialect.name == "postgresql":
            conn.execute(text("SELECT pg_advisory_xact_lock(7371001)"))
        t.schema_version.create(conn, checkfirst=True)
        have = current_version(conn)
        for m in MIGRATIONS:
            if m.version <= have:
                continue
            m.apply(conn)
            conn.execute(
                t.schema_version.insert().values(version=m.version, description=m.description, applied_at=t.utcnow())
            )
            applied.append(m.version)
    return applied
