"""Monitoring alerts: the review queue, one alert with its explanation, analysts' decisions, watchlists.

Reads follow the server's read policy (open by default); a decision, and adding a watchlist, need an
``analyst`` key and are recorded under ``api-key:<name>``, in the alert's history and the audit log.
"""

from __future__ import annotations

import tempfile
from pathlib import Path as FilePath
from typing import Any

from fastapi import APIRouter, Depends, File, Form, Path, Query, Request, UploadFile
from pydantic import BaseModel, ConfigDict, Field
from starlette.concurrency import run_in_threadpool

from sanctions_ledger.api.auth import read_access, require_analyst
from sanctions_ledger.api.routers.common import JSON, documented, services
from sanctions_ledger.errors import InputError, SanctionsError
from sanctions_ledger.monitoring import Monitor, decide, get_alert, list_alerts
from sanctions_ledger.services.keys import ApiKey

router = APIRouter(tags=["alerts"])

ALERT_EXAMPLE: dict[str, Any] = {
    "id": 17,
    "watchlist": "customers",
    "customer_id": "C000123",
    "customer_name": "Dalian Haibo International Freight",
    "record_hash": "5e1c…",
    "entity_id": "ofac-sdn:26243",
    "entity_name": "DALIAN HAIBO INTERNATIONAL FREIGHT CO., LTD.",
    "entity_version_id": 90211,
    "entity_hash": "a77d…",
    "list": "ofac-sdn",
    "score": 0.97,
    "snapshot_id": 412,
    "status": "open",
    "closed_reason": None,
    "decision": None,
    "decision_reason": None,
    "decided_by": None,
    "decided_at": None,
    "raised_at": "2019-03-21T20:05:00Z",
    "updated_at": "2019-03-21T20:05:00Z",
}


class DecisionIn(BaseModel):
    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={"examples": [{"decision": "false_positive", "reason": "different date of birth"}]},
    )

    decision: str = Field(..., pattern="^(true_match|false_positive|escalate)$")
    reason: str = Field(..., min_length=1, max_length=2000)


@router.get(
    "/alerts",
    response_class=JSON,
    dependencies=[Depends(read_access)],
    summary="Alerts, highest score first (default: the review queue)",
    responses=documented(
        {"total": 1, "limit": 100, "offset": 0, "status": "queue", "alerts": [ALERT_EXAMPLE]},
        "Alerts",
        401,
        404,
        422,
    ),
)
def get_alerts(
    request: Request,
    status: str = Query("queue", pattern="^(queue|open|closed|all)$"),
    watchlist: str | None = Query(None, max_length=128),
    decision: str | None = Query(None, pattern="^(true_match|false_positive|escalate|none)$"),
    customer_id: str | None = Query(None, max_length=256),
    entity_id: str | None = Query(None, max_length=128),
    limit: int = Query(100, ge=1, le=1000),
    offset: int = Query(0, ge=0, le=10_000_000),
) -> Any:
    return JSON(
        list_alerts(
            services(request).ledger,
            status=status,
            watchlist=watchlist,
            decision=decision,
            customer_id=customer_id,
            entity_id=entity_id,
            limit=limit,
            offset=offset,
        )
    )


@router.get(
    "/alerts/{alert_id}",
    response_class=JSON,
    dependencies=[Depends(read_access)],
    summary="One alert with the match explanation, the customer record and its history",
    responses=documented({**ALERT_EXAMPLE, "match": {}, "customer": {}, "events": []}, "The alert", 401, 404),
)
def get_one(request: Request, alert_id: int = Path(..., ge=1, le=2**62)) -> Any:
    return JSON(get_alert(services(request).ledger, alert_id))


@router.post(
    "/alerts/{alert_id}/decision",
    response_class=JSON,
    summary="Record a decision on an alert (analyst key)",
    responses=documented(
        {**ALERT_EXAMPLE, "decision": "false_positive"}, "The decided alert", 401, 403, 404, 422
    ),
)
async def post_decision(
    request: Request,
    body: DecisionIn,
    alert_id: int = Path(..., ge=1, le=2**62),
    key: ApiKey = Depends(require_analyst),  # noqa: B008
) -> Any:
    ledger = services(request).ledger
    out = await run_in_threadpool(decide, ledger, alert_id, body.decision, body.reason, key.actor)
    return JSON(out)


@router.get(
    "/watchlists",
    response_class=JSON,
    dependencies=[Depends(read_access)],
    summary="Watchlists with their record and open alert counts",
    responses=documented(
        [{"id": 1, "name": "customers", "records": 100000, "uploads": 3, "open_alerts": 12}],
        "Watchlists",
        401,
    ),
)
def get_watchlists(request: Request) -> Any:
    return JSON(Monitor(services(request).ledger).watchlists())


def add_watchlist_upload(
    request: Request, name: str, description: str, upload: UploadFile, actor: str
) -> dict[str, Any]:
    """Store the upload in a temporary folder of its own, add the watchlist from it, remove it. Errors name
    the uploaded file, never the folder."""
    filename = (upload.filename or "upload.csv")[:200]
    suffix = FilePath(filename).suffix.lower()
    if suffix not in (".csv", ".parquet", ".pq"):
        raise InputError(f"{filename}: a watchlist is a .csv or .parquet file")
    with tempfile.TemporaryDirectory(prefix="sanctions-watchlist-") as tmp:
        path = FilePath(tmp) / f"upload{suffix}"
        with path.open("wb") as out:
            while chunk := upload.file.read(1 << 20):
                out.write(chunk)
        try:
            stats: dict[str, Any] = Monitor(services(request).ledger).add_watchlist(
                name, path, actor=actor, description=description, source=filename
            )
        except SanctionsError as exc:
            exc.message = exc.message.replace(str(path), filename).replace(tmp, "")
            exc.args = (exc.message,)
            raise
    return stats


@router.post(
    "/watchlists",
    response_class=JSON,
    status_code=201,
    summary="Add a watchlist from a CSV or Parquet upload and screen it at once (analyst key)",
    description="Form fields `name`, `description` (optional) and `file`. The records are screened against "
    "the current snapshots before the answer: `caught_up` says how (a full re-screen when monitoring has "
    "not run yet, else the deltas of the snapshots loaded since).",
    responses=documented(
        {"watchlist": "customers", "upload": 1, "rows": 6, "alerts": {"raised": 2}, "caught_up": None},
        "The watchlist's first upload",
        401,
        403,
        409,
        413,
        422,
    ),
)
def post_watchlist(
    request: Request,
    name: str = Form(..., min_length=1, max_length=128),
    description: str = Form("", max_length=1000),
    file: UploadFile = File(..., description="CSV or Parquet: id, name, type, dob, country, ..."),  # noqa: B008
    key: ApiKey = Depends(require_analyst),  # noqa: B008
) -> Any:
    return JSON(add_watchlist_upload(request, name, description, file, key.actor), status_code=201)
