"""Fidelity of the UN, UK HMT and BIS DPL parsers on every real file in the shared data.

Expected numbers are counted here straight from the raw files (ElementTree walks, the csv module), not by
calling the parsers' helpers, so a parser that drops or invents records, names, addresses or identifiers
fails.
"""

from __future__ import annotations

import csv
import functools
import itertools
import os
import re
import time
import xml.etree.ElementTree as ET
from collections import defaultdict
from collections.abc import Callable
from datetime import datetime
from pathlib import Path

import pytest

from sanctions_ledger.parsers import ParsedList, bis_dpl, uk_hmt, un_xml

pytestmark = pytest.mark.integration

REPO = Path(__file__).resolve().parents[2]
SHARED = Path(os.environ.get("SANCTIONS_SHARED_DATA") or REPO.parent / "shared" / "data")


def _files(pattern: str) -> list[Path]:
    return sorted(SHARED.glob(pattern)) if SHARED.is_dir() else []


UN_FILES = _files("un/*/consolidated.xml")
UK_FILES = _files("uk-hmt/*/ConList.csv")
BIS_FILES = _files("us-bis-dpl/*/dpl.txt")
TIMINGS: dict[str, float] = {}


def _ids(files: list[Path]) -> list[str]:
    return [f.parent.name for f in files]


def _need(files: list[Path]) -> None:
    if not files:
        pytest.skip(f"shared data not found under {SHARED} (set SANCTIONS_SHARED_DATA)")


@functools.cache
def _parsed(path: Path) -> ParsedList:
    parsers: dict[str, Callable[[Path], ParsedList]] = {
        "consolidated.xml": un_xml.parse,
        "ConList.csv": uk_hmt.parse,
        "dpl.txt": bis_dpl.parse,
    }
    t0 = time.perf_counter()
    result = parsers[path.name](path)
    TIMINGS[f"{path.parent.parent.name}/{path.parent.name}"] = time.perf_counter() - t0
    result.check_unique()
    return result


def _text(el: ET.Element | None) -> str:
    return " ".join((el.text or "").split()) if el is not None else ""


def _split_alias(text: str) -> list[str]:
    # semicolons separate names, except after an unclosed "(" that a later ")" closes
    cuts = [-1]
    for i, ch in enumerate(text):
        before = text[:i]
        if ch == ";" and not (before.count("(") > before.count(")") and ")" in text[i:]):
            cuts.append(i)
    cuts.append(len(text))
    return [p for p in (text[a + 1 : b].strip() for a, b in itertools.pairwise(cuts)) if p]


# --- UN -----------------------------------------------------------------------------------------------


def _un_raw(path: Path) -> dict[str, object]:
    root = ET.parse(path).getroot()
    records = [r for r in root.iter() if r.tag in ("INDIVIDUAL", "ENTITY")]
    names = addresses = identifiers = 0
    listed: dict[str, str] = {}
    for r in records:
        names += 1
        for alias in r:
            if alias.tag.endswith("_ALIAS"):
                names += len(_split_alias(_text(alias.find("ALIAS_NAME"))))
            elif alias.tag == "NAME_ORIGINAL_SCRIPT" and _text(alias):
                names += 1
            elif alias.tag.endswith("_ADDRESS") and any(_text(c) for c in alias):
                addresses += 1
            elif alias.tag == "INDIVIDUAL_DOCUMENT" and _text(alias.find("NUMBER")):
                identifiers += 1
        listed[_text(r.find("REFERENCE_NUMBER"))] = _text(r.find("LISTED_ON"))[:10]
    return {
        "records": len(records),
        "names": names,
        "addresses": addresses,
        "identifiers": identifiers,
        "listed": listed,
        "generated": root.attrib["dateGenerated"],
    }


@pytest.mark.parametrize("path", UN_FILES, ids=_ids(UN_FILES))
def test_un_fidelity(path: Path) -> None:
    raw = _un_raw(path)
    pl = _parsed(path)
    assert len(pl.entities) == raw["records"]
    for key in ("records", "names", "addresses", "identifiers"):
        assert pl.counts[key] == raw[key], key
    assert sum(len(e.names) for e in pl.entities) == raw["names"]
    assert sum(len(e.addresses) for e in pl.entities) == raw["addresses"]
    assert sum(len(e.identifiers) for e in pl.entities) == raw["identifiers"]
    assert {e.source_id: e.listed_on for e in pl.entities} == raw["listed"]
    assert pl.published_at == datetime.fromisoformat(str(raw["generated"]).replace("Z", "+00:00"))
    assert all(e.programs and e.names[0].kind == "primary" for e in pl.entities)
    assert pl.warnings == []


@pytest.mark.parametrize("path", UN_FILES, ids=_ids(UN_FILES))
def test_un_provenance_lines_point_at_the_record(path: Path) -> None:
    lines = path.read_text(encoding="utf-8").splitlines()
    for e in _parsed(path).entities:
        assert e.provenance is not None and e.provenance.line is not None
        tag = e.provenance.element.split("[")[0] if e.provenance.element else ""
        assert f"<{tag}" in lines[e.provenance.line - 1], e.id


def test_un_republication_without_change_gives_identical_entities() -> None:
    a, b = SHARED / "un/2020-11-23/consolidated.xml", SHARED / "un/2020-11-24/consolidated.xml"
    if not (a.exists() and b.exists()):
        pytest.skip("the two 2020-11 UN files are not available")
    pa, pb = _parsed(a), _parsed(b)
    assert pa.published_at != pb.published_at
    assert [e.id for e in pa.entities] == [e.id for e in pb.entities]
    assert [e.content_hash() for e in pa.entities] == [e.content_hash() for e in pb.entities]


def test_un_known_record() -> None:
    path = SHARED / "un/2018-06-07/consolidated.xml"
    if not path.exists():
        pytest.skip("UN 2018-06-07 not available")
    e = next(x for x in _parsed(path).entities if x.source_id == "KPi.033")
    assert e.names[0].name == "RI WON HO"
    assert e.programs == ["DPRK"]
    assert e.listed_on == "2016-11-30"
    assert [(i.type, i.value) for i in e.identifiers] == [("passport", "381310014")]


# --- UK -----------------------------------------------------------------------------------------------


def _uk_raw(path: Path) -> dict[str, int]:
    with path.open(encoding="cp1252", newline="") as f:
        rows = list(csv.reader(f))
    header = rows[1]
    data = [dict(zip(header, r, strict=True)) for r in rows[2:] if r]
    groups: set[str] = set()
    names: set[tuple[str, str]] = set()
    addresses: set[tuple[str, ...]] = set()
    idents: set[tuple[str, str, str]] = set()
    for r in data:
        gid = r["Group ID"]
        groups.add(gid)
        parts = [" ".join(r[f"Name {i}"].split()) for i in (1, 2, 3, 4, 5, 6)]
        names.add((gid, " ".join(p for p in parts if p)))
        addr = tuple(
            " ".join(r[c].split())
            for c in (*(f"Address {i}" for i in range(1, 7)), "Post/Zip Code", "Country")
        )
        if any(addr):
            addresses.add((gid, *addr))
        for c in ("Passport Details", "NI Number"):
            for piece in re.split(r"\(\d+\)", r[c]):
                piece = " ".join(piece.split()).strip(" -,;")
                if re.search(r"\d", piece):
                    idents.add((gid, c, piece))
    return {
        "records": len(groups),
        "rows": len(data),
        "names": len(names),
        "addresses": len(addresses),
        "identifiers": len(idents),
    }


@pytest.mark.parametrize("path", UK_FILES, ids=_ids(UK_FILES))
def test_uk_fidelity(path: Path) -> None:
    _need(UK_FILES)
    raw = _uk_raw(path)
    pl = _parsed(path)
    assert len(pl.entities) == raw["records"]
    assert pl.counts == raw
    assert sum(len(e.names) for e in pl.entities) == raw["names"]
    assert all(sum(n.kind == "primary" for n in e.names) <= 1 for e in pl.entities)
    assert pl.published_at is not None and pl.published_at.tzinfo is not None


def test_uk_2016_known_facts() -> None:
    path = SHARED / "uk-hmt/2016-03-23/ConList.csv"
    if not path.exists():
        pytest.skip("UK 2016-03-23 not available")
    pl = _parsed(path)
    schemas: dict[str, int] = defaultdict(int)
    for e in pl.entities:
        schemas[e.schema] += 1
    assert dict(schemas) == {"person": 1269, "organization": 655}
    dprk = [e for e in pl.entities if any("North Korea" in p for p in e.programs)]
    assert len(dprk) == 89
    assert pl.published_at is not None and pl.published_at.date().isoformat() == "2016-03-23"
    assert not any(n.name != n.name.strip() for e in pl.entities for n in e.names)
    assert any("’" in n.name for e in pl.entities for n in e.names)  # cp1252 0x92 decoded


# --- BIS ----------------------------------------------------------------------------------------------


def _bis_rows(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8", newline="") as f:
        return list(csv.DictReader(f, delimiter="\t"))


@pytest.mark.parametrize("path", BIS_FILES, ids=_ids(BIS_FILES))
def test_bis_fidelity(path: Path) -> None:
    rows = _bis_rows(path)
    pl = _parsed(path)
    assert pl.counts["records"] == pl.counts["rows"] == len(rows)
    assert pl.counts["entities"] == len(pl.entities)
    # every row's name and address is in some entity of that name
    by_name: dict[str, list[tuple[str | None, ...]]] = defaultdict(list)
    for e in pl.entities:
        for a in e.addresses:
            by_name[e.names[0].name].append((a.street, a.city, a.state, a.country_name, a.postal_code))
    for r in rows:
        name = " ".join(r["Name"].split())
        addr = tuple(
            " ".join(r[c].split()) or None
            for c in ("Street_Address", "City", "State", "Country", "Postal_Code")
        )
        assert addr in by_name[name], (name, addr)
    distinct_rows = {tuple(" ".join(v.split()).upper() for v in r.values()) for r in rows}
    assert len(pl.entities) <= len(distinct_rows)
    assert {" ".join(r["Name"].split()) for r in rows} == {n.name for e in pl.entities for n in e.names}
    assert len(pl.warnings) >= 1  # every real file has an impossible Last_Update year


def test_bis_ids_are_stable_across_versions() -> None:
    _need(BIS_FILES)
    versions = [_parsed(p) for p in BIS_FILES]
    for old, new in itertools.pairwise(versions):
        new_by_name: dict[str, set[str]] = defaultdict(set)
        for e in new.entities:
            new_by_name[e.names[0].name].add(e.source_id)
        kept = [e for e in old.entities if e.names[0].name in new_by_name]
        moved = [e for e in kept if e.source_id not in new_by_name[e.names[0].name]]
        assert len(moved) <= 1, [e.names[0].name for e in moved]


def test_parse_times_recorded() -> None:
    for p in (*UN_FILES, *UK_FILES, *BIS_FILES):
        _parsed(p)
    _need(list(UN_FILES) + list(UK_FILES) + list(BIS_FILES))
    # speed is measured by the benchmarks, not asserted here: a busy machine is slower, never wrong
    print("\nparse times: " + ", ".join(f"{k} {v:.2f}s" for k, v in sorted(TIMINGS.items())))
