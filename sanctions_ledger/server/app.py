"""The FastAPI application: ``create_app()`` builds it over one ledger.

Routers (one per resource) answer JSON in the same shapes as the CLI's ``--json``; the web pages live
under ``/ui``. Middleware, outermost first: metrics, security headers and the cross-origin write check
(``security``), request size limits, CORS (only when
origins are configured).
"""

from __future__ import annotations

import logging
import threading
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

from fastapi import FastAPI
from fastapi.middleware.cors import CORSMiddleware
from fastapi.responses import RedirectResponse

from sanctions_ledger import __version__
from sanctions_ledger.api import errors
from sanctions_ledger.api.limits import BodyLimitMiddleware
from sanctions_ledger.api.metrics import Metrics, MetricsMiddleware
from sanctions_ledger.api.routers import (
    actions,
    alerts,
    audit,
    diff,
    entities,
    feeds,
    health,
    keys,
    lists,
    match,
    screen,
    statements,
    yente,
)
from sanctions_ledger.api.security import SecurityMiddleware
from sanctions_ledger.ledger import Ledger, open_ledger
from sanctions_ledger.services.context import build_services
from sanctions_ledger.services.jobs import JobManager
from sanctions_ledger.services.settings import ApiSettings

log = logging.getLogger("sanctions_ledger.api")

DESCRIPTION = """\
The Sanctions Ledger over HTTP: what each official sanctions list said at any moment, what changed and
when, screening of names (also in batches and as yente-compatible `/match`), actions and statement checks.

* Reads are open unless the server sets `SANCTIONS_API_READ_REQUIRES_KEY=1`.
* Writes need an API key (`Authorization: Bearer <key>` or `X-API-Key: <key>`) with the scope the route
  names; every write is in the audit log under `api-key:<name>`.
* Every error has one shape: `{"error": {"type", "message", "hint"}}`.
* JSON bodies are limited to 1 MB and uploads to 50 MB by default (413 beyond).
"""

TAGS = [
    {"name": "lists", "description": "Lists, snapshots and counts"},
    {"name": "diff", "description": "Changes between snapshots"},
    {"name": "entities", "description": "Entities as of an instant, histories, membership"},
    {"name": "screening", "description": "Screening names, one, a batch, or a CSV job"},
    {"name": "matching (yente-compatible)", "description": "yente's /match request and response shapes"},
    {"name": "actions", "description": "Sanctions actions and their lifecycle events"},
    {"name": "statements", "description": "Which action a statement refers to"},
    {"name": "feeds", "description": "Atom and JSON feeds of list changes"},
    {"name": "alerts", "description": "Monitoring alerts, the review queue and decisions"},
    {"name": "audit", "description": "The audit log (admin)"},
    {"name": "keys", "description": "API keys (admin)"},
    {"name": "operations", "description": "Health, readiness, metrics"},
]


def create_app(
    db_url: str | None = None,
    settings: ApiSettings | None = None,
    *,
    ledger: Ledger | None = None,
    web: bool = True,
    warm_index: bool = False,
) -> FastAPI:
    """The API (and, with ``web``, the pages under ``/ui``) over the ledger at ``db_url`` (default:
    SANCTIONS_DB
    or the user's data folder), or over an already open ``ledger``."""
    settings = settings or ApiSettings.from_env()
    owned = ledger is None
    lg = ledger or open_ledger(db_url)
    services = build_services(lg)
    metrics = Metrics()
    jobs = JobManager(
        lg,
        services.screening,
        settings.jobs_dir,
        settings.max_jobs,
        settings.job_rows_max,
        keep=settings.jobs_keep,
    )

    @asynccontextmanager
    async def lifespan(_: FastAPI) -> AsyncIterator[None]:
        if warm_index:
            threading.Thread(target=_warm, args=(services.screening,), daemon=True, name="warm-index").start()
        jobs.start()  # this worker's job runner: takes queued jobs and those of workers that stopped
        try:
            yield
        finally:
            jobs.close()
            metrics.close()
            if owned:
                lg.close()

    app = FastAPI(
        title="Sanctions Ledger API",
        version=__version__,
        description=DESCRIPTION,
        openapi_tags=TAGS,
        lifespan=lifespan,
    )
    app.state.settings = settings
    app.state.services = services
    app.state.metrics = metrics
    app.state.jobs = jobs
    errors.install(app)

    app.include_router(screen.lean)  # first: the hottest request is matched by the first route tried
    app.include_router(yente.router)  # before entities: /entities/{FtM id} is yente's, ids with ':' ours
    for r in (lists, diff, entities, screen, match, actions, statements, feeds, alerts, audit, keys, health):
        app.include_router(r.router)

    if web:
        from sanctions_ledger.web import mount

        mount(app, services, jobs)

        @app.get("/", include_in_schema=False)
        def _root() -> Any:
            return RedirectResponse("/ui/", status_code=307)

    if settings.cors_origins:
        app.add_middleware(
            CORSMiddleware,
            allow_origins=list(settings.cors_origins),
            allow_methods=["GET", "POST", "DELETE"],
            allow_headers=["Authorization", "X-API-Key", "Content-Type"],
        )
    app.add_middleware(
        BodyLimitMiddleware, max_json=settings.max_json_bytes, max_upload=settings.max_upload_bytes
    )
    app.add_middleware(SecurityMiddleware, allowed_origins=settings.cors_origins)
    app.add_middleware(MetricsMiddleware, metrics=metrics)
    return app


def _warm(screening: Any) -> None:
    try:
        screening.screener()
    except Exception:  # the first request will try again and report the error
        log.exception("building the screening index failed")
