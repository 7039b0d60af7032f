"""Resolve time expressions with dateparser, relative to the statement's instant as seen in a zone.

The same words can name different dates in different zones: at 2019-03-22T09:00+09:00 "today" is
Friday 22 March in Seoul and Thursday 21 March in Washington. Each expression is resolved once per zone.
"""

from __future__ import annotations

import calendar
import re
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from dateparser.date import DateDataParser

from sanctions_ledger.actions.timeinput import tz_for

_WEEKDAY_ONLY = re.compile(
    r"^(?:on\s+)?(monday|tuesday|wednesday|thursday|friday|saturday|sunday)$", re.IGNORECASE
)
_REWRITES = [
    (re.compile(r"^last\s+night$", re.IGNORECASE), "yesterday"),
    (re.compile(r"^this\s+(?:morning|afternoon|evening)$|^tonight$", re.IGNORECASE), "today"),
    (re.compile(r"^(?:earlier|later)\s+this\s+week$", re.IGNORECASE), "this week"),
    (re.compile(r"^past\s+week$", re.IGNORECASE), "last week"),
    (re.compile(r"^past\s+month$", re.IGNORECASE), "last month"),
    (re.compile(r"(\d)(?:st|nd|rd|th)\b"), r"\1"),
    (re.compile(r"\bof\s+", re.IGNORECASE), ""),
]


@dataclass(frozen=True)
class Resolution:
    zone: str
    role: str  # author | authority
    base: datetime  # the statement's instant, local in ``zone``
    start: date
    end: date  # inclusive
    period: str  # day | week | month

    def to_dict(self) -> dict[str, Any]:
        return {
            "zone": self.zone,
            "role": self.role,
            "base": self.base.isoformat(),
            "start": self.start.isoformat(),
            "end": self.end.isoformat(),
            "period": self.period,
        }

    def label(self) -> str:
        if self.start == self.end:
            return f"{self.start.strftime('%A')} {self.start.day} {self.start.strftime('%B %Y')}"
        return f"{self.start.isoformat()} to {self.end.isoformat()}"


def _normalize(expr: str) -> str:
    s = " ".join(expr.split())
    for pat, repl in _REWRITES:
        s = pat.sub(repl, s)
    return s.strip()


def resolve(expr: str, at: datetime, zone: str, role: str) -> Resolution | None:
    """The date range ``expr`` names for someone in ``zone`` at instant ``at``; ``None`` if not a date."""
    base = at.astimezone(tz_for(zone))
    text = _normalize(expr)
    weekday_only = bool(_WEEKDAY_ONLY.match(text))
    if weekday_only:
        text = _WEEKDAY_ONLY.sub(r"\1", text)
    settings = {
        "RELATIVE_BASE": base.replace(tzinfo=None),
        # a bare weekday in a past-tense statement is this week's (today included), else the last one
        "PREFER_DATES_FROM": "current_period" if weekday_only else "past",
        "RETURN_AS_TIMEZONE_AWARE": False,
        "PREFER_DAY_OF_MONTH": "first",
    }
    parser = DateDataParser(languages=["en"], settings=settings)
    data = parser.get_date_data(text)
    if data.date_obj is None:
        return None
    d = data.date_obj.date()
    period = data.period or "day"
    if weekday_only and d > base.date():  # "Saturday", said on a Friday, is the last one
        data = DateDataParser(
            languages=["en"], settings={**settings, "PREFER_DATES_FROM": "past"}
        ).get_date_data(text)
        if data.date_obj is None:  # pragma: no cover
            return None
        d = data.date_obj.date()
    if period == "week":
        start = d - timedelta(days=d.weekday())
        return Resolution(zone, role, base, start, start + timedelta(days=6), "week")
    if period == "month":
        last = calendar.monthrange(d.year, d.month)[1]
        return Resolution(zone, role, base, d.replace(day=1), d.replace(day=last), "month")
    if period == "year":
        return Resolution(zone, role, base, date(d.year, 1, 1), date(d.year, 12, 31), "year")
    return Resolution(zone, role, base, d, d, "day")
