"""Prometheus metrics every process exports, and the HTTP middleware that counts requests.

Metrics live in prometheus_client's default registry, defined once at import, so several
services built in one test process share them without registering twice; the `service` label
tells them apart. Labels are bounded: route templates, event types, durable names, providers,
never an id. `DOORSTEP_METRICS=0` turns the counting off (`switch`).
"""

from __future__ import annotations

import functools
import time
from typing import Any

from prometheus_client import CONTENT_TYPE_LATEST, REGISTRY, Counter, Gauge, Histogram
from prometheus_client.exposition import generate_latest

Scope = dict[str, Any]
Receive = Any
Send = Any


class _Switch:
    on = True


switch = _Switch()

HTTP_REQUESTS = Counter(
    "doorstep_http_requests_total", "HTTP requests answered, by route template and status",
    ["service", "method", "route", "status"])
HTTP_LATENCY = Histogram(
    "doorstep_http_request_duration_seconds", "Time to answer an HTTP request, by route template",
    ["service", "method", "route"],
    buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0))
EVENTS_PUBLISHED = Counter(
    "doorstep_events_published_total", "Integration events the outbox relay published, by type",
    ["service", "type"])
EVENTS_HANDLED = Counter(
    "doorstep_events_handled_total",
    "Events a durable consumer took, by type; outcome handled or refused",
    ["durable", "type", "outcome"])
CONSUMER_PENDING = Gauge(
    "doorstep_consumer_pending_messages",
    "Messages on the stream not yet delivered to a durable consumer (JetStream num_pending)",
    ["durable"])
CONSUMER_ACK_PENDING = Gauge(
    "doorstep_consumer_ack_pending_messages",
    "Messages delivered to a durable consumer and not yet acknowledged", ["durable"])
CONSUMER_REDELIVERED = Gauge(
    "doorstep_consumer_redelivered_messages",
    "Messages a durable consumer has been sent more than once and not yet acknowledged",
    ["durable"])
OUTBOX_BACKLOG = Gauge(
    "doorstep_outbox_backlog_events",
    "Events stored but not yet published by the outbox relay", ["service"])
OBSERVED_AT = Gauge(
    "doorstep_observed_timestamp_seconds",
    "When this process last read its consumers and outbox (Unix time)", ["service"])


@functools.lru_cache(maxsize=8192)
def labelled(metric: Any, *values: str) -> Any:
    """`metric.labels(*values)`, looked up once: the hot paths (each request, each event) count
    into the same few children again and again, and the label sets are bounded."""
    return metric.labels(*values)


def exposition() -> tuple[bytes, str]:
    """The text exposition of every metric of this process, and its content type."""
    return generate_latest(REGISTRY), CONTENT_TYPE_LATEST


class HttpMetrics:
    """ASGI middleware: counts each request by its route's template (`/v1/schools/{urn}/...`),
    never the raw path, so a label never carries a school, visit or person."""

    def __init__(self, app: Any, service: str) -> None:
        self.app = app
        self.service = service

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or not switch.on:
            await self.app(scope, receive, send)
            return
        started = time.perf_counter()
        status = 500

        async def answering(message: dict[str, Any]) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
            await send(message)

        try:
            await self.app(scope, receive, answering)
        finally:
            route = route_template(scope)
            method = scope.get("method", "")
            labelled(HTTP_REQUESTS, self.service, method, route, str(status)).inc()
            labelled(HTTP_LATENCY, self.service, method, route).observe(
                time.perf_counter() - started)


def route_template(scope: Scope) -> str:
    route = scope.get("route")
    path = getattr(route, "path", None)
    return path if isinstance(path, str) and path else "unmatched"
