"""Arabic-script (Arabic, Persian, Urdu, Pashto letters) to Latin, approximating the romanisations that
sanctions lists use (``Muhammad``, ``Abd al-Aziz``, ``al-Zawahiri``).

Arabic script omits short vowels, so the Latin we produce lacks most of them; comparison therefore
goes through consonant skeletons (:mod:`sanctions_ledger.matching.phonetic`), which are vowel-blind.
The article ``ال`` becomes a separate ``al`` token and ``عبدال...`` becomes ``abd al ...``.
"""

from __future__ import annotations

import re

_LETTERS: dict[str, str] = {
    "ا": "a",
    "آ": "a",
    "أ": "a",
    "إ": "i",
    "ٱ": "a",
    "ء": "",
    "ؤ": "u",
    "ئ": "i",
    "ى": "a",
    "ب": "b",
    "ت": "t",
    "ث": "th",
    "ج": "j",
    "ح": "h",
    "خ": "kh",
    "د": "d",
    "ذ": "dh",
    "ر": "r",
    "ز": "z",
    "س": "s",
    "ش": "sh",
    "ص": "s",
    "ض": "d",
    "ط": "t",
    "ظ": "z",
    "غ": "gh",
    "ف": "f",
    "ق": "q",
    "ك": "k",
    "ل": "l",
    "م": "m",
    "ن": "n",
    "ه": "h",
    "ة": "a",
    # Persian, Urdu and Pashto letters
    "پ": "p",
    "چ": "ch",
    "ژ": "zh",
    "گ": "g",
    "ک": "k",
    "ڭ": "ng",
    "ٹ": "t",
    "ڈ": "d",
    "ڑ": "r",
    "ں": "n",
    "ھ": "h",
    "ہ": "h",
    "ۀ": "a",
    "ې": "e",
    "ۍ": "ai",
    "ټ": "t",
    "ځ": "dz",
    "څ": "ts",
    "ډ": "d",
    "ړ": "r",
    "ږ": "zh",
    "ښ": "kh",
    "ګ": "g",
    "ڼ": "n",
    # short-vowel marks, when present
    "\u064e": "a",
    "\u064f": "u",
    "\u0650": "i",
    "\u064b": "an",
    "\u064c": "un",
    "\u064d": "in",
    "\u0651": "",
    "\u0652": "",
    "\u0670": "a",
    "\u0640": "",
}
# Letters read as a vowel inside a word and as a consonant at its start.
_WAW = ("و", "w", "u")
_YA = (("ي", "ی", "ې", "ے"), "y", "i")
_AIN = "ع"

_ARABIC = re.compile(r"[\u0600-\u06FF\u0750-\u077F\u08A0-\u08FF\uFB50-\uFDFF\uFE70-\uFEFF]")
_DIGITS = str.maketrans("٠١٢٣٤٥٦٧٨٩۰۱۲۳۴۵۶۷۸۹", "01234567890123456789")


def has_arabic(text: str) -> bool:
    return _ARABIC.search(text) is not None


def _word(word: str) -> str:
    out: list[str] = []
    for i, ch in enumerate(word):
        if ch == _WAW[0]:
            out.append(_WAW[1] if i == 0 else _WAW[2])
        elif ch in _YA[0]:
            out.append(_YA[1] if i == 0 else _YA[2])
        elif ch == _AIN:
            out.append("a" if i == 0 else "")
        else:
            out.append(_LETTERS.get(ch, ch))
    return "".join(out)


def _split_article(word: str) -> list[str]:
    """``العزيز`` -> [``ال``, ``عزيز``]; ``عبدالعزيز`` -> [``عبد``, ``ال``, ``عزيز``]."""
    if word in ("الله", "اللہ"):
        return ["لاه"]
    if word.startswith("عبد") and len(word) > 4:
        rest = word[3:]
        if rest in ("الله", "لله"):
            return ["عبد", "لاه"]
        if rest.startswith("ال") and len(rest) > 3:
            return ["عبد", "ال", rest[2:]]
        return ["عبد", rest]
    if word.startswith("ال") and len(word) > 3:
        return ["ال", word[2:]]
    if word.startswith("أبو") and len(word) > 4:
        return ["أبو", word[3:]]
    return [word]


def arabic_to_latin(text: str) -> str:
    """Romanise the Arabic-script words of ``text``; other characters pass through unchanged."""
    text = text.translate(_DIGITS)
    words: list[str] = []
    for raw in text.split():
        if not has_arabic(raw):
            words.append(raw)
            continue
        for part in _split_article(raw):
            words.append("al" if part == "ال" else _word(part))
    return " ".join(w for w in words if w)
