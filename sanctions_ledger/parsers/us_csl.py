"""US Consolidated Screening List, trade.gov CSV (format ``us-csl``), plain or gzip-compressed.

One header row (``_id, source, entity_number, type, programs, name, ...``; older files have no ``_id``),
then one row per party per source list. The file is read as a stream (``gzip`` when it starts with the
gzip magic bytes), so memory does not grow with the file.

Ids and duplicates
    ``source_id`` = ``_id`` (OFAC rows: the OFAC uid; BIS/State rows: a hash). The same OFAC party appears
    once per OFAC list it is on (e.g. SDN and SSI and CAPTA rows with one ``_id``): rows sharing an ``_id``
    are **merged into one entity** whose ``programs`` and ``properties["source_lists"]`` hold every list,
    names/identifiers/addresses are the union, and ``properties["rows"]`` counts the rows merged. The
    counts say ``rows`` (read) and ``entities`` (stored), so nothing is lost silently. A file without an
    ``_id`` column (the 2019 layout) is keyed by ``entity_number`` where present, else by a composite key
    ``h:<sha1(source|name|addresses|federal_register_notice)[:16]>``.

Mapping
    ``source`` -> ``programs`` (its short code, e.g. ``SDN``, ``EL``, ``DPL``, first) plus the codes of
    ``programs``; ``type`` Individual/Entity/Vessel/Aircraft -> schema (empty -> ``unknown``, BIS/State rows);
    ``name`` + ``alt_names`` ("; "-separated) -> primary + aliases (OFAC ``SURNAME, Given`` gets its parts);
    ``addresses`` ("; "-separated, ``street, city, postal, CC``) -> addresses (trailing ISO code ->
    country); ``ids`` ("; "-separated, 2022 order ``[CC, ][expiry, issue, ]number, type``, 2025 order
    ``type, number[, CC]``) through the OFAC label table (:func:`ofac_remarks.apply_labelled`): passports,
    tax ids, IMO ..., with country and issue/expiry dates in the note; gender, sanctions notes, listing and
    effective dates become properties; an unknown label is kept verbatim in ``properties["ids_text"]``;
    ``dates_of_birth`` (ISO, year, ``circa``, ``A to B``) -> birth dates; ``citizenships`` /
    ``nationalities`` (ISO codes) -> ``properties["citizenships"]`` / ``nationalities``;
    ``places_of_birth`` -> ``birth_places``; ``start_date`` -> ``listed_on`` (earliest of merged rows; OFAC
    rows have none, then a ``Listing Date (...)`` id item is used); ``end_date`` -> ``end_date``;
    vessel columns -> ``call_sign``, ``vessel_type``, ``tonnage``, ``gross_registered_tonnage``,
    ``vessel_flag``, ``vessel_owner``; ``remarks`` -> remarks; every other column -> a property under its
    own name. ``start_date``/``end_date`` must be ISO dates: anything else is an error naming the row.
"""

from __future__ import annotations

import codecs
import csv
import gzip
import hashlib
import io
import re
import zlib
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date
from functools import lru_cache
from pathlib import Path
from typing import IO

from sanctions_ledger.errors import ParseError
from sanctions_ledger.model import Address, Entity, Name, PartialDate
from sanctions_ledger.model.countries import to_iso2
from sanctions_ledger.parsers.base import ParsedList, header_rows, require_nonempty
from sanctions_ledger.parsers.ofac_remarks import apply_labelled, parse_date_range, person_name
from sanctions_ledger.parsers.other_lists import script_of
from sanctions_ledger.parsers.records import new_entity, one_file_list
from sanctions_ledger.parsers.xmlsafe import clean

FORMAT = "us-csl"
ZONE = "America/New_York"
GZIP_MAGIC = b"\x1f\x8b"
REQUIRED = ("source", "name", "type", "alt_names", "addresses", "ids")
_SCHEMAS = {"individual": "person", "entity": "organization", "vessel": "vessel", "aircraft": "aircraft"}
_ISO_DAY = re.compile(r"^\d{4}-\d{2}-\d{2}$")
_CODE = re.compile(r"^[A-Z]{2}$")
_SOURCE_CODE = re.compile(r"\(([^()]+)\)")
_VESSEL = {
    "call_sign": "call_sign",
    "vessel_type": "vessel_type",
    "gross_tonnage": "tonnage",
    "gross_registered_tonnage": "gross_registered_tonnage",
    "vessel_flag": "vessel_flag",
    "vessel_owner": "vessel_owner",
    "title": "title",
}
_HANDLED = {
    "_id",
    "source",
    "entity_number",
    "type",
    "programs",
    "name",
    "alt_names",
    "addresses",
    "ids",
    "dates_of_birth",
    "citizenships",
    "nationalities",
    "places_of_birth",
    "start_date",
    "end_date",
    "remarks",
    *_VESSEL,
}
_LISTING_LABEL = re.compile(r"^Listing Date\b", re.IGNORECASE)


def source_code(source: str) -> str:
    """``Specially Designated Nationals (SDN) - Treasury Department`` -> ``SDN``; without a parenthesis
    the text before `` - ``."""
    m = _SOURCE_CODE.search(source)
    if m:
        return m.group(1).strip()
    return source.split(" - ")[0].strip()


def _split(text: str) -> list[str]:
    return [p for p in (clean(x) for x in text.split(";")) if p]


def _valid_day(text: str) -> bool:
    try:
        date.fromisoformat(text)
    except ValueError:
        return False
    return True


def _iso(text: str) -> bool:
    return bool(_ISO_DAY.match(text))


@lru_cache(maxsize=4096)
def is_known_label(label: str) -> bool:
    """Whether the OFAC label table places ``label`` (tried on a scratch entity)."""
    scratch = Entity(list="-", source_id="-", schema="unknown", names=[])
    return apply_labelled(scratch, label, "0")


def split_id_item(item: str) -> tuple[str, str, str | None, list[str]]:
    """One ``ids`` item -> (label, value, country code, notes).

    2022 order ``[CC, ][expiry, issue, ]number, label``; 2025 order ``label, number[, CC]``. The label is
    the last piece unless the first piece is a label the OFAC table knows and the last is not."""
    pieces = [p.strip() for p in item.split(", ")]
    if len(pieces) == 1:
        return pieces[0], "", None, []
    if is_known_label(pieces[0]) and not is_known_label(pieces[-1]):
        label, rest = pieces[0], pieces[1:]
        country = rest.pop() if len(rest) > 1 and _CODE.match(rest[-1]) else None
        return label, ", ".join(rest), country, []
    label, rest = pieces[-1], pieces[:-1]
    country = rest.pop(0) if len(rest) > 1 and _CODE.match(rest[0]) else None
    notes: list[str] = []
    if len(rest) > 2 and _iso(rest[0]) and _iso(rest[1]):
        notes = [f"expires {rest[0]}", f"issued {rest[1]}"]
        rest = rest[2:]
    return label, ", ".join(rest), country, notes


@dataclass
class _State:
    path: Path
    list_name: str
    header: list[str]
    entities: dict[str, Entity] = field(default_factory=dict)
    warnings: list[str] = field(default_factory=list)
    rows: int = 0
    merged: int = 0
    per_id: dict[str, int] = field(default_factory=dict)

    def warn(self, line: int, message: str) -> None:
        self.warnings.append(f"{self.path.name}, line {line}: {message}")


def _row_id(row: dict[str, str], has_id: bool, path: Path, line: int) -> str:
    if has_id:
        rid = row["_id"].strip()
        if not rid:
            raise ParseError("row without an _id", path=path, line=line, field="_id")
        return rid
    if num := row.get("entity_number", "").strip():
        return num
    key = "|".join(clean(row.get(c, "")) for c in ("source", "name", "addresses", "federal_register_notice"))
    return "h:" + hashlib.sha1(key.encode("utf-8")).hexdigest()[:16]


def _date_field(row: dict[str, str], col: str, path: Path, line: int) -> str | None:
    value = clean(row.get(col, ""))
    if not value:
        return None
    if not (_iso(value) and _valid_day(value)):
        raise ParseError(f"{col} {value!r} is not an ISO date (YYYY-MM-DD)", path=path, line=line, field=col)
    return value


def _add_name(ent: Entity, text: str, kind: str) -> None:
    text = clean(text)
    if not text:
        return
    if any(n.name == text for n in ent.names):
        return
    if ent.schema == "person":
        name = person_name(text, kind)
        name = Name(name.name, kind, script_of(text), name.first_name, name.last_name)
    else:
        name = Name(text, kind=kind, script=script_of(text))
    ent.names.append(name)


def _address(text: str) -> Address:
    pieces = [p.strip() for p in text.split(", ")]
    country = None
    if len(pieces) > 1 and _CODE.match(pieces[-1]):
        country = pieces.pop()
    elif len(pieces) == 1 and _CODE.match(pieces[0]):
        return Address(country=pieces[0], country_name=pieces[0])
    street = ", ".join(pieces) or None
    return Address(street=street, country=country, country_name=country)


def _apply_row(st: _State, ent: Entity, row: dict[str, str], line: int) -> None:
    src = clean(row.get("source", ""))
    if src:
        code = source_code(src)
        if code not in ent.programs:
            ent.programs.append(code)
        ent.add_property("source_lists", src)
    for prog in _split(row.get("programs", "")):
        if prog not in ent.programs:
            ent.programs.append(prog)
    _add_name(ent, row.get("name", ""), "primary" if not ent.names else "alias")
    for alt in _split(row.get("alt_names", "")):
        _add_name(ent, alt, "alias")
    for piece in _split(row.get("addresses", "")):
        addr = _address(piece)
        if addr not in ent.addresses:
            ent.addresses.append(addr)
    for item in _split(row.get("ids", "")):
        label, value, country, notes = split_id_item(item)
        if _LISTING_LABEL.match(label) and _iso(value):
            ent.add_property("listing_dates", f"{label.rstrip(':')}: {value}")
            continue
        if label.startswith("Digital Currency Address - "):
            # OFAC's label is "Digital Currency Address -" with the currency leading the value
            value, label = f"{label.rsplit(' ', 1)[-1]} {value}", "Digital Currency Address -"
        elif label == "Issuer Name":
            ent.add_property("issuer_names", value)
            continue
        if not value or not apply_labelled(ent, label, value, country=country, note="; ".join(notes) or None):
            ent.add_property("ids_text", item)
    for dob in _split(row.get("dates_of_birth", "")):
        pd = PartialDate(dob) if _ISO_DAY.match(dob) and _valid_day(dob) else parse_date_range(dob)
        if pd is None:
            st.warn(line, f"date of birth {dob!r} not understood; kept verbatim")
            ent.add_property("birth_dates_text", dob)
        elif pd not in ent.birth_dates:
            ent.birth_dates.append(pd)
    for code in _split(row.get("nationalities", "")):
        iso = to_iso2(code) or code
        if iso not in ent.nationalities:
            ent.nationalities.append(iso)
    for code in _split(row.get("citizenships", "")):
        ent.add_property("citizenships", to_iso2(code) or code)
    for place in _split(row.get("places_of_birth", "")):
        ent.add_property("birth_places", place)
    start = _date_field(row, "start_date", st.path, line)
    if start and (ent.listed_on is None or start < ent.listed_on):
        ent.listed_on = start
    if end := _date_field(row, "end_date", st.path, line):
        ent.add_property("end_date", end)
    for col, key in _VESSEL.items():
        ent.add_property(key, clean(row.get(col, "")))
    remarks = clean(row.get("remarks", ""))
    if remarks and ent.remarks is None:
        ent.remarks = remarks
    elif remarks and remarks != ent.remarks:
        ent.add_property("other_remarks", remarks)
    for col in st.header:
        if col and col not in _HANDLED:
            ent.add_property(col, clean(row.get(col, "")))


def _finish(ent: Entity) -> None:
    if ent.listed_on is None and (dates := ent.properties.get("listing_dates")):
        ent.listed_on = min(d.rsplit(": ", 1)[-1] for d in dates)


def _add_row(st: _State, row: dict[str, str], line: int, has_id: bool) -> None:
    rid = _row_id(row, has_id, st.path, line)
    st.rows += 1
    st.per_id[rid] = st.per_id.get(rid, 0) + 1
    ent = st.entities.get(rid)
    if ent is None:
        raw = clean(row.get("type", ""))
        schema = _SCHEMAS.get(raw.lower(), "unknown")
        if raw and schema == "unknown":
            st.warn(line, f"_id {rid}: unknown type {raw!r}; schema 'unknown'")
        ent = new_entity(st.list_name, rid, schema, st.path, line, f"_id {rid}")
        if raw:
            ent.add_property("type", raw)
        st.entities[rid] = ent
    else:
        st.merged += 1
        raw = clean(row.get("type", ""))
        if raw and raw not in ent.properties.get("type", [raw]):
            st.warn(line, f"_id {rid}: type {raw!r} differs from an earlier row's; merged")
            ent.add_property("type", raw)
    _apply_row(st, ent, row, line)
    if not clean(row.get("name", "")):
        raise ParseError(f"row of _id {rid} has no name", path=st.path, line=line, field="name")


def _locate_bad_byte(path: Path) -> tuple[int, int]:
    """(line, byte) of the first byte that is not UTF-8, scanning the (decompressed) file in blocks."""
    decoder = codecs.getincrementaldecoder("utf-8")()
    line = 1
    with path.open("rb") as raw:
        gz = raw.read(2) == GZIP_MAGIC
        raw.seek(0)
        binary: IO[bytes] = gzip.GzipFile(fileobj=raw) if gz else raw  # type: ignore[assignment]
        while block := binary.read(1 << 16):
            try:
                decoder.decode(block)
            except UnicodeDecodeError as exc:
                start = max(0, exc.start - len(exc.object) + len(block))
                return line + block.count(b"\n", 0, start), block[start] if start < len(block) else 0
            line += block.count(b"\n")
    return line, 0


def _stream(path: Path) -> Iterator[str]:
    """Lines of the (possibly gzip) file, decoded strictly as UTF-8."""
    with path.open("rb") as raw:
        gz = raw.read(2) == GZIP_MAGIC
        raw.seek(0)
        binary: IO[bytes] = gzip.GzipFile(fileobj=raw) if gz else raw  # type: ignore[assignment]
        text = io.TextIOWrapper(binary, encoding="utf-8-sig", errors="strict", newline="")
        yield from text


def parse(path: Path, *, list_name: str = "us-csl") -> ParsedList:
    """Parse a trade.gov ``consolidated.csv`` (or ``.csv.gz``)."""
    require_nonempty(path)
    lines = _stream(path)
    reader = csv.reader(lines)
    line_no = 0
    try:
        header = [clean(h) for h in next(reader, [])]
        _check_header(header, path)
        st = _State(path=path, list_name=list_name, header=header)
        has_id = "_id" in header
        for line_no, row in header_rows(reader, header, path, "a quote or comma is probably missing"):
            if [row[h] for h in header] == header:
                st.warn(line_no, "the header row is repeated here; skipped")
                continue
            _add_row(st, row, line_no, has_id)
    except UnicodeDecodeError:
        line, byte = _locate_bad_byte(path)
        raise ParseError(
            f"cannot decode byte 0x{byte:02x} as UTF-8",
            path=path,
            line=line,
            hint="the CSL is published in UTF-8; is this the right file?",
        ) from None
    except (EOFError, gzip.BadGzipFile, zlib.error) as exc:
        raise ParseError(
            f"damaged gzip stream after line {reader.line_num}: {exc}",
            path=path,
            line=reader.line_num,
            hint="the file is truncated or corrupt; fetch it again",
        ) from None
    except csv.Error as exc:
        raise ParseError(f"malformed CSV: {exc}", path=path, line=reader.line_num) from None
    entities = list(st.entities.values())
    for ent in entities:
        _finish(ent)
        if (rows := st.per_id[ent.source_id]) > 1:
            ent.add_property("rows", str(rows))
    if st.merged:
        st.warnings.append(
            f"{path.name}: {st.merged} rows share an _id with an earlier row (same party on several lists); "
            "merged into one entity each"
        )
    return one_file_list(
        path,
        list_name,
        FORMAT,
        entities,
        counts={"records": len(entities), "rows": st.rows, "entities": len(entities)},
        warnings=st.warnings,
    )


def _check_header(header: list[str], path: Path) -> None:
    missing = [c for c in REQUIRED if c not in header]
    if missing:
        raise ParseError(
            f"header lacks required column(s) {', '.join(repr(c) for c in missing)}",
            path=path,
            line=1,
            hint="is this a trade.gov Consolidated Screening List CSV? header read: "
            + ",".join(header)[:200],
        )
    dupes = sorted({c for c in header if c and header.count(c) > 1})
    if dupes:
        raise ParseError(f"header repeats column(s) {dupes}", path=path, line=1)
