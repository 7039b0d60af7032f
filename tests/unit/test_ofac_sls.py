"""OFAC Sanctions List Service parsers (Advanced XML, Enhanced XML and its ZIP) on hand-made fixtures in the
official layouts (tests/fixtures/ofac/sls/make_fixtures.py), including broken and hostile input."""

from __future__ import annotations

import zipfile
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from sanctions_ledger.errors import ParseError
from sanctions_ledger.ledger import Ledger
from sanctions_ledger.model import Address, Entity, Identifier, Name, PartialDate
from sanctions_ledger.parsers import detect, ofac_advanced, ofac_enhanced, parse_paths, sniff
from sanctions_ledger.parsers.base import ParsedList
from sanctions_ledger.parsers.ofac_sls import ofac_date_text, partial_date
from tests.unit.unchanged import ledger_unchanged

SLS = Path(__file__).resolve().parents[1] / "fixtures" / "ofac" / "sls"
GOOD, BAD = SLS / "good", SLS / "bad"
NY = ZoneInfo("America/New_York")
GOOD_FILES = {
    "advanced": GOOD / "cons_advanced.xml",
    "enhanced": GOOD / "CONS_ENHANCED.XML",
    "enhanced-zip": GOOD / "CONS_ENHANCED.ZIP",
}


def _parse(kind: str) -> ParsedList:
    module = ofac_advanced if kind == "advanced" else ofac_enhanced
    return module.parse(GOOD_FILES[kind], list_name="ofac-cons")


@pytest.fixture(scope="module", params=sorted(GOOD_FILES))
def parsed(request: pytest.FixtureRequest) -> ParsedList:
    return _parse(request.param)


def _by_id(p: ParsedList) -> dict[str, Entity]:
    return {e.source_id: e for e in p.entities}


def test_detected_from_content() -> None:
    assert sniff(GOOD_FILES["advanced"]) == ("ofac-advanced-xml", "ofac-cons")
    assert sniff(GOOD_FILES["enhanced"]) == ("ofac-enhanced-xml", "ofac-cons")
    assert sniff(GOOD_FILES["enhanced-zip"]) == ("ofac-enhanced-xml", "ofac-cons")
    sets = detect([GOOD])
    assert sorted(s.format for s in sets) == ["ofac-advanced-xml", "ofac-enhanced-xml", "ofac-enhanced-xml"]


def test_list_from_name_or_filter(tmp_path: Path) -> None:
    text = GOOD_FILES["enhanced"].read_text(encoding="utf-8")
    export = tmp_path / "export.xml"  # a custom export: the name says nothing, the filter does
    export.write_text(text, encoding="utf-8")
    assert sniff(export) == ("ofac-enhanced-xml", "ofac-cons")
    export.write_text(
        text.replace(
            'refId="91512">Consolidated List</sanctionsList></sanctionsLists></filters>',
            'refId="1550">SDN List</sanctionsList></sanctionsLists></filters>',
        ),
        encoding="utf-8",
    )
    assert sniff(export) == ("ofac-enhanced-xml", "ofac-sdn")


def test_header(parsed: ParsedList) -> None:
    assert parsed.format in ("ofac-advanced-xml", "ofac-enhanced-xml")
    day = (2020, 3, 17) if parsed.format == "ofac-advanced-xml" else (2025, 1, 10)
    assert parsed.published_at == datetime(*day, tzinfo=NY)
    assert [e.id for e in parsed.entities] == ["ofac-cons:9639", "ofac-cons:17013", "ofac-cons:15036"]
    assert parsed.counts["records"] == 3 and parsed.counts["names"] == 7
    assert parsed.counts["identifiers"] == 4 and parsed.counts["addresses"] == 1
    line = parsed.entities[0].provenance.line if parsed.entities[0].provenance else None
    text = Path(GOOD_FILES["advanced" if parsed.format == "ofac-advanced-xml" else "enhanced"]).read_text()
    needle = 'FixedRef="9639">' if parsed.format == "ofac-advanced-xml" else '<entity id="9639">'
    assert line == text[: text.index(needle)].count("\n") + 1


def test_person(parsed: ParsedList) -> None:
    e = _by_id(parsed)["9639"]
    assert e.schema == "person"
    assert e.names == [
        Name("HANIYA, Ismail Abdul Salah", "primary", first_name="Ismail Abdul Salah", last_name="HANIYA"),
        # the Arabic rendering of the primary name, without the right-to-left embedding marks
        Name(
            "\u0647\u0646\u064a\u0629, \u0627\u0633\u0645\u0627\u0639\u064a\u0644",
            "original_script",
            "Arab",
            first_name="\u0627\u0633\u0645\u0627\u0639\u064a\u0644",
            last_name="\u0647\u0646\u064a\u0629",
        ),
        Name("HANIYYA, Ismaeel", "alias", first_name="Ismaeel", last_name="HANIYYA"),
        Name("ABU AL-ABD", "weak"),  # LowQuality / isLowQuality
    ]
    assert e.birth_dates == [
        PartialDate("1962"),
        PartialDate("1965", circa=True),
        PartialDate("1951", end="1953"),
        PartialDate("1966-02-13"),
        PartialDate("1970-04"),
    ]
    assert [d.precision for d in e.birth_dates] == ["year", "year", "year", "day", "month"]
    assert e.properties["birth_places"] == ["Shati, Gaza"]
    assert e.nationalities == ["IR"]
    assert e.properties["citizenships"] == ["CH"]
    assert e.properties["gender"] == ["Male"]
    assert e.identifiers == [
        Identifier("passport", "G1234567", "IR", "issued 03 Mar 2014 expires 03 Mar 2019 fraudulent")
    ]
    assert e.addresses == []  # a location of an undetermined area and nothing else is no address
    assert e.programs == ["NS-PLC", "SDGT"]
    # the listing date is the earliest date the party was put on any list
    assert e.listed_on == "2006-04-12"
    assert e.properties["listed_on_by_list"] == ["Consolidated List: 2014-10-10", "SDN List: 2006-04-12"]
    assert e.properties["sanctions_lists"] == ["Consolidated List", "SDN List"]
    assert e.properties["legal_bases"] == ["Executive Order 13224 (Terrorism)"]
    assert e.properties["sanctions_types"] == ["Block"]
    assert e.remarks == "Example remark"


def test_organization_and_vessel(parsed: ParsedList) -> None:
    org = _by_id(parsed)["17013"]
    assert org.schema == "organization"
    assert org.names == [Name("EXAMPLE BANK OAO", "primary"), Name("OLD EXAMPLE BANK", "former")]
    assert org.addresses == [
        Address(
            street="ul. Lenina 1", city="Moscow", postal_code="101000", country="RU", country_name="Russia"
        )
    ]
    assert org.identifiers == [
        Identifier("registration", "1027700000001", "RU", "Registration ID; issuing authority OGRN"),
        Identifier("swift_bic", "EXBKRUMM"),
    ]
    assert org.properties["websites"] == ["www.example-bank.ru"]
    assert org.properties["established"] == ["17 Oct 1990"]
    assert org.listed_on == "2014-07-16"
    vessel = _by_id(parsed)["15036"]
    assert vessel.schema == "vessel"
    assert vessel.identifiers == [Identifier("imo", "9187629")]
    assert vessel.properties["call_sign"] == ["9BQX2"]
    assert vessel.properties["vessel_type"] == ["Crude Oil Tanker"]
    assert vessel.properties["vessel_flag"] == ["Iran"] and vessel.properties["vessel_flag_code"] == ["IR"]
    assert vessel.properties["relationships"] == ["Owned or Controlled By: 17013"]
    assert vessel.properties["linked_to"] == ["EXAMPLE BANK OAO"]


def test_both_formats_give_the_same_entities() -> None:
    adv, enh, zipped = (_parse(k) for k in ("advanced", "enhanced", "enhanced-zip"))
    assert [e.canonical_json() for e in adv.entities] == [e.canonical_json() for e in enh.entities]
    assert [e.canonical_json() for e in enh.entities] == [e.canonical_json() for e in zipped.entities]


@pytest.mark.parametrize(
    ("args", "text", "precision"),
    [
        (("1962-01-01", "1962-01-01", "1962-12-31", "1962-12-31"), "1962", "year"),
        (("1955-03-01", "1955-03-31", "1956-03-01", "1956-03-31"), "Mar 1955 to Mar 1956", "month"),
        (("1965-03-21", "1965-03-21", "1966-03-20", "1966-03-20"), "21 Mar 1965 to 20 Mar 1966", "day"),
        (("1990-10-17", "1990-10-17", "1990-10-17", "1990-10-17"), "17 Oct 1990", "day"),
        (("1970-02-01", "1970-02-01", "1970-02-28", "1970-02-28"), "Feb 1970", "month"),
    ],
)
def test_date_periods(args: tuple[str, str, str, str], text: str, precision: str) -> None:
    from datetime import date

    pd = partial_date(*(date.fromisoformat(a) for a in args), circa=False)
    assert ofac_date_text(pd) == text and pd.precision == precision
    assert ofac_date_text(partial_date(*(date.fromisoformat(a) for a in args), circa=True)) == f"circa {text}"


# --------------------------------------------------------------------------------------------- bad input

BAD_CASES = [
    ("cons_advanced_truncated.xml", r"cons_advanced_truncated\.xml, line \d+: malformed XML.*truncated"),
    ("cons_advanced_wrong_namespace.xml", r"line 1: expected an OFAC Advanced XML <Sanctions>.*example\.org"),
    ("cons_advanced_missing_id.xml", r"line \d+, field 'FixedRef': <DistinctParty>: FixedRef must be"),
    (
        "cons_advanced_duplicate_id.xml",
        r"line \d+, field 'FixedRef'.*duplicate FixedRef 9639 \(first at line \d+\)",
    ),
    ("cons_advanced_bad_date.xml", r"line \d+.*<DistinctParty FixedRef='9639'>: <Feature>: bad date"),
    ("cons_advanced_wrong_encoding.xml", r"line \d+: malformed XML: not well-formed.*NamePartValue"),
    (
        "cons_advanced_unknown_reference.xml",
        r"AliasTypeID='1499' is not in ReferenceValueSets/AliasTypeValues",
    ),
    ("cons_enhanced_truncated.xml", r"cons_enhanced_truncated\.xml, line \d+: malformed XML.*truncated"),
    ("cons_enhanced_wrong_namespace.xml", r"line 1: expected an OFAC Enhanced XML <sanctionsData>"),
    ("cons_enhanced_missing_id.xml", r"line \d+, field 'id': <entity>: entity id must be an integer"),
    (
        "cons_enhanced_duplicate_id.xml",
        r"line \d+, field 'id'.*duplicate entity id 9639 \(first at line \d+\)",
    ),
    ("cons_enhanced_bad_date.xml", r"line \d+, field 'datePublished'.*<entity id='17013'>.*not a date"),
    ("cons_enhanced_wrong_encoding.xml", r"line \d+: malformed XML: not well-formed.*formattedLastName"),
    ("cons_enhanced_unknown_reference.xml", r"<aliasType> refId='1499' is not in <referenceValues>"),
    ("cons_enhanced_reference_mismatch.xml", r"<issuingCountry> says 'Iran' but refId=11171 is 'Russia'"),
    ("CONS_ENHANCED_two_members.ZIP", r"ZIP archive with 2 XML files"),
    ("CONS_ENHANCED_cut.ZIP", r"not a readable ZIP archive"),
]


@pytest.mark.parametrize(("name", "pattern"), BAD_CASES, ids=[c[0] for c in BAD_CASES])
def test_bad_input_is_a_clear_error(name: str, pattern: str) -> None:
    with pytest.raises(ParseError, match=pattern) as err:
        parse_paths([BAD / name])
    assert name in str(err.value)


def test_bad_input_leaves_the_ledger_unchanged(ledger: Ledger) -> None:
    ledger.load_paths([GOOD_FILES["advanced"]], "2020-03-17")
    entity_before = ledger.entity("ofac-cons:9639")[0].canonical_json()
    with ledger_unchanged(ledger):
        for name, _ in BAD_CASES:
            with pytest.raises(ParseError):
                ledger.load_paths([BAD / name], "2020-03-18", list_name="ofac-cons")
    assert ledger.entity("ofac-cons:9639")[0].canonical_json() == entity_before


def test_the_second_format_adds_and_removes_nothing(ledger: Ledger) -> None:
    first = ledger.load_paths([GOOD_FILES["advanced"]], "2020-03-17")[0]
    second = ledger.load_paths([GOOD_FILES["enhanced-zip"]], "2020-03-18")[0]
    assert first.entities_stored == second.entities_stored == 3
    # same content: the second load is an observation of the same snapshot content
    assert second.snapshot.content_sha256 == first.snapshot.content_sha256


def test_link_to_a_party_of_another_list_is_kept_with_a_warning(tmp_path: Path) -> None:
    text = GOOD_FILES["advanced"].read_text(encoding="utf-8")
    path = tmp_path / "cons_advanced.xml"
    path.write_text(text.replace('To-ProfileID="17013"', 'To-ProfileID="36000"'), encoding="utf-8")
    parsed = ofac_advanced.parse(path, list_name="ofac-cons")
    vessel = _by_id(parsed)["15036"]
    assert vessel.properties["relationships"] == ["Owned or Controlled By: 36000"]
    assert "linked_to" not in vessel.properties
    assert len(parsed.warnings) == 1 and "linked to profile 36000, not in this file" in parsed.warnings[0]


def test_hostile_xml_is_refused(tmp_path: Path) -> None:
    text = GOOD_FILES["enhanced"].read_text(encoding="utf-8")
    evil = text.replace(
        '<?xml version="1.0" encoding="utf-8"?>',
        '<?xml version="1.0"?>\n<!DOCTYPE sanctionsData [<!ENTITY x SYSTEM "file:///etc/passwd">]>',
    )
    path = tmp_path / "CONS_ENHANCED.XML"
    path.write_text(evil, encoding="utf-8")
    with pytest.raises(ParseError, match=r"line 2: a DOCTYPE declaration is not allowed"):
        ofac_enhanced.parse(path, list_name="ofac-cons")


def test_office_zip_is_left_to_other_parsers(tmp_path: Path) -> None:
    """An xlsx is a ZIP of XML files too: the OFAC detection must not claim (or reject) it."""
    path = tmp_path / "list.xlsx"
    with zipfile.ZipFile(path, "w") as zf:
        zf.writestr("[Content_Types].xml", "<Types/>")
        zf.writestr("xl/workbook.xml", "<workbook/>")
    try:
        fmt = sniff(path)[0]
    except ParseError as exc:
        assert "OFAC ZIP" not in str(exc) and "ZIP archive" not in str(exc)
    else:
        assert not fmt.startswith("ofac-")


def test_zip_bomb_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "CONS_ENHANCED.ZIP"
    body = GOOD_FILES["enhanced"].read_bytes()
    body = body.replace(b"</sanctionsData>", b"<!--" + b" " * 5_000_000 + b"--></sanctionsData>")
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("CONS_ENHANCED.XML", body)
    with pytest.raises(ParseError, match="ZIP bomb"):
        ofac_enhanced.parse(path, list_name="ofac-cons")
