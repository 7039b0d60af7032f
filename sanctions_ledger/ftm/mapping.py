"""One ledger entity -> its FtM 4 entities.

The listed entity becomes a Person, Organization (Company when its name carries a company's legal form),
LegalEntity, Vessel or Airplane. Beside it come: one Sanction (programs, listing date, authority), one
Address per address, one Identification (Passport for passports) per identifier, an UnknownLink per
"Linked To" and an Ownership per vessel owner whose name is an entity of the same list. Every value goes
through the FtM property type's cleaning; a value that FtM would refuse (or a field FtM has no property
for) is kept in ``notes`` as ``<field>: <value>``, so nothing the list said is dropped.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from followthemoney import model
from followthemoney.schema import Schema
from followthemoney.types import registry

from sanctions_ledger.ftm.ids import dataset_name, ftm_id
from sanctions_ledger.model import Entity
from sanctions_ledger.model.countries import to_iso2

SCHEMA_FOR = {
    "person": "Person",
    "organization": "Organization",
    "vessel": "Vessel",
    "aircraft": "Airplane",
    "unknown": "LegalEntity",
}
COMPANY_FORM = re.compile(
    r"\b(LTD|LIMITED|LLC|L\.L\.C|INC|INCORPORATED|CORP|CORPORATION|CO\.|COMPANY|GMBH|S\.A|SA DE CV|"
    r"S\.R\.L|SRL|PLC|LLP|OOO|OAO|ZAO|PAO|JSC|PJSC|CJSC|OJSC|SDN\.? BHD|B\.V|N\.V|AG|PTE|PVT|FZE|FZCO)(?!\w)",
    re.IGNORECASE,
)
# our identifier type -> property of the listed entity (when its schema has it)
ID_PROPERTY = {
    "passport": "passportNumber",
    "national_id": "idNumber",
    "cedula": "idNumber",
    "curp": "idNumber",
    "registration": "registrationNumber",
    "tax_id": "taxNumber",
    "rfc": "taxNumber",
    "vat": "vatCode",
    "imo": "imoNumber",
    "imo_company": "imoNumber",
    "mmsi": "mmsi",
    "call_sign": "callSign",
    "swift_bic": "swiftBic",
    "lei": "leiCode",
    "duns": "dunsCode",
    "bik": "bikCode",
    "ssn": "socialSecurityNumber",
    "aircraft_msn": "serialNumber",
    "aircraft_construction_number": "serialNumber",
    "serial_number": "serialNumber",
    "aircraft_tail_number": "registrationNumber",
}
# identifiers that are documents a person or body holds: also an Identification/Passport entity
DOCUMENT_TYPES = {
    "passport",
    "national_id",
    "cedula",
    "curp",
    "voter_id",
    "drivers_license",
    "military_id",
    "residency_number",
    "birth_certificate",
    "police_id",
    "visa",
    "immigration_number",
    "foreigner_id",
    "seafarer_id",
    "pilot_license",
    "professional_license",
    "permit",
}
# entity.properties key -> FtM property of the listed entity
PROPERTY = {
    "birth_places": "birthPlace",
    "gender": "gender",
    "title": "title",
    "position": "position",
    "positions": "position",
    "websites": "website",
    "emails": "email",
    "phones": "phone",
    "vessel_type": "type",
    "other_vessel_types": "pastTypes",
    "vessel_flag_code": "flag",
    "former_vessel_flags": "pastFlags",
    "other_vessel_flags": "pastFlags",
    "tonnage": "tonnage",
    "gross_registered_tonnage": "grossRegisteredTonnage",
    "call_sign": "callSign",
    "aircraft_models": "model",
    "aircraft_manufacture_dates": "buildDate",
    "ethnicities": "ethnicity",
    "occupations": "profession",
    "citizenships": "citizenship",
    "registration_countries": "jurisdiction",
    "established": "incorporationDate",
}
COUNTRY_PROPS = {"nationality", "citizenship", "country", "flag", "pastFlags", "jurisdiction"}
FREE_TYPES = {registry.name, registry.string, registry.text, registry.identifier, registry.address}


def ftm_time(dt: datetime | None) -> str | None:
    """yente's timestamp form: UTC, to the second, no zone (``2024-06-01T10:57:03``)."""
    if dt is None:
        return None
    if dt.tzinfo is not None:
        dt = dt.astimezone(UTC).replace(tzinfo=None)
    return dt.isoformat(timespec="seconds")


@dataclass(frozen=True)
class Seen:
    """When the entity was first listed (the earlier of its listing date and the first snapshot holding
    it), last seen, and when its current version appeared."""

    first_seen: datetime | None = None
    last_seen: datetime | None = None
    last_change: datetime | None = None


class Builder:
    """An FtM entity being built: values are cleaned by their FtM type; what does not fit goes to notes."""

    def __init__(self, schema: str, entity_id: str, dataset: str) -> None:
        found = model.get(schema)
        if found is None:  # pragma: no cover - our schema names are fixed
            raise ValueError(f"no FtM schema {schema!r}")
        self.schema: Schema = found
        self.id = entity_id
        self.dataset = dataset
        self.properties: dict[str, list[str]] = {}

    def add(self, prop: str, value: str | None, label: str | None = None) -> bool:
        """Add ``value``; True when it was stored under ``prop``, False when it went to notes (or was
        empty)."""
        if value is None or not str(value).strip():
            return False
        value = str(value).strip()
        p = self.schema.get(prop)
        cleaned: str | None = None
        if p is not None and not p.stub:
            if p.type in FREE_TYPES:
                cleaned = value[: p.type.max_length] if p.type.max_length else value
            elif prop in COUNTRY_PROPS:
                cleaned = p.type.clean(value) or p.type.clean(to_iso2(value) or "")
            else:
                cleaned = p.type.clean(value)
        if cleaned is None:
            if prop == "notes" or self.schema.get("notes") is None:
                return False
            self._put("notes", f"{label or prop}: {value}")
            return False
        self._put(prop, cleaned)
        return True

    def _put(self, prop: str, value: str) -> None:
        vals = self.properties.setdefault(prop, [])
        if value not in vals:
            vals.append(value)

    def to_dict(self, caption: str, seen: Seen | None, target: bool) -> dict[str, Any]:
        s = seen or Seen()
        return {
            "id": self.id,
            "caption": caption,
            "schema": self.schema.name,
            "properties": self.properties,
            "datasets": [self.dataset],
            "referents": [],
            "target": target,
            "first_seen": ftm_time(s.first_seen),
            "last_seen": ftm_time(s.last_seen),
            "last_change": ftm_time(s.last_change),
        }


def main_schema(entity: Entity) -> str:
    schema = SCHEMA_FOR[entity.schema]
    if schema == "Organization" and COMPANY_FORM.search(entity.caption):
        return "Company"
    return schema


def to_ftm(
    entity: Entity,
    *,
    seen: Seen | None = None,
    authority: str | None = None,
    resolve: Callable[[str], str | None] | None = None,
) -> list[dict[str, Any]]:
    """The FtM entities of one listed entity, the listed entity first. ``resolve`` maps a name to the id
    (ours) of an entity of the same list, for "Linked To" and vessel owners."""
    dataset = dataset_name(entity.list)
    main_id = ftm_id(entity.id)
    b = Builder(main_schema(entity), main_id, dataset)
    derived: list[tuple[Builder, str]] = []
    _names(b, entity)
    for d in entity.birth_dates:
        if not b.add("birthDate", d.value, "birth date"):
            continue
        if d.end:
            b.add("birthDate", d.end, "birth date")
    if d_text := [d.text for d in entity.birth_dates if d.text]:
        for t in d_text:
            b.add("notes", f"birth date as written: {t}")
    country_prop = {"Person": "nationality", "Vessel": "flag"}.get(b.schema.name, "country")
    for c in entity.nationalities:
        b.add(country_prop, c, "nationality")
    if entity.listed_on:
        b.add("createdAt", entity.listed_on, "listed on")
    if entity.remarks:
        b.add("notes", entity.remarks)
    b.add("topics", "sanction")
    for prog in entity.programs:
        b.add("programId", prog, "program")
    for key, values in sorted(entity.properties.items()):
        if key != "referents":  # other ids of this entity (from an FtM source): FtM's referents
            _property(b, entity, key, values, resolve, derived)
    for n, ident in enumerate(entity.identifiers, 1):
        prop = ID_PROPERTY.get(ident.type)
        stored = b.add(prop, ident.value, ident.type) if prop and b.schema.get(prop) else False
        if ident.type in DOCUMENT_TYPES or not stored:
            derived.append(_identification(b, n, ident.type, ident.value, ident.country, ident.note))
    for n, addr in enumerate(entity.addresses, 1):
        a = Builder("Address", f"{main_id}-addr-{n}", dataset)
        a.add("full", addr.full)
        a.add("street", addr.street)
        a.add("city", addr.city)
        a.add("state", addr.state)
        a.add("postalCode", addr.postal_code)
        a.add("country", addr.country or addr.country_name, "country")
        a.add("notes", addr.note)
        if not a.properties.get("full"):
            continue
        b.add("address", addr.full)
        b.add("addressEntity", a.id)
        derived.append((a, addr.full))
    s = Builder("Sanction", f"{main_id}-sanction", dataset)
    s.add("entity", main_id)
    s.add("authority", authority)
    for prog in entity.programs:
        s.add("program", prog)
        s.add("programId", prog)
    if entity.listed_on:
        s.add("listingDate", entity.listed_on, "listed on")
        s.add("startDate", entity.listed_on, "listed on")
    s.add("authorityId", entity.source_id)
    derived.append((s, f"{entity.list}: {', '.join(entity.programs) or 'listed'}"))
    out = [b.to_dict(entity.caption, seen, True)]
    out[0]["referents"] = sorted({r for r in entity.properties.get("referents", []) if r != main_id})
    out += [d.to_dict(caption, seen, False) for d, caption in derived]
    return out


def _names(b: Builder, entity: Entity) -> None:
    kinds = {
        "primary": "name",
        "alias": "alias",
        "original_script": "alias",
        "new": "alias",
        "weak": "weakAlias",
        "former": "previousName",
    }
    for n in entity.names:
        b.add(kinds.get(n.kind, "alias"), n.name, n.kind)
        if n.kind == "primary" and b.schema.name == "Person":
            b.add("firstName", n.first_name, "first name")
            b.add("lastName", n.last_name, "last name")
    if not b.properties.get("name"):
        b.add("name", entity.caption)


def _property(
    b: Builder,
    entity: Entity,
    key: str,
    values: list[str],
    resolve: Callable[[str], str | None] | None,
    derived: list[tuple[Builder, str]],
) -> None:
    for v in values:
        if key == "linked_to" or (key == "vessel_owner" and b.schema.name in ("Vessel", "Airplane")):
            target = resolve(v) if resolve else None
            if target is not None and target != entity.id:
                derived.append(_link(b, key, v, ftm_id(target), len(derived) + 1))
                continue
            b.add("notes", f"{key.replace('_', ' ')}: {v}")
            continue
        if key == "vessel_flag" and b.schema.name == "Vessel":
            b.add("flag", v, "vessel flag")
            continue
        prop = PROPERTY.get(key)
        if prop is not None and b.schema.get(prop) is not None:
            if prop == "gender":
                v = {"m": "male", "f": "female"}.get(v.strip().lower()[:1], v.lower())
            b.add(prop, v, key.replace("_", " "))
        else:
            b.add("notes", f"{key.replace('_', ' ')}: {v}")


def _identification(
    b: Builder, n: int, kind: str, number: str, country: str | None, note: str | None
) -> tuple[Builder, str]:
    i = Builder("Passport" if kind == "passport" else "Identification", f"{b.id}-id-{n}", b.dataset)
    i.add("holder", b.id)
    i.add("number", number)
    i.add("type", kind.replace("_", " "))
    i.add("country", country, "country")
    i.add("summary", note)
    return i, f"{kind.replace('_', ' ')} {number}"


def _link(b: Builder, key: str, name: str, other: str, n: int) -> tuple[Builder, str]:
    if key == "vessel_owner":
        o = Builder("Ownership", f"{b.id}-own-{n}", b.dataset)
        o.add("owner", other)
        o.add("asset", b.id)
        o.add("role", "Owner")
        return o, f"owned by {name}"
    u = Builder("UnknownLink", f"{b.id}-link-{n}", b.dataset)
    u.add("subject", b.id)
    u.add("object", other)
    u.add("role", "Linked To")
    return u, f"linked to {name}"
