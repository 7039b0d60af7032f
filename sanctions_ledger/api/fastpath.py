"""A lean path for the hottest request: ``POST /screen`` answered without the framework's routing.

Screening one name takes under a millisecond; FastAPI's routing, dependency solving and body handling add
about a quarter of a millisecond to each request, which at sixteen concurrent callers on two cores is the
difference between a p99 under 20 ms and over it (docs/BENCHMARKS.md). This middleware answers the common case
itself: a JSON body with a declared length within the limit, no API key presented, reads open, CORS off,
and the screening index built and fresh. It validates the body with the same pydantic model as the route,
screens with the same service and answers the same bytes.

Everything else is passed on to the full application, untouched: a request with a key (keys are checked
against the database), a body that does not validate or cannot be screened (the route then answers with its
one error shape), a chunked body, a stale index. A body already read is replayed to the application, so the
route sees exactly what the client sent. The route stays in the OpenAPI document and remains the reference:
tests compare both paths on the same requests.
"""

from __future__ import annotations

from typing import Any

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from sanctions_ledger.api.metrics import Metrics
from sanctions_ledger.api.routers.common import _dumps
from sanctions_ledger.api.schemas import ScreenRequest
from sanctions_ledger.api.services import Services
from sanctions_ledger.api.settings import ApiSettings

PATH = "/screen"
_PASS_HEADERS = (b"authorization", b"x-api-key", b"transfer-encoding")
_JSON_HEADERS = [(b"content-type", b"application/json")]


def _replay(body: bytes, receive: Receive) -> Receive:
    """A ``receive`` that first gives back the body already read, then defers to the server's."""
    sent = False

    async def replay() -> Message:
        nonlocal sent
        if not sent:
            sent = True
            return {"type": "http.request", "body": body, "more_body": False}
        return await receive()

    return replay


class ScreenFastPath:
    def __init__(
        self, app: ASGIApp, services: Services, settings: ApiSettings, route: Any, metrics: Metrics
    ) -> None:
        self.app = app
        self.screening = services.screening
        self.max_body = settings.max_json_bytes
        self.enabled = not settings.read_requires_key and not settings.cors_origins
        self.route = route  # the FastAPI route of POST /screen: metrics label the answer with its template
        self.answered = metrics.fast_screens  # requests this path answered itself

    def _eligible(self, scope: Scope) -> int | None:
        """The declared body length when the request may take the lean path, else None."""
        if not self.enabled or scope["type"] != "http" or scope["path"] != PATH or scope["method"] != "POST":
            return None
        if scope.get("root_path"):
            return None
        length: int | None = None
        json_body = False
        for key, value in scope["headers"]:
            if key in _PASS_HEADERS:
                return None
            if key == b"content-type":
                json_body = value.split(b";", 1)[0].strip().lower() == b"application/json"
            elif key == b"content-length":
                try:
                    length = int(value)
                except ValueError:
                    return None
        if not json_body or length is None or not 0 < length <= self.max_body:
            return None
        return length

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        length = self._eligible(scope)
        screener = self.screening.current() if length is not None else None
        if screener is None:
            await self.app(scope, receive, send)
            return
        chunks: list[bytes] = []
        more = True
        while more:
            message = await receive()
            if message["type"] != "http.request":  # the client went away
                return
            chunks.append(message.get("body", b""))
            more = bool(message.get("more_body", False))
        body = b"".join(chunks)
        try:
            if len(body) != length:
                raise ValueError("the body is not as long as declared")  # let the route and server judge
            request = ScreenRequest.model_validate_json(body)
            result = screener.screen(self.screening.query(**request.values())).to_dict()
        except Exception:  # invalid, unscreenable or unexpected: the route answers, in the one error shape
            await self.app(scope, _replay(body, receive), send)
            return
        data = _dumps(result)
        scope["route"] = self.route
        self.answered.inc()
        await send(
            {
                "type": "http.response.start",
                "status": 200,
                "headers": [*_JSON_HEADERS, (b"content-length", str(len(data)).encode())],
            }
        )
        await send({"type": "http.response.body", "body": data})
