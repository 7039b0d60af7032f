"""Times as people give them for events: an instant with an offset, a local time in a named zone, or a
local day or month in a zone (kept with its precision). Never a time without a zone."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, time, timedelta, timezone, tzinfo

from sanctions_ledger.errors import InputError
from sanctions_ledger.model.times import zone

_FIXED = re.compile(r"^UTC([+-])(\d{2}):(\d{2})$")
_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
_MONTH = re.compile(r"^\d{4}-\d{2}$")
_HAS_OFFSET = re.compile(r"(Z|z|[+-]\d{2}:?\d{2})$")


def tz_for(name: str) -> tzinfo:
    """An IANA zone, ``UTC``, or a fixed offset written ``UTC+09:00``."""
    m = _FIXED.match(name)
    if m:
        sign = 1 if m.group(1) == "+" else -1
        return timezone(sign * timedelta(hours=int(m.group(2)), minutes=int(m.group(3))))
    if name == "UTC":
        return UTC
    return zone(name)


def offset_name(dt: datetime) -> str:
    off = dt.utcoffset() or timedelta(0)
    if off == timedelta(0):
        return "UTC"
    total = int(off.total_seconds()) // 60
    sign = "+" if total >= 0 else "-"
    total = abs(total)
    return f"UTC{sign}{total // 60:02d}:{total % 60:02d}"


def parse_when(text: str, tz: str | None, *, what: str = "--at") -> tuple[datetime, str, str]:
    """Parse an event time. Returns ``(utc instant, zone name, precision)``.

    - ``2019-03-21T13:40:00-04:00`` (offset): that instant; the zone is ``tz`` when given (it must agree with
      the offset), else the offset itself (``UTC-04:00``).
    - ``2019-03-21T13:40`` (no offset): needs ``tz``; a local time there.
    - ``2019-03-21``: needs ``tz``; that local day (precision ``day``). ``2019-03``: a month.
    """
    s = text.strip()
    if not s:
        raise InputError(f"empty {what}")
    if _MONTH.match(s) or _DATE.match(s):
        if not tz:
            raise InputError(
                f"{what} {text!r} is a date without a zone",
                hint="add --tz ZONE (e.g. --tz America/New_York): a date is a local day in a zone",
            )
        z = tz_for(tz)
        try:
            d = date.fromisoformat(s + "-01" if _MONTH.match(s) else s)
        except ValueError as exc:
            raise InputError(f"invalid {what} {text!r}: {exc}") from exc
        precision = "month" if _MONTH.match(s) else "day"
        return datetime.combine(d, time.min, tzinfo=z).astimezone(UTC), tz, precision
    try:
        dt = datetime.fromisoformat(s.replace("Z", "+00:00").replace("z", "+00:00"))
    except ValueError as exc:
        raise InputError(
            f"invalid {what} {text!r}",
            hint="give an ISO instant such as 2019-03-21T13:40:00-04:00, or a date 2019-03-21 with --tz",
        ) from exc
    precision = "instant" if (dt.second or dt.microsecond) else "minute"
    if dt.tzinfo is None:
        if not tz:
            raise InputError(
                f"{what} {text!r} has no time zone",
                hint="add an offset (2019-03-21T13:40:00-04:00) or --tz ZONE (e.g. --tz America/New_York)",
            )
        dt = dt.replace(tzinfo=tz_for(tz))
        return dt.astimezone(UTC), tz, precision
    if tz:
        local = dt.astimezone(tz_for(tz))
        if local.utcoffset() != dt.utcoffset():
            raise InputError(
                f"{what} {text!r}: offset {offset_name(dt)} does not match {tz} at that time "
                f"({offset_name(local)})",
                hint="drop --tz or the offset, or fix one of them",
            )
        return dt.astimezone(UTC), tz, precision
    return dt.astimezone(UTC), offset_name(dt), precision


def parse_instant_strict(text: str, *, what: str = "--at") -> datetime:
    """An ISO instant that must carry its offset (``Z`` or ``-04:00``): no silent default zone."""
    s = text.strip()
    if not _HAS_OFFSET.search(s) or "T" not in s.upper():
        raise InputError(
            f"{what} {text!r} has no time zone",
            hint="give an instant with its offset, e.g. 2019-03-22T13:20:00-04:00 or 2019-03-22T17:20:00Z",
        )
    try:
        dt = datetime.fromisoformat(s.replace("Z", "+00:00").replace("z", "+00:00"))
    except ValueError as exc:
        raise InputError(f"invalid {what} {text!r}", hint="e.g. 2019-03-22T13:20:00-04:00") from exc
    if dt.tzinfo is None:  # pragma: no cover - guarded by the regex
        raise InputError(f"{what} {text!r} has no time zone")
    return dt.astimezone(UTC)
