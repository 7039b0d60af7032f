"""Phonetic keys.

:func:`skeleton` is a vowel-blind consonant-class key, built for comparing names romanised from scripts
that do not write short vowels (Arabic, Persian): ``Muhammad``, ``Mohammed`` and ``محمد`` all become
``mhmd``; ``Abdallah``/``Abdullah``/``عبدالله`` agree too. A word-initial vowel is kept as ``a`` so that
``Omar``/``Umar``/``عمر`` (``amr``) differ from ``Mir``. It is also a cheap phonetic key for Latin names.
"""

from __future__ import annotations

import functools
import re

_DIGRAPHS = (
    ("sch", "x"),
    ("tch", "x"),
    ("sh", "x"),
    ("ch", "x"),
    ("zh", "j"),
    ("kh", "k"),
    ("gh", "g"),
    ("th", "t"),
    ("dh", "d"),
    ("ph", "f"),
    ("dj", "j"),
    ("dz", "s"),
    ("ts", "s"),
    ("ck", "k"),
)
_DIGRAPHS_NO_H = tuple((a, b) for a, b in _DIGRAPHS if "h" not in a)
_CLASSES = str.maketrans({"q": "k", "c": "k", "g": "j", "z": "s", "v": "f", "p": "b"})
_NO_VOWELS = str.maketrans("", "", "aeiouyw")  # deletes what [aeiouyw] matches
_REPEAT = re.compile(r"(.)\1+")


@functools.lru_cache(maxsize=200_000)
def skeleton(token: str) -> str:
    """Consonant-class skeleton of a lower-case ASCII token (digits pass through)."""
    if not token or token.isdigit():
        return token
    s = token.replace("x", "ks")
    # no replacement writes an "h": without one, the digraphs in "h" cannot occur at any step
    for a, b in _DIGRAPHS if "h" in s else _DIGRAPHS_NO_H:
        s = s.replace(a, b)
    s = s.translate(_CLASSES)
    head = s[0]
    if head in "aeiou":
        head = "a"
    body = s[1:]
    if len(s) > 2 and body.endswith("h"):
        body = body[:-1]
    s = head + body.translate(_NO_VOWELS)
    return _REPEAT.sub(r"\1", s) if _REPEAT.search(s) else s
