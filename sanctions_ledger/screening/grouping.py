"""One party, one result: hits on several lists that are the same party, grouped.

Two hits are the same party when their records share an identifier (passport, national ID, IMO and the
like, at least six characters after normalisation) or a UN Security Council reference number (the UN
record's own id, or one quoted by another list's record, such as ``KPi.033``). Grouping is transitive.
It is an option (:meth:`Screener.screen_grouped`); the ungrouped result is unchanged.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from sanctions_ledger.matching.features import id_label, norm_id
from sanctions_ledger.model import Entity

_UN_REF = re.compile(r"\b([A-Z]{2}[ie]\.\d{3})\b")
MIN_ID_LEN = 6


def link_keys(entity: Entity) -> dict[str, str]:
    """The keys that tie ``entity`` to records of the same party on other lists, each with a sentence."""
    keys: dict[str, str] = {}
    for ident in entity.identifiers:
        value = norm_id(ident.value)
        if len(value) >= MIN_ID_LEN:
            keys["id:" + value] = f"same {id_label(ident.type)} {ident.value}"
    refs: set[str] = set()
    if entity.list == "un":
        refs.add(entity.source_id)
    texts = [entity.remarks or ""] + [v for vs in entity.properties.values() for v in vs]
    for text in texts:
        refs.update(_UN_REF.findall(text))
    for ref in refs:
        keys["un:" + ref] = f"same UN reference number {ref}"
    return keys


@dataclass
class PartyGroup:
    """The hits of one party: its best score, the records (best first) and why they were grouped."""

    score: float
    records: list[dict[str, Any]] = field(default_factory=list)
    links: list[str] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        return {
            "score": self.score,
            "entity_ids": [r["entity_id"] for r in self.records],
            "lists": sorted({r["list"] for r in self.records}),
            "links": self.links,
            "records": self.records,
        }


def group_hits(hits: list[tuple[Entity, dict[str, Any]]]) -> list[PartyGroup]:
    """Group ``(entity, match dict)`` pairs, given best first, into parties (best party first)."""
    parent = list(range(len(hits)))

    def find(i: int) -> int:
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    owner: dict[str, int] = {}
    why: dict[int, list[str]] = {}
    for i, (entity, _) in enumerate(hits):
        for key, sentence in sorted(link_keys(entity).items()):
            j = owner.setdefault(key, i)
            if j != i:
                a, b = find(i), find(j)
                if a != b:
                    parent[max(a, b)] = min(a, b)
                why.setdefault(i, []).append(sentence)
                why.setdefault(j, []).append(sentence)
    groups: dict[int, PartyGroup] = {}
    for i, (_, match) in enumerate(hits):
        root = find(i)
        g = groups.get(root)
        if g is None:
            g = groups[root] = PartyGroup(score=float(match["score"]))
        g.records.append(match)
        for sentence in why.get(i, []):
            if sentence not in g.links:
                g.links.append(sentence)
    return list(groups.values())
