"""yente-compatible matching: ``POST /match/{dataset}`` with yente's request and response shapes.

Clients written for yente (OpenSanctions' matching API) can point at this server: a request carries
``queries`` (key -> FollowTheMoney entity example), and the answer has ``responses`` (key -> ``{status,
results, total, query}``). Scores come from our own matcher; ``features`` and ``explanations`` say why.
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Depends, Path, Query, Request

from sanctions_ledger.api.auth import read_access
from sanctions_ledger.api.routers.common import JSON, documented, services
from sanctions_ledger.api.schemas import YENTE_EXAMPLE, YenteEntity, YenteMatchRequest
from sanctions_ledger.errors import NotFoundError, SanctionsError
from sanctions_ledger.model import Entity
from sanctions_ledger.screening.limits import MAX_RESULTS, NameBudget, check_queries

router = APIRouter(tags=["matching (yente-compatible)"], dependencies=[Depends(read_access)])

ALGORITHM = "sanctions-ledger-v1"
DEFAULT_LIMIT = 5
DEFAULT_CUTOFF = 0.5

# FollowTheMoney schema -> our entity schema
FTM_SCHEMAS = {
    "Person": "person",
    "Organization": "organization",
    "Company": "organization",
    "PublicBody": "organization",
    "LegalEntity": "unknown",
    "Vessel": "vessel",
    "Airplane": "aircraft",
    "Thing": "unknown",
}
OUR_TO_FTM = {
    "person": "Person",
    "organization": "Organization",
    "vessel": "Vessel",
    "aircraft": "Airplane",
    "unknown": "LegalEntity",
}
# yente / OpenSanctions dataset names -> our list names
DATASET_ALIASES = {
    "us_ofac_sdn": "ofac-sdn",
    "us_ofac_cons": "ofac-cons",
    "un_sc_sanctions": "un",
    "gb_hmt_sanctions": "uk-hmt",
    "us_bis_denied": "us-bis-dpl",
}
ALL = ("default", "sanctions", "all")

NAME_PROPS = ("name", "alias", "previousName", "weakAlias")
COUNTRY_PROPS = (
    "nationality",
    "country",
    "citizenship",
    "jurisdiction",
    "flag",
    "registrationCountry",
    "mainCountry",
)
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
)
ID_TYPE_TO_FTM = {
    "passport": "passportNumber",
    "national_id": "idNumber",
    "registration": "registrationNumber",
    "tax_id": "taxNumber",
    "swift_bic": "swiftBic",
    "imo": "imoNumber",
    "mmsi": "mmsi",
    "call_sign": "callSign",
}

MATCHER_DOCS = {
    "name_similarity": {
        "description": "Similarity of the best pair of names, after normalisation and transliteration",
        "coefficient": 1.0,
        "url": None,
    },
    "dob": {
        "description": "Date of birth agrees (raises) or contradicts (lowers) the score",
        "coefficient": None,
        "url": None,
    },
    "country": {
        "description": "Country or nationality agrees or contradicts",
        "coefficient": None,
        "url": None,
    },
    "identifier": {
        "description": "An identifier (IMO, passport, registration) is equal",
        "coefficient": None,
        "url": None,
    },
}

RESPONSE_EXAMPLE = {
    "responses": {
        "q1": {
            "status": 200,
            "results": [
                {
                    "id": "ofac-sdn:20285",
                    "caption": "KIM, Jong Un",
                    "schema": "Person",
                    "properties": {
                        "name": ["KIM, Jong Un"],
                        "birthDate": ["1984-01-08"],
                        "nationality": ["kp"],
                        "topics": ["sanction"],
                        "program": ["DPRK2"],
                    },
                    "score": 0.99,
                    "match": True,
                    "features": {"name_similarity": 1.0},
                    "explanations": {"method": "tokens"},
                    "datasets": ["ofac-sdn"],
                    "referents": [],
                    "target": True,
                    "first_seen": "2016-07-06T04:00:00Z",
                    "last_seen": "2019-03-22T04:00:00Z",
                    "last_change": "2016-07-06T04:00:00Z",
                }
            ],
            "total": {"value": 1, "relation": "eq"},
            "query": {"id": None, "schema": "Person", "properties": {"name": ["Kim Jong Un"]}},
        }
    },
    "matcher": MATCHER_DOCS,
    "limit": 5,
}


def _lists_for(request: Request, dataset: str) -> list[str]:
    names = services(request).ledger.list_names()
    if dataset.lower() in ALL:
        return names
    wanted = DATASET_ALIASES.get(dataset, dataset)
    if wanted not in names:
        raise NotFoundError(
            f"no dataset {dataset!r}",
            hint=f"use 'default' (all lists) or one of: {', '.join(names) or 'none loaded'}",
        )
    return [wanted]


def _values(props: dict[str, str | list[Any]], *keys: str) -> list[str]:
    out: list[str] = []
    for k in keys:
        v = props.get(k)
        items = v if isinstance(v, list) else [v] if v is not None else []
        out += [str(x).strip() for x in items if isinstance(x, str | int | float) and str(x).strip()]
    return out


def _names(props: dict[str, str | list[Any]]) -> list[str]:
    names = _values(props, *NAME_PROPS)
    if not names:
        parts = [
            _values(props, k) for k in ("firstName", "secondName", "middleName", "fatherName", "lastName")
        ]
        joined = " ".join(p[0] for p in parts if p)
        if joined:
            names = [joined]
    return names


def _first_valid(candidates: list[str], check: Any) -> str | None:
    for c in candidates:
        try:
            check(c)
            return c
        except (SanctionsError, ValueError):
            continue
    return None


def _facts(example: YenteEntity) -> dict[str, Any]:
    from sanctions_ledger.screening.query import parse_country, parse_dob

    p = example.properties
    dob = _first_valid([d[:10] for d in _values(p, "birthDate")], parse_dob)
    country = _first_valid(_values(p, *COUNTRY_PROPS), parse_country)
    imo = next(iter(_values(p, "imoNumber")), None)
    id_number = next(iter(_values(p, *ID_PROPS)), None)
    return {"dob": dob, "country": country, "imo": imo, "id_number": id_number}


def _properties(e: Entity) -> dict[str, list[str]]:
    props: dict[str, list[str]] = {"name": [e.caption]}
    aliases = [
        n.name for n in e.names if n.name != e.caption and n.kind in ("alias", "original_script", "new")
    ]
    weak = [n.name for n in e.names if n.kind == "weak"]
    former = [n.name for n in e.names if n.kind == "former"]
    for key, vals in (("alias", aliases), ("weakAlias", weak), ("previousName", former)):
        if vals:
            props[key] = vals
    if e.birth_dates:
        props["birthDate"] = [d.value for d in e.birth_dates]
    if e.nationalities:
        props["nationality" if e.schema == "person" else "country"] = [c.lower() for c in e.nationalities]
    for i in e.identifiers:
        props.setdefault(ID_TYPE_TO_FTM.get(i.type, "idNumber"), []).append(i.value)
    if e.addresses:
        props["address"] = [a.full for a in e.addresses if a.full]
    if e.programs:
        props["program"] = list(e.programs)
    if e.remarks:
        props["notes"] = [e.remarks]
    props["topics"] = ["sanction"]
    return props


def _features(explanation: dict[str, Any]) -> dict[str, float]:
    out = {"name_similarity": float(explanation.get("name_similarity") or 0.0)}
    for f in explanation.get("features") or []:
        if isinstance(f, dict) and isinstance(f.get("name"), str):
            val = f.get("value", f.get("delta", f.get("score")))
            if isinstance(val, int | float):
                out[f["name"]] = float(val)
    return out


def _match_one(
    request: Request, example: YenteEntity, lists: list[str], threshold: float, cutoff: float, limit: int
) -> dict[str, Any]:
    svc = services(request)
    schema = FTM_SCHEMAS.get(example.schema_)
    query_echo = {
        "id": example.id,
        "schema": example.schema_,
        "properties": {k: (v if isinstance(v, list) else [v]) for k, v in example.properties.items()},
    }
    names = _names(example.properties)
    if schema is None or not names:
        msg = (
            f"schema {example.schema_!r} is not one of {', '.join(FTM_SCHEMAS)}"
            if schema is None
            else "the query has no name (properties.name, or firstName/lastName)"
        )
        return {
            "status": 400,
            "results": [],
            "total": {"value": 0, "relation": "eq"},
            "query": query_echo,
            "error": msg,
        }
    facts = _facts(example)
    best: dict[str, tuple[float, dict[str, Any]]] = {}
    for name in names:
        q = svc.screening.query(name=name, schema=schema, lists=lists, threshold=cutoff, limit=limit, **facts)
        for m in svc.screening.screen(q).to_dict()["matches"]:
            if m["entity_id"] not in best or m["score"] > best[m["entity_id"]][0]:
                best[m["entity_id"]] = (m["score"], m)
    ranked = sorted(best.values(), key=lambda x: (-x[0], x[1]["entity_id"]))[:limit]
    results = []
    for score, m in ranked:
        entity = svc.ledger.entity(m["entity_id"])[0]
        hist = svc.ledger.history(m["entity_id"])
        versions = hist["versions"]
        results.append(
            {
                "id": entity.id,
                "caption": entity.caption,
                "schema": OUR_TO_FTM.get(entity.schema, "LegalEntity"),
                "properties": _properties(entity),
                "score": score,
                "match": score >= threshold,
                "features": _features(m.get("explanation") or {}),
                "explanations": m.get("explanation") or {},
                "datasets": [entity.list],
                "referents": [],
                "target": True,
                "first_seen": hist["first_seen"],
                "last_seen": hist["last_seen"],
                "last_change": versions[-1]["first_observed_at"] if versions else hist["first_seen"],
            }
        )
    return {
        "status": 200,
        "results": results,
        "total": {"value": len(results), "relation": "eq"},
        "query": query_echo,
    }


@router.post(
    "/match/{dataset}",
    response_class=JSON,
    summary="Match entities (yente-compatible)",
    description="yente's request and response shapes. `dataset`: `default` (all lists), a list name "
    "(`ofac-sdn`) or an OpenSanctions name (`us_ofac_sdn`). `threshold` sets `match`; results "
    "below `cutoff` are left out; `algorithm` is accepted and reported, one matcher answers.",
    responses=documented(RESPONSE_EXAMPLE, "One response per query key", 401, 404, 413, 422, 503),
    openapi_extra={"requestBody": {"content": {"application/json": {"example": YENTE_EXAMPLE}}}},
)
def post_match(
    request: Request,
    body: YenteMatchRequest,
    dataset: str = Path(..., max_length=64, examples=["default"]),
    threshold: float | None = Query(None, ge=0.0, le=1.0, description="Score from which `match` is true"),
    cutoff: float | None = Query(None, ge=0.0, le=1.0, description="Lowest score returned (default 0.5)"),
    limit: int | None = Query(
        None, ge=1, le=MAX_RESULTS, description=f"Results per query (default 5, at most {MAX_RESULTS})"
    ),
    algorithm: str | None = Query(None, max_length=64, description="Accepted for compatibility"),
) -> Any:
    from sanctions_ledger.screening import DEFAULT_THRESHOLD

    lists = _lists_for(request, dataset)
    check_queries(len(body.queries), request.app.state.settings.batch_max_queries)
    budget = NameBudget()
    for key, example in body.queries.items():  # the whole request is measured before anything is screened
        budget.take(len(_names(example.properties)), repr(key))
    thr = (
        threshold
        if threshold is not None
        else body.threshold
        if body.threshold is not None
        else DEFAULT_THRESHOLD
    )
    cut = (
        cutoff if cutoff is not None else body.cutoff if body.cutoff is not None else min(DEFAULT_CUTOFF, thr)
    )
    lim = limit or body.limit or DEFAULT_LIMIT
    out = {key: _match_one(request, ex, lists, thr, cut, lim) for key, ex in body.queries.items()}
    return JSON(
        {
            "responses": out,
            "matcher": MATCHER_DOCS,
            "limit": lim,
            "algorithm": algorithm or body.algorithm or ALGORITHM,
        }
    )
