"""Other names of lists and entities, and links between lists that publish the same parties.

* ``uk-ofsi`` is another name of the list ``uk-hmt``: both are the OFSI Consolidated List (the 2016 CSV
  layout and the 2022 xlsx are two formats of it), stored once, under ``uk-hmt``, so that its history runs
  unbroken from 2016. Wherever a user names a list (``uk-ofsi``) or an entity (``uk-ofsi:<Group ID>``),
  :func:`canonical_list` / :func:`canonical_entity_id` turn it into the stored name.
* The FCDO UK Sanctions List and the OFSI list name each other's records: OFSI's "Other Information"
  carries ``(UK Sanctions List Ref):<UniqueID>`` and FCDO's ``OFSIGroupID`` the Group ID. The parsers keep
  them as properties; :func:`linked_ids` turns them into entity ids of the other list.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

LIST_ALIASES: dict[str, str] = {"uk-ofsi": "uk-hmt"}

# (list, property naming a record of another list, that list)
LINKS: tuple[tuple[str, str, str], ...] = (
    ("uk-hmt", "uk_sanctions_list_ref", "uk-fcdo"),
    ("uk-fcdo", "ofsi_group_id", "uk-hmt"),
)


def canonical_list(name: str) -> str:
    return LIST_ALIASES.get(name, name)


def canonical_entity_id(entity_id: str) -> str:
    prefix, sep, rest = entity_id.partition(":")
    return f"{canonical_list(prefix)}:{rest}" if sep else entity_id


def linked_ids(list_name: str, properties: Mapping[str, Sequence[str]]) -> list[str]:
    """Ids of the same party on other lists, from an entity's list and properties."""
    out: list[str] = []
    for lst, key, other in LINKS:
        if lst == list_name:
            out += [f"{other}:{v}" for v in properties.get(key, ()) if v]
    return out
