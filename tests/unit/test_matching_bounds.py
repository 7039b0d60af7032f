"""The shortcuts of screening at a threshold change no answer: candidate tokens compared with the query in
one pass (LatinQuery.prefill), names left out by an upper bound of their score (reachable), and screening
itself against full scoring cut at the threshold."""

from __future__ import annotations

import itertools

import pytest

from sanctions_ledger.matching.index import MatchIndex
from sanctions_ledger.matching.normalize import NameForm, normalize_name
from sanctions_ledger.matching.phonetic import skeleton
from sanctions_ledger.matching.scoring import KIND_FACTOR, SKELETON_SCRIPTS, name_score, viable_names
from sanctions_ledger.matching.similarity import LatinQuery, SkeletonQuery, skeleton_similarity
from sanctions_ledger.model import Entity, Name, PartialDate
from sanctions_ledger.screening import Screener, ScreeningQuery

# Listed names chosen for the ways token_sim raises a pair above plain edit similarity: Korean
# romanisations, East Slavic given names (Wladimir / Volodymyr: far apart in edit distance and in
# skeleton), one word romanised two ways (the vowel-family rule, here with vowel runs far apart in edit
# distance; Sami / Sammy: an edit similarity of exactly 0.6 raised by the skeleton rule), digits, tokens
# that fuse, a listed name contained in the query, organisation words, and a name in Arabic script
# (compared by skeleton with every query).
PEOPLE = [
    "KIM, Jong Un",
    "RI, Pyong Chol",
    "JONG, Myong Hak",
    "KYRYLO Shevchenko",
    "Aleksandr Ivanov",
    "Maaliik Mooluuk Zumar",
    "Mohammed Ali Hassan",
    "Muhammad Aly Hasan",
    "Abd al-Rahman Zomor",
    "Boris Rotenberg",
    "John Smith",
    "Jon Smyth",
    "KIMJONG Un",
    "Tong Un Kim",
    "Volha Petrova",
    "Volodymyr Serhiy Bondarenko",
    "Sammy Husen",
    "محمد علي حسن",
]
ORGANISATIONS = [
    "ASIA BRIDGE 1",
    "ASIA BRIDGE 2",
    "KOREA MINING DEVELOPMENT TRADING CORPORATION",
    "DAMAVAND MINING COMPANY",
    "AL-BILAD ISLAMIC BANK",
    "NATIONAL IRANIAN TANKER COMPANY",
]
QUERIES = [
    "Kim Jong-un",
    "Kimjong Un",
    "Un Kimjong",
    "Lee Pyong Cheol",
    "Chong Myong Hak",
    "Kirill Shevchenko",
    "Oleksandr Ivanov",
    "Mooluuk Maaliik",
    "Maaliik Zumar",
    "Muhammad Ali Hasan",
    "Abdulrahman Zumar",
    "Boris Rotenbreg",
    "John Smith Jr",
    "Jon Smith",
    "Asia Bridge 2",
    "Korea Mining Development Trading Corp",
    "Damavand Mining",
    "Al Bilad Bank",
    "National Iranian Tanker Co",
    "Tong Un",
    "Smith",
    "Olga Petrova",
    "Wladimir Sergiy Bondarenko",
    "Sami Hasan",
    "Boris Ivanovich Rotenberg",
    "Alsharif Ahmed Hassan",
    "Muhammadali Hasan",
    "محمد علي حسن",
    "عبد الرحمن الزمر",
]


def _index() -> MatchIndex:
    ents = [
        Entity("test", f"p{i}", "person", [Name(n)], birth_dates=[PartialDate("1970-01-01")])
        for i, n in enumerate(PEOPLE)
    ]
    ents += [Entity("test", f"o{i}", "organization", [Name(n)]) for i, n in enumerate(ORGANISATIONS)]
    return MatchIndex(ents)


def _latin_queries(idx: MatchIndex) -> list[tuple[NameForm, list[float]]]:
    forms = [normalize_name(q) for q in QUERIES]
    return [(f, idx.weights(f, False)) for f in forms if f.script not in SKELETON_SCRIPTS]


def test_prefilled_comparisons_equal_pair_by_pair_ones() -> None:
    """prefill looks at a pair in full only when a C edit-similarity pass or a shared key says it may
    reach MIN_TOKEN_SIM; every name must then score exactly as when each pair is computed."""
    idx = _index()
    listed = [n for n in idx.names if n.form.script not in SKELETON_SCRIPTS]
    compared = 0
    for form, weights in _latin_queries(idx):
        prefilled = LatinQuery(form, weights)
        prefilled.prefill(n.form for n in listed)
        for n in listed:
            org = idx.entities[n.entity].schema != "person"
            one_by_one = LatinQuery(form, weights).compare(n.form, n.weights, org)
            assert prefilled.compare(n.form, n.weights, org) == one_by_one, (form.original, n.name)
            compared += 1
    assert compared == len(_latin_queries(idx)) * len(listed)


def test_vowel_family_pair_far_apart_in_edit_distance_is_found() -> None:
    """maaliik / mooluuk: the same skeleton, first letter, length and vowel groups, so token_sim gives the
    vowel-family similarity although their edit similarity is below the C pass's cut."""
    idx = _index()
    form = normalize_name("Mooluuk")
    query = LatinQuery(form, idx.weights(form, False))
    listed = normalize_name("Maaliik Mooluuk Zumar")
    query.prefill([listed])
    assert skeleton("maaliik") == skeleton("mooluuk")
    pairs = {(q, c) for q, c, _ in query.compare(listed, [1.0, 1.0, 1.0]).pairs}
    assert ("mooluuk", "mooluuk") in pairs
    single = normalize_name("Maaliik")
    query.prefill([single])
    assert query.compare(single, [1.0]).pairs == (("mooluuk", "maaliik", 0.85),)


@pytest.mark.parametrize("floor", [0.4, 0.6, 0.7, 0.8, 0.85, 0.9])
def test_reachable_keeps_every_name_that_reaches_the_floor(floor: float) -> None:
    idx = _index()
    dropped = 0
    for form, weights in _latin_queries(idx):
        query = LatinQuery(form, weights)
        query.prefill(n.form for n in idx.names)
        kept = {id(n) for n in viable_names(idx, list(idx.names), query, floor)}
        for n in idx.names:
            if id(n) in kept:
                continue
            dropped += 1
            org = idx.entities[n.entity].schema != "person"
            ns = name_score(idx, form, n.form, weights, n.weights, query, org)  # as best_name scores it
            assert ns.score * KIND_FACTOR.get(n.kind, 1.0) < floor, (form.original, n.name, ns)
    assert dropped > 0  # the bound does leave names out


@pytest.mark.parametrize("floor", [0.4, 0.6, 0.7, 0.8, 0.9])
def test_skeleton_query_keeps_every_name_that_reaches_the_floor(floor: float) -> None:
    idx = _index()
    dropped = 0
    for q in QUERIES:
        form = normalize_name(q)
        weights = idx.weights(form, True)
        kept = {id(n) for n in viable_names(idx, list(idx.names), SkeletonQuery(form, weights), floor)}
        for n in idx.names:
            if id(n) in kept:
                continue
            dropped += 1
            org = idx.entities[n.entity].schema != "person"
            ns = skeleton_similarity(form, n.form, weights, idx.weights(n.form, True), org)
            assert ns.score * KIND_FACTOR.get(n.kind, 1.0) < floor, (q, n.name, ns)
    assert dropped > 0


def test_screening_at_a_threshold_is_full_scoring_cut_there() -> None:
    idx = _index()
    screener = Screener(idx)
    kept = 0
    for name, threshold, dob in itertools.product(QUERIES, (0.5, 0.7, 0.8, 0.9), (None, "1970-01-01")):
        q = ScreeningQuery.build(name, dob=dob, threshold=threshold, limit=50)
        full = [(m.entity.id, m.score) for m in screener.score_all(q) if m.score >= threshold]
        got = [(m.entity_id, m.score) for m in screener.screen(q).matches]
        assert got == full, (name, threshold, dob)
        kept += len(got)
    assert kept > 50
