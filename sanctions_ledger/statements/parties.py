"""Claims about a party's state ("X is sanctioned", "X is no longer under sanctions", "X remains listed",
"X has been removed", "X was never listed"), found in a sentence and judged against the ledger at the
statement's instant.

The party's name is resolved with the screening engine against every entity the ledger ever held (listed
now or not), so a delisted party is still found; its state at the instant comes from the snapshots.
"""

from __future__ import annotations

import re
import threading
import weakref
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sanctions_ledger.errors import NotFoundError
from sanctions_ledger.ledger import Ledger
from sanctions_ledger.matching.index import MatchIndex
from sanctions_ledger.model.times import iso
from sanctions_ledger.parsers import LISTS
from sanctions_ledger.screening import Screener, ScreeningQuery
from sanctions_ledger.screening.asof import adjust_for_actions
from sanctions_ledger.screening.service import IndexProvider

# A name is resolved when the best match scores at least this (stricter than screening's alert threshold:
# a statement's verdict rests on it).
RESOLVE_THRESHOLD = 0.88

_LISTED = (
    r"under\s+(?:(?:U\.?S\.?|UN|U\.N\.|EU|UK|American|British|European|international|\w+)\s+)?sanctions"
    r"|sanctioned|subject\s+to\s+(?:\w+\s+)?sanctions|blacklisted|designated"
    r"|(?:listed|blacklisted)(?:\s+(?:by|on)\s+(?:the\s+)?(?:[\w.'-]+\s+){0,4}?(?:list|SDN|Treasury|OFAC|UN))?"
    r"|on\s+(?:the\s+)?(?:[\w.'-]+\s+){0,4}?(?:list|SDN)"
)
_REMOVED = (
    r"(?:removed|delisted|taken\s+off|dropped)(?:\s+from\s+(?:the\s+)?(?:[\w.'-]+\s+){0,4}?(?:list|SDN|sanctions))?"
    r"|off\s+(?:the\s+)?(?:[\w.'-]+\s+){0,4}?(?:list|SDN)"
)
_COPULA = (
    r"(?:is|are|was|were|has\s+been|have\s+been|had\s+been|remains?|remained|stays?|stayed|"
    r"continues?\s+to\s+be|continued\s+to\s+be)"
)
# <subject> <copula> [still|no longer|not|never] [been] <predicate>
_STATE = re.compile(
    rf"(?P<subject>[^,;:]+?)\s+(?P<copula>{_COPULA})\s+(?P<mod>still\s+|no\s+longer\s+|not\s+|never\s+(?:been\s+)?|"
    rf"now\s+|also\s+)?(?:been\s+)?(?P<pred>{_REMOVED}|{_LISTED})\b",
    re.IGNORECASE,
)
# <authority> removed / delisted / lifted sanctions on <object> [from ...]
_ACT_REMOVE = re.compile(
    r"\b(?:removed|delisted|unblocked|lifted\s+(?:the\s+)?sanctions\s+(?:on|against)|took)\s+"
    r"(?P<object>.+?)(?:\s+(?:from|off)\s+(?:the\s+)?(?:[\w.'-]+\s+){0,4}?(?:list|SDN)\b|[,;.]|$)",
    re.IGNORECASE,
)
# words that end a name when read backwards from the verb
_NAME_WORD = re.compile(r"^(?:[A-Z0-9][\w.'&-]*|&|of|and|de|del|al|el|bin|ibn|du|la|le|van|von|the)$")
_LEADING_NOISE = re.compile(r"^(?:the|a|an|and|of)\s+", re.IGNORECASE)
_GENERIC_SUBJECT = re.compile(
    r"^(?:it|they|he|she|this|that|these|those|the\s+(?:company|firm|bank|vessel|ship|man|woman|group|"
    r"entity|individual|person|sanctions?)|sanctions?)$",
    re.IGNORECASE,
)


@dataclass
class StateClaim:
    """A claim about one party's state at the statement's instant."""

    text: str  # the sentence
    name: str  # the party as the statement names it
    expects: str  # listed | not_listed | removed | never
    verdict: str = "unverifiable"
    entity_id: str | None = None
    entity_name: str | None = None
    score: float | None = None
    findings: list[str] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        return {
            "sentence": self.text,
            "kind": "state",
            "party": self.name,
            "expects": self.expects,
            "verdict": self.verdict,
            "entity_id": self.entity_id,
            "entity_name": self.entity_name,
            "score": self.score,
            "findings": self.findings,
        }


def _name_from(subject: str) -> str | None:
    """The party's name: the run of capitalised words (and particles) at the end of the subject."""
    words = subject.strip().strip("\"'“”‘’").split()
    run: list[str] = []
    for w in reversed(words):
        bare = w.strip("\"'“”‘’()")
        if _NAME_WORD.match(bare) and not (not run and bare.lower() in ("of", "and", "the", "&")):
            run.append(bare)
            continue
        break
    run.reverse()
    while run and run[0].lower() in ("of", "and", "the", "&", "de", "al", "el"):
        run.pop(0)
    name = " ".join(run).strip(" ,")
    name = _LEADING_NOISE.sub("", name)
    if len(name) < 3 or _GENERIC_SUBJECT.match(name) or not any(c.isupper() for c in name):
        return None
    return name


def find_state_claims(sentence: str) -> list[StateClaim]:
    """The state claims of one sentence (none when it names no party)."""
    out: list[StateClaim] = []
    for m in _STATE.finditer(sentence):
        name = _name_from(m.group("subject"))
        if not name:
            continue
        mod = (m.group("mod") or "").strip().lower()
        pred = m.group("pred").lower()
        removed_pred = bool(re.match(_REMOVED, pred, re.IGNORECASE))
        copula = m.group("copula").lower()
        if mod.startswith("never"):
            expects = "never"
        elif mod.startswith("no longer") or mod == "not":
            expects = "listed" if removed_pred else "not_listed"
        elif removed_pred:
            expects = "removed" if copula.startswith(("has", "have", "had", "was", "were")) else "not_listed"
        else:
            expects = "listed"
        out.append(StateClaim(sentence, name, expects))
    if not out:
        for m in _ACT_REMOVE.finditer(sentence):
            obj = m.group("object")
            words = obj.split()
            # the name runs from the start of the object while words look like a name
            run: list[str] = []
            for w in words:
                bare = w.strip("\"'“”‘’(),")
                if _NAME_WORD.match(bare):
                    run.append(bare)
                    continue
                break
            name = _LEADING_NOISE.sub("", " ".join(run)).strip()
            if len(name) >= 3 and not _GENERIC_SUBJECT.match(name) and any(c.isupper() for c in name):
                out.append(StateClaim(sentence, name, "removed"))
    return out


# -- resolving names --------------------------------------------------------------------------------

_PROVIDERS: weakref.WeakKeyDictionary[Ledger, IndexProvider] = weakref.WeakKeyDictionary()
_LOCK = threading.Lock()


def _index(ledger: Ledger) -> MatchIndex:
    """The screening service's index of every entity ever listed (a statement may name a party that is
    no longer listed)."""
    with _LOCK:
        provider = _PROVIDERS.get(ledger)
        if provider is None:
            provider = _PROVIDERS[ledger] = IndexProvider(ledger)
    return provider.index(scope="ever")


def lists_of_authorities(ledger: Ledger, authorities: list[str]) -> list[str]:
    """The ledger's lists published by any of these authorities (all lists when none is named)."""
    held = ledger.list_names()
    if not authorities:
        return held
    wanted = set()
    for a in authorities:
        wanted |= set(a.split("+"))
        if a.startswith("UNSC"):
            wanted.add("UNSC")
    return [lst for lst in held if LISTS.get(lst, ("", ""))[0] in wanted]


def _snapshot_before(ledger: Ledger, list_name: str, at: datetime) -> bool:
    return any(s.observed_at <= at for s in ledger.snapshots(list_name))


def judge(claim: StateClaim, ledger: Ledger, at: datetime, authorities: list[str]) -> None:
    """Resolve the party and judge the claim against the ledger's state at ``at``."""
    lists = lists_of_authorities(ledger, authorities)
    if not lists:
        claim.findings.append("The ledger holds no list of the authority the statement names.")
        return
    covered = [lst for lst in lists if _snapshot_before(ledger, lst, at)]
    screener = Screener(_index(ledger), threshold=RESOLVE_THRESHOLD, limit=5)
    result = screener.screen(ScreeningQuery(name=claim.name, lists=tuple(lists)))
    # "North Korea's Foreign Trade Bank": the owner or country before a possessive is not part of the name
    owned = re.split(r"['’]s\s+", claim.name)
    if len(owned) > 1 and len(owned[-1]) >= 3:
        alt = screener.screen(ScreeningQuery(name=owned[-1], lists=tuple(lists)))
        if alt.matches and (not result.matches or alt.matches[0].score > result.matches[0].score):
            result = alt
    if not result.matches:
        where = ", ".join(covered) or ", ".join(lists)
        if claim.expects in ("never", "not_listed") and covered:
            claim.verdict = "supported"
            claim.findings.append(
                f'No party on {where} matches "{claim.name}" (at or above {RESOLVE_THRESHOLD}) in any '
                f"snapshot up to {iso(at)}."
            )
        elif covered:
            claim.verdict = "contradicted"
            claim.findings.append(
                f'No party on {where} matches "{claim.name}" (at or above {RESOLVE_THRESHOLD}); as far as '
                f"the record shows it was not listed as of {iso(at)}."
            )
        else:
            claim.findings.append(f"The ledger has no snapshot of {', '.join(lists)} before {iso(at)}.")
        return
    best = result.matches[0]
    claim.entity_id, claim.entity_name, claim.score = best.entity_id, best.name, round(best.score, 3)
    hist = ledger.history(best.entity_id)
    first_seen = hist["first_seen"]
    list_name = hist["list"]
    if not _snapshot_before(ledger, list_name, at):
        claim.findings.append(
            f"{best.entity_id} ({best.name}) is on {list_name}, but the ledger has no snapshot of that list "
            f"before {iso(at)}."
        )
        return
    base = []
    try:
        entity, snap = ledger.entity(best.entity_id, at)
        listed, snap_text = True, f"snapshot #{snap.id}, observed {iso(snap.observed_at)}"
        base = [entity]
    except NotFoundError:
        listed, snap_text = False, ""
    seen_before = first_seen is not None and first_seen <= iso(at)
    # actions newer than the snapshot in use change the picture (a designation not yet in a snapshot)
    _, adj = adjust_for_actions(ledger, base, [list_name], at)
    if best.entity_id in adj.added:
        listed, seen_before = True, True
        snap_text = f"designated by {adj.added[best.entity_id]}, in effect then though not yet in a snapshot"
    elif best.entity_id in adj.removed:
        listed = False
        claim.findings.append(f"{adj.removed[best.entity_id]} removed it before {iso(at)}.")
    who = f'"{claim.name}" is {best.entity_id} ({best.name}, score {best.score:.2f})'
    if listed:
        state = f"{who}: on {list_name} as of {iso(at)} ({snap_text})."
    elif seen_before:
        ended = [v for v in hist["versions"] if v["ended_at"] and v["ended_at"] <= iso(at)]
        gone = f", not on it from {ended[-1]['ended_at']}" if ended else ""
        state = f"{who}: no longer on {list_name} as of {iso(at)} (last seen {hist['last_seen']}{gone})."
    else:
        state = f"{who}: not yet on {list_name} as of {iso(at)} (first seen {first_seen})."
    claim.findings.append(state)
    if claim.expects == "listed":
        claim.verdict = "supported" if listed else "contradicted"
    elif claim.expects == "not_listed":
        claim.verdict = "contradicted" if listed else "supported"
    elif claim.expects == "removed":
        claim.verdict = "contradicted" if listed or not seen_before else "supported"
        if not seen_before and not listed:
            claim.findings.append("It had never been listed by then, so it cannot have been removed.")
    elif claim.expects == "never":
        claim.verdict = "contradicted" if seen_before else "supported"
