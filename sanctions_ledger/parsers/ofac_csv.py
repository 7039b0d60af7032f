"""OFAC legacy delimited files (format ``ofac-csv``): ``sdn.csv``/``cons_prim.csv`` plus add/alt/comments.

The files have no header; ``-0-`` (usually with a trailing space) is null; rows end in CRLF (one known set
has LF); the file ends with a Ctrl-Z byte; text is UTF-8 or Windows-1252. A record may span lines (newlines
inside quotes), so each record's starting line is tracked for provenance and error messages.

OFAC cuts ``remarks`` at 1000 characters and continues them, mid-word, in the comments file; the parts are
joined exactly and only the joined text is parsed (:mod:`sanctions_ledger.parsers.ofac_remarks`).
"""

from __future__ import annotations

import csv
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

from sanctions_ledger.errors import ParseError
from sanctions_ledger.model import Address, Entity, Name, Provenance
from sanctions_ledger.model.countries import to_iso2
from sanctions_ledger.parsers.base import ParsedList, SourceFile, read_text, require_nonempty, source_file
from sanctions_ledger.parsers.ofac_remarks import RemarkStats, apply_remarks, person_name

FORMAT = "ofac-csv"
ENCODINGS = ("utf-8", "cp1252")
REMARKS_LIMIT = 1000  # OFAC cuts remarks here and continues them in the comments file

MAIN_FIELDS = (
    "ent_num",
    "name",
    "type",
    "program",
    "title",
    "call_sign",
    "vess_type",
    "tonnage",
    "grt",
    "vess_flag",
    "vess_owner",
    "remarks",
)
ADD_FIELDS = ("ent_num", "add_num", "address", "city_state_postal", "country", "add_remarks")
ALT_FIELDS = ("ent_num", "alt_num", "alt_type", "alt_name", "alt_remarks")
COMMENT_FIELDS = ("ent_num", "remarks_overflow")

_SCHEMAS = {"individual": "person", "vessel": "vessel", "aircraft": "aircraft"}
_ALT_KINDS = {"aka": "alias", "fka": "former", "nka": "new"}
_VESSEL_PROPS = (
    (5, "call_sign"),
    (6, "vessel_type"),
    (7, "tonnage"),
    (8, "gross_registered_tonnage"),
    (10, "vessel_owner"),
)
# "Tehran 11365" -> city "Tehran", postal code "11365"; only a clean trailing numeric code is split off
_TRAILING_POSTAL = re.compile(r"^(?P<city>.*[^\d\s-])\s+(?P<postal>\d{3,10}(?:-\d{3,4})?)$")


@dataclass
class Record:
    """One CSV record: its fields (null -> ``None``) and the 1-based line where it starts."""

    line: int
    fields: list[str | None]


@dataclass
class _Main:
    entity: Entity
    remarks: str | None
    line: int
    continued: bool = False
    key: tuple[str | None, ...] | None = None  # raw fields, when a memo is in use
    remembered: RemarkStats | None = None  # set when the entity came from the memo


@dataclass
class RecordMemo:
    """Entities parsed from earlier files, by raw record, for parsing many versions of one list in a row
    (the daily archive): a record unchanged since the previous file is not parsed again. Used only for
    main-file-only sets, where a record's fields are all that define its entity. Holds the records of the
    latest file only, so memory stays at one list's worth."""

    entries: dict[tuple[str | None, ...], tuple[Entity, RemarkStats]] = field(default_factory=dict)
    hits: int = 0
    misses: int = 0


# --------------------------------------------------------------------------------------------- reading


def _lines(text: str) -> Iterator[str]:
    """Lines split at ``\\n`` only (so line numbers match what editors and ``grep -n`` show)."""
    start = 0
    n = len(text)
    while start < n:
        end = text.find("\n", start)
        if end < 0:
            yield text[start:]
            return
        yield text[start : end + 1]
        start = end + 1


def _null(value: str) -> str | None:
    v = value.strip()
    return None if v in ("", "-0-") else v


def read_records(path: Path, fields: tuple[str, ...], *, allow_empty: bool = False) -> list[Record]:
    """All records of one legacy file, each checked to have exactly ``len(fields)`` fields."""
    if path.stat().st_size == 0:
        if allow_empty:
            return []
        require_nonempty(path)
    text, _enc = read_text(path, ENCODINGS)
    reader = csv.reader(_lines(text), strict=True)
    records: list[Record] = []
    last_end = 0
    try:
        for row in reader:
            start = last_end + 1
            last_end = reader.line_num
            if not row or (len(row) == 1 and not row[0].strip()):
                continue  # blank line (e.g. before the Ctrl-Z)
            records.append(Record(start, [_null(v) for v in row]))
    except csv.Error as exc:
        at_eof = reader.line_num >= text.count("\n") + (0 if text.endswith("\n") else 1)
        raise ParseError(
            f"malformed record: {exc}" + (" (the file looks truncated)" if at_eof else ""),
            path=path,
            line=last_end + 1,
            hint="the file may be cut short or damaged; fetch it again" if at_eof else None,
        ) from None
    ends_clean = text.endswith("\n")
    for i, rec in enumerate(records):
        if len(rec.fields) != len(fields):
            last = i == len(records) - 1
            truncated = last and not ends_clean and len(rec.fields) < len(fields)
            raise ParseError(
                f"expected {len(fields)} fields ({', '.join(fields)}), found {len(rec.fields)}"
                + (" (the file looks truncated)" if truncated else ""),
                path=path,
                line=rec.line,
                hint="is this the right file for its role, and is it complete?",
            )
    if not records and not allow_empty:
        raise ParseError(
            "file has no records", path=path, hint="a failed download often leaves an empty file"
        )
    return records


def _ent_num(path: Path, rec: Record) -> str:
    raw = rec.fields[0]
    if raw is None or not raw.isdigit():
        raise ParseError(
            f"ent_num must be an integer, found {raw!r}", path=path, line=rec.line, field="ent_num"
        )
    return str(int(raw))


# --------------------------------------------------------------------------------------------- building


def split_programs(value: str | None) -> list[str]:
    """``"DPRK3] [DPRK4"`` -> ``["DPRK3", "DPRK4"]``."""
    if not value:
        return []
    out: list[str] = []
    for part in value.split("] ["):
        p = part.strip().strip("[]").strip()
        if p and p not in out:
            out.append(p)
    return out


def _entity(list_name: str, role: str, rec: Record, ent_num: str, path: Path, warnings: list[str]) -> Entity:
    f = rec.fields
    name = f[1]
    if name is None:
        raise ParseError("record has no name", path=path, line=rec.line, field="name")
    type_ = (f[2] or "").lower()
    schema = _SCHEMAS.get(type_, "organization" if not type_ else "unknown")
    if schema == "unknown":
        warnings.append(f"{role}, line {rec.line}: unknown type {f[2]!r} for ent_num {ent_num}")
    entity = Entity(
        list=list_name,
        source_id=ent_num,
        schema=schema,
        names=[person_name(name, "primary") if schema == "person" else Name(name, kind="primary")],
        programs=split_programs(f[3]),
        provenance=Provenance(file=role, line=rec.line),
    )
    if f[4]:
        entity.add_property("title", f[4])
    for idx, key in _VESSEL_PROPS:
        if f[idx]:
            entity.add_property(key, f[idx] or "")
    if f[9]:
        entity.add_property("vessel_flag", f[9])
        code = to_iso2(f[9])
        if code:
            entity.add_property("vessel_flag_code", code)
    return entity


def _address(rec: Record) -> Address | None:
    _, _, street, place, country, note = rec.fields
    if not any((street, place, country, note)):
        return None
    city, postal = place, None
    if place:
        m = _TRAILING_POSTAL.match(place)
        if m:
            city, postal = m.group("city").strip().rstrip(","), m.group("postal")
    return Address(
        street=street,
        city=city,
        postal_code=postal,
        country=to_iso2(country) if country else None,
        country_name=country,
        note=note,
    )


def _owner(mains: dict[str, _Main], path: Path, rec: Record, main_role: str) -> _Main:
    ent_num = _ent_num(path, rec)
    main = mains.get(ent_num)
    if main is None:
        raise ParseError(
            f"ent_num {ent_num} is not in {main_role}",
            path=path,
            line=rec.line,
            field="ent_num",
            hint="the files of a set must come from the same publication",
        )
    return main


# --------------------------------------------------------------------------------------------- parse


def parse(
    main: Path,
    *,
    add: Path | None = None,
    alt: Path | None = None,
    comments: Path | None = None,
    list_name: str,
    memo: RecordMemo | None = None,
) -> ParsedList:
    """Parse one OFAC legacy CSV set into a :class:`ParsedList` (format ``ofac-csv``).

    ``memo`` (main-file-only sets) reuses the entities of records unchanged since the last call."""
    if add is not None or alt is not None or comments is not None:
        memo = None
    warnings: list[str] = []
    files: list[SourceFile] = [source_file(main.name, main)]
    role = main.name
    counts = {"records": 0, "add_rows": 0, "alt_rows": 0, "comment_rows": 0, "empty_add_rows": 0}

    mains: dict[str, _Main] = {}
    for rec in read_records(main, MAIN_FIELDS):
        ent_num = _ent_num(main, rec)
        if ent_num in mains:
            raise ParseError(
                f"duplicate ent_num {ent_num} (first at line {mains[ent_num].line})",
                path=main,
                line=rec.line,
                field="ent_num",
            )
        counts["records"] += 1
        if memo is not None:
            key = tuple(rec.fields)
            known = memo.entries.get(key)
            if known is not None:
                memo.hits += 1
                entity = known[0].with_provenance(Provenance(role, line=rec.line))
                mains[ent_num] = _Main(entity, rec.fields[11], rec.line, key=key, remembered=known[1])
                continue
            memo.misses += 1
        entity = _entity(list_name, role, rec, ent_num, main, warnings)
        mains[ent_num] = _Main(entity, rec.fields[11], rec.line, key=tuple(rec.fields) if memo else None)

    if comments is not None:
        files.append(source_file(comments.name, comments))
        for rec in read_records(comments, COMMENT_FIELDS, allow_empty=True):
            owner = _owner(mains, comments, rec, role)
            owner.remarks = (owner.remarks or "") + (rec.fields[1] or "")
            owner.continued = True
            counts["comment_rows"] += 1

    if alt is not None:
        files.append(source_file(alt.name, alt))
        for rec in read_records(alt, ALT_FIELDS):
            owner = _owner(mains, alt, rec, role)
            counts["alt_rows"] += 1
            _, _, alt_type, alt_name, alt_remarks = rec.fields
            if alt_name is None:
                warnings.append(f"{alt.name}, line {rec.line}: alias row without a name")
                continue
            kind = _ALT_KINDS.get((alt_type or "").lower().replace(".", ""))
            if kind is None:
                warnings.append(f"{alt.name}, line {rec.line}: unknown alias type {alt_type!r}; taken as aka")
                kind = "alias"
            e = owner.entity
            name = person_name(alt_name, kind) if e.schema == "person" else Name(alt_name, kind=kind)
            e.names.append(name)
            if alt_remarks:
                e.add_property("alias_remarks", f"{alt_name}: {alt_remarks}")

    if add is not None:
        files.append(source_file(add.name, add))
        for rec in read_records(add, ADD_FIELDS):
            owner = _owner(mains, add, rec, role)
            counts["add_rows"] += 1
            address = _address(rec)
            if address is None:
                counts["empty_add_rows"] += 1
            else:
                owner.entity.addresses.append(address)

    stats = RemarkStats()
    truncated = 0
    kept: dict[tuple[str | None, ...], tuple[Entity, RemarkStats]] = {}
    for m in mains.values():
        cut = comments is None and m.remarks is not None and len(m.remarks) >= REMARKS_LIMIT
        truncated += cut
        if m.remembered is not None:
            entry_stats = m.remembered
        else:
            m.entity.remarks = m.remarks
            entry_stats = apply_remarks(m.entity, m.remarks, truncated=cut)
            entry_stats.unparsed_examples.clear()
            if m.key is not None:
                m.entity.freeze()
        stats.add(entry_stats)
        if m.key is not None:
            kept[m.key] = (m.entity, entry_stats)
    if memo is not None:
        memo.entries = kept
    if truncated:
        warnings.append(
            f"{truncated} remarks reach {REMARKS_LIMIT} characters and no comments file was given: they are "
            "probably cut; their last clause is kept verbatim in properties['truncated_remarks']"
        )

    entities = [m.entity for m in mains.values()]
    counts["names"] = sum(len(e.names) for e in entities)
    counts["addresses"] = sum(len(e.addresses) for e in entities)
    counts["identifiers"] = sum(len(e.identifiers) for e in entities)
    counts["remark_clauses"] = stats.clauses
    counts["unparsed_clauses"] = stats.unparsed
    return ParsedList(
        list=list_name, format=FORMAT, entities=entities, files=files, counts=counts, warnings=warnings
    )
