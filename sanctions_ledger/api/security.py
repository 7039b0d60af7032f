"""Browser-facing protections for every response and every state-changing request.

- Security headers on every response: ``X-Content-Type-Options: nosniff``, a strict
  ``Content-Security-Policy`` (the pages use no script: nothing but this server's style sheet and images;
  the interactive API docs at ``/docs`` and ``/redoc`` get the sources they load), ``X-Frame-Options: DENY``
  with ``frame-ancestors 'none'``, ``Referrer-Policy: same-origin`` (with ``no-referrer`` browsers send
  ``Origin: null`` on the pages' own forms, which the check below refuses), and HSTS over TLS.
- Cross-origin writes refused: a POST, PUT, PATCH or DELETE whose ``Origin`` is another site (or
  ``null``), or that the browser marks ``Sec-Fetch-Site: cross-site``, is answered 403 before the body is
  read. Clients that are not browsers send no ``Origin`` and are not affected; origins listed in
  ``SANCTIONS_API_CORS_ORIGINS`` are allowed. The forms of the web pages carry CSRF tokens as well
  (:mod:`sanctions_ledger.web.guard`); this check is the second line, and the only one for
  ``POST /screen/jobs``, which a page on another site could otherwise send as a multipart form.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from urllib.parse import urlsplit

from starlette.types import ASGIApp, Message, Receive, Scope, Send

PAGE_CSP = (
    "default-src 'none'; style-src 'self'; img-src 'self' data:; form-action 'self'; "
    "frame-ancestors 'none'; base-uri 'none'"
)
# FastAPI's /docs and /redoc load their script and styles from a CDN and start with an inline script
DOCS_CSP = (
    "default-src 'none'; script-src 'self' 'unsafe-inline' https://cdn.jsdelivr.net; "
    "style-src 'self' 'unsafe-inline' https://cdn.jsdelivr.net https://fonts.googleapis.com; "
    "font-src https://fonts.gstatic.com; img-src 'self' data: https://fastapi.tiangolo.com "
    "https://cdn.redoc.ly; connect-src 'self'; worker-src blob:; frame-ancestors 'none'; base-uri 'none'"
)
DOCS_PATHS = ("/docs", "/docs/oauth2-redirect", "/redoc")
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS", "TRACE"})


def _header(scope: Scope, name: bytes) -> str | None:
    for k, v in scope.get("headers", ()):
        if k == name:
            return bytes(v).decode("latin-1")
    return None


def cross_origin(scope: Scope, allowed: Iterable[str] = ()) -> str | None:
    """Why this request comes from another site (None when it does not, or cannot tell: not a browser)."""
    origin = _header(scope, b"origin")
    if origin is not None:
        origin = origin.strip()
        if origin in allowed:
            return None
        if origin == "null":
            return "the request comes from an opaque origin (Origin: null)"
        host = (_header(scope, b"host") or "").strip().lower()
        netloc = urlsplit(origin).netloc.lower()
        if not host or netloc != host:
            return f"the request comes from another site ({origin[:100]})"
        return None
    if (_header(scope, b"sec-fetch-site") or "").strip().lower() == "cross-site":
        return "the browser marked the request as coming from another site"
    return None


class SecurityMiddleware:
    """Adds the security headers to every response and refuses cross-origin writes (see the module)."""

    def __init__(self, app: ASGIApp, allowed_origins: Iterable[str] = ()) -> None:
        self.app = app
        self.allowed = tuple(allowed_origins)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        path = str(scope.get("path", ""))
        csp = DOCS_CSP if path in DOCS_PATHS else PAGE_CSP
        extra = [
            (b"x-content-type-options", b"nosniff"),
            (b"content-security-policy", csp.encode()),
            (b"x-frame-options", b"DENY"),
            (b"referrer-policy", b"same-origin"),
            (b"cross-origin-opener-policy", b"same-origin"),
        ]
        if scope.get("scheme") == "https":
            extra.append((b"strict-transport-security", b"max-age=31536000"))
        if path.startswith("/ui") and not path.startswith("/ui/static"):
            extra.append((b"cache-control", b"no-store"))  # pages may show customer records

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                names = {bytes(k).lower() for k, _ in extra}
                headers = [(k, v) for k, v in message.get("headers", []) if bytes(k).lower() not in names]
                message = {**message, "headers": headers + extra}
            await send(message)

        if str(scope.get("method", "GET")).upper() not in SAFE_METHODS:
            why = cross_origin(scope, self.allowed)
            if why is not None:
                body = json.dumps(
                    {
                        "error": {
                            "type": "PermissionDeniedError",
                            "message": f"cross-site request refused: {why}",
                            "hint": "submit the form from this server's own pages",
                        }
                    }
                ).encode()
                await send_with_headers(
                    {
                        "type": "http.response.start",
                        "status": 403,
                        "headers": [
                            (b"content-type", b"application/json"),
                            (b"content-length", str(len(body)).encode()),
                        ],
                    }
                )
                await send_with_headers({"type": "http.response.body", "body": body})
                return
        await self.app(scope, receive, send_with_headers)
