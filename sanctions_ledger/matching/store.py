"""A :class:`MatchIndex` kept in a file: written once after a ledger change, opened by every later process.

The file is an SQLite database (one table per index table, each keyed by what a query looks up), written
to a temporary name and renamed into place, so a reader never sees half a file. It is opened two ways:

- :func:`open_index` (``lazy=True``): nothing is read up front; each key, name or entity is read the first
  time a query asks for it and kept. One query reads a few hundred rows, so a command that screens one name
  answers in milliseconds instead of rebuilding the index (seconds). Processes that open the same file share
  its pages in the operating system's cache instead of each holding its own copy.
- :func:`open_index` (``lazy=False``): every table read into memory at once, a few times faster than
  building from entities; for batches that will touch most of the index anyway.

Either way the index answers exactly as the one it was written from (``tests/unit/test_index_store.py``).
Everything in the file is data (JSON, integers, packed integer arrays): opening a file never runs code.
"""

from __future__ import annotations

import json
import os
import sqlite3
import threading
from array import array
from collections.abc import Callable, Iterator, Mapping, Sequence
from pathlib import Path
from typing import Any, Generic, TypeVar

from sanctions_ledger.errors import SanctionsError
from sanctions_ledger.matching.index import MAX_CANDIDATES, IndexedName, MatchIndex
from sanctions_ledger.matching.normalize import NameForm
from sanctions_ledger.model import Entity

FORMAT = "sanctions-ledger-index/1"

K = TypeVar("K")
V = TypeVar("V")

_SCHEMA = (
    "CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL) WITHOUT ROWID",
    "CREATE TABLE postings (key TEXT PRIMARY KEY, ids BLOB NOT NULL) WITHOUT ROWID",
    "CREATE TABLE vocabulary (token TEXT PRIMARY KEY, df INTEGER NOT NULL, weight REAL NOT NULL)"
    " WITHOUT ROWID",
    "CREATE TABLE skeletons (skeleton TEXT PRIMARY KEY, df INTEGER NOT NULL) WITHOUT ROWID",
    "CREATE TABLE deletes (key TEXT PRIMARY KEY, tokens TEXT NOT NULL) WITHOUT ROWID",
    "CREATE TABLE capped (key TEXT PRIMARY KEY) WITHOUT ROWID",
    "CREATE TABLE names (id INTEGER PRIMARY KEY, data TEXT NOT NULL)",
    "CREATE TABLE entities (id INTEGER PRIMARY KEY, first_name INTEGER, data TEXT NOT NULL)",
    "CREATE TABLE identifiers (key TEXT PRIMARY KEY, entities TEXT NOT NULL) WITHOUT ROWID",
)


class IndexFileError(SanctionsError):
    """An index file cannot be read (damaged, or written by another version): it is rebuilt."""


# ---- writing --------------------------------------------------------------------------------------------


def _name_row(n: IndexedName) -> str:
    f = n.form
    return json.dumps(
        [n.entity, n.kind, n.name, f.original, f.tokens, f.skeletons, f.korean, f.legal, f.honorifics,
         f.script, n.weights],
        ensure_ascii=False,
        separators=(",", ":"),
    )  # fmt: skip


def _ids(values: Sequence[int]) -> bytes:
    return array("i", values).tobytes()


def save_index(index: MatchIndex, path: Path, meta: Mapping[str, str] | None = None) -> None:
    """Write ``index`` to ``path`` (replaced whole, never seen half-written). ``meta``: what the caller
    wants to find in the file again (what it was built from)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.{os.getpid()}.{threading.get_ident()}.tmp")
    tmp.unlink(missing_ok=True)
    try:
        db = sqlite3.connect(tmp)
        try:
            db.execute("PRAGMA journal_mode=OFF")
            db.execute("PRAGMA synchronous=OFF")
            for stmt in _SCHEMA:
                db.execute(stmt)
            info = {
                "format": FORMAT,
                "n_names": str(index.n_names),
                "full_idf": repr(index.full_idf),
                "entities": str(len(index.entities)),
                "names": str(len(index.names)),
                "rows.postings": str(len(index.postings)),
                "rows.vocabulary": str(len(index.df)),
                "rows.skeletons": str(len(index.sdf)),
                "rows.deletes": str(len(index.deletes)),
                "rows.identifiers": str(len(index.by_identifier)),
                "rows.entities": str(len(index.entities)),
                **(meta or {}),
            }
            db.executemany("INSERT INTO meta VALUES (?, ?)", info.items())
            db.executemany(
                "INSERT INTO postings VALUES (?, ?)", ((k, _ids(v)) for k, v in index.postings.items())
            )
            tw = index.token_weight
            db.executemany(
                "INSERT INTO vocabulary VALUES (?, ?, ?)", ((t, c, tw(t)) for t, c in index.df.items())
            )
            db.executemany("INSERT INTO skeletons VALUES (?, ?)", index.sdf.items())
            db.executemany(
                "INSERT INTO deletes VALUES (?, ?)", ((k, " ".join(v)) for k, v in index.deletes.items())
            )
            db.executemany("INSERT INTO capped VALUES (?)", ((k,) for k in index.capped))
            db.executemany(
                "INSERT INTO names VALUES (?, ?)", ((i, _name_row(n)) for i, n in enumerate(index.names))
            )
            first = index.first_name
            db.executemany(
                "INSERT INTO entities VALUES (?, ?, ?)",
                (
                    (i, first.get(i), json.dumps(e.to_dict(), ensure_ascii=False, separators=(",", ":")))
                    for i, e in enumerate(index.entities)
                ),
            )
            db.executemany(
                "INSERT INTO identifiers VALUES (?, ?)",
                ((k, json.dumps(v)) for k, v in index.by_identifier.items()),
            )
            db.commit()
        finally:
            db.close()
        os.chmod(tmp, 0o600)
        os.replace(tmp, path)
    finally:
        tmp.unlink(missing_ok=True)


# ---- reading --------------------------------------------------------------------------------------------


class _Connections:
    """One read-only connection per thread and process (a forked child opens its own)."""

    def __init__(self, path: Path) -> None:
        self.uri = f"{path.resolve().as_uri()}?mode=ro"
        self._local = threading.local()

    def get(self) -> sqlite3.Connection:
        local = self._local
        if getattr(local, "pid", None) != os.getpid():
            local.conn = sqlite3.connect(self.uri, uri=True, check_same_thread=False)
            local.pid = os.getpid()
        conn: sqlite3.Connection = local.conn
        return conn

    def one(self, sql: str, key: Any) -> Any:
        try:
            return self.get().execute(sql, (key,)).fetchone()
        except sqlite3.DatabaseError as exc:
            raise IndexFileError(f"the screening index file cannot be read: {exc}") from exc

    def all(self, sql: str) -> Iterator[Any]:
        try:
            yield from self.get().execute(sql)
        except sqlite3.DatabaseError as exc:
            raise IndexFileError(f"the screening index file cannot be read: {exc}") from exc


_MISSING: Any = object()
MEMO_MAX = (
    1_000_000  # entries a lazy table keeps (keys asked for and not found count too); then it starts over
)


class _LazyMap(Mapping[K, V], Generic[K, V]):
    """A read-only mapping over one table: a key is read the first time it is asked for, then kept."""

    def __init__(
        self, db: _Connections, table: str, key: str, value: str, decode: Callable[[Any], V], size: int
    ):
        self._db = db
        self._one = f"SELECT {value} FROM {table} WHERE {key} = ?"
        self._all = f"SELECT {key}, {value} FROM {table}"
        self._decode = decode
        self._size = size
        self._memo: dict[K, V] = {}

    def get(self, key: K, default: Any = None) -> Any:
        found = self._memo.get(key, _MISSING)
        if found is _MISSING:
            row = self._db.one(self._one, key)
            found = _MISSING if row is None else self._decode(row[0])
            if len(self._memo) >= MEMO_MAX:
                self._memo.clear()
            self._memo[key] = found
        return default if found is _MISSING else found

    def __getitem__(self, key: K) -> V:
        found = self.get(key, _MISSING)
        if found is _MISSING:
            raise KeyError(key)
        value: V = found
        return value

    def __contains__(self, key: object) -> bool:
        return self.get(key, _MISSING) is not _MISSING  # type: ignore[arg-type]

    def __iter__(self) -> Iterator[K]:
        return (k for k, _ in self._db.all(self._all))

    def items(self) -> Any:
        return ((k, self._decode(v)) for k, v in self._db.all(self._all))

    def values(self) -> Any:
        return (self._decode(v) for _, v in self._db.all(self._all))

    def __len__(self) -> int:
        return self._size


class _LazyRows(Sequence[V], Generic[V]):
    """A read-only sequence over one table's rows by position, each decoded the first time it is read."""

    def __init__(self, db: _Connections, sql: str, decode: Callable[[Any], V], size: int) -> None:
        self._db = db
        self._sql = sql
        self._decode = decode
        self._size = size
        self._memo: dict[int, V] = {}

    def __getitem__(self, i: Any) -> Any:
        if isinstance(i, slice):
            return [self[j] for j in range(*i.indices(self._size))]
        found = self._memo.get(i)
        if found is None:
            if not -self._size <= i < self._size:
                raise IndexError(i)
            i %= self._size
            row = self._db.one(self._sql, i)
            if row is None:
                raise IndexFileError(f"the screening index file has no row {i} in {self._sql.split()[3]}")
            if len(self._memo) >= MEMO_MAX:
                self._memo.clear()
            found = self._memo[i] = self._decode(row[0])
        return found

    def __len__(self) -> int:
        return self._size


def _name(data: str) -> IndexedName:
    e, kind, shown, original, tokens, skels, korean, legal, honorifics, script, weights = json.loads(data)
    form = NameForm(
        original, tuple(tokens), tuple(skels), tuple(korean), tuple(legal), tuple(honorifics), script
    )
    return IndexedName(e, kind, shown, form, tuple(weights))


def _entity(data: str) -> Entity:
    return Entity.from_dict(json.loads(data))


def _array(data: bytes) -> array[int]:
    out = array("i")
    out.frombytes(data)
    return out


def _tokens(data: str) -> tuple[str, ...]:
    return tuple(data.split(" "))


def _entity_ids(data: str) -> list[int]:
    ids: list[int] = json.loads(data)
    return ids


def read_meta(path: Path) -> dict[str, str]:
    """The file's ``meta`` table (raises :class:`IndexFileError` for a file that is not an index)."""
    db = _Connections(path)
    try:
        meta = {str(k): str(v) for k, v in db.all("SELECT key, value FROM meta")}
    finally:
        db.get().close()
    if meta.get("format") != FORMAT:
        raise IndexFileError(f"{path.name} is not a screening index of format {FORMAT}")
    return meta


def open_index(
    path: Path, lazy: bool = True, top_n: int | None = MAX_CANDIDATES, keys_in_memory: bool = False
) -> MatchIndex:
    """The index in ``path`` (see the module doc for ``lazy``). ``keys_in_memory`` (with ``lazy``): the
    lookup tables (postings, vocabulary, deletes: a few tens of MB) read whole at once and only the names
    and entities (most of the index) read on first use: what a long-running server wants, where every
    query reads the lookup tables many times."""
    if not path.is_file():
        raise IndexFileError(f"no screening index file at {path.name}")
    db = _Connections(path)
    meta = {str(k): str(v) for k, v in db.all("SELECT key, value FROM meta")}
    if meta.get("format") != FORMAT:
        raise IndexFileError(f"{path.name} is not a screening index of format {FORMAT}")
    n_entities, n_names = int(meta["entities"]), int(meta["names"])
    capped = frozenset(k for (k,) in db.all("SELECT key FROM capped"))
    common: dict[str, Any] = {
        "capped": capped,
        "n_names": int(meta["n_names"]),
        "full_idf": float(meta["full_idf"]),
        "top_n": top_n,
    }
    if not lazy or keys_in_memory:
        vocab = list(db.all("SELECT token, df, weight FROM vocabulary"))
        first = {int(e): int(n) for e, n in db.all("SELECT id, first_name FROM entities") if n is not None}
        keys: dict[str, Any] = {
            "by_identifier": {k: _entity_ids(v) for k, v in db.all("SELECT key, entities FROM identifiers")},
            "postings": {k: _array(v) for k, v in db.all("SELECT key, ids FROM postings")},
            "df": {t: c for t, c, _ in vocab},
            "sdf": dict(db.all("SELECT skeleton, df FROM skeletons")),
            "deletes": {k: _tokens(v) for k, v in db.all("SELECT key, tokens FROM deletes")},
            "first_name": first,
            "token_weights": {t: w for t, _, w in vocab},
        }
        if lazy:
            return MatchIndex.from_tables(
                entities=_LazyRows(db, "SELECT data FROM entities WHERE id = ?", _entity, n_entities),
                names=_LazyRows(db, "SELECT data FROM names WHERE id = ?", _name, n_names),
                **keys,
                **common,
            )
        return MatchIndex.from_tables(
            entities=[_entity(d) for (d,) in db.all("SELECT data FROM entities ORDER BY id")],
            names=[_name(d) for (d,) in db.all("SELECT data FROM names ORDER BY id")],
            **keys,
            **common,
        )
    size = {t: int(n) for t, n in meta.items() if t.startswith("rows.")}

    def lazy_map(table: str, key: str, value: str, decode: Callable[[Any], Any]) -> Any:
        return _LazyMap(db, table, key, value, decode, size.get(f"rows.{table}", 0))

    return MatchIndex.from_tables(
        entities=_LazyRows(db, "SELECT data FROM entities WHERE id = ?", _entity, n_entities),
        names=_LazyRows(db, "SELECT data FROM names WHERE id = ?", _name, n_names),
        by_identifier=lazy_map("identifiers", "key", "entities", _entity_ids),
        postings=lazy_map("postings", "key", "ids", _array),
        df=lazy_map("vocabulary", "token", "df", int),
        sdf=lazy_map("skeletons", "skeleton", "df", int),
        deletes=lazy_map("deletes", "key", "tokens", _tokens),
        first_name=lazy_map("entities", "id", "first_name", lambda v: v),
        token_weights=lazy_map("vocabulary", "token", "weight", float),
        **common,
    )
