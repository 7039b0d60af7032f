"""Schema migrations: an ordered list of steps, each applied once and recorded in ``schema_version``.

Add a step by appending to :data:`MIGRATIONS`; never edit a step that has shipped. Each step runs in the
same transaction as its ``schema_version`` row, so a failed step leaves the schema as it was.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass

from sqlalchemy import Connection, Engine, delete, func, insert, inspect, select, text

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


def _v3_actions(conn: Connection) -> None:
    from sanctions_ledger.ledger import actions_tables as at

    t.metadata.create_all(conn, tables=at.ALL_TABLES)


def _v4_api_keys(conn: Connection) -> None:
    from sanctions_ledger.ledger.keys_tables import api_keys

    api_keys.create(conn, checkfirst=True)


def _v5_monitoring(conn: Connection) -> None:
    from sanctions_ledger.ledger import monitoring_tables as mt

    t.metadata.create_all(conn, tables=mt.ALL_TABLES)


def _v6_screen_jobs(conn: Connection) -> None:
    from sanctions_ledger.ledger.jobs_tables import screen_jobs

    screen_jobs.create(conn, checkfirst=True)


def _v7_web_sessions(conn: Connection) -> None:
    from sanctions_ledger.ledger.sessions_tables import web_sessions

    web_sessions.create(conn, checkfirst=True)


def _v8_unique_observations(conn: Connection) -> None:
    # Loading a file again at the same observed time used to add the observation again. Keep the first
    # row of each (snapshot, instant), say in the audit log how many were removed, then forbid repeats.
    o = t.observations
    keep = select(func.min(o.c.id)).group_by(o.c.snapshot_id, o.c.observed_at).scalar_subquery()
    removed = conn.execute(delete(o).where(o.c.id.not_in(keep))).rowcount
    if removed:
        conn.execute(
            insert(t.audit_log).values(
                at=t.utcnow(),
                actor="migration",
                action="migration.observations_deduplicated",
                target="observations",
                detail=json.dumps({"removed": removed, "kept": "the first row of each (snapshot, instant)"}),
            )
        )
    conn.execute(
        text(
            "CREATE UNIQUE INDEX IF NOT EXISTS uq_observations_snapshot_observed "
            "ON observations (snapshot_id, observed_at)"
        )
    )


MIGRATIONS: list[Migration] = [
    Migration(1, "core ledger tables", _v1_core),
    Migration(2, "program tags on entity versions", _v2_version_programs),
    Migration(3, "actions, lifecycle events, links and webhooks", _v3_actions),
    Migration(4, "api keys", _v4_api_keys),
    Migration(5, "watchlists, monitoring runs and alerts", _v5_monitoring),
    Migration(6, "batch screening jobs shared by the API's workers", _v6_screen_jobs),
    Migration(7, "web sign-in sessions", _v7_web_sessions),
    Migration(8, "one observation per snapshot and instant (duplicates removed)", _v8_unique_observations),
]


def current_version(conn: Connection) -> int:
    if not inspect(conn).has_table("schema_version"):
        return 0
    v = conn.execute(select(t.schema_version.c.version).order_by(t.schema_version.c.version.desc())).first()
    return int(v[0]) if v else 0


def applied_versions(conn: Connection) -> set[int]:
    if not inspect(conn).has_table("schema_version"):
        return set()
    return {int(v) for (v,) in conn.execute(select(t.schema_version.c.version))}


def migrate(engine: Engine) -> list[int]:
    """Bring the database to the newest schema. Returns the versions applied."""
    applied: list[int] = []
    with engine.connect() as conn:  # up to date: no write transaction, so no wait for a busy writer
        if applied_versions(conn) >= {m.version for m in MIGRATIONS}:
            return applied
    with engine.begin() as conn:
        if engine.dialect.name == "postgresql":
            conn.execute(text("SELECT pg_advisory_xact_lock(7371001)"))
        t.schema_version.create(conn, checkfirst=True)
        # Apply every step not yet recorded, in version order: a step appended later with a lower number
        # (versions may be claimed out of order by parallel work) still runs on a database that is past it.
        have = applied_versions(conn)
        for m in sorted(MIGRATIONS, key=lambda m: m.version):
            if m.version in have:
                continue
            m.apply(conn)
            conn.execute(
                t.schema_version.insert().values(
                    version=m.version, description=m.description, applied_at=t.utcnow()
                )
            )
            applied.append(m.version)
    return applied
