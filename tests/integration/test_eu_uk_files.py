"""The EU FSF, FCDO UK Sanctions List and OFSI ConList (2022 xlsx) files of shared/data load, and for each
file the parser's entities, names, identifiers and addresses equal a count made here by a small counter
of its own (ElementTree for the XML, zipfile + ElementTree on the sheet XML for the workbook), which
shares no code with the parsers."""

from __future__ import annotations

import re
import zipfile
from collections import defaultdict
from pathlib import Path
from xml.etree import ElementTree as ET

import pytest

from sanctions_ledger.parsers import detect, parse_set

pytestmark = pytest.mark.integration

EU_NS = "{http://eu.europa.ec/fpi/fsd/export}"
EU_PREFIX = "eu-fsf/2022-03-18-prefix/eu_fsf_v1.1_2022-03-18_first1044entities.xml"
EU_EXCERPTS = (
    "eu-fsf/2026-08-05-excerpt/eu_fsf_v1.1_excerpt_2026-08-05.xml",
    "eu-fsf/2026-08-05-excerpt/eu_fsf_v1.1_excerpt_2026-08-05_entity521.xml",
)
FCDO = "uk-fcdo/2026-08-14-excerpt/UK-Sanctions-List_excerpt_2026-08-14.xml"
OFSI = "uk-ofsi-conlist/2025-04-10/ConList_2022format_2025-04-10.xlsx"


def _ws(text: str | None) -> str:
    return " ".join((text or "").split())


def _count_eu(path: Path) -> dict[str, int]:
    names: dict[str, set[str]] = defaultdict(set)
    ids: dict[str, set[tuple[str, str, str]]] = defaultdict(set)
    addrs: dict[str, set[tuple[str, ...]]] = defaultdict(set)
    elements = 0
    for el in ET.parse(path).getroot().iter(f"{EU_NS}sanctionEntity"):
        elements += 1
        lid = el.get("logicalId", "")
        names.setdefault(lid, set())  # every logicalId is an entity, named or not
        for na in el.iter(f"{EU_NS}nameAlias"):
            whole = _ws(na.get("wholeName")) or _ws(
                " ".join(na.get(k, "") for k in ("firstName", "middleName", "lastName"))
            )
            if whole:
                names[lid].add(whole)
        for i in el.iter(f"{EU_NS}identification"):
            number = _ws(i.get("number")) or _ws(i.get("latinNumber"))
            country = i.get("countryIso2Code", "").upper()
            if number:
                ids[lid].add(
                    (i.get("identificationTypeCode", ""), number, "" if country == "00" else country)
                )
        for a in el.iter(f"{EU_NS}address"):
            key = tuple(
                _ws(a.get(k))
                for k in ("street", "poBox", "city", "region", "zipCode", "place", "asAtListingTime")
            )
            country = a.get("countryIso2Code", "").upper()
            desc = _ws(a.get("countryDescription"))
            has_place = any(key[:6]) or country not in ("", "00") or desc not in ("", "UNKNOWN")
            if has_place:
                addrs[lid].add((*key, country, desc))
    return {
        "elements": elements,
        "entities": len(names),
        "names": sum(len(v) for v in names.values()),
        "identifiers": sum(len(v) for v in ids.values()),
        "addresses": sum(len(v) for v in addrs.values()),
    }


def _count_fcdo(path: Path) -> dict[str, int]:
    out = {"entities": 0, "names": 0, "identifiers": 0, "addresses": 0}
    for d in ET.parse(path).getroot().iter("Designation"):
        out["entities"] += 1
        names = set()
        for n in d.iter("Name"):
            parts = [_ws(n.findtext(f"Name{i}")) for i in range(1, 7)]
            full = " ".join(p for p in parts if p)
            if full:
                names.add(full)
        names |= {_ws(n.text) for n in d.iter("NameNonLatinScript") if _ws(n.text)}
        ids = set()
        for tag in ("PassportNumber", "NationalIdentifierNumber", "BusinessRegistrationNumber"):
            ids |= {(tag, _ws(e.text)) for e in d.iter(tag) if _ws(e.text)}
        ids |= {("IMO", re.sub(r"^IMO", "", _ws(e.text))) for e in d.iter("IMONumber") if _ws(e.text)}
        addrs = {tuple(_ws(c.text) for c in a) for a in d.iter("Address")}
        out["names"] += len(names)
        out["identifiers"] += len(ids)
        out["addresses"] += len({a for a in addrs if any(a)})
    return out


def _sheet_rows(path: Path) -> list[list[str]]:
    """Cells of the first sheet as text, straight from the workbook's XML parts."""
    ns = "{http://schemas.openxmlformats.org/spreadsheetml/2006/main}"
    with zipfile.ZipFile(path) as zf:
        shared = [
            "".join(t.text or "" for t in si.iter(f"{ns}t"))
            for si in ET.fromstring(zf.read("xl/sharedStrings.xml")).iter(f"{ns}si")
        ]
        sheet = ET.fromstring(zf.read("xl/worksheets/sheet1.xml"))
    rows = []
    for row in sheet.iter(f"{ns}row"):
        cells: dict[int, str] = {}
        for c in row.iter(f"{ns}c"):
            ref = re.match(r"[A-Z]+", c.get("r", ""))
            assert ref
            col = 0
            for ch in ref.group(0):
                col = col * 26 + ord(ch) - 64
            v = c.findtext(f"{ns}v")
            if c.get("t") == "s" and v is not None:
                cells[col - 1] = shared[int(v)]
            elif c.get("t") == "inlineStr":
                cells[col - 1] = "".join(t.text or "" for t in c.iter(f"{ns}t"))
            else:
                cells[col - 1] = v or ""
        width = max(cells) + 1 if cells else 0
        rows.append([cells.get(i, "") for i in range(width)])
    return rows


def _enum_numbers(text: str) -> set[str]:
    pieces = re.split(r"\(\d{1,2}\)", _ws(text))
    return {p.strip(" ,;.") for p in pieces if p.strip(" ,;.-")}


def _count_ofsi(path: Path) -> dict[str, int]:
    rows = _sheet_rows(path)
    header = rows[1]
    col = {h: i for i, h in enumerate(header)}
    names: dict[str, set[str]] = defaultdict(set)
    ids: dict[str, set[tuple[str, str]]] = defaultdict(set)
    addrs: dict[str, set[tuple[str, ...]]] = defaultdict(set)
    n_rows = 0
    for r in rows[2:]:
        r = r + [""] * (len(header) - len(r))
        if not any(r):
            continue
        n_rows += 1
        gid = r[col["Group ID"]].strip()
        full = " ".join(p for p in (_ws(r[col[f"Name {i}"]]) for i in (1, 2, 3, 4, 5, 6)) if p)
        if full:
            names[gid].add(full)
        if nl := _ws(r[col["Name Non-Latin Script"]]):
            names[gid].add(nl)
        for kind, column in (("p", "Passport Number"), ("n", "National Identification Number")):
            ids[gid] |= {(kind, v) for v in _enum_numbers(r[col[column]])}
        lines = ("Address 1", "Address 2", "Address 3", "Address 4", "Address 5", "Address 6")
        addr = (*(_ws(r[col[c]]) for c in lines), _ws(r[col["Post/Zip Code"]]), _ws(r[col["Country"]]))
        if any(addr):
            addrs[gid].add(addr)
    return {
        "rows": n_rows,
        "entities": len(names),
        "names": sum(len(v) for v in names.values()),
        "identifiers": sum(len(v) for v in ids.values()),
        "addresses": sum(len(v) for v in addrs.values()),
    }


def _parsed_counts(path: Path) -> tuple[dict[str, int], str, str]:
    [ls] = detect([path])
    parsed = parse_set(ls)
    ents = parsed.entities
    counts = {
        "entities": len(ents),
        "names": sum(len(e.names) for e in ents),
        "identifiers": sum(len(e.identifiers) for e in ents),
        "addresses": sum(len(e.addresses) for e in ents),
    }
    for key in counts:
        if key in parsed.counts:
            assert parsed.counts[key] == counts[key], key
    return {**parsed.counts, **counts}, parsed.list, parsed.format


def _assert_same_counts(got: dict[str, int], mine: dict[str, int]) -> None:
    """The parser's counts of entities, names, identifiers and addresses are the independent ones."""
    for key in ("entities", "names", "identifiers", "addresses"):
        assert got[key] == mine[key], key


def test_eu_prefix_counts(shared_data: Path) -> None:
    path = shared_data / EU_PREFIX
    mine = _count_eu(path)
    assert (mine["elements"], mine["entities"]) == (1044, 1024)  # the MANIFEST's own figures
    got, lst, fmt = _parsed_counts(path)
    assert (lst, fmt) == ("eu-fsf", "eu-fsf-xml")
    assert got["records"] == mine["elements"]
    _assert_same_counts(got, mine)


@pytest.mark.parametrize("rel", EU_EXCERPTS)
def test_eu_2026_excerpts_load(shared_data: Path, rel: str) -> None:
    path = shared_data / rel
    mine = _count_eu(path)
    got, _, _ = _parsed_counts(path)
    _assert_same_counts(got, mine)


def test_eu_regimes_merge_into_one_entity(shared_data: Path) -> None:
    [ls] = detect([shared_data / EU_PREFIX])
    by_id = {e.source_id: e for e in parse_set(ls).entities}
    taliban = by_id["516"]  # AFG and TAQA elements of one logicalId
    assert taliban.programs == ["AFG", "TAQA"]
    assert taliban.listed_on == "2001-01-31"
    assert sum(1 for n in taliban.names if n.kind == "primary") == 1
    ranged = [d for e in by_id.values() for d in e.birth_dates if d.end]
    assert ranged and all(d.circa or d.end for d in ranged)


def test_fcdo_excerpt_counts(shared_data: Path) -> None:
    path = shared_data / FCDO
    mine = _count_fcdo(path)
    got, lst, fmt = _parsed_counts(path)
    assert (lst, fmt) == ("uk-fcdo", "uk-fcdo-xml")
    _assert_same_counts(got, mine)


def test_ofsi_xlsx_counts(shared_data: Path) -> None:
    path = shared_data / OFSI
    mine = _count_ofsi(path)
    assert (mine["rows"], mine["entities"]) == (18796, 4686)  # the MANIFEST's own figures
    got, lst, fmt = _parsed_counts(path)
    assert (lst, fmt) == ("uk-hmt", "uk-ofsi-xlsx")
    assert got["rows"] == mine["rows"]
    _assert_same_counts(got, mine)


def test_ofsi_2022_csv_gives_the_same_entities_as_the_xlsx(shared_data: Path, tmp_path: Path) -> None:
    """The 2022 layout as CSV (written here from the workbook's cells, as OFSI published it beside the
    xlsx) is detected as such and gives entity for entity the same content as the workbook."""
    import csv

    src = shared_data / OFSI
    csv_path = tmp_path / "ConList.csv"
    rows = _sheet_rows(src)
    with csv_path.open("w", encoding="utf-8", newline="") as f:
        csv.writer(f).writerows(rows)
    [xlsx_set] = detect([src])
    [csv_set] = detect([csv_path])
    assert (csv_set.format, csv_set.list) == ("uk-ofsi-csv", "uk-hmt")
    from_xlsx = parse_set(xlsx_set)
    from_csv = parse_set(csv_set)
    assert from_csv.published_at == from_xlsx.published_at
    assert [e.id for e in from_csv.entities] == [e.id for e in from_xlsx.entities]
    assert [e.content_hash() for e in from_csv.entities] == [e.content_hash() for e in from_xlsx.entities]


def test_fcdo_and_ofsi_name_each_other(shared_data: Path) -> None:
    """The FCDO records that carry an OFSI Group ID are, in the 2025 OFSI workbook, the groups whose
    Other Information names that FCDO UniqueID."""
    [fcdo_set] = detect([shared_data / FCDO])
    [ofsi_set] = detect([shared_data / OFSI])
    ofsi = {e.source_id: e for e in parse_set(ofsi_set).entities}
    pairs = [
        (e.source_id, gid)
        for e in parse_set(fcdo_set).entities
        for gid in e.properties.get("ofsi_group_id", [])
    ]
    assert len(pairs) == 3
    for uid, gid in pairs:
        assert ofsi[gid].properties["uk_sanctions_list_ref"] == [uid]
