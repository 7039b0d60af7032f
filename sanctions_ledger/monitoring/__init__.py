"""Ongoing monitoring: watchlists of customers re-screened when a list changes, alerts and their review.

See docs/monitoring.md. The pieces: :mod:`.records` (watchlist files), :mod:`.engine` (decomposable
screening: delta == full), :mod:`.monitor` (watchlists, delta and full runs), :mod:`.alerts` (alerts and
decisions). Large re-screens run on any executor of :mod:`sanctions_ledger.screening.executors`.
"""

from sanctions_ledger.matching.index import Baseline
from sanctions_ledger.monitoring.alerts import DECISIONS, decide, get_alert, list_alerts
from sanctions_ledger.monitoring.engine import Hit, MonitorIndex, Work, screen_records
from sanctions_ledger.monitoring.monitor import Monitor
from sanctions_ledger.monitoring.records import CustomerRecord, WatchlistFileError, read_records

__all__ = [
    "DECISIONS",
    "Baseline",
    "CustomerRecord",
    "Hit",
    "Monitor",
    "MonitorIndex",
    "WatchlistFileError",
    "Work",
    "decide",
    "get_alert",
    "list_alerts",
    "read_records",
    "screen_records",
]
