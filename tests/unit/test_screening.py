"""Screening queries, results, batch files and the CLI, on a small in-memory index."""

from __future__ import annotations

import json
from pathlib import Path

import click
import pytest
from click.testing import CliRunner

from sanctions_ledger.errors import InputError
from sanctions_ledger.matching.index import MatchIndex
from sanctions_ledger.model import Entity, Identifier, Name, PartialDate
from sanctions_ledger.screening import Screener, ScreeningQuery
from sanctions_ledger.screening.batch import screen_file, screen_text


def _entities() -> list[Entity]:
    return [
        Entity(
            "ofac-sdn",
            "1",
            "person",
            [Name("KIM, Yong Chol", first_name="Yong Chol", last_name="KIM")],
            programs=["DPRK"],
            birth_dates=[PartialDate("1962-02-18")],
            nationalities=["KP"],
        ),
        Entity(
            "ofac-sdn",
            "2",
            "person",
            [Name("KIM, Yong Chol", first_name="Yong Chol", last_name="KIM")],
            programs=["DPRK2"],
            birth_dates=[PartialDate("1947", circa=True)],
        ),
        Entity(
            "ofac-sdn",
            "3",
            "vessel",
            [Name("ARK")],
            programs=["IRAN"],
            identifiers=[Identifier("imo", "9187655")],
        ),
        Entity(
            "un",
            "KPe.1",
            "organization",
            [Name("KOREA MINING DEVELOPMENT TRADING CORPORATION"), Name("KOMID", "alias")],
            programs=["DPRK"],
        ),
    ]


@pytest.fixture()
def screener() -> Screener:
    return Screener(MatchIndex(_entities()))


def test_dob_ranks_namesakes(screener: Screener) -> None:
    r = screener.screen(ScreeningQuery.build("Kim Yong Chol", schema="person", dob="1962-02-18"))
    assert [m.entity_id for m in r.matches][:2] == ["ofac-sdn:1", "ofac-sdn:2"]
    d = r.to_dict()
    assert d["query"] == {"name": "Kim Yong Chol", "type": "person", "dob": "1962-02-18"}
    m = d["matches"][0]
    assert set(m) == {
        "entity_id",
        "score",
        "name",
        "matched_name",
        "list",
        "schema",
        "programs",
        "explanation",
    }
    assert any(f["feature"] == "dob" and f["effect"] > 0 for f in m["explanation"]["features"])
    assert d["matches"][1]["score"] < m["score"]


def test_filters_threshold_limit(screener: Screener) -> None:
    q = ScreeningQuery.build("Kim Yong Chol", programs=["dprk2"])
    assert [m.entity_id for m in screener.screen(q).matches] == ["ofac-sdn:2"]
    q = ScreeningQuery.build("Korea Mining Development Trading Co", lists=["un"], limit=1, threshold=0.9)
    assert [m.entity_id for m in screener.screen(q).matches] == ["un:KPe.1"]
    assert screener.screen(ScreeningQuery.build("Kim Yong Chol", lists=["un"])).matches == []


def test_identifier_alone_finds_the_vessel(screener: Screener) -> None:
    r = screener.screen(ScreeningQuery.build("Some Tanker", schema="vessel", imo="IMO 9187655"))
    assert r.matches and r.matches[0].entity_id == "ofac-sdn:3" and r.matches[0].score >= 0.9


@pytest.mark.parametrize(
    ("name", "message"),
    [("", "empty"), ("x" * 10_000, "characters long"), ("Kim\x00Jong", "control"), ("!!!", "no letters")],
)
def test_bad_names(name: str, message: str) -> None:
    with pytest.raises(InputError, match=message):
        ScreeningQuery.build(name)


def test_bad_fields() -> None:
    with pytest.raises(InputError, match="date of birth"):
        ScreeningQuery.build("x", dob="19xx")
    with pytest.raises(InputError, match="unknown type"):
        ScreeningQuery.build("x", schema="animal")
    with pytest.raises(InputError, match="threshold"):
        ScreeningQuery.build("x", threshold=2.0)
    assert ScreeningQuery.build("x", country="North Korea").country == "KP"


def test_batch_rows_in_order_with_errors(screener: Screener, tmp_path: Path) -> None:
    src = tmp_path / "in.csv"
    src.write_bytes(
        b"qid,name,type,dob\n"
        b"a,Kim Yong Chol,person,1962\n"
        b"b,,person,\n"
        b"c,Bad \xff\xfe bytes,person,\n"
        b"d,ARK,vessel,,extra\n"
        b"e,Nobody Known,unknown,\n"
    )
    out = tmp_path / "out.jsonl"
    counts = screen_file(screener, src, out, workers=2, progress=False, chunk_size=2)
    lines = [json.loads(x) for x in out.read_text(encoding="utf-8").splitlines()]
    assert [x["id"] for x in lines] == ["a", "b", "c", "d", "e"]
    assert [x["qid"] for x in lines] == ["a", "b", "c", "d", "e"]
    assert lines[0]["matches"][0]["entity_id"] == "ofac-sdn:1"
    assert "empty" in lines[1]["error"] and "UTF-8" in lines[2]["error"] and "fields" in lines[3]["error"]
    assert lines[4]["matches"] == []
    assert counts == {"rows": 5, "errors": 3, "with_matches": 1}
    scores = [m["score"] for m in lines[0]["matches"]]
    assert scores == sorted(scores, reverse=True) and all(0 <= s <= 1 for s in scores)


def test_batch_csv_output_and_row_numbers(screener: Screener, tmp_path: Path) -> None:
    src = tmp_path / "in.csv"
    src.write_text("name\nKim Yong Chol\nARK\n", encoding="utf-8")
    out = tmp_path / "out.csv"
    screen_file(screener, src, out, workers=1, progress=False)
    rows = out.read_text(encoding="utf-8").splitlines()
    assert rows[0].startswith("id,name,error") and len(rows) == 3
    assert rows[1].startswith("1,Kim Yong Chol,,2,ofac-sdn:1")


def test_batch_without_name_column(screener: Screener, tmp_path: Path) -> None:
    src = tmp_path / "people.csv"
    src.write_text("id,full_name\n1,x\n", encoding="utf-8")
    with pytest.raises(InputError, match=r"people\.csv: no 'name' column"):
        screen_file(screener, src, tmp_path / "o.jsonl", progress=False)
    assert screen_text(screener, "name\nARK\n")[0]["matches"][0]["entity_id"] == "ofac-sdn:3"


def _write_sdn(folder: Path) -> None:
    folder.mkdir()
    (folder / "sdn.csv").write_text(
        '20157,"KIM, Jong Un","individual","DPRK3",-0- ,-0- ,-0- ,-0- ,-0- ,-0- ,-0- ,"DOB 08 Jan 1984."\n'
        '20520,"AIR KORYO",-0- ,"DPRK3",-0- ,-0- ,-0- ,-0- ,-0- ,-0- ,-0- ,-0- \n',
        encoding="utf-8",
    )


def test_cli_screen_and_screen_file(tmp_path: Path) -> None:
    from sanctions_ledger.cli.screening import register

    @click.group()
    @click.pass_context
    def group(ctx: click.Context) -> None:
        ctx.obj = {"db_url": None}

    register(group)
    data = tmp_path / "sdn"
    _write_sdn(data)
    runner = CliRunner()
    res = runner.invoke(group, ["screen", "Gim Jeong-eun", "--dob", "1984", "--files", str(data), "--json"])
    assert res.exit_code == 0, res.output
    out = json.loads(res.output)
    assert out["query"]["name"] == "Gim Jeong-eun"
    assert out["matches"][0]["entity_id"] == "ofac-sdn:20157"
    src = tmp_path / "in.csv"
    src.write_text("id,name\nx1,Air Koryo Co Ltd\n", encoding="utf-8")
    res = runner.invoke(
        group,
        [
            "screen-file",
            str(src),
            "--out",
            str(tmp_path / "o.jsonl"),
            "--files",
            str(data),
            "--no-progress",
            "--workers",
            "1",
        ],
    )
    assert res.exit_code == 0, res.output
    line = json.loads((tmp_path / "o.jsonl").read_text(encoding="utf-8"))
    assert line["id"] == "x1" and line["matches"][0]["entity_id"] == "ofac-sdn:20520"


def test_hits_of_one_party_on_several_lists_are_grouped_on_request() -> None:
    from sanctions_ledger.matching.index import MatchIndex
    from sanctions_ledger.model import Entity, Identifier, Name
    from sanctions_ledger.screening import Screener, ScreeningQuery

    ents = [
        Entity(
            "ofac-sdn",
            "1",
            "person",
            [Name("AL-ZAWAHIRI, Ayman")],
            identifiers=[Identifier("passport", "1084010")],
        ),
        Entity(
            "uk-hmt",
            "7",
            "person",
            [Name("AL-ZAWAHIRI, Ayman")],
            identifiers=[Identifier("passport", "1084010")],
        ),
        Entity("un", "QDi.006", "person", [Name("AYMAN AL-ZAWAHIRI")]),
        Entity("uk-hmt", "8", "person", [Name("ZAWAHIRI, Aiman")], remarks="UN Ref QDi.006"),
        Entity("ofac-sdn", "2", "person", [Name("AL-ZAWAHIRI, Aymen")]),
    ]
    screener = Screener(MatchIndex(ents), threshold=0.5)
    query = ScreeningQuery.build("Ayman al-Zawahiri")
    plain = screener.screen(query).to_dict()
    grouped = screener.screen_grouped(query)
    parties = grouped["parties"]
    by_ids = {frozenset(p["entity_ids"]): p for p in parties}
    assert frozenset({"ofac-sdn:1", "uk-hmt:7"}) in by_ids
    assert frozenset({"un:QDi.006", "uk-hmt:8"}) in by_ids
    assert frozenset({"ofac-sdn:2"}) in by_ids
    assert "same passport number 1084010" in by_ids[frozenset({"ofac-sdn:1", "uk-hmt:7"})]["links"]
    assert "same UN reference number QDi.006" in by_ids[frozenset({"un:QDi.006", "uk-hmt:8"})]["links"]
    # every record is the match screen() gives, and nothing is lost or added
    records = [r for p in parties for r in p["records"]]
    assert sorted(records, key=lambda r: r["entity_id"]) == sorted(
        plain["matches"], key=lambda r: r["entity_id"]
    )
    assert [p["score"] for p in parties] == sorted((p["score"] for p in parties), reverse=True)
