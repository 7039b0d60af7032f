"""Build screening validation sets from real list data that the benchmark's dev split was not built from.

    python bench/make_validation.py --out /tmp/sanctions-validation

Writes ``queries.csv`` (qid,name,type,dob,country,category), ``queries_blind.csv``, ``expected.csv``
and ``subkinds.csv`` in the benchmark's own formats, so ``eval_screening.py`` scores them. Nothing is
committed: the sets are generated from ``../shared/data`` at run time, deterministically (every choice is
keyed by a hash of the record, no random state). The index they are screened against is the 2019-01-04
SDN set, as in the benchmark.

Categories (see docs/matching.md, "Validation"):

* ``new_alias``: names that later OFAC publications give to parties already on the 2019 list -- the SDN
  list's own later versions (sdn.csv 2022-02-17 ... 2024-07-02: changed primary names and the a.k.a.s
  in remarks) and the OFAC enhanced-XML export of the IRGC programme (2024-08-28, every alias). A name is
  kept only when its normalised form (sorted tokens, or spaces removed) is among neither that party's
  2019 names nor its 2021-06-29 names (the source of the benchmark's own new_alias category).
* ``cross_list_latin`` / ``cross_script``: the primary Latin name (and the original-script names) of a
  UK HM Treasury (2016-03-23) or UN (2018-10-29) record that is the same party as a 2019 SDN entry,
  linked by an equal passport / national-ID / IMO number (at least 6 characters) or by an equal full
  date of birth plus one shared name token, and only when exactly one SDN entry qualifies and the
  records are of the same kind (person or not).
* ``negatives_novel``: SDN parties first listed after 2021-06-29 (ent_num absent from both the 2019 and
  the 2021-06-29 sets), sharing no identifier with a 2019 entry and none of whose names is too close to a
  2019 name (the benchmark's rules R1-R4; R4's spelling tolerance is an equal consonant skeleton plus
  Jaro-Winkler >= 0.75). Sub-kinds split people from organisations.
* ``negatives_other_list``: BIS Denied Persons List (2023-11-30) parties under the same rules.
* ``negatives_people``: US Congress members (OpenSanctions export) whose names are not dev queries.

Every positive is dropped when its normalised name exactly names a different 2019 entry (ambiguous) or
is a dev query; every query is dropped when it repeats an earlier one.
"""

from __future__ import annotations

import argparse
import csv
import gzip
import hashlib
import json
import re
import sys
import xml.etree.ElementTree as ET
from collections import defaultdict
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path

from rapidfuzz import fuzz, process
from rapidfuzz.distance import JaroWinkler

from sanctions_ledger.matching.normalize import normalize_name
from sanctions_ledger.matching.phonetic import skeleton
from sanctions_ledger.model import Entity
from sanctions_ledger.parsers import parse_paths

ROOT = Path(__file__).resolve().parents[1]
SHARED = ROOT.parent / "shared"
DATA = SHARED / "data"
DEV = SHARED / "bench/screening/dev"
SDN_2019 = DATA / "ofac-sdn/2019-01-04"
SDN_2021 = DATA / "ofac-sdn/2021-06-29"
SDN_LATER = [DATA / f"ofac-sdn/{d}" for d in ("2022-02-17", "2022-12-28", "2023-12-28", "2024-07-02")]
IRGC_XML = DATA / "ofac-sdn-enhanced-irgc/2024-08-28/IRGC_program_export_2024-08-28.xml"
UK_HMT = DATA / "uk-hmt/2016-03-23"
UN_2018 = DATA / "un/2018-10-29"
BIS_DPL = DATA / "us-bis-dpl/2023-11-30"
CSL_2022 = DATA / "us-csl/2022-05/consolidated_2022-05.csv.gz"
CONGRESS = DATA / "negatives/opensanctions-us_congress/us_congress_senzing.json"
SEED = "sanctions-ledger-validation-v1:"
NEGATIVE_CAP = {"negatives_novel": 700, "negatives_other_list": 600, "negatives_people": 700}

_NON_ALNUM = re.compile(r"[^0-9A-Z]+")
_ENH = "{https://sanctionslistservice.ofac.treas.gov/api/PublicationPreview/exports/ENHANCED_XML}"


def h(*parts: str) -> int:
    return int(hashlib.sha256((SEED + "|".join(parts)).encode()).hexdigest()[:12], 16)


def norm_tokens(name: str) -> list[str]:
    return [t for t in _NON_ALNUM.split(name.upper()) if t]


def norm_keys(name: str) -> set[str]:
    """R1 forms: sorted tokens, and all spaces removed; also with legal forms and honorifics taken off
    (``Co., Ltd.`` is ``Company Limited``)."""
    toks = norm_tokens(name)
    if not toks:
        return set()
    bare = [t.upper() for t in normalize_name(name).tokens]
    out = {" ".join(sorted(toks)), "".join(toks)}
    if bare:
        out |= {" ".join(sorted(bare)), "".join(bare)}
    return out


def norm_id(value: str) -> str:
    return _NON_ALNUM.sub("", value.upper()).lstrip("0")


def is_person(e: Entity) -> bool:
    return e.schema == "person"


def load(path: Path) -> list[Entity]:
    return [e for p in parse_paths([path]) for e in p.entities]


@dataclass(frozen=True)
class Query:
    qid: str
    name: str
    type: str
    dob: str
    country: str
    category: str
    expected: str
    subkind: str


def query(name: str, e: Entity | None, category: str, expected: str, subkind: str, key: str) -> Query:
    """A query in the benchmark's style: the record's type (10 % unknown), and its date of birth and
    country each on a deterministic coin flip."""
    qid = "v" + hashlib.sha256((SEED + key + "|" + name).encode()).hexdigest()[:12]
    typ = "unknown"
    dob = country = ""
    if e is not None:
        typ = {"person": "person", "organization": "organization", "vessel": "vessel"}.get(
            e.schema, "unknown"
        )
        if h(qid, "type") % 10 == 0:
            typ = "unknown"
        if e.birth_dates and h(qid, "dob") % 2 == 0:
            d = e.birth_dates[0]
            if d.end is None and not d.circa:
                dob = d.value
        countries = sorted(c for c in e.nationalities if len(c) == 2) or sorted(
            a.country for a in e.addresses if a.country and len(a.country) == 2
        )
        if countries and h(qid, "country") % 2 == 0:
            country = countries[0]
    return Query(qid, name, typ, dob, country, category, expected, subkind)


class Reference:
    """The 2019 SDN index's names, for ambiguity checks and the "too close" rules."""

    def __init__(self, entities: list[Entity]) -> None:
        self.by_id = {e.id: e for e in entities}
        self.exact: dict[str, set[str]] = defaultdict(set)
        self.names: list[str] = []
        self.token_sets: list[frozenset[str]] = []
        self.by_token: dict[str, list[int]] = defaultdict(list)
        self.ids: dict[str, set[str]] = defaultdict(set)
        self.dobs: dict[str, set[str]] = defaultdict(set)
        for e in entities:
            for n in e.names:
                for k in norm_keys(n.name):
                    self.exact[k].add(e.id)
                i = len(self.names)
                self.names.append(" ".join(norm_tokens(n.name)))
                toks = frozenset(t for t in norm_tokens(n.name) if len(t) >= 3)
                self.token_sets.append(toks)
                for t in toks:
                    self.by_token[t].append(i)
            for ident in e.identifiers:
                v = norm_id(ident.value)
                if len(v) >= 6:
                    self.ids[v].add(e.id)
            for d in e.birth_dates:
                if d.precision == "day" and d.end is None:
                    self.dobs[d.value].add(e.id)

    def ambiguous(self, name: str, expected: str) -> bool:
        return any(self.exact.get(k, set()) - {expected} for k in norm_keys(name))

    def too_close(self, name: str) -> bool:
        if any(k in self.exact for k in norm_keys(name)):  # R1
            return True
        toks = norm_tokens(name)
        if process.extractOne(" ".join(toks), self.names, scorer=fuzz.token_sort_ratio, score_cutoff=90):
            return True  # R2
        mine = [t for t in toks if len(t) >= 3]
        if not mine:
            return False
        cands: set[int] = set()
        for t in mine:
            cands.update(self.by_token.get(t, ()))
        skel = {t: skeleton(t.lower()) for t in mine}
        for i in cands:  # R3 and R4: containment, exact or with spelling tolerance
            other = self.token_sets[i]
            if _contained(mine, other, skel) or _contained(sorted(other), set(mine), None):
                return True
        # R4 for names sharing no exact token: look up by skeleton
        return False


def _contained(shorter: Iterable[str], longer: Iterable[str], skel: dict[str, str] | None) -> bool:
    s, lg = list(shorter), set(longer)
    if len(s) < 2 or len(lg) - len(s) > 1 or len(s) > len(lg):
        return False
    for t in s:
        if t in lg:
            continue
        st = skel[t] if skel else skeleton(t.lower())
        if not any(skeleton(o.lower()) == st and JaroWinkler.similarity(t, o) >= 0.75 for o in lg):
            return False
    return True


def irgc_names() -> Iterator[tuple[str, str]]:
    """(ent_num, Latin name) of every name in the IRGC enhanced-XML export."""
    root = ET.parse(IRGC_XML).getroot()
    for ent in root.iter(_ENH + "entity"):
        eid = ent.get("id", "")
        for name in ent.iter(_ENH + "name"):
            for tr in name.iter(_ENH + "translation"):
                script = tr.findtext(_ENH + "script") or ""
                full = tr.findtext(_ENH + "formattedFullName") or ""
                low = (name.findtext(_ENH + "isLowQuality") or "").lower() == "true"
                if script == "Latin" and full.strip() and not low:
                    yield eid, full.strip()


def csl_rows() -> list[dict[str, str]]:
    with gzip.open(CSL_2022, "rt", encoding="utf-8", newline="") as f:
        return list(csv.DictReader(f))


def csl_sdn_names(rows: list[dict[str, str]]) -> Iterator[tuple[str, str]]:
    """(ent_num, name) of the SDN rows of the trade.gov list (2022-05): primary name and every alias."""
    for r in rows:
        if r["source"].startswith("Specially Designated Nationals") or r["source"] == "SDN":
            for name in [r["name"], *r["alt_names"].split("; ")]:
                if name.strip():
                    yield r["entity_number"] or r["_id"], name.strip()


def new_aliases(ref: Reference, known: dict[str, set[str]], csl: list[dict[str, str]]) -> Iterator[Query]:
    seen: set[tuple[str, str]] = set()
    sources: list[tuple[str, Iterable[tuple[str, str]]]] = []
    for path in SDN_LATER:  # changed primary names (the a.k.a.s in remarks are OFAC's weak aliases: left out)
        sources.append(
            (
                f"sdn-{path.name}",
                ((e.source_id, n.name) for e in load(path) for n in e.names if n.kind != "weak"),
            )
        )
    sources.append(("csl-2022", csl_sdn_names(csl)))
    sources.append(("irgc-enhanced-2024", irgc_names()))
    for label, rows in sources:
        for ent_num, name in rows:
            eid = f"ofac-sdn:{ent_num}"
            base = ref.by_id.get(eid)
            if base is None:
                continue
            keys = norm_keys(name)
            if not keys or keys & known[eid]:
                continue
            k = min(keys)
            if (eid, k) in seen or ref.ambiguous(name, eid):
                continue
            seen.add((eid, k))
            yield query(name, base, "new_alias", eid, f"new_alias:{label.split('-')[0]}", eid)


def cross_list(ref: Reference, path: Path, label: str) -> Iterator[Query]:
    for e in load(path):
        cands: dict[str, str] = {}
        for ident in e.identifiers:
            v = norm_id(ident.value)
            if len(v) >= 6:
                for oid in ref.ids.get(v, ()):
                    cands[oid] = "identifier"
        mine = {t for n in e.names if n.script == "Latn" for t in norm_tokens(n.name) if len(t) >= 3}
        for d in e.birth_dates:
            if d.precision == "day" and d.end is None:
                for oid in ref.dobs.get(d.value, ()):
                    theirs = {t for n in ref.by_id[oid].names for t in norm_tokens(n.name)}
                    if mine & theirs:
                        cands.setdefault(oid, "dob")
        cands = {o: b for o, b in cands.items() if is_person(ref.by_id[o]) == is_person(e)}
        if len(cands) != 1:
            continue
        ((oid, basis),) = cands.items()
        years = {d.years()[0] for d in e.birth_dates}
        oyears = {d.years()[0] for d in ref.by_id[oid].birth_dates}
        if years and oyears and not any(abs(a - b) <= 1 for a in years for b in oyears):
            continue
        for n in e.names:
            if n.kind == "primary" and n.script == "Latn":
                cat = "cross_list_latin"
            elif n.kind == "original_script" or n.script != "Latn":
                cat = "cross_script"
            else:
                continue
            if ref.ambiguous(n.name, oid):
                continue
            yield query(n.name, ref.by_id[oid], cat, oid, f"{cat}:{label}:{basis}", e.id)


def novel_negatives(ref: Reference, old_ids: set[str]) -> Iterator[Query]:
    ents = [e for e in load(SDN_LATER[-1]) if e.id not in old_ids and e.schema != "aircraft"]
    ents.sort(key=lambda e: h(e.id))
    for e in ents:
        if any(len(norm_id(i.value)) >= 6 and norm_id(i.value) in ref.ids for i in e.identifiers):
            continue
        if any(ref.too_close(n.name) for n in e.names if n.script == "Latn"):
            continue
        primary = next((n.name for n in e.names if n.kind == "primary"), e.names[0].name)
        kind = "person" if is_person(e) else "organisation"
        yield query(primary, e, "negatives_novel", "", f"negatives_novel:{kind}", e.id)


def other_list_negatives(ref: Reference, csl: list[dict[str, str]]) -> Iterator[Query]:
    """BIS Denied Persons and (trade.gov list, 2022-05) Entity List parties, alternately."""
    dpl = sorted(load(BIS_DPL), key=lambda e: h(e.id))
    el = sorted((r for r in csl if r["source"].startswith("Entity List")), key=lambda r: h(r["_id"]))

    def from_dpl() -> Iterator[Query]:
        for e in dpl:
            if not any(ref.too_close(n.name) for n in e.names):
                yield query(
                    e.names[0].name, e, "negatives_other_list", "", "negatives_other_list:bis-dpl", e.id
                )

    def from_el() -> Iterator[Query]:
        for r in el:
            names = [r["name"], *(a for a in r["alt_names"].split("; ") if a.strip())]
            if not any(ref.too_close(n) for n in names):
                q = query(
                    r["name"], None, "negatives_other_list", "", "negatives_other_list:entity-list", r["_id"]
                )
                yield Query(
                    q.qid,
                    q.name,
                    "organization" if h(q.qid, "type") % 10 else "unknown",
                    "",
                    "",
                    q.category,
                    "",
                    q.subkind,
                )

    a, b = from_dpl(), from_el()
    while True:
        got = False
        for it in (a, b):
            q = next(it, None)
            if q is not None:
                got = True
                yield q
        if not got:
            return


def congress_negatives(ref: Reference, dev_names: set[str]) -> Iterator[Query]:
    rows = [json.loads(line) for line in CONGRESS.read_text(encoding="utf-8").splitlines() if line.strip()]
    rows.sort(key=lambda r: h(r["RECORD_ID"]))
    for r in rows:
        name = next((n["NAME_FULL"] for n in r.get("NAMES", []) if n.get("NAME_FULL")), "")
        if not name or norm_keys(name) & dev_names or ref.too_close(name):
            continue
        dob = next((d["DATE_OF_BIRTH"] for d in r.get("DATES", []) if d.get("DATE_OF_BIRTH")), "")
        q = query(name, None, "negatives_people", "", "negatives_people:us-congress", r["RECORD_ID"])
        yield Query(
            q.qid,
            name,
            "person",
            dob if h(q.qid, "dob") % 2 == 0 else "",
            "US" if h(q.qid, "country") % 2 == 0 else "",
            q.category,
            "",
            q.subkind,
        )


def build() -> list[Query]:
    sdn19 = load(SDN_2019)
    ref = Reference(sdn19)
    sdn21 = load(SDN_2021)
    known: dict[str, set[str]] = defaultdict(set)
    for e in sdn19 + sdn21:
        for n in e.names:
            known[e.id].update(norm_keys(n.name))
    with (DEV / "queries.csv").open(encoding="utf-8", newline="") as f:
        dev_names = {k for r in csv.DictReader(f) for k in norm_keys(r["name"])}
    out: list[Query] = []
    seen: set[str] = set()

    def add(qs: Iterable[Query], cap: int | None = None) -> None:
        n = 0
        for q in qs:
            if cap is not None and n >= cap:
                return
            keys = norm_keys(q.name)
            if q.qid in seen or (q.expected and keys & dev_names):
                continue
            seen.add(q.qid)
            out.append(q)
            n += 1

    csl = csl_rows()
    add(new_aliases(ref, known, csl))
    add(cross_list(ref, UK_HMT, "uk-hmt-2016"))
    add(cross_list(ref, UN_2018, "un-2018"))
    old_ids = {e.id for e in sdn19} | {e.id for e in sdn21}
    add(novel_negatives(ref, old_ids), NEGATIVE_CAP["negatives_novel"])
    add(other_list_negatives(ref, csl), NEGATIVE_CAP["negatives_other_list"])
    add(congress_negatives(ref, dev_names), NEGATIVE_CAP["negatives_people"])
    out.sort(key=lambda q: q.qid)
    return out


def write(out_dir: Path, queries: list[Query]) -> None:
    out_dir.mkdir(parents=True, exist_ok=True)

    def w(name: str, header: list[str], rows: Iterable[list[str]]) -> None:
        with (out_dir / name).open("w", encoding="utf-8", newline="") as f:
            cw = csv.writer(f, lineterminator="\n")
            cw.writerow(header)
            cw.writerows(rows)

    w(
        "queries.csv",
        ["qid", "name", "type", "dob", "country", "category"],
        ([q.qid, q.name, q.type, q.dob, q.country, q.category] for q in queries),
    )
    w(
        "queries_blind.csv",
        ["qid", "name", "type", "dob", "country"],
        ([q.qid, q.name, q.type, q.dob, q.country] for q in queries),
    )
    w("expected.csv", ["qid", "expected_entity_id"], ([q.qid, q.expected] for q in queries))
    w("subkinds.csv", ["qid", "subkind"], ([q.qid, q.subkind] for q in queries))


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--out", type=Path, default=Path("/tmp/sanctions-validation"))
    a = ap.parse_args(argv)
    queries = build()
    write(a.out, queries)
    counts: dict[str, int] = defaultdict(int)
    for q in queries:
        counts[q.subkind] += 1
    for k in sorted(counts):
        print(f"{k:50} {counts[k]:5}")
    print(f"{len(queries)} queries written to {a.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
