"""The candidate-and-score loop: one query's facts against one index, every candidate entity scored.

This is the one place a query meets an index; screening (one query, a batch, the API, yente's ``/match``)
and monitoring (full and delta re-screens) all call :func:`search`.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Collection

from sanctions_ledger.matching.features import MAX_GAIN, norm_id
from sanctions_ledger.matching.index import IndexedName, MatchIndex
from sanctions_ledger.matching.scoring import (
    SKELETON_SCRIPTS,
    EntityMatch,
    QueryFacts,
    best_name,
    score_entity,
    viable_names,
)
from sanctions_ledger.matching.similarity import LatinQuery, SkeletonQuery


def identifier_key(value: str) -> str:
    """The form an IMO number or identity document number is looked up by."""
    return norm_id(value.upper().replace("IMO", ""))


def search(
    index: MatchIndex,
    facts: QueryFacts,
    *,
    lists: Collection[str] = (),
    programs: Collection[str] = (),
    floor: float | None = None,
) -> list[EntityMatch]:
    """Every candidate entity scored, best first (ties by entity id).

    ``lists``/``programs``: only entities on one of these lists / in one of these programs (chosen before
    the index's top-N cut; they never change a score: token weights come from the whole index). With
    ``floor``, entities whose name score cannot reach it whatever the other facts add (date of birth,
    country: at most MAX_GAIN; an identifier in the query turns this off) are left out before their
    features are computed: exactly those that would score below ``floor`` (with a margin for rounding to
    four decimals). Candidate names that an upper bound shows cannot reach that are not compared in full
    (:func:`~sanctions_ledger.matching.scoring.viable_names`)."""
    idx = index
    skeleton_mode = facts.form.script in SKELETON_SCRIPTS
    # the query's token weights, once per query (not once per candidate name)
    weights = idx.weights(facts.form, skeleton_mode)
    latin_weights = idx.weights(facts.form, False) if skeleton_mode else weights
    prepared = None if skeleton_mode else LatinQuery(facts.form, latin_weights)
    prune_below = None if floor is None or facts.imo or facts.id_number else floor - 1e-4
    wanted_programs = set(programs)
    entities = idx.entities

    def allowed(eidx: int) -> bool:
        e = entities[eidx]
        if lists and e.list not in lists:
            return False
        return not wanted_programs or bool(wanted_programs & {p.upper() for p in e.programs})

    accept = allowed if lists or wanted_programs else None
    names = idx.names
    found = [names[nid] for nid in idx.candidates(facts.form, skeleton_mode, weights=weights, allowed=accept)]
    if prepared is not None:  # every candidate token compared with the query's at once
        prepared.prefill([n.form for n in found])
    if prune_below is not None:  # names that cannot reach the floor are not compared in full
        bounds = prepared or SkeletonQuery(facts.form, weights)
        found = viable_names(idx, found, bounds, prune_below - MAX_GAIN - 1e-9)
    by_entity: dict[int, list[IndexedName]] = defaultdict(list)
    for n in found:
        by_entity[n.entity].append(n)
    for value in (facts.imo, facts.id_number):
        if value:
            for eidx in idx.by_identifier.get(identifier_key(value), []):
                if eidx not in by_entity and (accept is None or accept(eidx)):
                    first = idx.first_name.get(eidx)
                    by_entity[eidx] = [] if first is None else [idx.names[first]]
    out: list[EntityMatch] = []
    for eidx, names in by_entity.items():
        if not names:
            continue
        entity = entities[eidx]
        best = best_name(idx, facts.form, names, latin_weights, prepared)
        if prune_below is not None and best[0] + MAX_GAIN < prune_below:
            continue
        out.append(score_entity(idx, facts, entity, names, latin_weights, best))
    out.sort(key=lambda m: (-m.score, m.entity.id))
    return out
