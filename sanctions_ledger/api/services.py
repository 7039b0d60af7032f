"""The core services the API and the web pages call, built from one ledger.

Screening is the one screening service (:mod:`sanctions_ledger.screening.service`): indexes keyed on the
ledger's state and an instant, opened from the shared index file when another process built it; the ledger's
state is read again at most every ``SCREEN_CHECK_SECONDS``. Actions and statements come from their own
packages; when a package is not installed the service answers 503 with a clear message instead of
failing at import time.
"""

from __future__ import annotations

import importlib
import logging
from dataclasses import dataclass, field
from typing import Any

from sanctions_ledger.errors import SanctionsError
from sanctions_ledger.ledger import Ledger
from sanctions_ledger.screening.service import ScreeningService

SCREEN_CHECK_SECONDS = 5.0

log = logging.getLogger("sanctions_ledger.api")


class ServiceUnavailableError(SanctionsError):
    """A part of the system this request needs is not available (not installed, or still starting)."""

    exit_code = 9
    http_status = 503


def _optional(module: str) -> Any | None:
    try:
        return importlib.import_module(module)
    except ModuleNotFoundError as exc:
        if exc.name and module.startswith(exc.name):
            return None
        raise


@dataclass
class Services:
    """What the API and web layers need, built once per app."""

    ledger: Ledger
    screening: ScreeningService
    extras: dict[str, Any] = field(default_factory=dict)

    def module(self, name: str, what: str) -> Any:
        """An optional core package (``actions``, ``statements``), or 503 when it is not installed."""
        mod = self.extras.get(name)
        if mod is None:
            mod = _optional(f"sanctions_ledger.{name}")
            if mod is None:
                raise ServiceUnavailableError(
                    f"{what} is not available in this installation",
                    hint=f"the sanctions_ledger.{name} package is missing",
                )
            self.extras[name] = mod
        return mod


def build_services(ledger: Ledger) -> Services:
    return Services(ledger=ledger, screening=ScreeningService(ledger, check_interval=SCREEN_CHECK_SECONDS))
