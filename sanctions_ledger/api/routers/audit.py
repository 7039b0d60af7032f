"""The audit log (admin keys only)."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Depends, Query, Request

from sanctions_ledger.api.auth import require_admin
from sanctions_ledger.api.routers.common import JSON, documented, services

router = APIRouter(tags=["audit"])

AUDIT_EXAMPLE = [
    {
        "id": 7,
        "at": "2024-05-01T10:00:00+00:00",
        "actor": "api-key:ops-bot",
        "action": "actions.record",
        "target": "act-12",
        "detail": {},
    }
]


@router.get(
    "/audit",
    response_class=JSON,
    summary="Every write, newest first (same as `sanctions audit --json`)",
    responses=documented(AUDIT_EXAMPLE, "Audit entries", 401, 403, 422),
)
def get_audit(
    request: Request,
    limit: int = Query(100, ge=1, le=10_000),
    action: str | None = Query(
        None, max_length=64, examples=["keys."], description="Only actions starting so"
    ),
    _key: Any = Depends(require_admin),  # noqa: B008
) -> Any:
    return JSON(services(request).ledger.audit_entries(limit, action))
