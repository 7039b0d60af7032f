"""API key management over HTTP (admin keys only); the CLI's `sanctions keys` does the same."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Depends, Path, Request

from sanctions_ledger.api.auth import require_admin
from sanctions_ledger.api.routers.common import JSON, documented, services
from sanctions_ledger.api.schemas import KeyCreate
from sanctions_ledger.services.keys import ApiKey, create_key, list_keys, revoke_key

router = APIRouter(tags=["keys"])

KEY_EXAMPLE = {
    "name": "ops-bot",
    "scope": "analyst",
    "created_at": "2024-05-01T10:00:00Z",
    "created_by": "api-key:admin",
    "revoked_at": None,
    "active": True,
}


@router.get(
    "/keys",
    response_class=JSON,
    summary="API keys (never their secrets)",
    responses=documented([KEY_EXAMPLE], "Keys", 401, 403),
)
def get_keys(request: Request, _key: ApiKey = Depends(require_admin)) -> Any:  # noqa: B008
    return JSON([k.to_dict() for k in list_keys(services(request).ledger)])


@router.post(
    "/keys",
    response_class=JSON,
    status_code=201,
    summary="Create an API key; its secret is shown once",
    responses={
        201: {
            "description": "Created",
            "content": {"application/json": {"example": {**KEY_EXAMPLE, "key": "sk_…"}}},
        },
        **documented(None, "", 401, 403, 409, 422),
    },
)
def post_key(request: Request, body: KeyCreate, key: ApiKey = Depends(require_admin)) -> Any:  # noqa: B008
    secret, created = create_key(services(request).ledger, body.name, body.scope, key.actor)
    return JSON({**created.to_dict(), "key": secret}, status_code=201)


@router.delete(
    "/keys/{name}",
    response_class=JSON,
    summary="Revoke an API key",
    responses=documented(
        {**KEY_EXAMPLE, "active": False, "revoked_at": "2024-06-01T10:00:00Z"}, "Revoked", 401, 403, 404, 409
    ),
)
def delete_key(
    request: Request,
    name: str = Path(..., max_length=64),
    key: ApiKey = Depends(require_admin),  # noqa: B008
) -> Any:
    return JSON(revoke_key(services(request).ledger, name, key.actor).to_dict())
