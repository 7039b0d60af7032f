"""What the two OFAC Sanctions List Service formats (Advanced XML and Enhanced XML) share.

* :func:`open_input` opens the file, or the one XML member of an official ``.ZIP``, for streaming, with
  limits against ZIP bombs;
* :func:`partial_date` turns OFAC's date periods (the earliest and latest day a date may start and end on,
  plus an approximate flag) into a :class:`PartialDate` with its precision, and :func:`ofac_date_text`
  writes one back in OFAC's legacy spelling (``17 Oct 1990``, ``circa 1962``, ``1951 to 1953``);
* :class:`Draft` collects one party's facts in the shape of the legacy ``sdnEntry`` and :func:`build`
  turns it into an :class:`Entity` the way :mod:`sanctions_ledger.parsers.ofac_xml` does, so the same
  party read from the legacy XML, the Advanced XML or the Enhanced XML gets the same fields.
"""

from __future__ import annotations

import calendar
import re
import zipfile
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import IO

from sanctions_ledger.errors import ParseError
from sanctions_ledger.model import Address, Entity, Name, PartialDate, Provenance
from sanctions_ledger.model.countries import to_iso2
from sanctions_ledger.parsers.base import require_nonempty
from sanctions_ledger.parsers.ofac_remarks import apply_labelled, apply_remarks
from sanctions_ledger.parsers.xmlstream import BinaryReader, XmlNode, stream

ZIP_MAGIC = b"PK\x03\x04"
MAX_UNZIPPED = 2 << 30  # 2 GiB: the full SDN Advanced XML is ~120 MB
MAX_RATIO = 200  # XML compresses ~15-20x; far more is a ZIP bomb

# OFAC script names (Advanced XML ScriptCode / Enhanced XML <script>) -> ISO 15924
SCRIPTS = {
    "latin": "Latn",
    "arabic": "Arab",
    "cyrillic": "Cyrl",
    "chinese simplified": "Hans",
    "chinese traditional": "Hant",
    "chinese": "Hani",
    "korean": "Kore",
    "japanese": "Jpan",
    "hebrew": "Hebr",
    "greek": "Grek",
    "georgian": "Geor",
    "armenian": "Armn",
    "thai": "Thai",
    "persian": "Arab",
    "burmese": "Mymr",
    "khmer": "Khmr",
    "devanagari": "Deva",
}

# vessel features that the legacy files carry in vesselInfo / the vessel columns
VESSEL_FEATURES = {
    "vessel call sign": "call_sign",
    "vessel type": "vessel_type",
    "vessel flag": "vessel_flag",
    "vessel owner": "vessel_owner",
    "vessel tonnage": "tonnage",
    "vessel gross registered tonnage": "gross_registered_tonnage",
    "vessel grt": "gross_registered_tonnage",
}

LIST_PROPERTIES = ("sanctions_lists", "listed_on_by_list", "legal_bases", "sanctions_types", "relationships")


def script_code(name: str) -> str:
    """ISO 15924 code of an OFAC script name; unknown names are kept as written."""
    return SCRIPTS.get(name.strip().lower(), name.strip())


_ROOT = re.compile(rb"<(?:[\w.-]+:)?(sanctionsdata|sanctions)[\s>/]")


def sniff_format(head_lower: bytes) -> str | None:
    """``ofac-enhanced-xml`` / ``ofac-advanced-xml`` when the (lower-cased) start of an XML file has the
    root element of one of them (any namespace: the parser checks it and says what is wrong)."""
    m = _ROOT.search(head_lower)
    if m is None:
        return None
    return "ofac-enhanced-xml" if m.group(1) == b"sanctionsdata" else "ofac-advanced-xml"


def list_for(path: Path, head_lower: bytes = b"") -> str:
    """Which OFAC list a file is: from its name as for the legacy files (``cons`` -> ``ofac-cons``, ``sdn``
    -> ``ofac-sdn``); for a name that says neither (a custom export), from the Enhanced XML's filter in the
    (lower-cased) start of the file: with the SDN List it is ``ofac-sdn``, with only other lists
    ``ofac-cons``; else by the folder, as for the legacy XML."""
    name = path.name.lower()
    if "cons" in name:
        return "ofac-cons"
    if "sdn" in name:
        return "ofac-sdn"
    filters = head_lower.partition(b"<filters>")[2].partition(b"</filters>")[0]
    if b"<sanctionslist" in filters:
        return "ofac-sdn" if b">sdn list<" in filters else "ofac-cons"
    return "ofac-cons" if "ofac-cons" in str(path).lower() else "ofac-sdn"


# --------------------------------------------------------------------------------------------- input


@contextmanager
def open_input(path: Path) -> Iterator[tuple[BinaryReader, str]]:
    """``(binary stream, name for messages)`` of ``path`` or of the single XML file inside a ZIP."""
    require_nonempty(path)
    with path.open("rb") as f:
        is_zip = f.read(4) == ZIP_MAGIC
    if not is_zip:
        with path.open("rb") as fp:
            yield fp, str(path)
        return
    try:
        zf = zipfile.ZipFile(path)
    except (zipfile.BadZipFile, OSError) as exc:
        raise ParseError(
            f"not a readable ZIP archive: {exc}", path=path, hint="fetch the file again"
        ) from None
    with zf:
        members = [i for i in zf.infolist() if not i.is_dir()]
        xml = [i for i in members if i.filename.lower().endswith(".xml")]
        if len(xml) != 1:
            raise ParseError(
                f"the ZIP holds {len(xml)} XML files ({', '.join(i.filename for i in members) or 'none'}); "
                "an official OFAC ZIP holds exactly one",
                path=path,
            )
        info = xml[0]
        if info.file_size > MAX_UNZIPPED or info.file_size > MAX_RATIO * max(info.compress_size, 1):
            raise ParseError(
                f"{info.filename} would unpack to {info.file_size} bytes from {info.compress_size}: refused",
                path=path,
                hint="an official OFAC ZIP compresses about 15-20 times; this looks like a ZIP bomb",
            )
        try:
            with zf.open(info) as fp:
                yield _Bounded(fp, info.file_size, f"{path}!{info.filename}"), f"{path}!{info.filename}"
        except (zipfile.BadZipFile, EOFError, OSError) as exc:  # CRC error, cut archive
            raise ParseError(f"damaged ZIP archive: {exc}", path=path, hint="fetch the file again") from None


def zip_head(path: Path, n: int = 4096) -> bytes | None:
    """The first ``n`` bytes of the one XML file inside the ZIP at ``path`` (for format detection);
    ``None`` for an Office Open XML file (xlsx, docx: also ZIPs), which other parsers read."""
    try:
        with zipfile.ZipFile(path) as zf:
            names = zf.namelist()
            if "[Content_Types].xml" in names:
                return None
            xml = [i for i in zf.infolist() if i.filename.lower().endswith(".xml")]
            if len(xml) != 1:
                raise ParseError(
                    f"ZIP archive with {len(xml)} XML files; the OFAC ZIPs hold exactly one", path=path
                )
            with zf.open(xml[0]) as fp:
                return fp.read(n)
    except (zipfile.BadZipFile, EOFError, OSError) as exc:
        raise ParseError(
            f"not a readable ZIP archive: {exc}", path=path, hint="fetch the file again"
        ) from None


class _Bounded:
    """A ZIP member stream that refuses to give more bytes than the member declares."""

    def __init__(self, fp: IO[bytes], limit: int, name: str) -> None:
        self.fp, self.left, self.name = fp, limit, name

    def read(self, n: int = -1) -> bytes:
        data = self.fp.read(n)
        self.left -= len(data)
        if self.left < 0:
            raise ParseError("ZIP member is larger than its header says: refused", path=self.name)
        return data


def text_of(node: XmlNode, tag: str) -> str:
    """The text of ``node``'s first child ``tag``, stripped but otherwise as published; ``""`` if absent."""
    child = node.find(tag)
    return child.text.strip() if child is not None else ""


def in_record(exc: ParseError, node: XmlNode, key: str) -> ParseError:
    """``exc`` with its record (``<DistinctParty FixedRef='9639'>``) in front of its message."""
    rid = node.attrib.get(key)
    if not rid:
        return exc
    return ParseError(
        f"in <{node.tag} {key}={rid!r}>: {exc.detail}",
        path=exc.path,
        line=exc.line,
        field=exc.field,
        hint=exc.hint,
    )


def read_records(
    fp: BinaryReader,
    name: str,
    records: frozenset[str],
    check_root: Callable[[str | None, str | None, str], None],
    handlers: Mapping[str, Callable[[XmlNode], None]],
    key: Callable[[str], str | None],
) -> None:
    """Stream the ``records`` elements of ``fp`` to ``handlers`` (by tag), after ``check_root(tag,
    namespace, name)`` has passed (it runs once, also for a file without records). A :class:`ParseError`
    in a handler names its record by the attribute ``key(tag)`` (:func:`in_record`; ``None``: as it is)."""
    s = stream(fp, name, records)
    checked = False
    for _ancestors, node in s:
        if not checked:
            check_root(s.root_tag, s.root_namespace, name)
            checked = True
        try:
            handlers[node.tag](node)
        except ParseError as exc:
            attr = key(node.tag)
            if attr is None:
                raise
            raise in_record(exc, node, attr) from None
    if not checked:
        check_root(s.root_tag, s.root_namespace, name)


# --------------------------------------------------------------------------------------------- dates


def parse_iso_day(text: str, where: str, path: str, line: int | None) -> date:
    try:
        return date.fromisoformat(text.strip()[:10])
    except ValueError:
        raise ParseError(
            f"{where}: {text.strip()!r} is not a date (YYYY-MM-DD)", path=path, line=line
        ) from None


def _last_of_month(d: date) -> bool:
    return d.day == calendar.monthrange(d.year, d.month)[1]


def _span(lo: date, hi: date) -> tuple[str, str | None]:
    """(value, end) of the period ``lo``..``hi`` at the coarsest precision that fits both ends."""
    if lo.month == 1 and lo.day == 1 and hi.month == 12 and hi.day == 31:
        value, end = f"{lo.year:04d}", f"{hi.year:04d}"
    elif lo.day == 1 and _last_of_month(hi):
        value, end = f"{lo.year:04d}-{lo.month:02d}", f"{hi.year:04d}-{hi.month:02d}"
    else:
        value, end = lo.isoformat(), hi.isoformat()
    return value, (end if end != value else None)


def partial_date(
    start_from: date, start_to: date, end_from: date, end_to: date, *, circa: bool
) -> PartialDate:
    """A date period as OFAC exports it -> :class:`PartialDate`.

    ``start_from``..``start_to`` is when the period may begin, ``end_from``..``end_to`` when it may end.
    A plain year 1962 is 1962-01-01..1962-01-01 / 1962-12-31..1962-12-31; a range ``1951 to 1953`` is
    1951-01-01..1951-12-31 / 1953-01-01..1953-12-31; ``21 Mar 1965 to 20 Mar 1966`` has one-day ends.
    """
    if start_from > end_to:
        raise ValueError(f"period starts {start_from} after it ends {end_to}")
    if start_from == start_to and end_from == end_to:
        value, end = _span(start_from, end_to)
    else:
        value, _ = _span(start_from, start_to)
        end_value, _ = _span(end_from, end_to)
        end = end_value if end_value != value else None
    return PartialDate(value, circa=circa, end=end)


_MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")


def _one_text(value: str) -> str:
    parts = value.split("-")
    if len(parts) == 1:
        return parts[0]
    month = _MONTHS[int(parts[1]) - 1]
    return f"{month} {parts[0]}" if len(parts) == 2 else f"{int(parts[2]):02d} {month} {parts[0]}"


def ofac_date_text(pd: PartialDate) -> str:
    """``PartialDate`` -> OFAC's spelling: ``17 Oct 1990``, ``Oct 1990``, ``circa 1962``, ``1951 to 1953``."""
    text = _one_text(pd.value) + (f" to {_one_text(pd.end)}" if pd.end else "")
    return f"circa {text}" if pd.circa else text


# --------------------------------------------------------------------------------------------- drafts


@dataclass
class IdItem:
    """A legacy ``idList/id``: a label (document type or feature type), a value, country, note."""

    label: str
    value: str
    country: str | None = None
    note: str | None = None


@dataclass
class Draft:
    """One party's facts, in the shape of the legacy ``sdnEntry``, before they become an :class:`Entity`."""

    uid: str
    schema: str
    line: int | None
    element: str
    names: list[Name] = field(default_factory=list)
    titles: list[str] = field(default_factory=list)
    addresses: list[Address] = field(default_factory=list)
    ids: list[IdItem] = field(default_factory=list)
    nationalities: list[str] = field(default_factory=list)
    citizenships: list[str] = field(default_factory=list)
    birth_dates: list[PartialDate] = field(default_factory=list)
    birth_places: list[str] = field(default_factory=list)
    vessel: list[tuple[str, str]] = field(default_factory=list)
    remarks: str | None = None
    programs: list[str] = field(default_factory=list)
    listed: list[tuple[str, str]] = field(default_factory=list)  # (list name, ISO date)
    extra: list[tuple[str, str]] = field(default_factory=list)  # (property, value), added last

    def add_program(self, program: str) -> None:
        program = program.strip()
        if program and program not in self.programs:
            self.programs.append(program)

    def add_feature(self, ftype: str, value: str) -> None:
        """One value of a feature of type ``ftype``: a fact of the legacy ``sdnEntry`` (place of birth,
        nationality, citizenship, title), a vessel detail, or else an identifier."""
        low = ftype.lower()
        if low == "place of birth":
            self.birth_places.append(value)
        elif low in ("nationality country", "nationality"):
            self.nationalities.append(value)
        elif low in ("citizenship country", "citizenship"):
            self.citizenships.append(value)
        elif low == "title":
            self.titles.append(value)
        elif low in VESSEL_FEATURES:
            self.vessel.append((VESSEL_FEATURES[low], value))
        else:
            self.ids.append(IdItem(ftype, value))


def is_identifier_feature(ftype: str) -> bool:
    """Whether :meth:`Draft.add_feature` keeps a value of ``ftype`` as an identifier."""
    low = ftype.lower()
    return low not in _FACT_FEATURES and low not in VESSEL_FEATURES


_FACT_FEATURES = frozenset(
    {"place of birth", "nationality country", "nationality", "citizenship country", "citizenship", "title"}
)


def address(
    street_parts: list[str],
    city: str | None,
    state: str | None,
    postal: str | None,
    country_name: str | None,
    iso2: str | None,
    *,
    region: str | None = None,
    note: str | None = None,
) -> Address | None:
    """An :class:`Address` as the legacy XML parser builds it (a region is the state when there is none,
    else a note); ``None`` when nothing at all is left."""
    street = ", ".join(p for p in street_parts if p) or None
    if region and state:
        note = "; ".join(x for x in (f"region {region}", note) if x)
    addr = Address(
        street=street,
        city=city or None,
        state=state or region or None,
        postal_code=postal or None,
        country=(to_iso2(country_name) or iso2) if country_name else iso2,
        country_name=country_name or None,
        note=note,
    )
    return (
        addr if any((addr.street, addr.city, addr.state, addr.postal_code, addr.country_name, note)) else None
    )


_SPLIT_NOTES = ("Additional Sanctions Information", "For more information")
# features of the SLS formats that the legacy label tables do not know -> property
_EXTRA_LABELS = {"issuer name": "issuer_names"}
# bidirectional formatting marks that wrap some non-Latin names (they are not part of the name)
_BIDI = dict.fromkeys(map(ord, "\u200e\u200f\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069"))


def strip_bidi(text: str) -> str:
    return text.translate(_BIDI).strip()


def _apply_id(entity: Entity, item: IdItem) -> None:
    label = item.label.replace("\u2019", "'")
    value = item.value
    if label.startswith("Digital Currency Address - ") and label != "Digital Currency Address -":
        value = f"{label.removeprefix('Digital Currency Address - ').strip()} {value}"
        label = "Digital Currency Address -"
    if label.startswith(_SPLIT_NOTES) and "; " in value:
        # the legacy files split this text at "; " into several clauses: so do we
        first, *rest = value.split("; ")
        apply_labelled(entity, label, first)
        for r in rest:
            entity.add_property("sanctions_notes", r)
        return
    extra = _EXTRA_LABELS.get(label.lower())
    if extra is not None:
        entity.add_property(extra, value)
    elif not apply_labelled(entity, label, value, country=item.country, note=item.note):
        clause = f"{label} {value}".strip() + (f" ({item.country})" if item.country else "")
        entity.add_property("unparsed_remarks", clause)


def build(draft: Draft, list_name: str, file_name: str) -> Entity:
    """The :class:`Entity` of a draft, field by field in the order the legacy XML parser fills them."""
    primary = [n for n in draft.names if n.kind == "primary"]
    others = [n for n in draft.names if n.kind != "primary"]
    entity = Entity(
        list=list_name,
        source_id=draft.uid,
        schema=draft.schema,
        names=primary[:1] + primary[1:] + others,
        programs=list(draft.programs),
        provenance=Provenance(file=file_name, line=draft.line, element=draft.element),
    )
    for t in draft.titles:
        entity.add_property("title", t)
    entity.addresses.extend(draft.addresses)
    for item in draft.ids:
        _apply_id(entity, item)
    for n in draft.nationalities:
        apply_labelled(entity, "Nationality", n)
    for c in draft.citizenships:
        apply_labelled(entity, "Citizenship", c)
    for d in draft.birth_dates:
        if d not in entity.birth_dates:
            entity.birth_dates.append(d)
    for p in draft.birth_places:
        entity.add_property("birth_places", p)
    for key, value in draft.vessel:
        entity.add_property(key, value)
        if key == "vessel_flag":
            code = to_iso2(value)
            if code:
                entity.add_property("vessel_flag_code", code)
    entity.remarks = draft.remarks
    apply_remarks(entity, draft.remarks)
    if draft.listed:
        entity.listed_on = min(d for _, d in draft.listed)
        for list_title, day in draft.listed:
            entity.add_property("sanctions_lists", list_title)
            entity.add_property("listed_on_by_list", f"{list_title}: {day}")
    for key, value in draft.extra:
        entity.add_property(key, value)
    return entity
