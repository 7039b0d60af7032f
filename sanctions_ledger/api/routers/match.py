"""yente's ``POST /match/{dataset}``: matching by example, with yente's request and response models,
defaults, filters and errors (semantics in :mod:`sanctions_ledger.opensanctions.yente`; docs/api.md has the
compatibility table and what changed from the earlier yente-like answer).
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Depends, Path, Query, Request
from pydantic import BaseModel, ConfigDict, Field

from sanctions_ledger.api.auth import read_access
from sanctions_ledger.api.routers.common import JSON, documented
from sanctions_ledger.api.routers.yente import ENTITY_EXAMPLE, ERRORS, refusal, yente
from sanctions_ledger.errors import SanctionsError
from sanctions_ledger.opensanctions.yente import (
    DEFAULT_LIMIT,
    DEFAULT_THRESHOLD,
    FEATURE_DOCS,
    MAX_LIMIT,
    TS_PATTERN,
    MatchOptions,
    YenteError,
    algorithm,
    check_config,
    parse_examples,
    parse_since,
    scope,
)

router = APIRouter(tags=["matching (yente-compatible)"], dependencies=[Depends(read_access)])


class EntityExample(BaseModel):
    """An FtM entity example (yente's ``EntityExample``)."""

    model_config = ConfigDict(populate_by_name=True, extra="allow")

    id: str | None = Field(None, max_length=200, examples=["my-entity-id"])
    schema_: str = Field(..., alias="schema", max_length=64, examples=["Person"])
    properties: dict[str, str | list[Any]] = Field(default_factory=dict, examples=[{"name": ["John Doe"]}])


class EntityMatchQuery(BaseModel):
    """yente's ``EntityMatchQuery``; ``threshold``, ``cutoff``, ``limit`` and ``algorithm`` are also taken
    from the body (our earlier form), query parameters win."""

    model_config = ConfigDict(extra="allow")

    weights: dict[str, float] = Field(
        default_factory=dict, description="Accepted; our matcher has no weights"
    )
    config: dict[str, str | int | float | bool | None] = Field(
        default_factory=dict, description="Algorithm parameters (ours has none: any key is refused)"
    )
    queries: dict[str, EntityExample]
    threshold: float | None = Field(None, ge=0.0, le=1.0)
    cutoff: float | None = Field(None, ge=0.0, le=1.0)
    limit: int | None = Field(None, ge=1, le=MAX_LIMIT)
    algorithm: str | None = Field(None, max_length=64)


EXAMPLE = {
    "queries": {
        "q1": {
            "schema": "Person",
            "properties": {"name": ["Kim Jong Un"], "birthDate": ["1984-01-08"], "nationality": ["kp"]},
        }
    }
}

RESPONSE_EXAMPLE = {
    "responses": {
        "q1": {
            "status": 200,
            "results": [
                {
                    **ENTITY_EXAMPLE,
                    "score": 0.97,
                    "match": True,
                    "explanations": {
                        "name_similarity": {"score": 0.97, "detail": "tokens: ..."},
                        "country": {
                            "score": 0.03,
                            "detail": "country China (CN) is among the listed countries: China (CN)",
                        },
                    },
                    "features": {"name_similarity": 0.97, "country": 0.03},
                }
            ],
            "total": {"value": 1, "relation": "eq"},
            "query": {"id": None, "schema": "Company", "properties": {"name": ["Dalian Haibo"]}},
        }
    },
    "limit": 5,
}


@router.post(
    "/match/{dataset}",
    response_class=JSON,
    summary="Match entities by example (yente)",
    description="yente's matching API. `dataset`: `default` (all lists), an FtM dataset name (`ofac_sdn`), "
    "an OpenSanctions name (`us_ofac_sdn`) or a list name (`ofac-sdn`).",
    responses={**documented(RESPONSE_EXAMPLE, "One response per query key"), **ERRORS},
    openapi_extra={"requestBody": {"content": {"application/json": {"example": EXAMPLE}}}},
)
def post_match(
    request: Request,
    body: EntityMatchQuery,
    dataset: str = Path(..., max_length=64, examples=["default"]),
    limit: int | None = Query(None, ge=1, le=MAX_LIMIT, description=f"Results per query ({DEFAULT_LIMIT})"),
    threshold: float | None = Query(None, ge=0.0, le=1.0, description=f"`match` from ({DEFAULT_THRESHOLD})"),
    cutoff: float | None = Query(None, ge=0.0, le=1.0, description="Results scoring above (the threshold)"),
    algorithm_: str | None = Query(None, alias="algorithm", max_length=64, description="`best` or ours"),
    include_dataset: list[str] = Query([]),  # noqa: B008
    exclude_schema: list[str] = Query([]),  # noqa: B008
    exclude_dataset: list[str] = Query([]),  # noqa: B008
    topics: list[str] = Query([]),  # noqa: B008
    changed_since: str | None = Query(None, pattern=TS_PATTERN),
    exclude_entity_ids: list[str] = Query([], max_length=50),  # noqa: B008
) -> Any:
    svc = yente(request)
    try:
        lists = scope(dataset, include_dataset, exclude_dataset, svc.lists())
        algo = algorithm(algorithm_ or body.algorithm)
        check_config(body.config)
        batch_max = request.app.state.settings.batch_max_queries
        if len(body.queries) > batch_max:
            raise YenteError(400, f"Too many queries in one batch (limit: {batch_max})")
        if not body.queries:
            raise YenteError(400, "No queries provided.")
        thr = threshold if threshold is not None else body.threshold
        thr = DEFAULT_THRESHOLD if thr is None else thr
        cut = cutoff if cutoff is not None else body.cutoff
        cut = thr if cut is None else min(cut, thr)
        lim = limit or body.limit or DEFAULT_LIMIT
        opts = MatchOptions(
            limit=lim,
            threshold=thr,
            cutoff=cut,
            lists=lists,
            exclude_schema=tuple(exclude_schema),
            topics=tuple(topics),
            changed_since=parse_since(changed_since),
            exclude_entity_ids=tuple(exclude_entity_ids),
        )
        examples = parse_examples((k, ex.id, ex.schema_, ex.properties) for k, ex in body.queries.items())
        responses = {k: svc.match(ex, opts) for k, ex in examples.items()}
    except SanctionsError as exc:
        return refusal(exc)
    matcher = {k: {"description": d, "coefficient": c, "url": None} for k, (d, c) in FEATURE_DOCS.items()}
    return JSON(
        {"responses": responses, "limit": lim, "matcher": matcher, "algorithm": algo},
        headers={"x-batch-size": str(len(responses))},
    )
