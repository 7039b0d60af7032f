"""Name similarity: token alignment with per-token weights, fused tokens, and whole-string fallbacks.

Two modes share one alignment:

* ``latin``: tokens compare by edit distance, raised to near-equality when their Korean variant keys
  agree (``Cheol``/``Chol``) or their consonant skeletons agree (``Mohammed``/``Muhammad``).
* ``skeleton``: used when the query was transliterated from a script without short vowels (Arabic):
  tokens compare by their consonant skeletons only.

The score is the weighted share of aligned tokens: query tokens that find no partner count fully
against the match, listed tokens that find none count half (a customer often omits a middle name).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from itertools import chain
from operator import add
from typing import Protocol, TypeVar

from rapidfuzz import process
from rapidfuzz.distance import OSA, JaroWinkler, Levenshtein

from sanctions_ledger.matching.korean import korean_key
from sanctions_ledger.matching.normalize import NameForm
from sanctions_ledger.matching.phonetic import skeleton
from sanctions_ledger.matching.resources import ARTICLES, GIVEN_NAME_KEY

MIN_TOKEN_SIM = 0.62
VOWEL_FAMILY = 0.85
_VOWELS = re.compile(r"[aeiouy]+")
UNMATCHED_LISTED = 0.5
JOINED_MIN = 0.9
CONTAINED_MIN_WEIGHT = 1.2
CONTAINED_MIN_SIM = 0.85  # every pair of a contained listed name at least this similar
# Organisations: a listed word the query lacks costs nearly as much as a query word the name lacks (a sister
# company or a subsidiary adds or drops distinctive words); and a match on generic words alone (weights at
# or below DISTINCTIVE: company, joint stock, national...) is capped below any operating point.
ORG_UNMATCHED_LISTED = 0.5
DISTINCTIVE = 0.51
GENERIC_ONLY_CAP = 0.7
# an organisation's word that finds no partner costs at least this much, generic or not (Damavand Mining is
# not Damavand): generic words are weak evidence of a match but still evidence of a difference
ORG_UNMATCHED_MIN = 0.5
# a one-word organisation name matched by a query with other (non-particle) words is capped, and so is a
# one-word query matching a listed name with another distinctive word
ONE_WORD_CAP = 0.75
PARTICLE_WEIGHT = 0.15
# a token pair below WEAK_PAIR is weak evidence (Jong/Tong): it counts WEAK_SLOPE times further below
WEAK_PAIR = 0.72
WEAK_SLOPE = 2.0


@dataclass(frozen=True, slots=True)
class NameScore:
    score: float
    method: str  # "tokens", "joined", "skeleton"
    pairs: tuple[tuple[str, str, float], ...] = ()
    korean: bool = False


# token_sim results by first token, then second (read and filled by LatinQuery). A token's Korean key and
# skeleton are functions of the token (normalize_name and _reform derive them from it), so the pair of tokens
# is the whole key; two dict lookups on strings (whose hashes are cached) are several times cheaper than an
# lru_cache of six arguments.
_PAIRS: dict[str, dict[str, tuple[float, bool]]] = {}
_PAIRS_MAX = 1 << 18
_pairs_held = 0


def _cached_pair_row(a: str) -> dict[str, tuple[float, bool]]:
    global _pairs_held
    row = _PAIRS.get(a)
    if row is None:
        if _pairs_held > _PAIRS_MAX:  # bounded memory: start again (the pairs that recur come back fast)
            _PAIRS.clear()
            _pairs_held = 0
        row = _PAIRS[a] = {}
    return row


def token_sim(a: str, b: str, ka: str | None, kb: str | None, sa: str, sb: str) -> tuple[float, bool]:
    """Similarity of two normalised tokens and whether the Korean variant key decided it (``ka``/``kb``: the
    tokens' Korean variant keys, ``sa``/``sb``: their consonant skeletons). Pure: LatinQuery.compare caches
    its results in ``_PAIRS``."""
    if a == b:
        return 1.0, False
    if a.isdigit() or b.isdigit():
        return 0.0, False
    s = OSA.normalized_similarity(a, b)
    shortest = min(len(a), len(b))
    if shortest >= 4 and s < 0.9 and a[0] == b[0] and OSA.distance(a, b) == 1:
        s = 0.9 if shortest >= 5 else 0.85
    elif a[0] != b[0]:
        s *= 0.9  # a different first letter is rarely a typo
    korean = False
    if ka is not None and ka == kb and s < 0.93:
        s, korean = 0.93, True
    elif s < 0.93 and GIVEN_NAME_KEY.get(a, a) == GIVEN_NAME_KEY.get(b, b):
        s = 0.93  # one given name in its Russian, Ukrainian or Belarusian form (Kirill/Kyrylo)
    if s < 0.9 and s >= 0.6 and sa == sb and len(sa) >= 2 and JaroWinkler.similarity(a, b) >= 0.8:
        s = 0.9
    elif (
        s < VOWEL_FAMILY
        and sa == sb
        and len(sa) >= 3
        and a[0] == b[0]
        and abs(len(a) - len(b)) <= 1
        and len(_VOWELS.findall(a)) == len(_VOWELS.findall(b))
    ):
        # the same consonants in the same order and as many syllables, other vowels: one word romanised two
        # ways (Zomor/Zumar), not another word of the same root (Mahmoud/Muhammad have 2 and 3 syllables)
        s = VOWEL_FAMILY
    return s, korean


def skeleton_sim(a: str, b: str) -> float:
    if a == b:
        return 1.0
    if a.isdigit() or b.isdigit():
        return 0.0
    return Levenshtein.normalized_similarity(a, b) * 0.95


NUMBER_MISMATCH = 0.75
# the least an unpaired listed token costs, person or organisation (LatinQuery._bound)
_LISTED_COST_MIN = min(UNMATCHED_LISTED, ORG_UNMATCHED_LISTED)


def _fuse(q: list[str], c: list[str]) -> None:
    """Merge adjacent tokens in ``c`` whose concatenation equals a token of ``q`` (in place)."""
    qs = set(q)
    i = 0
    while i < len(c) - 1:
        if c[i] not in qs or c[i + 1] not in qs:
            f = c[i] + c[i + 1]
            if f in qs:
                c[i : i + 2] = [f]
                continue
        i += 1


def align(
    q: Sequence[str],
    c: Sequence[str],
    wq: Sequence[float],
    wc: Sequence[float],
    sim: list[list[float]],
    org: bool = False,
) -> tuple[float, list[tuple[int, int, float]]]:
    """Greedy one-to-one alignment; returns (score, [(i, j, sim)])."""
    cells = [(s, i, j, False) for i, row in enumerate(sim) for j, s in enumerate(row) if s >= MIN_TOKEN_SIM]
    score, pairs, _ = _align(cells, wq, wc, org)
    return score, pairs


def _align(
    cells: list[tuple[float, int, int, bool]], wq: Sequence[float], wc: Sequence[float], org: bool = False
) -> tuple[float, list[tuple[int, int, float]], bool]:
    """The alignment of :func:`align` from the cells ``(sim, i, j, flag)`` at or above MIN_TOKEN_SIM; also
    whether a chosen pair carries the flag (the Korean variant key decided it). ``org``: the listed party
    is not a person (see ORG_UNMATCHED_LISTED)."""
    cells.sort(reverse=True)
    used_q: set[int] = set()
    used_c: set[int] = set()
    pairs: list[tuple[int, int, float]] = []
    flagged = False
    for s, i, j, flag in cells:
        if i in used_q or j in used_c:
            continue
        used_q.add(i)
        used_c.add(j)
        pairs.append((i, j, s))
        flagged = flagged or flag
    # Plain loops, not sum() over generators (this runs for every candidate name); each total adds its terms
    # in the same order sum() would, so the scores are the same to the last bit.
    num: float = 0
    distinctive = False
    for i, j, s in pairs:
        if s >= 0.7 and wc[j] > DISTINCTIVE and wq[i] > DISTINCTIVE:
            distinctive = True
        if s < WEAK_PAIR:
            s = max(0.0, WEAK_PAIR - WEAK_SLOPE * (WEAK_PAIR - s))
        num += s * (wq[i] + wc[j])
    matched_q: float = 0
    for i in used_q:
        matched_q += wq[i]
    matched_c: float = 0
    for j in used_c:
        matched_c += wc[j]
    listed_left: float = 0
    query_left: float = 0
    others = False  # the query has an unpaired word that is not a particle
    listed_distinct = False  # the listed name has an unpaired distinctive word
    for j, w in enumerate(wc):
        if j not in used_c:
            listed_left += w
            listed_distinct = listed_distinct or w > DISTINCTIVE
    if org:
        for i, w in enumerate(wq):
            if i not in used_q:
                query_left += w if w <= PARTICLE_WEIGHT else max(w, ORG_UNMATCHED_MIN)
                others = others or w > PARTICLE_WEIGHT
    else:
        for i, w in enumerate(wq):
            if i not in used_q:
                query_left += w
    # A listed name wholly found inside the query (the query adds a patronymic or a father's name)
    # costs the extra query tokens only half, as extra listed tokens always do.
    contained = (
        len(used_c) >= 2
        and listed_left <= 0.2
        and matched_c >= CONTAINED_MIN_WEIGHT
        and all(s >= CONTAINED_MIN_SIM for _, _, s in pairs)
    )
    den = matched_q + matched_c
    listed_cost = ORG_UNMATCHED_LISTED if org else UNMATCHED_LISTED
    den += listed_cost * listed_left + (UNMATCHED_LISTED if contained else 1.0) * query_left
    score = num / den if den > 0 else 0.0
    if org and not distinctive:
        score = min(score, GENERIC_ONLY_CAP)
    elif org and ((others and len(wc) == 1) or (listed_distinct and len(wq) == 1)):
        score = min(score, ONE_WORD_CAP)
    return score, pairs, flagged


def _joined(q: NameForm, c: NameForm) -> float:
    if len(q.tokens) + len(c.tokens) <= 2:
        return 0.0
    a, b = q.joined, c.joined
    s = Levenshtein.normalized_similarity(a, b)
    sa, sb = "".join(sorted(q.tokens)), "".join(sorted(c.tokens))
    if sa != a or sb != b:
        s = max(s, Levenshtein.normalized_similarity(sa, sb))
    return s


def latin_similarity(
    q: NameForm, c: NameForm, wq: Sequence[float], wc: Sequence[float], org: bool = False
) -> NameScore:
    return LatinQuery(q, wq).compare(c, wc, org)


# One listed token against every token of a query: the query tokens it pairs with at or above MIN_TOKEN_SIM
# as ``(sim, query index, Korean key decided)``, the bit mask of those indexes, and the best sim.
Column = tuple[tuple[tuple[float, int, bool], ...], int, float]
_NO_COLUMN: Column = ((), 0, 0.0)
# every spelling of a given name in GIVEN_NAME_KEY, by the name's key
_GIVEN_NAME_FORMS: dict[str, frozenset[str]] = {}
for _form, _key in GIVEN_NAME_KEY.items():
    _GIVEN_NAME_FORMS[_key] = _GIVEN_NAME_FORMS.get(_key, frozenset()) | {_form}
# the whole-string similarity counts only from JOINED_MIN: a bound may compute it with a cutoff below that
_JOINED_CUTOFF = JOINED_MIN - 0.01
# skeleton_sim is at most 0.95 times the edit similarity of two unequal skeletons: below this one (a margin
# under MIN_TOKEN_SIM / 0.95) a pair cannot reach MIN_TOKEN_SIM
_SKELETON_PREFILTER = MIN_TOKEN_SIM / 0.95 - 0.05
# below this edit similarity no pair of tokens reaches MIN_TOKEN_SIM unless their skeletons, Korean keys or
# given-name keys agree (see token_sim; a margin below MIN_TOKEN_SIM)
_PREFILTER = MIN_TOKEN_SIM - 0.05


_NOTHING: frozenset[str] = frozenset()
# Every listed token LatinQuery.prefill has met, and those tokens by skeleton (of three letters or more) and
# by Korean key: a query token's key finds the listed tokens that share it with one set operation. Bounded:
# replaced whole by an empty registry past _LISTED_MAX tokens (a caller keeps the registry it started with,
# so a replacement never leaves one half filled).
TokenKeys = dict[str, tuple[str, str | None]]  # listed token -> (its skeleton, its Korean key)
ListedKeys = tuple[TokenKeys, dict[str, set[str]], dict[str, set[str]]]
_LISTED: list[ListedKeys] = [({}, {}, {})]
_LISTED_MAX = 1 << 18


def _listed_keys(tokens: set[str]) -> ListedKeys:
    """The registry of listed tokens' keys, with ``tokens`` in it."""
    registry = _LISTED[0]
    seen, by_skeleton, by_korean = registry
    new = tokens.difference(seen)
    if not new:
        return registry
    if len(seen) > _LISTED_MAX:
        registry = _LISTED[0] = ({}, {}, {})
        seen, by_skeleton, by_korean = registry
        new = set(tokens)
    keys: TokenKeys = {}
    for b in new:
        sb = skeleton(b)
        if len(sb) >= 3:
            group = by_skeleton.get(sb)
            if group is None:
                by_skeleton[sb] = {b}
            else:
                group.add(b)
        kb = korean_key(b)
        if kb is not None:
            group = by_korean.get(kb)
            if group is None:
                by_korean[kb] = {b}
            else:
                group.add(b)
        keys[b] = (sb, kb)
    seen.update(keys)  # last: a token is seen only once its groups hold it
    return registry


def _as_column(hits: list[tuple[float, int, bool]]) -> Column:
    """The :data:`Column` of one listed token's pairs ``(sim, query index, Korean key decided)``, in query
    token order."""
    if not hits:
        return _NO_COLUMN
    mask = 0
    top = 0.0
    for s, i, _ in hits:
        mask |= 1 << i
        top = max(top, s)
    return tuple(hits), mask, top


class _Named(Protocol):
    """A listed name as :meth:`LatinQuery.reachable` reads it (an index's IndexedName)."""

    @property
    def form(self) -> NameForm: ...
    @property
    def kind(self) -> str: ...
    @property
    def weights(self) -> tuple[float, ...]: ...


_N = TypeVar("_N", bound=_Named)


class LatinQuery:
    """A query name prepared for Latin-script comparison with many listed names: what depends on the query
    alone (its token set, the concatenations of its adjacent tokens, its rows of the token-pair cache, its
    numbers, its total weight) is computed once per query instead of once per listed name, and each listed
    token is compared with the query's tokens once (its :data:`Column`), however many names hold it."""

    __slots__ = (
        "columns",
        "digits",
        "form",
        "fuse_hints",
        "given_forms",
        "joined_forms",
        "joined_len",
        "listed_keys",
        "mask_weights",
        "pair_concats",
        "rows",
        "token_set",
        "tokens",
        "total_weight",
        "unpaired",
        "weights",
    )

    def __init__(self, q: NameForm, wq: Sequence[float]) -> None:
        toks = q.tokens
        self.form = q
        self.weights = wq
        self.tokens = toks
        self.token_set = frozenset(toks)
        self.pair_concats = frozenset(map(add, toks, toks[1:]))
        # a listed token that is a concatenation of two adjacent query tokens, or a proper prefix of a
        # query token (only such a token can begin two adjacent listed tokens that spell a query token)
        self.fuse_hints = self.pair_concats.union({t[:k] for t in toks for k in range(1, len(t))})
        self.rows = [
            (_cached_pair_row(a), a, ka, sa) for a, ka, sa in zip(toks, q.korean, q.skeletons, strict=True)
        ]
        self.digits = frozenset(filter(str.isdigit, toks))
        joined = q.joined
        self.joined_len = len(joined)
        self.joined_forms = (joined, "".join(sorted(toks)))  # as _joined reads them
        self.total_weight = sum(wq)
        self.columns: dict[str, Column] = {}
        self.mask_weights: dict[int, float] = {}
        self.unpaired: set[str] = set()  # listed tokens whose column is empty
        self.listed_keys: TokenKeys = {}  # listed tokens' keys, from the registry once prefill ran
        # per query token, the other spellings of its given name (token_sim raises those to 0.93)
        self.given_forms = [_GIVEN_NAME_FORMS.get(GIVEN_NAME_KEY.get(a, ""), _NOTHING) for a in q.tokens]

    def _may_fuse(self, ct: tuple[str, ...]) -> bool:
        """Whether :func:`_fuse` can change either name (the listed tokens ``ct`` share a token with
        ``fuse_hints``): only when two adjacent tokens of one spell a token of the other and the names are
        not the same set of tokens."""
        ts = self.token_set
        if self.pair_concats.isdisjoint(ct) and not any(ct[k] + ct[k + 1] in ts for k in range(len(ct) - 1)):
            return False
        return ts != set(ct)

    def _fused(self, c: NameForm, wc: Sequence[float], org: bool) -> NameScore | None:
        """The score of the names after fusing adjacent tokens (:func:`_fuse`), or None when fusion changes
        neither name (fusion is possible only when two adjacent tokens of one spell a token of the
        other)."""
        qt, ct = self.tokens, c.tokens
        if qt == ct or self.fuse_hints.isdisjoint(ct) or not self._may_fuse(ct):
            return None
        fq, fc = list(qt), list(ct)
        _fuse(fq, fc)
        _fuse(fc, fq)
        if len(fc) != len(ct) or len(fq) != len(qt):
            q, wq = self.form, self.weights
            return latin_similarity(_reform(q, fq), _reform(c, fc), _rew(qt, fq, wq), _rew(ct, fc, wc), org)
        return None

    def _column(self, b: str, near: set[int] | None = None) -> Column:
        """The :data:`Column` of listed token ``b``, stored in ``columns``. ``near``: the query tokens that
        may pair with ``b`` at all, when known (see :meth:`prefill`); else every query token is tried."""
        global _pairs_held
        hits: list[tuple[float, int, bool]] = []
        rows = self.rows
        for i in range(len(rows)) if near is None else sorted(near) if len(near) > 1 else near:
            row, a, ka, sa = rows[i]
            hit = row.get(b)
            if hit is None:
                sb, kb = self.listed_keys.get(b) or (skeleton(b), korean_key(b))
                hit = row[b] = token_sim(a, b, ka, kb, sa, sb)
                _pairs_held += 1
            if hit[0] >= MIN_TOKEN_SIM:
                hits.append((hit[0], i, hit[1]))
        col = _as_column(hits)
        self.columns[b] = col
        if not hits:
            self.unpaired.add(b)
        return col

    def prefill(self, names: Iterable[NameForm]) -> None:
        """Compute the :data:`Column` of every token of ``names`` (the candidate names of one screening) at
        once. Only the pairs that may reach MIN_TOKEN_SIM are compared in full (:func:`token_sim`): those
        an edit-similarity pass in C (one per query token) finds at or above ``_PREFILTER``, and those that
        share a Korean key, a given name or (for the vowel-family rule) a skeleton of three or more letters,
        the only other ways token_sim raises a pair. The other tokens pair with no query token."""
        listed = set(chain.from_iterable([f.tokens for f in names]))
        columns = self.columns
        if columns:
            listed.difference_update(columns)
        if not listed:
            return
        tokens = list(listed)
        near: dict[str, set[int]] = {}
        self.listed_keys, skeleton_groups, korean_groups = _listed_keys(listed)
        for i, (_, a, ka, sa) in enumerate(self.rows):
            for b, _, _ in process.extract(
                a, tokens, scorer=OSA.normalized_similarity, score_cutoff=_PREFILTER, limit=None
            ):
                near.setdefault(b, set()).add(i)
            for group in (
                self.given_forms[i],
                skeleton_groups.get(sa, _NOTHING) if len(sa) >= 3 else _NOTHING,
                korean_groups.get(ka, _NOTHING) if ka is not None else _NOTHING,
            ):
                if group:
                    for b in group & listed:
                        near.setdefault(b, set()).add(i)
        columns.update(dict.fromkeys(tokens, _NO_COLUMN))
        self.unpaired.update(listed.difference(near))
        for b, rows in near.items():
            self._column(b, rows)

    def _cells(self, c: NameForm) -> list[tuple[float, int, int, bool]]:
        """The token pairs at or above MIN_TOKEN_SIM: ``(sim, query index, listed index, Korean key
        decided)``."""
        columns = self.columns
        cells: list[tuple[float, int, int, bool]] = []
        for j, b in enumerate(c.tokens):
            col = columns.get(b) or self._column(b)
            for s, i, flag in col[0]:
                cells.append((s, i, j, flag))
        return cells

    def compare(self, c: NameForm, wc: Sequence[float], org: bool = False) -> NameScore:
        fused = self._fused(c, wc, org)
        if fused is not None:
            return fused
        return self._score(c, wc, org, self._cells(c))

    def reachable(
        self,
        names: Iterable[_N],
        needs: Mapping[str, float],
        default_need: float,
        unbounded: frozenset[str],
        weigh: Callable[[NameForm], Sequence[float]],
    ) -> list[_N]:
        """The ``names`` (in order) that :meth:`compare` may score at or above their kind's ``needs``
        (``default_need`` for another kind): a name is left out only when an upper bound of its score is
        below that. Names in a script of ``unbounded`` and names that fuse tokens (:func:`_fuse`) are kept
        unbounded; ``weigh``: a name's token weights when it has none stored.

        The bound, from the token pairs alone (before the alignment): the token score (see
        :func:`_align`) is ``num / den`` with ``num <= top * (mq + mc)`` (``top``: the best pair's
        similarity; ``mq``, ``mc``: the weights of the paired query and listed tokens) and
        ``den >= mq + mc + 0.5 * (Wc - mc) + f * (Wq - mq)`` (an unpaired listed token costs at least
        half its weight, an unpaired query token at least ``f`` times its weight: half when the listed
        name may be contained in the query, else all of it). That ratio grows with ``mq`` and ``mc``, so
        the weights of every query and listed token with a pair at all bound it; the number factor and
        the organisation caps only lower it. The whole-string score (``joined * 0.97``) is bounded by the
        joined similarity."""
        out: list[_N] = []
        qt, hints, unpaired, columns = self.tokens, self.fuse_hints, self.unpaired, self.columns
        mask_weights, weights, wq_total = self.mask_weights, self.weights, self.total_weight
        nq, la = len(qt), self.joined_len
        # the listed joined lengths that allow JOINED_MIN, with a margin of a letter each side
        shortest, longest = int(la * JOINED_MIN) - 1, int(la / JOINED_MIN) + 1
        for n in names:
            c = n.form
            ct = c.tokens
            if c.script in unbounded or (not hints.isdisjoint(ct) and ct != qt and self._may_fuse(ct)):
                out.append(n)
                continue
            need = needs.get(n.kind, default_need)
            if not unpaired.issuperset(ct):
                wc = n.weights or weigh(c)
                paired = 0
                mask = 0
                mc: float = 0
                top = 0.0
                for j, b in enumerate(ct):
                    col = columns.get(b) or self._column(b)
                    if col[1]:
                        paired += 1
                        mask |= col[1]
                        mc += wc[j]
                        if col[2] > top:
                            top = col[2]
                if paired:
                    mq = mask_weights.get(mask)
                    if mq is None:
                        mq = mask_weights[mask] = sum(w for i, w in enumerate(weights) if mask >> i & 1)
                    wc_left = sum(wc) - mc
                    contained = paired >= 2 and wc_left <= 0.2 + 1e-9 and mc >= CONTAINED_MIN_WEIGHT - 1e-9
                    den = mq + mc + _LISTED_COST_MIN * wc_left
                    den += (UNMATCHED_LISTED if contained else 1.0) * (wq_total - mq)
                    if den <= 0 or top * (mq + mc) >= need * den:
                        out.append(n)
                        continue
            if nq + len(ct) <= 2:
                continue
            lb = len("".join(ct))
            if lb < shortest or lb > longest:  # then 1 - |la - lb| / max(la, lb) < JOINED_MIN
                continue
            length_bound = 1.0 - abs(la - lb) / max(la, lb, 1)
            if length_bound < JOINED_MIN or 0.97 * length_bound < need:
                continue
            joined = self._joined_at_least(c, _JOINED_CUTOFF)
            if joined >= JOINED_MIN and 0.97 * joined >= need:
                out.append(n)
        return out

    def _joined_at_least(self, c: NameForm, cutoff: float | None) -> float:
        """:func:`_joined` of the query and ``c`` (of more than two tokens together) when it is at least
        ``cutoff`` (None: always), else 0 or a value below ``cutoff``; the query's joined strings are
        computed once per query."""
        a, sa = self.joined_forms
        b = c.joined
        s = Levenshtein.normalized_similarity(a, b, score_cutoff=cutoff)
        sb = "".join(sorted(c.tokens))
        if sa != a or sb != b:
            s = max(s, Levenshtein.normalized_similarity(sa, sb, score_cutoff=cutoff))
        return s

    def _score(
        self, c: NameForm, wc: Sequence[float], org: bool, cells: list[tuple[float, int, int, bool]]
    ) -> NameScore:
        """The score of the (unfused) names from their token pairs at or above MIN_TOKEN_SIM."""
        qt, ct = self.tokens, c.tokens
        score, pairs, korean_used = _align(cells, self.weights, wc, org)
        nf = 1.0
        # vessel and company names with numbers: ASIA BRIDGE 1 is not ASIA BRIDGE 2
        if self.digits:
            cn = {t for t in ct if t.isdigit()}
            if cn and cn != self.digits:
                nf = NUMBER_MISMATCH
        score *= nf
        shown = tuple((qt[i], ct[j], round(s, 3)) for i, j, s in pairs)
        # The whole-string comparison can only win below 0.97, and only when the lengths allow a similarity
        # of JOINED_MIN (a normalised edit similarity is at most 1 - length difference / longer length).
        if score < 0.97 and len(qt) + len(ct) > 2 and not (org and score <= GENERIC_ONLY_CAP):
            la, lb = self.joined_len, len("".join(ct))
            if (1.0 - abs(la - lb) / max(la, lb, 1)) * nf >= JOINED_MIN:
                joined = self._joined_at_least(c, None) * nf  # _joined, the query's strings joined once
                if joined >= JOINED_MIN and joined * 0.97 > score:
                    return NameScore(joined * 0.97, "joined", shown, korean_used)
        return NameScore(score, "tokens", shown, korean_used)


def _reform(f: NameForm, tokens: list[str]) -> NameForm:
    t = tuple(tokens)
    return NameForm(
        f.original,
        t,
        tuple(skeleton(x) for x in t),
        tuple(korean_key(x) for x in t),
        f.legal,
        f.honorifics,
        f.script,
    )


def _rew(old: Sequence[str], new: list[str], w: Sequence[float]) -> list[float]:
    """Weights for a token list after fusion: a fused token takes the larger weight of its parts."""
    if len(old) == len(new):
        return list(w)
    out: list[float] = []
    i = 0
    for t in new:
        if i < len(old) and old[i] == t:
            out.append(w[i])
            i += 1
        else:
            out.append(max(w[i], w[i + 1]) if i + 1 < len(w) else w[i])
            i += 2
    return out


def _retoken(old: Sequence[str], new: list[str], tokens: list[str]) -> list[str]:
    """Display tokens after a fusion of skeletons: fused neighbours are shown joined."""
    out: list[str] = []
    i = 0
    for t in new:
        if i < len(old) and old[i] == t:
            out.append(tokens[i])
            i += 1
        else:
            out.append(tokens[i] + tokens[i + 1] if i + 1 < len(tokens) else tokens[i])
            i += 2
    return out


def skeleton_similarity(
    q: NameForm, c: NameForm, wq: Sequence[float], wc: Sequence[float], org: bool = False
) -> NameScore:
    qi = [i for i, t in enumerate(q.tokens) if t not in ARTICLES] or list(range(len(q.tokens)))
    ci = [j for j, t in enumerate(c.tokens) if t not in ARTICLES] or list(range(len(c.tokens)))
    qs, cs = [q.skeletons[i] for i in qi], [c.skeletons[j] for j in ci]
    qt, ct = [q.tokens[i] for i in qi], [c.tokens[j] for j in ci]
    wq_, wc_ = [wq[i] for i in qi], [wc[j] for j in ci]
    if set(qs) != set(cs):
        fq, fc = list(qs), list(cs)
        _fuse(qs, fc)
        _fuse(cs, fq)
        if len(fc) != len(cs):
            wc_ = _rew(cs, fc, wc_)
            ct = _retoken(cs, fc, ct)
            cs = fc
        if len(fq) != len(qs):
            wq_ = _rew(qs, fq, wq_)
            qt = _retoken(qs, fq, qt)
            qs = fq
    lev = Levenshtein.normalized_similarity  # skeleton_sim, inline
    sim = [
        [1.0 if a == b else 0.0 if a.isdigit() or b.isdigit() else lev(a, b) * 0.95 for b in cs] for a in qs
    ]
    score, pairs = align(qs, cs, wq_, wc_, sim, org)
    joined = Levenshtein.normalized_similarity("".join(qs), "".join(cs)) * 0.95
    ptuple = tuple((qt[i], ct[j], round(s, 3)) for i, j, s in pairs)
    if joined > score:
        return NameScore(joined, "skeleton", ptuple)
    return NameScore(score, "skeleton", ptuple)


def _article_free(f: NameForm) -> list[int]:
    """The indexes of ``f``'s tokens that skeleton_similarity compares: all but the articles (all of them
    when every token is one)."""
    return [i for i, t in enumerate(f.tokens) if t not in ARTICLES] or list(range(len(f.tokens)))


class SkeletonQuery:
    """A query compared by consonant skeletons (:func:`skeleton_similarity`, ``wq``: its skeleton weights)
    prepared for many listed names: :meth:`reachable` leaves out the names whose score cannot reach a
    floor, from a bound as :meth:`LatinQuery.reachable` computes it."""

    __slots__ = ("columns", "concats", "joined", "skeleton_set", "skeletons", "total_weight", "weights")

    def __init__(self, q: NameForm, wq: Sequence[float]) -> None:
        kept = _article_free(q)
        self.skeletons = [q.skeletons[i] for i in kept]
        self.weights = [wq[i] for i in kept]
        self.skeleton_set = frozenset(self.skeletons)
        self.concats = frozenset(a + b for a, b in zip(self.skeletons, self.skeletons[1:], strict=False))
        self.joined = "".join(self.skeletons)
        self.total_weight = sum(self.weights)
        # by listed skeleton: (the bit mask of the query skeletons it pairs with at or above MIN_TOKEN_SIM,
        # the best such similarity)
        self.columns: dict[str, tuple[int, float]] = {}

    def _prefill(self, skeletons: set[str]) -> None:
        """The column of every listed skeleton in ``skeletons``: an edit-similarity pass in C per query
        skeleton finds the pairs that may reach MIN_TOKEN_SIM, skeleton_sim decides them."""
        fresh = list(skeletons.difference(self.columns))
        if not fresh:
            return
        columns = dict.fromkeys(fresh, (0, 0.0))
        lev = Levenshtein.normalized_similarity
        for i, a in enumerate(self.skeletons):
            for b, _, _ in process.extract(
                a, fresh, scorer=lev, score_cutoff=_SKELETON_PREFILTER, limit=None
            ):
                s = skeleton_sim(a, b)
                if s >= MIN_TOKEN_SIM:
                    mask, top = columns[b]
                    columns[b] = (mask | 1 << i, max(top, s))
        self.columns.update(columns)

    def reachable(
        self,
        names: Iterable[_N],
        needs: Mapping[str, float],
        default_need: float,
        weigh: Callable[[NameForm], Sequence[float]],
    ) -> list[_N]:
        """The ``names`` (in order) that :func:`skeleton_similarity` may score at or above their kind's
        ``needs`` (``default_need`` for another kind); ``weigh``: a name's skeleton weights. Its score is
        the greater of a token alignment, bounded as in :meth:`LatinQuery.reachable`, and the similarity
        of the joined skeletons, computed; names whose tokens may fuse are kept unbounded."""
        names = list(names)
        forms = [(n, _article_free(n.form)) for n in names]
        listed = {n.form.skeletons[j] for n, kept in forms for j in kept}
        self._prefill(listed)
        columns, qs, concats, wq_total = self.columns, self.skeleton_set, self.concats, self.total_weight
        weights = self.weights
        out: list[_N] = []
        for n, kept in forms:
            c = n.form
            cs = [c.skeletons[j] for j in kept]
            if qs != set(cs) and (
                not concats.isdisjoint(cs) or any(cs[k] + cs[k + 1] in qs for k in range(len(cs) - 1))
            ):
                out.append(n)  # the skeletons may fuse
                continue
            need = needs.get(n.kind, default_need)
            bound = Levenshtein.normalized_similarity(self.joined, "".join(cs)) * 0.95
            if bound < need and any(columns[b][0] for b in cs):  # some skeleton pairs: weigh the name
                wc = weigh(c)
                paired = 0
                mask = 0
                mc: float = 0
                wc_total: float = 0
                top = 0.0
                for j, b in zip(kept, cs, strict=True):
                    wc_total += wc[j]
                    col_mask, col_top = columns[b]
                    if col_mask:
                        paired += 1
                        mask |= col_mask
                        mc += wc[j]
                        top = max(top, col_top)
                if paired:
                    mq = sum(w for i, w in enumerate(weights) if mask >> i & 1)
                    wc_left = wc_total - mc
                    contained = paired >= 2 and wc_left <= 0.2 + 1e-9 and mc >= CONTAINED_MIN_WEIGHT - 1e-9
                    den = mq + mc + _LISTED_COST_MIN * wc_left
                    den += (UNMATCHED_LISTED if contained else 1.0) * (wq_total - mq)
                    bound = max(bound, top * (mq + mc) / den if den > 0 else 1.0)
            if bound >= need:
                out.append(n)
        return out
