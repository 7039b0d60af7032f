"""The screening service: one provider of indexes over the ledger, for every entry point.

An index is keyed on what it is built from: the ledger (its identity and state token, which changes with
every snapshot, observation and action event), the instant (the latest lists, or the lists as they stood
at an instant, corrected by recorded actions: :mod:`.asof`) and the scope (the current lists, or every
entity ever listed, which statement checking resolves names against). The first screen after a ledger
change builds the index and writes it to a file in the index folder (:mod:`sanctions_ledger.matching.store`);
every later process — the next ``sanctions screen``, each server worker, a batch job — opens that file
instead of building again. Within a process the last few indexes stay open.

List and program filters never change the index: it always holds every list, so a score does not depend on
which lists were asked for; the filters choose which entities a query may return (:mod:`..matching.search`).
"""

from __future__ import annotations

import hashlib
import logging
import os
import stat
import threading
import time
from collections import OrderedDict
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Literal

from sanctions_ledger import __version__
from sanctions_ledger.ledger import Ledger
from sanctions_ledger.matching.index import MatchIndex
from sanctions_ledger.matching.store import IndexFileError, open_index, save_index
from sanctions_ledger.model import Entity
from sanctions_ledger.screening.asof import adjust_for_actions
from sanctions_ledger.screening.query import ScreeningQuery
from sanctions_ledger.screening.screen import DEFAULT_LIMIT, DEFAULT_THRESHOLD, Screener, ScreeningResult

log = logging.getLogger("sanctions_ledger.screening")

Scope = Literal["current", "ever"]
DEFAULT_TZ = "America/New_York"
KEEP_FILES = 6  # index files kept in the folder (the newest); older ones are removed after a build


def index_dir() -> Path:
    """Where index files live: ``SANCTIONS_INDEX_DIR``, else ``indexes`` in the data directory."""
    from sanctions_ledger.settings import Settings

    env = os.environ.get("SANCTIONS_INDEX_DIR")
    return Path(env) if env else Settings.from_env().data_dir / "indexes"


_FINGERPRINT: str | None = None


def matcher_fingerprint() -> str:
    """Changes whenever the code that builds or reads an index changes (a file from another version of the
    matcher is never opened)."""
    global _FINGERPRINT
    if _FINGERPRINT is None:
        h = hashlib.sha256(__version__.encode())
        root = Path(__file__).resolve().parents[1] / "matching"
        for path in sorted(root.glob("*.py")):
            h.update(path.name.encode())
            h.update(path.read_bytes())
        _FINGERPRINT = h.hexdigest()[:16]
    return _FINGERPRINT


def _private_file(path: Path) -> bool:
    """Whether ``path`` is a regular file of this user that nobody else may write (an index file is only
    ever opened from a folder this user controls, written by this user)."""
    try:
        st = path.lstat()
    except OSError:
        return False
    owner_ok = not hasattr(os, "getuid") or st.st_uid == os.getuid()
    return stat.S_ISREG(st.st_mode) and owner_ok and not st.st_mode & (stat.S_IWGRP | stat.S_IWOTH)


@dataclass
class IndexInfo:
    """How the current index was obtained, for health pages and benchmarks."""

    key: str
    entities: int
    source: str  # "built" | "file"
    seconds: float


class IndexProvider:
    """Indexes keyed on (ledger, state, instant, scope), from memory, from a file or built."""

    def __init__(
        self,
        ledger: Ledger,
        folder: Path | None = None,
        lazy: bool = True,
        keep: int = 2,
        persist: bool = True,
        keys_in_memory: bool = False,
    ) -> None:
        """``lazy``/``keys_in_memory``: how index files are opened (see
        :func:`sanctions_ledger.matching.store.open_index`)."""
        self.ledger = ledger
        self.folder = folder
        self.lazy = lazy
        self.keys_in_memory = keys_in_memory
        self.keep = keep
        self.persist = persist
        self._open: OrderedDict[str, MatchIndex] = OrderedDict()
        self._lock = threading.Lock()
        self._building: dict[str, threading.Lock] = {}
        self.builds = 0
        self.loads = 0
        self.last: IndexInfo | None = None

    def key(self, at: datetime | None = None, scope: Scope = "current") -> str:
        """The key of the index for ``at`` and ``scope`` at the ledger's present state."""
        raw = "|".join(
            (
                self.ledger.identity(),
                self.ledger.state_token(),
                at.isoformat() if at else "latest",
                scope,
                matcher_fingerprint(),
            )
        )
        return hashlib.sha256(raw.encode()).hexdigest()[:32]

    def index(self, at: datetime | None = None, scope: Scope = "current") -> MatchIndex:
        key = self.key(at, scope)
        with self._lock:
            found = self._open.get(key)
            if found is not None:
                self._open.move_to_end(key)
                return found
            building = self._building.setdefault(key, threading.Lock())
        with building:  # one build per key at a time in this process; others wait for it
            with self._lock:
                found = self._open.get(key)
            if found is None:
                found = self._obtain(key, at, scope)
                with self._lock:
                    self._open[key] = found
                    while len(self._open) > self.keep:
                        self._open.popitem(last=False)
        with self._lock:
            self._building.pop(key, None)
        return found

    def _obtain(self, key: str, at: datetime | None, scope: Scope) -> MatchIndex:
        started = time.perf_counter()
        meta = {"key": key, "at": at.isoformat() if at else "latest", "scope": scope}
        index, source = open_or_build(
            (self.folder or index_dir()) / f"{key}.index",
            lambda: MatchIndex(self._entities(at, scope)),
            meta,
            lazy=self.lazy,
            persist=self.persist,
            keys_in_memory=self.keys_in_memory,
        )
        if source == "file":
            self.loads += 1
        else:
            self.builds += 1
        self.last = IndexInfo(key, len(index.entities), source, time.perf_counter() - started)
        log.info(
            "screening index %s: %d entities (%s) in %.1f s",
            key[:8],
            len(index.entities),
            source,
            self.last.seconds,
        )
        return index

    def _entities(self, at: datetime | None, scope: Scope) -> list[Entity]:
        if scope == "ever":
            return list(self.ledger.entities_ever())
        entities = list(self.ledger.entities_at(at=at))
        if at is not None:
            entities, _ = adjust_for_actions(self.ledger, entities, None, at)
        return entities


def open_or_build(
    path: Path,
    build: Callable[[], MatchIndex],
    meta: dict[str, str],
    lazy: bool = True,
    persist: bool = True,
    keys_in_memory: bool = False,
) -> tuple[MatchIndex, str]:
    """The index in ``path`` when it is there and trusted, else ``build()`` written to ``path`` (whose
    folder keeps the KEEP_FILES newest files); also says which (``"file"`` or ``"built"``)."""
    if persist and _private_file(path):
        try:
            return open_index(path, lazy=lazy, keys_in_memory=keys_in_memory), "file"
        except IndexFileError as exc:
            log.warning("screening index file %s unreadable (%s); building again", path.name, exc)
    index = build()
    if persist:
        try:
            path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
            save_index(index, path, meta)
            _prune(path.parent, keep=KEEP_FILES)
            if lazy:  # the file is what every later process opens: this one too, from now on
                index = open_index(path, lazy=True, keys_in_memory=keys_in_memory)
        except OSError as exc:
            log.warning("cannot write the screening index to %s: %s", path.parent, exc)
    return index, "built"


def parse_as_of(
    ledger: Ledger, value: str | None, lists: Iterable[str] = (), what: str = "as_of"
) -> datetime | None:
    """The instant to screen as of: an ISO date (its end) or date-time; without a zone, the list's own time
    zone when one list is named, else America/New_York (OFAC's, where most actions are published).
    ``what``: how the value is named in an error (``--as-of`` on the command line)."""
    if not value:
        return None
    from sanctions_ledger.model.times import parse_instant

    names = list(lists)
    tz = ledger.list_timezone(names[0]) if len(names) == 1 else DEFAULT_TZ
    return parse_instant(value, tz, end_of_day=True, what=what)


def _prune(folder: Path, keep: int) -> None:
    files = sorted(folder.glob("*.index"), key=lambda p: p.stat().st_mtime, reverse=True)
    for old in files[keep:]:
        old.unlink(missing_ok=True)


class ScreeningService:
    """Screening over one ledger: what the CLI, the API, the web pages, batch jobs, yente's ``/match`` and
    statement checking call.

    ``check_interval``: how long (seconds) the ledger's state is trusted before it is read again (a server
    sets a few seconds so a busy endpoint does not query the database on every request; 0 checks always).
    """

    def __init__(
        self,
        ledger: Ledger,
        folder: Path | None = None,
        lazy: bool = True,
        check_interval: float = 0.0,
        persist: bool = True,
        keys_in_memory: bool = False,
    ) -> None:
        self.ledger = ledger
        self.provider = IndexProvider(
            ledger, folder, lazy=lazy, persist=persist, keys_in_memory=keys_in_memory
        )
        self.check_interval = check_interval
        self._latest: tuple[float, Screener] | None = None
        self.built_at: float | None = None

    @property
    def ready(self) -> bool:
        return self._latest is not None

    @property
    def entities(self) -> int:
        return len(self._latest[1].index.entities) if self._latest else 0

    def current(self) -> Screener | None:
        """The latest lists' screener when it was checked against the ledger within ``check_interval``, else
        None (then :meth:`screener` may read the database or build: not on an event loop)."""
        found = self._latest
        if found is not None and time.monotonic() - found[0] < self.check_interval:
            return found[1]
        return None

    def screener(self, at: datetime | None = None, scope: Scope = "current") -> Screener:
        """A screener over the lists at ``at`` (None: the latest), with the default operating point."""
        if at is None and scope == "current":
            found = self.current()
            if found is not None:
                return found
        index = self.provider.index(at, scope)
        screener = Screener(index, DEFAULT_THRESHOLD, DEFAULT_LIMIT)
        if at is None and scope == "current":
            previous = self._latest
            if previous is not None and previous[1].index is index:
                screener = previous[1]
            else:
                self.built_at = time.time()
            self._latest = (time.monotonic(), screener)
        return screener

    def parse_as_of(self, value: str | None, lists: Iterable[str] = ()) -> datetime | None:
        """``as_of`` read by :func:`parse_as_of`."""
        return parse_as_of(self.ledger, value, lists)

    def query(self, **values: object) -> ScreeningQuery:
        return ScreeningQuery.build(**values)  # type: ignore[arg-type]

    def screen(self, query: ScreeningQuery, at: datetime | None = None) -> ScreeningResult:
        """Screen one query against the lists at ``at`` (None: the latest; an empty ledger matches nothing:
        the API's health check says whether lists are loaded)."""
        return self.screener(at).screen(query)


def files_index(paths: Iterable[Path], folder: Path | None = None, lazy: bool = True) -> MatchIndex:
    """An index over list files (``--files``), kept in the index folder keyed on the files' names, sizes
    and modification times, so screening the same files again opens it instead of parsing them."""
    from sanctions_ledger.parsers import parse_paths

    paths = [Path(p) for p in paths]
    h = hashlib.sha256(matcher_fingerprint().encode())
    for p in sorted(paths):
        for f in sorted([p] if p.is_file() else (x for x in p.rglob("*") if x.is_file())):
            st = f.stat()
            h.update(f"{f.resolve()}|{st.st_size}|{st.st_mtime_ns}\n".encode())
    path = (folder or index_dir()) / f"files-{h.hexdigest()[:32]}.index"
    index, _ = open_or_build(
        path,
        lambda: MatchIndex([e for parsed in parse_paths(paths) for e in parsed.entities]),
        {"files": ",".join(str(p) for p in paths)},
        lazy=lazy,
    )
    return index
