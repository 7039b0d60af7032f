"""Request size limits: JSON bodies and uploads are refused with 413 and a message saying the limit.

A declared ``Content-Length`` over the limit is refused before the body is read; a chunked body is counted
as it streams and cut off at the limit.

What a screening request may cost once read (names per query and per request, ``limit``, rows per batch
file) is bounded below the API, in :mod:`sanctions_ledger.screening.limits`, the same for every entry point.
"""

from __future__ import annotations

import json
from typing import Any

from starlette.exceptions import HTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send

UPLOAD_TYPES = ("multipart/form-data", "text/csv", "application/octet-stream")


def _human(n: int) -> str:
    if n >= 1_000_000:
        return f"{n / 1_000_000:g} MB"
    if n >= 1000:
        return f"{n / 1000:g} kB"
    return f"{n} bytes"


class BodyLimitMiddleware:
    def __init__(self, app: ASGIApp, max_json: int, max_upload: int) -> None:
        self.app = app
        self.max_json = max_json
        self.max_upload = max_upload

    def _limit(self, scope: Scope) -> tuple[int, str]:
        ctype = ""
        for k, v in scope.get("headers", ()):
            if k == b"content-type":
                ctype = v.decode("latin-1").lower()
                break
        if ctype.startswith(UPLOAD_TYPES):
            return self.max_upload, "upload"
        return self.max_json, "request body"

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["method"] in ("GET", "HEAD", "OPTIONS"):
            await self.app(scope, receive, send)
            return
        limit, what = self._limit(scope)
        message = f"the {what} is larger than the limit of {_human(limit)}"
        hint = (
            "split the file or raise SANCTIONS_API_MAX_UPLOAD_BYTES"
            if what == "upload"
            else "send fewer queries per request, or upload a CSV to /screen/jobs"
        )
        for k, v in scope.get("headers", ()):
            if k == b"content-length":
                try:
                    declared = int(v)
                except ValueError:
                    await _send_error(send, 400, "BadRequest", "invalid Content-Length header", None)
                    return
                if declared > limit:
                    await _send_error(send, 413, "PayloadTooLarge", message, hint)
                    return
        seen = 0
        started = False

        async def counted() -> Message:
            nonlocal seen
            msg = await receive()
            if msg["type"] == "http.request":
                seen += len(msg.get("body", b""))
                if seen > limit:
                    raise HTTPException(413, detail=message)
            return msg

        async def watch(msg: Message) -> None:
            nonlocal started
            if msg["type"] == "http.response.start":
                started = True
            await send(msg)

        try:
            await self.app(scope, counted, watch)
        except HTTPException as exc:
            if exc.status_code != 413 or started:
                raise
            await _send_error(send, 413, "PayloadTooLarge", message, hint)


async def _send_error(send: Send, status: int, type_: str, message: str, hint: str | None) -> None:
    body: dict[str, Any] = {"error": {"type": type_, "message": message, "hint": hint}}
    data = json.dumps(body).encode()
    await send(
        {
            "type": "http.response.start",
            "status": status,
            "headers": [(b"content-type", b"application/json"), (b"content-length", str(len(data)).encode())],
        }
    )
    await send({"type": "http.response.body", "body": data})
