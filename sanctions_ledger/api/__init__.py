"""The HTTP API (FastAPI): ``create_app()``; served by ``sanctions serve``."""

from sanctions_ledger.api.app import create_app
from sanctions_ledger.api.settings import ApiSettings

__all__ = ["ApiSettings", "create_app"]
