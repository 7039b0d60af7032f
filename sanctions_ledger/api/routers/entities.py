"""Entities as of an instant, their histories, and list membership as of an instant."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from fastapi import APIRouter, Depends, Path, Query, Request

from sanctions_ledger.actions.story import entity_history, show_entity
from sanctions_ledger.api.auth import read_access
from sanctions_ledger.api.routers.common import JSON, documented, instant, services
from sanctions_ledger.ledger.queries import list_of
from sanctions_ledger.model.times import iso, zone

router = APIRouter(tags=["entities"], dependencies=[Depends(read_access)])

ENTITY_EXAMPLE = {
    "id": "ofac-sdn:26243",
    "list": "ofac-sdn",
    "source_id": "26243",
    "schema": "organization",
    "names": [{"name": "DALIAN HAIBO INTERNATIONAL FREIGHT CO., LTD.", "kind": "primary", "script": "Latn"}],
    "programs": ["DPRK3"],
    "birth_dates": [],
    "nationalities": [],
    "identifiers": [],
    "addresses": [{"city": "Dalian", "country": "CN", "full": "Dalian, China"}],
    "listed_on": None,
    "remarks": None,
    "properties": {},
    "provenance": {"file": "sdn.csv", "line": 7390},
    "snapshot": {"id": 13, "observed_at": "2019-03-22T04:00:00Z"},
}
HISTORY_EXAMPLE = {
    "entity_id": "ofac-sdn:26243",
    "list": "ofac-sdn",
    "first_seen": "2019-03-22T04:00:00Z",
    "last_seen": "2019-03-22T04:00:00Z",
    "on_latest_snapshot": True,
    "versions": [
        {
            "version_id": 1,
            "first_snapshot": 13,
            "first_observed_at": "2019-03-22T04:00:00Z",
            "last_snapshot": 13,
            "last_observed_at": "2019-03-22T04:00:00Z",
            "snapshots": 1,
            "ended_by_snapshot": None,
            "ended_at": None,
            "caption": "DALIAN HAIBO INTERNATIONAL FREIGHT CO., LTD.",
            "changes": [],
            "entity": {"id": "ofac-sdn:26243"},
        }
    ],
}
ASOF_EXAMPLE = {
    "list": "ofac-sdn",
    "as_of": "2019-03-23T03:59:59.999999Z",
    "program": "DPRK3",
    "snapshot": {"id": 13, "observed_at": "2019-03-22T04:00:00Z"},
    "count": 2,
    "entity_ids": ["ofac-sdn:26243", "ofac-sdn:26244"],
}


def tz_or(tz: str | None, default: Callable[[], str]) -> str:
    """The zone asked for (checked), or the default (the list authority's)."""
    if tz:
        zone(tz)
        return tz
    return default()


EntityId = Path(..., max_length=200, examples=["ofac-sdn:26243"], description="<list>:<id in the source>")


@router.get(
    "/entities/{entity_id}",
    response_class=JSON,
    summary="An entity as of an instant (same as `sanctions show --json`)",
    responses=documented(ENTITY_EXAMPLE, "The entity", 401, 404, 422),
)
def get_entity(
    request: Request,
    entity_id: str = EntityId,
    as_of: str | None = Query(
        None,
        max_length=64,
        examples=["2019-03-22"],
        description="Instant or date (end of day in the list's zone); default latest",
    ),
    tz: str | None = Query(None, max_length=64, description="Zone for a date in as_of"),
) -> Any:
    ledger = services(request).ledger
    at = None
    if as_of:
        at = instant(as_of, tz_or(tz, lambda: ledger.list_timezone(list_of(entity_id))), "as_of")
    return JSON(show_entity(ledger, entity_id, at))


@router.get(
    "/entities/{entity_id}/history",
    response_class=JSON,
    summary="Versions across snapshots, designation, actions and events (`sanctions history --json`)",
    responses=documented(HISTORY_EXAMPLE, "The history", 401, 404, 422),
)
def get_history(request: Request, entity_id: str = EntityId) -> Any:
    return JSON(entity_history(services(request).ledger, entity_id))


@router.get(
    "/asof/{list_name}",
    response_class=JSON,
    summary="Which entities were on a list at an instant (same as `sanctions asof --json`)",
    responses=documented(ASOF_EXAMPLE, "Members", 401, 404, 422),
)
def get_asof(
    request: Request,
    list_name: str = Path(..., max_length=64, examples=["ofac-sdn"]),
    at: str = Query(
        ..., max_length=64, examples=["2019-03-22"], description="Instant or date (end of that day)"
    ),
    program: str | None = Query(None, max_length=64, examples=["DPRK3"]),
    tz: str | None = Query(
        None, max_length=64, description="Zone for a date (default: the list authority's)"
    ),
) -> Any:
    ledger = services(request).ledger
    when = instant(at, tz_or(tz, lambda: ledger.list_timezone(list_name)), "at")
    snap, ids = ledger.asof(list_name, when, program)
    return JSON(
        {
            "list": list_name,
            "as_of": iso(when),
            "program": program,
            "snapshot": {"id": snap.id, "observed_at": iso(snap.observed_at)},
            "count": len(ids),
            "entity_ids": ids,
        }
    )
