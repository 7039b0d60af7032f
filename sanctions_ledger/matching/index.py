"""The candidate index: finds the listed names worth scoring without comparing the query to every name.

Keys per listed name: its tokens, adjacent token pairs fused (``jong un`` -> ``jongun``), Korean variant
keys and consonant skeletons. A vocabulary-level one-deletion neighbourhood (SymSpell style) finds
tokens one edit away from a query token (typos, transpositions). Keys whose posting lists exceed a cap
are skipped (``mohammed`` alone finds nothing worth scoring), and only the best-covered names are scored.
"""

from __future__ import annotations

import math
import re
import sys
import weakref
from array import array
from collections import defaultdict
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, replace

from sanctions_ledger.matching.features import norm_id
from sanctions_ledger.matching.normalize import NameForm, basic_tokens, display_name, normalize_name
from sanctions_ledger.matching.resources import ORG_WORDS, PARTICLES
from sanctions_ledger.model import Entity
from sanctions_ledger.model.countries import to_iso2

POSTING_CAP = 2500
MAX_CANDIDATES = 40
MIN_COVERAGE = 0.3
ORG_WORD_WEIGHT = 0.5  # the most a generic organisation word (company, group, national...) weighs
KIND_CODES = ("primary", "alias", "weak", "former", "new", "original_script", "initials")
INITIALS_MIN = 3
INITIALS_MAX = 8


@dataclass(frozen=True, slots=True)
class IndexedName:
    entity: int  # position in MatchIndex.entities
    kind: str
    name: str  # as displayed (OFAC "SURNAME, Given" rendered "Given SURNAME")
    form: NameForm
    weights: tuple[float, ...] = ()  # IDF weights of form.tokens in this index (set when the index is built)


@dataclass(frozen=True)
class Baseline:
    """The index-wide statistics scores depend on (token rarity, which keys are too common to use), taken
    from one index and frozen, so that another index can score with them: an index over a few changed
    entities given the baseline of the whole lists scores every (query, entity) pair exactly as the whole
    index would (monitoring's delta re-screens rely on it)."""

    at: str  # ISO instant of the lists the statistics come from ("" when not stamped)
    df: Mapping[str, int]
    sdf: Mapping[str, int]
    deletes: Mapping[str, tuple[str, ...]]
    n_names: int
    full_idf: float
    capped: frozenset[str]
    token_weights: Mapping[str, float]

    def stamped(self, at: str) -> Baseline:
        return replace(self, at=at)


# MatchIndex.neighbours answers by index (for as long as the index lives): (its delete keys, its vocabulary,
# {token: neighbours}); bounded, and started again when the index's delete keys or vocabulary are replaced
_NEIGHBOURS: weakref.WeakKeyDictionary[
    MatchIndex, tuple[Mapping[str, tuple[str, ...]], Mapping[str, int], dict[str, frozenset[str]]]
] = weakref.WeakKeyDictionary()
_NEIGHBOURS_MAX = 4096


def _deletes(token: str) -> Iterator[str]:
    for i in range(len(token)):
        yield token[:i] + token[i + 1 :]


class MatchIndex:
    """An index over the names of a set of entities.

    Built in memory from entities, or opened from a file written by :mod:`sanctions_ledger.matching.store`
    (then its tables are read on first use). ``baseline``: score with another index's statistics instead
    of this one's own. ``top_n``: how many of the best-covered names a query scores (None: every name that
    passes the coverage floor, so that a pair's score never depends on the other entities).
    """

    entities: Sequence[Entity]
    names: Sequence[IndexedName]
    by_identifier: Mapping[str, list[int]]
    postings: Mapping[str, array[int]]
    df: Mapping[str, int]
    sdf: Mapping[str, int]
    deletes: Mapping[str, tuple[str, ...]]
    first_name: Mapping[int, int]
    capped: frozenset[str]
    n_names: int
    full_idf: float
    token_weights: Mapping[str, float]
    top_n: int | None

    def __init__(
        self,
        entities: Iterable[Entity],
        baseline: Baseline | None = None,
        top_n: int | None = MAX_CANDIDATES,
    ) -> None:
        self.top_n = top_n
        self.entities = ents = list[Entity]()
        self.names = names = list[IndexedName]()
        by_identifier: dict[str, list[int]] = {}
        postings: dict[str, list[int]] = defaultdict(list)
        df: dict[str, int] = defaultdict(int)
        sdf: dict[str, int] = defaultdict(int)
        for entity in entities:
            eidx = len(ents)
            ents.append(entity)
            seen: set[tuple[str, ...]] = set()
            for n in entity.names:
                shown = display_name(n.name, n.first_name, n.last_name)
                for variant in name_variants(shown):
                    form = normalize_name(variant)
                    if not form.tokens or form.tokens in seen:
                        continue
                    seen.add(form.tokens)
                    nid = len(names)
                    names.append(IndexedName(eidx, n.kind, shown, form))
                    for key in _name_keys(form):
                        postings[key].append(nid)
                    for t in set(form.tokens):
                        df[t] += 1
                    for s in set(form.skeletons):
                        sdf[s] += 1
            if entity.schema != "person":
                for n in entity.names:
                    shown = display_name(n.name, n.first_name, n.last_name)
                    acro = initialism(shown)
                    if acro is None:
                        continue
                    form = normalize_name(acro)
                    if len(form.tokens) != 1 or form.tokens in seen:
                        continue
                    seen.add(form.tokens)
                    nid = len(names)
                    names.append(IndexedName(eidx, "initials", shown, form))
                    postings["t" + form.tokens[0]].append(nid)  # found by the exact token only
            for ident in entity.identifiers:
                key = norm_id(ident.value)
                if len(key) >= 4:
                    by_identifier.setdefault(key, []).append(eidx)
        self.by_identifier = by_identifier
        if baseline is None:
            self.capped = frozenset(k for k, v in postings.items() if len(v) > POSTING_CAP)
            self.df = dict(df)
            self.sdf = dict(sdf)
            self.n_names = max(1, len(names))
            self.full_idf = math.log(max(2.0, self.n_names / 8))
            dels: dict[str, list[str]] = defaultdict(list)
            for t in self.df:
                if len(t) >= 4 and not t.isdigit():
                    for d in set(_deletes(t)):
                        dels[d].append(t)
            self.deletes = {k: tuple(v) for k, v in dels.items()}
            # weights of vocabulary tokens never change for an index: computed once, not per query
            self.token_weights = {t: self._weight(c, t) for t, c in self.df.items()}
        else:
            self.capped = baseline.capped
            self.df, self.sdf, self.deletes = baseline.df, baseline.sdf, baseline.deletes
            self.n_names, self.full_idf = baseline.n_names, baseline.full_idf
            self.token_weights = baseline.token_weights
        # a key too common to discriminate is never read: its postings are not kept
        self.postings = {k: array("i", v) for k, v in postings.items() if k not in self.capped}
        tw = self.token_weight
        self.names = [
            IndexedName(n.entity, n.kind, n.name, n.form, tuple(tw(t) for t in n.form.tokens)) for n in names
        ]
        # each entity's first indexed name (an identifier match needs one to show), without a scan
        first_name: dict[int, int] = {}
        for nid, indexed in enumerate(self.names):
            first_name.setdefault(indexed.entity, nid)
        self.first_name = first_name

    @classmethod
    def from_tables(
        cls,
        *,
        entities: Sequence[Entity],
        names: Sequence[IndexedName],
        by_identifier: Mapping[str, list[int]],
        postings: Mapping[str, array[int]],
        df: Mapping[str, int],
        sdf: Mapping[str, int],
        deletes: Mapping[str, tuple[str, ...]],
        first_name: Mapping[int, int],
        token_weights: Mapping[str, float],
        capped: frozenset[str],
        n_names: int,
        full_idf: float,
        top_n: int | None = MAX_CANDIDATES,
    ) -> MatchIndex:
        """An index over tables already built (by :mod:`~sanctions_ledger.matching.store`, which may give
        tables that read a file on first use)."""
        index = cls.__new__(cls)
        index.entities, index.names, index.by_identifier = entities, names, by_identifier
        index.postings, index.df, index.sdf, index.deletes = postings, df, sdf, deletes
        index.first_name, index.token_weights, index.capped = first_name, token_weights, capped
        index.n_names, index.full_idf, index.top_n = n_names, full_idf, top_n
        return index

    def baseline(self, at: str = "") -> Baseline:
        """This index's statistics, for other indexes to score with (see :class:`Baseline`)."""
        return Baseline(
            at=at,
            df=self.df,
            sdf=self.sdf,
            deletes=self.deletes,
            n_names=self.n_names,
            full_idf=self.full_idf,
            capped=self.capped,
            token_weights=self.token_weights,
        )

    # ---- weights --------------------------------------------------------------------------------------
    def _weight(self, count: int, token: str) -> float:
        if token in PARTICLES:
            return 0.15
        idf = math.log((self.n_names + 1) / (count + 1))
        w = min(1.0, max(0.2, idf / self.full_idf))
        if token in ORG_WORDS:  # says what kind of body, not which one
            return min(w, ORG_WORD_WEIGHT)
        return w

    def token_weight(self, token: str) -> float:
        known = self.token_weights.get(token)
        if known is not None:
            return known
        count = self.df.get(token)
        if count is None:
            near = [self.df[t] for t in self.neighbours(token)]
            count = max(near) if near else 0
        return self._weight(count, token)

    def skeleton_weight(self, skel: str, token: str) -> float:
        return self._weight(self.sdf.get(skel, 0), token)

    def weights(self, form: NameForm, skeleton_mode: bool) -> list[float]:
        if skeleton_mode:
            return [self.skeleton_weight(s, t) for s, t in zip(form.skeletons, form.tokens, strict=True)]
        return [self.token_weight(t) for t in form.tokens]

    def neighbours(self, token: str) -> set[str]:
        """Vocabulary tokens one edit (or one transposition) away from ``token``."""
        if len(token) < 4 or token.isdigit():
            return set()
        # a query's out-of-vocabulary token is looked up twice (its weight, its keys): the answer is kept
        # per index while the index has the same vocabulary and delete keys
        memo = _NEIGHBOURS.get(self)
        if memo is None or memo[0] is not self.deletes or memo[1] is not self.df:
            memo = _NEIGHBOURS[self] = (self.deletes, self.df, {})
        known = memo[2].get(token)
        if known is not None:
            return set(known)
        out: set[str] = set(self.deletes.get(token, ()))
        dels = {token[:k] + token[k + 1 :] for k in range(len(token))}  # as _deletes gives them
        out.update(self.df.keys() & dels)  # (a view & a set reads the set: the smaller)
        deletes = self.deletes
        for d in deletes.keys() & dels:
            out.update(deletes[d])
        out.discard(token)
        if len(memo[2]) >= _NEIGHBOURS_MAX:
            memo[2].clear()
        memo[2][token] = frozenset(out)
        return out

    # ---- candidates -----------------------------------------------------------------------------------
    def lookup_keys(self, form: NameForm, skeleton_mode: bool) -> list[list[tuple[str, float]]]:
        """Per query token, the index keys a lookup reads and the credit each gives (they depend only on
        the query and this index's vocabulary)."""
        out: list[list[tuple[str, float]]] = []
        toks = form.tokens
        for i, tok in enumerate(toks):
            keys: list[tuple[str, float]] = []
            if skeleton_mode:
                keys.append(("s" + form.skeletons[i], 1.0))
            else:
                keys += [("t" + tok, 1.0), ("f" + tok, 1.0)]
                if form.korean[i]:
                    keys.append(("k" + str(form.korean[i]), 0.9))
                if len(form.skeletons[i]) >= 3:
                    keys.append(("s" + form.skeletons[i], 0.7))
                if tok not in self.df:
                    keys += [("t" + nb, 0.8) for nb in self.neighbours(tok)]
                if i + 1 < len(toks):
                    keys.append(("t" + tok + toks[i + 1], 1.0))
            out.append(keys)
        return out

    def usable_postings(self, key: str) -> array[int] | None:
        """The names under ``key``, or None when it has none or too many to discriminate (in this index,
        or in the baseline it scores with)."""
        return None if key in self.capped else self.postings.get(key)

    def coverage(
        self, form: NameForm, skeleton_mode: bool, weights: list[float] | None = None
    ) -> tuple[dict[int, float], float]:
        """Weighted key coverage of each listed name reached by ``form``, and the query's total weight
        (``weights``: the query's token weights, when the caller has them already)."""
        if weights is None:
            weights = self.weights(form, skeleton_mode)
        credit: dict[int, float] = {}
        for i, keys in enumerate(self.lookup_keys(form, skeleton_mode)):
            # each name's best credit over this token's keys, times the token's weight: keys are read
            # lowest credit first, so a name's value is overwritten by that of a higher (or equal) credit
            w = weights[i]
            best: dict[int, float] = {}
            for key, c in sorted(keys, key=lambda kc: kc[1]):
                plist = self.usable_postings(key)
                if plist is None:
                    continue
                v = c * w
                if best:
                    for nid in plist:  # (cheaper than update(fromkeys): no dict in between)
                        best[nid] = v
                else:
                    best = dict.fromkeys(plist, v)
            # a name's credit adds its tokens' c * w in token order (0.0 + x is x: the first token's
            # products are the credits as they are); only the names already credited need an addition
            if not credit:
                credit = best
                continue
            sums = {nid: credit[nid] + best[nid] for nid in credit.keys() & best.keys()}
            credit.update(best)
            credit.update(sums)
        return credit, sum(weights) or 1.0

    def candidates(
        self,
        form: NameForm,
        skeleton_mode: bool = False,
        weights: list[float] | None = None,
        allowed: Callable[[int], bool] | None = None,
    ) -> list[int]:
        """Ids of listed names worth scoring for ``form``, best covered first: the index's ``top_n`` of
        them (all, when None). ``allowed``: only the names of the entities (positions) it accepts, chosen
        before the cut, so a filter never lets other entities' names crowd out the ones it keeps."""
        credit, total = self.coverage(form, skeleton_mode, weights)
        if not credit:
            return []
        floor = MIN_COVERAGE * total
        # ties broken by name id: the same query gets the same candidates in every process (the order keys
        # are read in follows set iteration, which differs between processes)
        if allowed is None:
            ranked = sorted([(-c, nid) for nid, c in credit.items() if c >= floor])
        else:
            names = self.names
            ranked = sorted(
                [(-c, nid) for nid, c in credit.items() if c >= floor and allowed(names[nid].entity)]
            )
        top = ranked if self.top_n is None else ranked[: self.top_n]
        return [nid for _, nid in top]

    # ---- size ---------------------------------------------------------------------------------------
    def stats(self) -> dict[str, int]:
        return {
            "entities": len(self.entities),
            "names": len(self.names),
            "keys": len(self.postings),
            "postings": sum(len(v) for v in self.postings.values()),
            "vocabulary": len(self.df),
            "delete_keys": len(self.deletes),
            "approx_index_bytes": sum(sys.getsizeof(v) for v in self.postings.values()),
        }


_BRACKETS = re.compile(r"\(([^()]*)\)")


def name_variants(name: str) -> list[str]:
    """The name, plus, when it holds a bracketed part (an acronym, a translation), the name without it
    and the bracketed part alone: ``SEPAH-E QODS (JERUSALEM FORCE)`` is also ``JERUSALEM FORCE``."""
    out = [name]
    inner = [m.strip() for m in _BRACKETS.findall(name)]
    if inner:
        out.append(" ".join(_BRACKETS.sub(" ", name).split()))
        out.extend(i for i in inner if len(i.replace(" ", "")) >= 3 and to_iso2(i) is None)
    return out


def initialism(name: str) -> str | None:
    """The initials of an organisation's name (``BELTRAN LEYVA ORGANIZATION``: ``blo``), particles left
    out, legal-form words kept (``UNITED SHIPBUILDING CORPORATION``: ``usc``); None for a name of fewer
    than INITIALS_MIN words or a Latin-less one."""
    tokens, script = basic_tokens(name)
    words = [t for t in tokens if t not in PARTICLES and t.isalpha()]
    if script != "Latn" or not INITIALS_MIN <= len(words) <= INITIALS_MAX:
        return None
    return "".join(w[0] for w in words)


def _name_keys(form: NameForm) -> set[str]:
    keys: set[str] = set()
    toks = form.tokens
    for i, t in enumerate(toks):
        keys.add("t" + t)
        if form.korean[i]:
            keys.add("k" + str(form.korean[i]))
        if form.skeletons[i]:
            keys.add("s" + form.skeletons[i])
        if i + 1 < len(toks):
            keys.add("f" + t + toks[i + 1])
    return keys
