"""Check a statement against the ledger's actions: references, ranked candidate actions, findings written
for a journalist, and a verdict (supported, contradicted, ambiguous, unverifiable).

A statement is split into claims, one per sentence that says something happened: an announcement or
designation (``announce``) or a withdrawal/lifting (``remove``). A sentence without its own authority or
country inherits the statement's ("those additional sanctions"). Dates are read in the author's zone and
in the authority's zone; a date that only matches in a third zone (Seoul for North Korea) is reported but
does not make a claim true.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any

from sanctions_ledger.actions.lifecycle import Lifecycle, derive
from sanctions_ledger.actions.model import AUTHORITY_NAMES, Action, When, authority_zone
from sanctions_ledger.actions.programs import OBSERVER_ZONES, programs_of_country
from sanctions_ledger.actions.queries import announcement, local_dates
from sanctions_ledger.actions.store import all_actions
from sanctions_ledger.actions.timeinput import parse_instant_strict
from sanctions_ledger.errors import InputError, NotFoundError
from sanctions_ledger.ledger import Diff, Ledger
from sanctions_ledger.model.countries import country_name
from sanctions_ledger.model.times import iso, zone
from sanctions_ledger.statements.parties import StateClaim, find_state_claims, judge
from sanctions_ledger.statements.references import Ref, Sentence, extract
from sanctions_ledger.statements.timerefs import Resolution, resolve

DEFAULT_AUTHOR_ZONE = "America/New_York"
_SANCTION_WORD = re.compile(r"\bsanction", re.IGNORECASE)
_WINDOW = timedelta(days=7)
_RECENT = timedelta(days=30)


# -- small helpers ---------------------------------------------------------------------------------


def fmt_day(d: date, *, year: bool = True) -> str:
    return f"{d.strftime('%A')} {d.day} {d.strftime('%B')}" + (f" {d.year}" if year else "")


def fmt_when(w: When, zone_name: str | None = None) -> str:
    z = zone_name or w.zone
    dates = local_dates(w, z)
    if w.precision in ("instant", "minute"):
        local = w.at.astimezone(When(w.at, z).tzinfo())
        return f"{fmt_day(local.date())} at {local.strftime('%H:%M')} ({z})"
    if w.precision == "month":
        return f"in {w.local().strftime('%B %Y')} ({w.zone})"
    if len(dates) == 1:
        return f"{fmt_day(dates[0])} ({z})"
    return f"{fmt_day(dates[0])} or {fmt_day(dates[-1])} ({z}; the day is known only in {w.zone})"


def describe(a: Action) -> str:
    who = AUTHORITY_NAMES.get(a.authority, a.authority)
    names = [t.name for t in a.targets[:2]]
    more = len(a.targets) - len(names)
    tail = (": " + ", ".join(names) + (f" and {more} more" if more > 0 else "")) if names else ""
    kind = a.category if a.category != "other" else a.action_type.replace("-", " ")
    what = a.title if a.title and len(a.title) <= 90 else f"{kind} by {who}{tail}"
    return f"{a.id} ({what})"


def _countries_label(codes: list[str]) -> str:
    return " and ".join(country_name(c) or c for c in codes)


# -- claims and candidates -------------------------------------------------------------------------


@dataclass
class TimeRef:
    ref: Ref
    resolutions: list[Resolution]
    referent: bool = False  # describes the action referred to ("announced on 21 March"), not the claim's act

    def to_dict(self) -> dict[str, Any]:
        res = self.resolutions
        differ = len({(r.start, r.end) for r in res}) > 1
        d = self.ref.to_dict() | {"resolutions": [r.to_dict() for r in res], "zones_differ": differ}
        if differ:
            d["note"] = "; ".join(f"{r.label()} in {r.zone} ({r.role})" for r in res)
        return d


@dataclass
class Claim:
    sentence: Sentence
    kind: str  # announce | remove
    times: list[TimeRef]
    authorities: list[str]
    authority_label: str | None
    countries: list[str]
    wants_sanctions: bool
    measure: str | None = None  # "311": a FinCEN section 311 finding, not a designation
    verdict: str = "unverifiable"
    promise: dict[str, Any] | None = None
    findings: list[str] = field(default_factory=list)
    matched: list[str] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        return {
            "sentence": self.sentence.text,
            "kind": self.kind,
            "verdict": self.verdict,
            "authorities": self.authorities,
            "countries": self.countries,
            "dates": [t.ref.text for t in self.times],
            "matched_actions": self.matched,
            "findings": self.findings,
        } | ({"promise": self.promise} if self.promise else {})


@dataclass
class Candidate:
    action: Action
    life: Lifecycle
    announced: When
    score: float
    reasons: list[str]
    date_match: str | None  # exact | possible | near | observer | None
    full: bool
    authority_ok: bool
    country_ok: bool
    kind_ok: bool

    def to_dict(self) -> dict[str, Any]:
        return {
            "action_id": self.action.id,
            "announced_at": self.announced.local_text(),
            "announced_precision": self.announced.precision,
            "authority": self.action.authority,
            "countries": self.action.countries,
            "status": self.life.status_at(datetime.now(self.announced.at.tzinfo)),
            "score": round(self.score, 3),
            "reasons": self.reasons,
        }


def _date_match(
    ann: When, resolutions: list[Resolution], observer: str | None
) -> tuple[str | None, str | None]:
    best: tuple[str | None, str | None] = (None, None)
    rank = {"exact": 4, "possible": 3, "observer": 2, "near": 1}
    for r in resolutions:
        dates = local_dates(ann, r.zone)
        hit = [d for d in dates if r.start <= d <= r.end]
        if hit:
            # exact when every day the action may have fallen on lies in the period named
            m = "exact" if len(hit) == len(dates) else "possible"
        elif any(abs((d - r.start).days) <= 1 or abs((d - r.end).days) <= 1 for d in dates):
            m = "near"
        else:
            continue
        if rank[m] > rank.get(best[0] or "", 0):
            best = (m, r.zone)
    if observer and best[0] not in ("exact", "possible") and resolutions:
        r = resolutions[0]
        if any(r.start <= d <= r.end for d in local_dates(ann, observer)):
            best = ("observer", observer)
    return best


def _score(
    claim: Claim, a: Action, life: Lifecycle, ann: When, resolutions: list[Resolution], at: datetime
) -> Candidate:
    reasons: list[str] = []
    score = 0.0
    observer = next((OBSERVER_ZONES[c] for c in claim.countries if c in OBSERVER_ZONES), None)
    if resolutions:
        m, z = _date_match(ann, resolutions, observer)
        target = resolutions[0].label()
        if m == "exact":
            score += 0.4
            reasons.append(f"announced {fmt_when(ann, z)}, the date the statement names ({target})")
        elif m == "possible":
            score += 0.3
            reasons.append(f"announced {fmt_when(ann, z)}: may be the date the statement names ({target})")
        elif m == "observer":
            score += 0.2
            reasons.append(f"announced {fmt_when(ann)}, which in {z} was {target}")
        elif m == "near":
            score += 0.15
            reasons.append(f"announced {fmt_when(ann)}, one day from the date the statement names ({target})")
        else:
            reasons.append(f"announced {fmt_when(ann)}, not near the date the statement names")
    else:
        m = "recent" if at - _RECENT <= ann.at <= at else None
        if m:
            score += 0.2
            reasons.append(f"announced {fmt_when(ann)}, within 30 days before the statement")
    authority_ok = not claim.authorities or a.authority in claim.authorities
    if claim.authorities:
        if authority_ok:
            score += 0.2
            reasons.append(f"by {AUTHORITY_NAMES.get(a.authority, a.authority)}, as the statement says")
        else:
            reasons.append(f"by {AUTHORITY_NAMES.get(a.authority, a.authority)}, not {claim.authority_label}")
    else:
        score += 0.1
    if names_a_target(claim.sentence.text, a):
        score += 0.15
        reasons.append("names one of its targets")
    country_known = bool(a.countries)
    country_ok = not claim.countries or bool(set(claim.countries) & set(a.countries))
    if claim.countries and not country_known and claim.authorities and a.authority in claim.authorities:
        # the action's country is not recorded: it neither agrees nor disagrees
        country_ok = True
        score += 0.1
        reasons.append("its country is not recorded")
    elif claim.countries:
        if country_ok:
            score += 0.3
            progs = ", ".join(a.programs) or "its title or regime"
            reasons.append(f"concerns {_countries_label(claim.countries)} (programs: {progs})")
        else:
            reasons.append(
                f"concerns {_countries_label(a.countries) or 'no country'}, not "
                f"{_countries_label(claim.countries)}"
            )
    else:
        score += 0.1
    kind_ok = True
    if claim.measure == "311":
        kind_ok = _is_311(a)
        if kind_ok:
            score += 0.1
            reasons.append("a section 311 finding, as the statement describes")
        else:
            reasons.append(f"a {a.category} ({a.action_type}), not a section 311 finding")
    elif claim.wants_sanctions and claim.kind == "announce":
        kind_ok = a.category in ("designation", "amendment")
        if kind_ok:
            score += 0.1
            reasons.append(f"a {a.category} (sanctions)")
        else:
            reasons.append(
                f"an {a.category}, not a sanctions designation"
                if a.category == "advisory"
                else f"a {a.category} ({a.action_type}), not a sanctions designation"
            )
    else:
        score += 0.05
    if claim.countries and not country_ok:
        score *= 0.6
    if a.origin == "inferred":
        score *= 0.5
        reasons.append("inferred from a list change (first observed then), not an announcement")
    full = (
        (m in ("exact", "possible") if resolutions else m == "recent")
        and authority_ok
        and country_ok
        and kind_ok
    )
    return Candidate(a, life, ann, min(score, 1.0), reasons, m, full, authority_ok, country_ok, kind_ok)


_GENERIC_NAME_WORDS = frozenset(
    [
        "co",
        "ltd",
        "limited",
        "company",
        "corporation",
        "corp",
        "inc",
        "llc",
        "international",
        "trading",
        "group",
        "holding",
        "holdings",
        "the",
        "of",
        "and",
        "bank",
        "shipping",
        "freight",
        "forwarding",
        "industrial",
        "industry",
        "industries",
        "general",
        "national",
        "state",
    ]
)


def _tokens(text: str) -> list[str]:
    return re.findall(r"[a-z0-9]+", text.lower())


def names_a_target(text: str, a: Action) -> bool:
    """Whether the text names one of the action's targets: the distinctive words of a target's name (all
    of them, or at least two) appear in it."""
    words = set(_tokens(text))
    for t in a.targets:
        distinctive = [w for w in _tokens(t.name) if w not in _GENERIC_NAME_WORDS and len(w) > 2]
        if not distinctive:
            continue
        hits = sum(1 for w in distinctive if w in words)
        if hits == len(distinctive) or hits >= 2:
            return True
    return False


_311 = re.compile(r"\b(?:section\s+311|311|primary\s+money[-\s]laundering\s+concern|PATRIOT\s+Act)\b", re.I)


def _is_311(a: Action) -> bool:
    return bool(_311.search(" ".join([a.action_type, *a.legal_authorities, a.title or ""])))


def _in_window(ann: When, resolutions: list[Resolution], at: datetime) -> bool:
    if not resolutions:
        return at - _RECENT <= ann.at <= at + timedelta(days=1)
    lo = min(r.start for r in resolutions) - _WINDOW
    hi = max(r.end for r in resolutions) + _WINDOW
    d = ann.at.date()
    return lo <= d <= hi


# -- the check -------------------------------------------------------------------------------------


@dataclass
class Context:
    ledger: Ledger
    at: datetime
    author_zone: str
    actions: list[tuple[Action, Lifecycle]]
    candidates: dict[str, Candidate] = field(default_factory=dict)

    def keep(self, cands: list[Candidate]) -> None:
        for c in cands:
            cur = self.candidates.get(c.action.id)
            if cur is None or c.score > cur.score:
                self.candidates[c.action.id] = c


def _zones(claim_auths: list[str], author_zone: str) -> list[tuple[str, str]]:
    zones = [(author_zone, "author")]
    for z in sorted({authority_zone(a) for a in claim_auths} or {DEFAULT_AUTHOR_ZONE}):
        if z != author_zone:
            zones.append((z, "authority"))
    return zones


def _resolve_times(
    refs: list[Ref], sent: Sentence, claim_auths: list[str], ctx: Context, text: str
) -> list[TimeRef]:
    out = []
    for r in refs:
        if r.kind != "time" or r.sentence != sent.index:
            continue
        res = [
            x
            for x in (resolve(r.text, ctx.at, z, role) for z, role in _zones(claim_auths, ctx.author_zone))
            if x
        ]
        if not res:
            continue
        before = text[max(sent.span[0], r.span[0] - 30) : r.span[0]]
        referent = bool(
            re.search(r"\b(?:announc|impos|designat|add)\w*\s+(?:\w+\s+){0,2}$", before, re.IGNORECASE)
        )
        out.append(TimeRef(r, res, referent))
    return out


def _build_claims(text: str, sents: list[Sentence], refs: list[Ref], ctx: Context) -> list[Claim]:
    all_auth = [r for r in refs if r.kind == "authority"]
    all_countries = [r for r in refs if r.kind == "country" and r.value.get("programs")]
    claims = []
    for s in sents:
        mine = [r for r in refs if r.sentence == s.index]
        verbs = {r.value["action"] for r in mine if r.kind == "verb"}
        has_time = any(r.kind == "time" for r in mine)
        if not verbs and not has_time:
            continue
        auth = [r for r in mine if r.kind == "authority"] or all_auth
        countries = [r for r in mine if r.kind == "country" and r.value.get("programs")] or all_countries
        codes = sorted({c for r in auth for c in r.value["authorities"]})
        kind = "remove" if "remove" in verbs else "announce"
        claim = Claim(
            sentence=s,
            kind=kind,
            times=[],
            authorities=codes,
            authority_label=auth[0].value["label"] if auth else None,
            countries=sorted({r.value["code"] for r in countries}),
            wants_sanctions=bool(_SANCTION_WORD.search(text)) or "designate" in verbs,
        )
        if _311.search(s.text):
            claim.measure = "311"
            if not codes or "US-TREASURY-FINCEN" in codes:
                claim.authorities = ["US-TREASURY-FINCEN"]
                claim.authority_label = "FinCEN"
        claim.times = _resolve_times(refs, s, claim.authorities, ctx, text)
        claims.append(claim)
    return claims


def _subject(claim: Claim) -> str:
    who = claim.authority_label or "any authority"
    what = f" concerning {_countries_label(claim.countries)}" if claim.countries else ""
    if who.startswith("the "):
        who = who[4:]
    return f"{who} action{what}"


def _zone_phrase(res: list[Resolution]) -> str:
    return " / ".join(f"{r.label()} ({r.zone})" for r in res)


def _evaluate_announce(claim: Claim, ctx: Context) -> list[Candidate]:
    times = [t for t in claim.times if not t.referent] or claim.times
    res = [r for t in times for r in t.resolutions]
    if claim.sentence.future or (res and all(r.start > r.base.date() for r in res)):
        return _evaluate_promise(claim, ctx, res)
    cands = []
    for a, life in ctx.actions:
        ann = announcement(life)
        if ann is None or ann.at > ctx.at or not _in_window(ann, res, ctx.at):
            continue
        cands.append(_score(claim, a, life, ann, res, ctx.at))
    cands.sort(key=lambda c: (-c.score, c.announced.at))
    ctx.keep(cands)
    full = [c for c in cands if c.full and c.action.origin != "inferred"] or [c for c in cands if c.full]
    # a party the statement names picks the action that targets it
    named = [c for c in full if names_a_target(claim.sentence.text, c.action)]
    if named:
        full = named
    day = _zone_phrase([r for t in times for r in t.resolutions][:2]) if res else None
    if full:
        claim.matched = [c.action.id for c in full]
        subjects = {tuple(c.action.countries) for c in full}
        exact = [c for c in full if c.date_match in ("exact", "recent")]
        for c in full[:3]:
            claim.findings.append(
                f"{describe(c.action)} was announced {fmt_when(c.announced)}"
                + (f", matching {day}." if day else ".")
            )
        if len(subjects) > 1 and not claim.countries:
            claim.verdict = "ambiguous"
            claim.findings.append(
                f"The statement fits {len(full)} different actions; it does not say which "
                f"(name a country or program to tell them apart)."
            )
        elif not exact:
            claim.verdict = "ambiguous"
            claim.findings.append(
                "The matching action's time is known only to the day in another zone, so it "
                "may or may not fall on the date the statement names."
            )
        else:
            claim.verdict = "supported"
        return cands
    if not res:
        claim.verdict = "unverifiable"
        claim.findings.append(f"No {_subject(claim)} was announced in the 30 days before {iso(ctx.at)}.")
        return cands
    claim.findings.append(f"No {_subject(claim)} was announced on {day}.")
    near = [
        c
        for c in cands
        if c.authority_ok and c.country_ok and c.kind_ok and c.date_match in ("near", "observer")
    ]
    if near:
        c = near[0]
        sentence = f"The closest is {describe(c.action)}, announced {fmt_when(c.announced)}"
        observer = next((OBSERVER_ZONES[x] for x in claim.countries if x in OBSERVER_ZONES), None)
        if observer:
            od = local_dates(c.announced, observer)
            target = res[0].start
            if target in od:
                sentence += f", which in {observer} fell on {fmt_day(target, year=False)}"
            else:
                sentence += f" ({' or '.join(fmt_day(d, year=False) for d in od)} in {observer})"
        claim.findings.append(sentence + ".")
        claim.matched = [c.action.id]
    same_day_other = [
        c for c in cands if c.date_match in ("exact", "possible") and c.authority_ok and not c.full
    ]
    if same_day_other:
        listed = "; ".join(
            f"{c.action.id} ({_countries_label(c.action.countries) or c.action.category})"
            for c in same_day_other[:4]
        )
        who = claim.authority_label or "Authorities"
        claim.findings.append(f"{who[0].upper() + who[1:]} did announce other actions that day: {listed}.")
    covered = _covered(ctx, claim.authorities, res[0].start, res[0].end, claim.countries)
    claim.verdict = "contradicted" if (near or covered) else "unverifiable"
    if not covered and not near:
        claim.findings.append(
            "The ledger holds no actions of that authority within 30 days of that date and no snapshots of "
            "its lists on both sides of it, so it can neither confirm nor contradict the statement."
        )
    return cands


_PROMISE_HORIZON = timedelta(days=30)


def _evaluate_promise(claim: Claim, ctx: Context, res: list[Resolution]) -> list[Candidate]:
    """A promise ("will announce new sanctions tomorrow") cannot be true or false when it is made: the
    verdict is unverifiable. The record may still show whether it was kept: actions of the named authority
    and country announced in the promised period (the next 30 days when no period is named)."""
    claim.verdict = "unverifiable"
    future = [r for r in res if r.end >= r.base.date()]
    if future:
        lo = min(r.start for r in future)
        hi = max(r.end for r in future)
        period = _zone_phrase(future[:2])
    else:
        lo = ctx.at.date()
        hi = (ctx.at + _PROMISE_HORIZON).date()
        period = f"the 30 days after {ctx.at.date().isoformat()}"
    claim.findings.append(
        f'"{claim.sentence.text}" is a promise about the future; on {iso(ctx.at)} the record could not '
        "confirm or contradict it."
    )
    cands: list[Candidate] = []
    for a, life in ctx.actions:
        ann = announcement(life)
        if ann is None or ann.at <= ctx.at - timedelta(hours=1):
            continue
        zones = [r.zone for r in future] or [ann.zone]
        days = [d for z in zones for d in local_dates(ann, z)]
        if not any(lo - timedelta(days=1) <= d <= hi + timedelta(days=1) for d in days):
            continue
        window = [Resolution(r.zone, r.role, r.base, lo, hi, r.period) for r in future] or [
            Resolution(ann.zone, "authority", ctx.at, lo, hi, "month")
        ]
        c = _score(claim, a, life, ann, window, ctx.at)
        cands.append(c)
    cands.sort(key=lambda c: (-c.score, c.announced.at))
    ctx.keep(cands)
    kept = [c for c in cands if c.full and c.action.origin != "inferred"]
    if kept:
        claim.matched = [c.action.id for c in kept[:3]]
        for c in kept[:3]:
            claim.findings.append(f"Kept: {describe(c.action)} was announced {fmt_when(c.announced)}.")
        claim.promise = {"kept": True, "period": period, "actions": claim.matched}
        return cands
    covered = _covered(ctx, claim.authorities, lo, hi, claim.countries)
    if covered:
        claim.findings.append(
            f"Not kept as far as the record shows: no {_subject(claim)} was announced in {period}."
        )
        claim.promise = {"kept": False, "period": period, "actions": []}
    else:
        claim.findings.append(f"The record does not cover {period}, so it cannot say whether it was kept.")
        claim.promise = {"kept": None, "period": period, "actions": []}
    return cands


def _covered(
    ctx: Context, authorities: list[str], lo: date, hi: date, countries: list[str] | None = None
) -> bool:
    """Whether the record covers a period for these authorities: actions of theirs within 30 days, or
    snapshots of their lists observed on both sides of the period (so a list change would show)."""
    near = any(
        (not authorities or a.authority in authorities)
        and (ann := announcement(life)) is not None
        and lo - timedelta(days=30) <= ann.at.date() <= hi + timedelta(days=30)
        for a, life in ctx.actions
    )
    if near:
        return True
    from sanctions_ledger.statements.parties import lists_of_authorities

    if not authorities:
        return False
    for list_name in lists_of_authorities(ctx.ledger, authorities):
        snaps = sorted(ctx.ledger.snapshots(list_name), key=lambda x: x.observed_at)
        before = [x for x in snaps if x.observed_at.date() <= lo]
        after = [x for x in snaps if x.observed_at.date() > hi]
        if not before:
            continue
        last = before[-1]
        # the same content was observed again after the period: nothing was added to the list in it
        if (last.last_observed_at or last.observed_at).date() > hi:
            return True
        # the next publication after the period added nothing (of the countries the claim names)
        if after and after[0] is snaps[snaps.index(last) + 1]:
            if after[0].added_count == 0:
                return True
            if countries:
                wanted = {p.upper() for c in countries for p in programs_of_country(c)}
                d = ctx.ledger.diff(list_name, str(last.id), str(after[0].id))
                if wanted and not any(set(progs) & wanted for progs in _added_programs(ctx, d)):
                    return True
    return False


def _added_programs(ctx: Context, d: Diff) -> list[set[str]]:
    out = []
    for eid in d.added:
        try:
            e, _ = ctx.ledger.entity(eid, d.to_snapshot.observed_at)
        except NotFoundError:
            continue
        out.append({p.upper() for p in e.programs})
    return out


def _still_listed(ctx: Context, a: Action) -> str | None:
    ids = [t.entity_id for t in a.targets if t.entity_id][:5]
    listed = []
    snap_at: datetime | None = None
    for eid in ids:
        try:
            _, snap = ctx.ledger.entity(eid)
        except (NotFoundError, InputError):
            continue
        listed.append(eid)
        snap_at = snap.observed_at
    if not listed or snap_at is None:
        return None
    return (
        f"Its targets {', '.join(listed)} are still listed in the latest snapshot (observed "
        f"{snap_at.date().isoformat()})."
    )


def _evaluate_remove(claim: Claim, ctx: Context, previous: list[Claim]) -> None:
    removal_times = [t for t in claim.times if not t.referent]
    referent_times = [t for t in claim.times if t.referent]
    res = [r for t in removal_times for r in t.resolutions]
    referents: list[str] = []
    if referent_times:
        sub = Claim(
            claim.sentence,
            "announce",
            referent_times,
            claim.authorities,
            claim.authority_label,
            claim.countries,
            True,
        )
        _evaluate_announce(sub, ctx)
        referents = sub.matched
    if not referents:
        for p in previous:
            if p.kind == "announce" and p.matched:
                referents = p.matched
    if not referents:
        referents = [
            a.id
            for a, life in ctx.actions
            if a.origin != "inferred"
            and (not claim.authorities or a.authority in claim.authorities)
            and (not claim.countries or set(a.countries) & set(claim.countries))
            and (ann := announcement(life)) is not None
            and ctx.at - _RECENT <= ann.at <= ctx.at
        ]
    by_id = {a.id: (a, life) for a, life in ctx.actions}
    removals = []
    for a, life in ctx.actions:
        if a.id not in referents and (
            (claim.authorities and a.authority not in claim.authorities)
            or (claim.countries and not set(a.countries) & set(claim.countries))
        ):
            continue
        ended = life.ended
        if ended is None or ended.when.at > ctx.at:
            continue
        if res and not any(any(r.start <= d <= r.end for d in local_dates(ended.when, r.zone)) for r in res):
            continue
        removals.append((a, ended))
    when = f" on {_zone_phrase(res[:2])}" if res else f" by {iso(ctx.at)}"
    if removals:
        claim.verdict = "supported"
        for a, ended in removals[:3]:
            claim.findings.append(
                f"{describe(a)} was {ended.kind} {fmt_when(ended.when)}"
                + (f": {ended.reason or ended.note}." if (ended.reason or ended.note) else ".")
            )
            claim.matched.append(a.id)
        return
    if not referents:
        claim.verdict = "unverifiable"
        claim.findings.append(
            f"No withdrawal or revocation of any {_subject(claim)} is recorded{when}, and the "
            "statement does not identify which action it means."
        )
        return
    claim.verdict = "contradicted"
    claim.findings.append(f"No withdrawal or revocation of any {_subject(claim)} is recorded{when}.")
    for rid in referents[:2]:
        a, life = by_id[rid]
        claim.findings.append(
            f"{describe(a)} has no withdrawal or revocation recorded; as of {iso(ctx.at)} its "
            f"status is {life.status_at(ctx.at)}."
        )
        listed = _still_listed(ctx, a)
        if listed:
            claim.findings.append(listed)
    claim.matched = list(referents[:2])


def check_statement(ledger: Ledger, text: str, at_text: str, tz: str | None = None) -> dict[str, Any]:
    if not text or not text.strip():
        raise InputError(
            "the statement is empty", hint='give the text in quotes: sanctions check-statement "..."'
        )
    at = parse_instant_strict(at_text)
    author_zone = tz or DEFAULT_AUTHOR_ZONE
    zone(author_zone)
    sents, refs = extract(text)
    found_states = [(sent, find_state_claims(sent.text)) for sent in sents]
    if not refs and not _SANCTION_WORD.search(text) and not any(f for _, f in found_states):
        raise InputError(
            "found nothing to check in the statement: no date, authority, country, program or action verb",
            hint="a checkable statement says who did what and when, e.g. "
            '"Treasury announced sanctions on North Korea today"',
        )
    actions = [(a, derive(a.id, a.events)) for a in all_actions(ledger)]
    ctx = Context(ledger, at, author_zone, actions)
    claims = _build_claims(text, sents, refs, ctx)
    state_claims: list[StateClaim] = []
    all_auths = sorted({c for r in refs if r.kind == "authority" for c in r.value["authorities"]})
    for sent, found in found_states:
        if not found:
            continue
        mine = [r for r in refs if r.sentence == sent.index]
        auths = (
            sorted({c for r in mine if r.kind == "authority" for c in r.value["authorities"]}) or all_auths
        )
        for sc in found:
            judge(sc, ledger, at, auths)
            state_claims.append(sc)
        # a sentence about a party's state with no date of its own is not also a claim about an action
        if not any(r.kind == "time" for r in mine):
            claims = [c for c in claims if c.sentence.index != sent.index]
    done: list[Claim] = []
    for c in claims:
        if c.kind == "announce":
            _evaluate_announce(c, ctx)
        else:
            _evaluate_remove(c, ctx, done)
        done.append(c)
    findings: list[str] = []
    time_refs = [t for c in claims for t in c.times]
    for t in time_refs:
        res = t.resolutions
        if len({(r.start, r.end) for r in res}) > 1:
            parts = [f"{r.label()} in {r.zone} (the {r.role}'s zone)" for r in res]
            findings.append(f'"{t.ref.text}" means {" but ".join(parts)}.')
    for c in claims:
        findings.extend(c.findings)
    for sc in state_claims:
        findings.extend(sc.findings)
    verdicts = [c.verdict for c in claims] + [sc.verdict for sc in state_claims]
    if not claims and not state_claims:
        verdict = "unverifiable"
        findings.append(
            "The statement names no date and no act (announce, impose, add, withdraw, lift, remove); "
            "there is nothing the record can confirm or contradict."
        )
    elif "contradicted" in verdicts:
        verdict = "contradicted"
    elif "ambiguous" in verdicts:
        verdict = "ambiguous"
    elif "supported" in verdicts:
        verdict = "supported"
    else:
        verdict = "unverifiable"
    cands = sorted(ctx.candidates.values(), key=lambda c: (-c.score, c.announced.at))
    cands = [c for c in cands if c.score >= 0.3][:10]
    references = [r.to_dict() for r in refs if r.kind != "time"] + [t.to_dict() for t in time_refs]
    references.sort(key=lambda r: r["span"][0])
    return {
        "statement": text,
        "at": at.astimezone(zone(author_zone)).isoformat(),
        "author_zone": author_zone,
        "references": references,
        "claims": [c.to_dict() for c in claims] + [sc.to_dict() for sc in state_claims],
        "candidates": [c.to_dict() for c in cands],
        "findings": findings,
        "verdict": verdict,
    }
