from __future__ import annotations

from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from sanctions_ledger.errors import ParseError
from sanctions_ledger.model import Address, Entity, Identifier, PartialDate
from sanctions_ledger.parsers import detect, parse_set
from sanctions_ledger.parsers.uk_hmt import parse, parse_dob, split_enumeration

FIX = Path(__file__).resolve().parent.parent / "fixtures" / "uk"
SMALL = FIX / "ConList_small.csv"


@pytest.fixture(scope="module")
def parsed() -> dict[str, Entity]:
    return {e.source_id: e for e in parse(SMALL).entities}


def test_counts_and_published_at() -> None:
    pl = parse(SMALL)
    assert pl.format == "uk-hmt-csv"
    assert pl.list == "uk-hmt"
    assert pl.counts == {"records": 4, "rows": 8, "names": 6, "addresses": 2, "identifiers": 2}
    assert pl.published_at == datetime(2016, 3, 23, tzinfo=ZoneInfo("Europe/London"))
    assert [e.source_id for e in pl.entities] == ["13188", "12210", "10657", "13300"]
    assert pl.warnings == []


def test_grouping_names_and_kinds(parsed: dict[str, Entity]) -> None:
    ansar = parsed["13188"]
    assert ansar.schema == "organization"
    assert [(n.name, n.kind) for n in ansar.names] == [
        ("ANSAR AL SHARIA", "alias"),  # leading space stripped
        ("ANSAR AL SHARIA IN BENGHAZI", "primary"),
    ]
    assert ansar.caption == "ANSAR AL SHARIA IN BENGHAZI"
    assert ansar.provenance is not None and ansar.provenance.line == 3  # first row of the group
    ali = parsed["12210"]
    assert ali.schema == "person"
    assert [(n.name, n.kind, n.first_name, n.last_name) for n in ali.names] == [
        ("Lu’ai AL-ALI", "primary", "Lu’ai", "AL-ALI"),  # Windows-1252 0x92 decoded
        ("Louay AL-ALI", "alias", "Louay", "AL-ALI"),
    ]
    assert parsed["10657"].names[0].kind == "former"
    assert parsed["13300"].schema == "vessel"


def test_person_facts(parsed: dict[str, Entity]) -> None:
    ali = parsed["12210"]
    assert ali.birth_dates == [PartialDate("1970"), PartialDate("1971-05"), PartialDate("1970-05-12")]
    assert ali.nationalities == ["AF", "PK"]
    assert ali.identifiers == [
        Identifier("passport", "A123456", "TN", "A123456 (Tunisian). Issued on 1 June 1996"),
        Identifier("national_id", "1729765", None, "Ration card no. 1729765"),
    ]
    assert ali.properties["passport_details"] == ["Uganda Passport."]
    assert ali.addresses == [
        Address(street="Street 1, Block 2, Damascus", country="SY", country_name="Syria"),
        Address(street="PO Box 1, Aleppo", postal_code="1234", country="SY", country_name="Syria"),
    ]
    assert ali.programs == ["Syria", "Libya"]
    assert ali.listed_on == "2011-01-01"
    assert ali.properties["listed_on_dates"] == ["2011-01-01", "2011-11-15"]
    assert ali.properties["last_updated"] == ["2015-06-02"]
    assert ali.properties["title"] == ["Colonel"]
    assert ali.properties["position"] == ["Head of branch"]
    assert ali.properties["birth_places"] == ["Damascus, Syria"]
    assert ali.remarks == "Other info."


def test_detect_and_parse_set() -> None:
    (ls,) = detect([SMALL])
    assert ls.format == "uk-hmt-csv"
    assert len(parse_set(ls).entities) == 4


@pytest.mark.parametrize(
    ("name", "line", "needle"),
    [
        ("bad_field_count.csv", 4, "30 fields"),
        ("missing_column.csv", 2, "'Group ID'"),
        ("no_group_id.csv", 4, "Group ID"),
        ("no_last_updated.csv", 1, "Last Updated"),
    ],
)
def test_bad_files_name_file_and_line(name: str, line: int, needle: str) -> None:
    with pytest.raises(ParseError) as info:
        parse(FIX / name)
    err = info.value
    assert err.path is not None and err.path.endswith(name)
    assert err.line == line
    assert needle in str(err)
    assert f"{name}, line {line}" in str(err)


def test_zero_byte_file(tmp_path: Path) -> None:
    f = tmp_path / "ConList.csv"
    f.write_bytes(b"")
    with pytest.raises(ParseError, match="empty"):
        parse(f)


def test_undecodable_bytes(tmp_path: Path) -> None:
    f = tmp_path / "ConList.csv"
    # 0x81 is invalid UTF-8 and undefined in Windows-1252
    f.write_bytes(SMALL.read_bytes().replace(b"Colonel", b"Colon\x81l", 1))
    with pytest.raises(ParseError, match="cannot decode") as info:
        parse(f)
    assert info.value.line == 4


def test_utf16_file(tmp_path: Path) -> None:
    f = tmp_path / "ConList.csv"
    f.write_bytes(SMALL.read_bytes().decode("cp1252").encode("utf-16-le"))
    with pytest.raises(ParseError) as info:
        parse(f)
    assert info.value.line == 1


def test_utf8_file_reads_the_same(tmp_path: Path) -> None:
    f = tmp_path / "ConList.csv"
    f.write_bytes(SMALL.read_bytes().decode("cp1252").encode("utf-8"))
    a = [e.content_hash() for e in parse(SMALL).entities]
    b = [e.content_hash() for e in parse(f).entities]
    assert a == b


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("12/05/1970", "1970-05-12"),
        ("00/05/1970", "1970-05"),
        ("00/00/1970", "1970"),
        ("31/02/1970", None),
        ("05/00/1970", None),
        ("1970", None),
        ("", None),
    ],
)
def test_parse_dob(text: str, expected: str | None) -> None:
    pd = parse_dob(text)
    assert (pd.value if pd else None) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("(1) Afghan (2) Pakistani", ["Afghan", "Pakistani"]),
        ("Afghan", ["Afghan"]),
        ("1) Uzbek 2) Afghan", ["Uzbek", "Afghan"]),
        ("a) French, b) Tunisian", ["French", "Tunisian"]),
        ("(1)-(2) Tunisia (3) Libya", ["Tunisia", "Libya"]),
        ("", []),
    ],
)
def test_split_enumeration(text: str, expected: list[str]) -> None:
    assert split_enumeration(text) == expected
