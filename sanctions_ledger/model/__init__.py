"""The normalized model: pure data, no I/O."""

from sanctions_ledger.model.dates import PartialDate
from sanctions_ledger.model.entity import (
    NAME_KINDS,
    SCHEMAS,
    Address,
    Entity,
    Identifier,
    Name,
    Provenance,
)

__all__ = [
    "NAME_KINDS",
    "SCHEMAS",
    "Address",
    "Entity",
    "Identifier",
    "Name",
    "PartialDate",
    "Provenance",
]
