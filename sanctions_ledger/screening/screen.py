"""Screen one query against a :class:`MatchIndex`."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from typing import Any

from sanctions_ledger.matching.features import MAX_GAIN, norm_id
from sanctions_ledger.matching.index import IndexedName, MatchIndex
from sanctions_ledger.matching.normalize import normalize_name
from sanctions_ledger.matching.scoring import (
    SKELETON_SCRIPTS,
    EntityMatch,
    QueryFacts,
    best_name,
    score_entity,
    viable_names,
)
from sanctions_ledger.matching.similarity import LatinQuery, SkeletonQuery
from sanctions_ledger.screening.grouping import group_hits
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


@dataclass
class ScreeningResult:
    query: ScreeningQuery
    matches: list[Match]

    def to_dict(self) -> dict[str, Any]:
        return {"query": self.query.to_dict(), "matches": [m.to_dict() for m in self.matches]}


class Screener:
    """Screens queries against one index with a default operating point."""

    def __init__(
        self, index: MatchIndex, threshold: float = DEFAULT_THRESHOLD, limit: int = DEFAULT_LIMIT
    ) -> None:
        self.index = index
        self.threshold = threshold
        self.limit = limit

    def screen(self, query: ScreeningQuery) -> ScreeningResult:
        threshold = self.threshold if query.threshold is None else query.threshold
        limit = self.limit if query.limit is None else query.limit
        facts = self._facts(query)
        scored = self.score_all(query, facts, floor=threshold)
        kept = [m for m in scored if m.score >= threshold][:limit]
        return ScreeningResult(query, [self._match(m, facts) for m in kept])

    def screen_grouped(self, query: ScreeningQuery) -> dict[str, Any]:
        """:meth:`screen`, with the hits of one party on several lists (linked by identifiers or UN
        reference numbers) grouped: ``{"query": ..., "parties": [{"score", "entity_ids", "lists",
        "links", "records": [match, ...]}, ...]}``, each record the match :meth:`screen` gives."""
        threshold = self.threshold if query.threshold is None else query.threshold
        limit = self.limit if query.limit is None else query.limit
        facts = self._facts(query)
        kept = [m for m in self.score_all(query, facts, floor=threshold) if m.score >= threshold][:limit]
        groups = group_hits([(m.entity, self._match(m, facts).to_dict()) for m in kept])
        return {"query": query.to_dict(), "parties": [g.to_dict() for g in groups]}

    def _facts(self, query: ScreeningQuery) -> QueryFacts:
        return QueryFacts(
            form=normalize_name(query.name),
            schema=query.schema,
            dob=query.dob,
            country=query.country,
            imo=query.imo,
            id_number=query.id_number,
        )

    def score_all(
        self, query: ScreeningQuery, facts: QueryFacts | None = None, floor: float | None = None
    ) -> list[EntityMatch]:
        """Every candidate entity scored, best first. With ``floor``, entities whose name score cannot
        reach it whatever the other facts add (date of birth, country: at most MAX_GAIN; an identifier in
        the query turns this off) are left out before their features are computed: exactly those that
        would score below ``floor`` (with a margin for rounding to four decimals). Candidate names whose
        score an upper bound shows cannot reach that are not compared in full (``viable_names``)."""
        facts = facts or self._facts(query)
        idx = self.index
        skeleton_mode = facts.form.script in SKELETON_SCRIPTS
        # the query's token weights, once per query (not once per candidate name)
        weights = idx.weights(facts.form, skeleton_mode)
        latin_weights = idx.weights(facts.form, False) if skeleton_mode else weights
        prepared = None if skeleton_mode else LatinQuery(facts.form, latin_weights)
        prune_below = None if floor is None or query.imo or query.id_number else floor - 1e-4
        by_entity: dict[int, list[IndexedName]] = defaultdict(list)
        found = [idx.names[nid] for nid in idx.candidates(facts.form, skeleton_mode, weights=weights)]
        if prepared is not None:  # every candidate token compared with the query's at once
            prepared.prefill([n.form for n in found])
        if prune_below is not None:  # names that cannot reach the floor are not scored
            bounds = prepared or SkeletonQuery(facts.form, weights)
            found = viable_names(idx, found, bounds, prune_below - MAX_GAIN - 1e-9)
        for n in found:
            by_entity[n.entity].append(n)
        for value in (query.imo, query.id_number):
            if value:
                for eidx in idx.by_identifier.get(norm_id(value.upper().replace("IMO", "")), []):
                    if eidx not in by_entity:
                        first = idx.first_name.get(eidx)
                        by_entity[eidx] = [] if first is None else [idx.names[first]]
        out: list[EntityMatch] = []
        for eidx, names in by_entity.items():
            entity = idx.entities[eidx]
            if query.lists and entity.list not in query.lists:
                continue
            if query.programs and not set(query.programs) & {p.upper() for p in entity.programs}:
                continue
            if not names:
                continue
            best = best_name(idx, facts.form, names, latin_weights, prepared)
            if prune_below is not None and best[0] + MAX_GAIN < prune_below:
                continue
            out.append(score_entity(idx, facts, entity, names, latin_weights, best))
        out.sort(key=lambda m: (-m.score, m.entity.id))
        return out

    def _match(self, m: EntityMatch, facts: QueryFacts) -> Match:
        e = m.entity
        return Match(
            entity_id=e.id,
            score=m.score,
            name=e.caption,
            matched_name=m.matched.name,
            list=e.list,
            schema=e.schema,
            programs=list(e.programs),
            explanation=m.explanation(facts),
        )
