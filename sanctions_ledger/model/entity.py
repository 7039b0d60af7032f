"""Entities as every parser produces them and the ledger stores them.

An entity's *content* is everything but its provenance; two entities with equal content have the same
:meth:`Entity.content_hash`, which is how the ledger shares one stored version across snapshots.
"""

from __future__ import annotations

import builtins
import dataclasses
import hashlib
import json
from dataclasses import dataclass, field
from typing import Any

from sanctions_ledger.model.dates import PartialDate

SCHEMAS = ("person", "organization", "vessel", "aircraft", "unknown")

# primary: the list's main name; alias: a.k.a. (strong); weak: weak/low-quality a.k.a.;
# former: f.k.a.; new: n.k.a.; original_script: the name in its own script (UN NAME_ORIGINAL_SCRIPT).
NAME_KINDS = ("primary", "alias", "weak", "former", "new", "original_script")


@dataclass(frozen=True)
class Name:
    name: str
    kind: str = "primary"
    script: str = "Latn"  # ISO 15924 code of the dominant script
    # structured parts when the source gives them (e.g. OFAC "SURNAME, Given")
    first_name: str | None = None
    last_name: str | None = None

    def __post_init__(self) -> None:
        if self.kind not in NAME_KINDS:
            raise ValueError(f"unknown name kind {self.kind!r}")

    def to_dict(self) -> dict[str, Any]:
        d: dict[str, Any] = {"name": self.name, "kind": self.kind, "script": self.script}
        if self.first_name:
            d["first_name"] = self.first_name
        if self.last_name:
            d["last_name"] = self.last_name
        return d

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> Name:
        return cls(
            name=d["name"],
            kind=d.get("kind", "primary"),
            script=d.get("script", "Latn"),
            first_name=d.get("first_name"),
            last_name=d.get("last_name"),
        )


@dataclass(frozen=True)
class Identifier:
    """A typed identifier: ``type`` is one of passport, national_id, imo, mmsi, call_sign, swift_bic,
    registration, tax_id, email, website, cedula, ... (free text for rare kinds, lower_snake)."""

    type: str
    value: str
    country: str | None = None  # ISO 3166-1 alpha-2 when known
    note: str | None = None

    def to_dict(self) -> dict[str, Any]:
        d: dict[str, Any] = {"type": self.type, "value": self.value}
        if self.country:
            d["country"] = self.country
        if self.note:
            d["note"] = self.note
        return d

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> Identifier:
        return cls(type=d["type"], value=d["value"], country=d.get("country"), note=d.get("note"))


@dataclass(frozen=True)
class Address:
    street: str | None = None
    city: str | None = None
    state: str | None = None
    postal_code: str | None = None
    country: str | None = None  # ISO 3166-1 alpha-2 when resolvable
    country_name: str | None = None  # as the source wrote it
    note: str | None = None

    @property
    def full(self) -> str:
        parts = [self.street, self.city, self.state, self.postal_code, self.country_name or self.country]
        return ", ".join(p for p in parts if p)

    def to_dict(self) -> dict[str, Any]:
        d = {
            k: v
            for k, v in (
                ("street", self.street),
                ("city", self.city),
                ("state", self.state),
                ("postal_code", self.postal_code),
                ("country", self.country),
                ("country_name", self.country_name),
                ("note", self.note),
            )
            if v
        }
        d["full"] = self.full
        return d

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> Address:
        return cls(
            street=d.get("street"),
            city=d.get("city"),
            state=d.get("state"),
            postal_code=d.get("postal_code"),
            country=d.get("country"),
            country_name=d.get("country_name"),
            note=d.get("note"),
        )


@dataclass(frozen=True)
class Provenance:
    """Where an entity came from: the file (name within its set) and the 1-based line where its record
    starts (CSV) or the element path/index (XML)."""

    file: str
    line: int | None = None
    element: str | None = None

    def to_dict(self) -> dict[str, Any]:
        d: dict[str, Any] = {"file": self.file}
        if self.line is not None:
            d["line"] = self.line
        if self.element is not None:
            d["element"] = self.element
        return d

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> Provenance:
        return cls(file=d["file"], line=d.get("line"), element=d.get("element"))


@dataclass
class Entity:
    """One listed party as a list publishes it.

    ``properties`` holds typed extras as lists of strings, keyed lower_snake: ``title``, ``gender``,
    ``birth_places``, ``citizenships``, ``vessel_type``, ``vessel_flag``, ``vessel_owner``, ``tonnage``,
    ``gross_registered_tonnage``, ``call_sign``, ``linked_to``, ``websites``, ``emails``, ``phones``,
    ``unparsed_remarks`` (remark pieces no pattern could place, verbatim), ``un_list_type``,
    ``last_updated``, ... Nothing from the source is dropped: what has no field goes there.
    """

    # The field ``list`` shadows the builtin inside this class body, so the annotations below spell
    # ``builtins.list`` (otherwise mypy reads ``list[Name]`` as the field and every consumer loses its types).
    list: str
    source_id: str
    schema: str
    names: builtins.list[Name]
    programs: builtins.list[str] = field(default_factory=builtins.list)
    birth_dates: builtins.list[PartialDate] = field(default_factory=builtins.list)
    nationalities: builtins.list[str] = field(default_factory=builtins.list)  # ISO alpha-2, else as written
    identifiers: builtins.list[Identifier] = field(default_factory=builtins.list)
    addresses: builtins.list[Address] = field(default_factory=builtins.list)
    listed_on: str | None = None  # ISO date
    remarks: str | None = None
    properties: dict[str, builtins.list[str]] = field(default_factory=dict)
    provenance: Provenance | None = None
    # canonical JSON kept by freeze(): set only once parsing is done and the entity will not change
    _frozen_json: str | None = field(default=None, init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        if self.schema not in SCHEMAS:
            raise ValueError(f"unknown schema {self.schema!r}")

    @property
    def id(self) -> str:
        return f"{self.list}:{self.source_id}"

    @property
    def caption(self) -> str:
        for n in self.names:
            if n.kind == "primary":
                return n.name
        return self.names[0].name if self.names else self.id

    def add_property(self, key: str, value: str) -> None:
        value = value.strip()
        if not value:
            return
        values = self.properties.setdefault(key, [])
        if value not in values:
            values.append(value)

    def content_dict(self) -> dict[str, Any]:
        """Everything that defines this entity's content (not its provenance), JSON-ready."""
        return {
            "id": self.id,
            "list": self.list,
            "source_id": self.source_id,
            "schema": self.schema,
            "names": [n.to_dict() for n in self.names],
            "programs": list(self.programs),
            "birth_dates": [d.to_dict() for d in self.birth_dates],
            "nationalities": list(self.nationalities),
            "identifiers": [i.to_dict() for i in self.identifiers],
            "addresses": [a.to_dict() for a in self.addresses],
            "listed_on": self.listed_on,
            "remarks": self.remarks,
            "properties": {k: list(v) for k, v in sorted(self.properties.items()) if v},
        }

    def to_dict(self) -> dict[str, Any]:
        d = self.content_dict()
        d["provenance"] = self.provenance.to_dict() if self.provenance else None
        return d

    def canonical_json(self) -> str:
        if self._frozen_json is not None:
            return self._frozen_json
        return json.dumps(self.content_dict(), sort_keys=True, ensure_ascii=False, separators=(",", ":"))

    def freeze(self) -> None:
        """Promise that this entity's content will not change, so its canonical JSON is computed once."""
        self._frozen_json = None
        self._frozen_json = self.canonical_json()

    def with_provenance(self, provenance: Provenance) -> Entity:
        """A copy with other provenance, sharing this entity's (frozen) content."""
        copy = dataclasses.replace(self, provenance=provenance)
        copy._frozen_json = self._frozen_json
        return copy

    def content_hash(self) -> str:
        return hashlib.sha256(self.canonical_json().encode("utf-8")).hexdigest()

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> Entity:
        prov = d.get("provenance")
        return cls(
            list=d["list"],
            source_id=d["source_id"],
            schema=d["schema"],
            names=[Name.from_dict(n) for n in d.get("names", [])],
            programs=list(d.get("programs", [])),
            birth_dates=[PartialDate.from_dict(x) for x in d.get("birth_dates", [])],
            nationalities=list(d.get("nationalities", [])),
            identifiers=[Identifier.from_dict(x) for x in d.get("identifiers", [])],
            addresses=[Address.from_dict(x) for x in d.get("addresses", [])],
            listed_on=d.get("listed_on"),
            remarks=d.get("remarks"),
            properties={k: list(v) for k, v in d.get("properties", {}).items()},
            provenance=Provenance.from_dict(prov) if prov else None,
        )
