"""OFSI Consolidated List, "2022 format": ``ConList.xlsx`` (format ``uk-ofsi-xlsx``) and ``ConList.csv``
(format ``uk-ofsi-csv``: the same columns, UTF-8 or Windows-1252 text; told from the 2016 CSV layout by
its header, which has ``Alias Quality`` and ``Passport Number``).

The same list as the 2016-layout ``ConList.csv`` (:mod:`~sanctions_ledger.parsers.uk_hmt`), so it is
stored under the same list, ``uk-hmt``, with ``source_id`` = Group ID: its history runs on from the 2016
files. (``uk-ofsi`` is accepted as another name of that list, see :mod:`sanctions_ledger.parsers.aliases`.)

Layout: row 1 ``Last Updated | dd/mm/yyyy``, row 2 the header (36 columns), then one row per name of a
target; rows are grouped by ``Group ID`` exactly as in the CSV, with the CSV parser's row grouper. The
2022 format adds, and this module maps:

* ``Passport Number`` / ``Passport Details`` and ``National Identification Number`` / ``... Details``:
  numbers and details are both enumerated ``(1) .. (2) ..``; number *n* gets detail *n* as its note
  (a lone detail without numbering goes to a lone number); identifiers are kept once per (type, number).
* ``Name Non-Latin Script`` -> an ``original_script`` name (script detected), with ``Non-Latin Script
  Type``/``Language`` in properties.
* ``Alias Quality`` ``Low quality`` -> the alias is ``weak``.
* ``Other Information``: the ``(UK Sanctions List Ref):RUS1831`` it carries -> ``properties
  ["uk_sanctions_list_ref"]`` (the FCDO UniqueID, i.e. the entity ``uk-fcdo:RUS1831``).
* ``UK Sanctions List Date Designated`` -> ``properties["uk_sanctions_list_date_designated"]``.

The workbook is read with python-calamine (chosen over openpyxl's read-only mode by measurement: see
docs/BENCHMARKS.md, "Formats"). Cells may hold text, numbers or dates: a date column accepts a datetime
cell, an Excel serial number (1900 date system) or text ``dd/mm/yyyy`` / ``yyyy-mm-dd``.
"""

from __future__ import annotations

import csv
import dataclasses
import io
import re
import zipfile
from collections.abc import Iterator
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from python_calamine import CalamineWorkbook

from sanctions_ledger.errors import ParseError
from sanctions_ledger.model import Entity, Identifier, Name
from sanctions_ledger.parsers.base import ParsedList, read_text, reject_nul, require_nonempty
from sanctions_ledger.parsers.records import one_file_list
from sanctions_ledger.parsers.uk_hmt import _Reader as _CsvRowGrouper
from sanctions_ledger.parsers.un_xml import detect_script
from sanctions_ledger.parsers.xmlsafe import clean

FORMAT = "uk-ofsi-xlsx"
FORMAT_CSV = "uk-ofsi-csv"
ENCODINGS = ("utf-8", "cp1252")
ZONE = "Europe/London"
REQUIRED = ("Name 6", "Group Type", "Alias Type", "Group ID")
DATE_COLUMNS = ("DOB", "Listed On", "UK Sanctions List Date Designated", "Last Updated")
# the 2022 columns this module maps itself; the CSV grouper gets them blanked out
OWN = (
    "Passport Number",
    "Passport Details",
    "National Identification Number",
    "National Identification Details",
    "Name Non-Latin Script",
    "Non-Latin Script Type",
    "Non-Latin Script Language",
    "Alias Quality",
    "UK Sanctions List Date Designated",
)
_EXCEL_EPOCH = date(1899, 12, 30)
# transitional and strict OOXML
SPREADSHEET_NAMESPACES = (
    b"http://schemas.openxmlformats.org/spreadsheetml/2006/main",
    b"http://purl.oclc.org/ooxml/spreadsheetml/main",
)
_DMY = re.compile(r"^(\d{1,2})/(\d{1,2})/(\d{4})$")
_ISO = re.compile(r"^(\d{4})-(\d{2})-(\d{2})(?:[ T][\d:.]+)?$")
_YEAR = re.compile(r"^\d{4}$")
_MONTH_YEAR = re.compile(r"^(\d{1,2})/(\d{4})$")
_ENUM = re.compile(r"\((\d{1,2})\)")
_REF = re.compile(r"\(UK Sanctions List Ref\)\s*:\s*([A-Z]{2,4}\d{2,5})")


def sniff_xlsx(path: Path) -> tuple[str, str] | None:
    """``("uk-ofsi-xlsx", "uk-hmt")`` when this zip is an OFSI ConList workbook, else ``None``.

    Cheap: reads the start of the shared-strings part, where the header texts come first."""
    try:
        with zipfile.ZipFile(path) as zf, zf.open("xl/sharedStrings.xml") as f:
            head = f.read(1 << 16)
    except zipfile.BadZipFile as exc:
        raise ParseError(
            f"damaged or truncated zip (.xlsx) file: {exc}", path=path, hint="fetch the file again"
        ) from None
    except (KeyError, OSError):
        return None
    if not (b"Group ID" in head and b"Alias Type" in head and b"Last Updated" in head):
        return None
    if not any(ns in head for ns in SPREADSHEET_NAMESPACES):
        m = re.search(rb'xmlns="([^"]*)"', head)
        raise ParseError(
            f"part xl/sharedStrings.xml is in namespace {m[1].decode(errors='replace') if m else 'none'!r}, "
            "not SpreadsheetML",
            path=path,
            hint="is this workbook damaged, or written by a tool that does not write OOXML?",
        )
    return FORMAT, "uk-hmt"


def cell_text(value: object) -> str:
    """A cell as text: numbers without a spurious ``.0``, dates ISO, None as ``""``."""
    if type(value) is str:  # the common case first: most cells are text or empty
        return " ".join(value.split()) if value else ""
    if value is None:
        return ""
    if isinstance(value, bool):
        return str(value).lower()
    if isinstance(value, float):
        return str(int(value)) if value.is_integer() else repr(value)
    if isinstance(value, datetime):
        return value.date().isoformat() if value.time() == datetime.min.time() else value.isoformat()
    if isinstance(value, date):
        return value.isoformat()
    return clean(str(value))


def cell_date(value: object) -> str | None:
    """ISO ``YYYY-MM-DD`` of a date cell (datetime, Excel serial number, ``dd/mm/yyyy`` or ISO text);
    ``None`` when the cell is not a full valid date."""
    if isinstance(value, datetime):
        return value.date().isoformat()
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, int | float) and not isinstance(value, bool):
        if not 1 <= value < 2958466:  # 1900-01-01 .. 9999-12-31
            return None
        return (_EXCEL_EPOCH + timedelta(days=int(value))).isoformat()
    text = cell_text(value)
    try:
        if m := _DMY.match(text):
            return date(int(m[3]), int(m[2]), int(m[1])).isoformat()
        if m := _ISO.match(text):
            return date(int(m[1]), int(m[2]), int(m[3])).isoformat()
    except ValueError:
        return None
    return None


def enumerated(text: str) -> dict[int, str]:
    """``(1) A (2) B`` -> ``{1: "A", 2: "B"}``; text without numbering -> ``{1: text}``; pieces that are
    empty or only ``-`` are dropped (their numbers stay, so numbers and details still pair up)."""
    text = clean(text)
    if not text:
        return {}
    parts = _ENUM.split(text)
    if len(parts) == 1 or parts[0].strip(" -.,;"):
        return {1: text} if text.strip(" -.,;") else {}
    out: dict[int, str] = {}
    for num, piece in zip(parts[1::2], parts[2::2], strict=True):
        piece = piece.strip(" ,;")
        if piece.strip(" -.") and int(num) not in out:
            out[int(num)] = piece
    return out


# the columns that differ between the name rows of one target; the others are its facts
_NAME_COLUMNS = frozenset(
    {
        "Name 1",
        "Name 2",
        "Name 3",
        "Name 4",
        "Name 5",
        "Name 6",
        "Alias Type",
        "Alias Quality",
        "Name Non-Latin Script",
        "Non-Latin Script Type",
        "Non-Latin Script Language",
    }
)


class _Grouper(_CsvRowGrouper):
    """The CSV grouper, plus the 2022-format columns. A target's facts (dates, documents, addresses, ...)
    are repeated on each of its name rows: each distinct set of them is read once per Group ID."""

    def __init__(self, path: Path, list_name: str, header: list[str]) -> None:
        super().__init__(path=path, list_name=list_name, header=header)
        self.seen_facts: set[tuple[str, tuple[str, ...]]] = set()
        self.repeat = False

    def _add_facts(self, group: Any, row: dict[str, str], line: int) -> None:
        if not self.repeat:
            super()._add_facts(group, row, line)

    def add_xlsx_row(self, row: dict[str, str], line: int) -> None:
        base = {k: ("" if k in OWN else v) for k, v in row.items()}
        gid = row["Group ID"].strip()
        before = 0
        if (seen := self.groups.get(gid)) is not None:
            before = len(seen.entity.names)
            if row.get("Group Type", "").strip() != seen.schema_raw:
                raise ParseError(
                    f"Group ID {gid} is used again for another target: Group Type "
                    f"{row.get('Group Type')!r} here, {seen.schema_raw!r} at row {seen.line}",
                    path=self.path,
                    line=line,
                    field="Group ID",
                    hint="the rows of one Group ID are the names of one target",
                )
        key = (gid, tuple(v for k, v in row.items() if k not in _NAME_COLUMNS))
        self.repeat = key in self.seen_facts
        self.seen_facts.add(key)
        self.add_row(base, line)
        group = self.groups[gid]
        ent = group.entity
        if (
            len(ent.names) > before
            and ent.names[-1].kind == "alias"
            and row.get("Alias Quality", "").lower().startswith("low")
        ):
            ent.names[-1] = dataclasses.replace(ent.names[-1], kind="weak")
        non_latin = clean(row.get("Name Non-Latin Script"))
        if non_latin and non_latin not in group.kinds:
            group.kinds[non_latin] = len(ent.names)
            ent.names.append(Name(non_latin, kind="original_script", script=detect_script(non_latin)))
        ent.add_property("non_latin_script_type", clean(row.get("Non-Latin Script Type")))
        ent.add_property("non_latin_script_language", clean(row.get("Non-Latin Script Language")))
        ent.add_property("alias_quality", clean(row.get("Alias Quality")))
        if self.repeat:
            return
        self._ids(ent, "passport", row.get("Passport Number", ""), row.get("Passport Details", ""))
        self._ids(
            ent,
            "national_id",
            row.get("National Identification Number", ""),
            row.get("National Identification Details", ""),
        )
        ent.add_property(
            "uk_sanctions_list_date_designated", row.get("UK Sanctions List Date Designated", "")
        )
        if m := _REF.search(row.get("Other Information", "")):
            ent.add_property("uk_sanctions_list_ref", m[1])

    def _ids(self, ent: Entity, kind: str, numbers: str, details: str) -> None:
        nums, notes = enumerated(numbers), enumerated(details)
        if len(nums) == 1 and len(notes) == 1 and set(nums) != set(notes):
            notes = {next(iter(nums)): next(iter(notes.values()))}
        for n, value in nums.items():
            value = value.strip(" .")
            note = notes.pop(n, None)
            if any(i.type == kind and i.value == value for i in ent.identifiers):
                continue  # rows repeat a target's documents on each of its names
            ent.identifiers.append(Identifier(type=kind, value=value, note=note))
        for note in notes.values():  # details without a number of their own
            ent.add_property(f"{kind}_details", note)


def iter_rows(path: Path) -> Iterator[tuple[int, list[object]]]:
    """(1-based row number, cells) of the first sheet. A damaged workbook is a ParseError."""
    try:
        workbook = CalamineWorkbook.from_path(str(path))
        sheet = workbook.get_sheet_by_index(0)
        for number, cells in enumerate(sheet.iter_rows(), start=1):
            yield number, list(cells)
    except (zipfile.BadZipFile, OSError, ValueError, RuntimeError) as exc:
        raise ParseError(
            f"cannot read the workbook: {exc.__class__.__name__}: {exc}",
            path=path,
            hint="the file is damaged, truncated or not an .xlsx workbook; fetch it again",
        ) from None
    except Exception as exc:  # calamine raises its own error classes (CalamineError, ...)
        raise ParseError(
            f"cannot read the workbook: {exc.__class__.__name__}: {exc}",
            path=path,
            hint="the file is damaged, truncated or not an .xlsx workbook; fetch it again",
        ) from None


def _row_dict(header: list[str], cells: list[object], path: Path, line: int) -> dict[str, str]:
    if len(cells) > len(header) and any(cell_text(c) for c in cells[len(header) :]):
        raise ParseError(
            f"row has {len(cells)} cells, the header has {len(header)}", path=path, line=line, field="row"
        )
    row: dict[str, str] = {}
    for col, value in zip(header, cells, strict=False):
        if col in DATE_COLUMNS:
            row[col] = _date_cell(col, value, path, line)
        else:
            row[col] = cell_text(value)
    return row


def _date_cell(col: str, value: object, path: Path, line: int) -> str:
    text = cell_text(value)
    if not text:
        return ""
    if col == "DOB" and (_YEAR.match(text) and 1800 <= int(text) <= 2100):
        return f"00/00/{text}"  # a bare year (text or number), not an Excel serial day
    if col == "DOB" and (m := _MONTH_YEAR.match(text)):
        return f"00/{m[1]}/{m[2]}"
    iso = cell_date(value)
    if iso is not None:
        return f"{iso[8:10]}/{iso[5:7]}/{iso[:4]}" if col == "DOB" or col == "Listed On" else iso
    if col == "DOB":
        return text  # partial DOBs (00/00/1961, 1951) are read by the grouper; odd text is kept verbatim
    raise ParseError(f"{text!r} is not a date", path=path, line=line, field=col)


def parse(path: Path, *, list_name: str = "uk-hmt") -> ParsedList:
    """Parse an OFSI ConList "2022 format" ``.xlsx`` workbook."""
    require_nonempty(path)
    return _parse_rows(path, iter_rows(path), list_name, FORMAT)


def parse_csv(path: Path, *, list_name: str = "uk-hmt") -> ParsedList:
    """Parse an OFSI ConList "2022 format" ``.csv`` file (the same columns as the workbook)."""
    require_nonempty(path)
    return _parse_rows(path, _csv_rows(path), list_name, FORMAT_CSV)


def _csv_rows(path: Path) -> Iterator[tuple[int, list[object]]]:
    text, _encoding = read_text(path, ENCODINGS)
    reject_nul(text, path, "Windows-1252 or UTF-8 CSV")
    reader = csv.reader(io.StringIO(text, newline=""))
    prev = 0
    try:
        for cells in reader:
            yield prev + 1, list(cells)
            prev = reader.line_num
    except csv.Error as exc:
        raise ParseError(f"malformed CSV: {exc}", path=path, line=prev + 1) from None


def _parse_rows(path: Path, rows: Iterator[tuple[int, list[object]]], list_name: str, fmt: str) -> ParsedList:
    first = next(rows, None)
    if first is None or cell_text(first[1][0] if first[1] else None).lower() != "last updated":
        raise ParseError(
            "row 1 does not start with 'Last Updated'",
            path=path,
            line=1,
            hint="is this an OFSI ConList (2022 format) file?",
        )
    stamp = cell_date(first[1][1] if len(first[1]) > 1 else None)
    if stamp is None:
        raise ParseError("row 1: 'Last Updated' is not a date", path=path, line=1, field="Last Updated")
    published_at = datetime.fromisoformat(stamp).replace(tzinfo=ZoneInfo(ZONE))
    second = next(rows, None)
    header = [cell_text(c) for c in second[1]] if second else []
    while header and not header[-1]:
        header.pop()
    missing = [c for c in REQUIRED if c not in header]
    if missing:
        raise ParseError(f"header lacks column(s) {missing}", path=path, line=2, field="header")
    grouper = _Grouper(path=path, list_name=list_name, header=[h for h in header if h not in OWN])
    for line, cells in rows:
        if not any(cell_text(c) for c in cells):
            continue
        row = _row_dict(header, cells, path, line)
        if not row.get("Group ID"):
            raise ParseError("row without a Group ID", path=path, line=line, field="Group ID")
        grouper.add_xlsx_row(row, line)
    entities = [g.entity for g in grouper.groups.values()]
    return one_file_list(
        path,
        list_name,
        fmt,
        entities,
        counts={"records": len(entities), "rows": grouper.rows},
        published_at=published_at,
        warnings=grouper.warnings,
    )
