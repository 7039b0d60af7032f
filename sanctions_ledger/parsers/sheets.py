"""Reading spreadsheets (.xlsx and legacy .xls) with python-calamine, one row at a time.

Chosen by measurement (``bench/formats_bench.py --readers``, docs/BENCHMARKS.md "Formats"): reading
every row of the real DFAT xlsx (9,560 rows) takes 0.28 s against 3.4 s for openpyxl's read-only mode, and
the real MOF .xls (39 sheets) 0.08 s against 0.46 s for xlrd, with less memory. One library covers both
formats. Rows are yielded with their 1-based spreadsheet row number, so errors can name the row as Excel
shows it.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

from python_calamine import CalamineError, CalamineWorkbook

from sanctions_ledger.errors import ParseError


def open_book(path: Path) -> CalamineWorkbook:
    try:
        return CalamineWorkbook.from_path(str(path))
    except (CalamineError, OSError, ValueError) as exc:
        raise ParseError(
            f"cannot read the spreadsheet: {exc}",
            path=path,
            hint="the file may be truncated, damaged or not a spreadsheet; fetch it again",
        ) from None


def rows(book: CalamineWorkbook, sheet: str, path: Path) -> Iterator[tuple[int, list[Any]]]:
    """(1-based row number, cells) for every row of ``sheet``, empty rows included."""
    try:
        ws = book.get_sheet_by_name(sheet)
        for i, cells in enumerate(ws.iter_rows(), start=ws.start[0] + 1 if ws.start else 1):
            yield i, list(cells)
    except (CalamineError, ValueError) as exc:
        raise ParseError(f"cannot read sheet {sheet!r}: {exc}", path=path) from None


def text(value: Any) -> str:
    """A cell as stripped text; whole floats lose their ``.0``; ``None`` is ``""``."""
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return " ".join(str(value).replace("\u3000", " ").split())
