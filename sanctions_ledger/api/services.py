"""The core services the API and the web pages call, built from one ledger.

Screening keeps one in-memory index over the latest snapshot of every list and rebuilds it when the ledger
changes (checked at most every ``check_interval`` seconds). Actions and statements are not services: the
routers and pages import their packages directly.
"""

from __future__ import annotations

import logging
import threading
import time
from dataclasses import dataclass
from typing import Any

from sanctions_ledger.errors import SanctionsError
from sanctions_ledger.ledger import Ledger

log = logging.getLogger("sanctions_ledger.api")


class ServiceUnavailableError(SanctionsError):
    """A part of the system this request needs is not available (not installed, or still starting)."""

    exit_code = 9
    http_status = 503


class ScreeningService:
    """A :class:`~sanctions_ledger.screening.Screener` over the ledger, rebuilt when the ledger changes."""

    def __init__(self, ledger: Ledger, check_interval: float = 5.0) -> None:
        self.ledger = ledger
        self.check_interval = check_interval
        self._lock = threading.Lock()
        self._screener: Any = None
        self._token: str | None = None
        self._checked = 0.0
        self.built_at: float | None = None
        self.entities = 0

    @property
    def ready(self) -> bool:
        return self._screener is not None

    def _build(self) -> Any:
        try:
            from sanctions_ledger.matching.index import MatchIndex
            from sanctions_ledger.screening import Screener
        except ImportError as exc:  # pragma: no cover - screening is part of the package
            raise ServiceUnavailableError("screening is not available in this installation") from exc
        started = time.perf_counter()
        entities = list(self.ledger.entities_at())
        screener = Screener(MatchIndex(entities))
        self.entities = len(entities)
        log.info("screening index: %d entities in %.1f s", len(entities), time.perf_counter() - started)
        return screener

    def current(self) -> Any | None:
        """The screener when it is built and was checked against the ledger recently, else None (then call
        :meth:`screener`, which may query the database or rebuild: not on the event loop)."""
        s = self._screener
        if s is not None and time.monotonic() - self._checked < self.check_interval:
            return s
        return None

    def screener(self) -> Any:
        now = time.monotonic()
        s = self._screener
        if s is not None and now - self._checked < self.check_interval:
            return s
        with self._lock:
            if self._screener is not None and now - self._checked < self.check_interval:
                return self._screener
            token = self.ledger.state_token()
            if self._screener is None or token != self._token:
                self._screener = self._build()
                self._token = token
                self.built_at = time.time()
            self._checked = time.monotonic()
            return self._screener

    def query(self, **values: Any) -> Any:
        from sanctions_ledger.screening import ScreeningQuery

        return ScreeningQuery.build(**values)

    def screen(self, query: Any) -> Any:
        """Screen a :class:`~sanctions_ledger.screening.ScreeningQuery`; a ScreeningResult."""
        return self.screener().screen(query)


@dataclass
class Services:
    """What the API and web layers need, built once per app."""

    ledger: Ledger
    screening: ScreeningService


def build_services(ledger: Ledger) -> Services:
    return Services(ledger=ledger, screening=ScreeningService(ledger))
