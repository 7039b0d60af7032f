"""Find what a statement refers to: time expressions, authorities, countries (and their programs), and
action verbs. Pure text work; dates are resolved in :mod:`sanctions_ledger.statements.timerefs`."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from sanctions_ledger.actions.programs import countries_in, programs_of_country
from sanctions_ledger.model.countries import country_name

_MONTHS = (
    r"(?:January|February|March|April|May|June|July|August|September|October|November|December|"
    r"Jan|Feb|Mar|Apr|Jun|Jul|Aug|Sep|Sept|Oct|Nov|Dec)\.?"
)
_WEEKDAYS = r"(?:Monday|Tuesday|Wednesday|Thursday|Friday|Saturday|Sunday)"
_NUM_WORDS = r"(?:\d+|two|three|four|five|six|seven|eight|nine|ten)"

# Longest forms first; overlapping later matches are dropped.
TIME_PATTERNS: list[tuple[str, re.Pattern[str]]] = [
    (
        "date",
        re.compile(
            rf"\b(?:{_WEEKDAYS},?\s+)?\d{{1,2}}(?:st|nd|rd|th)?\s+(?:of\s+)?{_MONTHS}(?:,?\s+\d{{4}})?\b",
            re.IGNORECASE,
        ),
    ),
    (
        "date",
        re.compile(
            rf"\b(?:{_WEEKDAYS},?\s+)?{_MONTHS}\s+\d{{1,2}}(?:st|nd|rd|th)?(?:,?\s+\d{{4}})?\b", re.IGNORECASE
        ),
    ),
    ("date", re.compile(r"\b\d{4}-\d{2}-\d{2}\b")),
    ("month", re.compile(rf"\b{_MONTHS}\s+\d{{4}}\b", re.IGNORECASE)),
    ("relative", re.compile(r"\b(?:earlier|later)\s+this\s+week\b", re.IGNORECASE)),
    ("relative", re.compile(r"\b(?:last|this|next|past)\s+(?:week|month)\b", re.IGNORECASE)),
    ("relative", re.compile(rf"\b{_NUM_WORDS}\s+days?\s+ago\b", re.IGNORECASE)),
    ("weekday", re.compile(rf"\b(?:last|this|next)\s+{_WEEKDAYS}\b", re.IGNORECASE)),
    ("weekday", re.compile(rf"\b{_WEEKDAYS}\b", re.IGNORECASE)),
    (
        "relative",
        re.compile(
            r"\b(?:today|yesterday|tonight|tomorrow|last\s+night|this\s+(?:morning|afternoon|evening))\b",
            re.IGNORECASE,
        ),
    ),
]

# (pattern, authority codes it may mean, label)
AUTHORITY_PATTERNS: list[tuple[re.Pattern[str], list[str], str]] = [
    (re.compile(r"\b(?:HM\s+Treasury|OFSI)\b"), ["UK-HMT-OFSI"], "HM Treasury"),
    (
        re.compile(r"\b(?:OFAC|Office\s+of\s+Foreign\s+Assets\s+Control)\b", re.IGNORECASE),
        ["US-TREASURY-OFAC", "US-TREASURY-OFAC+US-STATE"],
        "OFAC",
    ),
    (
        re.compile(
            r"\bFinCEN\b|\bFinancial\s+Crimes\s+Enforcement\s+Network\b|\bsection\s+311\b|"
            r"\bprimary\s+money[-\s]laundering\s+concern\b",
            re.IGNORECASE,
        ),
        ["US-TREASURY-FINCEN"],
        "FinCEN",
    ),
    (
        re.compile(
            r"\b(?:(?:the\s+)?U\.?\s?S\.?\s+)?(?:Department\s+of\s+(?:the\s+)?Treasury|Treasury\s+Department|"
            r"Treasury(?:\s+Secretary)?|Mnuchin)\b"
        ),
        ["US-TREASURY-OFAC", "US-TREASURY-FINCEN", "US-TREASURY-OFAC+US-STATE"],
        "the U.S. Treasury",
    ),
    (
        re.compile(
            r"\b(?:(?:U\.?\s?S\.?\s+)?State\s+Department|Department\s+of\s+State|Secretary\s+of\s+State|"
            r"Pompeo)\b"
        ),
        ["US-STATE", "US-TREASURY-OFAC+US-STATE"],
        "the State Department",
    ),
    (
        re.compile(
            r"\b(?:Bureau\s+of\s+Industry\s+and\s+Security|BIS|Commerce\s+Department|Department\s+of\s+Commerce)\b"
        ),
        ["US-COMMERCE-BIS"],
        "BIS (U.S. Commerce)",
    ),
    (
        re.compile(
            r"\b(?:Foreign,\s+Commonwealth\s+(?:and|&)\s+Development\s+Office|FCDO|Foreign\s+Office|"
            r"UK\s+government|British\s+government)\b"
        ),
        ["UK-FCDO", "UK-HMT-OFSI"],
        "the UK government",
    ),
    (
        re.compile(
            r"\b(?:(?:Council\s+of\s+the\s+)?European\s+Union|EU(?:\s+Council)?|European\s+Council|"
            r"Council\s+of\s+the\s+EU|Brussels)\b"
        ),
        ["EU-COUNCIL", "EU"],
        "the EU Council",
    ),
    (
        re.compile(r"\b(?:1718\s+Committee|(?:UN\s+)?sanctions\s+committee)\b", re.IGNORECASE),
        ["UNSC-1718-COMMITTEE"],
        "the UN 1718 Committee",
    ),
    (
        re.compile(
            r"\b(?:(?:UN|U\.N\.|United\s+Nations)\s+)?Security\s+Council\b|\bUNSC\b|\bUnited\s+Nations\b|"
            r"\bU\.N\.(?=\s)|\bthe\s+UN\b"
        ),
        ["UNSC", "UNSC-1718-COMMITTEE"],
        "the UN Security Council",
    ),
]

VERB_PATTERNS: list[tuple[str, re.Pattern[str]]] = [
    (
        "remove",
        re.compile(
            r"\b(?:withdr[ae]w\w*|lift(?:s|ed|ing)?|remov\w*|revok\w*|revocation|delist\w*|rescind\w*|revers\w*|"
            r"cancel\w*|roll(?:ed)?\s+back|eas(?:e|ed|ing))\b",
            re.IGNORECASE,
        ),
    ),
    ("announce", re.compile(r"\bannounc\w*\b", re.IGNORECASE)),
    (
        "designate",
        re.compile(
            r"\b(?:impos\w*|add(?:s|ed|ing)?|designat\w*|sanction(?:s|ed|ing)?|target(?:s|ed|ing)?|blacklist\w*|"
            r"penali[sz]\w*)\b",
            re.IGNORECASE,
        ),
    ),
]

_FUTURE = re.compile(
    r"\b(?:will|going\s+to|plans?\s+to|is\s+to|are\s+to|next\s+week|tomorrow)\b", re.IGNORECASE
)
_BOUNDARY = re.compile(r"[.!?]+[\"')\]]*(?=\s+|$)")
_ABBREV = re.compile(
    r"(?:\b[A-Za-z]|\b(?:Mr|Mrs|Ms|Dr|St|No|Jr|Sr|Gen|Sen|Rep|Gov|Inc|Co|Ltd|Corp|vs|etc))\.$"
)


@dataclass
class Ref:
    kind: str  # time | authority | country | verb
    text: str
    span: tuple[int, int]
    sentence: int
    value: dict[str, Any] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        return {
            "kind": self.kind,
            "text": self.text,
            "span": list(self.span),
            "sentence": self.sentence,
            **self.value,
        }


@dataclass
class Sentence:
    index: int
    text: str
    span: tuple[int, int]
    future: bool


_CLAUSE = re.compile(
    r"(?:;\s+|,?\s+(?:and|while|but|whereas)\s+)(?=(?:the\s+|then\s+)?(?:U\.?S\.?\s|UN\b|U\.N\.|United\s+Nations|"
    r"Security\s+Council|Treasury|OFAC|FinCEN|State\s+Department|EU\b|European\s+Union|UK\b|HM\s+Treasury|"
    r"OFSI|FCDO|BIS\b|Commerce|Washington|London|Brussels|it\s+(?:has|had|was|will)|they\s+(?:have|had|were|will)))"
)


def _clauses(start: int, end: int, text: str) -> list[tuple[int, int]]:
    """A sentence split into clauses that each name their own actor ("Treasury designated X on Monday and
    the UN listed Y on Tuesday" is two claims)."""
    out, s = [], start
    for m in _CLAUSE.finditer(text, start, end):
        left = text[s : m.start()]
        # split only after a clause that says something happened ("the Treasury and the State
        # Department announced ..." is one claim with two actors)
        if left.strip() and any(p.search(left) for _, p in VERB_PATTERNS):
            out.append((s, m.start()))
            s = m.end()
    out.append((s, end))
    return out


def sentences(text: str) -> list[Sentence]:
    """Split at ., ! or ? followed by a space, except after abbreviations (U.S., U.N., Mr., No.), and then
    into clauses that name their own actor."""
    spans: list[tuple[int, int]] = []
    start = 0
    for m in _BOUNDARY.finditer(text):
        if m.group(0) == "." and _ABBREV.search(text[max(start, m.start() - 4) : m.end()]):
            continue
        spans.append((start, m.end()))
        start = m.end()
    if text[start:].strip():
        spans.append((start, len(text)))
    out: list[Sentence] = []
    for s0, e0 in spans:
        for s, e in _clauses(s0, e0, text):
            chunk = text[s:e]
            if chunk.strip():
                out.append(Sentence(len(out), chunk.strip(), (s, e), bool(_FUTURE.search(chunk))))
    return out


def _sentence_of(sents: list[Sentence], pos: int) -> int:
    for s in sents:
        if s.span[0] <= pos < s.span[1]:
            return s.index
    return sents[-1].index if sents else 0


def _free(taken: list[tuple[int, int]], s: int, e: int) -> bool:
    return not any(s < te and ts < e for ts, te in taken)


def extract(text: str) -> tuple[list[Sentence], list[Ref]]:
    sents = sentences(text)
    refs: list[Ref] = []
    taken: list[tuple[int, int]] = []
    for form, pat in TIME_PATTERNS:
        for m in pat.finditer(text):
            s, e = m.span()
            # "May" is a month and a verb; alone (no day number) it is not taken as a date here.
            if _free(taken, s, e):
                taken.append((s, e))
                refs.append(Ref("time", m.group(0), (s, e), _sentence_of(sents, s), {"form": form}))
    auth_taken: list[tuple[int, int]] = []
    for pat, codes, label in AUTHORITY_PATTERNS:
        for m in pat.finditer(text):
            s, e = m.span()
            if _free(auth_taken, s, e):
                auth_taken.append((s, e))
                refs.append(
                    Ref(
                        "authority",
                        m.group(0),
                        (s, e),
                        _sentence_of(sents, s),
                        {"authorities": codes, "label": label},
                    )
                )
    for code, words, (s, e) in countries_in(text):
        if not _free(auth_taken, s, e):  # "United States" inside an authority name
            continue
        refs.append(
            Ref(
                "country",
                words,
                (s, e),
                _sentence_of(sents, s),
                {"code": code, "name": country_name(code) or code, "programs": programs_of_country(code)},
            )
        )
    verb_taken: list[tuple[int, int]] = []
    for kind, pat in VERB_PATTERNS:
        for m in pat.finditer(text):
            s, e = m.span()
            if _free(verb_taken, s, e) and _free(auth_taken, s, e):
                verb_taken.append((s, e))
                refs.append(Ref("verb", m.group(0), (s, e), _sentence_of(sents, s), {"action": kind}))
    refs.sort(key=lambda r: (r.span[0], r.kind))
    return sents, refs
