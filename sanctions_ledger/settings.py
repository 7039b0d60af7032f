"""Settings read from ``SANCTIONS_*`` environment variables, with command-line flags taking precedence."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

from platformdirs import user_data_dir

APP_NAME = "sanctions-ledger"


def default_db_url() -> str:
    """An SQLite file in the user's data directory."""
    data_dir = Path(user_data_dir(APP_NAME, appauthor=False))
    return f"sqlite:///{data_dir / 'ledger.db'}"


@dataclass(frozen=True)
class Settings:
    """``db_url``: the ledger's database. ``data_dir``: downloads and job files. ``monitor_on_load``:
    whether ``sanctions load``/``update`` re-screen the watchlists after loading
    (``SANCTIONS_MONITOR_ON_LOAD=0`` leaves that to a scheduled ``sanctions monitor run``)."""

    db_url: str
    data_dir: Path
    monitor_on_load: bool = True

    @classmethod
    def from_env(cls, db_url: str | None = None) -> Settings:
        url = db_url or os.environ.get("SANCTIONS_DB") or default_db_url()
        data_dir = Path(os.environ.get("SANCTIONS_DATA_DIR") or user_data_dir(APP_NAME, appauthor=False))
        monitor_on_load = os.environ.get("SANCTIONS_MONITOR_ON_LOAD", "1") != "0"
        return cls(db_url=url, data_dir=data_dir, monitor_on_load=monitor_on_load)
