"""UN Security Council Consolidated List XML (format ``un-xml``).

``CONSOLIDATED_LIST`` (``sc-sanctions.xsd``) with ``INDIVIDUALS/INDIVIDUAL`` and ``ENTITIES/ENTITY``
records; the root's ``dateGenerated`` is the publication instant. One record becomes one
:class:`Entity` with ``source_id`` = ``REFERENCE_NUMBER`` (e.g. ``KPi.033``).

Rules worth knowing:

* Text is whitespace-collapsed (the same list is published pretty-printed and compact; line breaks and
  indentation inside values are layout, not content), so re-publications compare equal.
* Name parts ``FIRST_NAME``..``FOURTH_NAME`` are joined in order into the primary name. They are
  positional, not given/family names (``KPi.033``'s FIRST_NAME ``RI`` is the family name), so no
  ``first_name``/``last_name`` is set.
* ``ALIAS_NAME`` sometimes packs several names separated by ``;`` (older records): these are split,
  except inside parentheses (``حسن غول (Hassan Ghul; Hassan Gul)`` stays one name).
  QUALITY Good/a.k.a./(empty) -> ``alias``, Low -> ``weak``, f.k.a. -> ``former``, n.k.a. -> ``new``.
* ``NAME_ORIGINAL_SCRIPT`` -> kind ``original_script``; every name's script is detected from its letters.
* Documents with a ``NUMBER`` become identifiers; a document without one is kept verbatim in
  ``properties["documents"]``.
* Nothing is dropped: unknown elements and attributes go to ``properties`` under their lower_snake tag;
  ``xsi:``/``xmlns`` attributes (schema plumbing) are ignored.
"""

from __future__ import annotations

import re
import unicodedata
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

from sanctions_ledger.errors import ParseError
from sanctions_ledger.model import Address, Entity, Identifier, Name, PartialDate, Provenance
from sanctions_ledger.model.countries import to_iso2
from sanctions_ledger.parsers.base import ParsedList, require_nonempty, source_file
from sanctions_ledger.parsers.xmlsafe import XmlNode, clean, parse_xml

FORMAT = "un-xml"
ROOT = "CONSOLIDATED_LIST"
_RECORDS = {"INDIVIDUALS": "INDIVIDUAL", "ENTITIES": "ENTITY"}
_SCHEMA = {"INDIVIDUAL": "person", "ENTITY": "organization"}
_NAME_PARTS = ("FIRST_NAME", "SECOND_NAME", "THIRD_NAME", "FOURTH_NAME")
_QUALITY = {"good": "alias", "a.k.a.": "alias", "aka": "alias", "": "alias", "low": "weak"}
_VALUE_LISTS = {"DESIGNATION": "designation", "TITLE": "title", "LIST_TYPE": "list_type"}
_PLAIN = {"DATAID": "dataid", "VERSIONNUM": "versionnum", "GENDER": "gender", "SUBMITTED_BY": "submitted_by"}
_MONTHS = {
    m: i
    for i, m in enumerate(
        ("jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"), start=1
    )
}
_YEAR = re.compile(r"^(\d{4})$")
_YEAR_RANGE = re.compile(r"^(\d{4})\s*[-/]\s*(\d{4})$")
_MONTH_YEAR = re.compile(r"^([A-Za-z]{3})[a-z]*\.?\s+(\d{4})$")
_ISO_DAY = re.compile(r"^(\d{4})-(\d{2})-(\d{2})")


# --- helpers shared with the other parsers ------------------------------------------------------------

# Demonyms and spellings that neither to_iso2 nor a simple suffix rule resolves.
_SCRIPT_PREFIX = {
    "LATIN": "Latn",
    "CYRILLIC": "Cyrl",
    "ARABIC": "Arab",
    "HANGUL": "Hang",
    "CJK": "Hani",
    "HIRAGANA": "Hira",
    "KATAKANA": "Kana",
    "GREEK": "Grek",
    "HEBREW": "Hebr",
    "DEVANAGARI": "Deva",
    "THAI": "Thai",
    "GEORGIAN": "Geor",
    "ARMENIAN": "Armn",
    "ETHIOPIC": "Ethi",
    "BENGALI": "Beng",
    "TAMIL": "Taml",
    "GUJARATI": "Gujr",
    "GURMUKHI": "Guru",
    "KHMER": "Khmr",
    "LAO": "Laoo",
    "MYANMAR": "Mymr",
    "SINHALA": "Sinh",
    "TIBETAN": "Tibt",
    "MONGOLIAN": "Mong",
    "SYRIAC": "Syrc",
    "THAANA": "Thaa",
}


def detect_script(text: str) -> str:
    """ISO 15924 code of the dominant script of ``text``'s letters (``Latn`` when there are none).

    Hangul mixed with Han is ``Kore``; kana mixed with Han is ``Jpan``.
    """
    counts: Counter[str] = Counter()
    for ch in text:
        if not ch.isalpha():
            continue
        first = unicodedata.name(ch, "").split(" ", 1)[0]
        counts[_SCRIPT_PREFIX.get(first, "Zyyy")] += 1
    if not counts:
        return "Latn"
    if counts["Hani"] and counts["Hang"]:
        return "Kore"
    if counts["Hani"] and (counts["Hira"] or counts["Kana"]):
        return "Jpan"
    return counts.most_common(1)[0][0]


def lower_snake(tag: str) -> str:
    s = re.sub(r"([a-z0-9])([A-Z])", r"\1_\2", tag.split(":")[-1])
    return re.sub(r"[^0-9a-zA-Z]+", "_", s).strip("_").lower()


def split_aliases(text: str) -> list[str]:
    """Split ``a; b; c`` at semicolons, except inside a parenthesis that is closed later
    (``حسن غول (Hassan Ghul; Hassan Gul)`` stays one name); drop empty pieces."""
    out: list[str] = []
    depth = 0
    start = 0
    for i, ch in enumerate(text):
        if ch == "(":
            depth += 1
        elif ch == ")":
            depth = max(0, depth - 1)
        elif ch == ";" and not (depth and ")" in text[i:]):
            out.append(text[start:i])
            start = i + 1
    out.append(text[start:])
    return [p for p in (clean(x) for x in out) if p]


def flatten(node: XmlNode) -> str:
    """An element's content as one verbatim line: its text, or ``CHILD: text; ...`` for its children."""
    if not node.children:
        return clean(node.text)
    parts = []
    for child in node.children:
        value = flatten(child)
        if value:
            parts.append(f"{lower_snake(child.tag)}: {value}")
    return "; ".join(parts)


# --- record parsing ---------------------------------------------------------------------------------


@dataclass
class _Stats:
    names: int = 0
    addresses: int = 0
    identifiers: int = 0
    warnings: list[str] = field(default_factory=list)


@dataclass
class _Record:
    """What one record's children say, gathered before the Entity is built."""

    node: XmlNode
    path: Path
    stats: _Stats
    ref: str = ""
    parts: dict[str, str] = field(default_factory=dict)
    entity: Entity | None = None
    aliases: list[Name] = field(default_factory=list)

    @property
    def where(self) -> str:
        return f"{self.node.tag}[{self.ref or '?'}]"

    def warn(self, line: int, message: str) -> None:
        self.stats.warnings.append(f"{self.path.name}, line {line}: {self.where}: {message}")


def _date(text: str) -> str | None:
    """``YYYY-MM-DD`` from ``YYYY-MM-DD`` or ``YYYY-MM-DD-04:00``; ``None`` if not a date."""
    m = _ISO_DAY.match(text)
    if not m:
        return None
    try:
        return PartialDate.of(int(m[1]), int(m[2]), int(m[3])).value
    except ValueError:
        return None


def _partial(text: str, *, circa: bool = False) -> PartialDate | None:
    text = clean(text)
    if m := _YEAR.match(text):
        return PartialDate(m[1], circa=circa)
    if m := _YEAR_RANGE.match(text):
        return PartialDate(m[1], circa=circa, end=m[2]) if m[1] <= m[2] else None
    if (m := _MONTH_YEAR.match(text)) and m[1].lower() in _MONTHS:
        return PartialDate.of(int(m[2]), _MONTHS[m[1].lower()], circa=circa)
    if day := _date(text):
        return PartialDate(day, circa=circa)
    return None


def _add_birth_date(ent: Entity, pd: PartialDate) -> None:
    if pd not in ent.birth_dates:
        ent.birth_dates.append(pd)


def _on_dob(rec: _Record, node: XmlNode) -> None:
    ent = _entity(rec)
    kind = node.findtext("TYPE_OF_DATE").upper()
    circa = kind.startswith("APPROX")
    known = {"TYPE_OF_DATE", "DATE", "YEAR", "FROM_YEAR", "TO_YEAR", "NOTE"}
    pd: PartialDate | None = None
    raw = ""
    if node.findtext("FROM_YEAR") or node.findtext("TO_YEAR"):
        lo, hi = node.findtext("FROM_YEAR"), node.findtext("TO_YEAR")
        raw = f"{lo}-{hi}"
        pd = _partial(raw, circa=circa) if lo and hi else _partial(lo or hi, circa=circa)
    elif raw := node.findtext("DATE") or node.findtext("YEAR"):
        pd = _partial(raw, circa=circa)
    if raw and pd is None:
        rec.warn(node.line, f"date of birth {raw!r} not understood; kept verbatim")
        ent.add_property("birth_dates_text", raw)
    elif pd is not None:
        _add_birth_date(ent, pd)
    if note := node.findtext("NOTE"):
        ent.add_property("birth_date_notes", f"{raw}: {note}" if raw else note)
    _keep_unknown(rec, node, known, "date_of_birth")


def _on_pob(rec: _Record, node: XmlNode) -> None:
    known = ("STREET", "CITY", "STATE_PROVINCE", "COUNTRY")
    place = ", ".join(v for v in (node.findtext(t) for t in known) if v)
    if note := node.findtext("NOTE"):
        place = f"{place} ({note})" if place else note
    if place:
        _entity(rec).add_property("birth_places", place)
    _keep_unknown(rec, node, {*known, "NOTE"}, "place_of_birth")


def _on_address(rec: _Record, node: XmlNode) -> None:
    country_name = node.findtext("COUNTRY") or None
    addr = Address(
        street=node.findtext("STREET") or None,
        city=node.findtext("CITY") or None,
        state=node.findtext("STATE_PROVINCE") or None,
        postal_code=node.findtext("ZIP_CODE") or None,
        country=to_iso2(country_name),
        country_name=country_name,
        note=node.findtext("NOTE") or None,
    )
    _keep_unknown(rec, node, {"STREET", "CITY", "STATE_PROVINCE", "ZIP_CODE", "COUNTRY", "NOTE"}, "address")
    if addr == Address():
        return
    ent = _entity(rec)
    ent.addresses.append(addr)
    rec.stats.addresses += 1


def _doc_type(text: str) -> str:
    low = text.lower()
    if not low:
        return "other"
    if "passport" in low or "pasaporte" in low or "passeport" in low:
        return "passport"
    if "national identi" in low:
        return "national_id"
    return lower_snake(low) or "other"


_DOC_KNOWN = {
    "TYPE_OF_DOCUMENT",
    "TYPE_OF_DOCUMENT2",
    "NUMBER",
    "ISSUING_COUNTRY",
    "COUNTRY_OF_ISSUE",
    "DATE_OF_ISSUE",
    "CITY_OF_ISSUE",
    "NOTE",
}


def _on_document(rec: _Record, node: XmlNode) -> None:
    ent = _entity(rec)
    number = node.findtext("NUMBER")
    kind = node.findtext("TYPE_OF_DOCUMENT")
    country_text = node.findtext("ISSUING_COUNTRY") or node.findtext("COUNTRY_OF_ISSUE")
    country = to_iso2(country_text)
    notes = []
    if (kind2 := node.findtext("TYPE_OF_DOCUMENT2")) and kind2 != kind:
        notes.append(kind2)
    if country_text and not country:
        notes.append(f"issued by {country_text}")
    for tag, label in (("ISSUING_COUNTRY", "issuing country"), ("COUNTRY_OF_ISSUE", "country of issue")):
        other = node.findtext(tag)
        if other and other != country_text:
            notes.append(f"{label}: {other}")
    if d := node.findtext("DATE_OF_ISSUE"):
        notes.append(f"issued on {d}")
    if c := node.findtext("CITY_OF_ISSUE"):
        notes.append(f"issued in {c}")
    if n := node.findtext("NOTE"):
        notes.append(n)
    _keep_unknown(rec, node, _DOC_KNOWN, "document")
    if number:
        ident = Identifier(
            type=_doc_type(kind or kind2), value=number, country=country, note="; ".join(notes) or None
        )
        ent.identifiers.append(ident)
        rec.stats.identifiers += 1
    elif flat := flatten(node):
        ent.add_property("documents", flat)


def _on_alias(rec: _Record, node: XmlNode) -> None:
    ent = _entity(rec)
    quality = node.findtext("QUALITY")
    q = quality.lower()
    kind = _QUALITY.get(q) or ("former" if "f.k.a" in q or "fka" in q else "new" if "n.k.a" in q else "alias")
    if q not in _QUALITY and kind == "alias":
        rec.warn(node.line, f"unknown alias QUALITY {quality!r}; taken as a.k.a.")
    text = node.findtext("ALIAS_NAME")
    names = split_aliases(text)
    for n in names:
        rec.aliases.append(Name(n, kind=kind, script=detect_script(n)))
    extras = [
        f"{lower_snake(c.tag)}: {v}"
        for c in node.children
        if c.tag not in ("QUALITY", "ALIAS_NAME") and (v := flatten(c))
    ]
    if extras:
        ent.add_property("alias_details", f"{text}: {'; '.join(extras)}" if text else "; ".join(extras))
    if dob := node.findtext("DATE_OF_BIRTH"):
        pd = _partial(dob)
        if pd is not None:
            _add_birth_date(ent, pd)
    if not names and quality:
        ent.add_property("alias_details", f"quality {quality} without a name")


def _on_original_script(rec: _Record, node: XmlNode) -> None:
    text = clean(node.text)
    if text:
        rec.aliases.append(Name(text, kind="original_script", script=detect_script(text)))


def _on_nationality(rec: _Record, node: XmlNode) -> None:
    values = [clean(v.text) for v in node.findall("VALUE")] if node.children else [clean(node.text)]
    ent = _entity(rec)
    for v in values:
        if not v:
            continue
        code = to_iso2(v) or v
        if code not in ent.nationalities:
            ent.nationalities.append(code)
    _keep_unknown(rec, node, {"VALUE"}, "nationality")


def _values(node: XmlNode) -> list[str]:
    if node.children:
        return [v for v in (clean(c.text) for c in node.findall("VALUE")) if v]
    v = clean(node.text)
    return [v] if v else []


def _keep_unknown(rec: _Record, node: XmlNode, known: set[str] | tuple[str, ...], prefix: str) -> None:
    for child in node.children:
        if child.tag not in known and (v := flatten(child)):
            _entity(rec).add_property(f"{prefix}_{lower_snake(child.tag)}", v)


def _entity(rec: _Record) -> Entity:
    assert rec.entity is not None
    return rec.entity


def _on_simple(rec: _Record, node: XmlNode) -> None:
    ent = _entity(rec)
    tag = node.tag
    text = clean(node.text)
    if tag in _NAME_PARTS:
        rec.parts[tag] = text
    elif tag == "UN_LIST_TYPE":
        if text and text not in ent.programs:
            ent.programs.append(text)
        ent.add_property("un_list_type", text)
    elif tag == "LISTED_ON":
        ent.listed_on = _date(text)
        if text and ent.listed_on is None:
            rec.warn(node.line, f"LISTED_ON {text!r} is not a date; kept verbatim")
            ent.add_property("listed_on_text", text)
    elif tag == "COMMENTS1":
        ent.remarks = text or None
    elif tag == "LAST_DAY_UPDATED":
        for v in _values(node):
            ent.add_property("last_updated", _date(v) or v)
    elif tag in _VALUE_LISTS:
        for v in _values(node):
            ent.add_property(_VALUE_LISTS[tag], v)
    elif tag == "REFERENCE_NUMBER":
        pass  # read before the walk
    elif tag in _PLAIN:
        ent.add_property(_PLAIN[tag], text)
    else:
        # anything else (SORT_KEY, SUBMITTED_ON, NATIONALITY2 handled separately, future elements): verbatim
        v = "; ".join(_values(node)) if node.children and node.find("VALUE") else flatten(node)
        ent.add_property(lower_snake(tag), v)


_HANDLERS: dict[str, Callable[[_Record, XmlNode], None]] = {
    "INDIVIDUAL_ALIAS": _on_alias,
    "ENTITY_ALIAS": _on_alias,
    "INDIVIDUAL_ADDRESS": _on_address,
    "ENTITY_ADDRESS": _on_address,
    "INDIVIDUAL_DATE_OF_BIRTH": _on_dob,
    "INDIVIDUAL_PLACE_OF_BIRTH": _on_pob,
    "INDIVIDUAL_DOCUMENT": _on_document,
    "NAME_ORIGINAL_SCRIPT": _on_original_script,
    "NATIONALITY": _on_nationality,
    "NATIONALITY2": _on_nationality,
}


def _parse_record(node: XmlNode, path: Path, list_name: str, stats: _Stats) -> Entity:
    rec = _Record(node=node, path=path, stats=stats)
    rec.ref = node.findtext("REFERENCE_NUMBER")
    if not rec.ref:
        dataid = node.findtext("DATAID")
        raise ParseError(
            f"{node.tag} record without REFERENCE_NUMBER" + (f" (DATAID {dataid})" if dataid else ""),
            path=path,
            line=node.line,
            field="REFERENCE_NUMBER",
        )
    rec.entity = Entity(
        list=list_name,
        source_id=rec.ref,
        schema=_SCHEMA[node.tag],
        names=[],
        provenance=Provenance(file=path.name, line=node.line, element=f"{node.tag}[{rec.ref}]"),
    )
    for key, value in node.attrib.items():
        if not (key.startswith("xsi:") or key.startswith("xmlns")):
            rec.entity.add_property(lower_snake(key), value)
    for child in node.children:
        _HANDLERS.get(child.tag, _on_simple)(rec, child)
    primary = " ".join(p for p in (rec.parts.get(t, "") for t in _NAME_PARTS) if p)
    if not primary:
        raise ParseError(
            f"{rec.where} has no name (FIRST_NAME..FOURTH_NAME empty)", path=path, line=node.line
        )
    rec.entity.names = [Name(primary, kind="primary", script=detect_script(primary)), *rec.aliases]
    stats.names += len(rec.entity.names)
    return rec.entity


def _published_at(root: XmlNode, path: Path) -> datetime | None:
    raw = root.attrib.get("dateGenerated", "").strip()
    if not raw:
        return None
    try:
        dt = datetime.fromisoformat(raw.replace("Z", "+00:00"))
    except ValueError:
        raise ParseError(
            f"dateGenerated {raw!r} is not an ISO instant", path=path, line=root.line, field="dateGenerated"
        ) from None
    return dt if dt.tzinfo else dt.replace(tzinfo=UTC)


def parse(path: Path, *, list_name: str = "un") -> ParsedList:
    """Parse a UN ``consolidated.xml`` file."""
    require_nonempty(path)
    root = parse_xml(path)
    if root.tag != ROOT:
        raise ParseError(f"root element is <{root.tag}>, expected <{ROOT}>", path=path, line=root.line)
    stats = _Stats()
    entities: list[Entity] = []
    for section in root.children:
        record_tag = _RECORDS.get(section.tag)
        if record_tag is None:
            stats.warnings.append(
                f"{path.name}, line {section.line}: unknown section <{section.tag}> skipped"
            )
            continue
        for node in section.children:
            if node.tag != record_tag:
                raise ParseError(
                    f"unexpected <{node.tag}> in <{section.tag}> (expected <{record_tag}>)",
                    path=path,
                    line=node.line,
                )
            entities.append(_parse_record(node, path, list_name, stats))
    return ParsedList(
        list=list_name,
        format=FORMAT,
        entities=entities,
        files=[source_file(path.name, path)],
        published_at=_published_at(root, path),
        counts={
            "records": len(entities),
            "names": stats.names,
            "addresses": stats.addresses,
            "identifiers": stats.identifiers,
        },
        warnings=stats.warnings,
    )
