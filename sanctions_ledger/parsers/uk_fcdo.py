"""UK Sanctions List by the FCDO, XML (format ``uk-fcdo-xml``; schema SanctionsListSchema 4.x).

Root ``<Designations dateGenerated>`` (no namespace) with a ``<DateGenerated>dd/mm/yyyy</DateGenerated>``
and one ``<Designation>`` per subject; read as a stream, one designation at a time. ``source_id`` is the
``UniqueID`` (regime prefix + digits, e.g. ``AFG0011``); a repeated UniqueID is an error.

Mappings (see docs/formats.md):

* ``Names/Name``: ``Name1``..``Name5`` given names, ``Name6`` surname or whole name; ``NameType``
  (case varies) ``Primary name`` -> primary, ``Primary name variation`` / ``Alias`` -> alias, an alias
  with ``AliasStrength`` "Low quality" -> weak. ``NonLatinNames/NonLatinName/NameNonLatinScript`` ->
  ``original_script`` names with their detected script.
* ``IndividualEntityShip``: Individual -> person, Entity -> organization, Ship -> vessel.
* ``DOBs/DOB``: ``dd/mm/yyyy`` with ``dd``/``mm`` placeholders, or a bare year -> PartialDate at that
  precision (duplicates dropped); ``BirthDetails/Location`` -> ``birth_places``.
* ``Nationalities/Nationality`` -> ISO alpha-2 where resolvable, else as written.
* ``PassportDetails/Passport`` -> passport, ``NationalIdentifierDetails/NationalIdentifier`` ->
  national_id, ``BusinessRegistrationNumbers`` -> registration, ``IMONumbers`` -> imo; the additional
  information is the identifier's note (numbers are stripped of surrounding spaces only: leading zeros
  are significant).
* ``Addresses/Address``: ``AddressLine1..6`` -> street, ``AddressPostalCode``, ``AddressCountry``.
* ``RegimeName`` -> programs; ``DateDesignated`` -> ``listed_on``; ``LastUpdated`` ->
  ``properties["last_updated"]``; ``OFSIGroupID`` -> ``properties["ofsi_group_id"]`` (the OFSI
  Consolidated List's Group ID, i.e. the entity ``uk-hmt:<Group ID>``); ``OtherInformation`` -> remarks.
* Every other element with text (ship details, entity details, sanctions imposed, statement of reasons,
  ...) is kept in ``properties`` under its lower_snake tag name.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

from sanctions_ledger.errors import ParseError
from sanctions_ledger.model import Address, Entity, Identifier, Name, PartialDate
from sanctions_ledger.model.countries import to_iso2
from sanctions_ledger.parsers.base import ParsedList, require_nonempty
from sanctions_ledger.parsers.records import (
    add_address,
    add_ranked_name,
    datetime_attr,
    new_entity,
    one_file_list,
)
from sanctions_ledger.parsers.uk_hmt import dmy_day
from sanctions_ledger.parsers.un_xml import detect_script, lower_snake
from sanctions_ledger.parsers.xmlsafe import XmlNode, clean
from sanctions_ledger.parsers.xmlstream import iter_children

FORMAT = "uk-fcdo-xml"
ZONE = "Europe/London"

_SCHEMAS = {"individual": "person", "entity": "organization", "ship": "vessel"}
_NAME_KINDS = {"primary name": "primary", "primary name variation": "alias", "alias": "alias"}
_KIND_RANK = {"primary": 0, "alias": 1, "weak": 2, "original_script": 3}
_DMY = re.compile(r"^(\d{1,2})/(\d{1,2})/(\d{4})$")
_DOB = re.compile(r"^(?:(\d{1,2}|dd)/)?(?:(\d{1,2}|mm)/)?(\d{4})$", re.IGNORECASE)
_GIVEN = ("Name1", "Name2", "Name3", "Name4", "Name5")
_ADDRESS_LINES = tuple(f"AddressLine{i}" for i in range(1, 7))
# container -> (item, number element, information element, identifier type)
_ID_CONTAINERS = {
    "PassportDetails": ("Passport", "PassportNumber", "PassportAdditionalInformation", "passport"),
    "NationalIdentifierDetails": (
        "NationalIdentifier",
        "NationalIdentifierNumber",
        "NationalIdentifierAdditionalInformation",
        "national_id",
    ),
}
_ID_LISTS = {"BusinessRegistrationNumber": "registration", "IMONumber": "imo"}
_PROPERTY_KEYS = {
    "CurrentOwnerOperator": "vessel_owner",
    "CurrentBelievedFlagOfShip": "vessel_flag",
    "TypeOfShip": "vessel_type",
    "TonnageOfShip": "tonnage",
    "Title": "title",
    "Position": "position",
    "Gender": "gender",
    "UKStatementofReasons": "statement_of_reasons",
    "DesignationSource": "designation_source",
    "UNReferenceNumber": "un_reference_number",
    "OFSIGroupID": "ofsi_group_id",
    "PhoneNumber": "phones",
    "EmailAddress": "emails",
    "Website": "websites",
}


def parse_dob(text: str) -> PartialDate | None:
    """``dd/mm/yyyy``, ``dd/mm/1968``, ``dd/09/1958``, ``1985`` -> PartialDate; ``None`` if not a date."""
    m = _DOB.match(text.strip())
    if not m:
        return None
    d, mo, y = m[1], m[2], int(m[3])
    if mo is None and d is not None:  # "09/1958": month/year
        d, mo = None, d
    month = int(mo) if mo and mo.isdigit() and int(mo) else None
    dom = int(d) if d and d.isdigit() and int(d) else None
    try:
        return PartialDate.of(y, month, dom if month else None)
    except ValueError:
        return None


@dataclass
class _Designation:
    path: Path
    node: XmlNode
    entity: Entity
    warnings: list[str]
    names: dict[str, int] = field(default_factory=dict)

    def warn(self, line: int, message: str) -> None:
        self.warnings.append(f"{self.path.name}, line {line}: {message}")

    def add_name(self, name: Name) -> None:
        add_ranked_name(self.entity, self.names, name, _KIND_RANK)


def _date_field(node: XmlNode, tag: str, path: Path, uid: str) -> str | None:
    child = node.find(tag)
    text = clean(child.text) if child is not None else ""
    if not text:
        return None
    iso = dmy_day(text)
    if iso is None:
        assert child is not None
        raise ParseError(
            f"Designation {uid}: <{tag}> {text!r} is not a dd/mm/yyyy date",
            path=path,
            line=child.line,
            field=tag,
        )
    return iso


def _on_name(d: _Designation, node: XmlNode) -> None:
    surname = clean(node.findtext("Name6"))
    given = " ".join(p for p in (node.findtext(t) for t in _GIVEN) if p)
    full = " ".join(p for p in (given, surname) if p)
    if not full:
        d.warn(node.line, f"Designation {d.entity.source_id}: <Name> without any name part")
        return
    raw = node.findtext("NameType")
    kind = _NAME_KINDS.get(raw.lower())
    if kind is None:
        d.warn(node.line, f"Designation {d.entity.source_id}: NameType {raw!r} unknown; taken as an alias")
        kind = "alias"
    strength = node.findtext("AliasStrength")
    if kind == "alias" and strength.lower().startswith("low"):
        kind = "weak"
    person = d.entity.schema == "person"
    d.add_name(
        Name(
            full,
            kind=kind,
            script=detect_script(full),
            first_name=(given or None) if person else None,
            last_name=(surname or None) if person else None,
        )
    )


def _on_non_latin(d: _Designation, node: XmlNode) -> None:
    text = node.findtext("NameNonLatinScript")
    if text:
        d.add_name(Name(text, kind="original_script", script=detect_script(text)))
    for tag in ("NonLatinScriptType", "NonLatinScriptLanguage"):
        d.entity.add_property(lower_snake(tag), node.findtext(tag))


def _on_address(d: _Designation, node: XmlNode) -> None:
    street = ", ".join(p for p in (node.findtext(t) for t in _ADDRESS_LINES) if p)
    country_name = node.findtext("AddressCountry") or None
    addr = Address(
        street=street or None,
        postal_code=node.findtext("AddressPostalCode") or None,
        country=to_iso2(country_name),
        country_name=country_name,
    )
    add_address(d.entity, addr)
    known = {*_ADDRESS_LINES, "AddressPostalCode", "AddressCountry"}
    for child in node.children:
        if child.tag not in known and clean(child.text):
            d.entity.add_property(lower_snake(child.tag), clean(child.text))


def _on_dob(d: _Designation, node: XmlNode) -> None:
    text = clean(node.text)
    if not text:
        return
    pd = parse_dob(text)
    if pd is None:
        if _DMY.match(text):
            raise ParseError(
                f"Designation {d.entity.source_id}: <DOB> {text!r} is not a valid date",
                path=d.path,
                line=node.line,
                field="DOB",
            )
        d.warn(node.line, f"Designation {d.entity.source_id}: DOB {text!r} not understood; kept verbatim")
        d.entity.add_property("birth_dates_text", text)
    elif pd not in d.entity.birth_dates:
        d.entity.birth_dates.append(pd)


def _on_identifier(d: _Designation, node: XmlNode, number_tag: str, info_tag: str, kind: str) -> None:
    value = node.findtext(number_tag)
    info = node.findtext(info_tag)
    if not value:
        d.entity.add_property(f"{kind}_details", info)
        return
    for i, have in enumerate(d.entity.identifiers):
        if (have.type, have.value) == (kind, value):
            if info and have.note and info not in have.note.split(" | "):
                d.entity.identifiers[i] = Identifier(type=kind, value=value, note=f"{have.note} | {info}")
            elif info and not have.note:
                d.entity.identifiers[i] = Identifier(type=kind, value=value, note=info)
            return
    d.entity.identifiers.append(Identifier(type=kind, value=value, note=info or None))


def _walk(d: _Designation, node: XmlNode) -> None:
    """Dispatch every element below a ``Designation`` by its tag."""
    ent = d.entity
    for child in node.children:
        tag = child.tag
        if tag == "Name":
            _on_name(d, child)
        elif tag == "NonLatinName":
            _on_non_latin(d, child)
        elif tag == "Address":
            _on_address(d, child)
        elif tag == "DOB":
            _on_dob(d, child)
        elif tag == "Location":
            place = ", ".join(
                p for p in (child.findtext("TownOfBirth"), child.findtext("CountryOfBirth")) if p
            )
            ent.add_property("birth_places", place)
        elif tag == "Nationality":
            text = clean(child.text)
            code = to_iso2(text) or text
            if code and code not in ent.nationalities:
                ent.nationalities.append(code)
        elif tag in _ID_CONTAINERS:
            item, number_tag, info_tag, kind = _ID_CONTAINERS[tag]
            for sub in child.findall(item):
                _on_identifier(d, sub, number_tag, info_tag, kind)
        elif tag in _ID_LISTS:
            value = clean(child.text)
            if _ID_LISTS[tag] == "imo":
                value = re.sub(r"^IMO\s*", "", value, flags=re.IGNORECASE)
            ident = Identifier(type=_ID_LISTS[tag], value=value)
            if value and all((i.type, i.value) != (ident.type, ident.value) for i in ent.identifiers):
                ent.identifiers.append(ident)
        elif tag == "SanctionsImposedIndicators":
            for ind in child.children:
                if clean(ind.text).lower() == "true":
                    ent.add_property("sanctions_imposed_indicators", ind.tag)
        elif tag == "SanctionsImposed":
            for piece in clean(child.text).split("|"):
                ent.add_property("sanctions_imposed", piece)
        elif tag == "OtherInformation":
            ent.remarks = child.text.strip() or None
        elif tag == "RegimeName":
            regime = clean(child.text)
            if regime and regime not in ent.programs:
                ent.programs.append(regime)
        elif tag in ("UniqueID", "DateDesignated", "LastUpdated", "IndividualEntityShip"):
            continue
        elif child.children:
            _walk(d, child)
        elif clean(child.text):
            ent.add_property(_PROPERTY_KEYS.get(tag, lower_snake(tag)), clean(child.text))


def _designation(node: XmlNode, path: Path, list_name: str, warnings: list[str]) -> Entity:
    uid = node.findtext("UniqueID")
    if not uid:
        raise ParseError("<Designation> without a UniqueID", path=path, line=node.line, field="UniqueID")
    raw_type = node.findtext("IndividualEntityShip")
    schema = _SCHEMAS.get(raw_type.lower())
    if schema is None:
        warnings.append(f"{path.name}, line {node.line}: {uid}: IndividualEntityShip {raw_type!r} unknown")
        schema = "unknown"
    ent = new_entity(list_name, uid, schema, path, node.line, f"Designation {uid}")
    ent.listed_on = _date_field(node, "DateDesignated", path, uid)
    ent.add_property("last_updated", _date_field(node, "LastUpdated", path, uid) or "")
    d = _Designation(path=path, node=node, entity=ent, warnings=warnings)
    _walk(d, node)
    if not ent.names:
        raise ParseError(f"Designation {uid} has no name", path=path, line=node.line, field="Names")
    return ent


def parse(path: Path, *, list_name: str = "uk-fcdo") -> ParsedList:
    """Parse the FCDO ``UK-Sanctions-List.xml``, streaming one ``Designation`` at a time."""
    require_nonempty(path)
    entities: list[Entity] = []
    warnings: list[str] = []
    records = 0
    nodes = iter_children(path, qualified=True)
    root = next(nodes)
    if root.tag != "Designations":
        raise ParseError(
            f"root element is <{root.tag}>, expected <Designations> (in no namespace)",
            path=path,
            line=root.line,
            hint="is this the FCDO UK Sanctions List XML?",
        )
    published_at = datetime_attr(root, "dateGenerated", path)
    for item in nodes:
        if item.tag == "Designation":
            records += 1
            entities.append(_designation(item, path, list_name, warnings))
        elif item.tag == "DateGenerated":
            iso = dmy_day(clean(item.text))
            if iso is None:
                raise ParseError(
                    f"<DateGenerated> {clean(item.text)!r} is not a dd/mm/yyyy date",
                    path=path,
                    line=item.line,
                    field="DateGenerated",
                )
            if published_at is None:
                published_at = datetime.fromisoformat(iso).replace(tzinfo=ZoneInfo(ZONE))
        else:
            raise ParseError(
                f"unexpected element <{item.tag}> under <Designations>",
                path=path,
                line=item.line,
                hint="the UK Sanctions List XML holds <DateGenerated> and <Designation> elements",
            )
    return one_file_list(
        path,
        list_name,
        FORMAT,
        entities,
        counts={"records": records},
        published_at=published_at,
        warnings=warnings,
    )
