"""Screening queries: validation of what a user or a CSV row gives."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from sanctions_ledger.errors import InputError
from sanctions_ledger.matching.normalize import normalize_name
from sanctions_ledger.matching.scoring import QueryFacts
from sanctions_ledger.model import SCHEMAS, PartialDate
from sanctions_ledger.model.countries import to_iso2
from sanctions_ledger.parsers.aliases import canonical_list
from sanctions_ledger.screening.limits import MAX_NAME_LENGTH, check_results

_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]")
_DOB = re.compile(r"^\s*(\d{4})(?:[-/.](\d{1,2})(?:[-/.](\d{1,2}))?)?\s*$")
_TYPE_ALIASES = {"individual": "person", "entity": "organization", "company": "organization", "": "unknown"}


@dataclass(frozen=True)
class ScreeningQuery:
    """What to screen: a name plus optional facts, filters and an operating point."""

    name: str
    schema: str = "unknown"
    dob: PartialDate | None = None
    country: str | None = None
    imo: str | None = None
    id_number: str | None = None
    lists: tuple[str, ...] = ()
    programs: tuple[str, ...] = ()
    threshold: float | None = None
    limit: int | None = None
    extra: dict[str, str] = field(default_factory=dict)

    @classmethod
    def build(
        cls,
        name: str | None,
        *,
        schema: str | None = None,
        dob: str | None = None,
        country: str | None = None,
        imo: str | None = None,
        id_number: str | None = None,
        lists: tuple[str, ...] | list[str] = (),
        programs: tuple[str, ...] | list[str] = (),
        threshold: float | None = None,
        limit: int | None = None,
    ) -> ScreeningQuery:
        """Validate raw values; raises :class:`InputError` saying which value is wrong."""
        return cls(
            name=check_name(name),
            schema=parse_schema(schema),
            dob=parse_dob(dob),
            country=parse_country(country),
            imo=(imo or "").strip() or None,
            id_number=(id_number or "").strip() or None,
            lists=tuple(canonical_list(x) for x in lists if x),
            programs=tuple(p.upper() for p in programs if p),
            threshold=check_threshold(threshold),
            limit=check_results(limit),
        )

    def facts(self) -> QueryFacts:
        """What the matcher compares: the normalised name and the other facts."""
        return QueryFacts(
            form=normalize_name(self.name),
            schema=self.schema,
            dob=self.dob,
            country=self.country,
            imo=self.imo,
            id_number=self.id_number,
        )

    def to_dict(self) -> dict[str, Any]:
        d: dict[str, Any] = {"name": self.name, "type": self.schema}
        if self.dob:
            d["dob"] = self.dob.value
        for k, v in (("country", self.country), ("imo", self.imo), ("id_number", self.id_number)):
            if v:
                d[k] = v
        if self.lists:
            d["lists"] = list(self.lists)
        if self.programs:
            d["programs"] = list(self.programs)
        return d


def check_name(name: str | None) -> str:
    if name is None or not name.strip():
        raise InputError("the name to screen is empty", hint="give a person's, company's or vessel's name")
    if len(name) > MAX_NAME_LENGTH:
        raise InputError(f"the name is {len(name)} characters long; at most {MAX_NAME_LENGTH} are screened")
    if _CONTROL.search(name):
        raise InputError(
            "the name contains control characters", hint="remove tabs, NULs and other control bytes"
        )
    if not any(ch.isalnum() for ch in name):
        raise InputError(f"the name {name!r} has no letters or digits")
    return " ".join(name.split())


def parse_schema(value: str | None) -> str:
    v = (value or "").strip().lower()
    v = _TYPE_ALIASES.get(v, v)
    if v not in SCHEMAS:
        raise InputError(
            f"unknown type {value!r}", hint="use person, organization, vessel, aircraft or unknown"
        )
    return v


def parse_dob(value: str | None) -> PartialDate | None:
    if value is None or not value.strip():
        return None
    m = _DOB.match(value)
    if not m:
        raise InputError(f"date of birth {value!r} is not YYYY, YYYY-MM or YYYY-MM-DD")
    try:
        return PartialDate.of(
            int(m.group(1)), int(m.group(2)) if m.group(2) else None, int(m.group(3)) if m.group(3) else None
        )
    except ValueError as exc:
        raise InputError(f"date of birth {value!r} is not a valid date") from exc


def parse_country(value: str | None) -> str | None:
    if value is None or not value.strip():
        return None
    code = to_iso2(value)
    if code is None:
        raise InputError(
            f"unknown country {value!r}", hint="use an ISO 3166-1 code such as KP or a country name"
        )
    return code


def check_threshold(value: float | None) -> float | None:
    if value is not None and not 0.0 <= value <= 1.0:
        raise InputError(f"threshold {value} is outside 0..1")
    return value
