"""Liveness, readiness (the database answers) and Prometheus metrics."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import Response
from sqlalchemy import text

from sanctions_ledger.api.routers.common import JSON, documented, services

router = APIRouter(tags=["operations"])


@router.get(
    "/healthz", response_class=JSON, summary="The process is up", responses=documented({"status": "ok"})
)
def healthz() -> Any:
    return JSON({"status": "ok"})


@router.get(
    "/readyz",
    response_class=JSON,
    summary="Ready to serve: the database answers",
    responses={
        **documented(
            {"status": "ready", "database": "ok", "screening_index": "ready", "schema_version": 4}, "Ready"
        ),
        503: {
            "description": "Not ready",
            "content": {
                "application/json": {
                    "example": {"status": "not ready", "database": "OperationalError: connection refused"}
                }
            },
        },
    },
)
def readyz(request: Request) -> Any:
    svc = services(request)
    try:
        with svc.ledger.engine.connect() as conn:
            conn.execute(text("SELECT 1"))
            version = conn.execute(text("SELECT MAX(version) FROM schema_version")).scalar()
    except Exception as exc:
        return JSON(
            {"status": "not ready", "database": f"{type(exc).__name__}: {str(exc).splitlines()[0][:200]}"},
            status_code=503,
        )
    return JSON(
        {
            "status": "ready",
            "database": "ok",
            "screening_index": "ready" if svc.screening.ready else "not built yet (built on first use)",
            "schema_version": version,
        }
    )


@router.get(
    "/metrics",
    summary="Prometheus metrics",
    response_class=Response,
    responses={
        200: {
            "description": "Prometheus text format",
            "content": {"text/plain": {"example": "sanctions_http_requests_total{...} 42\n"}},
        }
    },
)
def metrics(request: Request) -> Response:
    m = request.app.state.metrics
    for status, n in request.app.state.jobs.counts().items():
        m.jobs.labels(status).set(n)
    m.index_entities.set(services(request).screening.entities)
    body, ctype = m.render()
    return Response(body, media_type=ctype)
