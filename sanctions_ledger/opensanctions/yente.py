"""yente's API semantics over the ledger and our matcher: matching by example, text search, entities with
their adjacent entities, the catalog and the algorithm list.

The HTTP routers (``api/routers/match.py`` and ``api/routers/yente.py``) only read parameters and turn
:class:`YenteError` into yente's error answer (``{"detail": ...}`` with the status).

Semantics, as yente has them:

* ``threshold`` (default 0.70) decides ``match``; ``cutoff`` (default: the threshold, and never above it)
  drops results whose score is not above it; ``total.value`` counts the matches (score >= threshold)
  among all candidates, not the results returned; ``limit`` (default 5) caps the results.
* An example that cannot be screened is refused (400): unknown or non-matchable schema, neither a name nor
  an identifier (an example with only an identifier is screened by it).
  ``algorithm`` must be one we have (``best`` and ``default`` name ours); ``config`` keys must be the
  algorithm's (ours has none).
* Filters: ``include_dataset``/``exclude_dataset`` narrow the lists, ``exclude_schema`` drops result
  schemata, ``topics`` keeps results with one of the topics (ours carry ``sanction``), ``changed_since``
  keeps results whose current version appeared since, ``exclude_entity_ids`` drops results by FtM id,
  our id or a referent (an FtM source's own ids).
* The query echo is the FtM-cleaned example: countries as codes, dates as strings.
"""

from __future__ import annotations

import re
import threading
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from followthemoney import model
from followthemoney.schema import Schema
from followthemoney.types import registry

from sanctions_ledger.errors import SanctionsError
from sanctions_ledger.ftm.ids import dataset_name, ftm_id, is_ftm_id, list_from_dataset, our_id, parent_id
from sanctions_ledger.ftm.mapping import SCHEMA_FOR, main_schema
from sanctions_ledger.ledger import Ledger
from sanctions_ledger.model import Entity
from sanctions_ledger.opensanctions.export import FtmView, seen_for
from sanctions_ledger.parsers import LISTS
from sanctions_ledger.screening import ScreeningQuery
from sanctions_ledger.screening.limits import MAX_QUERIES_PER_REQUEST, MAX_RESULTS, NameBudget
from sanctions_ledger.screening.screen import name_notes

ALGORITHM = "sanctions-ledger-v1"
ALGORITHM_NAMES = {"best": ALGORITHM, "default": ALGORITHM, ALGORITHM: ALGORITHM}
ALGORITHM_CONFIG: dict[str, Any] = {}  # our matcher takes no configuration parameters
DEFAULT_THRESHOLD = 0.70
DEFAULT_LIMIT = 5
MAX_LIMIT = MAX_RESULTS  # one bound for every entry point (yente allows 500)
SEARCH_LIMIT = 10
SEARCH_FLOOR = 0.5  # a text search lists names scoring at least this
MAX_BATCH = MAX_QUERIES_PER_REQUEST
CANDIDATES = 500  # candidates scored per name of an example
COLLECTIONS = ("default", "sanctions", "all")
# OpenSanctions' names of the lists we hold
OPENSANCTIONS = {
    "us_ofac_sdn": "ofac-sdn",
    "us_ofac_cons": "ofac-cons",
    "un_sc_sanctions": "un",
    "gb_hmt_sanctions": "uk-hmt",
    "us_bis_denied": "us-bis-dpl",
    "eu_fsf": "eu-fsf",
    "gb_fcdo_sanctions": "uk-fcdo",
}
TS_PATTERN = r"^\d{4}-\d{2}-\d{2}(T\d{2}(:\d{2}(:\d{2})?)?)?$"
NAME_PROPS = ("name", "alias", "previousName", "weakAlias")
PART_PROPS = ("firstName", "secondName", "middleName", "fatherName", "lastName")
COUNTRY_PROPS = ("nationality", "citizenship", "country", "jurisdiction", "flag", "mainCountry")
ID_PROPS = (
    "idNumber",
    "passportNumber",
    "registrationNumber",
    "taxNumber",
    "innCode",
    "ogrnCode",
    "leiCode",
    "swiftBic",
    "vatCode",
    "mmsi",
    "callSign",
    "serialNumber",
)
TOPICS = ("sanction",)
FEATURE_DOCS = {
    "name_similarity": (
        "Similarity of the best pair of names after normalisation and transliteration (the base score)",
        1.0,
    ),
    "dob": ("Date of birth agrees (raises the score) or contradicts it (lowers it)", None),
    "country": ("Nationality or country agrees (raises) or contradicts (lowers)", None),
    "type": ("The listed entry is of another kind than the query (lowers)", None),
    "identifier": ("An identifier (IMO, passport, registration number) is equal (decides)", None),
}


class YenteError(SanctionsError):
    """A request yente would refuse: ``http_status`` and a ``detail`` message."""

    def __init__(self, status: int, detail: str) -> None:
        super().__init__(detail)
        self.http_status = status
        self.detail = detail


def algorithm(name: str | None) -> str:
    key = (name or "best").strip().lower()
    if key not in ALGORITHM_NAMES:
        raise YenteError(400, f"Invalid algorithm: {name}")
    return ALGORITHM_NAMES[key]


def check_config(config: dict[str, Any]) -> None:
    for key in config:
        if key not in ALGORITHM_CONFIG:
            raise YenteError(400, f"Invalid configuration parameter: {key} for algorithm {ALGORITHM}")


def datasets_of(name: str, lists: Sequence[str]) -> list[str]:
    """The lists a dataset name stands for: a collection (all), an OpenSanctions name, an FtM dataset
    name of a list (``ofac_sdn``) or a list name (``ofac-sdn``). 404 when none."""
    key = name.strip()
    if key.lower() in COLLECTIONS:
        return list(lists)
    if key in OPENSANCTIONS and OPENSANCTIONS[key] in lists:
        return [OPENSANCTIONS[key]]
    try:
        lst = list_from_dataset(key)
    except SanctionsError:
        lst = ""
    if lst in lists:
        return [lst]
    raise YenteError(404, "No such dataset.")


def scope(dataset: str, include: Iterable[str], exclude: Iterable[str], lists: Sequence[str]) -> list[str]:
    chosen = datasets_of(dataset, lists)
    inc = [x for x in include if x]
    if inc:
        wanted: set[str] = set()
        for x in inc:
            try:
                wanted.update(datasets_of(x, lists))
            except YenteError:
                continue
        chosen = [c for c in chosen if c in wanted]
    for x in exclude:
        try:
            drop = set(datasets_of(x, lists))
        except YenteError:
            continue
        chosen = [c for c in chosen if c not in drop]
    return chosen


def parse_since(value: str | None) -> datetime | None:
    if not value:
        return None
    if not re.match(TS_PATTERN, value):
        raise YenteError(400, f"Invalid changed_since: {value!r}")
    try:
        return datetime.fromisoformat(value).replace(tzinfo=UTC)
    except ValueError as exc:
        raise YenteError(400, f"Invalid changed_since: {value!r}") from exc


@dataclass
class Example:
    """A query example after FtM cleaning."""

    key_id: str | None
    schema: Schema
    properties: dict[str, list[str]]
    names: list[str]
    dob: str | None = None
    country: str | None = None
    imo: str | None = None
    id_number: str | None = None

    def echo(self) -> dict[str, Any]:
        return {"id": self.key_id, "schema": self.schema.name, "properties": self.properties}


def parse_examples(queries: Iterable[tuple[str, str | None, str, dict[str, Any]]]) -> dict[str, Example]:
    """Each ``(key, id, schema, properties)`` query read as an example, its names counted against the
    request's bounds (:mod:`sanctions_ledger.screening.limits`) before any is screened: none is cut."""
    budget = NameBudget()
    out: dict[str, Example] = {}
    for key, raw_id, schema_name, properties in queries:
        ex = parse_example(raw_id, schema_name, properties)
        budget.take(len(ex.names), repr(key))
        out[key] = ex
    return out


def parse_example(raw_id: str | None, schema_name: str, properties: dict[str, Any]) -> Example:
    """Clean an example as yente does; 400 when it cannot be matched."""
    schema = model.get(schema_name)
    if schema is None:
        raise YenteError(400, f"Cannot parse example entity: unknown schema {schema_name!r}")
    if not schema.matchable:
        raise YenteError(400, f"Cannot parse example entity: schema {schema.name!r} cannot be matched")
    proxy = model.make_entity(schema)
    for prop, values in properties.items():
        items = values if isinstance(values, list) else [values]
        for v in items:
            if isinstance(v, bool) or not isinstance(v, str | int | float):
                continue
            proxy.add(prop, str(v), cleaned=False, quiet=True, fuzzy=True)
    props = {p: list(vs) for p, vs in proxy.to_dict()["properties"].items()}
    names = [n for p in NAME_PROPS for n in props.get(p, [])]
    if not names:
        parts = [props[p][0] for p in PART_PROPS if props.get(p)]
        if parts:
            names = [" ".join(parts)]
    names = [n for n in names if any(ch.isalnum() for ch in n)]
    imo = next(iter(props.get("imoNumber", [])), None)
    ident = next((v for p in ID_PROPS for v in props.get(p, [])), None)
    if not names and (imo or ident):
        names = [str(imo or ident)]  # screened by its identifier, which decides when it is listed
    if not names:
        raise YenteError(
            400,
            f"Cannot parse example entity: a {schema.name} query needs a name "
            "(properties.name, alias, or firstName/lastName) or an identifier",
        )
    dob = next((d[:10] for d in props.get("birthDate", []) if re.match(r"^\d{4}(-\d{2}){0,2}", d)), None)
    country = next((c for p in COUNTRY_PROPS for c in props.get(p, []) if len(c) == 2), None)
    return Example(raw_id, schema, props, names, dob, country, imo, ident)


def _our_schema(schema: Schema) -> str:
    for ours, ftm in SCHEMA_FOR.items():
        if schema.name == ftm:
            return ours
    if schema.is_a("Organization"):
        return "organization"
    if schema.is_a("Vessel"):
        return "vessel"
    if schema.is_a("Airplane"):
        return "aircraft"
    return "unknown"


def explanations(explanation: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """Our explanation in yente's structure: feature -> ``{score, detail}``; the name's detail is the
    analyst's notes on the name (what was matched, how, which words were taken as one)."""
    matched = f"matched the listed name {explanation.get('matched_name')!r}"
    detail = "; ".join(name_notes(explanation)) or matched
    out: dict[str, dict[str, Any]] = {
        "name_similarity": {
            "score": float(explanation.get("name_similarity") or 0.0),
            "detail": f"query name {explanation.get('query_name')!r}: {detail}",
            "query": explanation.get("query_normalised"),
            "candidate": explanation.get("matched_normalised"),
        }
    }
    for f in explanation.get("features") or []:
        if isinstance(f, dict) and isinstance(f.get("feature"), str):
            out[f["feature"]] = {"score": float(f.get("effect") or 0.0), "detail": f.get("detail")}
    return out


def features(explanation: dict[str, Any]) -> dict[str, float]:
    """The per-feature numbers of an explanation (name similarity and each effect)."""
    return {k: v["score"] for k, v in explanations(explanation).items()}


@dataclass
class MatchOptions:
    limit: int = DEFAULT_LIMIT
    threshold: float = DEFAULT_THRESHOLD
    cutoff: float = DEFAULT_THRESHOLD
    lists: list[str] = field(default_factory=list)
    exclude_schema: tuple[str, ...] = ()
    topics: tuple[str, ...] = ()
    changed_since: datetime | None = None
    exclude_entity_ids: tuple[str, ...] = ()


class YenteService:
    """yente's operations over one ledger and a screener provider (``screener()`` -> Screener)."""

    def __init__(self, ledger: Ledger, screening: Any) -> None:
        self.ledger = ledger
        self.screening = screening
        self.view = FtmView(ledger)
        self._lock = threading.Lock()
        self._by_id: tuple[int, dict[str, Entity]] | None = None

    # -- entities of the screening index ---------------------------------------------------------------

    def _entities(self) -> dict[str, Entity]:
        screener = self.screening.screener()
        with self._lock:
            if self._by_id is None or self._by_id[0] != id(screener):
                self._by_id = (id(screener), {e.id: e for e in screener.index.entities})
            return self._by_id[1]

    def lists(self) -> list[str]:
        return self.ledger.list_names()

    def _keep(self, e: Entity, opts: MatchOptions, allowed: set[str] | None) -> bool:
        schema = main_schema(e)
        if allowed is not None and schema not in allowed:
            return False
        if schema in opts.exclude_schema:
            return False
        if opts.topics and not set(opts.topics) & set(TOPICS):
            return False
        if opts.exclude_entity_ids:
            ex = set(opts.exclude_entity_ids)
            if e.id in ex or ftm_id(e.id) in ex or ex & set(e.properties.get("referents", [])):
                return False
        return True

    def _since(self, entities: list[Entity], since: datetime | None) -> list[Entity]:
        if since is None or not entities:
            return entities
        seen = seen_for(self.ledger, entities)
        return [e for e in entities if (s := seen.get(e.id)) and s.last_change and s.last_change >= since]

    # -- match -------------------------------------------------------------------------------------------

    def match(self, example: Example, opts: MatchOptions) -> dict[str, Any]:
        """One example's answer: ``{status, results, total, query}``."""
        by_id = self._entities()
        allowed = {s.name for s in example.schema.matchable_schemata}
        best: dict[str, tuple[float, dict[str, Any]]] = {}
        if opts.lists:
            for name in example.names:
                q = ScreeningQuery(
                    name=" ".join(name.split())[:500],
                    schema=_our_schema(example.schema),
                    dob=_dob(example.dob),
                    country=example.country.upper() if example.country else None,
                    imo=example.imo,
                    id_number=example.id_number,
                    lists=tuple(opts.lists),
                    threshold=opts.cutoff,
                    limit=CANDIDATES,
                )
                for m in self.screening.screen(q).matches:
                    if m.score <= opts.cutoff:
                        continue
                    if m.entity_id not in best or m.score > best[m.entity_id][0]:
                        best[m.entity_id] = (m.score, m.explanation)
        kept = [by_id[i] for i in best if i in by_id and self._keep(by_id[i], opts, allowed)]
        kept = self._since(kept, opts.changed_since)
        kept.sort(key=lambda e: (-best[e.id][0], e.id))
        total = sum(1 for e in kept if best[e.id][0] >= opts.threshold)
        shown = kept[: opts.limit]
        results = []
        for e, ftm in zip(shown, self.view.entities(shown), strict=True):
            score, expl = best[e.id]
            main = dict(ftm[0])
            main["score"] = round(score, 4)
            main["match"] = score >= opts.threshold
            main["explanations"] = explanations(expl)
            main["features"] = features(expl)
            results.append(main)
        return {
            "status": 200,
            "results": results,
            "total": {"value": total, "relation": "eq"},
            "query": example.echo(),
        }

    # -- search ------------------------------------------------------------------------------------------

    def search(
        self,
        q: str,
        schema_name: str,
        opts: MatchOptions,
        countries: Sequence[str],
        offset: int,
        facets: Sequence[str],
    ) -> dict[str, Any]:
        schema = model.get(schema_name)
        if schema is None:
            raise YenteError(400, "Invalid schema")
        by_id = self._entities()
        lists = set(opts.lists)
        scores: dict[str, float] = {}
        text = " ".join(q.split())
        if text and any(ch.isalnum() for ch in text) and lists:
            query = ScreeningQuery(
                name=text[:500], lists=tuple(opts.lists), threshold=SEARCH_FLOOR, limit=2000
            )
            for m in self.screening.screen(query).matches:
                scores[m.entity_id] = max(scores.get(m.entity_id, 0.0), m.score)
            pool = [by_id[i] for i in scores if i in by_id]
        elif text:
            pool = []
        else:
            pool = [e for e in by_id.values() if e.list in lists]
        codes = {c.lower() for c in countries}
        kept = [
            e
            for e in pool
            if model.get(main_schema(e)) is not None
            and model.get(main_schema(e)).is_a(schema)  # type: ignore[union-attr]
            and self._keep(e, opts, None)
            and (not codes or codes & {c.lower() for c in e.nationalities})
        ]
        kept = self._since(kept, opts.changed_since)
        kept.sort(key=lambda e: (-scores.get(e.id, 0.0), e.caption, e.id))
        page = kept[offset : offset + opts.limit]
        results = [ftm[0] for ftm in self.view.entities(page)]
        return {
            "results": results,
            "facets": _facets(kept, facets),
            "total": {"value": len(kept), "relation": "eq"},
            "limit": opts.limit,
            "offset": offset,
        }

    # -- entities ----------------------------------------------------------------------------------------

    def entity(self, value: str, nested: bool) -> dict[str, Any]:
        """An entity by FtM id (a listed entity, or one derived from it), nested with its adjacent
        entities as yente does. 404 when unknown."""
        lists = self.lists()
        if not is_ftm_id(value):
            raise YenteError(404, "No such entity!")
        eid = our_id(value, lists)
        derived_of = parent_id(value)
        entity = self._load(eid)
        if entity is None and derived_of is not None:
            parent = self._load(our_id(derived_of, lists))
            if parent is not None:
                for x in self.view.entities([parent])[0][1:]:
                    if x["id"] == value:
                        return x
        if entity is None:
            raise YenteError(404, "No such entity!")
        ftm = self.view.entities([entity])[0]
        main = dict(ftm[0])
        if not nested:
            return main
        return self._nest(entity, main, ftm[1:])

    def adjacent(self, value: str, prop: str | None, limit: int, offset: int) -> dict[str, Any]:
        """yente's ``/entities/{id}/adjacent[/{prop}]``: the nested entities by property, paginated."""
        nested = self.entity(value, nested=True)
        flat = {**nested, "properties": {}}
        groups: dict[str, list[Any]] = {}
        for name, values in nested["properties"].items():
            if any(isinstance(v, dict) for v in values):
                groups[name] = [v for v in values if isinstance(v, dict)]
            else:
                flat["properties"][name] = values
        if prop is not None:
            schema = model.get(nested["schema"])
            p = schema.get(prop) if schema is not None else None
            if p is None or p.type != registry.entity:
                raise YenteError(404, "No such property!")
            return _page(groups.get(prop, []), limit, offset)
        return {"entity": flat, "adjacent": {k: _page(v, limit, offset) for k, v in groups.items()}}

    def _load(self, eid: str | None) -> Entity | None:
        if eid is None:
            return None
        try:
            return self.ledger.entity(eid)[0]
        except SanctionsError:
            return None

    def _nest(self, entity: Entity, main: dict[str, Any], derived: list[dict[str, Any]]) -> dict[str, Any]:
        schema = model.get(main["schema"])
        assert schema is not None
        by_id = {d["id"]: d for d in derived}
        props: dict[str, list[Any]] = {k: list(v) for k, v in main["properties"].items()}
        # forward references (addressEntity): the id replaced by the entity
        for name, values in list(props.items()):
            prop = schema.get(name)
            if prop is not None and prop.type == registry.entity:
                props[name] = [_strip(by_id[v], main["id"]) if v in by_id else v for v in values]
        used = {v["id"] for vs in props.values() for v in vs if isinstance(v, dict)}
        # reverse references: Sanction.entity -> sanctions, Identification.holder -> identification, ...
        others: dict[str, dict[str, Any]] = {}
        for d in derived:
            if d["id"] in used:
                continue
            dschema = model.get(d["schema"])
            if dschema is None:
                continue
            for pname, values in d["properties"].items():
                p = dschema.get(pname)
                if p is None or p.type != registry.entity or main["id"] not in values or p.reverse is None:
                    continue
                nested = _strip(d, main["id"])
                nested["properties"] = self._expand_refs(nested, dschema, others)
                props.setdefault(p.reverse.name, []).append(nested)
                break
        # links from other entities of the list to this one
        for link in self._incoming(entity):
            lschema = model.get(link["schema"])
            assert lschema is not None
            for pname, values in link["properties"].items():
                p = lschema.get(pname)
                if p is not None and p.type == registry.entity and main["id"] in values and p.reverse:
                    nested = _strip(link, main["id"])
                    nested["properties"] = self._expand_refs(nested, lschema, others)
                    props.setdefault(p.reverse.name, []).append(nested)
                    break
        out = dict(main)
        out["properties"] = props
        return out

    def _expand_refs(
        self, d: dict[str, Any], schema: Schema, cache: dict[str, dict[str, Any]]
    ) -> dict[str, list[Any]]:
        """A link's references to other listed entities, as those entities (not nested further)."""
        props: dict[str, list[Any]] = {}
        lists = self.lists()
        for pname, values in d["properties"].items():
            p = schema.get(pname)
            if p is None or p.type != registry.entity:
                props[pname] = values
                continue
            out: list[Any] = []
            for v in values:
                if v not in cache:
                    other = self._load(our_id(v, lists))
                    if other is None:
                        out.append(v)
                        continue
                    cache[v] = self.view.entities([other])[0][0]
                out.append(cache[v])
            props[pname] = out
        return props

    def _incoming(self, entity: Entity) -> list[dict[str, Any]]:
        sources = self.view.incoming(entity.list, entity.id)
        out = []
        me = ftm_id(entity.id)
        for src in sources:
            other = self._load(src)
            if other is None:
                continue
            for x in self.view.entities([other])[0][1:]:
                if x["schema"] in ("UnknownLink", "Ownership") and me in [
                    v for vs in x["properties"].values() for v in vs
                ]:
                    out.append(x)
        return out

    # -- catalog, algorithms -----------------------------------------------------------------------------

    def catalog(self) -> dict[str, Any]:
        stats = self.ledger.stats().get("lists", {})
        datasets: list[dict[str, Any]] = []
        names = []
        for name, st in sorted(stats.items()):
            try:
                ds = dataset_name(name)
            except SanctionsError:
                continue
            names.append(ds)
            latest = st.get("latest_observed_at")
            version = re.sub(r"[^0-9]", "", latest or "")[:14] or None
            authority = LISTS.get(name, ("", ""))[0]
            datasets.append(
                {
                    "name": ds,
                    "title": f"{name} ({authority})" if authority else name,
                    "summary": f"The {name} list as kept by the Sanctions Ledger",
                    "version": version,
                    "updated_at": _ftm_ts(latest),
                    "last_export": _ftm_ts(latest),
                    "entity_count": st.get("entities_now"),
                    "thing_count": st.get("entities_now"),
                    "load": True,
                    "index_version": version,
                    "index_current": True,
                    "children": [],
                    "tags": ["list.sanction"],
                    "publisher": {"name": authority or name, "official": True} if authority else None,
                }
            )
        for coll in COLLECTIONS[:2]:
            datasets.append(
                {
                    "name": coll,
                    "title": "All lists" if coll == "default" else "All sanctions lists",
                    "load": False,
                    "children": names,
                    "tags": [],
                    "entity_count": sum(int(s.get("entities_now") or 0) for s in stats.values()),
                }
            )
        return {"datasets": datasets, "current": names, "outdated": [], "index_stale": False}

    @staticmethod
    def algorithms() -> dict[str, Any]:
        feats = {k: {"description": d, "coefficient": c, "url": None} for k, (d, c) in FEATURE_DOCS.items()}
        return {
            "algorithms": [
                {
                    "name": ALGORITHM,
                    "description": "The Sanctions Ledger matcher: name similarity across spellings, scripts "
                    "and romanisations, raised or lowered by date of birth, country and kind, decided by "
                    "equal identifiers (docs/matching.md).",
                    "features": feats,
                    "docs": {
                        "name": ALGORITHM,
                        "description": "The Sanctions Ledger matcher (docs/matching.md)",
                        "config": {},
                        "features": feats,
                    },
                }
            ],
            "default": "best",
            "best": ALGORITHM,
        }


def _page(items: list[Any], limit: int, offset: int) -> dict[str, Any]:
    return {
        "results": items[offset : offset + limit],
        "total": {"value": len(items), "relation": "eq"},
        "limit": limit,
        "offset": offset,
    }


def _strip(d: dict[str, Any], parent: str) -> dict[str, Any]:
    """A copy of a derived entity without the references back to ``parent`` (as yente nests)."""
    out = dict(d)
    out["properties"] = {
        k: [v for v in vs if v != parent]
        for k, vs in d["properties"].items()
        if [v for v in vs if v != parent]
    }
    return out


def _dob(value: str | None) -> Any:
    from sanctions_ledger.screening.query import parse_dob

    if not value:
        return None
    try:
        return parse_dob(value)
    except SanctionsError:
        return None


def _ftm_ts(value: str | None) -> str | None:
    if not value:
        return None
    return value.replace("Z", "").split("+")[0][:19]


def _facets(entities: list[Entity], wanted: Sequence[str]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    if "countries" in wanted:
        counts: dict[str, int] = {}
        for e in entities:
            for c in {c.lower() for c in e.nationalities if len(c) == 2}:
                counts[c] = counts.get(c, 0) + 1
        out["countries"] = {
            "label": "Countries",
            "values": [
                {"name": c, "label": registry.country.caption(c) or c, "count": n}
                for c, n in sorted(counts.items(), key=lambda x: (-x[1], x[0]))
            ],
        }
    if "topics" in wanted:
        out["topics"] = {
            "label": "Topics",
            "values": [{"name": "sanction", "label": "Sanctioned entity", "count": len(entities)}]
            if entities
            else [],
        }
    if "datasets" in wanted:
        dcounts: dict[str, int] = {}
        for e in entities:
            dcounts[e.list] = dcounts.get(e.list, 0) + 1
        out["datasets"] = {
            "label": "Data sources",
            "values": [
                {"name": dataset_name(k), "label": k, "count": n}
                for k, n in sorted(dcounts.items(), key=lambda x: (-x[1], x[0]))
            ],
        }
    if "schema" in wanted:
        scounts: dict[str, int] = {}
        for e in entities:
            scounts[main_schema(e)] = scounts.get(main_schema(e), 0) + 1
        out["schema"] = {
            "label": "Types",
            "values": [{"name": k, "label": k, "count": n} for k, n in sorted(scounts.items())],
        }
    return out
