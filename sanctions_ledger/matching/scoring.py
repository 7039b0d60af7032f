"""Scores in [0, 1] with an explanation: name similarity first, then the other evidence.

``score = clamp(name_similarity * kind_factor + sum(feature effects))``; an exact identifier (IMO,
passport, national ID) lifts the score to at least 0.95 when the names are at all alike, or 0.9.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from sanctions_ledger.matching.features import (
    Feature,
    country_feature,
    dob_feature,
    identifier_feature,
    schema_feature,
)
from sanctions_ledger.matching.index import IndexedName, MatchIndex
from sanctions_ledger.matching.korean import korean_key
from sanctions_ledger.matching.normalize import NameForm, display_name
from sanctions_ledger.matching.resources import GIVEN_NAME_KEY
from sanctions_ledger.matching.similarity import (
    WEAK_PAIR,
    LatinQuery,
    NameScore,
    SkeletonQuery,
    latin_similarity,
    skeleton_similarity,
)
from sanctions_ledger.model import Entity, PartialDate

# "initials": the query is the initials of a listed organisation's name, weaker evidence than its words
KIND_FACTOR = {
    "primary": 1.0,
    "alias": 1.0,
    "original_script": 1.0,
    "former": 0.98,
    "new": 1.0,
    "weak": 0.92,
    "initials": 0.85,
}
SKELETON_SCRIPTS = frozenset({"Arab"})
SCRIPT_NAMES = {
    "Arab": "Arabic script",
    "Cyrl": "Cyrillic",
    "Hang": "Hangul",
    "Kore": "Hangul",
    "Hani": "Chinese characters",
    "Hans": "Chinese characters",
    "Hant": "Chinese characters",
    "Jpan": "Japanese",
    "Grek": "Greek",
    "Hebr": "Hebrew",
    "Thai": "Thai",
    "Geor": "Georgian",
    "Armn": "Armenian",
    "Zyyy": "a non-Latin script",
}
# explanation text only: a listed name's kind, and what a comparison method means, in an analyst's words
KIND_WORDS = {
    "primary": "primary name",
    "alias": "alias",
    "original_script": "name in its original script",
    "former": "former name",
    "new": "name",
    "weak": "low-quality alias",
}
METHOD_NOTES = {
    "joined": "names compared as whole strings, spaces and word order ignored",
    "skeleton": "names compared by their consonants, as Arabic script writes few vowels",
}


@dataclass(frozen=True)
class QueryFacts:
    form: NameForm
    schema: str | None = None
    dob: PartialDate | None = None
    country: str | None = None
    imo: str | None = None
    id_number: str | None = None


@dataclass
class EntityMatch:
    entity: Entity
    score: float
    name_score: float
    matched: IndexedName
    detail: NameScore
    features: list[Feature] = field(default_factory=list)

    def explanation(self, query: QueryFacts) -> dict[str, Any]:
        form = self.matched.form
        return {
            "query_name": query.form.original,
            "query_normalised": query.form.text(),
            "matched_name": self.matched.name,
            "matched_kind": self.matched.kind,
            "matched_normalised": form.text(),
            "method": self.detail.method,
            "name_similarity": round(self.name_score, 4),
            "token_pairs": [list(p) for p in self.detail.pairs],
            "transliteration": query.form.script if query.form.transliterated else None,
            "korean_romanisation": self.detail.korean,
            "honorifics_ignored": list(query.form.honorifics),
            "legal_forms_ignored": sorted(set(query.form.legal) | set(form.legal)),
            "features": [f.to_dict() for f in self.features],
            "list": self.entity.list,
            "programs": list(self.entity.programs),
            "notes": self.notes(query),
        }

    def listed_spelling(self) -> str:
        """The matched name exactly as the list spells it (the index shows OFAC's ``SURNAME, Given`` as
        ``Given SURNAME``)."""
        for n in self.entity.names:
            if (
                n.name == self.matched.name
                or display_name(n.name, n.first_name, n.last_name) == self.matched.name
            ):
                return n.name
        return self.matched.name

    def notes(self, query: QueryFacts) -> list[str]:
        """The name evidence in an analyst's words (the listed name as the list spells it; no internal names
        such as script codes or the comparison method's name)."""
        out: list[str] = []
        if query.form.transliterated:
            out.append(f"query transliterated from {script_name(query.form.script)} to Latin letters")
        listed_script = self.matched.form.script
        if listed_script != "Latn":
            out.append(f"listed name transliterated from {script_name(listed_script)} to Latin letters")
        spelled = self.listed_spelling()
        if self.matched.kind == "initials":
            out.append(f"the query is the initials of the listed name {spelled!r}")
        else:
            kind = KIND_WORDS.get(self.matched.kind, self.matched.kind.replace("_", " ") + " name")
            out.append(f"matched the listed {kind} {spelled!r}")
        if self.detail.method in METHOD_NOTES:
            out.append(METHOD_NOTES[self.detail.method])
        for q, c, sim in self.detail.pairs:
            if q != c:
                out.append(pair_note(q, c, sim, self.detail.method == "skeleton"))
        for f in self.features:
            out.append(f.detail)
        return out


def script_name(code: str) -> str:
    """An ISO 15924 script code in words (``Hang`` -> ``Hangul``)."""
    return SCRIPT_NAMES.get(code, "a non-Latin script")


def pair_note(q: str, c: str, sim: float, consonants: bool = False) -> str:
    """Why two different words of the query and the listed name were taken as one, in an analyst's words
    (``consonants``: the names were compared by their consonants)."""
    shown = f"{q.capitalize()} ~ {c.capitalize()}"
    if consonants:
        return f"same consonants: {shown}" if sim >= 0.9 else f"similar consonants: {shown} ({sim:.2f})"
    if sim == 0.93 and korean_key(q) is not None and korean_key(q) == korean_key(c):
        return f"Korean romanisation: {shown}"
    if sim == 0.93 and GIVEN_NAME_KEY.get(q, q) == GIVEN_NAME_KEY.get(c, c):
        return f"one given name in its Russian, Ukrainian or Belarusian form: {shown}"
    if sim >= 0.9:
        return f"spelling variant: {shown}"
    if sim >= WEAK_PAIR:
        return f"similar spelling: {shown} ({sim:.2f})"
    return f"weak similarity: {shown} ({sim:.2f})"


def name_score(
    index: MatchIndex,
    query: NameForm,
    listed: NameForm,
    query_weights: list[float] | None = None,
    listed_weights: tuple[float, ...] = (),
    prepared: LatinQuery | None = None,
    org: bool = False,
) -> NameScore:
    """Similarity of two names (``org``: the listed party is not a person). ``query_weights`` and
    ``listed_weights`` are the token weights when the caller has them already (the query's once per
    query, a listed name's from the index); they are used
    only for Latin-script comparison, the skeleton comparison weighs skeletons. ``prepared``: the query
    prepared once for Latin comparison with many names (its weights are the query's)."""
    skeleton_mode = query.script in SKELETON_SCRIPTS or listed.script in SKELETON_SCRIPTS
    if skeleton_mode:
        return skeleton_similarity(
            query, listed, index.weights(query, True), index.weights(listed, True), org
        )
    wc: Sequence[float] = listed_weights or index.weights(listed, False)
    if prepared is not None:
        return prepared.compare(listed, wc, org)
    wq = query_weights if query_weights is not None else index.weights(query, False)
    return latin_similarity(query, listed, wq, wc, org)


BestName = tuple[float, IndexedName, NameScore]


def best_name(
    index: MatchIndex,
    query: NameForm,
    names: list[IndexedName],
    query_weights: list[float] | None = None,
    prepared: LatinQuery | None = None,
) -> BestName:
    """The entity's best-scoring candidate name: ``(score with the name kind's factor, name, detail)``."""
    best: BestName | None = None
    org = index.entities[names[0].entity].schema != "person" if names else False
    query_skeleton = query.script in SKELETON_SCRIPTS
    skeleton_weights: list[float] | None = None  # the query's, once for all its names
    for n in names:
        form = n.form
        if query_skeleton or form.script in SKELETON_SCRIPTS:  # as name_score compares them
            if skeleton_weights is None:
                skeleton_weights = index.weights(query, True)
            ns = skeleton_similarity(query, form, skeleton_weights, index.weights(form, True), org)
        else:
            ns = name_score(index, query, form, query_weights, n.weights, prepared, org)
        s = ns.score * KIND_FACTOR.get(n.kind, 1.0)
        if best is None or s > best[0]:
            best = (s, n, ns)
    assert best is not None
    return best


def viable_names(
    index: MatchIndex, names: list[IndexedName], prepared: LatinQuery | SkeletonQuery, floor: float
) -> list[IndexedName]:
    """The names (in order) whose score with their kind's factor may reach ``floor``: those an upper bound
    of their score does not rule out (:meth:`LatinQuery.reachable`, :meth:`SkeletonQuery.reachable` for a
    query compared by skeletons), and, for a Latin query, every name compared by skeleton. The best of an
    entity's names is among them whenever it reaches ``floor``."""
    # s * factor < floor for every s below floor / factor (the margin covers float rounding)
    needs = {kind: floor / factor - 1e-9 for kind, factor in KIND_FACTOR.items()}
    if isinstance(prepared, SkeletonQuery):
        return prepared.reachable(names, needs, floor - 1e-9, lambda form: index.weights(form, True))
    return prepared.reachable(
        names, needs, floor - 1e-9, SKELETON_SCRIPTS, lambda form: index.weights(form, False)
    )


def score_entity(
    index: MatchIndex,
    query: QueryFacts,
    entity: Entity,
    names: list[IndexedName],
    query_weights: list[float] | None = None,
    best: BestName | None = None,
) -> EntityMatch:
    """Score one entity given the candidate names of it that the index found (``query_weights``: the
    query's Latin token weights in this index, computed once per query by the caller; ``best``: the
    entity's :func:`best_name` when the caller has it already)."""
    s, matched, detail = best or best_name(index, query.form, names, query_weights)
    features = [
        f
        for f in (
            dob_feature(query.dob, entity) if entity.schema in ("person", "unknown") else None,
            country_feature(query.country, entity),
            schema_feature(query.schema, entity),
        )
        if f is not None
    ]
    score = s + sum(f.effect for f in features)
    ident = identifier_feature(query.imo, query.id_number, entity)
    if ident is not None:
        features.append(ident)
        score = max(score, 0.95 if s >= 0.5 else 0.9)
    score = min(1.0, max(0.0, score))
    return EntityMatch(entity, round(score, 4), s, matched, detail, features)
