"""Prometheus metrics at ``GET /metrics``.

Per process (counters and histograms): request latency by route template, chat turns by
channel and outcome. Read from the shared database at scrape time (so every replica reports
the same): tickets by status and overdue, turns per outcome in the last hour and the
answer / decline / referral rates over it. And the index this process serves.

Each app process exposes its own registry; in the multi-replica topology every replica is
scraped on its own address (docs/deployment.md).
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING

from prometheus_client import CollectorRegistry, Counter, Histogram, generate_latest
from prometheus_client.core import GaugeMetricFamily, InfoMetricFamily, Metric
from prometheus_client.registry import Collector
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from hotline.conversations.gauges import turns_since
from hotline.tickets.gauges import ticket_gauges

if TYPE_CHECKING:
    from api.runtime import Runtime

log = logging.getLogger(__name__)

LATENCY_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0)
# outcomes as logged in chat_turns (assistant/assistant.py, bot actions)
RATES = {"answer": frozenset({"answered", "liaison"}), "decline": frozenset({"declined"}),
         "referral": frozenset({"referred"})}
RATE_WINDOW = timedelta(hours=1)


class HotlineCollector(Collector):
    """Gauges read at scrape time from the database and the runtime."""

    def __init__(self, runtime: Callable[[], Runtime | None]) -> None:
        self._runtime = runtime

    def collect(self) -> Iterator[Metric]:
        runtime = self._runtime()
        if runtime is None:  # not started yet
            return
        now = datetime.now(UTC)
        yield from self._index(runtime)
        try:
            tickets = ticket_gauges(runtime.reads, now)
            outcomes = turns_since(runtime.reads, now - RATE_WINDOW)
        except Exception:  # a scrape must never fail because the database hiccups
            log.exception("metrics: database gauges unavailable")
            return
        by_status = GaugeMetricFamily("dxe_tickets", "tickets by status", labels=["status"])
        for status, count in sorted(tickets.by_status.items()):
            by_status.add_metric([status], count)
        yield by_status
        yield GaugeMetricFamily("dxe_tickets_overdue", "open tickets past a deadline",
                                value=tickets.overdue)
        recent = GaugeMetricFamily("dxe_chat_turns_last_hour",
                                   "chat turns in the last hour (all replicas), by outcome",
                                   labels=["outcome"])
        for outcome, count in sorted(outcomes.items()):
            recent.add_metric([outcome], count)
        yield recent
        total = sum(outcomes.values())
        for name, kinds in RATES.items():
            share = sum(n for o, n in outcomes.items() if o in kinds) / total if total else 0.0
            yield GaugeMetricFamily(f"dxe_chat_{name}_rate",
                                    f"share of last hour's turns with a {name} outcome",
                                    value=share)

    @staticmethod
    def _index(runtime: Runtime) -> Iterator[Metric]:
        searcher = runtime.searcher
        yield GaugeMetricFamily("dxe_index_serving", "1 when the retrieval index is served",
                                value=1.0 if searcher is not None else 0.0)
        if searcher is not None:
            manifest = searcher.index.manifest
            info = InfoMetricFamily("dxe_index", "the index build this process serves")
            info.add_metric([], {"built_at": str(manifest.built_at), "model": manifest.model,
                                 "units": str(manifest.units), "chunks": str(manifest.chunks)})
            yield info


class Metrics:
    """This process's registry, and the instruments the app records into."""

    def __init__(self, runtime: Callable[[], Runtime | None]) -> None:
        self.registry = CollectorRegistry()
        self.requests = Histogram(
            "dxe_http_request_duration_seconds", "request latency by route template",
            ["method", "route", "status"], buckets=LATENCY_BUCKETS, registry=self.registry)
        self.turns = Counter("dxe_chat_turns", "chat turns handled by this process",
                             ["channel", "outcome"], registry=self.registry)
        self.registry.register(HotlineCollector(runtime))

    def count_turn(self, channel: str, outcome: str) -> None:
        """One chat turn decided."""
        self.turns.labels(channel, outcome).inc()

    def render(self) -> bytes:
        """The exposition text."""
        return generate_latest(self.registry)


class RequestMetricsMiddleware:
    """Times every HTTP request, labelled by the matched route's template (bounded labels)."""

    def __init__(self, app: ASGIApp, metrics: Metrics) -> None:
        self.app = app
        self.metrics = metrics

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = time.perf_counter()
        status = 500

        async def remember_status(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
            await send(message)

        try:
            await self.app(scope, receive, remember_status)
        finally:
            route = scope.get("route")
            template = getattr(route, "path", None) or "unmatched"
            self.metrics.requests.labels(scope["method"], template, str(status)).observe(
                time.perf_counter() - started)
