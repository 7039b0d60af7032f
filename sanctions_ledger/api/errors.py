"""One error shape for every failure: ``{"error": {"type", "message", "hint"}}``.

A :class:`~sanctions_ledger.errors.SanctionsError` keeps its class name as ``type`` and its
``http_status``; request validation failures are ``InputError`` (422) with the offending fields named;
anything unexpected is a 500 ``InternalError`` whose message gives no internals away.
"""

from __future__ import annotations

import logging
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException

from sanctions_ledger.errors import SanctionsError

log = logging.getLogger("sanctions_ledger.api")

_HTTP_TYPES = {
    400: "BadRequest",
    401: "AuthError",
    403: "PermissionDeniedError",
    404: "NotFoundError",
    405: "MethodNotAllowed",
    406: "NotAcceptable",
    409: "ConflictError",
    413: "PayloadTooLarge",
    415: "UnsupportedMediaType",
    422: "InputError",
    429: "TooManyRequests",
    503: "Unavailable",
}

ERROR_SCHEMA: dict[str, Any] = {
    "type": "object",
    "required": ["error"],
    "properties": {
        "error": {
            "type": "object",
            "required": ["type", "message"],
            "properties": {
                "type": {"type": "string", "example": "NotFoundError"},
                "message": {"type": "string", "example": "no snapshot #99"},
                "hint": {"type": ["string", "null"], "example": "`sanctions snapshots` lists them"},
            },
        }
    },
}


def error_body(type_: str, message: str, hint: str | None = None) -> dict[str, Any]:
    return {"error": {"type": type_, "message": message, "hint": hint}}


def error_response(
    status: int, type_: str, message: str, hint: str | None = None, headers: dict[str, str] | None = None
) -> JSONResponse:
    return JSONResponse(error_body(type_, message, hint), status_code=status, headers=headers)


def responses(*codes: int) -> dict[int | str, dict[str, Any]]:
    """OpenAPI ``responses`` entries for the error codes a route may answer."""
    text = {
        400: "Bad request",
        401: "No or unknown API key",
        403: "The API key lacks the scope",
        404: "Not found",
        409: "Conflict with what is stored",
        413: "Request too large",
        422: "Invalid input",
        503: "Service unavailable",
    }
    return {
        c: {"description": text.get(c, "Error"), "content": {"application/json": {"schema": ERROR_SCHEMA}}}
        for c in codes
    }


def _validation_message(exc: RequestValidationError) -> tuple[str, str | None]:
    parts = []
    for e in exc.errors()[:5]:
        loc = ".".join(str(x) for x in e.get("loc", ()) if x != "body") or "request"
        parts.append(f"{loc}: {e.get('msg', 'invalid')}")
    more = len(exc.errors()) - 5
    msg = "invalid request: " + "; ".join(parts) + (f" (and {more} more)" if more > 0 else "")
    return msg, "see /docs or /openapi.json for the request schema"


def install(app: FastAPI) -> None:
    @app.exception_handler(SanctionsError)
    async def _sanctions(_: Request, exc: SanctionsError) -> JSONResponse:
        headers = {"WWW-Authenticate": "Bearer"} if exc.http_status == 401 else None
        # every 413 has one type, whether the body's size or a screening bound was over
        type_ = _HTTP_TYPES[413] if exc.http_status == 413 else type(exc).__name__
        return error_response(exc.http_status, type_, exc.message, exc.hint, headers)

    @app.exception_handler(RequestValidationError)
    async def _invalid(_: Request, exc: RequestValidationError) -> JSONResponse:
        msg, hint = _validation_message(exc)
        return error_response(422, "InputError", msg, hint)

    @app.exception_handler(StarletteHTTPException)
    async def _http(_: Request, exc: StarletteHTTPException) -> JSONResponse:
        type_ = _HTTP_TYPES.get(exc.status_code, "HTTPError")
        detail = exc.detail if isinstance(exc.detail, str) else str(exc.detail)
        hint = None
        if exc.status_code == 404 and detail == "Not Found":
            detail, hint = "no such endpoint", "see /docs for the endpoints"
        return error_response(exc.status_code, type_, detail, hint, dict(exc.headers or {}) or None)

    @app.exception_handler(Exception)
    async def _unexpected(_: Request, exc: Exception) -> JSONResponse:
        log.exception("unexpected error", exc_info=exc)
        return error_response(
            500,
            "InternalError",
            "the server failed to answer this request",
            "it has been logged; try again or report it",
        )
