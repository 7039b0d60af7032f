"""Screen one query against a :class:`MatchIndex`."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sanctions_ledger.matching.index import MatchIndex
from sanctions_ledger.matching.scoring import EntityMatch, QueryFacts
from sanctions_ledger.matching.search import search
from sanctions_ledger.parsers.aliases import canonical_list
from sanctions_ledger.screening.grouping import group_hits
from sanctions_ledger.screening.meaning import score_meaning
from sanctions_ledger.screening.query import ScreeningQuery

StrList = list[str]

# Chosen on the dev benchmark (docs/matching.md): the highest recall at <= 1 % false positives per
# negative category, with a margin.
DEFAULT_THRESHOLD = 0.80
DEFAULT_LIMIT = 10


@dataclass
class Match:
    entity_id: str
    score: float
    name: str
    matched_name: str
    list: str
    schema: str
    programs: StrList
    explanation: dict[str, Any]

    def to_dict(self) -> dict[str, Any]:
        return {
            "entity_id": self.entity_id,
            "score": self.score,
            "name": self.name,
            "matched_name": self.matched_name,
            "list": self.list,
            "schema": self.schema,
            "programs": self.programs,
            "explanation": self.explanation,
        }

    @classmethod
    def of(cls, m: EntityMatch, facts: QueryFacts, best: bool | None = None) -> Match:
        """The match a user sees for one scored entity; ``best``: whether no other match of its query scores
        higher, which the statement of what its score means takes into account when known."""
        e = m.entity
        explanation = m.explanation(facts)
        meaning = score_meaning(m.score, best)
        explanation["score_meaning"] = meaning
        explanation["notes"].append(meaning["text"])
        return cls(
            entity_id=e.id,
            score=m.score,
            name=e.caption,
            matched_name=m.matched.name,
            list=e.list,
            schema=e.schema,
            programs=list(e.programs),
            explanation=explanation,
        )


def name_notes(explanation: dict[str, Any]) -> list[str]:
    """The notes of a match's explanation that are about the name (what was matched, how, which words were
    taken as one): its ``notes`` without the feature sentences and the score's meaning, which views show
    on their own."""
    features = {f.get("detail") for f in explanation.get("features") or [] if isinstance(f, dict)}
    meaning = (explanation.get("score_meaning") or {}).get("text")
    return [n for n in explanation.get("notes") or [] if n not in features and n != meaning]


@dataclass
class ScreeningResult:
    query: ScreeningQuery
    matches: list[Match]

    def to_dict(self) -> dict[str, Any]:
        return {"query": self.query.to_dict(), "matches": [m.to_dict() for m in self.matches]}


class Screener:
    """Screens queries against one index with a default operating point."""

    def __init__(
        self,
        index: MatchIndex,
        threshold: float = DEFAULT_THRESHOLD,
        limit: int = DEFAULT_LIMIT,
        lists: tuple[str, ...] | list[str] = (),
        programs: tuple[str, ...] | list[str] = (),
    ) -> None:
        """``lists``/``programs``: the filters every query gets unless it names its own."""
        self.index = index
        self.threshold = threshold
        self.limit = limit
        self.lists = tuple(canonical_list(x) for x in lists if x)
        self.programs = tuple(p.upper() for p in programs if p)

    def screen(self, query: ScreeningQuery) -> ScreeningResult:
        threshold = self.threshold if query.threshold is None else query.threshold
        facts = query.facts()
        kept = self._kept(query, facts, threshold)
        return ScreeningResult(query, [Match.of(m, facts, m.score >= kept[0].score) for m in kept])

    def screen_grouped(self, query: ScreeningQuery) -> dict[str, Any]:
        """:meth:`screen`, with the hits of one party on several lists (linked by identifiers or UN
        reference numbers) grouped: ``{"query": ..., "parties": [{"score", "entity_ids", "lists",
        "links", "records": [match, ...]}, ...]}``, each record the match :meth:`screen` gives."""
        threshold = self.threshold if query.threshold is None else query.threshold
        facts = query.facts()
        kept = self._kept(query, facts, threshold)
        groups = group_hits(
            [(m.entity, Match.of(m, facts, m.score >= kept[0].score).to_dict()) for m in kept]
        )
        return {"query": query.to_dict(), "parties": [g.to_dict() for g in groups]}

    def _kept(self, query: ScreeningQuery, facts: QueryFacts, threshold: float) -> list[EntityMatch]:
        limit = self.limit if query.limit is None else query.limit
        scored = self.score_all(query, facts, floor=threshold)
        return [m for m in scored if m.score >= threshold][:limit]

    def score_all(
        self, query: ScreeningQuery, facts: QueryFacts | None = None, floor: float | None = None
    ) -> list[EntityMatch]:
        """Every candidate entity scored, best first (see :func:`sanctions_ledger.matching.search.search`)."""
        return search(
            self.index,
            facts or query.facts(),
            lists=query.lists or self.lists,
            programs=query.programs or self.programs,
            floor=floor,
        )
