"""yente's data and system routes beside our own API: ``GET /search/{dataset}``, ``GET /entities/{id}``
(FtM ids only: ids with a ``:`` are ours and reach the ``entities`` router), ``GET /catalog``,
``GET /algorithms``. ``/healthz`` and ``/readyz`` are the operations routes (same paths as yente's).
``POST /match/{dataset}`` is in ``match.py``. The semantics: :mod:`sanctions_ledger.opensanctions.yente`.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any

from fastapi import APIRouter, Depends, Path, Query, Request
from starlette.convertors import Convertor, register_url_convertor

from sanctions_ledger.api.auth import read_access
from sanctions_ledger.api.routers.common import JSON, documented, services
from sanctions_ledger.errors import SanctionsError
from sanctions_ledger.opensanctions.yente import (
    MAX_LIMIT,
    SEARCH_LIMIT,
    TS_PATTERN,
    MatchOptions,
    YenteError,
    YenteService,
    parse_since,
    scope,
)

router = APIRouter(tags=["yente-compatible"], dependencies=[Depends(read_access)])
_LOCK = threading.Lock()
ERROR_TYPES = {400: "InputError", 404: "NotFoundError"}


class FtmIdConvertor(Convertor[str]):
    """A path segment that is an FtM id (letters, digits, '.', '-'): our ids (with ':') do not match."""

    regex = r"[0-9a-zA-Z](?:[0-9a-zA-Z.\-]*[0-9a-zA-Z])?"

    def convert(self, value: str) -> str:
        return value

    def to_string(self, value: str) -> str:
        return value


register_url_convertor("ftmid", FtmIdConvertor())


def yente(request: Request) -> YenteService:
    """The app's yente service (made on first use)."""
    state = request.app.state
    svc: YenteService | None = getattr(state, "yente", None)
    if svc is None:
        with _LOCK:
            svc = getattr(state, "yente", None)
            if svc is None:
                core = services(request)
                svc = YenteService(core.ledger, core.screening)
                state.yente = svc
    return svc


def refusal(exc: SanctionsError) -> JSON:
    """yente's error answer (``detail``), with our error object beside it."""
    status = exc.http_status
    detail = exc.detail if isinstance(exc, YenteError) else exc.message
    kind = ERROR_TYPES.get(status, "InputError") if isinstance(exc, YenteError) else type(exc).__name__
    return JSON(
        {"detail": detail, "error": {"type": kind, "message": detail, "hint": exc.hint}}, status_code=status
    )


def answer(fn: Callable[[], Any], headers: dict[str, str] | None = None) -> JSON:
    try:
        return JSON(fn(), headers=headers)
    except SanctionsError as exc:
        return refusal(exc)


ERRORS: dict[int | str, dict[str, Any]] = {
    400: {"description": "Invalid query", "content": {"application/json": {"example": {"detail": "..."}}}},
    404: {"description": "Not found", "content": {"application/json": {"example": {"detail": "..."}}}},
}
ENTITY_EXAMPLE: dict[str, Any] = {
    "id": "ofac-sdn-26243",
    "caption": "DALIAN HAIBO INTERNATIONAL FREIGHT CO. LTD.",
    "schema": "Company",
    "properties": {"name": ["DALIAN HAIBO INTERNATIONAL FREIGHT CO. LTD."], "programId": ["DPRK3"]},
    "datasets": ["ofac_sdn"],
    "referents": [],
    "target": True,
    "first_seen": "2019-03-22T04:00:00",
    "last_seen": "2021-06-29T04:00:00",
    "last_change": "2019-03-22T04:00:00",
}
SEARCH_EXAMPLE = {
    "results": [ENTITY_EXAMPLE],
    "facets": {
        "datasets": {
            "label": "Data sources",
            "values": [{"name": "ofac_sdn", "label": "ofac-sdn", "count": 1}],
        }
    },
    "total": {"value": 1, "relation": "eq"},
    "limit": 10,
    "offset": 0,
}
CATALOG_EXAMPLE = {
    "datasets": [
        {"name": "ofac_sdn", "title": "ofac-sdn (US-TREASURY-OFAC)", "load": True, "entity_count": 8976}
    ],
    "current": ["ofac_sdn"],
    "outdated": [],
    "index_stale": False,
}


@router.get(
    "/search/{dataset}",
    response_class=JSON,
    summary="Text search (yente)",
    responses={**documented(SEARCH_EXAMPLE, "Results and facets"), **ERRORS},
)
def search(
    request: Request,
    dataset: str = Path(..., max_length=64, examples=["default"]),
    q: str = Query("", max_length=500, description="Name or text"),
    schema: str = Query("Thing", max_length=64, description="Results of this FtM schema or its descendants"),
    include_dataset: list[str] = Query([]),  # noqa: B008
    exclude_dataset: list[str] = Query([]),  # noqa: B008
    exclude_schema: list[str] = Query([]),  # noqa: B008
    changed_since: str | None = Query(None, pattern=TS_PATTERN),
    countries: list[str] = Query([]),  # noqa: B008
    topics: list[str] = Query([]),  # noqa: B008
    datasets: list[str] = Query([]),  # noqa: B008
    limit: int = Query(SEARCH_LIMIT, ge=0, le=MAX_LIMIT),
    offset: int = Query(0, ge=0, le=9499),
    facets: list[str] = Query(["countries", "topics", "datasets"]),  # noqa: B008
) -> Any:
    svc = yente(request)

    def run() -> Any:
        lists = svc.lists()
        chosen = scope(dataset, include_dataset, exclude_dataset, lists)
        if datasets:
            chosen = scope(dataset, datasets, [], chosen) if chosen else []
        opts = MatchOptions(
            limit=limit,
            lists=chosen,
            exclude_schema=tuple(exclude_schema),
            topics=tuple(topics),
            changed_since=parse_since(changed_since),
        )
        return svc.search(q, schema, opts, countries, offset, facets)

    return answer(run)


@router.get(
    "/entities/{entity_id:ftmid}",
    response_class=JSON,
    include_in_schema=False,  # shares its path with our /entities/{entity_id} (docs/api.md)
    summary="An entity by FtM id, with its adjacent entities (yente)",
    responses=ERRORS,
)
def fetch_entity(
    request: Request,
    entity_id: str,
    nested: bool = Query(
        True, description="Include adjacent entities (sanctions, addresses, documents, links)"
    ),
) -> Any:
    svc = yente(request)
    return answer(lambda: svc.entity(entity_id, nested))


@router.get(
    "/entities/{entity_id:ftmid}/adjacent",
    response_class=JSON,
    include_in_schema=False,
    summary="An entity's adjacent entities by property (yente)",
)
def fetch_adjacent(
    request: Request,
    entity_id: str,
    limit: int = Query(SEARCH_LIMIT, ge=0, le=MAX_LIMIT),
    offset: int = Query(0, ge=0, le=9499),
) -> Any:
    svc = yente(request)
    return answer(lambda: svc.adjacent(entity_id, None, limit, offset))


@router.get(
    "/entities/{entity_id:ftmid}/adjacent/{prop}",
    response_class=JSON,
    include_in_schema=False,
    summary="An entity's adjacent entities for one property (yente)",
)
def fetch_adjacent_prop(
    request: Request,
    entity_id: str,
    prop: str = Path(..., max_length=64),
    limit: int = Query(SEARCH_LIMIT, ge=0, le=MAX_LIMIT),
    offset: int = Query(0, ge=0, le=9499),
) -> Any:
    svc = yente(request)
    return answer(lambda: svc.adjacent(entity_id, prop, limit, offset))


@router.get(
    "/catalog",
    response_class=JSON,
    summary="Datasets (yente's catalog)",
    responses=documented(CATALOG_EXAMPLE, "The lists as FtM datasets"),
)
def catalog(request: Request) -> Any:
    svc = yente(request)
    return answer(svc.catalog)


@router.get(
    "/algorithms",
    response_class=JSON,
    summary="Matching algorithms (yente)",
    responses=documented(YenteService.algorithms(), "Our one algorithm"),
)
def algorithms() -> Any:
    return JSON(YenteService.algorithms())
