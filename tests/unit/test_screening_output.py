"""Batch result writers (JSON lines, CSV, XLSX), formula injection, screen-file's default output, and the
pages of matched rows of a JSON-lines result."""

from __future__ import annotations

import csv
import json
import zipfile
from pathlib import Path
from typing import Any

import click
import openpyxl
import pytest
from click.testing import CliRunner
from python_calamine import CalamineWorkbook

from sanctions_ledger.errors import InputError
from sanctions_ledger.matching.index import MatchIndex
from sanctions_ledger.model import Entity, Name
from sanctions_ledger.screening import Screener
from sanctions_ledger.screening.batch import screen_file
from sanctions_ledger.screening.output import (
    CSV_OUT,
    SHEET_NAME,
    convert_jsonl,
    default_out_path,
    format_of,
    open_writer,
    write_all,
)
from sanctions_ledger.screening.result_pages import matched_page

HOSTILE = ['=HYPERLINK("http://x","y")', "+1+2", "-3+4", "@SUM(A1)", "\tTAB", "\rCR", "=1", "#N/A"]


def _match(entity_id: str, score: float, name: str, programs: list[str] | None = None) -> dict[str, Any]:
    return {
        "entity_id": entity_id,
        "score": score,
        "name": name,
        "matched_name": name,
        "list": "ofac-sdn",
        "schema": "person",
        "programs": programs or ["DPRK"],
        "explanation": {"method": "tokens"},
    }


def _records() -> list[dict[str, Any]]:
    return [
        {
            "id": "c1",
            "query": {"name": "Kim Jong Un"},
            "matches": [
                _match("ofac-sdn:1", 0.97, "KIM, Jong Un", ["DPRK", "DPRK3"]),
                _match("un:2", 0.9, "x"),
            ],
        },
        {"id": 2, "query": {"name": "Nobody"}, "matches": []},
        {"id": "c3", "error": "row 3 is empty"},
        {"id": "c4", "query": {"name": "Bell\x07 ring\x00"}, "matches": []},
    ]


def _hostile_records() -> list[dict[str, Any]]:
    """Formula-like text from the input (id, name) and from the lists (best match name, entity id)."""
    return [{"id": h, "query": {"name": h}, "matches": [_match(h, 0.91, h)]} for h in HOSTILE]


def test_format_comes_from_the_extension(tmp_path: Path) -> None:
    assert [format_of(Path(f"r{e}")) for e in (".jsonl", ".JSON", ".csv", ".xlsx")] == [
        "jsonl",
        "jsonl",
        "csv",
        "xlsx",
    ]
    for name in ("r.txt", "r.xls", "results"):
        with pytest.raises(InputError) as e:
            open_writer(tmp_path / name)
        assert "unknown output extension" in e.value.message
        assert ".jsonl, .json, .csv, .xlsx" in e.value.message
        assert not (tmp_path / name).exists()
    assert default_out_path(Path("/data/customers.csv")) == Path("/data/customers.screened.csv")
    assert default_out_path(Path("names")) == Path("names.screened.csv")


def test_jsonl_and_csv_writers(tmp_path: Path) -> None:
    recs = _records()
    assert write_all(tmp_path / "r.jsonl", recs) == 4
    assert [json.loads(x) for x in (tmp_path / "r.jsonl").read_text(encoding="utf-8").splitlines()] == recs
    write_all(tmp_path / "r.csv", recs)
    with (tmp_path / "r.csv").open(encoding="utf-8", newline="") as f:
        rows = list(csv.reader(f))
    assert tuple(rows[0]) == CSV_OUT and len(rows) == 5
    assert rows[1] == [
        "c1",
        "Kim Jong Un",
        "",
        "2",
        "ofac-sdn:1",
        "0.97",
        "KIM, Jong Un",
        "KIM, Jong Un",
        "ofac-sdn",
        "DPRK;DPRK3",
        "ofac-sdn:1=0.97 un:2=0.9",
    ]
    assert rows[2][:4] == ["2", "Nobody", "", "0"] and rows[2][5] == ""
    assert rows[3][:4] == ["c3", "", "row 3 is empty", "0"]


def test_xlsx_is_a_real_workbook_with_typed_cells(tmp_path: Path) -> None:
    out = tmp_path / "r.xlsx"
    assert write_all(out, _records()) == 4
    wb = openpyxl.load_workbook(out)
    assert wb.sheetnames == [SHEET_NAME]
    ws = wb[SHEET_NAME]
    assert ws.freeze_panes == "A2"
    rows = [[c.value for c in r] for r in ws.iter_rows()]
    assert tuple(rows[0]) == CSV_OUT and len(rows) == 5  # a header, then one row per record
    assert rows[1][:6] == ["c1", "Kim Jong Un", None, 2, "ofac-sdn:1", 0.97]
    assert isinstance(rows[1][3], int) and isinstance(rows[1][5], float)
    assert rows[1][9:] == ["DPRK;DPRK3", "ofac-sdn:1=0.97 un:2=0.9"]
    assert rows[2][:4] == [2, "Nobody", None, 0] and rows[2][5] is None  # the row number stays a number
    assert rows[3][:3] == ["c3", None, "row 3 is empty"]
    assert rows[4][1] == "Bell\ufffd ring\ufffd"  # control characters a workbook cannot hold
    # and another reader agrees
    sheet = CalamineWorkbook.from_path(str(out)).get_sheet_by_name(SHEET_NAME).to_python()
    assert sheet[1][:6] == ["c1", "Kim Jong Un", "", 2, "ofac-sdn:1", 0.97]


def test_formula_like_text_is_never_a_formula(tmp_path: Path) -> None:
    recs = _hostile_records()
    write_all(tmp_path / "r.csv", recs)
    with (tmp_path / "r.csv").open(encoding="utf-8", newline="") as f:
        rows = list(csv.reader(f))[1:]
    for h, row in zip(HOSTILE, rows, strict=True):
        quoted = ("'" + h) if h[0] in "=+-@\t\r" else h
        assert row[0] == row[1] == row[4] == row[6] == row[7] == quoted, row
        assert row[5] == "0.91" and row[3] == "1"  # numbers are left alone
        assert row[10] == ("'" if h[0] in "=+-@\t\r" else "") + f"{h}=0.91"

    write_all(tmp_path / "r.xlsx", recs)
    ws = openpyxl.load_workbook(tmp_path / "r.xlsx")[SHEET_NAME]
    for h, cells in zip(HOSTILE, list(ws.iter_rows())[1:], strict=True):
        for c in (cells[0], cells[1], cells[4], cells[6], cells[7]):
            assert c.data_type == "s" and c.value == h, (c.coordinate, c.data_type, c.value)
    with zipfile.ZipFile(tmp_path / "r.xlsx") as z:
        sheet_xml = z.read("xl/worksheets/sheet1.xml").decode()
    assert "<f>" not in sheet_xml and "<f " not in sheet_xml and 't="e"' not in sheet_xml


def test_convert_a_jsonl_result(tmp_path: Path) -> None:
    write_all(tmp_path / "r.jsonl", _records())
    assert convert_jsonl(tmp_path / "r.jsonl", tmp_path / "r.csv") == 4
    assert convert_jsonl(tmp_path / "r.jsonl", tmp_path / "part", "xlsx") == 4
    with (tmp_path / "part").open("rb") as f:  # a workbook whatever the name
        assert openpyxl.load_workbook(f)[SHEET_NAME].max_row == 5


def _screener() -> Screener:
    return Screener(
        MatchIndex(
            [
                Entity("ofac-sdn", "1", "person", [Name("KIM, Jong Un")], programs=["DPRK3"]),
                Entity("ofac-sdn", "2", "organization", [Name("=CMD|' /C calc'!A0")], programs=["X"]),
            ]
        )
    )


def test_screen_file_writes_every_format_the_same_rows(tmp_path: Path) -> None:
    src = tmp_path / "in.csv"
    lines = ["id,name", "a,Kim Jong Un", "b,Nobody Known", "c,", "@d,=CMD|' /C calc'!A0"] * 5
    src.write_text("\n".join(lines[:1] + [x for x in lines if x != "id,name"]) + "\n", encoding="utf-8")
    counts = {}
    for ext in ("jsonl", "csv", "xlsx"):
        counts[ext] = screen_file(
            _screener(), src, tmp_path / f"o.{ext}", workers=2, progress=False, chunk_size=3
        )
    assert counts["jsonl"] == counts["csv"] == counts["xlsx"] == {"rows": 20, "errors": 5, "with_matches": 10}
    recs = [json.loads(x) for x in (tmp_path / "o.jsonl").read_text(encoding="utf-8").splitlines()]
    with (tmp_path / "o.csv").open(encoding="utf-8", newline="") as f:
        csv_rows = list(csv.reader(f))[1:]
    xlsx_rows = (
        CalamineWorkbook.from_path(str(tmp_path / "o.xlsx")).get_sheet_by_name(SHEET_NAME).to_python()[1:]
    )
    assert len(recs) == len(csv_rows) == len(xlsx_rows) == 20
    assert [r["id"] for r in recs] == [r[0].lstrip("'") for r in csv_rows] == [r[0] for r in xlsx_rows]
    hostile = csv_rows[3]
    assert hostile[0] == "'@d" and hostile[1] == "'=CMD|' /C calc'!A0" and hostile[6] == "'=CMD|' /C calc'!A0"
    assert xlsx_rows[3][6] == "=CMD|' /C calc'!A0" and xlsx_rows[0][5] == 1.0


def test_screen_file_never_writes_over_its_input(tmp_path: Path) -> None:
    src = tmp_path / "in.csv"
    src.write_text("name\nKim Jong Un\n", encoding="utf-8")
    link = tmp_path / "in.screened.csv"
    link.symlink_to(src)
    for out in (src, tmp_path / "." / "in.csv", link):
        with pytest.raises(InputError, match="would overwrite the input file"):
            screen_file(_screener(), src, out, workers=1, progress=False)
    assert src.read_text(encoding="utf-8") == "name\nKim Jong Un\n"
    with pytest.raises(InputError, match=r"unknown output extension '\.txt'"):
        screen_file(_screener(), src, tmp_path / "o.txt", workers=1, progress=False)


def _cli() -> click.Group:
    """The real command line (its error handling, and the Dask hook that wraps screen-file)."""
    from sanctions_ledger.cli.main import cli, register_all

    register_all()
    return cli


def _sdn(folder: Path) -> Path:
    folder.mkdir()
    (folder / "sdn.csv").write_text(
        '20157,"KIM, Jong Un","individual","DPRK3",-0- ,-0- ,-0- ,-0- ,-0- ,-0- ,-0- ,"DOB 08 Jan 1984."\n'
        '20520,"AIR KORYO",-0- ,"DPRK3",-0- ,-0- ,-0- ,-0- ,-0- ,-0- ,-0- ,-0- \n',
        encoding="utf-8",
    )
    return folder


def test_cli_screen_file_writes_beside_the_input_by_default(tmp_path: Path) -> None:
    data = _sdn(tmp_path / "sdn")
    src = tmp_path / "customers.csv"
    src.write_text("id,name\nx1,Air Koryo\nx2,Nobody Here\n", encoding="utf-8")
    default = tmp_path / "customers.screened.csv"
    default.write_text("an earlier result\n", encoding="utf-8")  # overwritten like any output
    db = ["--db", f"sqlite:///{tmp_path}/unused.db"]
    args = [*db, "screen-file", str(src), "--files", str(data), "--no-progress", "--workers", "1"]
    res = CliRunner().invoke(_cli(), args)
    assert res.exit_code == 0, res.output
    assert f"wrote {default}" in res.output and "1 with matches" in res.output
    with default.open(encoding="utf-8", newline="") as f:
        rows = list(csv.reader(f))
    assert tuple(rows[0]) == CSV_OUT and [r[0] for r in rows[1:]] == ["x1", "x2"]
    assert rows[1][4] == "ofac-sdn:20520"
    assert src.read_text(encoding="utf-8") == "id,name\nx1,Air Koryo\nx2,Nobody Here\n"

    res = CliRunner().invoke(_cli(), [*args, "--out", str(tmp_path / "r.xlsx")])
    assert res.exit_code == 0 and f"wrote {tmp_path / 'r.xlsx'}" in res.output
    assert openpyxl.load_workbook(tmp_path / "r.xlsx")[SHEET_NAME]["E2"].value == "ofac-sdn:20520"

    res = CliRunner().invoke(_cli(), [*args, "--out", str(tmp_path / "r.tsv")])
    assert res.exit_code == 2 and "unknown output extension '.tsv'" in res.output
    assert ".csv" in res.output and ".xlsx" in res.output

    default.unlink()
    default.symlink_to(src)  # the default would be the input itself: refused, the input kept
    res = CliRunner().invoke(_cli(), args)
    assert res.exit_code == 2 and "would overwrite the input file" in res.output
    assert src.read_text(encoding="utf-8") == "id,name\nx1,Air Koryo\nx2,Nobody Here\n"


def test_pages_of_matched_rows(tmp_path: Path) -> None:
    result = tmp_path / "result.jsonl"
    with result.open("w", encoding="utf-8") as f:
        for i in range(1, 251):
            matches = [_match(f"ofac-sdn:{i}", 0.9, f"NAME {i}")] if i % 2 == 0 else []
            name = 'says "matches": [] inside' if i == 4 else f"query {i}"
            f.write(
                json.dumps({"id": f"r{i}", "query": {"name": name}, "matches": matches}, ensure_ascii=False)
            )
            f.write("\n")
        f.write(json.dumps({"id": "r251", "error": "row 251 is empty"}) + "\n")
    first = matched_page(result, 1, per_page=50)
    assert (first.total, first.pages, first.page, first.first) == (125, 3, 1, 1)
    assert [r.row_id for r in first.rows[:3]] == ["r2", "r4", "r6"]
    row = first.rows[1]
    assert (
        row.query_name,
        row.best_name,
        row.best_entity_id,
        row.best_list,
        row.best_score,
        row.matches,
    ) == (
        'says "matches": [] inside',
        "NAME 4",
        "ofac-sdn:4",
        "ofac-sdn",
        0.9,
        1,
    )
    assert (tmp_path / "result.jsonl.matched").stat().st_size == 125 * 8  # the index kept beside it
    last = matched_page(result, 3, per_page=50)
    assert len(last.rows) == 25 and last.rows[-1].row_id == "r250" and last.first == 101
    assert matched_page(result, 99, per_page=50).page == 3  # past the end: the last page
    none = tmp_path / "none.jsonl"
    none.write_text('{"id":1,"query":{"name":"x"},"matches":[]}\n', encoding="utf-8")
    empty = matched_page(none)
    assert (empty.total, empty.pages, empty.rows, empty.first) == (0, 1, [], 0)
