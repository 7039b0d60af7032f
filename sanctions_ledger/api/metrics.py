"""Prometheus metrics: request counts and latency histograms per route template (not per raw path, so
``/entities/{entity_id}`` is one series however many ids are asked for).

With several worker processes (``sanctions serve --workers N`` sets ``PROMETHEUS_MULTIPROC_DIR``), each
worker writes its samples to files in that folder and ``/metrics``, whichever worker answers it, adds up
every worker's: request counts and histograms are summed, requests in flight are summed over live workers,
and the job counts and index size (the same in every worker) are the largest any worker reports.
"""

from __future__ import annotations

import os
import time

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram, generate_latest
from prometheus_client.exposition import CONTENT_TYPE_LATEST
from prometheus_client.multiprocess import MultiProcessCollector, mark_process_dead
from starlette.types import ASGIApp, Message, Receive, Scope, Send

BUCKETS = (0.001, 0.0025, 0.005, 0.01, 0.02, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0)


def multiprocess_dir() -> str | None:
    return os.environ.get("PROMETHEUS_MULTIPROC_DIR") or None


class Metrics:
    def __init__(self) -> None:
        self.registry = CollectorRegistry()
        self.multiprocess = multiprocess_dir() is not None
        self.requests = Counter(
            "sanctions_http_requests_total",
            "HTTP requests answered",
            ["method", "route", "status"],
            registry=self.registry,
        )
        self.latency = Histogram(
            "sanctions_http_request_duration_seconds",
            "Time to answer an HTTP request",
            ["method", "route"],
            buckets=BUCKETS,
            registry=self.registry,
        )
        self.in_flight = Gauge(
            "sanctions_http_requests_in_flight",
            "HTTP requests being answered",
            registry=self.registry,
            multiprocess_mode="livesum",
        )
        self.jobs = Gauge(
            "sanctions_screen_jobs",
            "Batch screening jobs by status",
            ["status"],
            registry=self.registry,
            multiprocess_mode="max",
        )
        self.index_entities = Gauge(
            "sanctions_screening_index_entities",
            "Entities in the screening index",
            registry=self.registry,
            multiprocess_mode="max",
        )

    def render(self) -> tuple[bytes, str]:
        if self.multiprocess:  # every worker's samples, whichever worker answers
            registry = CollectorRegistry()
            MultiProcessCollector(registry)  # type: ignore[no-untyped-call]
            return generate_latest(registry), CONTENT_TYPE_LATEST
        return generate_latest(self.registry), CONTENT_TYPE_LATEST

    def close(self) -> None:
        """This worker is stopping: its in-flight gauge no longer counts."""
        if self.multiprocess:
            mark_process_dead(os.getpid())  # type: ignore[no-untyped-call]


class MetricsMiddleware:
    def __init__(self, app: ASGIApp, metrics: Metrics) -> None:
        self.app = app
        self.metrics = metrics

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        status = 500
        start = time.perf_counter()

        async def watch(msg: Message) -> None:
            nonlocal status
            if msg["type"] == "http.response.start":
                status = int(msg["status"])
            await send(msg)

        self.metrics.in_flight.inc()
        try:
            await self.app(scope, receive, watch)
        finally:
            self.metrics.in_flight.dec()
            route = scope.get("route")
            path = getattr(route, "path", None)
            template = scope.get("root_path", "") + path if path else "(unmatched)"
            method = scope["method"]
            self.metrics.requests.labels(method, template, str(status)).inc()
            self.metrics.latency.labels(method, template).observe(time.perf_counter() - start)
