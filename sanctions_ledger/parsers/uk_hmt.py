"""UK HM Treasury / OFSI Consolidated List "ConList" CSV (format ``uk-hmt-csv``).

Layout: line 1 ``Last Updated,dd/mm/yyyy`` (the publication date, a day in Europe/London), line 2 the
header, then one row per name/alias x date of birth x address of a target. Rows are grouped by
``Group ID`` into one :class:`Entity` (``source_id`` = Group ID); the entity's provenance line is the
group's first row. Columns are read by name, never by position; unknown extra columns are kept in
``properties`` under their lower_snake header. Text is Windows-1252 in the published files (UTF-8 is
tried first, and a file that is neither fails naming the line of the first undecodable byte).

Mappings:

* ``Alias Type``: ``Prime Alias`` / ``Primary name`` -> ``primary``; ``AKA`` / ``Primary name variation``
  -> ``alias``; ``FKA`` -> ``former``; ``NKA`` -> ``new``; anything else -> ``alias`` with a warning and
  the raw type kept in ``properties["alias_types"]``. A name that occurs with several alias types is kept
  once, with the strongest kind (primary > alias > new > former > weak).
* ``Name 6`` is the surname (the whole name for entities and ships); ``Name 1``..``Name 5`` the other
  parts. The name is ``Name 1 .. Name 5 Name 6``; persons also get ``first_name``/``last_name``.
* ``DOB`` ``dd/mm/yyyy`` with ``00`` for an unknown day or month -> :class:`PartialDate` at that precision.
* ``Group Type``: Individual -> person, Entity -> organization, Ship -> vessel.
* ``Passport Details`` / ``NI Number``: split at ``(1) .. (2) ..``; each piece with a number becomes an
  identifier (passport / national_id) whose note is the piece verbatim; a piece without any digit is kept
  verbatim in ``properties["passport_details"|"ni_number"]``.
* ``Nationality``: split the same way, each resolved to ISO alpha-2 where possible, else kept verbatim.
* ``Listed On`` -> ``listed_on`` (the earliest, ISO); when a group has several, all go to
  ``properties["listed_on_dates"]``.
"""

from __future__ import annotations

import csv
import io
import re
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

from sanctions_ledger.errors import ParseError
from sanctions_ledger.model import Address, Entity, Identifier, Name, PartialDate, Provenance
from sanctions_ledger.model.countries import to_iso2
from sanctions_ledger.parsers.base import (
    ParsedList,
    header_rows,
    read_text,
    reject_nul,
    require_nonempty,
    source_file,
)
from sanctions_ledger.parsers.un_xml import lower_snake
from sanctions_ledger.parsers.xmlsafe import clean

FORMAT = "uk-hmt-csv"
ENCODINGS = ("utf-8", "cp1252")
ZONE = "Europe/London"

REQUIRED = ("Name 6", "Group Type", "Alias Type", "Group ID")
GIVEN = ("Name 1", "Name 2", "Name 3", "Name 4", "Name 5")
ADDRESS_LINES = ("Address 1", "Address 2", "Address 3", "Address 4", "Address 5", "Address 6")
KNOWN = (
    "Name 6",
    *GIVEN,
    "Title",
    "DOB",
    "Town of Birth",
    "Country of Birth",
    "Nationality",
    "Passport Details",
    "NI Number",
    "Position",
    *ADDRESS_LINES,
    "Post/Zip Code",
    "Country",
    "Other Information",
    "Group Type",
    "Alias Type",
    "Regime",
    "Listed On",
    "Last Updated",
    "Group ID",
)

_ALIAS_KINDS = {
    "prime alias": "primary",
    "primary name": "primary",
    "aka": "alias",
    "primary name variation": "alias",
    "fka": "former",
    "nka": "new",
}
_KIND_RANK = {"primary": 0, "alias": 1, "new": 2, "former": 3, "weak": 4, "original_script": 5}
_SCHEMAS = {"individual": "person", "entity": "organization", "ship": "vessel"}
_DMY = re.compile(r"^(\d{1,2})/(\d{1,2})/(\d{4})$")
_ENUM = re.compile(r"\(\d+\)|(?<![\w(])(?:\d{1,2}|[a-h])\)")
# the first token holding a digit (e.g. "G827238", "DRAFRD64R12Z301C", "660105-01-5297"), with a short
# capital prefix ("A 0141062") and following digit groups ("96 03 464086")
_NUMBER = re.compile(r"(?:\b[A-Z]{1,3}[- ])?\b[\w\-/.]*\d[\w\-/.]*(?: \d[\w\-/.]*)*")
_PARENS = re.compile(r"\(([^()]*)\)")


def dmy_day(text: str) -> str | None:
    """ISO ``YYYY-MM-DD`` from ``dd/mm/yyyy``; ``None`` when not a valid full date."""
    m = _DMY.match(text.strip())
    if not m:
        return None
    try:
        return PartialDate.of(int(m[3]), int(m[2]), int(m[1])).value
    except ValueError:
        return None


def parse_dob(text: str) -> PartialDate | None:
    """``dd/mm/yyyy`` with ``00`` for unknown day/month -> PartialDate; ``None`` if not understood."""
    m = _DMY.match(text.strip())
    if not m:
        return None
    day, month, year = int(m[1]), int(m[2]), int(m[3])
    try:
        if month == 0:
            return PartialDate.of(year) if day == 0 else None
        return PartialDate.of(year, month, day or None)
    except ValueError:
        return None


def split_enumeration(text: str) -> list[str]:
    """``(1) A (2) B`` -> ``["A", "B"]``; text without numbering -> ``[text]``. Empty pieces dropped."""
    pieces = [clean(p).strip(" -,;") for p in _ENUM.split(text)]
    return [p for p in pieces if p and any(c.isalnum() for c in p)]


def _identifier(kind: str, piece: str) -> Identifier | None:
    m = _NUMBER.search(piece)
    if not m:
        return None
    value = m.group(0).strip(" .,;:-")
    country = None
    for inner in _PARENS.findall(piece):
        if country := to_iso2(inner):
            break
    return Identifier(type=kind, value=value, country=country, note=piece if piece != value else None)


def _birth_places(town: str, country: str) -> list[str]:
    """Town and country of birth; ``(1) A (2) B`` in both columns are paired up piece by piece."""
    towns, countries = split_enumeration(town), split_enumeration(country)
    if len(towns) > 1 and len(towns) == len(countries):
        return [f"{t}, {c}" for t, c in zip(towns, countries, strict=True)]
    if len(towns) > 1 and len(set(countries)) == 1:
        return [f"{t}, {countries[0]}" for t in towns]
    if len(countries) > 1 and not towns:
        return countries
    joined = ", ".join(p for p in (clean(town), clean(country)) if p)
    return [joined] if joined else []


@dataclass
class _Group:
    gid: str
    line: int
    entity: Entity
    kinds: dict[str, int] = field(default_factory=dict)  # name -> index in entity.names
    listed: list[str] = field(default_factory=list)
    schema_raw: str = ""


@dataclass
class _Reader:
    path: Path
    list_name: str
    header: list[str]
    groups: dict[str, _Group] = field(default_factory=dict)
    warnings: list[str] = field(default_factory=list)
    rows: int = 0

    def warn(self, line: int, message: str) -> None:
        self.warnings.append(f"{self.path.name}, line {line}: {message}")

    def add_row(self, row: dict[str, str], line: int) -> None:
        gid = row.get("Group ID", "").strip()
        if not gid:
            raise ParseError("row without a Group ID", path=self.path, line=line, field="Group ID")
        self.rows += 1
        group = self.groups.get(gid)
        if group is None:
            group = self._new_group(gid, row, line)
            self.groups[gid] = group
        elif row.get("Group Type", "").strip() != group.schema_raw:
            self.warn(
                line, f"Group ID {gid}: Group Type {row.get('Group Type')!r} differs from the first row's"
            )
        self._add_name(group, row, line)
        self._add_facts(group, row, line)

    def _new_group(self, gid: str, row: dict[str, str], line: int) -> _Group:
        raw = row.get("Group Type", "").strip()
        schema = _SCHEMAS.get(raw.lower())
        if schema is None:
            self.warn(line, f"Group ID {gid}: unknown Group Type {raw!r}; schema 'unknown'")
            schema = "unknown"
        ent = Entity(
            list=self.list_name,
            source_id=gid,
            schema=schema,
            names=[],
            provenance=Provenance(file=self.path.name, line=line, element=f"Group ID {gid}"),
        )
        if raw:
            ent.add_property("group_type", raw)
        return _Group(gid=gid, line=line, entity=ent, schema_raw=raw)

    def _add_name(self, group: _Group, row: dict[str, str], line: int) -> None:
        surname = clean(row.get("Name 6"))
        given = " ".join(p for p in (clean(row.get(c)) for c in GIVEN) if p)
        full = " ".join(p for p in (given, surname) if p)
        if not full:
            self.warn(line, f"Group ID {group.gid}: row without any name")
            return
        alias_type = clean(row.get("Alias Type"))
        kind = _ALIAS_KINDS.get(alias_type.lower())
        if kind is None:
            kind = "alias"
            self.warn(line, f"Group ID {group.gid}: unknown Alias Type {alias_type!r}; taken as an alias")
            group.entity.add_property("alias_types", alias_type)
        person = group.entity.schema == "person"
        name = Name(
            full,
            kind=kind,
            script="Latn",
            first_name=(given or None) if person else None,
            last_name=(surname or None) if person else None,
        )
        idx = group.kinds.get(full)
        if idx is None:
            group.kinds[full] = len(group.entity.names)
            group.entity.names.append(name)
        elif _KIND_RANK[kind] < _KIND_RANK[group.entity.names[idx].kind]:
            group.entity.names[idx] = name

    def _add_facts(self, group: _Group, row: dict[str, str], line: int) -> None:
        ent = group.entity
        self._add_dob(ent, clean(row.get("DOB")), line)
        for place in _birth_places(row.get("Town of Birth", ""), row.get("Country of Birth", "")):
            ent.add_property("birth_places", place)
        for piece in split_enumeration(row.get("Nationality", "")):
            code = to_iso2(piece) or piece
            if code not in ent.nationalities:
                ent.nationalities.append(code)
        self._add_ids(ent, "passport", "passport_details", row.get("Passport Details", ""))
        self._add_ids(ent, "national_id", "ni_number", row.get("NI Number", ""))
        self._add_address(ent, row)
        for col, key in (("Title", "title"), ("Position", "position")):
            ent.add_property(key, clean(row.get(col)))
        other = clean(row.get("Other Information"))
        if other and ent.remarks is None:
            ent.remarks = other
        elif other and other != ent.remarks:
            ent.add_property("other_information", other)
        regime = clean(row.get("Regime"))
        if regime and regime not in ent.programs:
            ent.programs.append(regime)
        self._add_listed(group, clean(row.get("Listed On")), line)
        updated = clean(row.get("Last Updated"))
        ent.add_property("last_updated", dmy_day(updated) or updated)
        for col in self.header:
            if col not in KNOWN and col:
                ent.add_property(lower_snake(col), clean(row.get(col)))

    def _add_dob(self, ent: Entity, dob: str, line: int) -> None:
        if not dob:
            return
        pd = parse_dob(dob)
        if pd is None:
            self.warn(line, f"DOB {dob!r} not understood; kept verbatim")
            ent.add_property("birth_dates_text", dob)
        elif pd not in ent.birth_dates:
            ent.birth_dates.append(pd)

    def _add_ids(self, ent: Entity, kind: str, prop: str, text: str) -> None:
        for piece in split_enumeration(text):
            ident = _identifier(kind, piece)
            if ident is None:
                ent.add_property(prop, piece)
            elif ident not in ent.identifiers:
                ent.identifiers.append(ident)

    def _add_address(self, ent: Entity, row: dict[str, str]) -> None:
        street = ", ".join(p for p in (clean(row.get(c)) for c in ADDRESS_LINES) if p)
        country_name = clean(row.get("Country")) or None
        addr = Address(
            street=street or None,
            postal_code=clean(row.get("Post/Zip Code")) or None,
            country=to_iso2(country_name),
            country_name=country_name,
        )
        if addr != Address() and addr not in ent.addresses:
            ent.addresses.append(addr)

    def _add_listed(self, group: _Group, text: str, line: int) -> None:
        if not text:
            return
        day = dmy_day(text)
        if day is None:
            self.warn(line, f"Listed On {text!r} is not a dd/mm/yyyy date; kept verbatim")
            group.entity.add_property("listed_on_text", text)
            return
        if day not in group.listed:
            group.listed.append(day)
        group.entity.listed_on = min(group.listed)
        if len(group.listed) > 1:
            group.entity.properties["listed_on_dates"] = sorted(group.listed)


def _published_at(first_line: str, path: Path) -> datetime:
    cells = next(csv.reader([first_line]))
    if len(cells) < 2 or cells[0].strip().lower() != "last updated":
        raise ParseError(
            f"line 1 is {first_line[:60]!r}, expected 'Last Updated,dd/mm/yyyy'",
            path=path,
            line=1,
            hint="is this an OFSI ConList.csv file?",
        )
    day = dmy_day(cells[1])
    if day is None:
        raise ParseError(f"'Last Updated' date {cells[1]!r} is not dd/mm/yyyy", path=path, line=1)
    return datetime.fromisoformat(day).replace(tzinfo=ZoneInfo(ZONE))


def _check_header(header: list[str], path: Path) -> None:
    missing = [c for c in REQUIRED if c not in header]
    if missing:
        raise ParseError(
            f"header lacks required column(s) {', '.join(repr(c) for c in missing)}",
            path=path,
            line=2,
            hint=f"the header read was: {','.join(header)}",
        )
    dupes = sorted({c for c in header if c and header.count(c) > 1})
    if dupes:
        raise ParseError(f"header repeats column(s) {dupes}", path=path, line=2)


def parse(path: Path, *, list_name: str = "uk-hmt") -> ParsedList:
    """Parse an OFSI ``ConList.csv`` file."""
    require_nonempty(path)
    text, _encoding = read_text(path, ENCODINGS)
    reject_nul(text, path, "Windows-1252 or UTF-8 CSV")
    first_line, _, _ = text.partition("\n")
    published_at = _published_at(first_line.rstrip("\r"), path)
    reader = csv.reader(io.StringIO(text, newline=""))
    next(reader)
    header = [clean(h) for h in next(reader, [])]
    _check_header(header, path)
    state = _Reader(path=path, list_name=list_name, header=header)
    for line, row in header_rows(reader, header, path, "a quote or comma is probably missing in this row"):
        state.add_row(row, line)
    entities = [g.entity for g in state.groups.values()]
    return ParsedList(
        list=list_name,
        format=FORMAT,
        entities=entities,
        files=[source_file(path.name, path)],
        published_at=published_at,
        counts={
            "records": len(entities),
            "rows": state.rows,
            "names": sum(len(e.names) for e in entities),
            "addresses": sum(len(e.addresses) for e in entities),
            "identifiers": sum(len(e.identifiers) for e in entities),
        },
        warnings=state.warnings,
    )
