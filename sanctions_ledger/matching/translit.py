"""Script detection and transliteration to lower-case ASCII Latin.

Arabic script goes through our own table (:mod:`.arabic`); every other script, and Latin with
diacritics, through ``anyascii``. Han and Hangul syllables are separated by spaces, one token per
syllable, so that they align with romanised names written as separate syllables or fused
(fusion is handled when comparing). See docs/matching.md for how the candidates compared.
"""

from __future__ import annotations

import unicodedata

from anyascii import anyascii

from sanctions_ledger.matching.arabic import arabic_to_latin, has_arabic


def script_of(text: str) -> str:
    """ISO 15924 code of the dominant non-Latin script in ``text``, or ``Latn``."""
    counts: dict[str, int] = {}
    for ch in text:
        if ch.isascii() or not ch.isalpha():
            continue
        o = ord(ch)
        if 0x0600 <= o <= 0x08FF or 0xFB50 <= o <= 0xFEFF:
            sc = "Arab"
        elif 0x0400 <= o <= 0x052F:
            sc = "Cyrl"
        elif 0xAC00 <= o <= 0xD7AF or 0x1100 <= o <= 0x11FF or 0x3130 <= o <= 0x318F:
            sc = "Hang"
        elif 0x4E00 <= o <= 0x9FFF or 0x3400 <= o <= 0x4DBF:
            sc = "Hani"
        elif 0x0370 <= o <= 0x03FF:
            sc = "Grek"
        elif 0x0590 <= o <= 0x05FF:
            sc = "Hebr"
        elif 0x3040 <= o <= 0x30FF:
            sc = "Jpan"
        elif o < 0x0250 or 0x1E00 <= o <= 0x1EFF:
            sc = "Latn"
        else:
            sc = "Zyyy"
        counts[sc] = counts.get(sc, 0) + 1
    non_latin = {k: v for k, v in counts.items() if k != "Latn"}
    if not non_latin:
        return "Latn"
    return max(non_latin.items(), key=lambda kv: kv[1])[0]


def _syllabic(text: str) -> str:
    out: list[str] = []
    for ch in text:
        o = ord(ch)
        if 0xAC00 <= o <= 0xD7AF or 0x4E00 <= o <= 0x9FFF or 0x3400 <= o <= 0x4DBF:
            out.append(" " + anyascii(ch) + " ")
        else:
            out.append(ch)
    return "".join(out)


def to_latin(text: str) -> tuple[str, str]:
    """``(latin_text, script)``: ``text`` romanised where needed. ASCII passes through unchanged."""
    if text.isascii():
        return text, "Latn"
    script = script_of(text)
    if has_arabic(text):
        text = arabic_to_latin(text)
    if script in ("Hang", "Hani"):
        text = _syllabic(text)
    text = unicodedata.normalize("NFC", text)
    return anyascii(text), script
