"""Server-rendered pages (Jinja2, autoescaped; a small CSS file; no JavaScript), mounted at ``/ui``.

Signing in with an API key, the scopes and the forms' CSRF tokens: :mod:`sanctions_ledger.web.guard`."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from fastapi import FastAPI
from fastapi.staticfiles import StaticFiles

if TYPE_CHECKING:
    from sanctions_ledger.services.context import Services
    from sanctions_ledger.services.jobs import JobManager


def mount(app: FastAPI, services: Services, jobs: JobManager, path: str = "/ui") -> None:
    from sanctions_ledger.web.pages import build

    web = build(services, jobs, app.state.settings)
    web.mount("/static", StaticFiles(directory=Path(__file__).parent / "static"), name="static")
    app.mount(path, web, name="web")
