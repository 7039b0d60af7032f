"""Writers of batch screening results: JSON lines, CSV or an Excel workbook, chosen by the file's extension.

Every writer takes the records :func:`sanctions_ledger.screening.batch.screen_row` returns, one per input
row, in order: ``open_writer(path)``, then ``write(record)`` for each, then ``close()`` (or use it as a
context manager). JSON lines hold the whole record; CSV and XLSX hold one row per record with the columns
of :data:`CSV_OUT` (the best match spelt out, every match as ``entity_id=score``).

Encoding a record is split from writing it (``writer.encode(record)`` is a plain function of the record,
``writer.write_encoded(item)`` does the I/O), so a batch can encode in its worker processes and write in
the parent.

Text that comes from the input or the lists never becomes a spreadsheet formula: in CSV a cell that starts
with ``=``, ``+``, ``-``, ``@``, a tab or a carriage return gets a leading ``'`` (what spreadsheets read as
"this is text"); in XLSX every text cell is written as a string cell, never a formula.
"""

from __future__ import annotations

import csv
import io
import json
import re
from collections.abc import Callable, Iterable
from pathlib import Path
from types import TracebackType
from typing import Any, ClassVar

from sanctions_ledger.errors import InputError

FORMATS = {".jsonl": "jsonl", ".json": "jsonl", ".csv": "csv", ".xlsx": "xlsx"}
"""Output file extension -> format."""

MEDIA_TYPES = {
    "jsonl": "application/x-ndjson",
    "csv": "text/csv; charset=utf-8",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}

CSV_OUT = (
    "id",
    "name",
    "error",
    "matches",
    "best_entity_id",
    "best_score",
    "best_name",
    "best_matched_name",
    "best_list",
    "best_programs",
    "all_matches",
)
"""The columns of a CSV or XLSX result, in order."""

SHEET_NAME = "screening"
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
_XLSX_ILLEGAL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f]")  # control characters a workbook cannot hold
_XLSX_MAX_TEXT = 32_767  # characters in one cell

Cell = str | int | float
Encode = Callable[[dict[str, Any]], Any]  # one record -> what a writer's write_encoded takes
Done = tuple[Any, bool, bool]  # (encoded record, error?, matches?)


def format_of(path: Path) -> str:
    """The format (``jsonl``, ``csv``, ``xlsx``) an output path asks for by its extension."""
    fmt = FORMATS.get(path.suffix.lower())
    if fmt is None:
        accepted = ", ".join(FORMATS)
        raise InputError(
            f"{path}: unknown output extension {path.suffix or '(none)'!r}; accepted: {accepted}",
            hint="name the output e.g. results.csv, results.xlsx or results.jsonl",
        )
    return fmt


def default_out_path(in_path: Path) -> Path:
    """Where a batch result goes when no output is named: ``<input stem>.screened.csv`` beside the input."""
    return in_path.with_name(f"{in_path.stem}.screened.csv")


def check_out_path(in_path: Path, out_path: Path) -> str:
    """The format ``out_path`` asks for; refuses an unknown extension, and an output that is the input
    file itself (the same path, or a link to it), which writing would destroy."""
    fmt = format_of(out_path)
    same = out_path.resolve() == in_path.resolve()
    if not same and out_path.exists() and in_path.exists():
        try:
            same = out_path.samefile(in_path)
        except OSError:
            same = False
    if same:
        raise InputError(
            f"{out_path}: the output would overwrite the input file {in_path}",
            hint="name another output with --out",
        )
    return fmt


def result_row(rec: dict[str, Any]) -> list[Cell]:
    """One record as the cells of a results table, in :data:`CSV_OUT` order: the number of matches and the
    best score as numbers (the score ``""`` when there is no match), the row id as the input gave it (the
    row number when it had none), text otherwise. Nothing is escaped here."""
    matches = rec.get("matches") or []
    best = matches[0] if matches else {}
    rid = rec.get("id", "")
    score = best.get("score", "")
    return [
        rid if isinstance(rid, int) else str(rid),
        str((rec.get("query") or {}).get("name", "")),
        str(rec.get("error", "")),
        len(matches),
        str(best.get("entity_id", "")),
        score if isinstance(score, int | float) else str(score),
        str(best.get("name", "")),
        str(best.get("matched_name", "")),
        str(best.get("list", "")),
        ";".join(best.get("programs", [])),
        " ".join(f"{m['entity_id']}={m['score']}" for m in matches),
    ]


def csv_text(value: str) -> str:
    """A text cell for CSV: a leading ``'`` when a spreadsheet would otherwise read it as a formula."""
    return "'" + value if value.startswith(FORMULA_START) else value


def encode_jsonl(rec: dict[str, Any]) -> str:
    """One record as a JSON line."""
    return json.dumps(rec, ensure_ascii=False, separators=(",", ":")) + "\n"


def encode_csv(rec: dict[str, Any]) -> str:
    """One record as a CSV line (the columns of :data:`CSV_OUT`), text guarded against formulas."""
    buf = io.StringIO()
    csv.writer(buf).writerow([csv_text(v) if isinstance(v, str) else v for v in result_row(rec)])
    return buf.getvalue()


def encode_xlsx(rec: dict[str, Any]) -> list[Cell]:
    """One record as the cells of a worksheet row: :func:`result_row` with the characters a workbook
    cannot hold replaced by U+FFFD and text cut to the 32,767 characters a cell holds."""
    return [_xlsx_text(v) if isinstance(v, str) else v for v in result_row(rec)]


def _xlsx_text(value: str) -> str:
    return _XLSX_ILLEGAL.sub("\ufffd", value)[:_XLSX_MAX_TEXT]


def encode_record(rec: dict[str, Any], encode: Encode) -> Done:
    """One record encoded by ``encode``, with whether it is an error and whether it has matches."""
    return encode(rec), "error" in rec, bool(rec.get("matches"))


def encode_row(rec: dict[str, Any], as_csv: bool) -> Done:
    """One record as a CSV line (``as_csv``) or a JSON line (see :func:`encode_record`)."""
    return encode_record(rec, encode_csv if as_csv else encode_jsonl)


class ResultWriter:
    """Writes the records of one batch to one file, in order. Subclasses say how one record is encoded
    (``encode``, a plain function that may run in another process) and written (``write_encoded``)."""

    format: ClassVar[str]

    def __init__(self, path: Path) -> None:
        self.path = path
        self.rows = 0

    @staticmethod
    def encode(rec: dict[str, Any]) -> Any:
        """One record as what :meth:`write_encoded` takes (a plain function: it may run in a worker)."""
        raise NotImplementedError

    def write(self, rec: dict[str, Any]) -> None:
        """Write one screened record."""
        self.write_encoded(type(self).encode(rec))

    def write_encoded(self, item: Any) -> None:
        """Write one record already encoded by ``encode``."""
        raise NotImplementedError

    def close(self) -> None:
        """Finish the file (a workbook is only readable once closed)."""
        raise NotImplementedError

    def __enter__(self) -> ResultWriter:
        return self

    def __exit__(
        self, et: type[BaseException] | None, ev: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.close()

    def _cannot(self, exc: OSError) -> InputError:
        return InputError(f"{self.path}: cannot write the output ({exc.strerror or exc})")


class _TextWriter(ResultWriter):
    """JSON lines and CSV: text, one line per record."""

    header: ClassVar[str | None] = None

    def __init__(self, path: Path) -> None:
        super().__init__(path)
        try:
            self._out = path.open("w", encoding="utf-8", newline="")
            if self.header is not None:
                self._out.write(self.header)
        except OSError as exc:
            raise self._cannot(exc) from exc

    def write_encoded(self, item: Any) -> None:
        self._out.write(item)
        self.rows += 1

    def close(self) -> None:
        try:
            self._out.close()
        except OSError as exc:
            raise self._cannot(exc) from exc


class JsonlWriter(_TextWriter):
    """One JSON object per line: the whole record."""

    format = "jsonl"
    encode = staticmethod(encode_jsonl)


class CsvWriter(_TextWriter):
    """A header line, then one line per record with the columns of :data:`CSV_OUT`."""

    format = "csv"
    encode = staticmethod(encode_csv)
    header = ",".join(CSV_OUT) + "\r\n"


class XlsxWriter(ResultWriter):
    """An Excel workbook with one sheet (``screening``): a frozen header row of :data:`CSV_OUT`, then one
    row per record; counts and scores are number cells, everything else string cells. Written in
    openpyxl's write-only mode, so memory stays flat however many rows there are."""

    format = "xlsx"
    encode = staticmethod(encode_xlsx)

    def __init__(self, path: Path) -> None:
        super().__init__(path)
        from openpyxl import Workbook
        from openpyxl.cell import WriteOnlyCell
        from openpyxl.styles import Font

        self._cell = WriteOnlyCell
        self._wb = Workbook(write_only=True)
        self._ws = self._wb.create_sheet(SHEET_NAME)
        self._ws.freeze_panes = "A2"
        for letter, width in zip("ABCDEFGHIJK", (14, 30, 30, 9, 18, 11, 30, 30, 14, 18, 40), strict=True):
            self._ws.column_dimensions[letter].width = width
        bold = Font(bold=True)
        head = []
        for title in CSV_OUT:
            c = WriteOnlyCell(self._ws, value=title)
            c.font = bold
            head.append(c)
        self._ws.append(head)
        # Fail now, not after screening every row, when the file cannot be written.
        try:
            path.open("wb").close()
        except OSError as exc:
            raise self._cannot(exc) from exc

    def write_encoded(self, item: Any) -> None:
        self._ws.append([(self._string_cell(v) if v else None) if isinstance(v, str) else v for v in item])
        self.rows += 1

    def _string_cell(self, value: str) -> Any:
        """A cell that holds ``value`` as text: openpyxl would write ``=...`` as a formula and ``#N/A`` as
        an error value, so the cell's type is set to string after the value."""
        if not value.startswith("=") and not value.startswith("#"):
            return value
        c = self._cell(self._ws, value=value)
        c.data_type = "s"
        return c

    def close(self) -> None:
        try:
            self._wb.save(self.path)
        except OSError as exc:
            raise self._cannot(exc) from exc


WRITERS: dict[str, type[ResultWriter]] = {w.format: w for w in (JsonlWriter, CsvWriter, XlsxWriter)}


def open_writer(path: Path, fmt: str | None = None) -> ResultWriter:
    """A writer of ``path`` in ``fmt`` (by default the format its extension asks for, see :data:`FORMATS`)."""
    return WRITERS[fmt or format_of(path)](path)


def convert_jsonl(src: Path, dest: Path, fmt: str | None = None) -> int:
    """Write the JSON-lines result ``src`` again as ``dest`` (CSV or XLSX by its extension, or ``fmt``);
    returns the rows written."""
    with src.open("r", encoding="utf-8") as f, open_writer(dest, fmt) as w:
        for line in f:
            if line.strip():
                w.write(json.loads(line))
        return w.rows


def write_all(path: Path, records: Iterable[dict[str, Any]]) -> int:
    """Write ``records`` to ``path`` in the format its extension asks for; returns the rows written."""
    with open_writer(path) as w:
        for rec in records:
            w.write(rec)
        return w.rows
