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
    db_url: str
    data_dir: Path

    @classmethod
    def from_env(cls, db_url: str | None = None) -> Settings:
        url = db_url or os.environ.get("SANCTIONS_DB") or default_db_url()
        data_dir = Path(os.environ.get("SANCTIONS_DATA_DIR") or user_data_dir(APP_NAME, appauthor=False))
        return cls(db_url=url, data_dir=data_dir)
