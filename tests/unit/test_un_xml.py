from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from sanctions_ledger.errors import ParseError
from sanctions_ledger.model import Address, Entity, Identifier, PartialDate
from sanctions_ledger.model.countries import to_iso2
from sanctions_ledger.parsers import detect, parse_set
from sanctions_ledger.parsers.un_xml import detect_script, parse, split_aliases

FIX = Path(__file__).resolve().parent.parent / "fixtures" / "un"
SMALL = FIX / "consolidated_small.xml"


@pytest.fixture(scope="module")
def parsed() -> dict[str, Entity]:
    return {e.source_id: e for e in parse(SMALL).entities}


def test_counts_and_published_at() -> None:
    pl = parse(SMALL)
    assert pl.format == "un-xml"
    assert pl.list == "un"
    assert pl.counts == {"records": 3, "names": 12, "addresses": 3, "identifiers": 2}
    assert pl.published_at == datetime(2018, 6, 7, 19, 3, 43, 970000, tzinfo=UTC) + timedelta(hours=4)
    assert pl.published_at is not None and pl.published_at.utcoffset() == timedelta(hours=-4)
    assert pl.files[0].path == SMALL
    assert len(pl.files[0].sha256) == 64


def test_individual_core_fields(parsed: dict[str, Entity]) -> None:
    e = parsed["KPi.033"]
    assert e.id == "un:KPi.033"
    assert e.schema == "person"
    assert e.programs == ["DPRK"]
    assert e.listed_on == "2016-11-30"
    assert (
        e.remarks
        == "Ri Won Ho is a DPRK Ministry of State Security Official stationed in Syria supporting KOMID."
    )
    assert e.nationalities == ["KP"]
    assert e.birth_dates == [PartialDate("1964-07-17")]
    assert e.properties["dataid"] == ["6908555"]
    assert e.properties["un_list_type"] == ["DPRK"]
    assert e.properties["last_updated"] == ["2017-09-11", "2018-01-05"]
    assert e.properties["gender"] == ["Male"]
    assert e.properties["designation"] == ["DPRK Ministry of State Security Official"]
    assert e.properties["birth_places"] == ["Pyongyang, Democratic People's Republic of Korea"]
    assert e.provenance is not None
    assert e.provenance.file == "consolidated_small.xml"
    assert e.provenance.element == "INDIVIDUAL[KPi.033]"
    assert e.provenance.line == 4


def test_names_kinds_and_scripts(parsed: dict[str, Entity]) -> None:
    names = [(n.name, n.kind, n.script) for n in parsed["KPi.033"].names]
    assert names == [
        ("RI WON HO", "primary", "Latn"),
        ("Ri Won-ho", "alias", "Latn"),
        ("Lee Won Ho", "alias", "Latn"),
        ("Won Ho", "weak", "Latn"),
        ("Ri Wonho", "former", "Latn"),
        ("리원호", "original_script", "Hang"),
    ]
    ivan = parsed["QDi.900"]
    assert ivan.names[0].name == "IVAN PETROVICH SIDOROV JR"
    assert ("Иван Петрович Сидоров", "original_script", "Cyrl") in [
        (n.name, n.kind, n.script) for n in ivan.names
    ]


def test_dates_of_birth(parsed: dict[str, Entity]) -> None:
    ivan = parsed["QDi.900"]
    assert PartialDate("1970", circa=True) in ivan.birth_dates
    assert PartialDate("1968", end="1972") in ivan.birth_dates
    assert PartialDate("1971-01-01") in ivan.birth_dates  # from the alias
    assert ivan.properties["birth_dates_text"] == ["sometime"]
    assert ivan.listed_on == "2010-02-03"  # "2010-02-03-05:00" in the file


def test_documents(parsed: dict[str, Entity]) -> None:
    assert parsed["KPi.033"].identifiers == [
        Identifier("passport", "381310014", "KP", "issued on 2011-07-12")
    ]
    ivan = parsed["QDi.900"]
    assert ivan.identifiers == [Identifier("national_id", "4500 123456", "RU", "Internal passport; expired")]
    assert ivan.properties["documents"] == ["type_of_document2: Ration card; note: number unknown"]


def test_nationality_fallback_and_unknown_elements(parsed: dict[str, Entity]) -> None:
    ivan = parsed["QDi.900"]
    assert ivan.nationalities == ["TN", "Atlantis"]
    assert ivan.properties["favourite_colour"] == ["blue"]
    assert ivan.properties["title"] == ["Dr."]
    assert ivan.properties["versionnum"] == ["3"]
    assert "Kazan" in ivan.properties["alias_details"][0]


def test_entity_addresses(parsed: dict[str, Entity]) -> None:
    e = parsed["KPe.001"]
    assert e.schema == "organization"
    assert e.addresses == [
        Address(street="Central District", city="Pyongyang", country="KP", country_name="DPRK"),
        Address(
            city="Moscow",
            state="Moscow",
            postal_code="123456",
            country="RU",
            country_name="Russian Federation",
        ),
    ]
    assert [n.kind for n in e.names] == ["primary", "alias", "original_script"]
    assert e.names[2].script == "Hang"
    assert "last_updated" not in e.properties


def test_whitespace_layout_does_not_change_content(tmp_path: Path) -> None:
    compact = tmp_path / "consolidated.xml"
    text = SMALL.read_text(encoding="utf-8")
    compact.write_text(
        "\n".join(line.strip() for line in text.splitlines()).replace(">\n<", "><"), encoding="utf-8"
    )
    a = {e.id: e.content_hash() for e in parse(SMALL).entities}
    b = {e.id: e.content_hash() for e in parse(compact).entities}
    assert a == b


def test_detect_and_parse_set() -> None:
    (ls,) = detect([SMALL])
    assert ls.format == "un-xml"
    assert len(parse_set(ls).entities) == 3


@pytest.mark.parametrize(
    ("name", "line", "needle"),
    [
        ("truncated.xml", 9, "malformed XML"),
        ("malformed.xml", 6, "mismatched tag"),
        ("billion_laughs.xml", 2, "DOCTYPE"),
        ("external_entity.xml", 2, "DOCTYPE"),
        ("no_reference.xml", 4, "REFERENCE_NUMBER"),
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


def test_external_entity_never_read(tmp_path: Path) -> None:
    secret = tmp_path / "secret.txt"
    secret.write_text("TOPSECRET", encoding="utf-8")
    bad = tmp_path / "x.xml"
    bad.write_text(
        f'<?xml version="1.0"?>\n<!DOCTYPE r SYSTEM "file://{secret}">\n<CONSOLIDATED_LIST/>\n',
        encoding="utf-8",
    )
    with pytest.raises(ParseError) as info:
        parse(bad)
    assert "TOPSECRET" not in str(info.value)
    assert info.value.line == 2


def test_zero_byte_file(tmp_path: Path) -> None:
    empty = tmp_path / "consolidated.xml"
    empty.write_bytes(b"")
    with pytest.raises(ParseError, match="empty") as info:
        parse(empty)
    assert info.value.path == str(empty)


def test_wrong_encoding(tmp_path: Path) -> None:
    bad = tmp_path / "consolidated.xml"
    bad.write_bytes(
        b'<?xml version="1.0" encoding="UTF-8"?>\n<CONSOLIDATED_LIST>\n<INDIVIDUALS>\n'
        b"<INDIVIDUAL><FIRST_NAME>Jos\xe9</FIRST_NAME></INDIVIDUAL>\n</INDIVIDUALS>\n</CONSOLIDATED_LIST>\n"
    )
    with pytest.raises(ParseError) as info:
        parse(bad)
    assert info.value.line == 4
    assert "malformed XML" in str(info.value)


def test_wrong_root_element(tmp_path: Path) -> None:
    bad = tmp_path / "other.xml"
    bad.write_text('<?xml version="1.0"?>\n<sdnList/>\n', encoding="utf-8")
    with pytest.raises(ParseError, match="expected <CONSOLIDATED_LIST>") as info:
        parse(bad)
    assert info.value.line == 2


def test_naive_date_generated_is_utc(tmp_path: Path) -> None:
    f = tmp_path / "c.xml"
    f.write_text('<CONSOLIDATED_LIST dateGenerated="2020-11-23T10:00:00"><INDIVIDUALS/></CONSOLIDATED_LIST>')
    pl = parse(f)
    assert pl.published_at == datetime(2020, 11, 23, 10, tzinfo=UTC)
    assert pl.entities == []


@pytest.mark.parametrize(
    ("text", "script"),
    [
        ("Ri Won Ho", "Latn"),
        ("리원호", "Hang"),
        ("عبد الله", "Arab"),
        ("Иван", "Cyrl"),
        ("金正恩", "Hani"),
        ("한국 韓國", "Kore"),
        ("123", "Latn"),
    ],
)
def test_detect_script(text: str, script: str) -> None:
    assert detect_script(text) == script


def test_split_aliases_keeps_parentheses() -> None:
    assert split_aliases("A b; C d ;; ") == ["A b", "C d"]
    assert split_aliases("حسن غول (Hassan Ghul; Hassan Gul)") == ["حسن غول (Hassan Ghul; Hassan Gul)"]


@pytest.mark.parametrize(
    ("text", "code"),
    [
        ("Iran (Islamic Republic of)", "IR"),
        ("Tunisian", "TN"),
        ("Democratic People’s Republic of Korea", "KP"),
        ("Moroccan", "MA"),
        ("Algerian", "DZ"),
        ("1", None),
        ("Atlantis", None),
        ("", None),
        ("Korea, North", "KP"),
        ("Region: Crimea", "UA"),
        ("General", None),  # pycountry's fuzzy search would say Chile
        ("G", None),
    ],
)
def test_to_iso2(text: str, code: str | None) -> None:
    assert to_iso2(text) == code
