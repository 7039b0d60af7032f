"""Swiss SECO sanctions list XML, ``<swiss-sanctions-list list-type="whole-list">`` (format ``ch-seco-xml``).

One ``<target ssid>`` per subject (``source_id`` = ssid) holding ``<individual>``, ``<entity>`` or
``<object object-type="vessel|aircraft|...">`` and a newest-first list of ``<modification>``s. Only the
direct children of the subject element are read: the ``<added>``/``<removed>`` copies nested in
modifications are history, not current content (reading them would double the names).

* **Status.** The whole list keeps de-listed targets. A target whose newest modification is
  ``de-listed`` is not in force: it is not stored, but counted (``counts["delisted"]``, ``records`` =
  all targets) and named in a warning, so nothing disappears silently.
* **Dates.** ``listed_on`` = the effective (else publication, else enactment) date of the oldest
  ``listed`` modification (old ones can lack every date: then none); ``properties["last_updated"]`` = the
  newest dated modification; every modification is kept as ``"<type> <date>"`` in
  ``properties["modifications"]``. The root ``date`` is the publication day (Europe/Zurich).
* **Programmes.** ``<sanctions-program>`` header blocks map ``sanctions-set ssid`` -> programme key
  (English) and name; ``target/sanctions-set-id`` is looked up there. Without a header (the transcribed
  excerpt has none) the programme is ``sanctions-set <id>`` and a warning says so.
* **Names.** Every ``<identity>`` (main or not) and its ``<name>``s: ``primary-name`` of the main
  identity -> ``primary`` (of another identity -> ``alias``), ``alias`` -> ``alias`` (``quality="low"``
  -> ``weak``), ``formerly-known-as`` -> ``former``. Parts are joined given, father, other, family,
  maiden (``whole-name`` as is); persons get first/last name. Each ``spelling-variant`` (lang, script)
  present on every part gives one more name in that script (``original_script`` unless Latin).
* **Facts.** ``day-month-year`` (missing attributes = lower precision; non-Gregorian calendars kept as
  text) -> birth dates; ``nationality/country@iso-code`` -> nationalities; ``place-of-birth`` ->
  ``birth_places`` (resolved through the header's ``<place>``s when present); ``identification-document``
  -> identifiers (passport, id-card -> ``national_id``, other types lower_snake) with ``issuer@code``,
  dates and remarks in the note; ``address`` -> addresses (place, ``address-details``, ``zip-code``,
  ``c-o``); ``justification`` -> remarks; ``other-information`` -> ``properties["other_information"]``
  (an ``IMO Number: n`` there becomes an ``imo`` identifier); ``relation`` -> ``linked_to``; ``sex`` ->
  ``gender``; unknown elements -> properties (lower_snake tag).

Structural faults (wrong root or namespace, a delta list, a target without ssid, a date attribute that is
no date) are errors naming file and line.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

from sanctions_ledger.errors import ParseError
from sanctions_ledger.model import Address, Entity, Identifier, Name, PartialDate
from sanctions_ledger.parsers.base import ParsedList, require_nonempty
from sanctions_ledger.parsers.other_lists import script_of
from sanctions_ledger.parsers.records import add_address, check_plain_root, new_entity, one_file_list
from sanctions_ledger.parsers.un_xml import flatten, lower_snake
from sanctions_ledger.parsers.xmlsafe import XmlNode, clean
from sanctions_ledger.parsers.xmlstream import iter_children

FORMAT = "ch-seco-xml"
ROOT = "swiss-sanctions-list"
ZONE = "Europe/Zurich"
_SUBJECTS = {"individual": "person", "entity": "organization", "object": "unknown"}
_OBJECTS = {"vessel": "vessel", "aircraft": "aircraft"}
_KINDS = {"primary-name": "primary", "alias": "alias", "formerly-known-as": "former"}
_PART_ORDER = (
    "whole-name",
    "title",
    "given-name",
    "further-given-name",
    "father-name",
    "other",
    "family-name",
    "tribal-name",
    "grand-father-name",
    "maiden-name",
)
_DOC_TYPES = {"passport": "passport", "id-card": "national_id", "diplomatic-passport": "passport"}
_ISO = re.compile(r"^\d{4}-\d{2}-\d{2}$")
_IMO = re.compile(r"\bIMO(?: Number| No\.?)?:?\s*(\d{7})\b", re.IGNORECASE)


@dataclass
class _Ctx:
    path: Path
    list_name: str
    programs: dict[str, str] = field(default_factory=dict)  # sanctions-set ssid -> programme
    places: dict[str, str] = field(default_factory=dict)  # place ssid -> text
    place_countries: dict[str, str] = field(default_factory=dict)  # place ssid -> ISO code
    warnings: list[str] = field(default_factory=list)

    def error(self, node: XmlNode, message: str, fld: str | None = None) -> ParseError:
        return ParseError(message, path=self.path, line=node.line, field=fld)


def _date_attr(ctx: _Ctx, node: XmlNode, attr: str) -> str | None:
    value = node.attrib.get(attr, "").strip()
    if not value:
        return None
    try:
        if not _ISO.match(value):
            raise ValueError
        datetime.strptime(value, "%Y-%m-%d")
    except ValueError:
        raise ctx.error(node, f"<{node.tag}> {attr}={value!r} is not a date (YYYY-MM-DD)", attr) from None
    return value


def _header(ctx: _Ctx, node: XmlNode) -> None:
    """A header block (``sanctions-program`` or ``place``) that precedes the targets."""
    if node.tag == "sanctions-program":
        keys = {k.attrib.get("lang", ""): clean(k.text) for k in node.findall("program-key")}
        key = keys.get("eng") or next(iter(keys.values()), "")
        names = {k.attrib.get("lang", ""): clean(k.text) for k in node.findall("program-name")}
        name = names.get("eng") or next(iter(names.values()), "")
        for s in node.findall("sanctions-set"):
            if ssid := s.attrib.get("ssid"):
                label = key or name or clean(s.text)
                ctx.programs[ssid] = label
    elif node.tag == "place" and (ssid := node.attrib.get("ssid")):
        parts = [node.findtext(t) for t in ("location", "area")]
        country = node.find("country")
        if country is not None:
            parts.append(clean(country.text))
            if code := country.attrib.get("iso-code"):
                ctx.place_countries[ssid] = code
        ctx.places[ssid] = ", ".join(p for p in parts if p)
    else:
        ctx.warnings.append(f"{ctx.path.name}, line {node.line}: unknown top-level <{node.tag}> skipped")


def _compose(parts: list[tuple[str, str]]) -> str:
    rank = {t: i for i, t in enumerate(_PART_ORDER)}
    ordered = sorted(parts, key=lambda p: rank.get(p[0], rank["other"]))
    return " ".join(v for _t, v in ordered if v)


def _names(ctx: _Ctx, ent: Entity, identity: XmlNode) -> None:
    main = identity.attrib.get("main", "true") == "true"
    for name in identity.findall("name"):
        raw_kind = name.attrib.get("name-type", "")
        kind = _KINDS.get(raw_kind)
        if kind is None:
            ctx.warnings.append(f"{ctx.path.name}, line {name.line}: unknown name-type {raw_kind!r}; alias")
            kind = "alias"
        if kind == "primary" and (not main or any(n.kind == "primary" for n in ent.names)):
            kind = "alias"
        if kind == "alias" and name.attrib.get("quality") == "low":
            kind = "weak"
        parts = sorted(name.findall("name-part"), key=lambda p: int(p.attrib.get("order", "0") or 0))
        latin = [(p.attrib.get("name-part-type", "other"), p.findtext("value")) for p in parts]
        full = _compose(latin)
        if not full:
            continue
        typed = dict(latin)
        person = ent.schema == "person"
        given = " ".join(v for t, v in latin if t in ("given-name", "further-given-name", "father-name"))
        last = typed.get("family-name") or typed.get("maiden-name")
        _add_name(
            ent,
            Name(full, kind, script_of(full), (given or None) if person else None, last if person else None),
        )
        keys: list[tuple[str, str]] = []
        for p in parts:
            for v in p.findall("spelling-variant"):
                k = (v.attrib.get("lang", ""), v.attrib.get("script", ""))
                if k not in keys:
                    keys.append(k)
        for key in keys:
            variant: list[tuple[str, str]] = []
            for p in parts:
                text = next(
                    (
                        clean(v.text)
                        for v in p.findall("spelling-variant")
                        if (v.attrib.get("lang", ""), v.attrib.get("script", "")) == key
                    ),
                    None,
                )
                if text is None:
                    break
                variant.append((p.attrib.get("name-part-type", "other"), text))
            else:
                vname = _compose(variant)
                script = script_of(vname)
                vkind = "original_script" if script != "Latn" else ("alias" if kind == "primary" else kind)
                _add_name(ent, Name(vname, vkind, script))


def _add_name(ent: Entity, name: Name) -> None:
    if all(n.name != name.name for n in ent.names):
        ent.names.append(name)


def _dob(ctx: _Ctx, ent: Entity, node: XmlNode) -> None:
    a = node.attrib
    try:
        year = int(a["year"]) if a.get("year") else None
        month = int(a["month"]) if a.get("month") else None
        day = int(a["day"]) if a.get("day") else None
        if year is None:
            raise ValueError
        circa = "approx" in a.get("quality", "").lower()
        if a.get("calendar", "Gregorian").lower() != "gregorian":
            ent.add_property("birth_dates_text", f"{year}-{month or '?'}-{day or '?'} ({a['calendar']})")
            return
        pd = PartialDate.of(year, month, day if month else None, circa=circa)
    except (ValueError, KeyError):
        raise ctx.error(node, f"day-month-year {dict(a)} is not a date", "day-month-year") from None
    if pd not in ent.birth_dates:
        ent.birth_dates.append(pd)


def _document(ctx: _Ctx, ent: Entity, node: XmlNode) -> None:
    number = node.findtext("number")
    kind_raw = node.attrib.get("document-type", "")
    issuer = node.find("issuer")
    country = issuer.attrib.get("code") if issuer is not None else None
    notes = []
    if kind_raw and kind_raw not in _DOC_TYPES:
        notes.append(kind_raw)
    for attr in ("issue-date", "expiry-date"):
        if d := _date_attr(ctx, node, attr):
            notes.append(f"{attr.replace('-', ' ')} {d}")
    for child in node.children:
        if child.tag not in ("number", "issuer") and (v := flatten(child)):
            notes.append(f"{lower_snake(child.tag)}: {v}")
    if not number:
        ent.add_property("documents", flatten(node) or kind_raw)
        return
    ident = Identifier(
        _DOC_TYPES.get(kind_raw, lower_snake(kind_raw) or "other"), number, country, "; ".join(notes) or None
    )
    if ident not in ent.identifiers:
        ent.identifiers.append(ident)


def _address(ctx: _Ctx, ent: Entity, node: XmlNode) -> None:
    pid = node.attrib.get("place-id", "")
    street = ", ".join(v for v in (node.findtext("c-o"), node.findtext("address-details")) if v)
    place = ctx.places.get(pid)
    if pid and place is None and ctx.places:
        ctx.warnings.append(f"{ctx.path.name}, line {node.line}: address place-id {pid} not in the header")
    addr = Address(
        street=street or None,
        city=place or None,
        postal_code=node.findtext("zip-code") or None,
        country=ctx.place_countries.get(pid),
        note=f"place {pid}" if pid and place is None else None,
    )
    add_address(ent, addr)


def _identity(ctx: _Ctx, ent: Entity, identity: XmlNode) -> None:
    _names(ctx, ent, identity)
    for child in identity.children:
        if child.tag == "name":
            continue
        if child.tag == "day-month-year":
            _dob(ctx, ent, child)
        elif child.tag == "nationality":
            for c in child.findall("country"):
                code = c.attrib.get("iso-code") or clean(c.text)
                if code and code not in ent.nationalities:
                    ent.nationalities.append(code)
        elif child.tag == "place-of-birth":
            pid = child.attrib.get("place-id", "")
            ent.add_property("birth_places", ctx.places.get(pid) or flatten(child) or f"place {pid}")
        elif child.tag == "identification-document":
            _document(ctx, ent, child)
        elif child.tag == "address":
            _address(ctx, ent, child)
        elif v := flatten(child):
            ent.add_property(lower_snake(child.tag), v)


def _modifications(ctx: _Ctx, ent: Entity, mods: list[XmlNode]) -> None:
    listed: list[str] = []
    dated: list[str] = []
    for m in mods:
        kind = m.attrib.get("modification-type", "")
        dates = [_date_attr(ctx, m, a) for a in ("effective-date", "publication-date", "enactment-date")]
        day = next((d for d in dates if d), None)
        ent.add_property("modifications", f"{kind} {day or '(no date)'}")
        if day:
            dated.append(day)
            if kind == "listed":
                listed.append(day)
    if listed:
        ent.listed_on = min(listed)
    if dated:
        ent.add_property("last_updated", max(dated))


def _target(ctx: _Ctx, node: XmlNode) -> tuple[Entity, bool]:
    ssid = node.attrib.get("ssid", "").strip()
    if not ssid:
        raise ctx.error(node, "<target> without ssid", "ssid")
    subject = next((c for c in node.children if c.tag in _SUBJECTS), None)
    if subject is None:
        raise ctx.error(node, f"target {ssid} has no <individual>, <entity> or <object>")
    schema = _SUBJECTS[subject.tag]
    if subject.tag == "object":
        schema = _OBJECTS.get(subject.attrib.get("object-type", ""), "unknown")
    ent = new_entity(ctx.list_name, ssid, schema, ctx.path, node.line, f"target[{ssid}]")
    for key, value in subject.attrib.items():
        ent.add_property("gender" if key == "sex" else lower_snake(key), value)
    for sid in node.findall("sanctions-set-id"):
        set_id = clean(sid.text)
        program = ctx.programs.get(set_id) or f"sanctions-set {set_id}"
        if program not in ent.programs:
            ent.programs.append(program)
        ent.add_property("sanctions_set_ids", set_id)
    remarks: list[str] = []
    for child in subject.children:
        if child.tag == "identity":
            _identity(ctx, ent, child)
        elif child.tag == "justification":
            remarks.append(clean(child.text))
        elif child.tag == "other-information":
            text = clean(child.text)
            ent.add_property("other_information", text)
            for m in _IMO.finditer(text):
                ident = Identifier("imo", m.group(1))
                if ident not in ent.identifiers:
                    ent.identifiers.append(ident)
        elif child.tag == "relation":
            ent.add_property(
                "linked_to",
                f"{child.attrib.get('relation-type', 'related-to')}: {child.attrib.get('target-id')}",
            )
        elif v := flatten(child):
            ent.add_property(lower_snake(child.tag), v)
    ent.remarks = " ".join(r for r in remarks if r) or None
    if not ent.names:
        raise ctx.error(node, f"target {ssid} has no name")
    ent.names.sort(key=lambda n: n.kind != "primary")
    mods = node.findall("modification")
    _modifications(ctx, ent, mods)
    active = not (mods and mods[0].attrib.get("modification-type") == "de-listed")
    return ent, active


def parse(path: Path, *, list_name: str = "ch-seco") -> ParsedList:
    """Parse a SECO ``swiss-sanctions-list`` XML file."""
    require_nonempty(path)
    nodes = iter_children(path)
    root = next(nodes)
    check_plain_root(root, ROOT, path, "SECO's list has no namespace; is this the right file?")
    list_type = root.attrib.get("list-type", "whole-list")
    if list_type != "whole-list":
        raise ParseError(
            f"list-type {list_type!r}: only the whole list is a snapshot",
            path=path,
            line=root.line,
            field="list-type",
        )
    ctx = _Ctx(path=path, list_name=list_name)
    entities: list[Entity] = []
    targets = delisted = 0
    for node in nodes:
        if node.tag != "target":
            _header(ctx, node)
            continue
        targets += 1
        ent, active = _target(ctx, node)
        if active:
            entities.append(ent)
        else:
            delisted += 1
            ctx.warnings.append(
                f"{path.name}, line {node.line}: target {ent.source_id} is de-listed; not stored"
            )
    if targets and not ctx.programs:
        ctx.warnings.append(f"{path.name}: no <sanctions-program> header; programmes are sanctions-set ids")
    day = _date_attr(ctx, root, "date")
    return one_file_list(
        path,
        list_name,
        FORMAT,
        entities,
        counts={"records": targets, "entities": len(entities), "delisted": delisted},
        published_at=datetime.fromisoformat(day).replace(tzinfo=ZoneInfo(ZONE)) if day else None,
        warnings=ctx.warnings,
    )
