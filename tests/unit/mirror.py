"""A local mirror of official list files for the ``update`` tests: a real HTTP server on 127.0.0.1.

It serves ``files`` (key -> bytes) with an ETag (and a Last-Modified when ``last_modified`` gives one),
answers a matching ``If-None-Match`` with 304 and anything it does not hold with 404, and records every
request as ``(key, headers)``. ``key`` turns the request path into the key of ``files`` (by default the
path itself).
"""

from __future__ import annotations

import hashlib
import threading
from collections.abc import Callable
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from types import TracebackType


def _whole_path(path: str) -> str:
    return path


def _no_date(body: bytes) -> str | None:
    return None


class Mirror:
    def __init__(
        self,
        files: dict[str, bytes] | None = None,
        *,
        key: Callable[[str], str] = _whole_path,
        last_modified: Callable[[bytes], str | None] = _no_date,
        prefix: str = "",
    ) -> None:
        self.files: dict[str, bytes] = dict(files or {})
        self.requests: list[tuple[str, dict[str, str]]] = []
        mirror = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                name = key(self.path)
                mirror.requests.append((name, dict(self.headers)))
                body = mirror.files.get(name)
                if body is None:
                    self.send_response(404)
                    self.end_headers()
                    return
                etag = '"' + hashlib.sha256(body).hexdigest()[:16] + '"'
                if self.headers.get("If-None-Match") == etag:
                    self.send_response(304)
                    self.end_headers()
                    return
                self.send_response(200)
                self.send_header("ETag", etag)
                if (modified := last_modified(body)) is not None:
                    self.send_header("Last-Modified", modified)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args: object) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.base = f"http://127.0.0.1:{self.server.server_address[1]}{prefix}"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()

    def __enter__(self) -> Mirror:
        return self

    def __exit__(
        self, kind: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.close()
