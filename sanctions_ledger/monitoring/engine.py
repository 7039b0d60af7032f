"""Screening watchlist records for monitoring: the product's matcher, made decomposable.

The screening index weighs a name token by how rare it is among all listed names and skips keys whose
posting lists are too long; both depend on every entity in the index. To make a delta re-screen (only the
added and changed entities) raise exactly the alerts a full re-screen would, monitoring indexes take
those statistics from a **baseline** (:class:`Baseline`: the lists as they stood at the last full
re-screen) instead of from their own entities, and score every candidate that passes the coverage floor
(no top-N cut, whose outcome depends on the other entities). A pair (customer, entity version) then gets
the same score from any index that holds the entity, so

    full(S) == union over the entities of S of delta screens.

A **customer key map** makes the delta cheap: the index keys each customer's query would look up are
computed once, so a delta only screens the customers that share a key (or an identifier) with a changed
entity, instead of every customer.
"""

from __future__ import annotations

import time
from array import array
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from sanctions_ledger.matching.features import norm_id
from sanctions_ledger.matching.index import MAX_CANDIDATES, MIN_COVERAGE, POSTING_CAP, MatchIndex
from sanctions_ledger.matching.normalize import NameForm, normalize_name
from sanctions_ledger.matching.scoring import SKELETON_SCRIPTS, EntityMatch, QueryFacts
from sanctions_ledger.model import Entity
from sanctions_ledger.monitoring.records import CustomerRecord
from sanctions_ledger.screening import Screener, ScreeningQuery

DEFAULT_THRESHOLD = 0.80


@dataclass(frozen=True)
class Baseline:
    """Index-wide statistics that scores depend on, frozen at one instant."""

    at: str  # ISO instant of the lists the statistics come from ("" for an index's own)
    df: dict[str, int]
    sdf: dict[str, int]
    deletes: dict[str, tuple[str, ...]]
    n_names: int
    full_idf: float
    capped: frozenset[str]
    token_weights: dict[str, float]  # the weight of every vocabulary token, as ``index`` computes it

    @classmethod
    def of(cls, index: MatchIndex, at: str = "") -> Baseline:
        return cls(
            at=at,
            df=index.df,
            sdf=index.sdf,
            deletes=index.deletes,
            n_names=index.n_names,
            full_idf=index._full_idf,
            capped=frozenset(k for k, v in index.postings.items() if len(v) > POSTING_CAP),
            token_weights={t: index.token_weight(t) for t in index.df},
        )


EntityVersion = tuple[int, str]  # (entity_versions.id, content_hash)


class MonitorIndex(MatchIndex):
    """A :class:`MatchIndex` over some entities scored with a baseline's statistics, without a top-N cut.

    ``versions`` maps each entity id to its stored version, so alerts name the exact version.
    """

    def __init__(
        self,
        entities: Iterable[Entity],
        baseline: Baseline | None = None,
        versions: dict[str, EntityVersion] | None = None,
    ) -> None:
        super().__init__(entities)
        self.versions: dict[str, EntityVersion] = versions or {}
        if baseline is None:
            baseline = Baseline.of(self)
        self.baseline = baseline
        self.df = baseline.df
        self.sdf = baseline.sdf
        self.deletes = baseline.deletes
        self.n_names = baseline.n_names
        self._full_idf = baseline.full_idf
        self.capped = baseline.capped
        # The screening index caches the weights of its own vocabulary; they must be the baseline's.
        # (tests/unit/test_monitoring.py::test_monitor_index_weights_are_the_baselines guards any new cache.)
        self._token_weights = baseline.token_weights
        self.weigh_names()  # the names' stored weights too

    def usable_postings(self, key: str) -> array[int] | None:
        """Keys too common in the baseline are skipped, however few names the delta has under them."""
        return None if key in self.capped else self.postings.get(key)

    def candidates(
        self,
        form: NameForm,
        skeleton_mode: bool = False,
        limit: int = MAX_CANDIDATES,
        weights: list[float] | None = None,
    ) -> list[int]:
        """Every listed name whose coverage passes the floor (``limit`` is ignored: see the module doc)."""
        credit, total = self.coverage(form, skeleton_mode, weights)
        floor = MIN_COVERAGE * total
        return sorted((nid for nid, c in credit.items() if c >= floor), key=lambda n: (-credit[n], n))


@dataclass(frozen=True)
class Hit:
    """A (customer record version, entity version) pair that scored at or above the threshold."""

    customer_id: str
    record_hash: str
    customer_name: str
    entity_id: str
    entity_version_id: int
    entity_hash: str
    list: str
    entity_name: str
    score: float
    match: dict[str, Any]

    @property
    def key(self) -> tuple[str, str, int]:
        return (self.customer_id, self.record_hash, self.entity_version_id)


@dataclass
class Work:
    """How much work a screen did: queries run, candidate entities scored, seconds spent."""

    queries: int = 0
    scored: int = 0
    hits: int = 0
    seconds: float = 0.0
    index_entities: int = 0

    def add(self, other: Work) -> None:
        self.queries += other.queries
        self.scored += other.scored
        self.hits += other.hits
        self.seconds += other.seconds
        self.index_entities = max(self.index_entities, other.index_entities)

    def to_dict(self) -> dict[str, Any]:
        return {
            "queries": self.queries,
            "candidates_scored": self.scored,
            "hits": self.hits,
            "seconds": round(self.seconds, 3),
            "index_entities": self.index_entities,
        }


def _facts(query: ScreeningQuery) -> QueryFacts:
    return QueryFacts(
        form=normalize_name(query.name),
        schema=query.schema,
        dob=query.dob,
        country=query.country,
        imo=query.imo,
        id_number=query.id_number,
    )


def _match_dict(m: EntityMatch, facts: QueryFacts) -> dict[str, Any]:
    e = m.entity
    return {
        "entity_id": e.id,
        "score": m.score,
        "name": e.caption,
        "matched_name": m.matched.name,
        "list": e.list,
        "schema": e.schema,
        "programs": list(e.programs),
        "explanation": m.explanation(facts),
    }


def screen_records(
    index: MonitorIndex, records: Sequence[CustomerRecord], threshold: float = DEFAULT_THRESHOLD
) -> tuple[list[Hit], Work]:
    """Screen ``records`` against ``index``: the hits and the work done."""
    started = time.perf_counter()
    work = Work(index_entities=len(index.entities))
    hits: list[Hit] = []
    if not index.entities:
        return hits, work
    screener = Screener(index, threshold=threshold)
    for rec in records:
        query = rec.query()
        scored = screener.score_all(query)
        work.queries += 1
        work.scored += len(scored)
        facts: QueryFacts | None = None
        for m in scored:
            if m.score < threshold:
                break
            facts = facts or _facts(query)
            vid, vhash = index.versions.get(m.entity.id, (0, ""))
            hits.append(
                Hit(
                    customer_id=rec.customer_id,
                    record_hash=rec.content_hash,
                    customer_name=rec.name,
                    entity_id=m.entity.id,
                    entity_version_id=vid,
                    entity_hash=vhash,
                    list=m.entity.list,
                    entity_name=m.entity.caption,
                    score=m.score,
                    match=_match_dict(m, facts),
                )
            )
    work.hits = len(hits)
    work.seconds = time.perf_counter() - started
    return hits, work


@dataclass
class CustomerKeys:
    """For each index key (and identifier), the customers whose query would look it up."""

    by_key: dict[str, list[int]] = field(default_factory=dict)
    by_identifier: dict[str, list[int]] = field(default_factory=dict)

    @classmethod
    def build(cls, records: Sequence[CustomerRecord], probe: MonitorIndex) -> CustomerKeys:
        """``probe``: any monitoring index with the baseline the deltas will use (keys depend on it)."""
        by_key: dict[str, list[int]] = defaultdict(list)
        by_ident: dict[str, list[int]] = defaultdict(list)
        for pos, rec in enumerate(records):
            form = normalize_name(rec.name)
            keys = {
                k for per_tok in probe.lookup_keys(form, form.script in SKELETON_SCRIPTS) for k, _ in per_tok
            }
            for k in keys:
                by_key[k].append(pos)
            for value in (rec.imo, rec.id_number):
                if value:
                    by_ident[norm_id(value.upper().replace("IMO", ""))].append(pos)
        return cls(dict(by_key), dict(by_ident))

    def affected(self, delta: MonitorIndex) -> list[int]:
        """Positions of the customers that can match any entity of ``delta``."""
        out: set[int] = set()
        keys = self.by_key
        for k in delta.postings:
            found = keys.get(k)
            if found is not None and k not in delta.capped:
                out.update(found)
        for ident in delta.by_identifier:
            out.update(self.by_identifier.get(ident, ()))
        return sorted(out)
