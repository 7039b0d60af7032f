"""Opening the database: SQLite (default, a file) or PostgreSQL, with the settings each needs."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from sqlalchemy import Connection, Engine, create_engine, event
from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError, OperationalError

from sanctions_ledger.errors import ConfigError, StoreError


def _sqlite_pragmas(dbapi_conn: Any, _record: Any) -> None:
    # Autocommit at the driver level so SQLAlchemy's BEGIN is the one transaction boundary.
    dbapi_conn.isolation_level = None
    cur = dbapi_conn.cursor()
    cur.execute("PRAGMA journal_mode=WAL")
    cur.execute("PRAGMA synchronous=NORMAL")
    cur.execute("PRAGMA foreign_keys=ON")
    cur.execute("PRAGMA busy_timeout=30000")
    cur.close()


_WRITE = "sanctions_write"  # execution option: this connection's transaction writes


def _sqlite_begin(conn: Connection) -> None:
    # A deferred transaction that has read cannot wait for the write lock: when another writer holds it
    # or has committed since the read, its first write fails at once with "database is locked". Writers
    # therefore take the lock when they begin, and wait for each other within the busy timeout.
    conn.exec_driver_sql("BEGIN IMMEDIATE" if conn.get_execution_options().get(_WRITE) else "BEGIN")


class _SQLiteEngine(Engine):
    """An SQLite engine whose ``begin()`` (the writers' entry point everywhere in the package) opens a
    write transaction (``BEGIN IMMEDIATE``). Reads through ``connect()`` stay deferred: WAL readers never
    wait."""

    @contextlib.contextmanager
    def begin(self) -> Iterator[Connection]:
        with self.connect() as conn:
            conn.execution_options(**{_WRITE: True})
            with conn.begin():
                yield conn


def make_engine(url: str) -> Engine:
    """An engine for ``url`` (``sqlite:///path`` or ``postgresql://...``). Creates the SQLite folder."""
    try:
        u = make_url(url)
    except ArgumentError as exc:
        raise ConfigError(
            f"not a database URL: {url!r}",
            hint="use sqlite:///path/to/ledger.db or postgresql://user@host/db",
        ) from exc
    backend = u.get_backend_name()
    if backend == "sqlite":
        if u.database and u.database != ":memory:":
            Path(u.database).expanduser().parent.mkdir(parents=True, exist_ok=True)
        engine = create_engine(u)
        engine.__class__ = _SQLiteEngine
        event.listen(engine, "connect", _sqlite_pragmas)
        event.listen(engine, "begin", _sqlite_begin)
        return engine
    if backend == "postgresql":
        if u.drivername == "postgresql":
            u = u.set(drivername="postgresql+psycopg")
        return create_engine(u, pool_pre_ping=True)
    raise ConfigError(f"unsupported database {backend!r}", hint="use sqlite:/// or postgresql://")


def check_connect(engine: Engine) -> None:
    try:
        with engine.connect():
            pass
    except OperationalError as exc:
        msg = str(exc.orig) if exc.orig else str(exc)
        raise StoreError(
            f"cannot open the database {engine.url.render_as_string(hide_password=True)}: {msg.strip()}",
            hint="check SANCTIONS_DB / --db, and that the server is running",
        ) from exc
