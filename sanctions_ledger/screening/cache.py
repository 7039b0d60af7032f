"""Indexes built from a ledger for a chosen instant, cached until the ledger changes."""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Iterator
from datetime import datetime
from typing import Protocol

from sanctions_ledger.ledger import Ledger
from sanctions_ledger.matching.index import MatchIndex
from sanctions_ledger.model import Entity
from sanctions_ledger.screening.asof import adjust_for_actions


class EntitySource(Protocol):
    """What screening needs from the ledger."""

    def entities_at(self, lists: list[str] | None = None, at: datetime | None = None) -> Iterator[Entity]: ...

    def state_token(self) -> str: ...


class IndexCache:
    """Keeps the last few indexes, keyed by (ledger state token, lists, instant).

    A new snapshot changes the state token, so the next request rebuilds; old entries age out (LRU).
    """

    def __init__(self, max_entries: int = 2) -> None:
        self.max_entries = max_entries
        self._items: OrderedDict[tuple[str, tuple[str, ...], str], MatchIndex] = OrderedDict()
        self._lock = threading.Lock()
        self.builds = 0

    def get(
        self, source: EntitySource, lists: list[str] | None = None, at: datetime | None = None
    ) -> MatchIndex:
        key = (source.state_token(), tuple(sorted(lists or [])), at.isoformat() if at else "")
        with self._lock:
            found = self._items.get(key)
            if found is not None:
                self._items.move_to_end(key)
                return found
        entities = list(source.entities_at(lists=lists or None, at=at))
        if at is not None and isinstance(source, Ledger):
            entities, _ = adjust_for_actions(source, entities, lists, at)
        index = MatchIndex(entities)
        with self._lock:
            self.builds += 1
            self._items[key] = index
            while len(self._items) > self.max_entries:
                self._items.popitem(last=False)
        return index


DEFAULT_CACHE = IndexCache()
