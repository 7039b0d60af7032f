"""Screening: queries against a matching index, one at a time or a file in a batch."""

from sanctions_ledger.screening.query import ScreeningQuery
from sanctions_ledger.screening.screen import (
    DEFAULT_LIMIT,
    DEFAULT_THRESHOLD,
    Match,
    Screener,
    ScreeningResult,
)

__all__ = ["DEFAULT_LIMIT", "DEFAULT_THRESHOLD", "Match", "Screener", "ScreeningQuery", "ScreeningResult"]
