"""Opening the database: SQLite (default, a file) or PostgreSQL, with the settings each needs."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from sqlalchemy import Engine, create_engine, event
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


def _sqlite_begin(conn: Any) -> None:
    conn.exec_driver_sql("BEGIN")


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
