"""EU FSF XML, FCDO UK Sanctions List XML and OFSI ConList 2022 xlsx: field mapping on small fixtures
written here in the official layouts, and bad input (truncated, wrong namespace, missing id, duplicate or
conflicting id, bad date, wrong encoding): a clear error naming the file and the element or row, and the
ledger unchanged."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from sanctions_ledger.errors import ParseError
from sanctions_ledger.ledger import Ledger
from sanctions_ledger.model import Address, Identifier, PartialDate
from sanctions_ledger.parsers import detect, parse_set
from sanctions_ledger.parsers.uk_ofsi_2022 import cell_date, enumerated
from tests.unit.unchanged import ledger_unchanged
from tests.unit.xlsx_writer import write_xlsx

EU_HEAD = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
    '<export xmlns="{ns}" generationDate="2026-08-05T16:47:04.449+02:00" globalFileId="1">\n'
)
EU_NS = "http://eu.europa.ec/fpi/fsd/export"


def _eu_entity(
    lid: str = "100",
    prog: str = "AFG",
    code: str = "person",
    ref: str = "EU.1.1",
    designation: str = ' designationDate="2001-01-25"',
    names: str = "",
) -> str:
    names = names or (
        '<nameAlias firstName="Ahmad" middleName="" lastName="JAN" wholeName="Ahmad JAN" gender="M" '
        'title="Maulavi" function="Minister" nameLanguage="" strong="true" logicalId="1"/>\n'
        '<nameAlias wholeName="Ахмад Джан" nameLanguage="RU" strong="true" logicalId="2"/>\n'
        '<nameAlias wholeName="Abu Jan" nameLanguage="" strong="false" logicalId="3"/>\n'
    )
    return (
        f'<sanctionEntity{designation} designationDetails="" unitedNationId="TAi.1" '
        f'euReferenceNumber="{ref}" logicalId="{lid}">\n'
        f"<remark>Believed to be in Kabul.</remark>\n"
        f'<regulation regulationType="amendment" organisationType="council" publicationDate="2017-03-09" '
        f'entryIntoForceDate="2017-03-10" numberTitle="2017/404 (OJ L63)" programme="{prog}" logicalId="9">'
        f"<publicationUrl>http://eur-lex.example/2017-404</publicationUrl></regulation>\n"
        f'<subjectType code="{code}" classificationCode="P"/>\n'
        f"{names}"
        f'<birthdate circa="true" calendarType="GREGORIAN" city="Tirin Kot" yearRangeFrom="1953" '
        f'yearRangeTo="1958" countryIso2Code="AF" countryDescription="AFGHANISTAN" logicalId="4"/>\n'
        f'<citizenship countryIso2Code="AF" countryDescription="AFGHANISTAN" logicalId="5"/>\n'
        f'<identification diplomatic="false" knownExpired="false" knownFalse="true" reportedLost="false" '
        f'revokedByIssuer="false" issuedBy="" latinNumber="" nameOnDocument="" number="OR801168" '
        f'identificationTypeCode="passport" identificationTypeDescription="National passport" '
        f'countryIso2Code="AF" countryDescription="AFGHANISTAN" logicalId="6"/>\n'
        f'<address city="Kabul" street="Darul Aman" poBox="" zipCode="" region="" place="" '
        f'asAtListingTime="false" countryIso2Code="AF" countryDescription="AFGHANISTAN" logicalId="7">'
        f'<contactInfo key="PHONE" value="+93 1"/><contactInfo key="EMAIL" value="a@b.example"/></address>\n'
        f"</sanctionEntity>\n"
    )


def _eu(
    tmp_path: Path, body: str, *, ns: str = EU_NS, name: str = "eu.xml", tail: str = "</export>\n"
) -> Path:
    p = tmp_path / name
    p.write_text(EU_HEAD.format(ns=ns) + body + tail, encoding="utf-8")
    return p


def _parse(path: Path) -> list:  # type: ignore[type-arg]
    [ls] = detect([path])
    return parse_set(ls).entities


FCDO_HEAD = (
    '<?xml version="1.0" encoding="utf-8"?>\n<Designations{ns} dateGenerated="2026-08-14T23:00:04.744Z">\n'
    "<DateGenerated>14/08/2026</DateGenerated>\n"
)


def _designation(uid: str = "AFG0011", designated: str = "31/01/2001", gid: str = "7270") -> str:
    uid_el = f"<UniqueID>{uid}</UniqueID>" if uid else ""
    return (
        "<Designation>\n<LastUpdated>29/04/2026</LastUpdated>\n"
        f"<DateDesignated>{designated}</DateDesignated>\n{uid_el}\n<OFSIGroupID>{gid}</OFSIGroupID>\n"
        "<Names><Name><Name1>ABDUL</Name1><Name6>MANSUR</Name6><NameType>Primary Name</NameType></Name>"
        "<Name><Name1>Wali</Name1><Name6>MOHAMMAD</Name6><NameType>Alias</NameType>"
        "<AliasStrength>Low quality a.k.a</AliasStrength></Name></Names>\n"
        "<NonLatinNames><NonLatinName><NameNonLatinScript>عبد اللطيف منصور</NameNonLatinScript>"
        "</NonLatinName></NonLatinNames>\n"
        "<RegimeName>The Afghanistan (Sanctions) (EU Exit) Regulations 2020</RegimeName>\n"
        "<IndividualEntityShip>Individual</IndividualEntityShip>\n"
        "<OtherInformation>Taliban Shadow Governor.</OtherInformation>\n"
        "<Addresses><Address><AddressLine1>Darul Aman</AddressLine1><AddressLine2>Kabul</AddressLine2>"
        "<AddressCountry>Afghanistan</AddressCountry></Address></Addresses>\n"
        "<IndividualDetails><Individual><DOBs><DOB>dd/mm/1968</DOB><DOB>12/11/1967</DOB><DOB>dd/09/1958</DOB>"
        "</DOBs><PassportDetails><Passport><PassportNumber> D0009720</PassportNumber>"
        "<PassportAdditionalInformation>diplomatic passport</PassportAdditionalInformation></Passport>"
        "</PassportDetails><NationalIdentifierDetails><NationalIdentifier><NationalIdentifierNumber>0075258"
        "</NationalIdentifierNumber></NationalIdentifier></NationalIdentifierDetails>"
        "<Nationalities><Nationality>Afghanistan</Nationality></Nationalities></Individual>"
        "</IndividualDetails>\n</Designation>\n"
    )


def _fcdo(tmp_path: Path, body: str, *, ns: str = "", tail: str = "</Designations>\n") -> Path:
    p = tmp_path / "UK-Sanctions-List.xml"
    p.write_text(FCDO_HEAD.format(ns=ns) + body + tail, encoding="utf-8")
    return p


OFSI_HEADER = [
    "Name 6", "Name 1", "Name 2", "Name 3", "Name 4", "Name 5", "Title", "Name Non-Latin Script",
    "Non-Latin Script Type", "Non-Latin Script Language", "DOB", "Town of Birth", "Country of Birth",
    "Nationality", "Passport Number", "Passport Details", "National Identification Number",
    "National Identification Details", "Position", "Address 1", "Address 2", "Address 3", "Address 4",
    "Address 5", "Address 6", "Post/Zip Code", "Country", "Other Information", "Group Type", "Alias Type",
    "Alias Quality", "Regime", "Listed On", "UK Sanctions List Date Designated", "Last Updated", "Group ID",
]  # fmt: skip


def _ofsi_row(**kw: str | int | float) -> list[str | int | float | None]:
    base: dict[str, str | int | float] = {
        "Name 6": "ZADACHIN",
        "Name 1": "Andrei",
        "DOB": "22/08/1990",
        "Nationality": "Russia",
        "Passport Number": "(1) 7510 (2) -",
        "Passport Details": "(1) Russia number (2) lost",
        "Other Information": "(UK Sanctions List Ref):RUS1831. Financial sanctions imposed",
        "Group Type": "Individual",
        "Alias Type": "Primary name",
        "Regime": "Russia",
        "Listed On": "21/04/2023",
        "UK Sanctions List Date Designated": "21/04/2023",
        "Last Updated": "21/04/2023",
        "Group ID": 15890,
    }
    base.update(kw)
    return [base.get(h) for h in OFSI_HEADER]


def _ofsi(tmp_path: Path, rows: list[list[str | int | float | None]], **kw: object) -> Path:
    head: list[list[str | int | float | None]] = [["Last Updated", "10/04/2025"], list(OFSI_HEADER)]
    return write_xlsx(tmp_path / "ConList.xlsx", head + rows, **kw)  # type: ignore[arg-type]


# -- good input: mapping ---------------------------------------------------------------------------------


def test_eu_mapping_and_regime_merge(tmp_path: Path) -> None:
    body = _eu_entity() + _eu_entity(prog="TAQA", designation="")
    path = _eu(tmp_path, body)
    [ls] = detect([path])
    assert (ls.format, ls.list) == ("eu-fsf-xml", "eu-fsf")
    parsed = parse_set(ls)
    assert parsed.counts["records"] == 2 and parsed.counts["entities"] == 1
    assert parsed.published_at == datetime.fromisoformat("2026-08-05T16:47:04.449+02:00")
    [e] = parsed.entities
    assert e.id == "eu-fsf:100" and e.schema == "person"
    assert e.programs == ["AFG", "TAQA"]
    assert e.listed_on == "2001-01-25"
    assert [(n.name, n.kind, n.script) for n in e.names] == [
        ("Ahmad JAN", "primary", "Latn"),
        ("Ахмад Джан", "alias", "Cyrl"),
        ("Abu Jan", "weak", "Latn"),
    ]
    assert e.properties["name_languages"] == ["RU: Ахмад Джан"]
    assert e.birth_dates == [PartialDate("1953", circa=True, end="1958")]
    assert e.nationalities == ["AF"]
    assert e.identifiers == [Identifier("passport", "OR801168", "AF", "National passport; known false")]
    assert e.addresses == [
        Address(street="Darul Aman", city="Kabul", country="AF", country_name="AFGHANISTAN")
    ]
    assert e.properties["phones"] == ["+93 1"] and e.properties["emails"] == ["a@b.example"]
    assert e.properties["gender"] == ["male"] and e.properties["title"] == ["Maulavi"]
    assert e.properties["birth_places"] == ["Tirin Kot, AFGHANISTAN"]
    assert e.properties["un_reference_number"] == ["TAi.1"]
    assert e.remarks == "Believed to be in Kabul."


def test_fcdo_mapping(tmp_path: Path) -> None:
    path = _fcdo(tmp_path, _designation())
    [ls] = detect([path])
    assert (ls.format, ls.list) == ("uk-fcdo-xml", "uk-fcdo")
    parsed = parse_set(ls)
    assert parsed.published_at == datetime(2026, 8, 14, 23, 0, 4, 744000, tzinfo=ZoneInfo("UTC"))
    [e] = parsed.entities
    assert e.id == "uk-fcdo:AFG0011" and e.schema == "person" and e.listed_on == "2001-01-31"
    assert [(n.name, n.kind, n.script) for n in e.names] == [
        ("ABDUL MANSUR", "primary", "Latn"),
        ("Wali MOHAMMAD", "weak", "Latn"),
        ("عبد اللطيف منصور", "original_script", "Arab"),
    ]
    assert e.birth_dates == [PartialDate("1968"), PartialDate("1967-11-12"), PartialDate("1958-09")]
    assert e.identifiers == [
        Identifier("passport", "D0009720", note="diplomatic passport"),
        Identifier("national_id", "0075258"),  # leading zero kept
    ]
    assert e.nationalities == ["AF"]
    assert e.properties["ofsi_group_id"] == ["7270"]
    assert e.properties["last_updated"] == ["2026-04-29"]
    assert e.addresses[0].street == "Darul Aman, Kabul" and e.addresses[0].country == "AF"


def test_ofsi_xlsx_mapping_and_cell_dates(tmp_path: Path) -> None:
    rows = [
        _ofsi_row(),
        # the same target again: another name, a low-quality alias, a serial-number Listed On (45037 =
        # 2023-04-21), a non-Latin name, a bare-year DOB given as a number
        _ofsi_row(
            **{
                "Name 1": "Andrey",
                "Alias Type": "AKA",
                "Alias Quality": "Low quality",
                "Listed On": 45037,
                "DOB": 1991,
                "Name Non-Latin Script": "ЗАДАЧИН Андрей",
            }
        ),
    ]
    path = _ofsi(tmp_path, rows)
    [ls] = detect([path])
    assert (ls.format, ls.list) == ("uk-ofsi-xlsx", "uk-hmt")
    parsed = parse_set(ls)
    assert parsed.counts["rows"] == 2 and parsed.published_at == datetime(
        2025, 4, 10, tzinfo=ZoneInfo("Europe/London")
    )
    [e] = parsed.entities
    assert e.id == "uk-hmt:15890" and e.listed_on == "2023-04-21"
    assert [(n.name, n.kind) for n in e.names] == [
        ("Andrei ZADACHIN", "primary"),
        ("Andrey ZADACHIN", "weak"),
        ("ЗАДАЧИН Андрей", "original_script"),
    ]
    assert e.birth_dates == [PartialDate("1990-08-22"), PartialDate("1991")]
    assert e.identifiers == [Identifier("passport", "7510", note="Russia number")]
    assert e.properties["passport_details"] == ["lost"]
    assert e.properties["uk_sanctions_list_ref"] == ["RUS1831"]


def test_cell_dates_and_enumerations() -> None:
    assert cell_date(45037) == "2023-04-21"
    assert cell_date(45037.0) == "2023-04-21"
    assert cell_date(datetime(2023, 4, 21, 0, 0)) == "2023-04-21"
    assert cell_date("21/04/2023") == "2023-04-21"
    assert cell_date("2023-04-21") == "2023-04-21"
    assert cell_date("31/02/2023") is None and cell_date("soon") is None and cell_date(-3) is None
    assert enumerated("(1) A-1 (2) - (3) B") == {1: "A-1", 3: "B"}
    assert enumerated("S335026") == {1: "S335026"}
    assert enumerated("-") == {}


# -- bad input ---------------------------------------------------------------------------------------------


def _bad_eu(tmp_path: Path, kind: str) -> Path:
    good = _eu_entity()
    if kind == "truncated":
        return _eu(tmp_path, good + _eu_entity(lid="101")[:300], tail="")
    if kind == "namespace":
        return _eu(tmp_path, good, ns="http://example.org/not-fsd")
    if kind == "missing-id":
        return _eu(tmp_path, good + _eu_entity(lid=""))
    if kind == "duplicate-id":
        return _eu(tmp_path, good + _eu_entity())  # same logicalId, same programme twice
    if kind == "conflicting-id":
        return _eu(tmp_path, good + _eu_entity(prog="TAQA", code="enterprise"))
    if kind == "bad-date":
        return _eu(tmp_path, _eu_entity(designation=' designationDate="2001-02-30"'))
    if kind == "encoding":
        p = tmp_path / "eu.xml"
        p.write_bytes(
            (EU_HEAD.format(ns=EU_NS) + good).encode() + "<!-- Caf\xe9 -->\n".encode("latin-1") + b"</export>"
        )
        return p
    raise AssertionError(kind)


def _bad_fcdo(tmp_path: Path, kind: str) -> Path:
    good = _designation()
    if kind == "truncated":
        return _fcdo(tmp_path, good + _designation("AFG0012")[:400], tail="")
    if kind == "namespace":
        return _fcdo(tmp_path, good, ns=' xmlns="http://example.org/other"')
    if kind == "missing-id":
        return _fcdo(tmp_path, good + _designation(uid=""))
    if kind in ("duplicate-id", "conflicting-id"):
        return _fcdo(tmp_path, good + _designation())
    if kind == "bad-date":
        return _fcdo(tmp_path, _designation(designated="31/13/2001"))
    if kind == "encoding":
        p = tmp_path / "UK-Sanctions-List.xml"
        body = _designation().replace("Kabul", "K\xe2bul")
        p.write_bytes(
            (FCDO_HEAD.format(ns="")).encode() + body.encode("latin-1", "replace") + b"</Designations>"
        )
        return p
    raise AssertionError(kind)


def _bad_ofsi(tmp_path: Path, kind: str) -> Path:
    if kind == "truncated":
        good = _ofsi(tmp_path, [_ofsi_row()])
        data = good.read_bytes()
        good.write_bytes(data[: len(data) // 2])
        return good
    if kind == "namespace":
        return _ofsi(tmp_path, [_ofsi_row()], main_ns="http://example.org/not-spreadsheetml")
    if kind == "missing-id":
        return _ofsi(tmp_path, [_ofsi_row(), _ofsi_row(**{"Group ID": "", "Name 1": "X"})])
    if kind in ("duplicate-id", "conflicting-id"):
        return _ofsi(tmp_path, [_ofsi_row(), _ofsi_row(**{"Group Type": "Entity", "Name 6": "ZAO"})])
    if kind == "bad-date":
        return _ofsi(tmp_path, [_ofsi_row(), _ofsi_row(**{"Listed On": "31/02/2023", "Name 1": "A"})])
    if kind == "encoding":
        shared = (
            '<?xml version="1.0" encoding="UTF-8"?><sst xmlns="http://schemas.openxmlformats.org/'
            'spreadsheetml/2006/main"><si><t>Last Updated</t></si><si><t>Group ID</t></si>'
            "<si><t>Alias Type</t></si><si><t>Caf\xe9</t></si></sst>"
        ).encode("latin-1")
        return _ofsi(tmp_path, [_ofsi_row()], raw_shared=shared)
    raise AssertionError(kind)


BAD = ("truncated", "namespace", "missing-id", "duplicate-id", "conflicting-id", "bad-date", "encoding")
# what each error must name besides the file: the element or row, or the field
WHERE = {
    ("eu", "truncated"): "sanctionEntity",
    ("eu", "namespace"): "namespace",
    ("eu", "missing-id"): "logicalId",
    ("eu", "duplicate-id"): "programme",
    ("eu", "conflicting-id"): "subjectType",
    ("eu", "bad-date"): "designationDate",
    ("eu", "encoding"): "line",
    ("fcdo", "truncated"): "Designation",
    ("fcdo", "namespace"): "Designations",
    ("fcdo", "missing-id"): "UniqueID",
    ("fcdo", "duplicate-id"): "AFG0011",
    ("fcdo", "conflicting-id"): "AFG0011",
    ("fcdo", "bad-date"): "DateDesignated",
    ("fcdo", "encoding"): "line",
    ("ofsi", "truncated"): "zip",
    ("ofsi", "namespace"): "sharedStrings.xml",
    ("ofsi", "missing-id"): "line 4",
    ("ofsi", "duplicate-id"): "Group ID 15890",
    ("ofsi", "conflicting-id"): "Group ID 15890",
    ("ofsi", "bad-date"): "Listed On",
    ("ofsi", "encoding"): "workbook",
}
MAKERS = {"eu": _bad_eu, "fcdo": _bad_fcdo, "ofsi": _bad_ofsi}


@pytest.mark.parametrize("fmt", sorted(MAKERS))
@pytest.mark.parametrize("kind", BAD)
def test_bad_input_names_file_and_place(tmp_path: Path, fmt: str, kind: str) -> None:
    path = MAKERS[fmt](tmp_path, kind)
    with pytest.raises(ParseError) as err:
        _parse(path)
    text = str(err.value)
    assert path.name in text, text
    assert WHERE[(fmt, kind)] in text, text


@pytest.mark.parametrize("fmt", sorted(MAKERS))
def test_bad_input_leaves_ledger_unchanged(ledger: Ledger, tmp_path: Path, fmt: str) -> None:
    good_dir = tmp_path / "good"
    good_dir.mkdir()
    good = {
        "eu": lambda: _eu(good_dir, _eu_entity()),
        "fcdo": lambda: _fcdo(good_dir, _designation()),
        "ofsi": lambda: _ofsi(good_dir, [_ofsi_row()]),
    }[fmt]()
    ledger.load_paths([good], "2026-08-01")
    with ledger_unchanged(ledger):
        for kind in BAD:
            bad_dir = tmp_path / kind
            bad_dir.mkdir()
            bad = MAKERS[fmt](bad_dir, kind)
            with pytest.raises(ParseError):
                ledger.load_paths([bad], "2026-08-02")


@pytest.mark.parametrize("fmt", ["eu", "fcdo"])
def test_doctype_and_entities_are_refused(tmp_path: Path, fmt: str) -> None:
    bomb = '<!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;&lol;">]>\n'
    if fmt == "eu":
        path = tmp_path / "eu.xml"
        text = EU_HEAD.format(ns=EU_NS).replace("\n", "\n" + bomb, 1) + _eu_entity() + "</export>\n"
    else:
        path = tmp_path / "UK-Sanctions-List.xml"
        text = FCDO_HEAD.format(ns="").replace("\n", "\n" + bomb, 1) + _designation() + "</Designations>\n"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(ParseError, match="DOCTYPE declaration is not allowed") as err:
        _parse(path)
    assert path.name in str(err.value) and "line 2" in str(err.value)


def test_eu_partial_birthdates(tmp_path: Path) -> None:
    body = _eu_entity().replace(
        "<citizenship",
        '<birthdate circa="false" calendarType="GREGORIAN" year="1970" monthOfYear="4" logicalId="10"/>\n'
        '<birthdate circa="false" calendarType="GREGORIAN" year="1961" logicalId="11"/>\n'
        '<birthdate circa="false" calendarType="GREGORIAN" dayOfMonth="28" monthOfYear="4" logicalId="12"/>\n'
        "<citizenship",
    )
    [ls] = detect([_eu(tmp_path, body)])
    parsed = parse_set(ls)
    [e] = parsed.entities
    assert e.birth_dates == [
        PartialDate("1953", circa=True, end="1958"),
        PartialDate("1970-04"),
        PartialDate("1961"),
    ]
    assert e.properties["birth_dates_text"] == ["dayOfMonth 28, monthOfYear 4"]
    assert any("without a year" in w for w in parsed.warnings)
