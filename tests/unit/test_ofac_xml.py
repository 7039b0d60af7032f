"""OFAC legacy sdnList XML parser on hand-made fixtures, including hostile and broken XML."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from sanctions_ledger.errors import ParseError
from sanctions_ledger.model import Address, Entity, Identifier, Name, PartialDate
from sanctions_ledger.parsers import ofac_xml
from sanctions_ledger.parsers.base import ParsedList

XML = Path(__file__).resolve().parents[1] / "fixtures" / "ofac" / "xml"


@pytest.fixture(scope="module")
def good() -> ParsedList:
    return ofac_xml.parse(XML / "good.xml", list_name="ofac-sdn")


def _by_id(parsed: ParsedList) -> dict[str, Entity]:
    return {e.source_id: e for e in parsed.entities}


def _line_of(path: Path, needle: str) -> int:
    for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        if needle in line:
            return n
    raise AssertionError(needle)


def test_header_counts_provenance(good: ParsedList) -> None:
    assert good.format == "ofac-xml"
    assert good.published_at == datetime(2019, 3, 21, tzinfo=ZoneInfo("America/New_York"))
    assert good.published_at is not None and good.published_at.utcoffset() is not None
    assert good.counts["records"] == 3 and good.counts["declared_records"] == 3
    assert good.warnings == []
    provs = [e.provenance for e in good.entities]
    assert [p.element for p in provs if p] == ["sdnEntry[1]", "sdnEntry[2]", "sdnEntry[3]"]
    assert [p.line for p in provs if p] == [
        _line_of(XML / "good.xml", "<uid>26243</uid>") - 1,
        _line_of(XML / "good.xml", "<uid>9639</uid>") - 1,
        _line_of(XML / "good.xml", "<uid>15036</uid>") - 1,
    ]


def test_entity_entry(good: ParsedList) -> None:
    e = _by_id(good)["26243"]
    assert e.id == "ofac-sdn:26243"
    assert e.schema == "organization"
    assert e.programs == ["DPRK3", "DPRK4"]
    assert e.names == [
        Name("DALIAN HAIBO INTERNATIONAL FREIGHT CO., LTD.", "primary"),
        Name("DALIAN HAIBO", "alias"),
        Name("OLD HAIBO", "former"),
    ]
    assert e.addresses == [
        Address(
            street="Room 1, Building 2",
            city="Dalian",
            state="Liaoning",
            postal_code="116001",
            country="CN",
            country_name="China",
        )
    ]
    assert e.identifiers == [
        Identifier("registration", "91210200242663544B", "CN"),
        Identifier("imo_company", "5432123"),
    ]
    assert e.properties["websites"] == ["www.example.cn"]
    assert e.properties["sanctions_notes"] == [
        "Secondary sanctions risk: North Korea Sanctions Regulations, sections 510.201 and 510.210"
    ]
    assert e.properties["linked_to"] == ["EXAMPLE SHIPPING CO"]  # from "(Linked To: ...)" in remarks
    assert e.remarks == "(Linked To: EXAMPLE SHIPPING CO)"


def test_individual_entry(good: ParsedList) -> None:
    e = _by_id(good)["9639"]
    assert e.schema == "person"
    assert e.names == [
        Name("HANIYA, Ismail Abdul Salah", "primary", first_name="Ismail Abdul Salah", last_name="HANIYA"),
        Name("ABU AL-ABD", "weak"),
        Name("HANIYEH, Ismail", "alias", first_name="Ismail", last_name="HANIYEH"),
    ]
    assert e.identifiers == [Identifier("passport", "563120356", "KP", "issued 01 Jan 2016 expires 2021")]
    assert e.properties["gender"] == ["Male"]
    assert e.properties["unparsed_remarks"] == ["Some New Label XYZ"]
    assert e.nationalities == ["PS"]
    assert e.properties["citizenships"] == ["EG"]
    assert e.birth_dates == [PartialDate("1962"), PartialDate("1963-01-08", circa=True)]
    assert e.properties["birth_places"] == ["Shati"]
    assert e.properties["title"] == ["Director"]


def test_vessel_entry(good: ParsedList) -> None:
    e = _by_id(good)["15036"]
    assert e.schema == "vessel"
    assert e.identifiers == [Identifier("imo", "9187629"), Identifier("mmsi", "572469210")]
    p = e.properties
    assert p["call_sign"] == ["T2EU4"]
    assert p["vessel_flag"] == ["Tanzania"] and p["vessel_flag_code"] == ["TZ"]
    assert p["tonnage"] == ["99144"] and p["gross_registered_tonnage"] == ["56068"]


def test_record_count_mismatch_is_a_warning() -> None:
    parsed = ofac_xml.parse(XML / "count_mismatch.xml", list_name="ofac-sdn")
    assert parsed.counts["records"] == 3
    assert any("Record_Count says 4" in w for w in parsed.warnings)


def _err(name: str) -> ParseError:
    with pytest.raises(ParseError) as info:
        ofac_xml.parse(XML / name, list_name="ofac-sdn")
    assert info.value.path == str(XML / name)
    return info.value


def test_entity_expansion_refused() -> None:
    err = _err("entity_expansion.xml")
    assert err.line == 2
    assert "unsafe XML" in err.detail and "entity expansion" in err.detail


def test_external_entity_refused() -> None:
    err = _err("external_entity.xml")
    assert err.line == 2
    assert "unsafe XML" in err.detail and "external entity" in err.detail


def test_malformed_xml_names_line() -> None:
    err = _err("malformed.xml")
    assert err.line == _line_of(XML / "malformed.xml", "</lastname>")
    assert "malformed XML" in err.detail


def test_truncated_xml() -> None:
    err = _err("truncated.xml")
    assert err.line is not None
    assert "truncated" in err.detail


def test_empty_xml(tmp_path: Path) -> None:
    p = tmp_path / "sdn.xml"
    p.write_bytes(b"")
    with pytest.raises(ParseError) as info:
        ofac_xml.parse(p, list_name="ofac-sdn")
    assert "empty" in info.value.detail


def test_wrong_root(tmp_path: Path) -> None:
    p = tmp_path / "other.xml"
    p.write_text('<?xml version="1.0"?><CONSOLIDATED_LIST/>', encoding="utf-8")
    with pytest.raises(ParseError) as info:
        ofac_xml.parse(p, list_name="ofac-sdn")
    assert "sdnList" in info.value.detail
