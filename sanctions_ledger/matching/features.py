"""Non-name evidence: date of birth, country, schema and identifiers, each a signed score adjustment
with a sentence an analyst can read."""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass

from sanctions_ledger.model import Entity, PartialDate
from sanctions_ledger.model.countries import country_name

DOB_DAY = 0.08
DOB_MONTH = 0.05
DOB_YEAR = 0.03
DOB_CONFLICT = -0.15
COUNTRY_MATCH = 0.02
COUNTRY_CONFLICT = -0.03
SCHEMA_CONFLICT = -0.25
ORG_VESSEL_CONFLICT = -0.21  # a vessel is often named after its owner, but it is not the owner
# the most the date-of-birth, country and type features together can add to a name score (an identifier
# is another matter: it lifts the score to at least 0.9)
MAX_GAIN = max(DOB_DAY, DOB_MONTH, DOB_YEAR, 0.0) + max(COUNTRY_MATCH, 0.0)

_ID_TYPES_IMO = ("imo", "imo_company")
_ID_NON_ALNUM = re.compile(r"[^0-9A-Z]")
# explanation text only: identifier types and entity types in an analyst's words
ID_LABELS = {
    "imo": "IMO number",
    "imo_company": "company IMO number",
    "passport": "passport number",
    "national_id": "national ID number",
    "tax_id": "tax ID",
    "registration": "registration number",
    "swift_bic": "SWIFT/BIC code",
    "ssn": "social security number",
    "ni_number": "national insurance number",
    "lei": "LEI",
    "duns": "DUNS number",
    "mmsi": "MMSI",
    "rfc": "RFC",
    "curp": "CURP",
    "call_sign": "call sign",
}
_A_SCHEMA = {
    "person": "a person",
    "organization": "an organisation",
    "vessel": "a vessel",
    "aircraft": "an aircraft",
}


def id_label(kind: str) -> str:
    """An identifier type in words (``national_id`` -> ``national ID number``, ``voter_id`` -> ``voter ID``,
    ``aircraft`` -> ``aircraft number``)."""
    label = ID_LABELS.get(kind)
    if label:
        return label
    words = kind.replace("_", " ")
    if words.endswith(" id"):
        return words[:-2] + "ID"
    return words if words.endswith(("number", "code")) else words + " number"


@functools.lru_cache(maxsize=512)
def country_label(code: str) -> str:
    """A country code with its name (``KP`` -> ``North Korea (KP)``), or the code alone."""
    name = country_name(code)
    return f"{name} ({code})" if name else code


@dataclass(frozen=True, slots=True)
class Feature:
    name: str
    effect: float
    detail: str

    def to_dict(self) -> dict[str, object]:
        return {"feature": self.name, "effect": round(self.effect, 4), "detail": self.detail}


def dob_feature(query: PartialDate | None, entity: Entity) -> Feature | None:
    if query is None:
        return None
    if not entity.birth_dates:
        if entity.schema != "person":
            return None
        # A missing fact is not agreement: the listed person cannot earn the bonus a listed date that agrees
        # would give, so against one that has a date the query's date is worth exactly that much less.
        effect = -{"day": DOB_DAY, "month": DOB_MONTH}.get(query.precision, DOB_YEAR)
        return Feature(
            "dob",
            effect,
            f"date of birth {query.value} cannot be confirmed: the listed record gives no date of birth",
        )
    dates = ", ".join(str(d) for d in entity.birth_dates)
    listed = f"the listed date{'s' if len(entity.birth_dates) > 1 else ''} of birth {dates}"
    best = None
    for d in entity.birth_dates:
        lo, hi = d.years()
        if d.circa:
            lo, hi = lo - 1, hi + 1
        if d.end is None and d.value[: len(query.value)] == query.value and not d.circa:
            effect = {"day": DOB_DAY, "month": DOB_MONTH}.get(query.precision, DOB_YEAR)
            if d.precision == "year" and query.precision != "year":
                effect = DOB_YEAR
            return Feature("dob", effect, f"date of birth {query.value} agrees with {listed}")
        if query.precision != "year" and d.precision != "year" and d.value[:7] == query.value[:7]:
            continue
        if lo - 1 <= query.year <= hi + 1:
            best = Feature("dob", 0.0, f"date of birth {query.value} is close to {listed}")
    if best:
        return best
    return Feature("dob", DOB_CONFLICT, f"date of birth {query.value} conflicts with {listed}")


def entity_countries(entity: Entity) -> set[str]:
    out = {c for c in entity.nationalities if len(c) == 2}
    out.update(a.country for a in entity.addresses if a.country)
    for key in ("citizenships", "vessel_flag_code", "nationality_codes"):
        out.update(v for v in entity.properties.get(key, []) if len(v) == 2)
    return out


def country_feature(query: str | None, entity: Entity) -> Feature | None:
    if not query:
        return None
    listed = entity_countries(entity)
    if not listed:
        return None
    shown = ", ".join(country_label(c) for c in sorted(listed))
    if query in listed:
        return Feature(
            "country", COUNTRY_MATCH, f"country {country_label(query)} is among the listed countries: {shown}"
        )
    return Feature(
        "country",
        COUNTRY_CONFLICT,
        f"country {country_label(query)} is not among the listed countries: {shown}",
    )


def schema_feature(query: str | None, entity: Entity) -> Feature | None:
    if not query or query == "unknown" or entity.schema == "unknown" or query == entity.schema:
        return None
    detail = (
        f"the query is {_A_SCHEMA.get(query, query)}, the listed entry "
        f"{_A_SCHEMA.get(entity.schema, entity.schema)}"
    )
    if {query, entity.schema} <= {"organization", "vessel", "aircraft"}:
        return Feature("type", ORG_VESSEL_CONFLICT, detail)
    return Feature("type", SCHEMA_CONFLICT, detail)


def norm_id(value: str) -> str:
    return _ID_NON_ALNUM.sub("", value.upper()).lstrip("0") or "0"


def identifier_feature(imo: str | None, id_number: str | None, entity: Entity) -> Feature | None:
    if imo:
        q = norm_id(imo.upper().replace("IMO", ""))
        for ident in entity.identifiers:
            if ident.type in _ID_TYPES_IMO and norm_id(ident.value) == q:
                return Feature(
                    "identifier",
                    1.0,
                    f"IMO number {imo} equals the listed {id_label(ident.type)} {ident.value}",
                )
    if id_number:
        q = norm_id(id_number)
        if len(q) >= 4:
            for ident in entity.identifiers:
                if ident.type not in _ID_TYPES_IMO and norm_id(ident.value) == q:
                    return Feature(
                        "identifier",
                        1.0,
                        f"identifier {id_number} equals the listed {id_label(ident.type)} {ident.value}",
                    )
    return None
