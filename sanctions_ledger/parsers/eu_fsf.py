"""EU Financial Sanctions Files (FSF) consolidated list, XML v1.1 (format ``eu-fsf-xml``).

Root ``<export xmlns="http://eu.europa.ec/fpi/fsd/export" generationDate globalFileId>``, one
``<sanctionEntity logicalId euReferenceNumber unitedNationId designationDate designationDetails>`` per
subject and regime. The file is read as a stream, one ``sanctionEntity`` at a time.

**One logicalId, several regimes.** The same ``logicalId`` appears once per regime (e.g. AFG and TAQA for
the Taliban listings); those elements are one entity (``source_id`` = logicalId) whose programmes, names,
dates, documents and addresses are the union of all of them. A repeat is rejected when it contradicts the
first element (another ``subjectType`` or ``euReferenceNumber``) or repeats a programme already seen for
that logicalId (the same listing twice).

Mappings (see docs/formats.md for the full table):

* ``subjectType/@code``: person -> person, enterprise -> organization.
* ``nameAlias``: ``wholeName`` (else first/middle/last); the first strong alias of the entity is
  ``primary``, other strong ones ``alias``, ``strong="false"`` ones ``weak``; script detected from the
  letters; ``nameLanguage`` kept as ``properties["name_languages"]`` (``"FR: Abou Ali"``); ``function``,
  ``title``, ``gender`` into properties.
* ``birthdate``: ``birthdate`` (full), else ``year``/``monthOfYear``/``dayOfMonth``, else a
  ``yearRangeFrom``..``yearRangeTo`` range; ``circa="true"`` -> circa; city/place/region/country ->
  ``birth_places``.
* ``citizenship/@countryIso2Code`` -> nationalities (``00`` = unknown is skipped).
* ``identification``: type from ``identificationTypeCode``; value ``number`` (else ``latinNumber``);
  country from ``countryIso2Code``; the note holds the description and every flag that is set
  (known false, known expired, reported lost, revoked by issuer, diplomatic) and issuer/validity details.
* ``address`` -> Address; its ``contactInfo`` PHONE/FAX/EMAIL/WEB -> ``phones``/``faxes``/``emails``/
  ``websites`` properties.
* ``regulation/@programme`` -> programs; the act (``numberTitle``) and its URL -> properties.
* ``designationDate`` -> ``listed_on`` (the earliest of the regimes; all in ``designation_dates``).
* ``remark`` directly under ``sanctionEntity`` -> remarks; remarks of a child -> ``remarks_<child>``.
"""

from __future__ import annotations

import dataclasses
import re
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

from sanctions_ledger.errors import ParseError
from sanctions_ledger.model import Address, Entity, Identifier, Name, PartialDate
from sanctions_ledger.parsers.base import ParsedList, require_nonempty
from sanctions_ledger.parsers.records import (
    add_address,
    add_ranked_name,
    datetime_attr,
    new_entity,
    one_file_list,
)
from sanctions_ledger.parsers.un_xml import detect_script, lower_snake
from sanctions_ledger.parsers.xmlsafe import XmlNode, clean
from sanctions_ledger.parsers.xmlstream import iter_children, local

FORMAT = "eu-fsf-xml"
NAMESPACE = "http://eu.europa.ec/fpi/fsd/export"
ZONE = "Europe/Brussels"

_SCHEMAS = {"person": "person", "enterprise": "organization"}
_ID_TYPES = {
    "passport": "passport",
    "id": "national_id",
    "regnumber": "registration",
    "ssn": "ssn",
    "swiftbic": "swift_bic",
    "fiscalcode": "tax_id",
    "travelcardid": "travel_card",
    "drivinglicence": "driving_licence",
    "birthcertificate": "birth_certificate",
    "imo": "imo",
    "other": "other",
}
_ID_FLAGS = (
    ("knownFalse", "known false"),
    ("knownExpired", "known expired"),
    ("reportedLost", "reported lost"),
    ("revokedByIssuer", "revoked by issuer"),
    ("diplomatic", "diplomatic"),
)
_CONTACT = {"PHONE": "phones", "FAX": "faxes", "EMAIL": "emails", "WEB": "websites"}
_KIND_RANK = {"alias": 1, "weak": 2}
_ISO_DAY = re.compile(r"^\d{4}-\d{2}-\d{2}$")


def _iso_day(value: str, path: Path, node: XmlNode, attr: str) -> str:
    """Validate an ISO ``YYYY-MM-DD`` attribute; a bad one is a ParseError naming element and field."""
    try:
        if not _ISO_DAY.match(value):
            raise ValueError(value)
        date.fromisoformat(value)
    except ValueError:
        raise ParseError(
            f"<{local(node.tag)}> has {attr}={value!r}, not a YYYY-MM-DD date",
            path=path,
            line=node.line,
            field=attr,
        ) from None
    return value


def _int(value: str, path: Path, node: XmlNode, attr: str) -> int:
    try:
        return int(value)
    except ValueError:
        raise ParseError(
            f"<{local(node.tag)}> has {attr}={value!r}, not a number", path=path, line=node.line, field=attr
        ) from None


@dataclass
class _Merged:
    entity: Entity
    line: int
    ref: str
    programmes: dict[str, int] = field(default_factory=dict)  # programme -> line of its element
    name_index: dict[str, int] = field(default_factory=dict)
    name_langs: list[str] = field(default_factory=list)  # nameLanguage of each name, by index
    designation_dates: list[str] = field(default_factory=list)
    remarks: list[str] = field(default_factory=list)

    def choose_primary(self) -> None:
        """The file has no primary flag: the main name is the first strong alias, preferring one in
        English or without a language, and for persons one with its parts (first/last name) given."""
        names = self.entity.names
        strong = [i for i, n in enumerate(names) if n.kind == "alias"]
        if not strong:
            return
        best = min(
            strong,
            key=lambda i: (
                self.name_langs[i] not in ("", "EN"),
                self.entity.schema == "person" and names[i].last_name is None,
                i,
            ),
        )
        names[best] = dataclasses.replace(names[best], kind="primary")


@dataclass
class _Reader:
    path: Path
    list_name: str
    merged: dict[str, _Merged] = field(default_factory=dict)
    warnings: list[str] = field(default_factory=list)
    elements: int = 0

    def warn(self, line: int, message: str) -> None:
        self.warnings.append(f"{self.path.name}, line {line}: {message}")

    def add(self, node: XmlNode) -> None:
        self.elements += 1
        lid = clean(node.attrib.get("logicalId"))
        if not lid:
            raise ParseError(
                "<sanctionEntity> without a logicalId", path=self.path, line=node.line, field="logicalId"
            )
        if not lid.isdigit():
            raise ParseError(
                f"<sanctionEntity> logicalId {lid!r} is not a number",
                path=self.path,
                line=node.line,
                field="logicalId",
            )
        stype = node.find(f"{{{NAMESPACE}}}subjectType")
        code = clean(stype.attrib.get("code")) if stype is not None else ""
        schema = _SCHEMAS.get(code.lower())
        if schema is None:
            self.warn(node.line, f"logicalId {lid}: subjectType {code!r} unknown; schema 'unknown'")
            schema = "unknown"
        ref = clean(node.attrib.get("euReferenceNumber"))
        cur = self.merged.get(lid)
        if cur is None:
            ent = new_entity(self.list_name, lid, schema, self.path, node.line, f"sanctionEntity {lid}")
            cur = _Merged(entity=ent, line=node.line, ref=ref)
            self.merged[lid] = cur
        else:
            self._check_repeat(cur, lid, schema, ref, node)
        self._fill(cur, node)

    def _check_repeat(self, cur: _Merged, lid: str, schema: str, ref: str, node: XmlNode) -> None:
        for fld, now, was in (
            ("subjectType", schema, cur.entity.schema),
            ("euReferenceNumber", ref, cur.ref),
        ):
            if now != was:
                raise ParseError(
                    f"logicalId {lid} repeats with {fld} {now!r}, but it was {was!r} at line {cur.line}",
                    path=self.path,
                    line=node.line,
                    field=fld,
                    hint="a logicalId may repeat once per regime, always for the same subject",
                )

    def _fill(self, cur: _Merged, node: XmlNode) -> None:
        ent = cur.entity
        ent.add_property("eu_reference_number", cur.ref)
        ent.add_property("un_reference_number", clean(node.attrib.get("unitedNationId")))
        ent.add_property("designation_details", clean(node.attrib.get("designationDetails")))
        dd = clean(node.attrib.get("designationDate"))
        if dd:
            day = _iso_day(dd, self.path, node, "designationDate")
            if day not in cur.designation_dates:
                cur.designation_dates.append(day)
            ent.listed_on = min(cur.designation_dates)
            if len(cur.designation_dates) > 1:
                ent.properties["designation_dates"] = sorted(cur.designation_dates)
        regulations = [c for c in node.children if local(c.tag) == "regulation"]
        if not regulations:
            self.warn(node.line, f"logicalId {ent.source_id}: no <regulation> (no programme)")
        for child in node.children:
            tag = local(child.tag)
            if tag == "regulation":
                self._regulation(cur, child)
            elif tag == "remark":
                text = child.text.strip()
                if text and text not in cur.remarks:
                    cur.remarks.append(text)
                    ent.remarks = "\n".join(cur.remarks)
            elif tag == "nameAlias":
                self._name(cur, child)
            elif tag == "birthdate":
                self._birthdate(ent, child)
            elif tag == "citizenship":
                code = clean(child.attrib.get("countryIso2Code")).upper()
                if code and code != "00":
                    if code not in ent.nationalities:
                        ent.nationalities.append(code)
                elif desc := clean(child.attrib.get("countryDescription")):
                    ent.add_property("citizenships_text", desc)
            elif tag == "identification":
                self._identification(ent, child)
            elif tag == "address":
                self._address(ent, child)
            elif tag != "subjectType":
                self.warn(child.line, f"unknown element <{tag}> kept in properties")
                ent.add_property(lower_snake(tag), clean(child.text) or repr(sorted(child.attrib.items())))
            if tag != "remark":
                for sub in child.children:
                    if local(sub.tag) == "remark" and sub.text.strip():
                        ent.add_property(f"remarks_{lower_snake(tag)}", sub.text.strip())

    def _regulation(self, cur: _Merged, node: XmlNode) -> None:
        ent = cur.entity
        prog = clean(node.attrib.get("programme"))
        if not prog:
            self.warn(node.line, f"logicalId {ent.source_id}: <regulation> without a programme")
        elif prog in cur.programmes:
            raise ParseError(
                f"logicalId {ent.source_id} is listed twice under programme {prog!r} "
                f"(first at line {cur.programmes[prog]})",
                path=self.path,
                line=node.line,
                field="programme",
                hint="a logicalId may repeat once per regime, not twice for the same one",
            )
        else:
            cur.programmes[prog] = node.line
            ent.programs.append(prog)
        for attr in ("publicationDate", "entryIntoForceDate"):
            if value := clean(node.attrib.get(attr)):
                _iso_day(value, self.path, node, attr)
        act = clean(node.attrib.get("numberTitle"))
        if act:
            extra = ", ".join(
                p
                for p in (
                    prog,
                    clean(node.attrib.get("regulationType")),
                    clean(node.attrib.get("organisationType")),
                    clean(node.attrib.get("publicationDate")),
                )
                if p
            )
            ent.add_property("regulations", f"{act} ({extra})" if extra else act)
        url = node.find(f"{{{NAMESPACE}}}publicationUrl")
        if url is not None:
            ent.add_property("regulation_urls", clean(url.text))

    def _name(self, cur: _Merged, node: XmlNode) -> None:
        ent = cur.entity
        a = node.attrib
        first, middle, last = clean(a.get("firstName")), clean(a.get("middleName")), clean(a.get("lastName"))
        whole = clean(a.get("wholeName")) or " ".join(p for p in (first, middle, last) if p)
        if not whole:
            self.warn(node.line, f"logicalId {ent.source_id}: <nameAlias> without any name")
            return
        strong = clean(a.get("strong")).lower() != "false"
        kind = "alias" if strong else "weak"
        lang = clean(a.get("nameLanguage")).upper()
        person = ent.schema == "person"
        given = " ".join(p for p in (first, middle) if p)
        name = Name(
            whole,
            kind=kind,
            script=detect_script(whole),
            first_name=(given or None) if person else None,
            last_name=(last or None) if person else None,
        )
        if add_ranked_name(ent, cur.name_index, name, _KIND_RANK):
            cur.name_langs.append(lang)
        if lang:
            ent.add_property("name_languages", f"{lang}: {whole}")
        gender = {"M": "male", "F": "female"}.get(clean(a.get("gender")).upper(), clean(a.get("gender")))
        ent.add_property("gender", gender)
        ent.add_property("title", clean(a.get("title")))
        ent.add_property("position", clean(a.get("function")))

    def _birthdate(self, ent: Entity, node: XmlNode) -> None:
        a = {k: clean(v) for k, v in node.attrib.items()}
        circa = a.get("circa", "").lower() == "true"
        pd: PartialDate | None = None
        try:
            if a.get("birthdate"):
                day = _iso_day(a["birthdate"], self.path, node, "birthdate")
                pd = PartialDate(day, circa=circa)
            elif a.get("year"):
                year = _int(a["year"], self.path, node, "year")
                month = (
                    _int(a["monthOfYear"], self.path, node, "monthOfYear") if a.get("monthOfYear") else None
                )
                dom = _int(a["dayOfMonth"], self.path, node, "dayOfMonth") if a.get("dayOfMonth") else None
                pd = PartialDate.of(year, month, dom if month else None, circa=circa)
            elif a.get("yearRangeFrom") or a.get("yearRangeTo"):
                lo = _int(a.get("yearRangeFrom") or a["yearRangeTo"], self.path, node, "yearRangeFrom")
                hi = _int(a.get("yearRangeTo") or a["yearRangeFrom"], self.path, node, "yearRangeTo")
                if hi < lo:
                    raise ParseError(
                        f"<birthdate> range {lo}..{hi} ends before it starts",
                        path=self.path,
                        line=node.line,
                        field="yearRangeTo",
                    )
                pd = PartialDate.of(lo, circa=circa, end=f"{hi:04d}" if hi != lo else None)
        except ValueError:
            raise ParseError(
                f"<birthdate> has no valid date: {sorted(a.items())}", path=self.path, line=node.line
            ) from None
        if pd is None and (parts := [f"{k} {a[k]}" for k in ("dayOfMonth", "monthOfYear") if a.get(k)]):
            # a day and/or month without a year: no date to store, but not to be dropped either
            self.warn(node.line, f"logicalId {ent.source_id}: <birthdate> without a year; kept verbatim")
            ent.add_property("birth_dates_text", ", ".join(parts))
        if pd is not None and pd not in ent.birth_dates:
            ent.birth_dates.append(pd)
        cal = a.get("calendarType", "")
        if cal and cal.upper() != "GREGORIAN":
            ent.add_property("birth_calendars", cal)
        place = ", ".join(
            p
            for p in (a.get("city"), a.get("place"), a.get("region"), _country(a))
            if p and p not in ("-", "UNKNOWN")
        )
        ent.add_property("birth_places", place)

    def _identification(self, ent: Entity, node: XmlNode) -> None:
        a = {k: clean(v) for k, v in node.attrib.items()}
        value = a.get("number") or a.get("latinNumber", "")
        if not value:
            self.warn(node.line, f"logicalId {ent.source_id}: <identification> without a number")
            ent.add_property("identifications_text", a.get("identificationTypeDescription", "") or "?")
            return
        code = a.get("identificationTypeCode", "").lower()
        kind = _ID_TYPES.get(code, lower_snake(code) if code else "other")
        iso = a.get("countryIso2Code", "").upper()
        notes = [a.get("identificationTypeDescription", "")]
        notes += [label for attr, label in _ID_FLAGS if a.get(attr, "").lower() == "true"]
        for attr, label in (
            ("latinNumber", "latin number"),
            ("nameOnDocument", "name on document"),
            ("issuedBy", "issued by"),
            ("issueDate", "issued on"),
            ("validFrom", "valid from"),
            ("validTo", "valid to"),
            ("region", "region"),
        ):
            if a.get(attr) and not (attr == "latinNumber" and a[attr] == value):
                notes.append(f"{label} {a[attr]}")
        if iso in ("", "00") and a.get("countryDescription") not in (None, "", "UNKNOWN"):
            notes.append(f"country {a['countryDescription']}")
        ident = Identifier(
            type=kind,
            value=value,
            country=iso if iso not in ("", "00") else None,
            note="; ".join(n for n in notes if n) or None,
        )
        for i, have in enumerate(ent.identifiers):
            if (have.type, have.value, have.country) == (ident.type, ident.value, ident.country):
                if ident.note and ident.note != have.note:  # the same document, told twice: keep both notes
                    note = f"{have.note} | {ident.note}" if have.note else ident.note
                    ent.identifiers[i] = dataclasses.replace(have, note=note)
                return
        ent.identifiers.append(ident)

    def _address(self, ent: Entity, node: XmlNode) -> None:
        a = {k: clean(v) for k, v in node.attrib.items()}
        street = ", ".join(p for p in (a.get("street"), a.get("poBox") and f"PO Box {a['poBox']}") if p)
        iso = a.get("countryIso2Code", "").upper()
        notes = [p for p in (a.get("place"),) if p]
        if a.get("asAtListingTime", "").lower() == "true":
            notes.append("as at listing time")
        addr = Address(
            street=street or None,
            city=a.get("city") or None,
            state=a.get("region") or None,
            postal_code=a.get("zipCode") or None,
            country=iso if iso not in ("", "00") else None,
            country_name=_country(a) or None,
            note="; ".join(notes) or None,
        )
        add_address(ent, addr)
        for info in node.children:
            if local(info.tag) != "contactInfo":
                continue
            key = clean(info.attrib.get("key")).upper()
            ent.add_property(
                _CONTACT.get(key, lower_snake(key) or "contact"), clean(info.attrib.get("value"))
            )


def _country(a: dict[str, str]) -> str:
    desc = a.get("countryDescription", "")
    return "" if desc == "UNKNOWN" else desc


def parse(path: Path, *, list_name: str = "eu-fsf") -> ParsedList:
    """Parse an EU FSF v1.1 XML export, streaming one ``sanctionEntity`` at a time."""
    require_nonempty(path)
    reader = _Reader(path=path, list_name=list_name)
    nodes = iter_children(path, qualified=True)
    root = next(nodes)
    if root.tag != f"{{{NAMESPACE}}}export":
        raise ParseError(
            f"root element is <{root.tag}>, expected <export> in namespace {NAMESPACE}",
            path=path,
            line=root.line,
            hint="is this an EU Financial Sanctions Files XML v1.1 export?",
        )
    published_at = datetime_attr(root, "generationDate", path, label="<export> generationDate")
    for item in nodes:
        if item.tag == f"{{{NAMESPACE}}}sanctionEntity":
            reader.add(item)
        else:
            raise ParseError(
                f"unexpected element <{item.tag}> under <export>",
                path=path,
                line=item.line,
                hint=f"an EU FSF export holds only <sanctionEntity> elements in namespace {NAMESPACE}",
            )
    entities = []
    for cur in reader.merged.values():
        cur.choose_primary()
        if not cur.entity.names:
            raise ParseError(
                f"logicalId {cur.entity.source_id} has no name", path=path, line=cur.line, field="nameAlias"
            )
        entities.append(cur.entity)
    return one_file_list(
        path,
        list_name,
        FORMAT,
        entities,
        counts={"records": reader.elements, "entities": len(entities)},
        published_at=published_at,
        warnings=reader.warnings,
    )
