"""Free-text dates as the spreadsheet lists write them, and Excel cells that hold dates.

``a) Approximately 1955- 1958 b) 12 Dec. 1960; alt DOB: 01/02/1961`` -> several :class:`PartialDate`; a
piece no rule places is returned verbatim so the caller can keep it (never dropped).
"""

from __future__ import annotations

import re
from datetime import date, datetime, timedelta

from sanctions_ledger.model import PartialDate

_MONTHS = {
    m: i
    for i, m in enumerate(
        ("jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"), start=1
    )
}
_ENUM = re.compile(r"(?:^|\s|;)\(?[a-h]\)\s*|\(\d+\)\s*")
_SEPARATORS = re.compile(r";|\balt\.? DOB:?|>>|\n|\bor\b", re.IGNORECASE)
_CIRCA = re.compile(r"^(?:approximately|approx\.?|circa|c\.|about|around)\s*", re.IGNORECASE)
_YEAR = re.compile(r"^(\d{4})$")
_RANGE = re.compile(r"^(?:between\s+)?(\d{4})\s*(?:-|–|to|and)\s*(\d{4})$", re.IGNORECASE)
_DMY = re.compile(r"^(\d{1,2})[/.\-](\d{1,2})[/.\-](\d{4})$")
_ISO = re.compile(r"^(\d{4})-(\d{1,2})-(\d{1,2})(?:[ T]00:00:00)?$")
_YM_ISO = re.compile(r"^(\d{4})-(\d{1,2})$")
_D_MON_Y = re.compile(r"^(?:(\d{1,2})\s*)?([A-Za-z]{3,})\.?,?\s*(\d{4})$")
_MON_D_Y = re.compile(r"^([A-Za-z]{3,})\.?\s+(\d{1,2}),?\s+(\d{4})$")
_JP = re.compile(r"^(\d{4})年(?:(\d{1,2})月(?:(\d{1,2})日)?)?(?:頃)?$")
_JP_RANGE = re.compile(r"^(\d{4})年?\s*[-～~]\s*(\d{4})年(?:頃)?$")
_EXCEL_EPOCH = date(1899, 12, 30)
_FULLWIDTH = str.maketrans("０１２３４５６７８９．／－", "0123456789./-")


def excel_serial(value: float) -> date | None:
    """An Excel 1900-system serial (``41988`` = 2014-12-15) as a date; ``None`` out of a sane range."""
    if not 1 <= value < 2958466:
        return None
    return _EXCEL_EPOCH + timedelta(days=int(value))


def cell_date(value: object) -> str | None:
    """ISO day of a spreadsheet cell holding a date, a datetime, an Excel serial or ISO/dd/mm/yyyy text."""
    if isinstance(value, datetime):
        return value.date().isoformat()
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        d = excel_serial(float(value))
        return d.isoformat() if d else None
    if isinstance(value, str):
        pd = one_date(value)
        return pd.value if pd is not None and pd.precision == "day" else None
    return None


def _month(text: str) -> int | None:
    return _MONTHS.get(text[:3].lower())


def _of(
    year: int, month: int | None = None, day: int | None = None, circa: bool = False
) -> PartialDate | None:
    try:
        return PartialDate.of(year, month, day, circa=circa)
    except ValueError:
        return None


def one_date(text: str) -> PartialDate | None:
    """One date in one of the shapes the lists use; ``None`` if it is none of them."""
    t = text.translate(_FULLWIDTH).strip().strip(".,;:").strip()
    circa = False
    if m := _CIRCA.match(t):
        circa, t = True, t[m.end() :].strip()
    if t.endswith("頃"):
        circa = True
    if m := _YEAR.match(t):
        return _of(int(m[1]), circa=circa)
    if m := _RANGE.match(t):
        lo, hi = m[1], m[2]
        return PartialDate(lo, circa=circa, end=hi) if lo <= hi else None
    if m := _JP_RANGE.match(t):
        return PartialDate(m[1], circa=circa, end=m[2]) if m[1] <= m[2] else None
    if m := _ISO.match(t):
        return _of(int(m[1]), int(m[2]), int(m[3]), circa)
    if m := _YM_ISO.match(t):
        return _of(int(m[1]), int(m[2]), circa=circa)
    if m := _DMY.match(t):
        d, mo = int(m[1]), int(m[2])
        if d == 0 and mo == 0:
            return _of(int(m[3]), circa=circa)
        return _of(int(m[3]), mo or None, d or None, circa) if mo else None
    if m := _JP.match(t):
        return _of(int(m[1]), int(m[2]) if m[2] else None, int(m[3]) if m[3] else None, circa)
    if (m := _D_MON_Y.match(t)) and (month := _month(m[2])):
        return _of(int(m[3]), month, int(m[1]) if m[1] else None, circa)
    if (m := _MON_D_Y.match(t)) and (month := _month(m[1])):
        return _of(int(m[3]), month, int(m[2]), circa)
    return None


def split_pieces(text: str) -> list[str]:
    """``a) X b) Y`` / ``X; alt DOB: Y`` -> ``["X", "Y"]`` (empty pieces dropped)."""
    out = []
    for part in _ENUM.split(text):
        for piece in _SEPARATORS.split(part):
            piece = " ".join(piece.split()).strip(" ,;")
            if piece:
                out.append(piece)
    return out


def parse_dates(text: str) -> tuple[list[PartialDate], list[str]]:
    """Every date in a free-text cell, and the pieces that are no date (verbatim)."""
    dates: list[PartialDate] = []
    rest: list[str] = []
    for piece in split_pieces(text):
        pd = one_date(piece)
        if pd is None:
            rest.append(piece)
        elif pd not in dates:
            dates.append(pd)
    return dates, rest


def first_date_after_on(text: str) -> str | None:
    """The first full date in a "Listed on 25 January 2001 (amended on ...)" text, as ISO."""
    for m in re.finditer(
        r"\b(\d{1,2}\s+[A-Za-z]{3,}\.?,?\s+\d{4}|\d{1,2}/\d{1,2}/\d{4}|\d{4}-\d{2}-\d{2})", text
    ):
        pd = one_date(m.group(1))
        if pd is not None and pd.precision == "day":
            return pd.value
    return None
