"""HTTP API settings, from ``SANCTIONS_API_*`` environment variables (arguments to ``create_app`` win)."""

from __future__ import annotations

import os
from dataclasses import dataclass, field, replace
from typing import Any

from sanctions_ledger.errors import ConfigError
from sanctions_ledger.screening.limits import MAX_FILE_ROWS, MAX_QUERIES_PER_REQUEST


def _int(name: str, default: int) -> int:
    raw = os.environ.get(name)
    if raw is None or raw.strip() == "":
        return default
    try:
        value = int(raw)
    except ValueError as exc:
        raise ConfigError(f"{name}={raw!r} is not a whole number") from exc
    if value <= 0:
        raise ConfigError(f"{name} must be positive, not {value}")
    return value


def _flag(name: str, default: bool = False) -> bool:
    raw = os.environ.get(name, "").strip().lower()
    if not raw:
        return default
    if raw in ("1", "true", "yes", "on"):
        return True
    if raw in ("0", "false", "no", "off"):
        return False
    raise ConfigError(f"{name}={raw!r} is not on or off", hint="use 1/0, true/false, yes/no or on/off")


@dataclass(frozen=True)
class ApiSettings:
    """What the API allows. Defaults suit a server inside a compliance team's network."""

    read_requires_key: bool = False
    max_json_bytes: int = 1_000_000
    max_upload_bytes: int = 50_000_000
    batch_max_queries: int = MAX_QUERIES_PER_REQUEST
    max_jobs: int = 4  # jobs queued or running at once
    job_rows_max: int = MAX_FILE_ROWS
    cors_origins: tuple[str, ...] = ()
    jobs_dir: str | None = None  # default: a temporary folder (`sanctions serve` sets one it keeps)
    jobs_keep: int = 50  # finished jobs kept (with their files); older ones are removed
    session_hours: float = 8.0  # a web sign-in lasts this long (SANCTIONS_WEB_SESSION_HOURS)
    extra: dict[str, Any] = field(default_factory=dict)

    @classmethod
    def from_env(cls, **overrides: Any) -> ApiSettings:
        origins = tuple(
            o.strip() for o in os.environ.get("SANCTIONS_API_CORS_ORIGINS", "").split(",") if o.strip()
        )
        s = cls(
            read_requires_key=_flag("SANCTIONS_API_READ_REQUIRES_KEY"),
            max_json_bytes=_int("SANCTIONS_API_MAX_JSON_BYTES", cls.max_json_bytes),
            max_upload_bytes=_int("SANCTIONS_API_MAX_UPLOAD_BYTES", cls.max_upload_bytes),
            batch_max_queries=_int("SANCTIONS_API_BATCH_MAX", cls.batch_max_queries),
            max_jobs=_int("SANCTIONS_API_MAX_JOBS", cls.max_jobs),
            cors_origins=origins,
            jobs_dir=os.environ.get("SANCTIONS_API_JOBS_DIR") or None,
            jobs_keep=_int("SANCTIONS_API_JOBS_KEEP", cls.jobs_keep),
            session_hours=_int("SANCTIONS_WEB_SESSION_HOURS", int(cls.session_hours)),
        )
        return replace(s, **overrides) if overrides else s
