"""OFAC Sanctions List Service Enhanced XML (format ``ofac-enhanced-xml``): ``SDN_ENHANCED.XML``,
``CONS_ENHANCED.XML`` (also served zipped as ``.ZIP``) and the service's custom exports.

Root ``<sanctionsData>`` in the namespace ``https://sanctionslistservice.ofac.treas.gov/api/PublicationPreview/
exports/ENHANCED_XML``: ``publicationInfo/dataAsOf`` (the publication date), the lookup tables
``referenceValues`` (countries with ISO codes, scripts, ...) and ``featureTypes``, then ``entities/entity``
with ``id`` = the legacy ``ent_num`` / ``uid``. Unlike the Advanced XML every entity is self-contained
(names, addresses, features, documents, lists with their **publication date per list**, programs), so it is
read one entity at a time.

Each entity is collected as a :class:`~sanctions_ledger.parsers.ofac_sls.Draft` shaped like the legacy
``sdnEntry``, so the same party read from any OFAC format gets the same fields (docs/formats.md).
"""

from __future__ import annotations

from datetime import date, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

from sanctions_ledger.errors import ParseError
from sanctions_ledger.model import Entity, Name, PartialDate
from sanctions_ledger.model.countries import to_iso2
from sanctions_ledger.parsers.base import ParsedList
from sanctions_ledger.parsers.ofac_remarks import person_name
from sanctions_ledger.parsers.ofac_sls import (
    Draft,
    IdItem,
    address,
    build,
    is_identifier_feature,
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

FORMAT = "ofac-enhanced-xml"
NAMESPACE = "https://sanctionslistservice.ofac.treas.gov/api/PublicationPreview/exports/ENHANCED_XML"
TIMEZONE = ZoneInfo("America/New_York")

_RECORDS = frozenset({"publicationInfo", "referenceValue", "featureType", "entity"})
_SCHEMAS = {"individual": "person", "entity": "organization", "vessel": "vessel", "aircraft": "aircraft"}
_ALIAS_KINDS = {"a.k.a.": "alias", "f.k.a.": "former", "n.k.a.": "new"}
_ADDRESS_PARTS = ("ADDRESS1", "ADDRESS2", "ADDRESS3")


class _Parser:
    def __init__(self, name: str, list_name: str, file_name: str) -> None:
        self.name = name
        self.list_name = list_name
        self.file_name = file_name
        self.as_of: datetime | None = None
        self.refs: dict[str, tuple[str, str, str | None]] = {}  # refId -> (type, value, isoCode)
        self.feature_types: dict[str, str] = {}
        self.entities: list[Entity] = []
        self.seen: dict[str, int] = {}
        self.counts = {"translations": 0, "relationships": 0}

    def error(self, message: str, node: XmlNode, fld: str | None = None) -> ParseError:
        return ParseError(f"<{node.tag}>: {message}", path=self.name, line=node.line, field=fld)

    def flag(self, node: XmlNode, tag: str, where: XmlNode) -> bool:
        text = text_of(node, tag).lower()
        if text not in ("true", "false", ""):
            raise self.error(f"<{tag}> must be true or false, found {text!r}", where, tag)
        return text == "true"

    def day(self, node: XmlNode, tag: str, where: XmlNode) -> date:
        text = text_of(node, tag)
        try:
            return date.fromisoformat(text[:10])
        except ValueError:
            raise self.error(f"<{tag}> {text!r} is not a date (YYYY-MM-DD)", where, tag) from None

    def period(self, node: XmlNode, where: XmlNode) -> PartialDate:
        bounds = [
            self.day(node, t, where) for t in ("fromDateBegin", "fromDateEnd", "toDateBegin", "toDateEnd")
        ]
        try:
            return partial_date(*bounds, circa=self.flag(node, "isApproximate", where))
        except ValueError as exc:
            raise self.error(f"bad date period: {exc}", where, node.tag) from None

    def ref(self, node: XmlNode, where: XmlNode) -> tuple[str, str, str | None] | None:
        rid = node.attrib.get("refId")
        if rid is None:
            return None
        row = self.refs.get(rid)
        if row is None:
            raise self.error(f"<{node.tag}> refId={rid!r} is not in <referenceValues>", where, node.tag)
        return row

    def country(self, node: XmlNode | None, where: XmlNode) -> tuple[str | None, str | None]:
        if node is None:
            return None, None
        name = clean(node.text) or None
        row = self.ref(node, where)
        iso = row[2] if row else None
        return name or (row[1] if row else None), iso or to_iso2(name)

    # ---- records

    def on_publication(self, node: XmlNode) -> None:
        raw = text_of(node, "dataAsOf")
        if raw:
            try:
                self.as_of = datetime.fromisoformat(raw).replace(tzinfo=TIMEZONE)
            except ValueError:
                raise self.error(f"dataAsOf {raw!r} is not a date", node, "dataAsOf") from None

    def on_reference(self, node: XmlNode) -> None:
        rid = node.attrib.get("refId")
        if not rid:
            raise self.error("referenceValue has no refId", node, "refId")
        if rid in self.refs:
            raise self.error(f"duplicate referenceValue refId {rid}", node, "refId")
        self.refs[rid] = (text_of(node, "type"), text_of(node, "value"), text_of(node, "isoCode") or None)

    def on_feature_type(self, node: XmlNode) -> None:
        fid = node.attrib.get("featureTypeId")
        if not fid:
            raise self.error("featureType has no featureTypeId", node, "featureTypeId")
        self.feature_types[fid] = text_of(node, "type")

    def on_entity(self, node: XmlNode) -> None:
        uid = node.attrib.get("id", "")
        if not uid.isdigit():
            raise self.error(f"entity id must be an integer uid, found {uid or None!r}", node, "id")
        uid = str(int(uid))
        if uid in self.seen:
            raise self.error(f"duplicate entity id {uid} (first at line {self.seen[uid]})", node, "id")
        self.seen[uid] = node.line
        self._check_references(node)
        info = node.find("generalInfo")
        etype = text_of(info, "entityType") if info is not None else ""
        if not etype:
            raise self.error(f"entity {uid} has no generalInfo/entityType", node, "entityType")
        draft = Draft(
            uid=uid,
            schema=_SCHEMAS.get(etype.lower(), "unknown"),
            line=node.line,
            element=f"entity[id={uid}]",
        )
        draft.remarks = text_of(node, "remarks") or None
        self._names(node, draft)
        if not any(n.kind == "primary" for n in draft.names):
            raise self.error(f"entity {uid} has no primary name", node, "names")
        self._lists(node, draft)
        self._addresses(node, draft)
        self._documents(node, draft)
        self._features(node, draft)
        for rel in _items(node, "relationships", "relationship"):
            other = rel.find("relatedEntity")
            if other is None or not other.attrib.get("entityId"):
                raise self.error("relationship without relatedEntity/@entityId", rel, "relatedEntity")
            former = " (former)" if text_of(rel, "isFormer").lower() == "true" else ""
            draft.extra.append(
                ("relationships", f"{text_of(rel, 'type')}: {other.attrib['entityId']}{former}")
            )
            if clean(other.text):
                draft.extra.append(("linked_to", clean(other.text)))
            self.counts["relationships"] += 1
        self.entities.append(build(draft, self.list_name, self.file_name))

    def _check_references(self, entity: XmlNode) -> None:
        """Every ``refId`` in the entity must be in ``<referenceValues>``, and its text (the value written
        out for readability) must be the value there."""
        for node in entity.iter():
            rid = node.attrib.get("refId")
            if rid is None:
                continue
            row = self.ref(node, node)
            text = clean(node.text)
            if row is not None and text and text != row[1]:
                raise self.error(
                    f"<{node.tag}> says {text!r} but refId={rid} is {row[1]!r} in <referenceValues>",
                    node,
                    node.tag,
                )

    def _names(self, node: XmlNode, draft: Draft) -> None:
        for name in _items(node, "names", "name"):
            if self.flag(name, "isPrimary", name):
                kind = "primary"
            elif self.flag(name, "isLowQuality", name):
                kind = "weak"
            else:
                kind = _ALIAS_KINDS.get(text_of(name, "aliasType").lower(), "alias")
            for i, tr in enumerate(_items(name, "translations", "translation")):
                self.counts["translations"] += 1
                script = script_code(text_of(tr, "script") or "Latin")
                last = strip_bidi(text_of(tr, "formattedLastName"))
                first = strip_bidi(text_of(tr, "formattedFirstName"))
                full = strip_bidi(text_of(tr, "formattedFullName")) or ", ".join(
                    p for p in (last, first) if p
                )
                if not full:
                    raise self.error("name translation without any name", tr, "formattedFullName")
                this = kind
                if i > 0 or not self.flag(tr, "isPrimary", tr):
                    this = (
                        "original_script"
                        if kind == "primary" and script != "Latn"
                        else ("alias" if kind == "primary" else kind)
                    )
                if last and first:
                    draft.names.append(
                        Name(f"{last}, {first}", kind=this, script=script, last_name=last, first_name=first)
                    )
                elif draft.schema == "person" and this != "primary" and script == "Latn":
                    draft.names.append(person_name(full, this))
                else:
                    draft.names.append(Name(full, kind=this, script=script))

    def _lists(self, node: XmlNode, draft: Draft) -> None:
        for sl in _items(node, "sanctionsLists", "sanctionsList"):
            title = clean(sl.text)
            published = sl.attrib.get("datePublished")
            if published:
                try:
                    day = date.fromisoformat(published[:10]).isoformat()
                except ValueError:
                    raise self.error(
                        f"datePublished {published!r} is not a date", sl, "datePublished"
                    ) from None
                draft.listed.append((title, day))
            else:
                draft.extra.append(("sanctions_lists", title))
        for prog in _items(node, "sanctionsPrograms", "sanctionsProgram"):
            draft.add_program(clean(prog.text))
        for st in _items(node, "sanctionsTypes", "sanctionsType"):
            draft.extra.append(("sanctions_types", clean(st.text)))
        for la in _items(node, "legalAuthorities", "legalAuthority"):
            draft.extra.append(("legal_bases", clean(la.text)))

    def _addresses(self, node: XmlNode, draft: Draft) -> None:
        for addr in _items(node, "addresses", "address"):
            country, iso = self.country(addr.find("country"), addr)
            translations = list(_items(addr, "translations", "translation"))
            latin = [t for t in translations if self.flag(t, "isPrimary", t)] or translations[:1]
            parts: dict[str, list[str]] = {}
            for tr in latin:
                for part in _items(tr, "addressParts", "addressPart"):
                    value = text_of(part, "value")
                    if value:
                        parts.setdefault(text_of(part, "type").upper(), []).append(value)
            others = [t for t in translations if t not in latin]
            note_parts = []
            for tr in others:
                text = ", ".join(text_of(p, "value") for p in _items(tr, "addressParts", "addressPart"))
                if text:
                    note_parts.append(f"{script_code(text_of(tr, 'script'))}: {text}")
            built = address(
                [", ".join(parts.get(p, [])) for p in _ADDRESS_PARTS],
                ", ".join(parts.get("CITY", [])),
                ", ".join(parts.get("STATE/PROVINCE", [])),
                ", ".join(parts.get("POSTAL CODE", [])),
                country,
                iso,
                region=", ".join(parts.get("REGION", [])) or None,
                note="; ".join(note_parts) or None,
            )
            if built is not None:
                draft.addresses.append(built)

    def _documents(self, node: XmlNode, draft: Draft) -> None:
        for doc in _items(node, "identityDocuments", "identityDocument"):
            label = text_of(doc, "type")
            number = text_of(doc, "documentNumber")
            if not label:
                raise self.error("identityDocument without type", doc, "type")
            country, _ = self.country(doc.find("issuingCountry"), doc)
            notes = []
            for tag, word in (("issueDate", "issued"), ("expirationDate", "expires")):
                d = doc.find(tag)
                if d is not None:
                    notes.append(f"{word} {ofac_date_text(self.period(d, doc))}")
            authority = text_of(doc, "issuingAuthority")
            if authority:
                notes.append(f"issuing authority {authority}")
            location = text_of(doc, "issuingLocation")
            if location:
                notes.append(f"issued in {location}")
            if doc.find("isValid") is not None and not self.flag(doc, "isValid", doc):
                notes.append("fraudulent")
            draft.ids.append(IdItem(label, number, country, " ".join(notes) or None))

    def _features(self, node: XmlNode, draft: Draft) -> None:
        for feat in _items(node, "features", "feature"):
            type_node = feat.find("type")
            if type_node is None:
                raise self.error("feature without type", feat, "type")
            fid = type_node.attrib.get("featureTypeId", "")
            ftype = self.feature_types.get(fid) or clean(type_node.text)
            if fid and self.feature_types and fid not in self.feature_types:
                raise self.error(f"featureTypeId {fid!r} is not in <featureTypes>", feat, "type")
            low = ftype.lower()
            value = text_of(feat, "value")
            vd = feat.find("valueDate")
            comment = text_of(feat, "comments")
            if comment:
                draft.extra.append(("feature_comments", f"{ftype}: {comment}"))
            if low == "birthdate":
                if vd is None:
                    raise self.error("Birthdate feature without valueDate", feat, "valueDate")
                draft.birth_dates.append(self.period(vd, feat))
            elif vd is not None and not value:
                draft.ids.append(IdItem(ftype, ofac_date_text(self.period(vd, feat))))
            elif not value:
                continue
            else:
                if vd is not None and is_identifier_feature(ftype):
                    self.period(vd, feat)  # validated; the value text says the same
                draft.add_feature(ftype, value)


def _items(node: XmlNode, container: str, item: str) -> list[XmlNode]:
    c = node.find(container)
    return c.findall(item) if c is not None else []


def parse(path: Path, *, list_name: str) -> ParsedList:
    """Parse one OFAC Enhanced XML file (or the official ZIP holding it) into a :class:`ParsedList`."""
    with open_input(path) as (fp, name):
        p = _Parser(name, list_name, path.name)
        handlers = {
            "publicationInfo": p.on_publication,
            "referenceValue": p.on_reference,
            "featureType": p.on_feature_type,
            "entity": p.on_entity,
        }
        read_records(fp, name, _RECORDS, _check_root, handlers, _key)
    if not p.entities:
        raise ParseError("no entity in the file", path=name, hint="is the file complete?")
    entities = p.entities
    return one_file_list(
        path, list_name, FORMAT, entities, counts={"records": len(entities), **p.counts}, published_at=p.as_of
    )


def _key(tag: str) -> str:
    return "id" if tag == "entity" else "refId"


def _check_root(tag: str | None, namespace: str | None, name: str) -> None:
    if tag != "sanctionsData" or namespace != NAMESPACE:
        raise ParseError(
            f"expected an OFAC Enhanced XML <sanctionsData> document in namespace {NAMESPACE}, found <{tag}> "
            f"in namespace {namespace or '(none)'}",
            path=name,
            line=1,
            hint="is this the Enhanced XML (SDN_ENHANCED.XML / CONS_ENHANCED.XML)?",
        )
