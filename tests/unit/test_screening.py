"""Screening queries, results, batch files and the CLI, on a small in-memory index."""

from __future__ import annotations

import itertools
import json
from pathlib import Path

import click
import pytest
from click.testing import CliRunner

from sanctions_ledger.errors import InputError
from sanctions_ledger.matching.index import MatchIndex
from sanctions_ledger.model import Entity, Identifier, Name, PartialDate
from sanctions_ledger.screening import Match, Screener, ScreeningQuery
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


UK_HEADER = (
    "Name 6,Name 1,Name 2,Name 3,Name 4,Name 5,Title,DOB,Town of Birth,Country of Birth,Nationality,"
    "Passport Details,NI Number,Position,Address 1,Address 2,Address 3,Address 4,Address 5,Address 6,"
    "Post/Zip Code,Country,Other Information,Group Type,Alias Type,Regime,Listed On,Last Updated,Group ID"
)


def _write_linked_lists(folder: Path) -> list[Path]:
    """Ri Won Ho on the UN list (KPi.033, the fixture's record) and on the UK list quoting that UN reference
    number; a namesake on OFAC's SDN list that nothing links to them."""
    import shutil

    folder.mkdir()
    un = folder / "un.xml"
    shutil.copy(Path(__file__).resolve().parent.parent / "fixtures" / "un" / "consolidated_small.xml", un)
    uk = folder / "ConList.csv"
    uk.write_text(
        "Last Updated,02/12/2016\n"
        + UK_HEADER
        + "\n"
        + "RI,Won Ho,,,,,,17/07/1964,Pyongyang,North Korea,North Korean,,,,,,,,,,,,"
        + '"UN Ref KPi.033. DPRK Ministry of State Security Official.",Individual,Prime Alias,'
        + "Democratic People's Republic of Korea,02/12/2016,02/12/2016,13422\n",
        encoding="utf-8",
    )
    sdn = folder / "sdn"
    sdn.mkdir()
    (sdn / "sdn.csv").write_text(
        '99999,"RI, Won Ho","individual","DPRK3",-0- ,-0- ,-0- ,-0- ,-0- ,-0- ,-0- ,"DOB 01 Jan 1970."\n',
        encoding="utf-8",
    )
    return [un, uk, sdn]


def test_cli_screen_group_shows_each_party_once(tmp_path: Path) -> None:
    from sanctions_ledger.cli.screening import register

    @click.group()
    @click.pass_context
    def group(ctx: click.Context) -> None:
        ctx.obj = {"db_url": None}

    register(group)
    files = [a for p in _write_linked_lists(tmp_path / "lists") for a in ("--files", str(p))]
    runner = CliRunner()
    res = runner.invoke(group, ["screen", "Ri Won Ho", "--type", "person", *files, "--group", "--json"])
    assert res.exit_code == 0, res.output
    out = json.loads(res.output)
    assert out["query"]["name"] == "Ri Won Ho" and "matches" not in out
    parties = {frozenset(p["entity_ids"]): p for p in out["parties"]}
    assert set(parties) == {frozenset({"un:KPi.033", "uk-hmt:13422"}), frozenset({"ofac-sdn:99999"})}
    linked = parties[frozenset({"un:KPi.033", "uk-hmt:13422"})]
    assert linked["lists"] == ["uk-hmt", "un"] and linked["links"] == ["same UN reference number KPi.033"]
    assert [r["list"] for r in linked["records"]] == [
        r["list"] for r in sorted(linked["records"], key=lambda r: -r["score"])
    ]
    plain = json.loads(
        runner.invoke(group, ["screen", "Ri Won Ho", "--type", "person", *files, "--json"]).output
    )
    assert sorted(m["entity_id"] for m in plain["matches"]) == sorted(
        r["entity_id"] for p in out["parties"] for r in p["records"]
    )
    # text: each party once, each list's record beneath it
    res = runner.invoke(group, ["screen", "Ri Won Ho", "--type", "person", *files, "--group"])
    assert res.exit_code == 0, res.output
    heads = [line for line in res.output.splitlines() if line[:1].isdigit()]
    assert len(heads) == 2, res.output
    assert "2 records on uk-hmt, un" in res.output and "1 record on ofac-sdn" in res.output
    assert "linked by same UN reference number KPi.033" in res.output
    for eid in ("un:KPi.033", "uk-hmt:13422", "ofac-sdn:99999"):
        (line,) = [x for x in res.output.splitlines() if eid in x]
        assert line.startswith("       ") and not line.startswith("        ")  # indented under its party
    assert "On validation data" in res.output
    # the evidence in an analyst's words, not the matcher's internal names
    assert "matched the listed primary name 'RI WON HO'" in res.output and "(tokens)" not in res.output


def test_a_missing_date_of_birth_is_not_agreement() -> None:
    """Issue 14: a listed person with no date of birth must not score as if the query's date agreed with
    it, nor gain from the query giving one."""
    ents = [
        Entity("ofac-sdn", "1", "person", [Name("KIM, Tong Un")], birth_dates=[PartialDate("1984-01-08")]),
        Entity("uk-hmt", "2", "person", [Name("KIM, Tong Un")]),
        Entity("ofac-sdn", "3", "person", [Name("KIM, Tong Un")], birth_dates=[PartialDate("1950-05-05")]),
    ]
    screener = Screener(MatchIndex(ents), threshold=0.0)

    def screen(**facts: str) -> dict[str, Match]:
        query = ScreeningQuery.build("Kim Tonh Un", schema="person", **facts)  # type: ignore[arg-type]
        return {m.entity_id: m for m in screener.screen(query).matches}

    without = screen()
    for dob in ("1984-01-08", "1984-01", "1984"):
        found = screen(dob=dob)
        agreeing, missing, conflicting = found["ofac-sdn:1"], found["uk-hmt:2"], found["ofac-sdn:3"]
        assert agreeing.score > missing.score > conflicting.score, dob
        # the date the record lacks does not raise its score: it lowers it
        assert missing.score < without["uk-hmt:2"].score, dob
        # by exactly the bonus an agreeing date earns, and the explanation says why
        (gain,) = [f for f in agreeing.explanation["features"] if f["feature"] == "dob"]
        (cost,) = [f for f in missing.explanation["features"] if f["feature"] == "dob"]
        assert gain["effect"] > 0 and cost["effect"] == -gain["effect"], dob
        assert "cannot be confirmed" in cost["detail"] and "no date of birth" in cost["detail"]


def test_score_meaning_table_and_sentences() -> None:
    from sanctions_ledger.screening.meaning import BANDS, SOURCE, band_of, score_meaning

    assert "validation" in SOURCE and BANDS[0].low == 0.5 and BANDS[-1].high == 1.0
    assert all(a.high == b.low for a, b in itertools.pairwise(BANDS))  # no gaps, no overlaps
    assert all(
        0 <= b.best_true <= b.true <= b.alerts and b.best_true <= b.best_alerts <= b.alerts for b in BANDS
    )
    assert band_of(0.4999) is None and "not measured" in score_meaning(0.4999)["text"]
    for score, label in ((0.5, "0.50-0.60"), (0.7999, "0.75-0.80"), (0.8, "0.80-0.85"), (1.0, "0.95-1.00")):
        band = band_of(score)
        assert band is not None and band.label == label
        plain = score_meaning(score)
        assert plain["text"].startswith("On validation data, ") and f"scoring {label}" in plain["text"]
        assert f"({band.true} of {band.alerts}" in plain["text"] and "best" not in plain
        top, below = score_meaning(score, True), score_meaning(score, False)
        assert top["text"].startswith(plain["text"]) and "their query's best match" in top["text"]
        assert "ranked below another match" in below["text"]
        assert (top["rank_true"], top["rank_alerts"]) == (band.best_true, band.best_alerts)
        assert below["rank_alerts"] == band.alerts - band.best_alerts
