"""Canada, Special Economic Measures Act consolidated list ``sema-lmes.xml`` (format ``ca-sema-xml``).

Flat ``<data-set><record>`` records, no id. Both layouts are read: the pre-2023 one (``Entity``, ``Title``,
``DateOfBirth``) and the current one (``EntityOrShip``, ``TitleOrShip``, ``DateOfBirthOrShipBuildDate``,
``ShipIMONumber``, ``DateOfListing``).

Key
    ``source_id`` = ``<country>:<schedule>:<item>``, where ``<country>`` is the English half of the
    bilingual ``Country`` (the regime: "Russia / Russie" -> ``Russia``), e.g. ``Russia:1, Part 2:17``
    (":" because ids travel in URL paths, where "/" cannot). A record without ``Item`` (the 2022 file has
    two, both under Belarus with no Schedule either) is keyed by its name instead:
    ``Belarus:-:name=Belarusbank``, a deterministic key that is stable as long as the name is. A full
    key (Country, Schedule, Item) that occurs twice is an error naming both records.

Mapping
    ``LastName`` + ``GivenName`` -> primary name (person, with first/last name); ``Entity`` /
    ``EntityOrShip`` -> primary name (organization; a record with ``ShipIMONumber`` is a vessel);
    ``Aliases`` (one comma-separated string) -> aliases, script detected; ``Country`` -> programs (the
    regime, as written) and ``properties["regime_country"]``; ``Schedule``/``Item`` -> properties;
    ``Title`` -> ``title``; ``DateOfBirth`` (``YYYY-MM-DD``, ``YYYY``, ``YYYY-MM``, ``A or B``) -> birth
    dates, other text verbatim in ``birth_dates_text`` (a ship's build date in ``build_dates``);
    ``ShipIMONumber`` -> identifier ``imo``; ``DateOfListing`` -> ``listed_on``. Unknown elements are kept
    under their lower_snake tag.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from sanctions_ledger.errors import ParseError
from sanctions_ledger.model import Entity, Identifier, Name
from sanctions_ledger.parsers.base import ParsedList, require_nonempty
from sanctions_ledger.parsers.other_lists import script_of
from sanctions_ledger.parsers.records import check_plain_root, new_entity, one_file_list
from sanctions_ledger.parsers.textdates import parse_dates
from sanctions_ledger.parsers.un_xml import lower_snake
from sanctions_ledger.parsers.xmlsafe import XmlNode, clean
from sanctions_ledger.parsers.xmlstream import iter_children

FORMAT = "ca-sema-xml"
ROOT = "data-set"
_ENTITY_TAGS = ("Entity", "EntityOrShip")
_TITLE_TAGS = ("Title", "TitleOrShip")
_DOB_TAGS = ("DateOfBirth", "DateOfBirthOrShipBuildDate")
_KNOWN = {
    "Country",
    "LastName",
    "GivenName",
    "Aliases",
    "Schedule",
    "Item",
    "ShipIMONumber",
    "DateOfListing",
    *_ENTITY_TAGS,
    *_TITLE_TAGS,
    *_DOB_TAGS,
}


@dataclass
class _Stats:
    warnings: list[str] = field(default_factory=list)
    keys: dict[str, int] = field(default_factory=dict)


def regime(country: str) -> str:
    """English half of ``Russia / Russie``."""
    return clean(country.split(" / ")[0])


def _aliases(text: str) -> list[str]:
    return [p for p in (clean(x) for x in text.split(",")) if p]


def _record(node: XmlNode, path: Path, list_name: str, st: _Stats, index: int) -> Entity:
    get = node.findtext
    country = get("Country")
    if not country:
        raise ParseError(f"record #{index} has no <Country>", path=path, line=node.line, field="Country")
    last, given = get("LastName"), get("GivenName")
    org = next((get(t) for t in _ENTITY_TAGS if get(t)), "")
    imo = get("ShipIMONumber")
    person_name = " ".join(p for p in (given, last) if p)
    primary = person_name or org
    if not primary:
        raise ParseError(
            f"record #{index} has no name (LastName/GivenName/Entity)",
            path=path,
            line=node.line,
            field="LastName",
        )
    schedule, item = get("Schedule"), get("Item")
    reg = regime(country)
    # ":" separates the parts: ids travel in URL paths, where "/" cannot appear
    part = item if item else "name=" + primary.replace("/", "-").replace(":", "-")
    key = f"{reg.replace(':', '-')}:{(schedule or '-').replace(':', '-')}:{part.replace(':', '-')}"
    if key in st.keys:
        raise ParseError(
            f"record #{index}: key (Country, Schedule, Item) {key!r} repeats the record "
            f"at line {st.keys[key]}",
            path=path,
            line=node.line,
            field="Item",
            hint="SEMA records have no id; the key must be unique within a file",
        )
    st.keys[key] = node.line
    schema = "person" if person_name else ("vessel" if imo else "organization")
    ent = new_entity(list_name, key, schema, path, node.line, f"record[{index}]")
    if person_name:
        ent.names.append(Name(primary, "primary", script_of(primary), given or None, last or None))
    else:
        ent.names.append(Name(primary, "primary", script_of(primary)))
    if org and person_name:
        ent.names.append(Name(org, "alias", script_of(org)))
    for alias in _aliases(get("Aliases")):
        if all(n.name != alias for n in ent.names):
            ent.names.append(Name(alias, "alias", script_of(alias)))
    ent.programs.append(clean(country))
    ent.add_property("regime_country", reg)
    ent.add_property("schedule", schedule)
    ent.add_property("item", item)
    for t in _TITLE_TAGS:
        ent.add_property("title", get(t))
    for t in _DOB_TAGS:
        raw = get(t)
        if not raw:
            continue
        dates, rest = parse_dates(raw)
        if schema == "vessel":
            ent.add_property("build_dates", raw)
            continue
        ent.birth_dates.extend(d for d in dates if d not in ent.birth_dates)
        for piece in rest:
            st.warnings.append(f"{path.name}, line {node.line}: {key}: date of birth {piece!r} kept verbatim")
            ent.add_property("birth_dates_text", piece)
    if imo:
        ent.identifiers.append(Identifier("imo", imo))
    if listed := get("DateOfListing"):
        dates, _rest = parse_dates(listed)
        if not dates or dates[0].precision != "day":
            raise ParseError(
                f"DateOfListing {listed!r} is not a date", path=path, line=node.line, field="DateOfListing"
            )
        ent.listed_on = dates[0].value
    for child in node.children:
        if child.tag not in _KNOWN and (v := clean(child.text)):
            ent.add_property(lower_snake(child.tag), v)
    return ent


def parse(path: Path, *, list_name: str = "ca-sema") -> ParsedList:
    """Parse a Canada SEMA ``sema-lmes.xml``."""
    require_nonempty(path)
    nodes = iter_children(path)
    root = next(nodes)
    check_plain_root(root, ROOT, path, "the SEMA list has no namespace; is this the right file?")
    st = _Stats()
    entities = []
    for index, node in enumerate(nodes, start=1):
        if node.tag != "record":
            raise ParseError(
                f"unexpected <{node.tag}> in <{ROOT}> (expected <record>)", path=path, line=node.line
            )
        entities.append(_record(node, path, list_name, st, index))
    return one_file_list(
        path, list_name, FORMAT, entities, counts={"records": len(entities)}, warnings=st.warnings
    )
