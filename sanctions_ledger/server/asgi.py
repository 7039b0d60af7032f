"""The entry point uvicorn imports: ``uvicorn --factory sanctions_ledger.server.asgi:app_from_env``."""

from __future__ import annotations

from fastapi import FastAPI

from sanctions_ledger.server.app import create_app


def app_from_env() -> FastAPI:
    """The app over SANCTIONS_DB with settings from SANCTIONS_API_*; the screening index is built at start."""
    return create_app(warm_index=True)
