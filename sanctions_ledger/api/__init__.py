"""The HTTP API (FastAPI): routers, middleware and the error shape; assembled with the web pages into one
app by :mod:`sanctions_ledger.server` and served by ``sanctions serve``."""
