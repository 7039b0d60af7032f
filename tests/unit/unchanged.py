"""A check the bad-input tests share: a refused load leaves the ledger as it was."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from sanctions_ledger.ledger import Ledger


def _state(ledger: Ledger) -> tuple[list[tuple[Any, ...]], Any]:
    snaps = [(s.id, s.list, s.entity_count, s.content_sha256) for s in ledger.snapshots()]
    return snaps, ledger.stats()


@contextmanager
def ledger_unchanged(ledger: Ledger) -> Iterator[None]:
    """The block must leave the ledger's snapshots (id, list, entity count, content hash) and its
    statistics as they were."""
    before = _state(ledger)
    yield
    assert _state(ledger) == before
