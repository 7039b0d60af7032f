"""Remarks clauses of the OFAC legacy CSV, one pattern at a time."""

from __future__ import annotations

import pytest

from sanctions_ledger.model import Entity, Identifier, Name, PartialDate
from sanctions_ledger.parsers.ofac_remarks import (
    apply_labelled,
    apply_remarks,
    parse_date_range,
    split_clauses,
)


def _entity(schema: str = "person") -> Entity:
    return Entity(list="ofac-sdn", source_id="1", schema=schema, names=[Name("X, Y")])


def _apply(text: str, schema: str = "person") -> Entity:
    e = _entity(schema)
    apply_remarks(e, text)
    return e


def test_split_clauses_respects_parentheses_and_missing_space() -> None:
    text = (
        "DOB 1969; (Following data: Alt. DOB: 10 October 1969; Passport No.: 0310857); "
        "nationality X;arrested 2002."
    )
    assert split_clauses(text) == [
        "DOB 1969",
        "(Following data: Alt. DOB: 10 October 1969; Passport No.: 0310857)",
        "nationality X",
        "arrested 2002",
    ]


def test_split_clauses_unbalanced_parenthesis_falls_back() -> None:
    assert split_clauses("A (b; C") == ["A (b", "C"]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("03 Jan 1970", PartialDate("1970-01-03")),
        ("Jan 1970", PartialDate("1970-01")),
        ("1970", PartialDate("1970")),
        ("1970 to 1973", PartialDate("1970", end="1973")),
        ("circa 1970", PartialDate("1970", circa=True)),
        ("01 Jan 1961 to 31 Dec 1962", PartialDate("1961-01-01", end="1962-12-31")),
        ("Mar 1965 to Mar 1966", PartialDate("1965-03", end="1966-03")),
        ("circa 1979-1982", PartialDate("1979", circa=True, end="1982")),
        ("31 Feb 1970", None),
        ("sometime", None),
    ],
)
def test_parse_date_range(text: str, expected: PartialDate | None) -> None:
    assert parse_date_range(text) == expected


def test_akas_from_remarks() -> None:
    e = _apply("a.k.a. 'JOHNNY'; f.k.a. 'OLD CO'; n.k.a. 'NEW CO'; a.k.a. 'SA'D, Abu'.")
    assert e.names[1:] == [
        Name("JOHNNY", "weak"),
        Name("OLD CO", "former"),
        Name("NEW CO", "new"),
        Name("SA'D, Abu", "weak", first_name="Abu", last_name="SA'D"),
    ]


def test_dates_places_nationality_citizenship_gender() -> None:
    e = _apply(
        "DOB 03 Jan 1970; alt. DOB 1971; DOB circa 1965; POB Pyongyang, North Korea; alt. POB Kaesong; "
        "nationality Korea, North; alt. nationality Atlantis; citizen Russia; Gender Female."
    )
    assert e.birth_dates == [PartialDate("1970-01-03"), PartialDate("1971"), PartialDate("1965", circa=True)]
    assert e.properties["birth_places"] == ["Pyongyang, North Korea", "Kaesong"]
    assert e.nationalities == ["KP", "Atlantis"]  # unknown country kept as written
    assert e.properties["citizenships"] == ["RU"]
    assert e.properties["gender"] == ["Female"]


def test_documents_with_country_and_notes() -> None:
    e = _apply(
        "Passport G025057 issued 23 Jun 1999 expires 05 Feb 2004; alt. Passport A10472263 (Malaysia); "
        "National ID No. 216040 (Yemen); Tax ID No. 7744001497 (Russia); Cedula No. 6068015 (Colombia); "
        "NIT # 800018928-0 (Colombia); C.U.R.P. AEGR800615HSLRMD01 (Mexico); "
        "Registration Number HRA 738077 (Stuttgart) (Germany); Diplomatic Passport 008827 (Iran) issued 1999."
    )
    assert e.identifiers == [
        Identifier("passport", "G025057", None, "issued 23 Jun 1999 expires 05 Feb 2004"),
        Identifier("passport", "A10472263", "MY"),
        Identifier("national_id", "216040", "YE"),
        Identifier("tax_id", "7744001497", "RU"),
        Identifier("cedula", "6068015", "CO"),
        Identifier("tax_id", "800018928-0", "CO", "NIT #"),
        Identifier("curp", "AEGR800615HSLRMD01", "MX"),
        Identifier("registration", "HRA 738077 (Stuttgart)", "DE"),
        Identifier("passport", "008827", "IR", "Diplomatic Passport; issued 1999"),
    ]


def test_vessel_and_company_imo_mmsi_swift() -> None:
    v = _apply(
        "Vessel Registration Identification IMO 8829555; MMSI 445123000; Former Vessel Flag Malta; "
        "alt. Former Vessel Flag Tuvalu; Vessel Year of Build 1999; Other Vessel Type Roll-on Roll-off.",
        schema="vessel",
    )
    assert v.identifiers == [Identifier("imo", "8829555"), Identifier("mmsi", "445123000")]
    assert v.properties["former_vessel_flags"] == ["Malta", "Tuvalu"]
    assert v.properties["vessel_year_built"] == ["1999"]
    assert v.properties["other_vessel_types"] == ["Roll-on Roll-off"]
    o = _apply(
        "Company Number IMO 5432123; Identification Number IMO 5342883; SWIFT/BIC ABCDKPPY.", "organization"
    )
    assert o.identifiers == [
        Identifier("imo_company", "5432123"),
        Identifier("imo_company", "5342883"),
        Identifier("swift_bic", "ABCDKPPY"),
    ]


def test_contacts_links_and_sanctions_notes() -> None:
    e = _apply(
        "Website www.x.com; alt. Website http://y.org; Email Address a@b.c; Phone Number 982188526300; "
        "Telephone: 0097282851500; Fax: 0097282858208; Linked To: FOO BAR; Linked To: SA'D, Abu; "
        "Secondary sanctions risk: section 1(b) of Executive Order 13224; "
        "Additional Sanctions Information - Subject to Secondary Sanctions; "
        "Executive Order 13846 information: LOANS FROM UNITED STATES FINANCIAL INSTITUTIONS; "
        "Transactions Prohibited For Persons Owned or Controlled By U.S. Financial Institutions: "
        "North Korea.",
        "organization",
    )
    p = e.properties
    assert p["websites"] == ["www.x.com", "http://y.org"]
    assert p["emails"] == ["a@b.c"]
    assert p["phones"] == ["982188526300", "0097282851500"]
    assert p["faxes"] == ["0097282858208"]
    assert p["linked_to"] == ["FOO BAR", "SA'D, Abu"]
    assert len(p["sanctions_notes"]) == 4
    assert p["sanctions_notes"][0] == "Secondary sanctions risk: section 1(b) of Executive Order 13224"
    assert "unparsed_remarks" not in p


def test_aircraft_and_digital_currency() -> None:
    e = _apply(
        "Aircraft Manufacturer's Serial Number (MSN) 1013409297; Aircraft Model IL-76TD; "
        "Aircraft Operator Air Koryo; Aircraft Tail Number EP-MMH; "
        "Digital Currency Address - XBT 12QtD5BFwRsdNsAZY76UVE1xyCGNTojH9h.",
        "aircraft",
    )
    assert Identifier("aircraft_msn", "1013409297") in e.identifiers
    assert Identifier("aircraft_tail_number", "EP-MMH") in e.identifiers
    assert (
        Identifier("digital_currency_address", "12QtD5BFwRsdNsAZY76UVE1xyCGNTojH9h", None, "XBT")
        in e.identifiers
    )
    assert e.properties["aircraft_models"] == ["IL-76TD"]
    assert e.properties["aircraft_operators"] == ["Air Koryo"]


def test_unparsed_kept_verbatim_and_counted() -> None:
    e = _entity()
    stats = apply_remarks(e, "Member of the Upper House; Some Label 12/34 odd; DOB sometime.")
    assert e.properties["unparsed_remarks"] == [
        "Member of the Upper House",
        "Some Label 12/34 odd",
        "DOB sometime",
    ]
    assert (stats.clauses, stats.unparsed, stats.free_text) == (3, 3, 1)


def test_title_repeated_in_remarks_is_not_unparsed() -> None:
    e = _entity()
    e.add_property("title", "Minister of Oil")
    stats = apply_remarks(e, "Minister of Oil; Gender Male.")
    assert stats.unparsed == 0
    assert "unparsed_remarks" not in e.properties


def test_parenthesised_clause_and_program_tags() -> None:
    e = _apply("(Linked To: NATIONAL IRANIAN TANKER COMPANY); Subject to [SDGT] rules.", "organization")
    assert e.properties["linked_to"] == ["NATIONAL IRANIAN TANKER COMPANY"]
    assert e.programs == ["SDGT"]


def test_truncated_last_clause_is_not_parsed() -> None:
    e = _entity()
    apply_remarks(e, "DOB 1970; a.k.a. 'WHOIS HACKIN", truncated=True)
    assert e.properties["truncated_remarks"] == ["a.k.a. 'WHOIS HACKIN"]
    assert len(e.names) == 1


def test_apply_labelled_xml_style() -> None:
    e = _entity("organization")
    assert apply_labelled(e, "Passport", "563120356", country="Korea, North", note="expires 2021")
    assert apply_labelled(e, "Registration ID", "33556474 (Russia)")
    assert apply_labelled(e, "Vessel Registration Identification", "IMO 9187629")
    assert apply_labelled(e, "For more information, please see:", "https://example.org")
    assert apply_labelled(e, "Gender", "male")
    assert not apply_labelled(e, "Unheard Of Label", "1")
    assert e.identifiers == [
        Identifier("passport", "563120356", "KP", "expires 2021"),
        Identifier("registration", "33556474", "RU", "Registration ID"),
        Identifier("imo", "9187629"),
    ]
    assert e.properties["sanctions_notes"] == ["For more information, please see: https://example.org"]
    assert e.properties["gender"] == ["Male"]


def test_plain_word_labels_need_a_colon() -> None:
    e = _apply("Position: Director, General Intelligence; Organization of the Basij; Tribe: Noorzai.")
    assert e.properties["positions"] == ["Director, General Intelligence"]
    assert e.properties["tribes"] == ["Noorzai"]
    assert e.properties["unparsed_remarks"] == ["Organization of the Basij"]
