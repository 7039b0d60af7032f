"""Feeds of actions and list changes (Atom and JSON Feed 1.1), from the actions package."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import Response

from sanctions_ledger.actions import feeds
from sanctions_ledger.api.auth import read_access
from sanctions_ledger.api.routers.common import JSON, documented, services

router = APIRouter(tags=["feeds"], dependencies=[Depends(read_access)])

JSON_FEED_EXAMPLE = {
    "version": "https://jsonfeed.org/version/1.1",
    "title": "Sanctions Ledger: actions and list changes",
    "items": [
        {
            "id": "urn:sanctions-ledger:snapshot:13",
            "title": "ofac-sdn: 2 added",
            "date_published": "2019-03-22T04:00:00Z",
            "tags": ["ofac-sdn"],
        }
    ],
}


@router.get(
    "/feeds/json",
    response_class=JSON,
    summary="Actions and list changes as a JSON Feed 1.1",
    responses=documented(JSON_FEED_EXAMPLE, "Feed", 401, 422, 503),
)
def json_feed(request: Request, limit: int = Query(50, ge=1, le=500)) -> Any:
    return JSON(feeds.json_feed(services(request).ledger, limit, str(request.url)))


@router.get(
    "/feeds/atom",
    summary="Actions and list changes as an Atom feed",
    response_class=Response,
    responses={
        200: {
            "description": "Atom XML",
            "content": {
                "application/atom+xml": {"example": '<feed xmlns="http://www.w3.org/2005/Atom">…</feed>'}
            },
        },
        **documented(None, "", 401, 422, 503),
    },
)
def atom_feed(request: Request, limit: int = Query(50, ge=1, le=500)) -> Response:
    body = feeds.atom(services(request).ledger, limit, str(request.url))
    return Response(body, media_type="application/atom+xml")
