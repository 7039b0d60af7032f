"""Instants and dates with zones. A date alone is a day in a zone: the list authority's unless given."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from sanctions_ledger.errors import InputError

_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")


def zone(name: str) -> ZoneInfo:
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError) as exc:
        raise InputError(
            f"unknown time zone {name!r}", hint="use an IANA name such as America/New_York"
        ) from exc


def parse_instant(text: str, tz: str, *, end_of_day: bool = False, what: str = "time") -> datetime:
    """Parse a date (``2019-03-21``) or an ISO instant (``2019-03-22T13:20:00-04:00``, ``...Z``).

    A date is the start of that day in ``tz`` (or its last microsecond with ``end_of_day``). An instant
    without an offset is read in ``tz``. The result is aware and in UTC.
    """
    s = text.strip()
    if not s:
        raise InputError(f"empty {what}")
    z = zone(tz)
    if _DATE.match(s):
        try:
            d = date.fromisoformat(s)
        except ValueError as exc:
            raise InputError(f"invalid {what} {text!r}: {exc}") from exc
        local = datetime.combine(d, time.max if end_of_day else time.min, tzinfo=z)
        return local.astimezone(UTC)
    try:
        dt = datetime.fromisoformat(s.replace("Z", "+00:00").replace("z", "+00:00"))
    except ValueError as exc:
        raise InputError(
            f"invalid {what} {text!r}",
            hint="give a date YYYY-MM-DD or an ISO instant such as 2019-03-22T13:20:00-04:00",
        ) from exc
    if dt.tzinfo is None:
        dt = dt.replace(tzinfo=z)
    return dt.astimezone(UTC)


def day_bounds(d: date, tz: str) -> tuple[datetime, datetime]:
    """[start, end) of a local day in ``tz``, as UTC instants."""
    z = zone(tz)
    start = datetime.combine(d, time.min, tzinfo=z)
    end = datetime.combine(d + timedelta(days=1), time.min, tzinfo=z)
    return start.astimezone(UTC), end.astimezone(UTC)


def iso(dt: datetime | None) -> str | None:
    return dt.astimezone(UTC).isoformat().replace("+00:00", "Z") if dt else None
