"""FollowTheMoney out (mapping, export, deltas) and in (FtM entity files as a load format)."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from sanctions_ledger.cli.main import cli, register_all
from sanctions_ledger.errors import InputError, ParseError
from sanctions_ledger.ftm.ids import dataset_name, ftm_id, list_from_dataset, our_id, parent_id
from sanctions_ledger.ftm.mapping import to_ftm
from sanctions_ledger.ftm.validate import problems, validate_all
from sanctions_ledger.ledger import Ledger
from sanctions_ledger.model import Address, Entity, Identifier, Name, PartialDate, Provenance
from sanctions_ledger.opensanctions.export import delta, export, seen_for
from sanctions_ledger.parsers import detect, parse_paths
from tests.unit.test_api import at, fill, pub

ALI = Entity(
    list="ofac-sdn",
    source_id="9001",
    schema="person",
    names=[
        Name("ALI, Hassan", first_name="Hassan", last_name="ALI"),
        Name("Hasan Ali", kind="alias"),
        Name("Abu Ali", kind="weak"),
    ],
    programs=["SDGT"],
    birth_dates=[PartialDate("1970", end="1972")],
    nationalities=["LB", "Atlantis"],
    identifiers=[
        Identifier("passport", "RL123456", country="LB"),
        Identifier("digital_currency_address", "1Ab"),
    ],
    addresses=[Address(street="Rue 1", city="Beirut", country="LB", country_name="Lebanon")],
    listed_on="2010-05-04",
    remarks="a remark",
    properties={"linked_to": ["ALI TRADING CO."], "gender": ["Male"], "strange_field": ["kept"]},
    provenance=Provenance("sdn.csv", line=1),
)
ALI_CO = Entity(
    list="ofac-sdn",
    source_id="9002",
    schema="organization",
    names=[Name("ALI TRADING CO.")],
    programs=["SDGT"],
    provenance=Provenance("sdn.csv", line=2),
)


def test_ids_are_reversible_and_valid() -> None:
    assert dataset_name("ofac-sdn") == "ofac_sdn" and list_from_dataset("ofac_sdn") == "ofac-sdn"
    assert ftm_id("ofac-sdn:26243") == "ofac-sdn-26243"
    assert our_id("ofac-sdn-26243", ["ofac-sdn", "ofac"]) == "ofac-sdn:26243"  # the longest list wins
    assert our_id("un-QDi.001", ["un", "uk-hmt"]) == "un:QDi.001"
    assert our_id("eu-fsf-NK-1", ["ofac-sdn"]) is None
    assert parent_id("ofac-sdn-26243-addr-2") == "ofac-sdn-26243" and parent_id("ofac-sdn-26243") is None
    for bad in ("no-colon", "ofac-sdn:has space", "ofac-sdn:ends-"):
        with pytest.raises(InputError):
            ftm_id(bad)
    with pytest.raises(InputError):
        dataset_name("Bad_Name")


def test_mapping_validates_and_keeps_everything() -> None:
    resolve = {"ALI TRADING CO.": "ofac-sdn:9002"}.get
    out = to_ftm(ALI, authority="US-TREASURY-OFAC", resolve=resolve) + to_ftm(ALI_CO)
    assert validate_all(out) == {}
    by_schema: dict[str, list[dict[str, Any]]] = {}
    for x in out:
        by_schema.setdefault(x["schema"], []).append(x)
    main = out[0]
    assert main["id"] == "ofac-sdn-9001" and main["target"] and main["datasets"] == ["ofac_sdn"]
    p = main["properties"]
    assert p["name"] == ["ALI, Hassan"] and p["firstName"] == ["Hassan"] and p["lastName"] == ["ALI"]
    assert p["alias"] == ["Hasan Ali"] and p["weakAlias"] == ["Abu Ali"]
    assert p["birthDate"] == ["1970", "1972"] and p["nationality"] == ["lb"] and p["gender"] == ["male"]
    assert p["passportNumber"] == ["RL123456"] and p["createdAt"] == ["2010-05-04"]
    # what FtM has no place for is kept in notes, never dropped
    assert "nationality: Atlantis" in p["notes"] and "strange field: kept" in p["notes"]
    assert "a remark" in p["notes"]
    (passport,) = by_schema["Passport"]
    assert passport["properties"]["holder"] == ["ofac-sdn-9001"] and passport["properties"]["country"] == [
        "lb"
    ]
    (other_id,) = by_schema["Identification"]
    assert other_id["properties"]["type"] == ["digital currency address"]
    (addr,) = by_schema["Address"]
    assert addr["properties"]["city"] == ["Beirut"] and p["addressEntity"] == [addr["id"]]
    sanction = next(x for x in by_schema["Sanction"] if x["id"] == "ofac-sdn-9001-sanction")
    assert sanction["properties"]["entity"] == ["ofac-sdn-9001"] and sanction["properties"]["program"] == [
        "SDGT"
    ]
    assert sanction["properties"]["listingDate"] == ["2010-05-04"]
    (link,) = by_schema["UnknownLink"]
    assert link["properties"] == {
        "subject": ["ofac-sdn-9001"],
        "object": ["ofac-sdn-9002"],
        "role": ["Linked To"],
    }
    assert by_schema["Company"][0]["id"] == "ofac-sdn-9002"  # "CO." is a company's legal form
    # an unresolved link stays a note
    alone = to_ftm(ALI)
    assert "linked to: ALI TRADING CO." in alone[0]["properties"]["notes"]
    assert not [x for x in alone if x["schema"] == "UnknownLink"]


def test_validator_catches_bad_entities() -> None:
    assert problems({"id": "x:1", "schema": "Person", "properties": {"name": ["A"]}})
    assert problems({"id": "x-1", "schema": "Banana", "properties": {}})
    assert problems({"id": "x-1", "schema": "Person", "properties": {"birthDate": ["yesterday"]}})
    assert problems(
        {"id": "x-1", "schema": "Person", "properties": {"name": ["A"]}, "datasets": ["ofac-sdn"]}
    )
    assert problems({"id": "x-1", "schema": "Sanction", "properties": {"program": ["X"]}})  # entity required
    assert validate_all([{"id": "x-1", "schema": "Address", "properties": {"full": ["A"]}}] * 2)


def test_export_as_of_and_delta(ledger: Ledger) -> None:
    fill(ledger)
    now = list(export(ledger))
    assert validate_all(now) == {}
    listed = {x["id"] for x in now if x["target"]}
    assert listed == {
        "ofac-sdn-20285",
        "ofac-sdn-30001",
        "ofac-sdn-30002",
        "ofac-sdn-26243",
        "ofac-sdn-26244",
    }
    before = {x["id"] for x in export(ledger, ["ofac-sdn"], at(21)) if x["target"]}
    assert "ofac-sdn-26243" not in before and "ofac-sdn-30003" in before
    kim = next(x for x in now if x["id"] == "ofac-sdn-20285")
    assert kim["first_seen"] == "2019-03-20T16:00:00" and kim["last_seen"] == "2019-03-25T16:00:00"
    bank = next(x for x in now if x["id"] == "ofac-sdn-30002")
    assert bank["last_change"] == "2019-03-22T16:00:00"
    ops = list(delta(ledger, "ofac-sdn", "2019-03-20", "2019-03-25"))
    adds = {o["entity"]["id"] for o in ops if o["op"] == "ADD"}
    mods = {o["entity"]["id"] for o in ops if o["op"] == "MOD"}
    dels = {o["entity"]["id"] for o in ops if o["op"] == "DEL"}
    assert {"ofac-sdn-26243", "ofac-sdn-26243-sanction", "ofac-sdn-26244"} <= adds
    assert "ofac-sdn-30002" in mods and {"ofac-sdn-30003", "ofac-sdn-30003-sanction"} == dels
    assert all(o["entity"] == {"id": o["entity"]["id"]} for o in ops if o["op"] == "DEL")
    with pytest.raises(Exception, match="no list"):
        list(export(ledger, ["nope"]))


def test_first_seen_is_the_listing_date_when_earlier(ledger: Ledger) -> None:
    ledger.record(pub(ALI, ALI_CO), at(20))
    seen = seen_for(ledger, [ALI, ALI_CO])
    assert seen[ALI.id].first_seen == datetime(2010, 5, 4, tzinfo=UTC)
    assert seen[ALI_CO.id].first_seen == at(20)


def test_export_command(ledger: Ledger, db_url: str, tmp_path: Path) -> None:
    register_all()
    fill(ledger)
    out = tmp_path / "sdn.ftm.json"
    r = CliRunner().invoke(
        cli, ["--db", db_url, "export", "--format", "ftm", "--validate", "--out", str(out)]
    )
    assert r.exit_code == 0, r.output
    lines = [json.loads(x) for x in out.read_text().splitlines()]
    assert sum(1 for x in lines if x["target"]) == 5 and "listed 5" in r.output
    r = CliRunner().invoke(
        cli, ["--db", db_url, "export", "--list", "ofac-sdn", "--from", "2019-03-20", "--to", "2019-03-25"]
    )
    assert r.exit_code == 0 and '"op":"DEL"' in r.output
    r = CliRunner().invoke(cli, ["--db", db_url, "export", "--from", "2019-03-20", "--to", "2019-03-25"])
    assert r.exit_code != 0 and "one list" in r.output
    # the export loads back as the same entities
    back = parse_paths([out])[0]
    assert back.list == "ofac-sdn" and back.format == "ftm-json"
    assert {e.id for e in back.entities} == {e.id for e in ledger.entities_at(["ofac-sdn"])}
    kim = next(e for e in back.entities if e.id == "ofac-sdn:20285")
    assert kim.birth_dates == [PartialDate("1984-01-08")] and kim.programs == ["DPRK2"]
    assert kim.nationalities == ["KP"] and [n.name for n in kim.names] == ["KIM, Jong Un", "KIM Jong-un"]


def _write(path: Path, *objs: dict[str, Any]) -> Path:
    path.write_text("".join(json.dumps(o) + "\n" for o in objs), encoding="utf-8")
    return path


PERSON = {
    "id": "NK-abc",
    "caption": "Ivan PETROV",
    "schema": "Person",
    "properties": {
        "name": ["Petrov Ivan", "Ivan PETROV"],
        "birthDate": ["1960-02-03"],
        "nationality": ["ru"],
        "createdAt": ["2022-03-01"],
        "position": ["Minister"],
        "addressEntity": ["addr-1"],
    },
    "datasets": ["eu_fsf"],
    "referents": ["eu-fsf-1"],
}


def _ftm(eid: str, schema: str, **props: list[str]) -> dict[str, Any]:
    return {"id": eid, "schema": schema, "properties": props, "datasets": ["eu_fsf"]}


RELATED = [
    _ftm("addr-1", "Address", full=["Moscow, Russia"], country=["ru"]),
    _ftm("sanc-1", "Sanction", entity=["NK-abc"], programId=["EU-UKR"], listingDate=["2022-02-28"]),
    _ftm("pass-1", "Passport", holder=["NK-abc"], number=["P123"], country=["ru"]),
    {**_ftm("NK-org", "Company", name=["ACME"]), "caption": "ACME"},
    _ftm("link-1", "UnknownLink", subject=["NK-abc"], object=["NK-org"], role=["Linked To"]),
    _ftm("pos-1", "Position", name=["Minister"]),
]


def test_ftm_file_loads_with_its_neighbours_folded(tmp_path: Path, ledger: Ledger) -> None:
    path = _write(tmp_path / "entities.ftm.json", PERSON, *RELATED)
    (ls,) = detect([path])
    assert (ls.format, ls.list) == ("ftm-json", "eu-fsf")
    (parsed,) = parse_paths([path])
    assert parsed.counts == {"records": 7, "entities": 2, "folded": 4, "skipped": 1}
    assert parsed.warnings == ["line 7: Position pos-1 is not about a listed entity of the file"]
    ivan = next(e for e in parsed.entities if e.source_id == "NK-abc")
    assert ivan.id == "eu-fsf:NK-abc" and ivan.caption == "Ivan PETROV"
    assert [n.kind for n in ivan.names] == ["primary", "alias"]
    assert ivan.birth_dates == [PartialDate("1960-02-03")] and ivan.nationalities == ["RU"]
    assert ivan.programs == ["EU-UKR"] and ivan.listed_on == "2022-02-28"
    assert ivan.identifiers == [Identifier("passport", "P123", "RU")]
    assert ivan.addresses[0].country == "RU" and ivan.addresses[0].street == "Moscow, Russia"
    assert ivan.properties["linked_to"] == ["ACME"] and ivan.properties["position"] == ["Minister"]
    assert ivan.properties["referents"] == ["NK-abc", "eu-fsf-1"]
    out = to_ftm(ivan)
    assert out[0]["id"] == "eu-fsf-NK-abc" and out[0]["referents"] == ["NK-abc", "eu-fsf-1"]
    assert validate_all(out) == {}
    acme = next(e for e in parsed.entities if e.source_id == "NK-org")
    assert acme.properties["linked_to"] == ["Ivan PETROV"]
    (_res,) = ledger.load_paths([path], "2024-06-01")
    assert ledger.entity("eu-fsf:NK-abc")[0].programs == ["EU-UKR"]


@pytest.mark.parametrize(
    ("lines", "message"),
    [
        (['{"id": "NK-1", "schema": "Person", "properties": {}, "datasets": ["x"]}', "{not json"], "line 2"),
        (['{"id": "bad id", "schema": "Person", "properties": {}, "datasets": ["x"]}'], "invalid FtM id"),
        (['{"id": "NK-1", "schema": "Banana", "properties": {}, "datasets": ["x"]}'], "unknown FtM schema"),
        (['{"id": "NK-1", "schema": "Person", "properties": {"name": "x"}, "datasets": ["x"]}'], "lists"),
        (['{"op": "DEL", "entity": {"id": "NK-1"}}'], "delta"),
        (
            [
                '{"id": "NK-1", "schema": "Person", "properties": {}, "datasets": ["a"]}',
                '{"id": "NK-2", "schema": "Person", "properties": {}, "datasets": ["b"]}',
            ],
            "which list",
        ),
        (
            [
                '{"id": "NK-1", "schema": "Person", "properties": {}, "datasets": ["a"]}',
                '{"id": "NK-1", "schema": "Person", "properties": {}, "datasets": ["a"]}',
            ],
            "duplicate",
        ),
    ],
)
def test_bad_ftm_files_are_refused_with_the_line(tmp_path: Path, lines: list[str], message: str) -> None:
    path = tmp_path / "bad.json"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    with pytest.raises(ParseError, match=message):
        parse_paths([path])


def test_shared_opensanctions_fixtures(shared_data: Path) -> None:
    folder = shared_data / "opensanctions" / "yente-fixtures"
    (parsed,) = parse_paths([folder / "eu_fsf_excerpt.entities.ftm.json"])
    assert parsed.list == "eu-fsf" and parsed.counts["records"] == 7 and len(parsed.entities) == 6
    assert parsed.counts["entities"] + parsed.counts["folded"] + parsed.counts["skipped"] == 7
    assert validate_all([x for e in parsed.entities for x in to_ftm(e)]) == {}
    with pytest.raises(ParseError, match="delta"):
        parse_paths([folder / "sanctions.entities.delta.json"])
