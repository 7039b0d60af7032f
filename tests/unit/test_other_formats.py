"""US CSL, Australia DFAT, Canada SEMA and Japan MOF parsers on small fixtures: mapping, detection from
content, and bad input (a clear error naming file and row/line, and a ledger left as it was).

The spreadsheet fixtures are built here with openpyxl (tiny, so their content is visible in the test)."""

from __future__ import annotations

import gzip
import shutil
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest

from sanctions_ledger.errors import ParseError
from sanctions_ledger.ledger import Ledger
from sanctions_ledger.parsers import detect, parse_paths
from sanctions_ledger.screening import Screener, ScreeningQuery
from sanctions_ledger.screening.service import IndexProvider
from tests.unit.unchanged import ledger_unchanged

openpyxl = pytest.importorskip("openpyxl")

FIX = Path(__file__).resolve().parents[1] / "fixtures"
CSL = FIX / "csl" / "csl_small.csv"
SEMA = FIX / "ca" / "sema_small.xml"
JP_XLS = Path(__file__).resolve().parents[2].parent / "shared" / "data" / "jp-mof" / "2022-07-05"

AU_HEADER = [
    "Reference",
    "Name of Individual or Entity",
    "Type",
    "Name Type",
    "Date of Birth",
    "Place of Birth",
    "Citizenship",
    "Address",
    "Additional Information",
    "Listing Information",
    "Committees",
    "Control Date",
]
AU_ROWS: list[list[Any]] = [
    [
        2,
        "MOHAMMAD HASSAN AKHUND",
        "Individual",
        "Primary Name",
        "a) Approximately 1955- 1958 b) Approximately 1945-1950",
        "Pashmul village, Kandahar Province, Afghanistan",
        "Afghanistan",
        "NA",
        "Title: Mullah. Passport no.: Afghan SE-011697, issued on 25 Jan. 1988.",
        "Listed by UN 1267 Committee on 25 January 2001 (amended on 20 December 2005)",
        "1988 (Taliban)",
        41988,
    ],
    [
        "2a",
        "محمد حسن أخوند",
        "Individual",
        "Original Script ",
        None,
        None,
        "Afghanistan",
        "NA",
        None,
        None,
        "1988 (Taliban)",
        41988,
    ],
    [
        3,
        "ROSOBORONEXPORT",
        "Entity ",
        "primary Name",
        None,
        None,
        None,
        "a) 27 Stromynka Street, Moscow, Russia b) Tverskaya 1, Moscow, Russia",
        None,
        "Autonomous Sanctions Instrument 2022",
        "Autonomous (Russia)",
        datetime(2022, 3, 17),
    ],
    [
        "3a",
        "RUSSIAN DEFENCE EXPORT",
        "Entity",
        "aka",
        None,
        None,
        None,
        "NA",
        None,
        None,
        "Autonomous (Russia)",
        "17/03/2022",
    ],
    [None, None, None, None, None, None, None, None, None, None, None, None],
]


def _xlsx(path: Path, sheets: dict[str, list[list[Any]]]) -> Path:
    wb = openpyxl.Workbook()
    wb.remove(wb.active)
    for title, rows in sheets.items():
        ws = wb.create_sheet(title)
        for row in rows:
            ws.append(row)
    wb.save(path)
    return path


def _au(tmp: Path, rows: list[list[Any]] | None = None, header: list[str] | None = None) -> Path:
    return _xlsx(tmp / "regulation8_consolidated.xlsx", {"Sheet1": [header or AU_HEADER, *(rows or AU_ROWS)]})


JP_HEADER = [
    "告示日付",
    "告示\n番号",
    "日 本 語 表 記",
    "英 語 表 記",
    "肩　書　等",
    "生年月日",
    "旅券番号",
    "国籍",
]
JP_ROWS: list[list[Any]] = [
    [
        "2022.3.1",
        1,
        "ウラジーミル・プーチン",
        "Vladimir Putin",
        "ロシア連邦大統領\nPresident",
        19274,
        "不明",
        "ロシア連邦",
    ],
    [
        "2022.3.1\n2022.5.10改訂",
        2,
        "セルゲイ・ラヴロフ",
        "Sergey Lavrov",
        None,
        "(a)1950年3月21日\n(b)1950年頃",
        "(a)K123 (b)K456",
    ],
    ["2022.4.8削除", 3, None, None, None, None, None],
]


def _jp(tmp: Path, rows: list[list[Any]] | None = None, header: list[str] | None = None) -> Path:
    title = [["資産凍結等の措置の対象となるロシア連邦の団体及び個人（個人）"]]
    return _xlsx(
        tmp / "shisantouketsu.xlsx",
        {
            "一覧": [["index"], [29, "ロシア連邦(個人)"]],
            "29.ロシア連邦(個人)": [*title, header or JP_HEADER, *(rows or JP_ROWS)],
        },
    )


# --- mapping ------------------------------------------------------------------------------------------


def test_csl_rows_sharing_an_id_are_one_entity_with_every_list() -> None:
    (p,) = parse_paths([CSL])
    assert p.format == "us-csl" and p.counts["rows"] == 5 and len(p.entities) == 4
    vtb = next(e for e in p.entities if e.source_id == "18725")
    assert vtb.programs[:2] == ["SDN", "UKRAINE-EO13662"] and "SSI" in vtb.programs
    assert [(i.type, i.value) for i in vtb.identifiers] == [("swift_bic", "VTBLAOLU")]
    assert vtb.properties["rows"] == ["2"]
    abbas = next(e for e in p.entities if e.source_id == "24904")
    assert abbas.schema == "person" and abbas.names[0].last_name == "'ABBAS"
    assert [str(d) for d in abbas.birth_dates] == ["1978-08-22", "circa 1975", "1955 to 1958"]
    (passport,) = abbas.identifiers
    assert (passport.value, passport.country, passport.note) == (
        "K475336",
        "JO",
        "expires 2014-08-30; issued 2009-08-31",
    )
    assert abbas.properties["gender"] == ["Male"] and abbas.nationalities == ["SY"]
    dpl = next(e for e in p.entities if e.source_id.startswith("deb7"))
    assert dpl.schema == "unknown" and dpl.listed_on == "2003-06-19" and dpl.programs == ["DPL"]
    assert dpl.addresses[0].country == "US"
    ship = next(e for e in p.entities if e.source_id == "9876")
    assert ship.schema == "vessel" and {i.type for i in ship.identifiers} == {"imo", "mmsi"}
    assert ship.properties["call_sign"] == ["HMYX"]


def test_csl_gzip_is_detected_from_content_and_reads_the_same(tmp_path: Path) -> None:
    gz = tmp_path / "download.bin"
    gz.write_bytes(gzip.compress(CSL.read_bytes()))
    (ls,) = detect([gz])
    assert (ls.format, ls.list) == ("us-csl", "us-csl")
    (a,) = parse_paths([CSL])
    (b,) = parse_paths([gz])
    assert [e.content_hash() for e in a.entities] == [e.content_hash() for e in b.entities]


def test_dfat_groups_references_and_reads_excel_dates(tmp_path: Path) -> None:
    (p,) = parse_paths([_au(tmp_path)])
    assert p.format == "au-dfat-xlsx" and p.counts["rows"] == 4 and len(p.entities) == 2
    akhund, rosob = p.entities
    assert [n.kind for n in akhund.names] == ["primary", "original_script"]
    assert [str(d) for d in akhund.birth_dates] == ["circa 1955 to 1958", "circa 1945 to 1950"]
    assert akhund.listed_on == "2001-01-25" and akhund.nationalities == ["AF"]
    assert akhund.properties["control_date"] == ["2014-12-15"]  # Excel serial 41988
    assert [(i.type, i.value, i.country) for i in akhund.identifiers] == [("passport", "SE-011697", "AF")]
    assert rosob.schema == "organization" and len(rosob.addresses) == 2 and rosob.addresses[0].country == "RU"
    assert rosob.listed_on is None and rosob.properties["control_date"] == ["2022-03-17"]


def test_sema_composite_key_and_both_layouts() -> None:
    (p,) = parse_paths([SEMA])
    assert p.format == "ca-sema-xml"
    ids = [e.source_id for e in p.entities]
    assert ids == [
        "Belarus:1:2",
        "Russia:1, Part 2:17",
        "Belarus:-:name=Belarusbank",
        "Russia:1, Part 1:3",
        "Russia:1, Part 3:4",
    ]
    balaba = p.entities[0]
    assert balaba.names[0].name == "Dmitry Vladimirovich Balaba" and balaba.names[0].last_name == "Balaba"
    assert [n.script for n in balaba.names] == ["Latn", "Latn", "Cyrl"]
    assert balaba.programs == ["Belarus / Bélarus"] and str(balaba.birth_dates[0]) == "1972"
    assert [str(d) for d in p.entities[3].birth_dates] == ["1955-05-21", "1955-05-22"]
    ship = p.entities[4]
    assert (
        ship.schema == "vessel" and ship.identifiers[0].value == "9160994" and ship.listed_on == "2023-02-24"
    )


def test_mof_sheet_rows_and_dates(tmp_path: Path) -> None:
    (p,) = parse_paths([_jp(tmp_path)])
    assert p.format == "jp-mof-xls" and p.counts["deleted_rows"] == 1
    putin, lavrov = p.entities
    assert putin.source_id == "29-1" and putin.programs == ["29.ロシア連邦(個人)"]
    assert [str(d) for d in putin.birth_dates] == ["1952-10-07"] and putin.identifiers == []
    assert putin.nationalities == ["RU"] and putin.properties["nationality_text"] == ["ロシア連邦"]
    assert lavrov.listed_on == "2022-03-01" and lavrov.properties["amended_on"] == ["2022-05-10 改訂"]
    assert [str(d) for d in lavrov.birth_dates] == ["1950-03-21", "circa 1950"]
    assert [i.value for i in lavrov.identifiers] == ["K123", "K456"]


# --- bad input ----------------------------------------------------------------------------------------

CSL_TEXT = CSL.read_text(encoding="utf-8")
SEMA_TEXT = SEMA.read_text(encoding="utf-8")


def _write(tmp: Path, name: str, data: str | bytes) -> Path:
    p = tmp / name
    p.write_bytes(data.encode("utf-8") if isinstance(data, str) else data)
    return p


BAD_TEXT: dict[str, tuple[str, bytes | str, str]] = {
    "csl-truncated": (
        "csl.csv",
        CSL_TEXT[: CSL_TEXT.index("CHON MA SAN") + 4],
        r"csl\.csv, line 6: row has 6 fields",
    ),
    "csl-columns": ("csl.csv", CSL_TEXT.replace(",name,", ",nom,", 1), r"csl\.csv.*lacks.*'name'"),
    "csl-missing-id": ("csl.csv", CSL_TEXT.replace("\n24904,", "\n,"), r"csl\.csv, line 4, field '_id'"),
    "csl-bad-date": ("csl.csv", CSL_TEXT.replace("2003-06-19", "2003-19-06"), r"line 5, field 'start_date'"),
    "csl-encoding": ("csl.csv", CSL_TEXT.replace("Luanda", "Lu\xe1nda").encode("cp1252"), r"line 2.*UTF-8"),
    "csl-gzip-truncated": ("c.csv.gz", gzip.compress(CSL_TEXT.encode())[:-40], r"c\.csv\.gz.*gzip"),
    "sema-truncated": ("sema.xml", SEMA_TEXT[:700], r"sema\.xml, line \d+: malformed XML"),
    "sema-namespace": (
        "sema.xml",
        SEMA_TEXT.replace("<data-set ", '<data-set xmlns="urn:other" '),
        r"sema\.xml, line 2.*namespace",
    ),
    "sema-missing-key": (
        "sema.xml",
        SEMA_TEXT.replace("<Country>Russia / Russie</Country>", "", 1),
        r"line 12, field 'Country': record #2 has no <Country>",
    ),
    "sema-duplicate": (
        "sema.xml",
        SEMA_TEXT.replace("<Country>Russia / Russie</Country>", "<Country>Belarus / Bélarus</Country>", 1)
        .replace("<Schedule>1, Part 2</Schedule>", "<Schedule>1</Schedule>")
        .replace("<Item>17</Item>", "<Item>2</Item>"),
        r"sema\.xml, line 12, field 'Item'.*'Belarus:1:2' repeats the record at line 3",
    ),
    "sema-bad-date": (
        "sema.xml",
        SEMA_TEXT.replace("2023-02-24", "someday"),
        r"line 31, field 'DateOfListing'",
    ),
    "sema-encoding": (
        "sema.xml",
        SEMA_TEXT.encode("utf-8").replace(b"Rossiya", b"Rossi\xe1ya"),
        r"sema\.xml, line 14: malformed XML",
    ),
}


@pytest.mark.parametrize("case", sorted(BAD_TEXT))
def test_bad_text_inputs_name_file_and_place(case: str, tmp_path: Path, ledger: Ledger) -> None:
    good = CSL if case.startswith("csl") else SEMA
    ledger.load_paths([good], "2024-01-01")
    name, data, pattern = BAD_TEXT[case]
    bad = _write(tmp_path, name, data)
    with ledger_unchanged(ledger), pytest.raises(ParseError, match=pattern):
        ledger.load_paths([bad], "2024-02-01")


BAD_SHEETS: dict[str, tuple[str, Any, str]] = {
    "au-columns": (
        "au",
        {"header": [h.replace("Name Type", "Kind") for h in AU_HEADER]},
        r"lacks.*'Name Type'",
    ),
    "au-missing-id": (
        "au",
        {"rows": [AU_ROWS[0], [None, *AU_ROWS[1][1:]]]},
        r"\.xlsx, line 3, field 'Reference'",
    ),
    "au-duplicate": (
        "au",
        {"rows": [AU_ROWS[0], AU_ROWS[1], AU_ROWS[1]]},
        r"line 4, field 'Reference'.*duplicate",
    ),
    "au-bad-date": ("au", {"rows": [[*AU_ROWS[0][:11], "soon"]]}, r"line 2, field 'Control Date'"),
    "jp-columns": (
        "jp",
        {"header": ["日付", "番号", "日本語", "英語"]},
        r"shisantouketsu\.xlsx, line 1: unknown format",
    ),
    "jp-missing-id": (
        "jp",
        {"rows": [["2022.3.1", None, "プーチン", "Putin", None, None, None]]},
        r"line 3, field '告示番号'",
    ),
    "jp-duplicate": ("jp", {"rows": [JP_ROWS[0], JP_ROWS[0]]}, r"line 4, field '告示番号'.*repeats row 3"),
    "jp-bad-date": (
        "jp",
        {"rows": [["someday", 1, "プーチン", "Putin", None, None, None]]},
        r"line 3, field '告示日付'",
    ),
}


@pytest.mark.parametrize("case", sorted(BAD_SHEETS))
def test_bad_spreadsheets_name_file_and_row(case: str, tmp_path: Path, ledger: Ledger) -> None:
    kind, kw, pattern = BAD_SHEETS[case]
    good_dir = tmp_path / "good"
    good_dir.mkdir()
    ledger.load_paths([_au(good_dir) if kind == "au" else _jp(good_dir)], "2024-01-01")
    bad = _au(tmp_path, **kw) if kind == "au" else _jp(tmp_path, **kw)
    with ledger_unchanged(ledger), pytest.raises(ParseError, match=pattern):
        ledger.load_paths([bad], "2024-02-01")


def test_truncated_and_wrongly_encoded_spreadsheets(tmp_path: Path) -> None:
    good = _au(tmp_path)
    cut = _write(tmp_path, "cut.xlsx", good.read_bytes()[:1500])
    with pytest.raises(ParseError, match=r"cut\.xlsx: zip container \(xlsx\) is damaged or truncated"):
        parse_paths([cut])
    utf16 = _write(tmp_path, "utf16.xlsx", "\ufeffReference\tName\n2\tX\n".encode("utf-16"))
    with pytest.raises(ParseError, match=r"utf16\.xlsx, line 1: .*UTF-16"):
        parse_paths([utf16])
    xls = next(JP_XLS.glob("*.xls"), None)
    if xls is None:
        pytest.skip("shared data not found")
    half = _write(tmp_path, "half.xls", xls.read_bytes()[: xls.stat().st_size // 2])
    with pytest.raises(ParseError, match=r"half\.xls: cannot read the spreadsheet"):
        parse_paths([half])


# --- ledger: screening, diff, history, as-of ----------------------------------------------------------


def test_loaded_lists_screen_diff_and_history(tmp_path: Path, ledger: Ledger) -> None:
    ledger.load_paths([SEMA], "2024-01-01")
    ledger.load_paths([CSL], "2024-01-01")
    index = IndexProvider(ledger).index()
    hit = Screener(index).screen(ScreeningQuery(name="Sergei Shoigu")).matches[0]
    assert hit.entity_id == "ca-sema:Russia:1, Part 1:3"
    hit = Screener(index).screen(ScreeningQuery(name="Banco VTB Africa")).matches[0]
    assert hit.entity_id == "us-csl:18725"
    second = tmp_path / "sema.xml"
    second.write_text(SEMA_TEXT.replace("Bank Rossiya", "Bank Rossiya JSC"), encoding="utf-8")
    ledger.load_paths([second], "2024-03-01")
    diff = ledger.diff("ca-sema", "2024-01-01", "2024-03-01")
    assert (diff.added, diff.removed) == ([], []) and [c["entity_id"] for c in diff.changed] == [
        "ca-sema:Russia:1, Part 2:17"
    ]
    history = ledger.history("ca-sema:Russia:1, Part 2:17")
    assert len(history["versions"]) == 2
    old, _snap = ledger.entity(
        "ca-sema:Russia:1, Part 2:17", datetime.fromisoformat("2024-02-01T00:00:00+00:00")
    )
    assert old.caption == "Bank Rossiya"


def test_every_folder_file_is_detected(tmp_path: Path) -> None:
    shutil.copy(CSL, tmp_path / "csl.csv")
    shutil.copy(SEMA, tmp_path / "sema.xml")
    _au(tmp_path)
    found = sorted(ls.format for ls in detect([tmp_path]))
    assert found == ["au-dfat-xlsx", "ca-sema-xml", "us-csl"]


# --- Switzerland SECO ---------------------------------------------------------------------------------

SECO = FIX / "ch" / "seco_small.xml"
SECO_TEXT = SECO.read_text(encoding="utf-8")


def test_seco_targets_programmes_places_and_status() -> None:
    (p,) = parse_paths([SECO])
    assert p.format == "ch-seco-xml" and p.counts["records"] == 3 and p.counts["delisted"] == 1
    assert str(p.published_at) == "2026-08-15 00:00:00+02:00"
    person, ship = p.entities
    assert [(n.name, n.kind, n.script) for n in person.names] == [
        ("Dzmitry Zamulevich", "primary", "Latn"),
        ("Дмитрий ЗАМУЛЕВИЧ", "original_script", "Cyrl"),
        ("Dima Z", "weak", "Latn"),
    ]
    assert person.programs == ["Belarus"] and [str(d) for d in person.birth_dates] == ["1974-05"]
    assert person.properties["birth_places"] == ["Grodno, Grodno Oblast, Belarus"]
    (doc,) = person.identifiers
    assert (doc.type, doc.value, doc.country, doc.note) == (
        "passport",
        "BM2229283",
        "BY",
        "issue date 2015-03-02",
    )
    (addr,) = person.addresses
    assert (addr.street, addr.city, addr.postal_code, addr.country) == (
        "Pobediteley Ave 7",
        "Minsk, Belarus",
        "220004",
        "BY",
    )
    assert person.listed_on == "2024-12-24" and person.properties["last_updated"] == ["2025-06-03"]
    assert person.properties["linked_to"] == ["related-to: 5300"]
    assert ship.schema == "vessel" and ship.identifiers[0].value == "8405270"
    assert ship.programs == ["sanctions-set 34422"]  # no header block for that set
    assert any("5816 is de-listed" in w for w in p.warnings)


BAD_SECO: dict[str, tuple[str | bytes, str]] = {
    "doctype": (
        SECO_TEXT.replace(
            "<swiss-sanctions-list ", '<!DOCTYPE x [<!ENTITY a "aaaa">]>\n<swiss-sanctions-list ', 1
        ),
        r"seco\.xml, line 2: a DOCTYPE declaration is not allowed",
    ),
    "truncated": (SECO_TEXT[:2500], r"seco\.xml, line \d+: malformed XML"),
    "namespace": (
        SECO_TEXT.replace("<swiss-sanctions-list ", '<swiss-sanctions-list xmlns="urn:x" '),
        r"line 2.*namespace",
    ),
    "delta": (SECO_TEXT.replace("whole-list", "delta"), r"line 2, field 'list-type'"),
    "missing-id": (SECO_TEXT.replace('<target ssid="34461">', "<target>"), r"line 8, field 'ssid'"),
    "duplicate-id": (
        SECO_TEXT.replace('<target ssid="34461">', '<target ssid="85396">'),
        r"line 8: duplicate id '85396'",
    ),
    "bad-date": (
        SECO_TEXT.replace('effective-date="2016-05-18"', 'effective-date="2016-05-48"'),
        r"line 8, field 'effective-date'",
    ),
    "bad-dob": (
        SECO_TEXT.replace('month="5" year="1974"', 'month="13" year="1974"'),
        r"line 6, field 'day-month-year'",
    ),
    "encoding": (
        SECO_TEXT.encode("utf-8").replace(b"Hui Chon", b"Hui Ch\xf6n"),
        r"seco\.xml, line 8: malformed XML",
    ),
}


@pytest.mark.parametrize("case", sorted(BAD_SECO))
def test_bad_seco_inputs_name_file_and_line(case: str, tmp_path: Path, ledger: Ledger) -> None:
    ledger.load_paths([SECO], "2024-01-01")
    data, pattern = BAD_SECO[case]
    with ledger_unchanged(ledger), pytest.raises(ParseError, match=pattern):
        ledger.load_paths([_write(tmp_path, "seco.xml", data)], "2024-02-01")


def test_composite_ids_work_in_api_and_web_paths(ledger: Ledger) -> None:
    import urllib.parse

    from fastapi.testclient import TestClient

    from sanctions_ledger.server import ApiSettings, create_app

    ledger.load_paths([SEMA], "2024-01-01")
    with TestClient(create_app(ledger=ledger, settings=ApiSettings()), raise_server_exceptions=False) as c:
        for eid in ("ca-sema:Russia:1, Part 2:17", "ca-sema:Belarus:-:name=Belarusbank"):
            r = c.get("/entities/" + urllib.parse.quote(eid))
            assert r.status_code == 200 and r.json()["id"] == eid
            assert c.get("/ui/entities/" + urllib.parse.quote(eid)).status_code == 200


def test_every_format_has_a_parser() -> None:
    import importlib

    from sanctions_ledger.parsers import _PARSERS, FORMATS

    assert set(FORMATS) == {"ofac-csv", *_PARSERS}
    for module, function in _PARSERS.values():
        assert callable(getattr(importlib.import_module(f"sanctions_ledger.parsers.{module}"), function))
