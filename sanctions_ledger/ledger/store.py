"""The :class:`Ledger`: the Python API over the store. The CLI and the HTTP API are thin layers on it."""

from __future__ import annotations

import getpass
import json
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path
from typing import Any

from sqlalchemy import Connection, Engine, insert
from sqlalchemy.exc import DBAPIError

from sanctions_ledger.errors import StoreError
from sanctions_ledger.ledger import queries
from sanctions_ledger.ledger import tables as t
from sanctions_ledger.ledger.engine import check_connect, make_engine
from sanctions_ledger.ledger.load import load_parsed
from sanctions_ledger.ledger.migrations import migrate
from sanctions_ledger.ledger.records import Diff, LoadResult, SnapshotInfo
from sanctions_ledger.model import Entity
from sanctions_ledger.model.times import parse_instant
from sanctions_ledger.parsers import ParsedList, detect, parse_set
from sanctions_ledger.parsers.aliases import canonical_entity_id, canonical_list, linked_ids


def default_actor() -> str:
    try:
        return f"cli:{getpass.getuser()}"
    except Exception:  # pragma: no cover - no user database in some containers
        return "cli:unknown"


class Ledger:
    """A ledger in one database. Open with :func:`open_ledger`."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine

    @property
    def url(self) -> str:
        return self.engine.url.render_as_string(hide_password=True)

    def close(self) -> None:
        self.engine.dispose()

    def __enter__(self) -> Ledger:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # -- writing ---------------------------------------------------------------------------------------

    def audit(
        self, conn: Connection, actor: str, action: str, target: str | None, detail: dict[str, Any]
    ) -> None:
        conn.execute(
            insert(t.audit_log).values(
                at=t.utcnow(),
                actor=actor,
                action=action,
                target=target,
                detail=json.dumps(detail, sort_keys=True),
            )
        )

    def record(
        self,
        parsed: ParsedList,
        observed_at: datetime,
        *,
        source: str | None = None,
        actor: str | None = None,
    ) -> LoadResult:
        """Store one parsed publication as observed at ``observed_at``: one transaction, all or nothing."""
        try:
            with self.engine.begin() as conn:
                result = load_parsed(conn, parsed, observed_at, source=source)
                self.audit(
                    conn,
                    actor or default_actor(),
                    "load",
                    f"{parsed.list}#{result.snapshot.id}",
                    {
                        "status": result.status,
                        "observed_at": observed_at.isoformat(),
                        "files": [f.to_dict() for f in parsed.files],
                        "records_in": result.records_in,
                        "entities_stored": result.entities_stored,
                        "source": source,
                    },
                )
                return result
        except DBAPIError as exc:
            raise StoreError(f"database error while loading {parsed.list}: {exc.orig}") from exc

    def load_paths(
        self,
        paths: list[Path],
        observed_at: str | datetime | None = None,
        *,
        list_name: str | None = None,
        source: str | None = None,
        actor: str | None = None,
    ) -> list[LoadResult]:
        """Detect, parse and record every list set under ``paths``. Everything is parsed before anything
        is written, so a bad file leaves the ledger untouched; each set is then recorded in its own
        transaction."""
        sets = detect(paths, list_name)
        parsed = [parse_set(ls) for ls in sets]
        results = []
        for p in parsed:
            at = self._observed_at(p, observed_at)
            results.append(self.record(p, at, source=source, actor=actor))
        return results

    def _observed_at(self, parsed: ParsedList, observed_at: str | datetime | None) -> datetime:
        from sanctions_ledger.parsers import LISTS

        if isinstance(observed_at, datetime):
            if observed_at.tzinfo is None:
                raise ValueError("observed_at must be timezone-aware")
            return observed_at
        tz = LISTS.get(parsed.list, ("", "UTC"))[1]
        if observed_at is None:
            return t.utcnow()
        return parse_instant(observed_at, tz, what="--observed-at")

    # -- reading ---------------------------------------------------------------------------------------

    def _read(self) -> Connection:
        return self.engine.connect()

    def snapshots(self, list_name: str | None = None) -> list[SnapshotInfo]:
        list_name = canonical_list(list_name) if list_name else list_name
        with self._read() as c:
            return queries.list_snapshots(c, list_name)

    def snapshot(self, list_name: str, ref: str, tz: str | None = None) -> SnapshotInfo:
        list_name = canonical_list(list_name)
        with self._read() as c:
            return queries.resolve_snapshot(c, list_name, ref, tz)

    def diff(self, list_name: str, from_ref: str, to_ref: str, tz: str | None = None) -> Diff:
        list_name = canonical_list(list_name)
        with self._read() as c:
            a = queries.resolve_snapshot(c, list_name, from_ref, tz)
            b = queries.resolve_snapshot(c, list_name, to_ref, tz)
            return queries.diff(c, a, b)

    def entity(self, entity_id: str, at: datetime | None = None) -> tuple[Entity, SnapshotInfo]:
        with self._read() as c:
            return queries.entity_at(c, canonical_entity_id(entity_id), at)

    def history(self, entity_id: str) -> dict[str, Any]:
        with self._read() as c:
            h = queries.history(c, canonical_entity_id(entity_id))
        if h["versions"] and (
            links := linked_ids(h["list"], h["versions"][-1]["entity"].get("properties", {}))
        ):
            h["linked_ids"] = links  # the same party on another list (e.g. OFSI Group ID <-> FCDO UniqueID)
        return h

    def asof(
        self, list_name: str, at: datetime, program: str | None = None
    ) -> tuple[SnapshotInfo, list[str]]:
        with self._read() as c:
            return queries.asof_ids(c, canonical_list(list_name), at, program)

    def entities_at(self, lists: list[str] | None = None, at: datetime | None = None) -> Iterator[Entity]:
        lists = [canonical_list(n) for n in lists] if lists else lists
        with self._read() as c:
            yield from queries.entities_at(c, lists, at)

    def entities_ever(self, lists: list[str] | None = None) -> Iterator[Entity]:
        """Every entity ever seen on the lists, each in its most recent version."""
        with self._read() as c:
            yield from queries.entities_ever(c, lists)

    def list_names(self) -> list[str]:
        with self._read() as c:
            return queries.list_names(c)

    def list_timezone(self, list_name: str) -> str:
        with self._read() as c:
            return queries.list_timezone(c, canonical_list(list_name))

    def stats(self) -> dict[str, Any]:
        with self._read() as c:
            return queries.stats(c)

    def state_token(self) -> str:
        with self._read() as c:
            return queries.state_token(c)

    def identity(self) -> str:
        """This database, told from any other: its address (without a password) and when it was created."""
        with self._read() as c:
            created = queries.identity(c)
        return f"{self.engine.url.render_as_string(hide_password=True)}|{created}"

    def audit_entries(self, limit: int = 100, action: str | None = None) -> list[dict[str, Any]]:
        with self._read() as c:
            return queries.audit_entries(c, limit, action)


def open_ledger(url: str | None = None, *, migrate_schema: bool = True) -> Ledger:
    """Open (and by default create or migrate) the ledger at ``url`` (default: SANCTIONS_DB or a file in
    the user data directory)."""
    from sanctions_ledger.settings import Settings

    engine = make_engine(Settings.from_env(url).db_url)
    check_connect(engine)
    if migrate_schema:
        try:
            migrate(engine)
        except DBAPIError as exc:
            raise StoreError(f"cannot prepare the database schema: {exc.orig}") from exc
    return Ledger(engine)
