"""The server: the HTTP API and the web pages assembled side by side into one app (:func:`create_app`),
over the services both use; ``sanctions serve`` runs it with uvicorn (:mod:`.asgi`)."""

from sanctions_ledger.server.app import create_app
from sanctions_ledger.services.settings import ApiSettings

__all__ = ["ApiSettings", "create_app"]
