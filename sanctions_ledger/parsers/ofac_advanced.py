"""OFAC Advanced Sanctions Data Model XML (format ``ofac-advanced-xml``): ``sdn_advanced.xml``,
``cons_advanced.xml`` and the Sanctions List Service's ``SDN_ADVANCED.XML`` / ``CONS_ADVANCED.XML``.

Root ``<Sanctions>`` in the namespace ``http://www.un.org/sanctions/1.0`` (before 2024) or the Sanctions List
Service's ``.../exports/ADVANCED_XML`` namespace; the parser matches local names and accepts either. The
schema fixes the order of the top-level blocks, which is what lets the file be read in one streaming pass:

``DateOfIssue`` -> ``ReferenceValueSets`` (lookup tables: every ``...ID`` attribute below resolves there) ->
``Locations`` (addresses and countries, referenced by features) -> ``IDRegDocuments`` (identity documents,
referenced by identity) -> ``DistinctParties`` (one per listed party; ``FixedRef`` is the legacy ``ent_num``
/ ``uid``) -> ``ProfileRelationships`` -> ``SanctionsEntries`` (one per party and list: programs, sanctions
types, legal basis and the **date the party was put on that list**).

Each party is collected as a :class:`~sanctions_ledger.parsers.ofac_sls.Draft` shaped like the legacy
``sdnEntry`` (documents and features become the legacy ``idList`` labels), so the same party read from the
legacy XML and from this file gets the same fields; see docs/formats.md for what differs.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

from sanctions_ledger.errors import ParseError
from sanctions_ledger.model import Address, Entity, Name, PartialDate
from sanctions_ledger.model.countries import to_iso2
from sanctions_ledger.parsers.base import ParsedList
from sanctions_ledger.parsers.ofac_remarks import person_name
from sanctions_ledger.parsers.ofac_sls import (
    Draft,
    IdItem,
    address,
    build,
    ofac_date_text,
    open_input,
    partial_date,
    read_records,
    script_code,
    strip_bidi,
    text_of,
)
from sanctions_ledger.parsers.records import one_file_list
from sanctions_ledger.parsers.xmlsafe import clean
from sanctions_ledger.parsers.xmlstream import XmlNode

FORMAT = "ofac-advanced-xml"
NAMESPACES = (
    "http://www.un.org/sanctions/1.0",
    "https://sanctionslistservice.ofac.treas.gov/api/PublicationPreview/exports/ADVANCED_XML",
)
TIMEZONE = ZoneInfo("America/New_York")

_RECORDS = frozenset(
    {
        "DateOfIssue",
        "ReferenceValueSets",
        "Location",
        "IDRegDocument",
        "DistinctParty",
        "ProfileRelationship",
        "SanctionsEntry",
    }
)
_ALIAS_KINDS = {"a.k.a.": "alias", "f.k.a.": "former", "n.k.a.": "new"}
_WHOLE_NAME_PARTS = {"entity name", "vessel name", "aircraft name"}
_LAST_NAME_PARTS = {"last name", *_WHOLE_NAME_PARTS}


# --------------------------------------------------------------------------------------------- tables


class Refs:
    """The ``ReferenceValueSets``: table name (``AliasType``, ``Country``, ...) -> ID -> element."""

    def __init__(self, node: XmlNode, path: str) -> None:
        self.path = path
        self.tables: dict[str, dict[str, XmlNode]] = {}
        for values in node.children:
            table = values.tag.removesuffix("Values")
            rows = self.tables.setdefault(table, {})
            for row in values.children:
                rid = row.attrib.get("ID")
                if rid is None:
                    raise ParseError(f"<{row.tag}> in <{values.tag}> has no ID", path=path, line=row.line)
                if rid in rows:
                    raise ParseError(
                        f"duplicate ID {rid} in <{values.tag}> (first at line {rows[rid].line})",
                        path=path,
                        line=row.line,
                    )
                rows[rid] = row

    def row(self, table: str, rid: str | None, where: XmlNode, attr: str) -> XmlNode:
        if rid is None:
            raise ParseError(f"<{where.tag}> has no {attr}", path=self.path, line=where.line, field=attr)
        row = self.tables.get(table, {}).get(rid)
        if row is None:
            raise ParseError(
                f"<{where.tag}> {attr}={rid!r} is not in ReferenceValueSets/{table}Values",
                path=self.path,
                line=where.line,
                field=attr,
            )
        return row

    def text(self, table: str, where: XmlNode, attr: str) -> str:
        return clean(self.row(table, where.attrib.get(attr), where, attr).text)


@dataclass
class _Location:
    line: int
    country: str | None
    iso2: str | None
    parts: dict[str, list[str]] = field(default_factory=dict)

    def part(self, name: str) -> str | None:
        return ", ".join(self.parts.get(name, [])) or None

    def as_address(self) -> Address | None:
        region = self.part("REGION")
        other = self.part("Unknown")
        notes = [other or ""]
        return address(
            [self.part(f"ADDRESS{i}") or "" for i in (1, 2, 3)],
            self.part("CITY"),
            self.part("STATE/PROVINCE"),
            self.part("POSTAL CODE"),
            self.country,
            self.iso2,
            region=region,
            note="; ".join(n for n in notes if n) or None,
        )

    def as_text(self) -> str:
        """The location as a feature value: a country name, or its parts when it names no country."""
        if self.country:
            return self.country
        if set(self.parts) == {"Unknown"}:
            return self.part("Unknown") or ""
        addr = self.as_address()
        return addr.full if addr else ""


# --------------------------------------------------------------------------------------------- parser


class _Parser:
    def __init__(self, path: Path, name: str, list_name: str) -> None:
        self.path = path
        self.name = name
        self.list_name = list_name
        self.refs: Refs | None = None
        self.issued: datetime | None = None
        self.locations: dict[str, _Location] = {}
        self.documents: dict[str, list[IdItem]] = {}
        self.document_ids: set[str] = set()
        self.drafts: dict[str, Draft] = {}  # by FixedRef
        self.by_profile: dict[str, Draft] = {}
        self.warnings: list[str] = []
        self.counts = {"locations": 0, "documents": 0, "relationships": 0, "sanctions_entries": 0}

    # ---- helpers

    def error(self, message: str, node: XmlNode, fld: str | None = None) -> ParseError:
        return ParseError(f"<{node.tag}>: {message}", path=self.name, line=node.line, field=fld)

    @property
    def r(self) -> Refs:
        if self.refs is None:
            raise ParseError(
                "data before <ReferenceValueSets>: the lookup tables must come first", path=self.name
            )
        return self.refs

    def country(self, node: XmlNode, attr: str) -> tuple[str | None, str | None]:
        if node.attrib.get(attr) is None:
            return None, None
        row = self.r.row("Country", node.attrib.get(attr), node, attr)
        name = clean(row.text)
        return name or None, row.attrib.get("ISO2") or to_iso2(name)

    def date(self, node: XmlNode | None, where: XmlNode) -> tuple[int, int, int] | None:
        if node is None:
            return None
        try:
            y, m, d = (int(text_of(node, t)) for t in ("Year", "Month", "Day"))
            datetime(y, m, d)
        except ValueError:
            raise self.error(
                f"bad date <{node.tag}> {text_of(node, 'Year')!r}-{text_of(node, 'Month')!r}-"
                f"{text_of(node, 'Day')!r}",
                where,
                node.tag,
            ) from None
        return y, m, d

    def period(self, node: XmlNode, where: XmlNode) -> PartialDate:
        """A ``DatePeriod`` (``Start``/``End``, each ``From``..``To``) as a :class:`PartialDate`."""
        from datetime import date as _date

        start, end = node.find("Start"), node.find("End")
        if start is None or end is None:
            raise self.error("DatePeriod without Start and End", where, "DatePeriod")
        bounds = []
        for part in (start, end):
            for sub in ("From", "To"):
                parts = self.date(part.find(sub), where)
                if parts is None:
                    raise self.error(f"DatePeriod {part.tag} has no {sub}", where, "DatePeriod")
                bounds.append(_date(*parts))
        circa = "true" in (start.attrib.get("Approximate"), end.attrib.get("Approximate"))
        try:
            return partial_date(*bounds, circa=circa)
        except ValueError as exc:
            raise self.error(f"bad date period: {exc}", where, "DatePeriod") from None

    # ---- records

    def on_reference_value_sets(self, node: XmlNode) -> None:
        self.refs = Refs(node, self.name)

    def on_date_of_issue(self, node: XmlNode) -> None:
        parts = self.date(node, node)
        if parts is not None:
            self.issued = datetime(*parts, tzinfo=TIMEZONE)

    def on_location(self, node: XmlNode) -> None:
        lid = node.attrib.get("ID")
        if not lid:
            raise self.error("Location has no ID", node, "ID")
        if lid in self.locations:
            raise self.error(
                f"duplicate Location ID {lid} (first at line {self.locations[lid].line})", node, "ID"
            )
        country = iso2 = None
        lc = node.find("LocationCountry")
        if lc is not None:
            country, iso2 = self.country(lc, "CountryID")
        for ac in node.findall("LocationAreaCode"):
            code = clean(self.r.row("AreaCode", ac.attrib.get("AreaCodeID"), ac, "AreaCodeID").text)
            iso2 = iso2 or (code if len(code) == 2 else None)
        loc = _Location(node.line, country, iso2)
        for part in node.findall("LocationPart"):
            ptype = self.r.text("LocPartType", part, "LocPartTypeID")
            values = part.findall("LocationPartValue")
            chosen = [v for v in values if v.attrib.get("Primary") == "true"] or values
            for v in chosen:
                text = text_of(v, "Value")
                if text:
                    loc.parts.setdefault(ptype, []).append(text)
        self.locations[lid] = loc
        self.counts["locations"] += 1

    def on_document(self, node: XmlNode) -> None:
        did = node.attrib.get("ID")
        if not did:
            raise self.error("IDRegDocument has no ID", node, "ID")
        if did in self.document_ids:
            raise self.error(f"duplicate IDRegDocument ID {did}", node, "ID")
        self.document_ids.add(did)
        identity = node.attrib.get("IdentityID")
        if not identity:
            raise self.error("IDRegDocument has no IdentityID", node, "IdentityID")
        label = self.r.text("IDRegDocType", node, "IDRegDocTypeID")
        value = text_of(node, "IDRegistrationNo")
        country, _ = self.country(node, "IssuedBy-CountryID")
        notes = []
        for dd in node.findall("DocumentDate"):
            kind = self.r.text("IDRegDocDateType", dd, "IDRegDocDateTypeID").lower()
            dp = dd.find("DatePeriod")
            if dp is None:
                continue
            text = ofac_date_text(self.period(dp, node))
            notes.append(f"expires {text}" if "expir" in kind else f"issued {text}")
        authority = text_of(node, "IssuingAuthority")
        if authority:
            notes.append(f"issuing authority {authority}")
        if node.attrib.get("ValidityID"):
            validity = self.r.text("Validity", node, "ValidityID")
            if validity.lower() != "valid":
                notes.append(validity.lower())
        comment = text_of(node, "Comment")
        if comment:
            notes.append(comment)
        item = IdItem(label, value, country, " ".join(notes) or None)
        self.documents.setdefault(identity, []).append(item)
        self.counts["documents"] += 1

    def on_party(self, node: XmlNode) -> None:
        uid = node.attrib.get("FixedRef", "")
        if not uid.isdigit():
            raise self.error(f"FixedRef must be an integer uid, found {uid or None!r}", node, "FixedRef")
        uid = str(int(uid))
        where = f"DistinctParty[FixedRef={uid}]"
        if uid in self.drafts:
            raise self.error(
                f"duplicate FixedRef {uid} (first at line {self.drafts[uid].line})", node, "FixedRef"
            )
        profile = node.find("Profile")
        if profile is None:
            raise self.error(f"party {uid} has no Profile", node, "Profile")
        sub = self.r.row("PartySubType", profile.attrib.get("PartySubTypeID"), profile, "PartySubTypeID")
        party_type = clean(
            self.r.row("PartyType", sub.attrib.get("PartyTypeID"), sub, "PartyTypeID").text
        ).lower()
        sub_name = clean(sub.text).lower()
        schema = {"individual": "person", "entity": "organization"}.get(party_type)
        if schema is None:
            schema = sub_name if sub_name in ("vessel", "aircraft") else "unknown"
        draft = Draft(uid=uid, schema=schema, line=node.line, element=where)
        draft.remarks = text_of(node, "Comment") or None
        identities = profile.findall("Identity")
        if not identities:
            raise self.error(f"party {uid} has no Identity", profile, "Identity")
        for identity in identities:
            self._identity(identity, draft, uid)
        for feature in profile.findall("Feature"):
            self._feature(feature, draft)
        if not any(n.kind == "primary" for n in draft.names):
            raise self.error(f"party {uid} has no primary name", node, "Alias")
        self.drafts[uid] = draft
        pid = profile.attrib.get("ID")
        if pid:
            self.by_profile[pid] = draft

    def _identity(self, identity: XmlNode, draft: Draft, uid: str) -> None:
        groups: dict[str, str] = {}
        npg = identity.find("NamePartGroups")
        for master in npg.findall("MasterNamePartGroup") if npg is not None else []:
            for g in master.findall("NamePartGroup"):
                gid = g.attrib.get("ID")
                if gid:
                    groups[gid] = self.r.text("NamePartType", g, "NamePartTypeID").lower()
        for alias in identity.findall("Alias"):
            alias_type = self.r.text("AliasType", alias, "AliasTypeID")
            primary = alias.attrib.get("Primary") == "true"
            if primary:
                kind = "primary"
            elif alias.attrib.get("LowQuality") == "true":
                kind = "weak"
            else:
                kind = _ALIAS_KINDS.get(alias_type.lower(), "alias")
            for i, dn in enumerate(alias.findall("DocumentedName")):
                name = self._name(dn, groups, kind, draft.schema)
                if name is None:
                    continue
                if i > 0 and kind == "primary":
                    name = Name(
                        name.name,
                        kind="original_script" if name.script != "Latn" else "alias",
                        script=name.script,
                        first_name=name.first_name,
                        last_name=name.last_name,
                    )
                draft.names.append(name)
                if identity.attrib.get("False") == "true":  # an identity OFAC knows to be false
                    draft.extra.append(("false_identity_names", name.name))
        # identity documents (they precede the parties in the file) come first, as in the legacy idList
        draft.ids.extend(self.documents.pop(identity.attrib.get("ID", ""), []))

    def _name(self, dn: XmlNode, groups: dict[str, str], kind: str, schema: str) -> Name | None:
        last: list[str] = []
        first: list[str] = []
        scripts: list[str] = []
        for part in dn.findall("DocumentedNamePart"):
            for v in part.findall("NamePartValue"):
                text = strip_bidi(v.text)
                if not text:
                    continue
                gid = v.attrib.get("NamePartGroupID", "")
                if gid not in groups:
                    raise self.error(f"NamePartGroupID {gid!r} is not in the identity's NamePartGroups", v)
                (last if groups[gid] in _LAST_NAME_PARTS else first).append(text)
                if v.attrib.get("ScriptID"):
                    row = self.r.row("Script", v.attrib.get("ScriptID"), v, "ScriptID")
                    scripts.append(script_code(row.attrib.get("ScriptCode") or clean(row.text)))
        script = scripts[0] if scripts else "Latn"
        lname, fname = " ".join(last), " ".join(first)
        if lname and fname:
            return Name(f"{lname}, {fname}", kind=kind, script=script, last_name=lname, first_name=fname)
        full = lname or fname
        if not full:
            return None
        if schema == "person" and kind != "primary" and script == "Latn":
            return person_name(full, kind)
        return Name(full, kind=kind, script=script)

    def _feature(self, feature: XmlNode, draft: Draft) -> None:
        ftype = self.r.text("FeatureType", feature, "FeatureTypeID")
        low = ftype.lower()
        for version in feature.findall("FeatureVersion"):
            comment = text_of(version, "Comment")
            if comment:
                draft.extra.append(("feature_comments", f"{ftype}: {comment}"))
            dp = version.find("DatePeriod")
            locs = [self._location(v) for v in version.findall("VersionLocation")]
            details = version.findall("VersionDetail")
            if low == "birthdate":
                if dp is None:
                    raise self.error("Birthdate feature without DatePeriod", feature, "DatePeriod")
                draft.birth_dates.append(self.period(dp, feature))
                continue
            if low == "location":
                for loc in locs:
                    addr = loc.as_address()
                    if addr is not None:
                        draft.addresses.append(addr)
                continue
            values: list[str] = []
            if dp is not None:
                values.append(ofac_date_text(self.period(dp, feature)))
            for d in details:
                if d.attrib.get("DetailReferenceID"):
                    values.append(self.r.text("DetailReference", d, "DetailReferenceID"))
                elif d.text.strip():
                    values.append(d.text.strip())
            values.extend(loc.as_text() for loc in locs if loc.as_text())
            for value in values:
                draft.add_feature(ftype, value)

    def _location(self, node: XmlNode) -> _Location:
        lid = node.attrib.get("LocationID", "")
        loc = self.locations.get(lid)
        if loc is None:
            raise self.error(f"LocationID {lid!r} is not in <Locations>", node, "LocationID")
        return loc

    def on_relationship(self, node: XmlNode) -> None:
        src = self._profile(node, "From-ProfileID")
        rel = self.r.text("RelationType", node, "RelationTypeID")
        former = " (former)" if node.attrib.get("Former") == "true" else ""
        to = node.attrib.get("To-ProfileID", "")
        dst = self.by_profile.get(to)
        if dst is None:
            # a party of another list (the files of one list hold only its own parties): keep the link by id
            if not to.isdigit():
                raise self.error(
                    f"To-ProfileID must be an integer, found {to or None!r}", node, "To-ProfileID"
                )
            src.extra.append(("relationships", f"{rel}: {int(to)}{former}"))
            self.warnings.append(
                f"{self.name}, line {node.line}: party {src.uid} is linked to profile {to}, not in this file"
            )
        else:
            src.extra.append(("relationships", f"{rel}: {dst.uid}{former}"))
            # the legacy files render every relationship as "Linked To: <primary name of the other party>"
            src.extra.append(("linked_to", next(n.name for n in dst.names if n.kind == "primary")))
        self.counts["relationships"] += 1

    def _profile(self, node: XmlNode, attr: str) -> Draft:
        pid = node.attrib.get(attr, "")
        draft = self.by_profile.get(pid)
        if draft is None:
            raise self.error(f"{attr} {pid!r} is not a Profile of any DistinctParty", node, attr)
        return draft

    def on_entry(self, node: XmlNode) -> None:
        draft = self._profile(node, "ProfileID")
        list_title = self.r.text("List", node, "ListID")
        self.counts["sanctions_entries"] += 1
        for event in node.findall("EntryEvent"):
            parts = self.date(event.find("Date"), node)
            if parts is None:
                raise self.error("EntryEvent has no Date", event, "Date")
            day = "{:04d}-{:02d}-{:02d}".format(*parts)
            event_type = (
                self.r.text("EntryEventType", event, "EntryEventTypeID")
                if event.attrib.get("EntryEventTypeID")
                else "Created"
            )
            if event_type.lower() in ("created", "listed", "designated"):
                draft.listed.append((list_title, day))
            else:
                draft.extra.append(("entry_events", f"{list_title}: {event_type} {day}"))
            if event.attrib.get("LegalBasisID"):
                draft.extra.append(("legal_bases", self.r.text("LegalBasis", event, "LegalBasisID")))
        for measure in node.findall("SanctionsMeasure"):
            mtype = self.r.text("SanctionsType", measure, "SanctionsTypeID")
            if mtype.lower() == "program":
                program = text_of(measure, "Comment")
                if not program:
                    raise self.error("program measure without a program name", measure, "Comment")
                draft.add_program(program)
            else:
                draft.extra.append(("sanctions_types", mtype))


def parse(path: Path, *, list_name: str) -> ParsedList:
    """Parse one OFAC Advanced XML file (or the ZIP holding it) into a :class:`ParsedList`."""
    with open_input(path) as (fp, name):
        p = _Parser(path, name, list_name)
        handlers = {
            "ReferenceValueSets": p.on_reference_value_sets,
            "DateOfIssue": p.on_date_of_issue,
            "Location": p.on_location,
            "IDRegDocument": p.on_document,
            "DistinctParty": p.on_party,
            "ProfileRelationship": p.on_relationship,
            "SanctionsEntry": p.on_entry,
        }
        read_records(fp, name, _RECORDS, _check_root, handlers, _key)
    if p.documents:
        identity, items = next(iter(p.documents.items()))
        raise ParseError(
            f"IDRegDocument for IdentityID {identity} ({items[0].label} {items[0].value}) "
            "belongs to no party",
            path=name,
            field="IdentityID",
        )
    if not p.drafts:
        raise ParseError("no DistinctParty in the file", path=name, hint="is the file complete?")
    entities: list[Entity] = [build(d, list_name, path.name) for d in p.drafts.values()]
    return one_file_list(
        path,
        list_name,
        FORMAT,
        entities,
        counts={"records": len(entities), **p.counts},
        published_at=p.issued,
        warnings=p.warnings,
    )


def _key(tag: str) -> str | None:
    """The attribute that names a record in an error (none for the lookup tables)."""
    return {"DistinctParty": "FixedRef", "ReferenceValueSets": None}.get(tag, "ID")


def _check_root(tag: str | None, namespace: str | None, name: str) -> None:
    if tag != "Sanctions" or namespace not in NAMESPACES:
        raise ParseError(
            f"expected an OFAC Advanced XML <Sanctions> document in namespace {NAMESPACES[0]} or "
            f"{NAMESPACES[1]}, found <{tag}> in namespace {namespace or '(none)'}",
            path=name,
            line=1,
            hint="is this the Advanced XML (sdn_advanced.xml / cons_advanced.xml)?",
        )
