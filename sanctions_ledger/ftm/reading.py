"""FtM entities (OpenSanctions JSON lines) -> our entities.

Each Person, Organization, Company, PublicBody, LegalEntity, Vessel and Airplane becomes one entity of the
list named by the file's dataset. The entities around it are folded into it: Address (``addressEntity``)
into its addresses, Sanction (``entity``) into its programs and listing date, Identification and Passport
(``holder``) into its identifiers, links (UnknownLink, Ownership, Family, Associate, ...) into properties
naming the other party. Anything else is counted and reported as skipped, never silently dropped.

Ids: an FtM id ``<list>-<rest>`` of the list (our own exports) keeps ``<rest>`` as the source id, so our
``ofac-sdn-26243`` comes back as ``ofac-sdn:26243``; any other FtM id (``NK-...``, ``Q7747``) is the source
id as it is (``eu-fsf:NK-...``).
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from sanctions_ledger.model import Address, Entity, Identifier, Name, PartialDate, Provenance

LISTED = {
    "Person": "person",
    "Organization": "organization",
    "Company": "organization",
    "PublicBody": "organization",
    "LegalEntity": "unknown",
    "Vessel": "vessel",
    "Airplane": "aircraft",
}
ID_TYPES = {
    "passportNumber": "passport",
    "idNumber": "national_id",
    "registrationNumber": "registration",
    "taxNumber": "tax_id",
    "innCode": "inn",
    "ogrnCode": "ogrn",
    "leiCode": "lei",
    "swiftBic": "swift_bic",
    "imoNumber": "imo",
    "mmsi": "mmsi",
    "callSign": "call_sign",
    "vatCode": "vat",
    "dunsCode": "duns",
    "serialNumber": "serial_number",
    "bikCode": "bik",
    "socialSecurityNumber": "ssn",
}
COUNTRY = ("nationality", "citizenship", "country", "jurisdiction", "mainCountry")
OURS = {
    "birthPlace": "birth_places",
    "email": "emails",
    "phone": "phones",
    "website": "websites",
    "position": "position",
    "title": "title",
    "gender": "gender",
    "flag": "vessel_flag_code",
    "pastFlags": "former_vessel_flags",
    "type": "vessel_type",
    "tonnage": "tonnage",
    "grossRegisteredTonnage": "gross_registered_tonnage",
    "model": "aircraft_models",
    "buildDate": "aircraft_manufacture_dates",
}
SKIP = {"name", "alias", "weakAlias", "previousName", "firstName", "lastName", "middleName", "secondName",
        "fatherName", "birthDate", "notes", "createdAt", "programId", "program", "addressEntity", "address",
        "topics", "modifiedAt", "retrievedAt", "sourceUrl", "indexText"}  # fmt: skip
LINK_ROLES = {"UnknownLink": ("subject", "object"), "Ownership": ("owner", "asset"),
              "Family": ("person", "relative"), "Associate": ("person", "associate"),
              "Directorship": ("director", "organization"), "Membership": ("member", "organization"),
              "Employment": ("employer", "employee"), "Representation": ("agent", "client")}  # fmt: skip
DATE = re.compile(r"^(\d{4})(?:-(\d{2})(?:-(\d{2}))?)?")


def snake(name: str) -> str:
    return re.sub(r"(?<!^)([A-Z])", r"_\1", name).lower()


@dataclass
class Record:
    """One FtM entity of the file and where it was (1-based line)."""

    data: dict[str, Any]
    line: int

    @property
    def id(self) -> str:
        return str(self.data["id"])

    @property
    def schema(self) -> str:
        return str(self.data["schema"])

    def values(self, prop: str) -> list[str]:
        vals = (self.data.get("properties") or {}).get(prop) or []
        return [v.strip() for v in vals if isinstance(v, str) and v.strip()]

    @property
    def caption(self) -> str:
        cap = self.data.get("caption")
        if isinstance(cap, str) and cap.strip():
            return cap.strip()
        names = self.values("name") or self.values("full") or self.values("number")
        return names[0] if names else self.id


@dataclass
class Folded:
    entities: list[Entity]
    folded: int = 0
    skipped: list[str] = field(default_factory=list)


def source_id(ftm: str, list_name: str) -> str:
    prefix = list_name + "-"
    return ftm[len(prefix) :] if ftm.startswith(prefix) and len(ftm) > len(prefix) else ftm


def _date(value: str) -> PartialDate | None:
    m = DATE.match(value)
    if not m:
        return None
    try:
        y, mo, d = m.groups()
        return PartialDate.of(int(y), int(mo) if mo else None, int(d) if d else None)
    except ValueError:
        return None


def to_entities(records: Iterable[Record], list_name: str, file_name: str) -> Folded:
    """Our entities from the FtM entities of one file."""
    recs = list(records)
    by_id = {r.id: r for r in recs}
    listed = [r for r in recs if r.schema in LISTED]
    around: dict[str, list[tuple[str, Record, str | None]]] = {}  # listed id -> (relation, record, other)
    out = Folded([])
    used: set[str] = set()
    for r in recs:
        if r.schema in LISTED:
            continue
        if r.schema == "Sanction":
            for target in r.values("entity"):
                around.setdefault(target, []).append(("sanction", r, None))
                used.add(r.id)
        elif r.schema in ("Identification", "Passport"):
            for target in r.values("holder"):
                around.setdefault(target, []).append(("identification", r, None))
                used.add(r.id)
        elif r.schema in LINK_ROLES:
            a, b = LINK_ROLES[r.schema]
            for x in r.values(a):
                for y in r.values(b):
                    around.setdefault(x, []).append((r.schema, r, y))
                    around.setdefault(y, []).append((r.schema + "_of", r, x))
                    used.add(r.id)
    for r in listed:
        for addr_id in r.values("addressEntity"):
            if addr_id in by_id:
                used.add(addr_id)
    for r in listed:
        out.entities.append(_entity(r, list_name, file_name, by_id, around.get(r.id, [])))
    for r in recs:
        if r.schema in LISTED:
            continue
        if r.id in used:
            out.folded += 1
        else:
            out.skipped.append(f"line {r.line}: {r.schema} {r.id} is not about a listed entity of the file")
    return out


def _entity(
    r: Record,
    list_name: str,
    file_name: str,
    by_id: dict[str, Record],
    around: list[tuple[str, Record, str | None]],
) -> Entity:
    names: list[Name] = []
    primary = r.values("name")
    caption = r.data.get("caption")
    if isinstance(caption, str) and caption.strip() in primary:  # the publisher's main name first
        primary.remove(caption.strip())
        primary.insert(0, caption.strip())
    first, last = r.values("firstName"), r.values("lastName")
    for i, n in enumerate(primary):
        kind = "primary" if i == 0 else "alias"
        fn = first[0] if i == 0 and len(first) == 1 else None
        ln = last[0] if i == 0 and len(last) == 1 else None
        names.append(Name(n, kind, first_name=fn, last_name=ln))
    if not primary and (first or last):
        names.append(Name(" ".join(first[:1] + last[:1]), "primary"))
    for prop, kind in (("alias", "alias"), ("weakAlias", "weak"), ("previousName", "former")):
        names += [Name(n, kind) for n in r.values(prop)]
    if not names:
        names.append(Name(r.caption, "primary"))
    e = Entity(
        list=list_name,
        source_id=source_id(r.id, list_name),
        schema=LISTED[r.schema],
        names=_unique_names(names),
        provenance=Provenance(file=file_name, line=r.line),
    )
    for v in r.values("birthDate"):
        d = _date(v)
        if d is not None and d not in e.birth_dates:
            e.birth_dates.append(d)
        elif d is None:
            e.add_property("birth_dates_text", v)
    for prop in COUNTRY:
        for c in r.values(prop):
            code = c.upper()
            if code not in e.nationalities:
                e.nationalities.append(code)
    for prop, kind in ID_TYPES.items():
        for v in r.values(prop):
            ident = Identifier(kind, v)
            if ident not in e.identifiers:
                e.identifiers.append(ident)
    for v in r.values("programId") + r.values("program"):
        if v not in e.programs:
            e.programs.append(v)
    listed_on = sorted(r.values("createdAt"))
    notes = r.values("notes")
    for addr_id in r.values("addressEntity"):
        a = by_id.get(addr_id)
        if a is not None:
            e.addresses.append(_address(a))
        else:
            e.add_property("address_entities", addr_id)
    known = {a.full for a in e.addresses}
    for full in r.values("address"):
        if full not in known:
            e.addresses.append(Address(street=full))
    for relation, rec, other in around:
        if relation == "sanction":
            for v in rec.values("programId") + rec.values("program"):
                if v not in e.programs:
                    e.programs.append(v)
            listed_on += rec.values("listingDate") + rec.values("startDate")
            for v in rec.values("authority"):
                e.add_property("sanction_authority", v)
            for v in rec.values("reason") + rec.values("provisions") + rec.values("summary"):
                e.add_property("sanctions_notes", v)
        elif relation == "identification":
            kind = (
                "passport"
                if rec.schema == "Passport"
                else snake(rec.values("type")[0])
                if rec.values("type")
                else "national_id"
            )
            for number in rec.values("number") + rec.values("passportNumber"):
                countries = rec.values("country")
                country = countries[0] if countries else None
                ident = Identifier(
                    kind.replace(" ", "_") or "national_id", number, country.upper() if country else None
                )
                if ident not in e.identifiers:
                    e.identifiers.append(ident)
        else:
            name = by_id[other].caption if other in by_id else other or ""
            role = (rec.values("role") or [""])[0]
            if relation == "UnknownLink" or relation == "UnknownLink_of":
                e.add_property("linked_to", name)
            elif relation == "Ownership_of":  # this entity is the asset
                e.add_property("vessel_owner" if e.schema == "vessel" else "owners", name)
            else:
                e.add_property(snake(relation), f"{role}: {name}" if role else name)
    e.listed_on = min((d for d in (x[:10] for x in listed_on) if _date(d)), default=None)
    if notes:
        e.remarks = "; ".join(notes)
    for prop, values in (r.data.get("properties") or {}).items():
        if prop in SKIP or prop in COUNTRY or prop in ID_TYPES or not isinstance(values, list):
            continue
        key = OURS.get(prop, snake(prop))
        for v in values:
            if isinstance(v, str):
                e.add_property(key, v)
    if e.source_id == r.id:  # the publisher's own id, kept as a referent of ours (yente's exclusions)
        e.add_property("referents", r.id)
    for ref in r.data.get("referents") or []:
        if isinstance(ref, str):
            e.add_property("referents", ref)
    return e


def _unique_names(names: list[Name]) -> list[Name]:
    seen: set[tuple[str, str]] = set()
    out = []
    for n in names:
        if (n.name, n.kind) not in seen and not (n.kind != "primary" and (n.name, "primary") in seen):
            seen.add((n.name, n.kind))
            out.append(n)
    return out


def _address(a: Record) -> Address:
    def one(prop: str) -> str | None:
        vals = a.values(prop)
        return vals[0] if vals else None

    country = one("country")
    street = one("street")
    full = one("full")
    if not street and not one("city") and full:
        street = full
    return Address(
        street=street,
        city=one("city"),
        state=one("state") or one("region"),
        postal_code=one("postalCode"),
        country=country.upper() if country else None,
        note=one("remarks") or one("notes"),
    )
