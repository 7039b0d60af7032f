"""Our ids and list names <-> FtM entity ids and dataset names.

* A list name (``ofac-sdn``) is an FtM dataset name with ``-`` for ``_``: ``ofac_sdn``. List names
  never hold ``_``, so the mapping is reversible.
* An entity id ``<list>:<source id>`` (``ofac-sdn:26243``) is the FtM id ``<list>-<source id>``
  (``ofac-sdn-26243``). FtM ids are ``[0-9a-zA-Z]([0-9a-zA-Z.-]*[0-9a-zA-Z])?``; every source id of the
  official lists fits (digits, letters, ``.`` and ``-``). Going back needs the list names: the longest
  list name that prefixes the FtM id followed by ``-`` is the list (list names are known to the ledger).
* Entities we derive from one listed entity get the listed entity's FtM id plus a suffix:
  ``-sanction``, ``-addr-<n>``, ``-id-<n>``, ``-link-<n>``, ``-own-<n>`` (n from 1).
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from sanctions_ledger.errors import InputError

FTM_ID = re.compile(r"^[0-9a-zA-Z]([0-9a-zA-Z.\-]*[0-9a-zA-Z])?$")
DATASET = re.compile(r"^[a-z0-9]+(_[a-z0-9]+)*$")
LIST_NAME = re.compile(r"^[a-z0-9]+(-[a-z0-9]+)*$")
DERIVED = re.compile(r"-(sanction|addr-\d+|id-\d+|link-\d+|own-\d+)$")
MAX_ID = 1024


def dataset_name(list_name: str) -> str:
    """``ofac-sdn`` -> ``ofac_sdn``. Raises InputError for a list name that has no FtM form."""
    if not LIST_NAME.match(list_name):
        raise InputError(
            f"list name {list_name!r} has no FtM dataset name",
            hint="FtM dataset names are lower-case letters and digits joined by '_'",
        )
    return list_name.replace("-", "_")


def list_from_dataset(dataset: str) -> str:
    """``ofac_sdn`` -> ``ofac-sdn``; also accepts a list name as it is. Raises InputError."""
    name = dataset.strip().lower().replace("_", "-")
    if not LIST_NAME.match(name):
        raise InputError(f"{dataset!r} is not a valid FtM dataset name", hint="e.g. ofac_sdn or eu_fsf")
    return name


def ftm_id(entity_id: str) -> str:
    """``ofac-sdn:26243`` -> ``ofac-sdn-26243``. Raises InputError when the id has no valid FtM form."""
    list_name, sep, source_id = entity_id.partition(":")
    out = f"{list_name}-{source_id}"
    if not sep or not LIST_NAME.match(list_name) or not FTM_ID.match(out) or len(out) > MAX_ID:
        raise InputError(
            f"entity id {entity_id!r} has no FtM form",
            hint="FtM ids hold only letters, digits, '.' and '-' and start and end with a letter or digit",
        )
    return out


def is_ftm_id(value: str) -> bool:
    return bool(FTM_ID.match(value)) and len(value) <= MAX_ID


def our_id(value: str, lists: Iterable[str]) -> str | None:
    """The ledger id of an FtM id (``ofac-sdn-26243`` -> ``ofac-sdn:26243``), or None when no known list
    prefixes it. An id that already is ours (``ofac-sdn:26243``) is returned as it is."""
    if ":" in value:
        return value
    best = ""
    for name in lists:
        if value.startswith(name + "-") and len(name) > len(best) and len(value) > len(name) + 1:
            best = name
    if not best:
        return None
    return f"{best}:{value[len(best) + 1 :]}"


def parent_id(value: str) -> str | None:
    """The listed entity's FtM id of a derived entity's id (``ofac-sdn-26243-sanction`` ->
    ``ofac-sdn-26243``), None when the id has no derived suffix."""
    m = DERIVED.search(value)
    return value[: m.start()] if m else None
