"""Name normalisation: one :class:`NameForm` per name, the same pipeline for queries and listed names.

Steps: transliterate to ASCII; lower-case; drop apostrophes; punctuation and hyphens to spaces; reorder
OFAC's ``SURNAME, Given`` to ``Given SURNAME`` where the parts are known; strip leading honorifics and
titles; split off legal forms (``Co., Ltd.`` and ``Company Limited`` both become ``ltd``); reduce the
``Abd al-`` prefix spellings (``Abdul``, ``Abdel``...) to ``abd``. Each remaining token gets a
consonant skeleton and, when it reads as romanised Korean, a Korean variant key.
"""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass

from rapidfuzz.distance import OSA

from sanctions_ledger.matching.korean import korean_key
from sanctions_ledger.matching.phonetic import skeleton
from sanctions_ledger.matching.resources import (
    ARABIC_ABD,
    HONORIFICS,
    LEADING_OK,
    LEGAL_FORMS,
    MAX_LEGAL_LEN,
    TRAILING_ONLY,
)
from sanctions_ledger.matching.translit import to_latin

_APOSTROPHES = re.compile(r"['`´’‘ʿʾʻ]")
_NON_ALNUM = re.compile(r"[^a-z0-9]+")
_DIGIT = re.compile(r"[0-9]")
_DIGIT_ALPHA = re.compile(r"(?<=[a-z])(?=[0-9])|(?<=[0-9])(?=[a-z])")


@dataclass(frozen=True, slots=True)
class NameForm:
    """A name ready for comparison."""

    original: str
    tokens: tuple[str, ...]
    skeletons: tuple[str, ...]
    korean: tuple[str | None, ...]
    legal: tuple[str, ...] = ()
    honorifics: tuple[str, ...] = ()
    script: str = "Latn"

    @property
    def transliterated(self) -> bool:
        return self.script != "Latn"

    @property
    def joined(self) -> str:
        return "".join(self.tokens)

    def text(self) -> str:
        return " ".join(self.tokens)


def basic_tokens(text: str) -> tuple[list[str], str]:
    """Lower-case ASCII tokens of ``text`` and its script, before honorifics and legal forms."""
    latin, script = to_latin(text)
    s = _APOSTROPHES.sub("", latin.lower()).replace("&", " and ")
    s = _NON_ALNUM.sub(" ", s)
    if _DIGIT.search(s):  # letters and digits run together only where there is a digit
        s = _DIGIT_ALPHA.sub(" ", s)
    return s.split(), script


# the first words of the legal forms: a legal form can only start at one of them
_LEGAL_FIRST = frozenset(k[0] for k in LEGAL_FORMS)


def _strip_legal(tokens: list[str]) -> tuple[list[str], list[str]]:
    """Remove legal-form phrases; returns (remaining, canonical codes)."""
    codes: list[str] = []
    out: list[str] = []
    i = 0
    n = len(tokens)
    while i < n:
        if tokens[i] not in _LEGAL_FIRST:  # no legal form starts here
            out.append(tokens[i])
            i += 1
            continue
        hit = 0
        for length in range(min(MAX_LEGAL_LEN, n - i), 0, -1):
            key = tuple(tokens[i : i + length])
            code = LEGAL_FORMS.get(key)
            if code is None:
                continue
            if key in TRAILING_ONLY and i + length != n and not (i == 0 and key in LEADING_OK):
                continue
            if i == 0 and length == n:
                continue
            hit = length
            codes.append(code)
            break
        if hit:
            i += hit
        else:
            out.append(tokens[i])
            i += 1
    if not out:  # a name made only of legal words: keep them as the name
        return tokens, []
    if len(out) > 1 and _near_legal_word(out[-1]):  # "LIMJTED", "COMPNY"
        codes.append(out.pop())
        more, extra = _strip_legal(out)
        return more, codes + extra
    # a trailing spelled-out form can uncover another ("company limited" after "trading co")
    return out, codes


_LEGAL_WORDS = ("limited", "company", "corporation", "incorporated", "establishment")


def _near_legal_word(token: str) -> bool:
    if len(token) < 6:
        return False
    return any(OSA.distance(token, w) <= 1 for w in _LEGAL_WORDS)


def _abd(tokens: list[str]) -> list[str]:
    out: list[str] = []
    for t in tokens:
        if not t.startswith(ARABIC_ABD):  # neither a prefix nor a whole "abd" spelling
            out.append(t)
            continue
        if t in ARABIC_ABD:
            out.append("abd")
            continue
        for p in ARABIC_ABD:
            if t.startswith(p) and len(t) >= len(p) + 3:
                out.extend(("abd", t[len(p) :]))
                break
        else:
            out.append(t)
    return out


@functools.lru_cache(maxsize=100_000)
def normalize_name(text: str) -> NameForm:
    """Normalise a name (any script) to a :class:`NameForm`."""
    tokens, script = basic_tokens(text)
    hon: list[str] = []
    while len(tokens) > 1 and tokens[0] in HONORIFICS:
        hon.append(tokens.pop(0))
    tokens, legal = _strip_legal(tokens)
    tokens = _abd(tokens)
    toks = tuple(tokens)
    return NameForm(
        original=text,
        tokens=toks,
        skeletons=tuple(map(skeleton, toks)),
        korean=tuple(map(korean_key, toks)),
        legal=tuple(legal),
        honorifics=tuple(hon),
        script=script,
    )


def display_name(name: str, first: str | None, last: str | None) -> str:
    """OFAC's ``SURNAME, Given`` as ``Given SURNAME`` when the parts are known."""
    if first and last:
        return f"{first} {last}"
    return name
