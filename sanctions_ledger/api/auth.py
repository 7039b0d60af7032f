"""API key checks as FastAPI dependencies.

A key goes in ``Authorization: Bearer <key>``, ``Authorization: ApiKey <key>`` (yente's scheme) or
``X-API-Key: <key>``. Reads are open unless
``read_requires_key`` is set; every write needs a key with the route's scope. An unknown or revoked key is
refused (401) even on an open read, so a client with a bad key learns about it at once.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from fastapi import Depends, Request
from fastapi.security import APIKeyHeader, HTTPAuthorizationCredentials, HTTPBearer
from starlette.concurrency import run_in_threadpool

from sanctions_ledger.errors import AuthError, PermissionDeniedError
from sanctions_ledger.services.keys import ApiKey, verify_key

bearer = HTTPBearer(auto_error=False, description="An API key: `Authorization: Bearer sk_...`")
header = APIKeyHeader(name="X-API-Key", auto_error=False, description="An API key: `X-API-Key: sk_...`")

_HINT = (
    "create one with `sanctions keys create --name NAME --scope analyst` and send it as "
    "`Authorization: Bearer <key>` or `X-API-Key: <key>`"
)


async def key_of(request: Request) -> ApiKey | None:
    """The key sent with the request (None when none was sent): ``Authorization: Bearer <key>`` or
    ``ApiKey <key>`` (yente's scheme, sent by its SDK and by nomenklatura), or ``X-API-Key``. Raises 401
    for an unknown key or an Authorization header of another scheme."""
    scheme, _, value = (request.headers.get("authorization") or "").partition(" ")
    secret = value.strip() if scheme.lower() in ("bearer", "apikey") else ""
    secret = secret or (request.headers.get("x-api-key") or "").strip()
    if not secret:
        if request.headers.get("authorization"):
            raise AuthError("the Authorization header is not `Bearer <key>` or `ApiKey <key>`", hint=_HINT)
        return None
    key = await run_in_threadpool(verify_key, request.app.state.services.ledger, secret)
    if key is None:
        raise AuthError("unknown or revoked API key", hint=_HINT)
    request.state.api_key = key
    return key


async def presented_key(
    request: Request,
    cred: HTTPAuthorizationCredentials | None = Depends(bearer),  # noqa: B008  (declared for the OpenAPI doc)
    x_key: str | None = Depends(header),
) -> ApiKey | None:
    """:func:`key_of` as a dependency (the parameters document the two ways of sending a key)."""
    return await key_of(request)


async def check_read(request: Request) -> ApiKey | None:
    """What :func:`read_access` checks, for a route that reads its request itself."""
    key = await key_of(request) if _sends_key(request) else None
    if key is None and request.app.state.settings.read_requires_key:
        raise AuthError(
            "reading this server needs an API key (SANCTIONS_API_READ_REQUIRES_KEY is on)", hint=_HINT
        )
    return key


def _sends_key(request: Request) -> bool:
    headers = request.headers
    return "authorization" in headers or "x-api-key" in headers


def require(scope: str) -> Callable[..., Awaitable[ApiKey]]:
    """A dependency that needs a key good for ``scope`` (``read``, ``analyst`` or ``admin``)."""

    async def dependency(key: ApiKey | None = Depends(presented_key)) -> ApiKey:  # noqa: B008
        if key is None:
            raise AuthError(f"this request needs an API key with the {scope!r} scope", hint=_HINT)
        if not key.allows(scope):
            raise PermissionDeniedError(
                f"API key {key.name!r} has the {key.scope!r} scope; this request needs {scope!r}",
                hint="ask an admin for a key with that scope",
            )
        return key

    return dependency


async def read_access(request: Request, key: ApiKey | None = Depends(presented_key)) -> ApiKey | None:  # noqa: B008
    """Open reads by default; with SANCTIONS_API_READ_REQUIRES_KEY=1 any active key is needed."""
    if key is None and request.app.state.settings.read_requires_key:
        raise AuthError(
            "reading this server needs an API key (SANCTIONS_API_READ_REQUIRES_KEY is on)", hint=_HINT
        )
    return key


require_analyst = require("analyst")
require_admin = require("admin")
