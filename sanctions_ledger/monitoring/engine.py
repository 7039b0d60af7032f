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
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from sanctions_ledger.matching.index import Baseline, MatchIndex
from sanctions_ledger.matching.normalize import normalize_name
from sanctions_ledger.matching.scoring import SKELETON_SCRIPTS
from sanctions_ledger.matching.search import identifier_key, search
from sanctions_ledger.model import Entity
from sanctions_ledger.monitoring.records import CustomerRecord
from sanctions_ledger.screening import DEFAULT_THRESHOLD, Match
from sanctions_ledger.screening.executors import Executor

EntityVersion = tuple[int, str]  # (entity_versions.id, content_hash)


@dataclass
class MonitorIndex:
    """The entities a (full or delta) re-screen screens against: a :class:`MatchIndex` scored with a
    baseline's statistics and without a top-N cut (see the module doc), and each entity's stored version
    (``versions``: entity id -> (version id, content hash)), so alerts name the exact version."""

    index: MatchIndex
    baseline: Baseline
    versions: dict[str, EntityVersion] = field(default_factory=dict)

    @classmethod
    def build(
        cls,
        entities: Iterable[Entity],
        baseline: Baseline | None = None,
        versions: dict[str, EntityVersion] | None = None,
    ) -> MonitorIndex:
        """``baseline`` None: the index's own statistics."""
        index = MatchIndex(entities, baseline=baseline, top_n=None)
        return cls(index, baseline or index.baseline(), versions or {})

    @property
    def entities(self) -> Sequence[Entity]:
        return self.index.entities


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


def screen_records(
    index: MonitorIndex, records: Sequence[CustomerRecord], threshold: float = DEFAULT_THRESHOLD
) -> tuple[list[Hit], Work]:
    """Screen ``records`` against ``index``: the hits and the work done."""
    started = time.perf_counter()
    work = Work(index_entities=len(index.entities))
    hits: list[Hit] = []
    if not index.entities:
        return hits, work
    for rec in records:
        facts = rec.query().facts()
        scored = search(index.index, facts)
        work.queries += 1
        work.scored += len(scored)
        top = scored[0].score if scored else 0.0
        for m in scored:
            if m.score < threshold:
                break
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
                    match=Match.of(m, facts, m.score >= top).to_dict(),
                )
            )
    work.hits = len(hits)
    work.seconds = time.perf_counter() - started
    return hits, work


def screen_chunk(
    index: MonitorIndex, chunk: tuple[Sequence[CustomerRecord], float]
) -> tuple[list[Hit], Work]:
    """:func:`screen_records` in the shape the batch executors call
    (:mod:`sanctions_ledger.screening.executors`): the index is what every worker shares, a chunk is
    (records, threshold)."""
    records, threshold = chunk
    return screen_records(index, records, threshold)


def screen_on(
    executor: Executor,
    index: MonitorIndex,
    records: Sequence[CustomerRecord],
    threshold: float,
    chunk: int = 2000,
) -> tuple[list[Hit], Work]:
    """Screen ``records`` against ``index`` on ``executor``, in chunks; hits in record order."""
    hits: list[Hit] = []
    work = Work(index_entities=len(index.entities))
    chunks = ((records[i : i + chunk], threshold) for i in range(0, len(records), chunk))
    for h, w in executor.map(screen_chunk, index, chunks):
        hits += h
        work.add(w)
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
                k
                for per_tok in probe.index.lookup_keys(form, form.script in SKELETON_SCRIPTS)
                for k, _ in per_tok
            }
            for k in keys:
                by_key[k].append(pos)
            for value in (rec.imo, rec.id_number):
                if value:
                    by_ident[identifier_key(value)].append(pos)
        return cls(dict(by_key), dict(by_ident))

    def affected(self, delta: MonitorIndex) -> list[int]:
        """Positions of the customers that can match any entity of ``delta``."""
        out: set[int] = set()
        keys = self.by_key
        for k in delta.index.postings:  # capped keys hold no postings
            found = keys.get(k)
            if found is not None:
                out.update(found)
        for ident in delta.index.by_identifier:
            out.update(self.by_identifier.get(ident, ()))
        return sorted(out)
