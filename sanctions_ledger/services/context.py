"""The core services the API and the web pages call, built from one ledger.

Screening is the one screening service (:mod:`sanctions_ledger.screening.service`): indexes keyed on the
ledger's state and an instant, opened from the shared index file when another process built it; the ledger's
state is read again at most every ``SCREEN_CHECK_SECONDS``. Actions and statements are not services: the
routers and pages import their packages directly.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

from sanctions_ledger.errors import SanctionsError
from sanctions_ledger.ledger import Ledger
from sanctions_ledger.screening.service import ScreeningService

SCREEN_CHECK_SECONDS = 5.0

log = logging.getLogger("sanctions_ledger.api")


class ServiceUnavailableError(SanctionsError):
    """A part of the system this request needs is not available (not installed, or still starting)."""

    exit_code = 9
    http_status = 503


@dataclass
class Services:
    """What the API and web layers need, built once per app."""

    ledger: Ledger
    screening: ScreeningService


def build_services(ledger: Ledger) -> Services:
    # a server keeps the index's lookup tables in memory (every query reads them many times) and reads the
    # names and entities, most of the index, from the shared file as queries need them
    screening = ScreeningService(ledger, check_interval=SCREEN_CHECK_SECONDS, keys_in_memory=True)
    return Services(ledger=ledger, screening=screening)
