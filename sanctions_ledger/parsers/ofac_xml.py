"""OFAC legacy XML (format ``ofac-xml``): the ``sdnList`` schema of ``sdn.xml`` and ``consolidated.xml``.

Namespace ``http://tempuri.org/sdnList.xsd``. Parsed with :mod:`defusedxml`: a DTD, entity declaration or
external reference is refused (an official file has none), as is malformed XML; errors name file and line.
Identity documents and other facts come as ``idList/id`` items whose ``idType`` is the same label OFAC uses
in the CSV remarks, so they are placed by :func:`sanctions_ledger.parsers.ofac_remarks.apply_labelled` and the
two formats give the same fields.
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import defusedxml
import defusedxml.ElementTree as DET

from sanctions_ledger.errors import ParseError
from sanctions_ledger.model import Address, Entity, Name, Provenance
from sanctions_ledger.model.countries import to_iso2
from sanctions_ledger.parsers.base import ParsedList, require_nonempty, source_file
from sanctions_ledger.parsers.ofac_remarks import apply_labelled, apply_remarks, parse_date_range, person_name

FORMAT = "ofac-xml"
NAMESPACE = "http://tempuri.org/sdnList.xsd"
TIMEZONE = ZoneInfo("America/New_York")

_SCHEMAS = {"individual": "person", "entity": "organization", "vessel": "vessel", "aircraft": "aircraft"}
_VESSEL_PROPS = (
    ("callSign", "call_sign"),
    ("vesselType", "vessel_type"),
    ("tonnage", "tonnage"),
    ("grossRegisteredTonnage", "gross_registered_tonnage"),
    ("vesselOwner", "vessel_owner"),
)
_ENTRY_TAG = re.compile(rb"<(?:[\w.-]+:)?sdnEntry[\s>/]")
_DTD_TAG = re.compile(rb"<!(?:DOCTYPE|ENTITY)", re.IGNORECASE)


# --------------------------------------------------------------------------------------------- helpers


def _local(tag: str) -> str:
    return tag.rpartition("}")[2]


def _children(el: ET.Element, name: str) -> Iterator[ET.Element]:
    for child in el:
        if _local(child.tag) == name:
            yield child


def _child(el: ET.Element, name: str) -> ET.Element | None:
    return next(_children(el, name), None)


def _text(el: ET.Element | None, name: str) -> str | None:
    if el is None:
        return None
    c = _child(el, name)
    if c is None or c.text is None:
        return None
    t = c.text.strip()
    return t or None


def _items(el: ET.Element, list_name: str, item_name: str) -> Iterator[ET.Element]:
    lst = _child(el, list_name)
    if lst is not None:
        yield from _children(lst, item_name)


def _line_of(data: bytes, offset: int) -> int:
    return data.count(b"\n", 0, offset) + 1


# --------------------------------------------------------------------------------------------- loading


_POSITION_SUFFIX = re.compile(r": line \d+, column \d+$")
_EXTERNAL = re.compile(rb"<!ENTITY[^>]*\b(?:SYSTEM|PUBLIC)\b", re.IGNORECASE)


def _unsafe_what(data: bytes, exc: Exception) -> str:
    if isinstance(exc, defusedxml.ExternalReferenceForbidden) or _EXTERNAL.search(data):
        return "it declares an external entity (a DTD is not allowed)"
    if isinstance(exc, defusedxml.EntitiesForbidden) or b"<!ENTITY" in data:
        return "it declares entities (a DTD is not allowed; entity expansion is refused)"
    return "it has a DOCTYPE declaration (a DTD is not allowed)"


def _load(path: Path) -> tuple[ET.Element, bytes]:
    require_nonempty(path)
    data = path.read_bytes()
    try:
        root = DET.fromstring(data, forbid_dtd=True, forbid_entities=True, forbid_external=True)
    except (
        defusedxml.DTDForbidden,
        defusedxml.EntitiesForbidden,
        defusedxml.ExternalReferenceForbidden,
    ) as exc:
        m = _DTD_TAG.search(data)
        raise ParseError(
            f"refused unsafe XML: {_unsafe_what(data, exc)}",
            path=path,
            line=_line_of(data, m.start()) if m else None,
            hint="an official OFAC file has no DTD or entity declarations; is this the right file?",
        ) from None
    except ET.ParseError as exc:
        line, col = exc.position
        at_end = line >= data.rstrip().count(b"\n") + 1
        msg = _POSITION_SUFFIX.sub("", str(exc))
        raise ParseError(
            f"malformed XML: {msg} (column {col + 1})" + (" (the file looks truncated)" if at_end else ""),
            path=path,
            line=line,
            hint="the file may be cut short or damaged; fetch it again" if at_end else None,
        ) from None
    if _local(root.tag) != "sdnList":
        raise ParseError(
            f"expected an OFAC <sdnList> document, found <{_local(root.tag)}>", path=path, line=1
        )
    return root, data


def _published_at(root: ET.Element, path: Path) -> tuple[datetime | None, int | None]:
    info = _child(root, "publshInformation")
    raw_date = _text(info, "Publish_Date")
    raw_count = _text(info, "Record_Count")
    published = None
    if raw_date:
        try:
            published = datetime.strptime(raw_date, "%m/%d/%Y").replace(tzinfo=TIMEZONE)
        except ValueError:
            raise ParseError(
                f"Publish_Date {raw_date!r} is not MM/DD/YYYY", path=path, field="Publish_Date"
            ) from None
    count = None
    if raw_count:
        if not raw_count.isdigit():
            raise ParseError(f"Record_Count {raw_count!r} is not a number", path=path, field="Record_Count")
        count = int(raw_count)
    return published, count


# --------------------------------------------------------------------------------------------- entries


def _name(el: ET.Element, kind: str, schema: str) -> Name | None:
    last = _text(el, "lastName")
    first = _text(el, "firstName")
    if last and first:
        return Name(f"{last}, {first}", kind=kind, last_name=last, first_name=first)
    if last or first:
        full = last or first or ""
        return person_name(full, kind) if schema == "person" and kind != "primary" else Name(full, kind=kind)
    return None


def _aka_kind(type_: str | None, category: str | None) -> str:
    t = (type_ or "").lower()
    if t.startswith("f.k.a"):
        return "former"
    if t.startswith("n.k.a"):
        return "new"
    return "weak" if (category or "").lower() == "weak" else "alias"


def _address(el: ET.Element) -> Address | None:
    street = ", ".join(x for x in (_text(el, f"address{i}") for i in (1, 2, 3)) if x) or None
    country = _text(el, "country")
    addr = Address(
        street=street,
        city=_text(el, "city"),
        state=_text(el, "stateOrProvince"),
        postal_code=_text(el, "postalCode"),
        country=to_iso2(country) if country else None,
        country_name=country,
    )
    return addr if any((addr.street, addr.city, addr.state, addr.postal_code, addr.country_name)) else None


def _id_note(el: ET.Element) -> str | None:
    parts = []
    issued = _text(el, "issueDate")
    expires = _text(el, "expirationDate")
    if issued:
        parts.append(f"issued {issued}")
    if expires:
        parts.append(f"expires {expires}")
    return " ".join(parts) or None


def _apply_id(entity: Entity, el: ET.Element) -> None:
    label = _text(el, "idType") or ""
    value = _text(el, "idNumber") or ""
    country = _text(el, "idCountry")
    if label.startswith(("Additional Sanctions Information", "For more information")) and "; " in value:
        # the CSV remarks split this text at "; " into several clauses: do the same
        first, *rest = value.split("; ")
        apply_labelled(entity, label, first)
        for r in rest:
            entity.add_property("sanctions_notes", r)
        return
    if not apply_labelled(entity, label, value, country=country, note=_id_note(el)):
        clause = f"{label} {value}".strip() + (f" ({country})" if country else "")
        entity.add_property("unparsed_remarks", clause)


def _entry(el: ET.Element, index: int, line: int | None, list_name: str, path: Path) -> Entity:
    uid = _text(el, "uid")
    where = f"sdnEntry[{index}]"
    if uid is None or not uid.isdigit():
        raise ParseError(f"{where}: uid must be an integer, found {uid!r}", path=path, line=line, field="uid")
    type_ = (_text(el, "sdnType") or "").lower()
    schema = _SCHEMAS.get(type_, "unknown")
    primary = _name(el, "primary", schema)
    if primary is None:
        raise ParseError(f"{where}: entry {uid} has no name", path=path, line=line, field="lastName")
    entity = Entity(
        list=list_name,
        source_id=str(int(uid)),
        schema=schema,
        names=[primary],
        programs=[p.text.strip() for p in _items(el, "programList", "program") if p.text and p.text.strip()],
        provenance=Provenance(file=path.name, line=line, element=where),
    )
    title = _text(el, "title")
    if title:
        entity.add_property("title", title)
    for aka in _items(el, "akaList", "aka"):
        name = _name(aka, _aka_kind(_text(aka, "type"), _text(aka, "category")), schema)
        if name is not None:
            entity.names.append(name)
    for a in _items(el, "addressList", "address"):
        address = _address(a)
        if address is not None:
            entity.addresses.append(address)
    for i in _items(el, "idList", "id"):
        _apply_id(entity, i)
    for n in _items(el, "nationalityList", "nationality"):
        apply_labelled(entity, "Nationality", _text(n, "country") or "")
    for c in _items(el, "citizenshipList", "citizenship"):
        apply_labelled(entity, "Citizenship", _text(c, "country") or "")
    for d in _items(el, "dateOfBirthList", "dateOfBirthItem"):
        raw = _text(d, "dateOfBirth")
        if raw:
            pd = parse_date_range(raw)
            if pd is None:
                entity.add_property("unparsed_remarks", f"DOB {raw}")
            elif pd not in entity.birth_dates:
                entity.birth_dates.append(pd)
    for p in _items(el, "placeOfBirthList", "placeOfBirthItem"):
        place = _text(p, "placeOfBirth")
        if place:
            entity.add_property("birth_places", place)
    vessel = _child(el, "vesselInfo")
    if vessel is not None:
        for tag, key in _VESSEL_PROPS:
            v = _text(vessel, tag)
            if v:
                entity.add_property(key, v)
        flag = _text(vessel, "vesselFlag")
        if flag:
            entity.add_property("vessel_flag", flag)
            code = to_iso2(flag)
            if code:
                entity.add_property("vessel_flag_code", code)
    remarks = _text(el, "remarks")
    entity.remarks = remarks
    apply_remarks(entity, remarks)
    return entity


# --------------------------------------------------------------------------------------------- parse


def parse(path: Path, *, list_name: str) -> ParsedList:
    """Parse one legacy OFAC XML file into a :class:`ParsedList` (format ``ofac-xml``)."""
    root, data = _load(path)
    published_at, declared = _published_at(root, path)
    entries = list(_children(root, "sdnEntry"))
    offsets = [m.start() for m in _ENTRY_TAG.finditer(data)]
    lines: list[int | None] = (
        [_line_of(data, o) for o in offsets] if len(offsets) == len(entries) else [None] * len(entries)
    )
    warnings: list[str] = []
    entities: list[Entity] = []
    seen: dict[str, int | None] = {}
    for index, (el, line) in enumerate(zip(entries, lines, strict=True), start=1):
        entity = _entry(el, index, line, list_name, path)
        if entity.source_id in seen:
            first = seen[entity.source_id]
            raise ParseError(
                f"duplicate uid {entity.source_id}" + (f" (first at line {first})" if first else ""),
                path=path,
                line=line,
                field="uid",
            )
        seen[entity.source_id] = line
        entities.append(entity)
    if not entities:
        raise ParseError("no sdnEntry in the file", path=path, hint="is the file complete?")
    if declared is not None and declared != len(entities):
        warnings.append(f"{path.name}: Record_Count says {declared} entries, the file holds {len(entities)}")
    counts = {
        "records": len(entities),
        "declared_records": declared if declared is not None else -1,
        "names": sum(len(e.names) for e in entities),
        "aka_rows": sum(len(e.names) - 1 for e in entities),
        "addresses": sum(len(e.addresses) for e in entities),
        "identifiers": sum(len(e.identifiers) for e in entities),
    }
    return ParsedList(
        list=list_name,
        format=FORMAT,
        entities=entities,
        files=[source_file(path.name, path)],
        published_at=published_at,
        counts=counts,
        warnings=warnings,
    )
