"""US Commerce BIS Denied Persons List ``dpl.txt`` (format ``bis-dpl``).

Tab-separated, every field double-quoted, one header line (``Name``, ``Street_Address``, ``City``,
``State``, ``Country``, ``Postal_Code``, ``Effective_Date``, ``Expiration_Date``, ``Standard_Order``,
``Last_Update``, ``Action``, ``FR_Citation``). Columns are read by name.

**Source id rule.** The DPL has no id column, and one denied party with several addresses appears as
several rows. Rows are grouped into one entity by the key

    (Name with whitespace collapsed and upper-cased,  first Federal Register citation in FR_Citation)

where the first citation is the first ``<volume> F.R. <page>`` in the field (``81.F.R. 22576`` and
``81 FR 22576`` both give ``81FR22576``; a field without one is used whole, normalised). The source id is
the first 12 hex digits of the SHA-256 of ``"<name>|<citation>"``.

Why the first citation and not the whole field: temporary denial orders are renewed by appending a new
citation to the field, so the whole field changes between versions for the same party; the first
citation (the original order) does not. On the three real files (2019-06-29, 2022-09-07, 2023-11-30)
this key is unique per party within each file, no party's key changes between consecutive versions
except one whose citation was empty and later filled in, and two different orders against the same name
(``I. ASH``, ``HAYDEE HERRERA``: 2002 and 2003 orders) stay two entities.

Within a group: addresses are deduplicated in row order; ``listed_on`` is the earliest Effective_Date
(mm/dd/yyyy -> ISO); Expiration_Date, Standard_Order, Action, FR_Citation and Last_Update go verbatim
(every distinct value) to ``properties``. Last_Update holds impossible years (``3017-08-22``,
``0222-05-18``): kept verbatim, with a warning. The list does not say whether a party is a person or a
company: ``schema`` is ``organization`` when the name carries a clear company word (LTD, INC, LLC, GMBH,
AIRLINES, ...), else ``unknown``.
"""

from __future__ import annotations

import csv
import hashlib
import io
import re
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

from sanctions_ledger.errors import ParseError
from sanctions_ledger.model import Address, Entity, Name, PartialDate, Provenance
from sanctions_ledger.model.countries import to_iso2
from sanctions_ledger.parsers.base import (
    ParsedList,
    header_rows,
    read_text,
    reject_nul,
    require_nonempty,
    source_file,
)
from sanctions_ledger.parsers.xmlsafe import clean

FORMAT = "bis-dpl"
ENCODINGS = ("utf-8", "cp1252")
COLUMNS = (
    "Name",
    "Street_Address",
    "City",
    "State",
    "Country",
    "Postal_Code",
    "Effective_Date",
    "Expiration_Date",
    "Standard_Order",
    "Last_Update",
    "Action",
    "FR_Citation",
)
REQUIRED = ("Name", "Effective_Date", "FR_Citation")
_PROPS = (
    ("Expiration_Date", "expiration_date"),
    ("Standard_Order", "standard_order"),
    ("Action", "action"),
    ("FR_Citation", "fr_citation"),
    ("Last_Update", "last_update"),
)
_FR = re.compile(r"(\d+)\s*\.?\s*F\.?\s*R\.?\s*(\d+)", re.IGNORECASE)
_MDY = re.compile(r"^(\d{1,2})/(\d{1,2})/(\d{4})$")
_ISO = re.compile(r"^(\d{4})-(\d{2})-(\d{2})$")
_ORG_WORDS = re.compile(
    r"\b(LTD|LIMITED|INC|INCORPORATED|LLC|L\.L\.C|CORP|CORPORATION|CO|COMPANY|GMBH|AG|S\.?A|SARL|S\.?R\.?L|"
    r"B\.?V|N\.?V|PLC|PTE|PTY|AIRLINES?|AIRWAYS|AVIATION|TRADING|INDUSTRIES|INTERNATIONAL|ENTERPRISES?|"
    r"GROUP|TECHNOLOGY|TECHNOLOGIES|ELECTRONICS|SERVICES|SYSTEMS|LOGISTICS|SHIPPING|FREIGHT|"
    r"CARGO|ESTABLISHMENT|HOLDINGS?|KG|OOO|ZAO|OAO|AO|JSC)\b\.?",
)


def group_key(name: str, fr_citation: str) -> tuple[str, str]:
    """The (normalised name, first FR citation) pair that identifies one denied party."""
    norm_name = clean(name).upper()
    m = _FR.search(fr_citation)
    cite = f"{m[1]}FR{m[2]}" if m else clean(fr_citation).upper()
    return norm_name, cite


def source_id(name: str, fr_citation: str) -> str:
    n, c = group_key(name, fr_citation)
    return hashlib.sha256(f"{n}|{c}".encode()).hexdigest()[:12]


def _mdy(text: str) -> str | None:
    m = _MDY.match(text.strip())
    if not m:
        return None
    try:
        return PartialDate.of(int(m[3]), int(m[1]), int(m[2])).value
    except ValueError:
        return None


def _plausible_iso(text: str) -> bool:
    m = _ISO.match(text.strip())
    if not m:
        return False
    try:
        d = date(int(m[1]), int(m[2]), int(m[3]))
    except ValueError:
        return False
    return 1900 <= d.year <= date.today().year + 1


def guess_schema(name: str) -> str:
    return "organization" if _ORG_WORDS.search(name.upper()) else "unknown"


@dataclass
class _Reader:
    path: Path
    list_name: str
    header: list[str]
    entities: dict[tuple[str, str], Entity] = field(default_factory=dict)
    warnings: list[str] = field(default_factory=list)
    rows: int = 0
    dates: dict[tuple[str, str], list[str]] = field(default_factory=dict)

    def warn(self, line: int, message: str) -> None:
        self.warnings.append(f"{self.path.name}, line {line}: {message}")

    def add_row(self, row: dict[str, str], line: int) -> None:
        name = clean(row.get("Name"))
        if not name:
            raise ParseError("row without a Name", path=self.path, line=line, field="Name")
        self.rows += 1
        key = group_key(name, row.get("FR_Citation", ""))
        ent = self.entities.get(key)
        if ent is None:
            ent = Entity(
                list=self.list_name,
                source_id=source_id(name, row.get("FR_Citation", "")),
                schema=guess_schema(name),
                names=[Name(name, kind="primary")],
                provenance=Provenance(file=self.path.name, line=line),
            )
            self.entities[key] = ent
        elif name not in (n.name for n in ent.names):  # same key, spelled with other spacing/case
            ent.names.append(Name(name, kind="alias"))
        self._add_address(ent, row)
        self._add_dates(ent, key, row, line)
        for col, prop in _PROPS:
            ent.add_property(prop, clean(row.get(col)))
        for col in self.header:
            if col and col not in COLUMNS:
                ent.add_property(col.lower(), clean(row.get(col)))

    def _add_address(self, ent: Entity, row: dict[str, str]) -> None:
        country_name = clean(row.get("Country")) or None
        addr = Address(
            street=clean(row.get("Street_Address")) or None,
            city=clean(row.get("City")) or None,
            state=clean(row.get("State")) or None,
            postal_code=clean(row.get("Postal_Code")) or None,
            country=to_iso2(country_name),
            country_name=country_name,
        )
        if addr != Address() and addr not in ent.addresses:
            ent.addresses.append(addr)

    def _add_dates(self, ent: Entity, key: tuple[str, str], row: dict[str, str], line: int) -> None:
        effective = clean(row.get("Effective_Date"))
        if effective:
            iso = _mdy(effective)
            if iso is None:
                self.warn(line, f"Effective_Date {effective!r} is not mm/dd/yyyy; kept verbatim")
                ent.add_property("effective_date_text", effective)
            else:
                seen = self.dates.setdefault(key, [])
                if iso not in seen:
                    seen.append(iso)
                ent.listed_on = min(seen)
                if len(seen) > 1:
                    ent.properties["effective_dates"] = sorted(seen)
        updated = clean(row.get("Last_Update"))
        if updated and not _plausible_iso(updated):
            self.warn(line, f"Last_Update {updated!r} is not a plausible date; kept verbatim")


def _check_header(header: list[str], path: Path) -> None:
    missing = [c for c in REQUIRED if c not in header]
    if missing:
        raise ParseError(
            f"header lacks required column(s) {', '.join(repr(c) for c in missing)}",
            path=path,
            line=1,
            hint=f"expected a BIS dpl.txt header ({', '.join(COLUMNS)})",
        )


def parse(path: Path, *, list_name: str = "us-bis-dpl") -> ParsedList:
    """Parse a BIS ``dpl.txt`` file."""
    require_nonempty(path)
    text, _encoding = read_text(path, ENCODINGS)
    reject_nul(text, path, "an ASCII/UTF-8 tab-separated file")
    reader = csv.reader(io.StringIO(text, newline=""), delimiter="\t")
    header = [clean(h) for h in next(reader, [])]
    _check_header(header, path)
    state = _Reader(path=path, list_name=list_name, header=header)
    for line, row in header_rows(
        reader, header, path, "a tab or a double quote is probably missing in this row"
    ):
        state.add_row(row, line)
    entities = list(state.entities.values())
    return ParsedList(
        list=list_name,
        format=FORMAT,
        entities=entities,
        files=[source_file(path.name, path)],
        counts={
            "records": state.rows,
            "rows": state.rows,
            "entities": len(entities),
            "names": sum(len(e.names) for e in entities),
            "addresses": sum(len(e.addresses) for e in entities),
        },
        warnings=state.warnings,
    )
