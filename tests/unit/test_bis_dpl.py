from __future__ import annotations

from pathlib import Path

import pytest

from sanctions_ledger.errors import ParseError
from sanctions_ledger.model import Address, Entity
from sanctions_ledger.parsers import detect, parse_set
from sanctions_ledger.parsers.bis_dpl import group_key, guess_schema, parse, source_id

FIX = Path(__file__).resolve().parent.parent / "fixtures" / "bis"
SMALL = FIX / "dpl_small.txt"


@pytest.fixture(scope="module")
def parsed() -> list[Entity]:
    return parse(SMALL).entities


def test_counts_and_warnings() -> None:
    pl = parse(SMALL)
    assert pl.format == "bis-dpl"
    assert pl.list == "us-bis-dpl"
    assert pl.counts == {"records": 6, "rows": 6, "entities": 4, "names": 4, "addresses": 5}
    assert pl.published_at is None
    assert pl.warnings == [
        "dpl_small.txt, line 4: Last_Update '3017-08-22' is not a plausible date; kept verbatim",
        "dpl_small.txt, line 7: Last_Update '0222-05-18' is not a plausible date; kept verbatim",
    ]
    pl.check_unique()


def test_rows_grouped_by_name_and_first_citation(parsed: list[Entity]) -> None:
    names = [e.names[0].name for e in parsed]
    assert names == ["ADRIAN MANUEL HERNANDEZ", "AIR FREIGHT LTD", "I. ASH", "I. ASH"]
    air = parsed[1]
    assert air.schema == "organization"
    assert air.addresses == [
        Address(street="P.O. BOX 28360", city="DUBAI", country="AE", country_name="AE"),
        Address(street="P.O. BOX 911399", city="AMMAN", postal_code="11191", country="JO", country_name="JO"),
    ]
    assert air.listed_on == "2015-05-18"
    assert air.properties["last_update"] == ["2023-05-18", "3017-08-22"]
    assert air.properties["standard_order"] == ["N"]
    assert len(air.properties["fr_citation"]) == 2
    assert air.provenance is not None and air.provenance.line == 3
    # two different orders against the same name stay two parties
    ash1, ash2 = parsed[2], parsed[3]
    assert ash1.source_id != ash2.source_id
    assert (ash1.listed_on, ash2.listed_on) == ("2002-03-04", "2003-06-19")
    assert ash2.properties["last_update"] == ["0222-05-18"]


def test_leading_space_and_unknown_schema(parsed: list[Entity]) -> None:
    e = parsed[0]
    assert e.names[0].name == "ADRIAN MANUEL HERNANDEZ"
    assert e.schema == "unknown"
    assert e.addresses[0].country is None
    assert e.properties["expiration_date"] == ["01/14/2026"]
    assert e.properties["action"] == ["F.R. NOTICE ADDED"]


def test_source_id_is_stable_under_renewals() -> None:
    first = source_id("AIR FREIGHT LTD", "80 F.R. 30435 5/28/15")
    renewed = source_id(" air  freight ltd", "80 F.R. 30435 5/28/15, 87 F.R. 30173 5/18/2022")
    assert first == renewed
    assert len(first) == 12
    assert group_key("X", "81.F.R. 22576 4/18/2016") == ("X", "81FR22576")
    assert group_key("X", "") == ("X", "")
    assert source_id("X", "81 FR 22576") != source_id("Y", "81 FR 22576")


@pytest.mark.parametrize(
    ("name", "schema"),
    [
        ("AIR FREIGHT LTD", "organization"),
        ("ELMONT AG", "organization"),
        ("ARROWTRONIC, LLC", "organization"),
        ("MAHAN AIRWAYS", "organization"),
        ("JOHN SMITH", "unknown"),
        ("AGNES COLE", "unknown"),
    ],
)
def test_guess_schema(name: str, schema: str) -> None:
    assert guess_schema(name) == schema


def test_detect_and_parse_set() -> None:
    (ls,) = detect([SMALL])
    assert ls.format == "bis-dpl"
    assert len(parse_set(ls).entities) == 4


@pytest.mark.parametrize(
    ("name", "line", "needle"),
    [("bad_field_count.txt", 3, "11 fields"), ("missing_column.txt", 1, "'Name'")],
)
def test_bad_files_name_file_and_line(name: str, line: int, needle: str) -> None:
    with pytest.raises(ParseError) as info:
        parse(FIX / name)
    err = info.value
    assert err.path is not None and err.path.endswith(name)
    assert err.line == line
    assert needle in str(err)


def test_zero_byte_file(tmp_path: Path) -> None:
    f = tmp_path / "dpl.txt"
    f.write_bytes(b"")
    with pytest.raises(ParseError, match="empty"):
        parse(f)


def test_utf16_file(tmp_path: Path) -> None:
    f = tmp_path / "dpl.txt"
    f.write_bytes(SMALL.read_text(encoding="ascii").encode("utf-16"))
    with pytest.raises(ParseError) as info:
        parse(f)
    assert info.value.line == 1
    assert info.value.path == str(f)
