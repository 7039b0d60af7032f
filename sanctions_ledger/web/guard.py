"""Who is looking at a page, what they may do, and the forms' CSRF tokens.

A browser signs in with an API key (:mod:`sanctions_ledger.services.sessions`) and then carries an HttpOnly,
SameSite=Strict session cookie scoped to ``/ui`` (Secure when the page was served over TLS). Pages need what
the API needs: any key to read when ``SANCTIONS_API_READ_REQUIRES_KEY`` is on (else reading is open),
an ``analyst`` key to decide alerts; batch jobs are shown to the key that made them and to admins.

Every state-changing form carries a CSRF token: derived from the session secret when signed in, else from
a random token in a cookie of its own (SameSite=Strict, HttpOnly) that the form must repeat. A missing or
wrong token is refused (403) before anything is done.
"""

from __future__ import annotations

import hmac
import secrets
from dataclasses import dataclass
from typing import Any, TypeVar

from fastapi import Request
from starlette.concurrency import run_in_threadpool
from starlette.responses import Response

from sanctions_ledger.errors import AuthError, PermissionDeniedError
from sanctions_ledger.services.keys import ApiKey
from sanctions_ledger.services.sessions import Session, csrf_token, lookup

SESSION_COOKIE = "sl_session"
CSRF_COOKIE = "sl_csrf"
COOKIE_PATH = "/ui"
ANONYMOUS = "anonymous"


@dataclass
class Viewer:
    """The person at the browser: their key (None: anonymous) and the CSRF token their forms carry."""

    key: ApiKey | None
    session: Session | None
    csrf: str
    csrf_seed: str | None  # an anonymous browser's token cookie value, to set when it is new

    @property
    def actor(self) -> str:
        return self.key.actor if self.key is not None else ANONYMOUS

    def allows(self, scope: str) -> bool:
        return self.key is not None and self.key.allows(scope)

    @property
    def is_admin(self) -> bool:
        return self.allows("admin")


def secure(request: Request) -> bool:
    return request.url.scheme == "https"


async def viewer(request: Request) -> Viewer:
    """The viewer of this request (looked up once per request)."""
    found = getattr(request.state, "viewer", None)
    if isinstance(found, Viewer):
        return found
    services = request.app.state.services
    session = None
    secret = request.cookies.get(SESSION_COOKIE)
    if secret:
        session = await run_in_threadpool(lookup, services.ledger, secret)
    if session is not None:
        v = Viewer(session.key, session, session.csrf, None)
    else:
        seed = request.cookies.get(CSRF_COOKIE) or ""
        fresh = None
        if len(seed) != 43:
            seed = fresh = secrets.token_urlsafe(32)
        v = Viewer(None, None, csrf_token(seed), fresh)
    request.state.viewer = v
    return v


def read_requires_key(request: Request) -> bool:
    return bool(request.app.state.settings.read_requires_key)


async def need_read(request: Request) -> Viewer:
    """Any page: open unless the server requires a key for reads."""
    v = await viewer(request)
    if v.key is None and read_requires_key(request):
        raise AuthError(
            "sign in with an API key to read this server (SANCTIONS_API_READ_REQUIRES_KEY is on)",
            hint="any active key will do",
        )
    return v


async def need_scope(request: Request, scope: str) -> Viewer:
    v = await need_read(request)
    if v.key is None:
        raise AuthError(f"sign in with an API key with the {scope!r} scope to do this")
    if not v.key.allows(scope):
        raise PermissionDeniedError(
            f"you are signed in with key {v.key.name!r} ({v.key.scope} scope); this needs {scope!r}",
            hint="sign in with a key that has that scope",
        )
    return v


def check_csrf(v: Viewer, token: str | None) -> None:
    """Refuse (403) a form whose token is not this viewer's."""
    if not token or not hmac.compare_digest(token.encode(), v.csrf.encode()):
        raise PermissionDeniedError(
            "the form's security token is missing or out of date (CSRF check)",
            hint="reload the page and submit the form again",
        )


def set_cookie(request: Request, response: Response, name: str, value: str, max_age: int | None) -> None:
    response.set_cookie(
        name,
        value,
        max_age=max_age,
        path=COOKIE_PATH,
        secure=secure(request),
        httponly=True,
        samesite="strict",
    )


R = TypeVar("R", bound=Response)


def finish(request: Request, response: R) -> R:
    """Set an anonymous viewer's new token cookie on the response."""
    v: Any = getattr(request.state, "viewer", None)
    if isinstance(v, Viewer) and v.csrf_seed is not None:
        set_cookie(request, response, CSRF_COOKIE, v.csrf_seed, None)
    return response
