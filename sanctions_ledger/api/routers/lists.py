"""Lists, snapshots and counts."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Depends, Query, Request

from sanctions_ledger.api.auth import read_access
from sanctions_ledger.api.routers.common import JSON, SNAPSHOT_EXAMPLE, documented, services

router = APIRouter(tags=["lists"], dependencies=[Depends(read_access)])

STATS_EXAMPLE: dict[str, Any] = {
    "lists": {
        "ofac-sdn": {
            "snapshots": 341,
            "observations": 341,
            "first_observed_at": "2021-01-04T05:00:00Z",
            "latest_observed_at": "2024-12-31T05:00:00Z",
            "latest_snapshot": 341,
            "entities_now": 17804,
            "entities_ever": 19120,
            "versions": 24022,
            "spans": 25010,
        }
    },
    "totals": {"snapshots": 341, "entity_versions": 24022, "spans": 25010},
}


@router.get(
    "/lists",
    response_class=JSON,
    summary="The lists in the ledger",
    responses=documented(
        {
            "lists": [
                {"name": "ofac-sdn", "timezone": "America/New_York", **STATS_EXAMPLE["lists"]["ofac-sdn"]}
            ]
        },
        "Lists with counts",
        401,
    ),
)
def get_lists(request: Request) -> Any:
    svc = services(request)
    stats = svc.ledger.stats()["lists"]
    return JSON(
        {
            "lists": [
                {"name": name, "timezone": svc.ledger.list_timezone(name), **stats.get(name, {})}
                for name in svc.ledger.list_names()
            ]
        }
    )


@router.get(
    "/snapshots",
    response_class=JSON,
    summary="Snapshots, oldest first (same as `sanctions snapshots --json`)",
    responses=documented([SNAPSHOT_EXAMPLE], "Snapshots", 401, 422),
)
def get_snapshots(
    request: Request,
    list_name: str | None = Query(
        None, alias="list", max_length=64, examples=["ofac-sdn"], description="Only this list"
    ),
) -> Any:
    return JSON([s.to_dict() for s in services(request).ledger.snapshots(list_name)])


@router.get(
    "/stats",
    response_class=JSON,
    summary="Counts per list (same as `sanctions stats --json`)",
    responses=documented(STATS_EXAMPLE, "Counts", 401),
)
def get_stats(request: Request) -> Any:
    return JSON(services(request).ledger.stats())
