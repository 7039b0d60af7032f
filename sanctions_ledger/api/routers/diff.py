"""What changed on a list between two snapshots."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Depends, Path, Query, Request

from sanctions_ledger.api.auth import read_access
from sanctions_ledger.api.routers.common import JSON, SNAPSHOT_EXAMPLE, documented, services
from sanctions_ledger.model.times import zone

router = APIRouter(tags=["diff"], dependencies=[Depends(read_access)])

DIFF_EXAMPLE = {
    "list": "ofac-sdn",
    "from": SNAPSHOT_EXAMPLE,
    "to": {**SNAPSHOT_EXAMPLE, "id": 13},
    "added": ["ofac-sdn:26243", "ofac-sdn:26244"],
    "removed": [],
    "changed": [
        {
            "entity_id": "ofac-sdn:12345",
            "caption": "EXAMPLE CO",
            "fields": ["remarks"],
            "changes": {"remarks": {"old": "a", "new": "b"}},
        }
    ],
    "summary": {
        "added": 2,
        "removed": 0,
        "changed": 1,
        "by_program": {"DPRK3": {"added": 2, "removed": 0, "changed": 0}},
    },
}


@router.get(
    "/diff/{list_name}",
    response_class=JSON,
    summary="Added, removed and changed entities between two snapshots (same as `sanctions diff --json`)",
    responses=documented(DIFF_EXAMPLE, "The diff", 401, 404, 422),
)
def get_diff(
    request: Request,
    list_name: str = Path(..., max_length=64, examples=["ofac-sdn"]),
    from_ref: str = Query(
        ...,
        alias="from",
        max_length=64,
        examples=["2019-03-20"],
        description="Snapshot id, or an instant/date: the latest snapshot at or before it",
    ),
    to_ref: str = Query(..., alias="to", max_length=64, examples=["2019-03-22"]),
    tz: str | None = Query(
        None,
        max_length=64,
        examples=["America/New_York"],
        description="Zone of dates in from/to (default: the list authority's)",
    ),
) -> Any:
    if tz:
        zone(tz)
    return JSON(services(request).ledger.diff(list_name, from_ref, to_ref, tz).to_dict())
