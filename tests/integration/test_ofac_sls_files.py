"""The OFAC Sanctions List Service parsers on the real files in ../shared/data: counts checked against a
small counter written here with plain ElementTree (never the parser under test), and cross-format identity
against the legacy ``sdnList`` XML of the same list and day."""

from __future__ import annotations

import io
import json
import os
import re
import xml.etree.ElementTree as ET
import zipfile
from collections import Counter
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from sanctions_ledger.ledger import Ledger
from sanctions_ledger.parsers import ofac_advanced, ofac_enhanced, ofac_xml

pytestmark = pytest.mark.integration

_REPO = Path(__file__).resolve().parents[2]
DATA = Path(os.environ.get("SANCTIONS_SHARED_DATA", _REPO.parent / "shared" / "data"))
if not DATA.is_dir():
    pytest.skip(f"shared data not found at {DATA}", allow_module_level=True)

ADVANCED = DATA / "ofac-cons-advanced" / "2020-03-17" / "cons_advanced.xml"
LEGACY_2020 = DATA / "ofac-cons-xml" / "2020-03-17" / "consolidated_2020-03-17.xml"
LEGACY_2024 = DATA / "ofac-cons-xml" / "2024-05-06" / "consolidated_2024-05-06.xml"
ENHANCED = [
    (DATA / "ofac-cons-enhanced" / "2025-01-10" / "CONS_ENHANCED.ZIP", "ofac-cons"),
    (DATA / "ofac-sdn-enhanced-irgc" / "2024-08-28" / "IRGC_program_export_2024-08-28.xml", "ofac-sdn"),
]

# Feature types that are identifiers (the rest are properties, dates, places or countries): this list is the
# test's own statement of which OFAC feature types name a document or code.
ID_FEATURES = {
    "SWIFT/BIC",
    "BIK (RU)",
    "ISIN",
    "Equity Ticker",
    "MMSI",
    "Digital Currency Address - XBT",
    "Aircraft Manufacturer\u2019s Serial Number (MSN)",
    "Aircraft Construction Number (also called L/N or S/N or F/N)",
    "Aircraft Mode S Transponder Code",
}


@dataclass
class Tally:
    entities: int = 0
    names: int = 0
    identifiers: int = 0
    addresses: int = 0


def _local(tag: str) -> str:
    return tag.rpartition("}")[2]


def _kids(el: ET.Element, name: str) -> list[ET.Element]:
    return [c for c in el if _local(c.tag) == name]


def _kid(el: ET.Element, name: str) -> ET.Element | None:
    found = _kids(el, name)
    return found[0] if found else None


def _has_text(el: ET.Element) -> bool:
    return bool((el.text or "").strip())


def count_advanced(path: Path) -> Tally:
    """One pass with ElementTree over the whole tree (the file is small enough for a test)."""
    root = ET.parse(path).getroot()
    refs = _kid(root, "ReferenceValueSets")
    assert refs is not None
    feature_types = {
        ft.get("ID"): (ft.text or "").strip()
        for values in refs
        for ft in values
        if _local(ft.tag) == "FeatureType"
    }
    locations = {loc.get("ID"): loc for loc in root.iter() if _local(loc.tag) == "Location"}
    docs = Counter(d.get("IdentityID") for d in root.iter() if _local(d.tag) == "IDRegDocument")
    t = Tally()
    for party in root.iter():
        if _local(party.tag) != "DistinctParty":
            continue
        t.entities += 1
        seen_ids: set[tuple[str, str]] = set()
        for el in party.iter():
            tag = _local(el.tag)
            if tag == "DocumentedName":
                t.names += any(_has_text(v) for v in el.iter() if _local(v.tag) == "NamePartValue")
            elif tag == "Identity":
                t.identifiers += docs[el.get("ID")]
            elif tag == "Feature":
                ftype = feature_types[el.get("FeatureTypeID")]
                for version in _kids(el, "FeatureVersion"):
                    if ftype in ID_FEATURES:
                        for detail in _kids(version, "VersionDetail"):
                            key = (ftype, (detail.text or "").strip())
                            t.identifiers += key not in seen_ids
                            seen_ids.add(key)
                    if ftype == "Location":
                        for vl in _kids(version, "VersionLocation"):
                            loc = locations[vl.get("LocationID")]
                            t.addresses += any(
                                _local(x.tag) in ("LocationCountry", "Value")
                                and (x.get("CountryID") or _has_text(x))
                                for x in loc.iter()
                            )
    return t


def _xml_bytes(path: Path) -> bytes:
    if path.suffix.lower() == ".zip":
        with zipfile.ZipFile(path) as zf:
            return zf.read(zf.namelist()[0])
    return path.read_bytes()


def count_enhanced(path: Path) -> Tally:
    t = Tally()
    for _, el in ET.iterparse(io.BytesIO(_xml_bytes(path))):
        if _local(el.tag) != "entity":
            continue
        t.entities += 1
        names = _kid(el, "names")
        for name in _kids(names, "name") if names is not None else []:
            t.names += sum(len(_kids(trs, "translation")) for trs in _kids(name, "translations"))
        docs = _kid(el, "identityDocuments")
        t.identifiers += len(_kids(docs, "identityDocument")) if docs is not None else 0
        feats = _kid(el, "features")
        seen: set[tuple[str, str]] = set()
        for f in _kids(feats, "feature") if feats is not None else []:
            ftype = (_kid(f, "type").text or "").strip()  # type: ignore[union-attr]
            value = (_kid(f, "value").text or "").strip() if _kid(f, "value") is not None else ""  # type: ignore[union-attr]
            if ftype in ID_FEATURES and (ftype, value) not in seen:
                seen.add((ftype, value))
                t.identifiers += 1
        addrs = _kid(el, "addresses")
        for a in _kids(addrs, "address") if addrs is not None else []:
            t.addresses += any(_local(x.tag) in ("country", "value") and _has_text(x) for x in a.iter())
        el.clear()
    return t


def _tally(parsed: Any) -> Tally:
    es = parsed.entities
    return Tally(
        len(es),
        sum(len(e.names) for e in es),
        sum(len(e.identifiers) for e in es),
        sum(len(e.addresses) for e in es),
    )


def test_advanced_counts() -> None:
    parsed = ofac_advanced.parse(ADVANCED, list_name="ofac-cons")
    expected = count_advanced(ADVANCED)
    assert expected.entities == 375
    assert _tally(parsed) == expected
    assert parsed.counts["sanctions_entries"] == 759


@pytest.mark.parametrize(("path", "list_name"), ENHANCED, ids=[p.name for p, _ in ENHANCED])
def test_enhanced_counts(path: Path, list_name: str) -> None:
    parsed = ofac_enhanced.parse(path, list_name=list_name)
    expected = count_enhanced(path)
    assert expected.entities == {"ofac-cons": 443, "ofac-sdn": 293}[list_name]
    assert _tally(parsed) == expected
    assert all(e.listed_on for e in parsed.entities)  # every entity carries its listing date
    assert all(e.id.startswith(list_name + ":") for e in parsed.entities)


# --------------------------------------------------------------------------------------------- identity


def _field_diffs(a: dict[str, Any], b: dict[str, Any]) -> list[str]:
    out = []
    for key in a:
        if key == "properties":
            for pk in sorted(set(a[key]) | set(b[key])):
                if a[key].get(pk) != b[key].get(pk):
                    out.append(f"properties.{pk}")
        elif a[key] != b[key]:
            out.append(key)
    return out


def _unordered(values: list[Any]) -> list[str]:
    """Values as sorted JSON, identifier notes without the issuing authority only the Advanced XML has."""
    out = []
    for v in values:
        if isinstance(v, dict):
            note = re.split(r";? ?issuing authority ", v.get("note") or "")[0]
            v = {k: x for k, x in {**v, "note": note}.items() if x}
        out.append(json.dumps(v, sort_keys=True))
    return sorted(out)


def test_advanced_and_legacy_xml_of_the_same_day(ledger: Ledger) -> None:
    """cons_advanced.xml and the legacy consolidated.xml of 2020-03-17: the same 375 parties; loading the
    Advanced XML after the legacy one adds and removes nothing. The fields that differ, and why, are
    checked one by one (docs/formats.md, "Cross-format identity")."""
    legacy = {e.id: e.content_dict() for e in ofac_xml.parse(LEGACY_2020, list_name="ofac-cons").entities}
    advanced = {e.id: e.content_dict() for e in ofac_advanced.parse(ADVANCED, list_name="ofac-cons").entities}
    assert set(legacy) == set(advanced)

    first = ledger.load_paths([LEGACY_2020], "2020-03-17")[0].snapshot
    second = ledger.load_paths([ADVANCED], "2020-03-17T12:00")[0].snapshot
    assert (first.entity_count, second.entity_count) == (375, 375)
    assert (second.added_count, second.removed_count) == (0, 0)

    diffs: Counter[str] = Counter()
    for eid, adv in advanced.items():
        leg = legacy[eid]
        for f in _field_diffs(adv, leg):
            diffs[f] += 1
            a, b = (adv, leg) if "." not in f else (adv["properties"], leg["properties"])
            key = f.rpartition(".")[2]
            va, vb = a.get(key), b.get(key)
            if f in ("listed_on", "properties.listed_on_by_list", "properties.sanctions_lists"):
                assert vb is None and va  # only the Advanced XML has listing dates and lists
            elif f in ("properties.legal_bases", "properties.sanctions_types", "properties.relationships"):
                assert vb is None and va  # only the Advanced XML has these
            elif f == "remarks":
                # the legacy XML appends "(Linked To: NAME)" rendered from the relationships
                assert vb.startswith(va or "") and "Linked To: " in vb
            elif f in ("names", "properties.linked_to"):
                # the legacy XML writes last names (and so "Linked To" names) in upper case
                assert [n["name"].upper() if isinstance(n, dict) else n.upper() for n in va] == [
                    n["name"].upper() if isinstance(n, dict) else n.upper() for n in vb
                ]
            elif f == "properties.sanctions_notes":
                # the last note of the remarks keeps its full stop when the legacy remarks go on; and
                # the features behind the notes come in another order
                assert sorted(s.rstrip(".") for s in va) == sorted(s.rstrip(".") for s in vb)
            elif f in ("identifiers", "properties.websites"):
                # order of documents / features, and the Advanced XML's issuing authority in the note
                assert _unordered(va) == _unordered(vb)
            elif f == "addresses":
                # the legacy XML writes a region as the country ("Region: Gaza"); we make it the state
                assert [x.get("city") for x in va] == [x.get("city") for x in vb]
                assert [x.get("state") for x in va] == [
                    x["country_name"].removeprefix("Region: ") for x in vb
                ]
            else:
                raise AssertionError(f"{eid}: unexpected difference in {f}: {va!r} != {vb!r}")
    # the same programs, schemas, dates of birth, nationalities on every party
    for f in ("programs", "schema", "birth_dates", "nationalities"):
        assert diffs[f] == 0
    assert diffs["listed_on"] == 375
    # how many parties differ in each field (the reasons are asserted above)
    assert {f: n for f, n in diffs.items() if n != 375} == {
        "remarks": 276,
        "properties.relationships": 276,
        "properties.linked_to": 92,
        "properties.sanctions_notes": 70,
        "identifiers": 66,
        "names": 54,
        "properties.websites": 2,
        "addresses": 1,
    }


def test_enhanced_against_legacy_of_another_day() -> None:
    """CONS_ENHANCED of 2025-01-10 against the legacy consolidated.xml of 2024-05-06 (eight months apart):
    nearly the same parties, and for parties on both, the same caption, schema and dates of birth."""
    enhanced = {e.id: e for e in ofac_enhanced.parse(ENHANCED[0][0], list_name="ofac-cons").entities}
    legacy = {e.id: e for e in ofac_xml.parse(LEGACY_2024, list_name="ofac-cons").entities}
    common = set(enhanced) & set(legacy)
    assert len(common) >= 0.95 * len(legacy)
    same: Counter[str] = Counter()
    for eid in common:
        a, b = enhanced[eid], legacy[eid]
        same["caption"] += a.caption.casefold() == b.caption.casefold()
        same["schema"] += a.schema == b.schema
        same["birth_dates"] += set(a.birth_dates) == set(b.birth_dates)
        same["programs"] += set(a.programs) == set(b.programs)
        same["identifiers"] += {(i.type, i.value) for i in a.identifiers} == {
            (i.type, i.value) for i in b.identifiers
        }
    n = len(common)
    assert same["schema"] == n and same["birth_dates"] == n
    assert same["caption"] >= 0.99 * n
    assert same["programs"] >= 0.95 * n and same["identifiers"] >= 0.95 * n


@pytest.mark.parametrize(
    ("folder", "list_name", "fmt", "count"),
    [
        (ADVANCED.parent, "ofac-cons", "ofac-advanced-xml", 375),
        (ENHANCED[0][0].parent, "ofac-cons", "ofac-enhanced-xml", 443),
        (ENHANCED[1][0].parent, "ofac-sdn", "ofac-enhanced-xml", 293),
    ],
    ids=["advanced", "cons-enhanced-zip", "irgc-enhanced"],
)
def test_folders_load_through_the_ledger(
    ledger: Ledger, folder: Path, list_name: str, fmt: str, count: int
) -> None:
    """Each folder as `sanctions load` reads it: detected from content, every party stored and dated."""
    (result,) = ledger.load_paths([folder], folder.name)
    snap = result.snapshot
    assert (snap.list, snap.format) == (list_name, fmt)
    assert result.records_in == result.entities_stored == snap.entity_count == count
    assert snap.published_at is not None
    listed = [e.listed_on for e in ledger.entities_at([list_name])]
    assert len(listed) == count and all(listed)
