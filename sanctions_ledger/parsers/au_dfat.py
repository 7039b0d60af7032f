"""Australia DFAT Consolidated List, ``regulation8_consolidated.xlsx`` (format ``au-dfat-xlsx``).

One sheet, a header row (``Reference, Name of Individual or Entity, Type, Name Type, Date of Birth, Place
of Birth, Citizenship, Address, Additional Information, Listing Information, Committees, Control Date``),
then one row per name. ``Reference`` ``2`` is entity 2's primary row, ``2a``, ``2b``, ``34c1`` ... are its
other names: rows are grouped by the leading number into one :class:`Entity` (``source_id`` = that number).
Columns are found by header name, not position; cells may be numbers, dates or text.

Mapping: ``Name Type`` (case and trailing spaces ignored) Primary Name -> ``primary``, aka -> ``alias``,
Original Script -> ``original_script``, Formerly known as / Previously listed as -> ``former``, anything else
-> ``alias`` with a warning; ``Type`` Individual -> person, Entity -> organization; ``Date of Birth`` (a date
cell, a year number, an Excel serial, or free text with ``a) b)`` pieces, ``Approximately``, ``Between X and
Y``, ``dd/mm/yyyy``, ``12 Dec. 1960``) -> birth dates, unplaced pieces verbatim in
``properties["birth_dates_text"]``; ``Place of Birth`` -> ``birth_places`` (``a) b)`` split); ``Citizenship``
-> nationalities (ISO where resolvable); ``Address`` (``NA`` = none) -> addresses, free text in ``street``,
a trailing country name resolved; ``Additional Information`` -> remarks (passport and national id numbers
it states become identifiers, note = the sentence); ``Listing Information`` -> ``listed_on`` (first full
date in it) and verbatim in ``properties["listing_information"]``; ``Committees`` -> programs; ``Control
Date`` (date, serial or text) -> ``properties["control_date"]`` (the newest = last update). A Reference
repeated verbatim, a row with data but no Reference, or a Control Date that is no date is an error naming the
row; an empty row is skipped.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sanctions_ledger.errors import ParseError
from sanctions_ledger.model import Address, Entity, Identifier, Name
from sanctions_ledger.model.countries import to_iso2
from sanctions_ledger.parsers import sheets
from sanctions_ledger.parsers.base import ParsedList, require_nonempty
from sanctions_ledger.parsers.other_lists import script_of
from sanctions_ledger.parsers.records import new_entity, one_file_list
from sanctions_ledger.parsers.textdates import cell_date, first_date_after_on, one_date, parse_dates

FORMAT = "au-dfat-xlsx"
REF = "Reference"
NAME = "Name of Individual or Entity"
REQUIRED = (REF, NAME, "Type", "Name Type")
_KINDS = {
    "primary name": "primary",
    "aka": "alias",
    "original script": "original_script",
    "formerly known as": "former",
    "previously listed as": "former",
    "fka": "former",
}
_SCHEMAS = {"individual": "person", "entity": "organization", "vessel": "vessel"}
_REF = re.compile(r"^(\d+)([a-z]*\d*)$")
_ENUM = re.compile(r"(?:^|\s)[a-h]\)\s*")
# "Passport no.: Afghan SE-011697, issued ...", "Passport Number: a) 27082171 (...) b) ...",
# "passport number 96 03 464086", "National identification no. 123"; the label, then the text it governs
_ID_LABEL = re.compile(
    r"\b(passport|national\s+(?:identification|identity|id)(?:\s+card)?)\s*(?:no\b\.?|number|#)?\s*[:.]?",
    re.I,
)
_ID_TOKEN = re.compile(r"(?<![\w/])(?:[A-Z]{1,3}[-/ ]?)?\d[\dA-Z/-]*(?: \d[\dA-Z/-]*)*(?![\w/])")
_ID_STOP = re.compile(r"\b(?:issued|expir|valid|dated?|on)\b|\(", re.I)
_MONTH_WORD = re.compile(r"\b(?:Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec)[a-z]*\.?\s*$", re.I)


def looks_like(path: Path) -> bool:
    """Whether the workbook's first sheet has the DFAT header."""
    book = sheets.open_book(path)
    if not book.sheet_names:
        return False
    for _i, cells in sheets.rows(book, book.sheet_names[0], path):
        values = [sheets.text(c) for c in cells]
        if any(values):
            return REF in values and NAME in values
    return False


def _split(text: str) -> list[str]:
    return [p.strip(" ;,") for p in _ENUM.split(text) if p.strip(" ;,")]


@dataclass
class _State:
    path: Path
    list_name: str
    entities: dict[str, Entity] = field(default_factory=dict)
    refs: dict[str, int] = field(default_factory=dict)
    # per entity, the fact cells already applied: the rows of one entity repeat them name after name
    applied: dict[str, set[tuple[str, ...]]] = field(default_factory=dict)
    warnings: list[str] = field(default_factory=list)
    rows: int = 0

    def warn(self, row: int, message: str) -> None:
        self.warnings.append(f"{self.path.name}, row {row}: {message}")


def _header(cells: list[Any]) -> dict[str, int]:
    cols: dict[str, int] = {}
    for i, c in enumerate(cells):
        name = sheets.text(c)
        if name and name not in cols:
            cols[name] = i
    return cols


def _add_dob(st: _State, ent: Entity, value: Any, row: int) -> None:
    if value is None or value == "":
        return
    if not isinstance(value, str):
        if isinstance(value, (int, float)) and 1000 <= value <= 2100:
            pd = one_date(str(int(value)))
            dates, rest = ([pd] if pd else []), []
        else:
            iso = cell_date(value)
            pd = one_date(iso) if iso else None
            dates, rest = ([pd] if pd else []), ([] if pd else [str(value)])
    else:
        dates, rest = parse_dates(value)
    for pd in dates:
        if pd not in ent.birth_dates:
            ent.birth_dates.append(pd)
    for piece in rest:
        if piece.lower() not in ("na", "n/a", "unknown"):
            if "birth_dates_text" not in ent.properties or piece not in ent.properties["birth_dates_text"]:
                st.warn(row, f"date of birth {piece!r} not understood; kept verbatim")
            ent.add_property("birth_dates_text", piece)


def _id_values(segment: str) -> list[tuple[str, str]]:
    """(number, piece) for each ``a) b)`` piece of the text after an id label: the first token with at
    least four digits before any "issued"/"expires"/"(" remark."""
    out = []
    for piece in _split(segment) or [segment]:
        head = _ID_STOP.split(piece, maxsplit=1)[0]
        for m in _ID_TOKEN.finditer(head):
            token = m.group(0).strip(" -/")
            digits = sum(c.isdigit() for c in token)
            if digits < 4 or (token.isdigit() and len(token) == 4) or _MONTH_WORD.search(head[: m.start()]):
                continue
            out.append((token, piece.strip()))
            break
    return out


def _citizenships(text: str) -> list[str]:
    """``Russian and Ukrainian`` / ``Syrian; French`` / ``Turkish/Jordanian`` -> one piece each; a piece
    that is no single nationality ("Kuwaiti citizenship withdrawn in 2002") stays whole."""
    out = []
    for piece in _split(text):
        parts = [p.strip() for p in re.split(r"\s+and\s+|[;,/]", piece) if p.strip()]
        if len(parts) > 1 and not to_iso2(piece) and all(to_iso2(p) or p.istitle() for p in parts):
            out.extend(parts)
        else:
            out.append(piece)
    return out


def _add_ids(ent: Entity, info: str) -> None:
    """Passport and national-id numbers stated in free text (heuristic; the sentence is the note)."""
    labels = list(_ID_LABEL.finditer(info))
    for i, m in enumerate(labels):
        end = labels[i + 1].start() if i + 1 < len(labels) else len(info)
        stop = re.search(r"\.\s+(?=[A-Z][a-z])", info[m.end() : end])
        segment = info[m.end() : m.end() + stop.start()] if stop else info[m.end() : end]
        kind = "passport" if m.group(1).lower().startswith("passport") else "national_id"
        for value, piece in _id_values(segment):
            country = None
            for word in re.findall(r"[A-Z][a-z]{3,}(?: [A-Z][a-z]+)?", piece[: piece.find(value)]):
                country = to_iso2(word) or country
            if any(x.type == kind and x.value == value for x in ent.identifiers):
                continue
            note = (m.group(0) + segment).strip()
            ent.identifiers.append(Identifier(type=kind, value=value, country=country, note=note))


def _add_address(ent: Entity, text: str) -> None:
    for piece in _split(text):
        if piece.upper() in ("NA", "N/A"):
            continue
        last = piece.rsplit(",", 1)[-1].strip()
        code = to_iso2(last)
        addr = Address(street=piece, country=code, country_name=last if code else None)
        if addr not in ent.addresses:
            ent.addresses.append(addr)


def _apply(st: _State, ent: Entity, get: dict[str, Any], row: int) -> None:
    _add_dob(st, ent, get.get("Date of Birth"), row)
    for place in _split(sheets.text(get.get("Place of Birth"))):
        ent.add_property("birth_places", place)
    for piece in _citizenships(sheets.text(get.get("Citizenship"))):
        code = to_iso2(piece) or piece
        if code not in ent.nationalities:
            ent.nationalities.append(code)
    _add_address(ent, sheets.text(get.get("Address")))
    info = sheets.text(get.get("Additional Information"))
    if info:
        if ent.remarks is None:
            ent.remarks = info
        elif info != ent.remarks:
            ent.add_property("other_information", info)
        _add_ids(ent, info)
    listing = sheets.text(get.get("Listing Information"))
    if listing:
        ent.add_property("listing_information", listing)
        day = first_date_after_on(listing)
        if day and (ent.listed_on is None or day < ent.listed_on):
            ent.listed_on = day
    committee = sheets.text(get.get("Committees"))
    if committee and committee not in ent.programs:
        ent.programs.append(committee)
    control = get.get("Control Date")
    if control not in (None, ""):
        day = cell_date(control)
        if day is None:
            raise ParseError(
                f"Control Date {control!r} is not a date", path=st.path, line=row, field="Control Date"
            )
        prev = ent.properties.get("control_date")
        if not prev or day > prev[0]:
            ent.properties["control_date"] = [day]


def _add_row(st: _State, get: dict[str, Any], row: int) -> None:
    ref = sheets.text(get.get(REF))
    name = sheets.text(get.get(NAME))
    if not ref:
        if any(sheets.text(v) for v in get.values()):
            raise ParseError("row with data but no Reference", path=st.path, line=row, field=REF)
        return
    m = _REF.match(ref.lower())
    if not m:
        raise ParseError(
            f"Reference {ref!r} is not a number with an optional suffix (2, 2a, 34c1)",
            path=st.path,
            line=row,
            field=REF,
        )
    if ref.lower() in st.refs:
        raise ParseError(
            f"duplicate Reference {ref!r} (first at row {st.refs[ref.lower()]})",
            path=st.path,
            line=row,
            field=REF,
        )
    st.refs[ref.lower()] = row
    st.rows += 1
    base = m.group(1)
    type_raw = sheets.text(get.get("Type"))
    ent = st.entities.get(base)
    if ent is None:
        schema = _SCHEMAS.get(type_raw.lower())
        if schema is None:
            st.warn(row, f"Reference {ref}: unknown Type {type_raw!r}; schema 'unknown'")
            schema = "unknown"
        ent = new_entity(st.list_name, base, schema, st.path, row, f"Reference {base}")
        st.entities[base] = ent
    if not name:
        raise ParseError(f"Reference {ref!r} has no name", path=st.path, line=row, field=NAME)
    kind_raw = sheets.text(get.get("Name Type"))
    kind = _KINDS.get(kind_raw.lower())
    if kind is None:
        st.warn(row, f"Reference {ref}: unknown Name Type {kind_raw!r}; taken as an alias")
        ent.add_property("name_types", kind_raw)
        kind = "alias"
    if kind == "primary" and any(n.kind == "primary" for n in ent.names):
        kind = "alias"
    if not any(n.name == name for n in ent.names):  # a name repeated under another type is kept once
        ent.names.append(Name(name, kind=kind, script=script_of(name)))
    if m.group(2):
        ent.add_property("references", ref)
    facts = tuple(repr(v) for k, v in get.items() if k not in (REF, NAME, "Name Type", "Type"))
    done = st.applied.setdefault(base, set())
    if facts not in done:  # every step of _apply is idempotent: an identical repeat adds nothing
        done.add(facts)
        _apply(st, ent, get, row)


def parse(path: Path, *, list_name: str = "au-dfat") -> ParsedList:
    """Parse a DFAT ``regulation8_consolidated.xlsx``."""
    require_nonempty(path)
    book = sheets.open_book(path)
    if not book.sheet_names:
        raise ParseError("workbook has no sheet", path=path)
    sheet = book.sheet_names[0]
    st = _State(path=path, list_name=list_name)
    cols: dict[str, int] | None = None
    for row, cells in sheets.rows(book, sheet, path):
        if cols is None:
            if not any(sheets.text(c) for c in cells):
                continue
            cols = _header(cells)
            missing = [c for c in REQUIRED if c not in cols]
            if missing:
                raise ParseError(
                    f"header lacks required column(s) {', '.join(repr(c) for c in missing)}",
                    path=path,
                    line=row,
                    hint="is this DFAT's regulation8_consolidated.xlsx? header read: "
                    + ", ".join(cols)[:200],
                )
            continue
        get = {name: (cells[i] if i < len(cells) else None) for name, i in cols.items()}
        _add_row(st, get, row)
    if cols is None:
        raise ParseError("sheet is empty (no header row)", path=path)
    entities = list(st.entities.values())
    for ent in entities:
        if not any(n.kind == "primary" for n in ent.names) and ent.names:
            st.warnings.append(f"{path.name}: Reference {ent.source_id} has no Primary Name row")
        ent.names.sort(key=lambda n: n.kind != "primary")
    return one_file_list(
        path,
        list_name,
        FORMAT,
        entities,
        counts={"records": len(entities), "rows": st.rows, "entities": len(entities)},
        warnings=st.warnings,
    )
