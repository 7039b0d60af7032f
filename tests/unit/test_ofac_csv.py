"""OFAC legacy CSV parser on hand-made fixtures in the official format."""

from __future__ import annotations

from pathlib import Path

import pytest

from sanctions_ledger.errors import ParseError
from sanctions_ledger.model import Address, Entity, Identifier, Name, PartialDate
from sanctions_ledger.parsers import ofac_csv
from sanctions_ledger.parsers.base import ParsedList

FIX = Path(__file__).resolve().parents[1] / "fixtures" / "ofac"
GOOD = FIX / "good"
BAD = FIX / "bad"


@pytest.fixture(scope="module")
def good() -> ParsedList:
    return ofac_csv.parse(
        GOOD / "sdn.csv",
        add=GOOD / "add.csv",
        alt=GOOD / "alt.csv",
        comments=GOOD / "sdn_comments.csv",
        list_name="ofac-sdn",
    )


def _by_id(parsed: ParsedList) -> dict[str, Entity]:
    return {e.source_id: e for e in parsed.entities}


def test_counts_and_files(good: ParsedList) -> None:
    assert [e.id for e in good.entities] == ["ofac-sdn:36", "ofac-sdn:306", "ofac-sdn:15036", "ofac-sdn:7001"]
    c = good.counts
    assert c["records"] == 4
    assert c["alt_rows"] == 4
    assert c["add_rows"] == 4
    assert c["empty_add_rows"] == 1
    assert c["addresses"] == 3
    assert c["comment_rows"] == 1
    # 4 primary + 4 alt rows + 2 weak a.k.a. (306) + 1 f.k.a. (15036) from remarks
    assert c["names"] == 11
    assert [f.role for f in good.files] == ["sdn.csv", "sdn_comments.csv", "alt.csv", "add.csv"]
    assert all(len(f.sha256) == 64 for f in good.files)
    assert good.warnings == []


def test_line_numbers_follow_multiline_records(good: ParsedList) -> None:
    lines = {e.source_id: e.provenance.line for e in good.entities if e.provenance}
    # 15036's remarks hold a quoted line break, so 7001 starts on line 5, not 4
    assert lines == {"36": 1, "306": 2, "15036": 3, "7001": 5}
    assert all(e.provenance and e.provenance.file == "sdn.csv" for e in good.entities)


def test_nulls_schema_programs(good: ParsedList) -> None:
    e = _by_id(good)
    assert e["36"].schema == "organization"
    assert e["36"].remarks is None
    assert e["36"].properties == {}
    assert e["306"].schema == "person"
    assert e["306"].programs == ["DPRK3", "DPRK4"]
    assert e["15036"].schema == "vessel"


def test_windows_1252_decoded(good: ParsedList) -> None:
    assert _by_id(good)["7001"].names[0].name == "BANCO JOSÉ EXAMPLE, S.A."


def test_remarks_joined_exactly_with_comments(good: ParsedList) -> None:
    e = _by_id(good)["306"]
    expected = (GOOD / "expected_remarks_306.txt").read_text(encoding="utf-8")
    assert e.remarks == expected
    # the clause cut by OFAC at 1000 characters was parsed whole
    assert "KOREA EXAMPLE TRADING CORPORATION NUMBER 13" in e.properties["linked_to"]
    assert len(e.properties["linked_to"]) == 19
    assert "truncated_remarks" not in e.properties


def test_person_fields(good: ParsedList) -> None:
    e = _by_id(good)["306"]
    assert e.names[0] == Name("KIM, Jong Example", "primary", first_name="Jong Example", last_name="KIM")
    assert Name("KIM, Jong Ex", "alias", first_name="Jong Ex", last_name="KIM") in e.names
    assert [n.name for n in e.names if n.kind == "weak"] == ["JOHNNY", "KIM THE ELDER"]
    assert e.properties["alias_remarks"] == ["KIM, Jong Ex: Low quality"]
    assert e.properties["title"] == ["Director"]
    assert e.birth_dates == [
        PartialDate("1970-01-03"),
        PartialDate("1971"),
        PartialDate("1965", circa=True, end="1967"),
    ]
    assert e.nationalities == ["KP"]
    assert e.properties["citizenships"] == ["KP"]
    assert e.properties["gender"] == ["Male"]
    assert e.properties["birth_places"] == ["Pyongyang, North Korea"]
    assert e.properties["emails"] == ["kim@example.kp"]
    assert Identifier("passport", "563120356", "KP", "expires 2021") in e.identifiers
    assert e.addresses == [
        Address(
            street="Street 1", city="Pyongyang", country="KP", country_name="Korea, North", note="Head office"
        )
    ]
    assert "unparsed_remarks" not in e.properties


def test_vessel_fields(good: ParsedList) -> None:
    e = _by_id(good)["15036"]
    p = e.properties
    assert p["call_sign"] == ["T2EU4"]
    assert p["vessel_type"] == ["Crude/Oil Products Tanker"]
    assert p["tonnage"] == ["99,144"]
    assert p["gross_registered_tonnage"] == ["56,068"]
    assert p["vessel_flag"] == ["Iran"]
    assert p["vessel_flag_code"] == ["IR"]
    assert p["former_vessel_flags"] == ["Malta"]
    assert Identifier("imo", "9187629") in e.identifiers
    assert Identifier("mmsi", "572469210") in e.identifiers
    assert [n.kind for n in e.names] == ["primary", "former", "former"]


def test_organization_fields_and_unparsed(good: ParsedList) -> None:
    e = _by_id(good)["7001"]
    assert Identifier("swift_bic", "ABCDKPPY") in e.identifiers
    assert Identifier("registration", "91210200242663544B", "CN") in e.identifiers
    assert e.properties["websites"] == ["www.example.com"]
    assert e.properties["established"] == ["1999"]
    assert e.properties["unparsed_remarks"] == ["Free text that no pattern knows"]
    assert [n.kind for n in e.names] == ["primary", "new"]
    assert e.addresses == [
        Address(
            street="Zweierstrasse 35",
            city="Zurich",
            postal_code="8022",
            country="CH",
            country_name="Switzerland",
        )
    ]


def test_zero_byte_comments_file_is_valid() -> None:
    parsed = ofac_csv.parse(GOOD / "sdn.csv", comments=GOOD / "empty_comments.csv", list_name="ofac-sdn")
    assert parsed.counts["comment_rows"] == 0
    assert parsed.counts["records"] == 4


def test_main_alone_warns_about_cut_remarks() -> None:
    parsed = ofac_csv.parse(GOOD / "sdn.csv", list_name="ofac-sdn")
    e = _by_id(parsed)["306"]
    assert e.remarks is not None and len(e.remarks) == 1000
    assert len(e.properties["truncated_remarks"]) == 1
    assert any("1000 characters" in w for w in parsed.warnings)


# ------------------------------------------------------------------------------------------ bad inputs


def _err(main: Path, **kw: Path) -> ParseError:
    with pytest.raises(ParseError) as info:
        ofac_csv.parse(main, list_name="ofac-sdn", **kw)
    return info.value


def test_empty_main_file() -> None:
    err = _err(BAD / "empty.csv")
    assert err.path == str(BAD / "empty.csv")
    assert "empty" in err.detail


def test_wrong_field_count() -> None:
    err = _err(BAD / "wrong_fields.csv")
    assert (err.path, err.line) == (str(BAD / "wrong_fields.csv"), 3)
    assert "expected 12 fields" in err.detail and "found 11" in err.detail
    assert "truncated" not in err.detail  # the file ends cleanly: a bad row, not a cut file


def test_bad_ent_num() -> None:
    err = _err(BAD / "bad_ent_num.csv")
    assert (err.line, err.field) == (2, "ent_num")
    assert "17x" in err.detail


def test_duplicate_ent_num() -> None:
    err = _err(BAD / "duplicate.csv")
    assert err.line == 3
    assert "duplicate ent_num 36" in err.detail and "line 1" in err.detail


def test_truncated_inside_quotes() -> None:
    err = _err(BAD / "truncated_quote.csv")
    assert (err.path, err.line) == (str(BAD / "truncated_quote.csv"), 3)
    assert "truncated" in err.detail


def test_truncated_between_fields() -> None:
    err = _err(BAD / "truncated_fields.csv")
    assert err.line == 3
    assert "found 4" in err.detail and "truncated" in err.detail


@pytest.mark.parametrize(
    ("role", "name", "line"),
    [("alt", "orphan_alt.csv", 2), ("add", "orphan_add.csv", 2), ("comments", "orphan_comments.csv", 1)],
)
def test_orphan_rows(role: str, name: str, line: int) -> None:
    err = _err(BAD / "main_two.csv", **{role: BAD / name})
    assert (err.path, err.line, err.field) == (str(BAD / name), line, "ent_num")
    assert "not in main_two.csv" in err.detail


def test_wrong_role_file_is_rejected() -> None:
    # an add.csv given as the main file has 6 fields, not 12
    err = _err(GOOD / "add.csv")
    assert err.line == 1 and "expected 12 fields" in err.detail


def test_split_programs() -> None:
    assert ofac_csv.split_programs("SDGT] [NPWMD] [IRGC] [IFSR") == ["SDGT", "NPWMD", "IRGC", "IFSR"]
    assert ofac_csv.split_programs(None) == []
