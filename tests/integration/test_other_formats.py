"""Fidelity of the US CSL, Australia DFAT, Canada SEMA and Japan MOF parsers on the real files.

Expected numbers are counted here straight from the raw files with other readers (the csv module, gzip,
ElementTree, openpyxl for the xlsx, xlrd for the xls), not with the parsers' helpers, so a parser that drops
or invents entities, names, addresses or identifiers fails.
"""

from __future__ import annotations

import csv
import functools
import gzip
import os
import re
import xml.etree.ElementTree as ET
from collections import defaultdict
from pathlib import Path

import pytest

from sanctions_ledger.parsers import ParsedList, parse_paths

pytestmark = pytest.mark.integration

REPO = Path(__file__).resolve().parents[2]
SHARED = Path(os.environ.get("SANCTIONS_SHARED_DATA") or REPO.parent / "shared" / "data")
CSL = SHARED / "us-csl" / "2022-05" / "consolidated_2022-05.csv.gz"
AU = SHARED / "au-dfat" / "2024-11-11" / "regulation8_consolidated.xlsx"
CA = SHARED / "ca-sema" / "2022-05" / "sema-lmes_2022-05.xml"
JP = SHARED / "jp-mof" / "2022-07-05" / "shisantouketsu_2022-07-05.xls"


def _need(path: Path) -> None:
    if not path.exists():
        pytest.skip(f"shared data not found: {path}")


@functools.cache
def _parsed(path: Path) -> ParsedList:
    (result,) = parse_paths([path])
    result.check_unique()
    return result


def _totals(p: ParsedList) -> dict[str, int]:
    return {
        "entities": len(p.entities),
        "names": sum(len(e.names) for e in p.entities),
        "addresses": sum(len(e.addresses) for e in p.entities),
        "identifiers": sum(len(e.identifiers) for e in p.entities),
    }


def _ws(text: str) -> str:
    return " ".join(text.split())


# --- US CSL -------------------------------------------------------------------------------------------

# ``ids`` items that are facts about the party, not identifiers (their label is the last piece)
CSL_NOT_IDS = re.compile(
    r"^(Gender|Additional Sanctions Information -|Secondary sanctions risk:|Transactions Prohibited For .*"
    r"|Executive Order .*|CAATSA .*|IFCA .*|PEESA .*|Organization Established Date|Organization Type:"
    r"|Target Type|Aircraft Model|Aircraft Manufacture Date|Aircraft Operator|Former Vessel Flag"
    r"|Other Vessel Type|Other Vessel Flag|Nationality of Registration|Registration Country|Issuer Name"
    r"|Listing Date .*|Effective Date .*|Purchase/Sales For Divestment Date .*|Website|Email Address"
    r"|Phone Number|UN/LOCODE|MICEX Code|Public Security and Immigration No\.|Romanian Permanent Resident)$"
)


def test_csl_counts_match_an_independent_count() -> None:
    _need(CSL)
    names: dict[str, set[str]] = defaultdict(set)
    addresses: dict[str, set[str]] = defaultdict(set)
    ids: dict[str, set[str]] = defaultdict(set)
    rows = 0
    with gzip.open(CSL, "rt", encoding="utf-8", newline="") as f:
        for row in csv.DictReader(f):
            rows += 1
            key = row["_id"]
            names[key].add(_ws(row["name"]))
            names[key].update(_ws(a) for a in row["alt_names"].split(";") if a.strip())
            addresses[key].update(_ws(a) for a in row["addresses"].split(";") if a.strip())
            for item in row["ids"].split(";"):
                label = item.strip().rsplit(", ", 1)[-1]
                if item.strip() and ", " in item and not CSL_NOT_IDS.match(label):
                    ids[key].add(_ws(item))
    p = _parsed(CSL)
    assert rows == 14160 and p.counts["rows"] == rows
    assert _totals(p) == {
        "entities": len(names),
        "names": sum(map(len, names.values())),
        "addresses": sum(map(len, addresses.values())),
        "identifiers": sum(map(len, ids.values())),
    }
    assert len(names) == 14048
    # the same OFAC party on SDN, SSI and CAPTA: one entity, every list kept
    vtb = next(e for e in p.entities if e.source_id == "18725")
    assert {"SDN", "SSI", "CAP"} <= set(vtb.programs) and vtb.properties["rows"] == ["3"]
    # BIS/State rows carry start_date -> listed_on
    assert sum(1 for e in p.entities if e.listed_on) >= 2400


def test_csl_excerpt_2025_reads_the_new_id_order() -> None:
    path = SHARED / "us-csl" / "2025-06-excerpt" / "consolidated_excerpt_2025-06.csv"
    _need(path)
    p = _parsed(path)
    assert len(p.entities) == 13
    passports = [i for e in p.entities for i in e.identifiers if i.type == "passport"]
    assert any(i.value == "836238033" and i.country == "KP" for i in passports)


def test_csl_partial_file_is_rejected_naming_the_cut_row() -> None:
    path = SHARED / "us-csl" / "2023-11-30-partial" / "csl.csv"
    _need(path)
    from sanctions_ledger.errors import ParseError

    with pytest.raises(ParseError, match=r"csl\.csv, line \d+: row has 8 fields"):
        parse_paths([path])


# --- Australia DFAT -----------------------------------------------------------------------------------


def test_dfat_counts_match_an_independent_count() -> None:
    _need(AU)
    openpyxl = pytest.importorskip("openpyxl")
    wb = openpyxl.load_workbook(AU, read_only=True)
    it = wb.worksheets[0].iter_rows(values_only=True)
    header = [str(h).strip() if h is not None else "" for h in next(it)]
    col = {h: i for i, h in enumerate(header) if h}
    names: dict[str, set[str]] = defaultdict(set)
    addresses: dict[str, set[str]] = defaultdict(set)
    for row in it:
        ref = str(row[col["Reference"]] or "").strip()
        if not ref:
            continue
        key = re.match(r"\d+", ref).group(0)  # type: ignore[union-attr]
        names[key].add(_ws(str(row[col["Name of Individual or Entity"]])))
        for piece in re.split(r"(?:^|\s)[a-h]\)\s*", str(row[col["Address"]] or "")):
            piece = _ws(piece).strip(" ;,")
            if piece and piece.upper() not in ("NA", "N/A"):
                addresses[key].add(piece)
    p = _parsed(AU)
    totals = _totals(p)
    assert totals["entities"] == len(names) == 3062
    assert totals["names"] == sum(map(len, names.values()))
    assert totals["addresses"] == sum(map(len, addresses.values()))
    # identifiers come from free text: each value must occur verbatim in its entity's text, and nearly every
    # entity whose text names a passport with a number must have one
    with_number = 0
    found = 0
    for e in p.entities:
        text = " ".join([e.remarks or "", *e.properties.get("other_information", [])])
        assert all(i.value in text for i in e.identifiers), e.source_id
        if re.search(r"passport[^;]{0,40}?\d{5,}", text, re.I):
            with_number += 1
            found += any(i.type == "passport" for i in e.identifiers)
    assert with_number > 100 and found >= 0.95 * with_number
    akhund = next(e for e in p.entities if e.source_id == "2")
    assert akhund.listed_on == "2001-01-25"
    assert [n.kind for n in akhund.names] == ["primary", "original_script"]
    assert akhund.names[1].script == "Arab"
    assert str(akhund.birth_dates[0]) == "circa 1955 to 1958"
    assert akhund.properties["control_date"] == ["2014-12-15"]


# --- Canada SEMA --------------------------------------------------------------------------------------


def test_sema_counts_match_an_independent_count() -> None:
    _need(CA)
    root = ET.parse(CA).getroot()
    records = root.findall("record")
    names = 0
    for r in records:
        own = {
            _ws(f"{r.findtext('GivenName') or ''} {r.findtext('LastName') or ''}"),
            _ws(r.findtext("Entity") or ""),
        }
        own.update(_ws(a) for a in (r.findtext("Aliases") or "").split(","))
        names += len(own - {""})
    p = _parsed(CA)
    assert _totals(p) == {
        "entities": len(records),
        "names": names,
        "addresses": 0,
        "identifiers": len(root.findall("record/ShipIMONumber")),
    }
    assert len(records) == 2606
    # the two Belarus banks without Schedule/Item are both kept, keyed by name
    ids = {e.source_id for e in p.entities}
    assert {"Belarus:-:name=Belarusbank", "Belarus:-:name=Belagroprombank"} <= ids


# --- Japan MOF ----------------------------------------------------------------------------------------


MOF_ALIASES = (
    "別名",
    "別称",
    "別名・別称",
    "別称・別名",
    "確定可能な別名",
    "別称・旧称",
    "旧称",
    "以前の別名",
    "過去の別名",
    "確定に十分でない別名",
)
MOF_ADDRESSES = ("住所", "所在地", "住所・所在地", "活動地域・住所", "所在地・住所登録された事務所の住所")


def _mof_values(cell: object) -> set[str]:
    out = set()
    for piece in re.split(r"\([a-z]\)|（[a-z]）|\n", str(cell)):
        piece = re.sub(r"^\(?a\.k\.a\.?:?", "", " ".join(piece.replace("\u3000", " ").split())).strip(" ,;、")
        while piece[-1:] in (")", "）") and piece.count(piece[-1]) > piece.count(
            "(" if piece[-1] == ")" else "（"
        ):
            piece = piece[:-1].strip(" ,;、")
        while piece[:1] in ("(", "（") and piece.count(piece[0]) > piece.count(
            ")" if piece[0] == "(" else "）"
        ):
            piece = piece[1:].strip(" ,;、")
        if any(c.isalnum() for c in piece) and piece not in ("不明", "-", "－"):
            out.add(piece)
    return out


def test_mof_counts_match_an_independent_count() -> None:
    _need(JP)
    xlrd = pytest.importorskip("xlrd")
    book = xlrd.open_workbook(str(JP))
    entities = names = addresses = passports = 0
    for sheet in book.sheets():
        if not re.match(r"^\d+\.", sheet.name.strip()):
            continue
        header: list[str] | None = None
        for r in range(sheet.nrows):
            cells = ["".join(str(v).split()) for v in sheet.row_values(r)]
            if header is None:
                header = cells if "告示番号" in cells else None
                continue
            row = dict(zip(header, sheet.row_values(r), strict=False))
            # an English cell may carry "(original script: ...)": that is a second name
            en, *rest = re.split(r"[(（]\s*original script", _ws(str(row.get("英語表記", ""))), flags=re.I)
            original = rest[0].lstrip(" :：").rstrip(" )）") if rest else ""
            own = {en.strip(), _ws(str(row.get("日本語表記", ""))), original} - {""}
            if not own:
                continue
            entities += 1
            for c in MOF_ALIASES:
                own |= _mof_values(row.get(c, ""))
            names += len(own)
            addresses += len(set().union(*(_mof_values(row.get(c, "")) for c in MOF_ADDRESSES)))
            passports += len(_mof_values(row.get("旅券番号", "")))
    p = _parsed(JP)
    totals = _totals(p)
    assert (totals["entities"], totals["names"], totals["addresses"]) == (entities, names, addresses)
    assert sum(1 for e in p.entities for i in e.identifiers if i.type == "passport") == passports
    putin = next(e for e in p.entities if e.source_id == "29-1")
    assert putin.names[0].name == "Vladimir Putin" and putin.names[1].script == "Kana"
    assert [str(d) for d in putin.birth_dates] == ["1952-10-07"]
    assert putin.listed_on == "2022-03-01"
    sahiron = next(e for e in p.entities if e.source_id == "2-478")
    assert "Commander Putol" in [n.name for n in sahiron.names]


# --- Switzerland SECO (excerpt: structure, not counts) ------------------------------------------------


def test_seco_excerpt_loads() -> None:
    path = SHARED / "ch-seco" / "2026-08-15-excerpt" / "swiss-sanctions-list_excerpt_2026-08-15.xml"
    _need(path)
    root = ET.parse(path).getroot()
    targets = root.findall("target")
    # a target is in force unless its newest modification de-lists it
    active = [t for t in targets if t.find("modification").get("modification-type") != "de-listed"]  # type: ignore[union-attr]
    p = _parsed(path)
    assert p.counts["records"] == len(targets) == 4
    assert [e.source_id for e in p.entities] == [t.get("ssid") for t in active]
    # names: every <name> directly under an identity (not the history copies inside <modification>),
    # plus one per spelling variant (lang, script) that every part of that name has; duplicates once
    expected = 0
    for t in active:
        seen: set[str] = set()
        for name in t.findall("./*/identity/name"):
            parts = name.findall("name-part")
            seen.add(" ".join(sorted(p.findtext("value") or "" for p in parts)))
            keys = {(v.get("lang"), v.get("script")) for p in parts for v in p.findall("spelling-variant")}
            for key in keys:
                texts = [
                    next(
                        (
                            v.text or ""
                            for v in p.findall("spelling-variant")
                            if (v.get("lang"), v.get("script")) == key
                        ),
                        None,
                    )
                    for p in parts
                ]
                if None not in texts:
                    seen.add(" ".join(sorted(t or "" for t in texts)))
        expected += len(seen)
    assert p.counts["names"] == expected
    assert (
        p.counts["identifiers"]
        == len([d for t in active for d in t.findall("./*/identity/identification-document")]) + 1
    )  # + IMO in other-information
    vorontsova = next(e for e in p.entities if e.source_id == "52941")
    assert {n.kind for n in vorontsova.names} == {"primary", "original_script", "former", "alias"}
    assert vorontsova.listed_on == "2022-04-13"


# --- end to end through the CLI: load, show, screen (with as-of), history, diff -----------------------


def test_cli_load_screen_show_on_the_real_files(tmp_path: Path) -> None:
    for path in (CSL, AU, CA, JP):
        _need(path)
    from click.testing import CliRunner

    from sanctions_ledger.cli.main import cli, register_all

    register_all()
    db = f"sqlite:///{tmp_path / 'l.db'}"

    def run(*args: str) -> object:
        res = CliRunner().invoke(cli, ["--db", db, *args, "--json"], catch_exceptions=False)
        assert res.exit_code == 0, res.output
        import json

        return json.loads(res.stdout)

    for path, day in ((CSL, "2022-05-16"), (AU, "2024-11-11"), (CA, "2022-05-11"), (JP, "2022-07-05")):
        out = run("load", str(path), "--observed-at", day)
        (load,) = out["loads"]  # type: ignore[index]
        assert load["status"] == "created" and load["records_in"] == load["entities_stored"]
    hits = run("screen", "Vladimir Putin", "--list", "jp-mof")
    assert hits["matches"][0]["entity_id"] == "jp-mof:29-1"  # type: ignore[index]
    hits = run("screen", "Mohammad Hassan Akhund", "--list", "au-dfat")
    assert hits["matches"][0]["entity_id"] == "au-dfat:2"  # type: ignore[index]
    hits = run("screen", "Belarusbank", "--list", "ca-sema")
    assert hits["matches"][0]["entity_id"] == "ca-sema:Belarus:-:name=Belarusbank"  # type: ignore[index]
    hits = run("screen", "Banco VTB Africa", "--list", "us-csl", "--as-of", "2022-06-01")
    assert hits["matches"][0]["entity_id"] == "us-csl:18725"  # type: ignore[index]
    shown = run("show", "au-dfat:2")
    assert shown["listed_on"] == "2001-01-25" and shown["names"][1]["script"] == "Arab"  # type: ignore[index]
    history = run("history", "ca-sema:Russia:1, Part 2:17")
    assert len(history["versions"]) == 1  # type: ignore[index]
