"""Small pieces the single-file list parsers share: the result of one file, and the root-element checks.

* :func:`one_file_list` builds the :class:`ParsedList` of a list published as one file, adding the counts
  of what is stored (names, addresses, identifiers) to the counts the parser made while reading;
* :func:`new_entity` starts an entity (no names yet) with its provenance in the file;
* :func:`add_ranked_name` adds a name once per spelling, keeping the better kind; :func:`add_address`
  adds a non-empty address once;
* :func:`datetime_attr` reads an ISO date-time attribute (a publication stamp on a root element);
* :func:`check_plain_root` checks that a streamed root element has the expected tag and no namespace.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime
from pathlib import Path

from sanctions_ledger.errors import ParseError
from sanctions_ledger.model import Address, Entity, Name, Provenance
from sanctions_ledger.parsers.base import ParsedList, source_file
from sanctions_ledger.parsers.xmlsafe import XmlNode, clean


def stored_counts(entities: Sequence[Entity]) -> dict[str, int]:
    """How many names, addresses and identifiers ``entities`` carry."""
    return {
        "names": sum(len(e.names) for e in entities),
        "addresses": sum(len(e.addresses) for e in entities),
        "identifiers": sum(len(e.identifiers) for e in entities),
    }


def new_entity(list_name: str, source_id: str, schema: str, path: Path, line: int, element: str) -> Entity:
    """An entity of ``list_name`` without names yet, read from ``path`` at ``line`` (``element`` says
    which record, e.g. ``Designation AFG0011``)."""
    return Entity(
        list=list_name,
        source_id=source_id,
        schema=schema,
        names=[],
        provenance=Provenance(file=path.name, line=line, element=element),
    )


def add_ranked_name(entity: Entity, index: dict[str, int], name: Name, rank: Mapping[str, int]) -> bool:
    """Add ``name`` to ``entity`` once per spelling (``index``: spelling -> position in ``entity.names``);
    a spelling seen before takes the new name only when its kind ranks better (lower). True when the
    spelling is new."""
    idx = index.get(name.name)
    if idx is None:
        index[name.name] = len(entity.names)
        entity.names.append(name)
        return True
    if rank[name.kind] < rank[entity.names[idx].kind]:
        entity.names[idx] = name
    return False


def add_address(entity: Entity, addr: Address) -> None:
    """Add ``addr`` to ``entity`` unless it is empty or already there."""
    if addr != Address() and addr not in entity.addresses:
        entity.addresses.append(addr)


def one_file_list(
    path: Path,
    list_name: str,
    fmt: str,
    entities: list[Entity],
    *,
    counts: dict[str, int],
    published_at: datetime | None = None,
    warnings: list[str] | None = None,
) -> ParsedList:
    """The :class:`ParsedList` read from the one file ``path``: ``counts`` (records read and the like)
    followed by :func:`stored_counts`."""
    return ParsedList(
        list=list_name,
        format=fmt,
        entities=entities,
        files=[source_file(path.name, path)],
        published_at=published_at,
        counts={**counts, **stored_counts(entities)},
        warnings=warnings if warnings is not None else [],
    )


def datetime_attr(node: XmlNode, attr: str, path: Path, label: str | None = None) -> datetime | None:
    """The ISO date-time in attribute ``attr`` of ``node``; ``None`` when absent or blank. A bad one is a
    :class:`ParseError` naming ``label`` (by default the attribute), the line and the field."""
    text = clean(node.attrib.get(attr))
    if not text:
        return None
    try:
        return datetime.fromisoformat(text)
    except ValueError:
        raise ParseError(
            f"{label or attr} {text!r} is not an ISO date-time", path=path, line=node.line, field=attr
        ) from None


def check_plain_root(root: XmlNode, tag: str, path: Path, hint: str) -> None:
    """A root element (as :func:`~sanctions_ledger.parsers.xmlstream.iter_children` yields it) must be
    ``<tag>`` in no namespace; ``hint`` says what the file should be."""
    if root.tag != tag:
        raise ParseError(f"root element is <{root.tag}>, expected <{tag}>", path=path, line=root.line)
    if "xmlns" in root.attrib:
        raise ParseError(
            f"unexpected default namespace {root.attrib['xmlns']!r} on <{tag}>",
            path=path,
            line=root.line,
            hint=hint,
        )
