"""Structured fields from OFAC's free-form ``remarks`` (legacy CSV) and ``idList`` labels (legacy XML).

OFAC writes everything it knows about a party beyond its names and addresses into one remarks string of
``"; "``-separated clauses ending with ``"."``::

    DOB 03 Jan 1970; alt. DOB 1971; POB Pyongyang, North Korea; nationality Korea, North; Gender Male;
    Passport 563120356 (Korea, North) expires 2021; a.k.a. 'JOHNNY'; Linked To: FOO BAR.

Most clauses are ``<label> <value> [(<country>)] [issued <date>] [expires <date>]``; the same labels are the
``idType`` values of the legacy XML, so both parsers place them with :func:`apply_labelled`. A clause that no
pattern places is kept verbatim in ``properties["unparsed_remarks"]``: nothing is dropped, and the full text
always stays in :attr:`Entity.remarks`.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field

from sanctions_ledger.model import Entity, Identifier, Name, PartialDate
from sanctions_ledger.model.countries import to_iso2

__all__ = [
    "RemarkStats",
    "apply_labelled",
    "apply_remarks",
    "parse_date",
    "parse_date_range",
    "person_name",
    "split_clauses",
]

MONTHS = {
    m: i
    for i, m in enumerate(
        ("jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"), start=1
    )
}


@dataclass
class RemarkStats:
    """What :func:`apply_remarks` did: clauses seen, placed, left unparsed (and those that look free-text)."""

    clauses: int = 0
    unparsed: int = 0
    free_text: int = 0  # unparsed clauses with no label shape (titles, positions, prose)
    unparsed_examples: list[str] = field(default_factory=list)

    def add(self, other: RemarkStats) -> None:
        self.clauses += other.clauses
        self.unparsed += other.unparsed
        self.free_text += other.free_text
        self.unparsed_examples.extend(other.unparsed_examples)


# --------------------------------------------------------------------------------------------- splitting


_SPLIT_CHARS = re.compile(r"[();]")


def split_clauses(text: str) -> list[str]:
    """Split joined remarks into clauses: at ``;`` outside parentheses, trailing ``.`` removed.

    A parenthesis that never closes (text cut short) falls back to splitting at every ``;``.
    """
    body = text.strip()
    if body.endswith("."):
        body = body[:-1]
    parts: list[str] = []
    depth = 0
    start = 0
    for m in _SPLIT_CHARS.finditer(body):
        ch = m.group()
        if ch == "(":
            depth += 1
        elif ch == ")":
            depth = max(0, depth - 1)
        elif depth == 0:
            parts.append(body[start : m.start()])
            start = m.end()
    parts.append(body[start:])
    if depth:
        parts = body.split(";")
    return [p.strip() for p in parts if p.strip()]


# --------------------------------------------------------------------------------------------- dates

_YEAR_SPAN = re.compile(r"^\d{4}-\d{4}$")
_DAY_MONTH_YEAR = re.compile(r"^(?:(\d{1,2}) )?(?:([A-Za-z]{3})[a-z]* )?(\d{4})$")


def _one_date(text: str) -> tuple[int, int | None, int | None] | None:
    m = _DAY_MONTH_YEAR.match(text.strip())
    if not m:
        return None
    day_s, mon_s, year_s = m.groups()
    if day_s and not mon_s:
        return None
    month = MONTHS.get(mon_s.lower()) if mon_s else None
    if mon_s and month is None:
        return None
    return int(year_s), month, int(day_s) if day_s else None


def _pd_value(parts: tuple[int, int | None, int | None]) -> str | None:
    try:
        return PartialDate.of(*parts).value
    except ValueError:
        return None


def parse_date(text: str) -> PartialDate | None:
    """``03 Jan 1970`` / ``Jan 1970`` / ``1970`` as a :class:`PartialDate`; ``None`` if not of that shape."""
    return parse_date_range(text)


def parse_date_range(text: str) -> PartialDate | None:
    """A date, optionally ``circa``, optionally a range ``A to B`` (OFAC's DOB shapes)."""
    t = text.strip()
    circa = False
    for prefix in ("circa ", "approximately ", "approx. "):
        if t.lower().startswith(prefix):
            circa, t = True, t[len(prefix) :]
    start_s, sep, end_s = t.partition(" to ")
    if not sep and _YEAR_SPAN.match(t):
        start_s, sep, end_s = t.partition("-")
    start = _one_date(start_s)
    if start is None:
        return None
    value = _pd_value(start)
    if value is None:
        return None
    end: str | None = None
    if sep:
        end_parts = _one_date(end_s)
        if end_parts is None:
            return None
        end = _pd_value(end_parts)
        if end is None:
            return None
    return PartialDate(value, circa=circa, end=end)


# --------------------------------------------------------------------------------------------- labels

# Identifier labels as OFAC writes them (remarks clause prefixes and XML idType values) -> Identifier.type.
# The source label goes into the note when it is not the type's own label, so nothing is lost.
_ID_LABELS: dict[str, str] = {
    "Passport": "passport",
    "Passport No.": "passport",
    "Diplomatic Passport": "passport",
    "National ID No.": "national_id",
    "National ID": "national_id",
    "Personal ID Card": "national_id",
    "Identification Number": "national_id",
    "Numero de Identidad": "national_id",
    "Turkish Identification Number": "national_id",
    "National Foreign ID Number": "national_id",
    "D.N.I.": "national_id",
    "C.U.I.": "national_id",
    "Citizen's Card Number": "national_id",
    "Kenyan ID No.": "national_id",
    "Birth Certificate Number": "birth_certificate",
    "Residency Number": "residency_number",
    "Electoral Registry No.": "voter_id",
    "Cedula No.": "cedula",
    "C.U.R.P.": "curp",
    "R.F.C.": "rfc",
    "SSN": "ssn",
    "Driver's License No.": "drivers_license",
    "Cartilla de Servicio Militar Nacional": "military_id",
    "Tax ID No.": "tax_id",
    "NIT #": "tax_id",
    "RUC #": "tax_id",
    "RIF #": "tax_id",
    "C.U.I.T.": "tax_id",
    "US FEIN": "tax_id",
    "Italian Fiscal Code": "tax_id",
    "V.A.T. Number": "vat",
    "Registration Number": "registration",
    "Registration ID": "registration",
    "Business Registration Number": "registration",
    "Business Registration Document #": "registration",
    "Business Number": "registration",
    "Company Number": "registration",
    "UK Company Number": "registration",
    "Commercial Registry Number": "registration",
    "Public Registration Number": "registration",
    "Central Registration System Number": "registration",
    "Certificate of Incorporation Number": "registration",
    "Chamber of Commerce Number": "registration",
    "Istanbul Chamber of Comm. No.": "registration",
    "Dubai Chamber of Commerce Membership No.": "registration",
    "Enterprise Number": "registration",
    "Branch Unit Number": "registration",
    "C.R. No.": "registration",
    "Trade License No.": "registration",
    "License": "registration",
    "Folio Mercantil No.": "registration",
    "Matricula Mercantil No": "registration",
    "Registered Charity No.": "registration",
    "Economic Register Number (CBLS)": "registration",
    "Government Gazette Number": "government_gazette",
    "Unified Social Credit Code (USCC)": "uscc",
    "Legal Entity Number": "lei",
    "D-U-N-S Number": "duns",
    "LE Number": "registration",
    "BIK (RU)": "bik",
    "SWIFT/BIC": "swift_bic",
    "MMSI": "mmsi",
    "Call Sign": "call_sign",
    "Chinese Commercial Code": "chinese_commercial_code",
    "Aircraft Manufacturer's Serial Number (MSN)": "aircraft_msn",
    "Aircraft Tail Number": "aircraft_tail_number",
    "Previous Aircraft Tail Number": "aircraft_tail_number",
    "Aircraft Construction Number (also called L/N or S/N or F/N)": "aircraft_construction_number",
    "Aircraft Mode S Transponder Code": "aircraft_mode_s",
    "Vessel Registration Identification": "imo",
    "Digital Currency Address -": "digital_currency_address",
    "Travel Document Number": "passport",
    "British National Overseas Passport": "passport",
    "Stateless Person Passport": "passport",
    "U.S.A. Passport": "passport",
    "Refugee ID Card": "national_id",
    "Stateless Person ID Card": "national_id",
    "Tazkira National ID Card": "national_id",
    "Moroccan Personal ID No.": "national_id",
    "Bosnian Personal ID No.": "national_id",
    "CNP (Personal Numerical Code)": "national_id",
    "Turkish Identificiation Number": "national_id",
    "Credencial electoral": "voter_id",
    "I.F.E.": "voter_id",
    "C.U.I.P.": "police_id",
    "RFC": "rfc",
    "RTN": "tax_id",
    "C.I.F.": "tax_id",
    "N.I.E.": "foreigner_id",
    "Fiscal Code": "tax_id",
    "Romanian Tax Registration": "tax_id",
    "Paraguayan tax identification number": "tax_id",
    "Numero Unico de Identificacao Tributaria (NUIT)": "tax_id",
    "Romanian Permanent Resident CAN": "residency_number",
    "Romanian C.R.": "registration",
    "United Social Credit Code Certificate (USCCC)": "uscc",
    "File Number": "file_number",
    "SRE Permit No.": "permit",
    "Permit Number": "permit",
    "VisaNumberID": "visa",
    "Immigration No.": "immigration_number",
    "Pilot License Number": "pilot_license",
    "Afghan Money Service Provider License Number": "registration",
    "Organization Code": "registration",
    "Serial No.": "serial_number",
    "Aircraft Serial Identification": "aircraft_msn",
    "Other Vessel Call Sign": "call_sign",
    "Equity Ticker": "equity_ticker",
    "ISIN": "isin",
    "UAE Identification": "national_id",
    "Federal ID Card": "national_id",
    "Seafarer's Identification Document": "seafarer_id",
    "Military Registration Number": "military_id",
    "Tarjeta Profesional": "professional_license",
    "MSB Registration Number": "registration",
    "Tourism License No.": "registration",
    "Registration Certificate Number": "registration",
    "Russian State Individual Business Registration Number Pattern (OGRNIP)": "registration",
    "C.I.N.": "registration",
    "RSIN": "tax_id",
    "N.I.F.": "tax_id",
    "RUT #": "tax_id",
    "Trademark number": "trademark",
    "International Maritime Organization No.": "imo",
}

# Canonical label per type: the note carries the label for every other label of that type.
_CANONICAL = {
    "passport": "Passport",
    "national_id": "National ID No.",
    "cedula": "Cedula No.",
    "tax_id": "Tax ID No.",
    "registration": "Registration Number",
    "swift_bic": "SWIFT/BIC",
    "mmsi": "MMSI",
    "imo": "Vessel Registration Identification",
}

# Labels whose value is a plain property (values kept as written).
_PROP_LABELS: dict[str, str] = {
    "Website": "websites",
    "Email Address": "emails",
    "Phone Number": "phones",
    "Phone No.": "phones",
    "Telephone": "phones",
    "Telephone No.": "phones",
    "Telephone Number": "phones",
    "Fax": "faxes",
    "Fax No.": "faxes",
    "Fax Number": "faxes",
    "Linked To": "linked_to",
    "Gender": "gender",
    "POB": "birth_places",
    "Place of Birth": "birth_places",
    "Organization Established Date": "established",
    "Organization Type": "organization_types",
    "Target Type": "target_types",
    "Former Vessel Flag": "former_vessel_flags",
    "Vessel Flag": "vessel_flag",
    "Vessel Year of Build": "vessel_year_built",
    "Other Vessel Type": "other_vessel_types",
    "Other Vessel Flag": "other_vessel_flags",
    "Vessel Type": "vessel_type",
    "Nationality of Registration": "registration_countries",
    "Aircraft Model": "aircraft_models",
    "Aircraft Operator": "aircraft_operators",
    "Aircraft Manufacture Date": "aircraft_manufacture_dates",
    "Aircraft Manufacturer": "aircraft_manufacturers",
    "Previous Aircraft Operator": "aircraft_previous_operators",
    "Title": "title",
    "Alternate Title": "title",
    "Email": "emails",
    "PHONE": "phones",
    "FAX": "faxes",
    "TELEX": "telex",
    "Telex": "telex",
    "arrested": "arrested",
    "Tribe": "tribes",
    "Subtribe": "tribes",
    "ethnicity": "ethnicities",
    "Occupation": "occupations",
    "Position": "positions",
    "Organization": "organizations",
    "From": "origins",
    "Interpol": "interpol_notices",
}

# Labels whose whole clause is a sanctions note (kept verbatim in properties["sanctions_notes"]).
_NOTE_PREFIXES = (
    "Secondary sanctions risk",
    "Additional Sanctions Information",
    "Transactions Prohibited For",
    "U.S. Persons Must Continue",
    "Executive Order",
    "CAATSA Section",
    "IFCA Determination",
    "PEESA Information",
    "Listing Date",
    "Effective Date",
    "For more information",
    "Subject to Direct",
    "Hizballah Financial",
    "Sanctions Information",
    "Purchase/Sales For Divestment",
)

# Plain words that are a label only when a colon follows ("Position: Director", not "Position of ...").
_COLON_ONLY = {
    "Title",
    "Alternate Title",
    "Tribe",
    "Subtribe",
    "Occupation",
    "Position",
    "Organization",
    "From",
    "Interpol",
}

_ALT = "alt. "

# Trailing document notes: "issued 23 Jun 1999", "expires 2021", "Issue Date ...", "Expire Date ..."
_DOC_NOTE = re.compile(r"\s+(?=(?:issued|expires|expired|Issue Date|Expire Date|Expiration Date)\b)")
_TRAILING_COUNTRY = re.compile(r"^(?P<value>.*?)\s*\((?P<country>[^()]+)\)$")


_FIRST_WORD = re.compile(r"[^\s:]+")


def _labels_by_first_word(labels: list[str]) -> dict[str, list[str]]:
    out: dict[str, list[str]] = {}
    for label in sorted(labels, key=len, reverse=True):  # longest first: "Passport No." before "Passport"
        out.setdefault(label.split()[0].lower(), []).append(label)
    return out


_BY_FIRST_WORD = _labels_by_first_word([*_ID_LABELS, *_PROP_LABELS])


def _match_label(clause: str) -> tuple[str, bool, str] | None:
    """``[alt. ]<label>[:] <rest>`` -> (label as in the tables, colon present, rest); case-insensitive."""
    body = clause[len(_ALT) :].lstrip() if clause[: len(_ALT)].lower() == _ALT else clause
    m = _FIRST_WORD.match(body)
    if not m:
        return None
    low = body.lower()
    for label in _BY_FIRST_WORD.get(m.group().lower(), ()):
        n = len(label)
        if low.startswith(label.lower()):
            nxt = body[n : n + 1]
            if nxt == ":":
                return label, True, body[n + 1 :].strip()
            if not nxt or nxt.isspace():
                return label, False, body[n:].strip()
    return None


_ID_BY_LOWER = {k.lower(): k for k in _ID_LABELS}
_PROP_BY_LOWER = {k.lower(): k for k in _PROP_LABELS}
_NOTE_PREFIXES_LOWER = tuple(p.lower() for p in _NOTE_PREFIXES)


def _canonical_label(label: str) -> str:
    """The table spelling of ``label`` (matched case-insensitively), or ``label`` itself."""
    low = label.lower()
    return _ID_BY_LOWER.get(low) or _PROP_BY_LOWER.get(low) or label


def _is_note(text: str) -> bool:
    return text.lower().startswith(_NOTE_PREFIXES_LOWER)


def _split_country(value: str) -> tuple[str, str | None]:
    """``X123 (Iran)`` -> (``X123``, ``IR``) when the last parenthesis names a country."""
    m = _TRAILING_COUNTRY.match(value)
    if m:
        code = to_iso2(m.group("country"))
        if code:
            return m.group("value").strip(), code
    return value, None


def _id_parts(rest: str) -> tuple[str, str | None, str | None]:
    """Split ``value (Country) issued X expires Y`` into value, ISO country and note."""
    pieces = _DOC_NOTE.split(rest, maxsplit=1)
    head = pieces[0].strip()
    note = pieces[1].strip() if len(pieces) > 1 else None
    value, country = _split_country(head)
    return value, country, note


_IMO_VALUE = re.compile(r"^(?:IMO\s*)?\(?(\d{7})\)?$")


def _add_identifier(
    entity: Entity, type_: str, label: str, value: str, country: str | None, note: str | None
) -> None:
    imo = _IMO_VALUE.match(value)
    if imo and (type_ == "imo" or value.upper().startswith("IMO")):
        value = imo.group(1)
        vessel = entity.schema == "vessel" or label == "Vessel Registration Identification"
        type_ = "imo" if vessel else "imo_company"
    if type_ == "digital_currency_address":
        currency, _, address = value.partition(" ")
        if address:
            note = ", ".join(p for p in (currency, note) if p)
            value = address.strip()
    if (
        label != _CANONICAL.get(type_)
        and label not in _SELF_DESCRIBING
        and type_ not in ("imo", "imo_company", "digital_currency_address")
    ):
        note = f"{label}; {note}" if note else label
    ident = Identifier(type=type_, value=value, country=country, note=note)
    if ident not in entity.identifiers:
        entity.identifiers.append(ident)


# Labels that say no more than their type (no note needed).
_SELF_DESCRIBING = {
    "C.U.R.P.",
    "R.F.C.",
    "SSN",
    "Legal Entity Number",
    "D-U-N-S Number",
    "BIK (RU)",
    "Call Sign",
    "Unified Social Credit Code (USCC)",
    "Government Gazette Number",
    "V.A.T. Number",
    "Birth Certificate Number",
    "Residency Number",
    "Electoral Registry No.",
    "Chinese Commercial Code",
    "Aircraft Manufacturer's Serial Number (MSN)",
    "Aircraft Tail Number",
    "Aircraft Construction Number (also called L/N or S/N or F/N)",
    "Aircraft Mode S Transponder Code",
}


def _add_prop(entity: Entity, key: str, value: str) -> None:
    value = value.strip()
    if key == "gender":
        value = value.capitalize()
    entity.add_property(key, value)


def apply_labelled(
    entity: Entity,
    label: str,
    value: str,
    *,
    country: str | None = None,
    note: str | None = None,
) -> bool:
    """Place one ``label``/``value`` pair (an XML ``id`` or a parsed remarks clause) on ``entity``.

    ``country`` is a country name or code as the source gives it. Returns ``False`` if the label is unknown.
    """
    label = label.strip()
    value = value.strip()
    if label.lower().startswith(_ALT):
        label = label[len(_ALT) :].strip()
    if _is_note(label):
        entity.add_property("sanctions_notes", f"{label} {value}".strip())
        return True
    label = _canonical_label(label.rstrip(":").strip())
    if label in _ID_LABELS:
        if country:
            code: str | None = to_iso2(country) or country
        else:
            value, code = _split_country(value)  # "33556474 (Russia)" with no idCountry
        _add_identifier(entity, _ID_LABELS[label], label, value, code, note)
        return True
    if label in _PROP_LABELS:
        _add_prop(entity, _PROP_LABELS[label], value)
        if country:
            entity.add_property(_PROP_LABELS[label] + "_countries", country)
        return True
    key = _XML_ONLY.get(label)
    if key is not None:
        key(entity, value)
        return True
    return False


def _nationality(entity: Entity, value: str) -> None:
    code = to_iso2(value) or value
    if code not in entity.nationalities:
        entity.nationalities.append(code)


def _citizenship(entity: Entity, value: str) -> None:
    entity.add_property("citizenships", to_iso2(value) or value)


def _dob(entity: Entity, value: str) -> bool:
    d = parse_date_range(value)
    if d is None:
        return False
    if d not in entity.birth_dates:
        entity.birth_dates.append(d)
    return True


_XML_ONLY: dict[str, Callable[[Entity, str], None]] = {
    "Nationality": _nationality,
    "Citizenship": _citizenship,
}


# --------------------------------------------------------------------------------------------- clauses


def person_name(name: str, kind: str) -> Name:
    """OFAC ``SURNAME, Given`` as a :class:`Name` with its parts (the name itself kept as published)."""
    last, sep, first = name.partition(", ")
    if sep and last.strip() and first.strip():
        return Name(name, kind=kind, last_name=last.strip(), first_name=first.strip())
    return Name(name, kind=kind)


_AKA = re.compile(r"^(a\.k\.a\.|f\.k\.a\.|n\.k\.a\.)\s*(.+)$", re.DOTALL)
_AKA_KIND = {"a.k.a.": "weak", "f.k.a.": "former", "n.k.a.": "new"}
_PROGRAM_TAG = re.compile(r"\[([A-Z0-9][A-Z0-9_-]*)\]")


def _aka_clause(entity: Entity, clause: str) -> bool:
    if clause[1:5] != ".k.a":
        return False
    m = _AKA.match(clause)
    if not m:
        return False
    raw = m.group(2).strip()
    if len(raw) >= 2 and raw[0] == "'" and raw[-1] == "'":
        raw = raw[1:-1].strip()
    elif raw.startswith("'"):
        return False  # unbalanced quote: a cut clause; keep verbatim
    if not raw:
        return False
    kind = _AKA_KIND[m.group(1)]
    # kept even when repeated: OFAC publishes some a.k.a.s twice and the count must match the source
    entity.names.append(person_name(raw, kind) if entity.schema == "person" else Name(raw, kind=kind))
    return True


def _simple_clause(entity: Entity, clause: str) -> bool:
    """DOB, nationality, citizenship: ``[alt. ]<word> <value>``."""
    body = clause[len(_ALT) :] if clause.startswith(_ALT) else clause
    word, _, value = body.partition(" ")
    value = value.strip()
    if not value:
        return False
    if word == "DOB":
        return _dob(entity, value)
    if word == "nationality":
        _nationality(entity, value)
        return True
    if word in ("citizen", "citizenship"):
        _citizenship(entity, value)
        return True
    return False


def _note_clause(entity: Entity, clause: str) -> bool:
    body = clause[len(_ALT) :] if clause.lower().startswith(_ALT) else clause
    if _is_note(body):
        entity.add_property("sanctions_notes", body)
        return True
    return False


def _labelled_clause(entity: Entity, clause: str) -> bool:
    found = _match_label(clause)
    if found is None:
        return False
    label, colon, rest = found
    if not rest or (label in _COLON_ONLY and not colon):
        return False
    if label in _ID_LABELS:
        value, country, note = _id_parts(rest)
        if not value:
            return False
        _add_identifier(entity, _ID_LABELS[label], label, value, country, note)
        return True
    return apply_labelled(entity, label, rest)


_BARE_URL = re.compile(r"^(?P<url>(?:https?://|www\.)\S+)(?:\s*\(website\))?$", re.IGNORECASE)


def _url_clause(entity: Entity, clause: str) -> bool:
    if clause[:4].lower() not in ("http", "www."):
        return False
    m = _BARE_URL.match(clause)
    if not m:
        return False
    entity.add_property("websites", m.group("url"))
    return True


_HANDLERS: tuple[Callable[[Entity, str], bool], ...] = (
    _aka_clause,
    _url_clause,
    _simple_clause,
    _note_clause,
    _labelled_clause,
)


def _unwrap(clause: str) -> str | None:
    """``(text)`` -> ``text`` when the outer parentheses enclose the whole clause."""
    if not (clause.startswith("(") and clause.endswith(")")):
        return None
    depth = 0
    for i, ch in enumerate(clause):
        depth += ch == "("
        depth -= ch == ")"
        if depth == 0 and i < len(clause) - 1:
            return None
    return clause[1:-1].strip()


_LABEL_SHAPE = re.compile(r"\d|:")
_KNOWN_WORDS = re.compile(r"^(?:alt\.\s+)?(?:DOB|POB|nationality|citizen|[afn]\.k\.a\.)\b", re.IGNORECASE)


def _looks_free_text(clause: str) -> bool:
    """A title, position or prose: no digits or colon, and no label we know (for quality reporting)."""
    return not (_LABEL_SHAPE.search(clause) or _KNOWN_WORDS.match(clause) or _match_label(clause))


def apply_remarks(entity: Entity, text: str | None, *, truncated: bool = False) -> RemarkStats:
    """Parse joined remarks ``text`` into ``entity``'s fields. Returns counts for quality reporting.

    ``truncated``: the text was cut (1000 characters, no continuation available); its last clause is kept
    verbatim in ``properties["truncated_remarks"]`` instead of being parsed into a wrong value.
    """
    stats = RemarkStats()
    if not text:
        return stats
    for tag in _PROGRAM_TAG.findall(text):
        if tag not in entity.programs:
            entity.programs.append(tag)
    clauses = split_clauses(text)
    if truncated and clauses:
        entity.add_property("truncated_remarks", clauses.pop())
    # OFAC repeats the title field in the remarks; a title holding "; " comes back as several clauses
    titles = {part.lower() for t in entity.properties.get("title", []) for part in [t, *split_clauses(t)]}
    for clause in clauses:
        stats.clauses += 1
        if clause.lower() in titles:
            continue
        if any(handler(entity, clause) for handler in _HANDLERS):
            continue
        inner = _unwrap(clause)
        if inner is not None and any(handler(entity, inner) for handler in _HANDLERS):
            continue  # "(Linked To: X)" as the legacy XML remarks write it
        stats.unparsed += 1
        if _looks_free_text(clause):
            stats.free_text += 1
        stats.unparsed_examples.append(clause)
        entity.add_property("unparsed_remarks", clause)
    return stats
