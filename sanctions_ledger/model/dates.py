"""Partial dates: a day, a month or a year, possibly approximate, possibly a range."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date
from typing import Any

PRECISIONS = ("day", "month", "year")

_ISO = re.compile(r"^(\d{4})(?:-(\d{2})(?:-(\d{2}))?)?$")


@dataclass(frozen=True, order=True)
class PartialDate:
    """A date known to a precision. ``value`` is ISO: ``YYYY``, ``YYYY-MM`` or ``YYYY-MM-DD``.

    ``circa`` marks "circa"/"approximately"; ``end`` (same format) makes it a range ``value``..``end``.
    ``text`` keeps the source text verbatim when the source said more than we could place.
    """

    value: str
    circa: bool = False
    end: str | None = None
    text: str | None = None

    def __post_init__(self) -> None:
        for v in (self.value, self.end):
            if v is not None and not _ISO.match(v):
                raise ValueError(f"not an ISO partial date: {v!r}")

    @property
    def precision(self) -> str:
        return PRECISIONS[2 - self.value.count("-")]

    @property
    def year(self) -> int:
        return int(self.value[:4])

    def years(self) -> tuple[int, int]:
        """First and last year this date may fall in."""
        last = int(self.end[:4]) if self.end else self.year
        return self.year, last

    @classmethod
    def of(cls, year: int, month: int | None = None, day: int | None = None, **kw: Any) -> PartialDate:
        if month is None:
            return cls(f"{year:04d}", **kw)
        if day is None:
            date(year, month, 1)  # validates month
            return cls(f"{year:04d}-{month:02d}", **kw)
        date(year, month, day)  # validates
        return cls(f"{year:04d}-{month:02d}-{day:02d}", **kw)

    def to_dict(self) -> dict[str, Any]:
        d: dict[str, Any] = {"value": self.value, "precision": self.precision}
        if self.circa:
            d["circa"] = True
        if self.end:
            d["end"] = self.end
        if self.text:
            d["text"] = self.text
        return d

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> PartialDate:
        return cls(value=d["value"], circa=bool(d.get("circa", False)), end=d.get("end"), text=d.get("text"))

    def __str__(self) -> str:
        s = ("circa " if self.circa else "") + self.value
        return f"{s} to {self.end}" if self.end else s
