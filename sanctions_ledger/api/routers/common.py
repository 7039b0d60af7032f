"""Helpers shared by the routers: the services of the app, documented responses, JSON answers."""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any

from fastapi import Request
from fastapi.responses import JSONResponse

from sanctions_ledger.api.errors import responses
from sanctions_ledger.errors import InputError
from sanctions_ledger.model.times import parse_instant
from sanctions_ledger.services.context import Services


def services(request: Request) -> Services:
    s: Services = request.app.state.services
    return s


try:  # orjson is several times faster on screening answers; the standard library is the fallback
    import orjson

    def _dumps(content: Any) -> bytes:
        return orjson.dumps(content, default=str)
except ImportError:  # pragma: no cover

    def _dumps(content: Any) -> bytes:
        return json.dumps(content, ensure_ascii=False, separators=(",", ":"), default=str).encode("utf-8")


class JSON(JSONResponse):
    """Compact UTF-8 JSON, without FastAPI's generic encoder pass (the core's ``to_dict`` is JSON-ready)."""

    def render(self, content: Any) -> bytes:
        return _dumps(content)


def documented(example: Any, description: str = "OK", *errors: int) -> dict[int | str, dict[str, Any]]:
    out: dict[int | str, dict[str, Any]] = (
        {}
        if example is None
        else {200: {"description": description, "content": {"application/json": {"example": example}}}}
    )
    out.update(responses(*errors))
    return out


def instant(value: str, tz: str, what: str) -> datetime:
    """An instant from a query parameter (a date is the end of that day in ``tz``)."""
    if len(value) > 64:
        raise InputError(f"{what} is too long to be a date or instant")
    try:
        return parse_instant(value, tz, end_of_day=True, what=what)
    except (ValueError, OverflowError) as exc:
        raise InputError(
            f"invalid {what} {value!r}",
            hint="give a date YYYY-MM-DD or an ISO instant such as 2019-03-22T13:20:00-04:00",
        ) from exc


SNAPSHOT_EXAMPLE: dict[str, Any] = {
    "id": 12,
    "list": "ofac-sdn",
    "observed_at": "2019-03-22T04:00:00Z",
    "last_observed_at": "2019-03-22T04:00:00Z",
    "observations": 1,
    "published_at": None,
    "format": "ofac-csv",
    "content_sha256": "9f2c…",
    "files": [{"role": "main", "path": "sdn.csv", "size": 1910233, "sha256": "41ab…"}],
    "counts": {
        "entities": 7391,
        "names": 17612,
        "addresses": 12034,
        "identifiers": 9321,
        "added": 2,
        "removed": 0,
        "changed": 3,
    },
    "warnings": [],
}
