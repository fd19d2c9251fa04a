"""What a running process tells trust IT: `GET /metrics`, and the gauges read every few seconds
(each durable consumer's lag, the outbox backlog, and whatever the service itself observes)."""

from __future__ import annotations

import asyncio
import logging
import secrets
import time
from collections.abc import Callable, Sequence

from fastapi import FastAPI, HTTPException, Request, Response
from nats.aio.client import Client

from shared.messaging.consumers import Consumer
from shared.messaging.outbox import OutboxRelay
from shared.observability import tracing
from shared.observability.metrics import (
    CONSUMER_ACK_PENDING,
    CONSUMER_PENDING,
    CONSUMER_REDELIVERED,
    OBSERVED_AT,
    OUTBOX_BACKLOG,
    HttpMetrics,
    exposition,
)
from shared.observability.metrics import switch as metrics
from shared.runtime.settings import DoorstepSettings

log = logging.getLogger(__name__)
# Read in a worker thread at each poll: a service's own gauges (escalation's deadlines, ...).
Observer = Callable[[], None]


def install(api: FastAPI, service: str, settings: DoorstepSettings) -> None:
    """Metrics and traces for one process's HTTP edge, and its `GET /metrics`."""
    metrics.on = settings.metrics
    tracing.configure(service, settings)
    if settings.metrics:
        api.add_middleware(HttpMetrics, service=service)
    token = settings.metrics_token

    @api.get("/metrics", tags=["operations"], response_class=Response, responses={
        200: {"content": {"text/plain": {}}, "description": "Prometheus text exposition"}})
    def scrape(request: Request) -> Response:
        """Prometheus text exposition: counts, lags and gauges, never a person or an id. Open to
        the scraper, or, with DOORSTEP_METRICS_TOKEN set, to a bearer of that token."""
        if token:
            given = request.headers.get("authorization", "").removeprefix("Bearer ").strip()
            if not secrets.compare_digest(given.encode(), token.encode()):
                raise HTTPException(401, "GET /metrics needs the scrape token: "
                                         "Authorization: Bearer <DOORSTEP_METRICS_TOKEN>")
        if not settings.metrics:
            raise HTTPException(404, "metrics are off here (DOORSTEP_METRICS=0)")
        body, content_type = exposition()
        return Response(body, media_type=content_type)


async def observe_forever(service: str, settings: DoorstepSettings, connection: Client,
                          consumers: Sequence[Consumer], relay: OutboxRelay | None,
                          observers: Sequence[Observer] = ()) -> None:
    """Every `DOORSTEP_METRICS_POLL_SECONDS`: each durable's JetStream consumer info (pending,
    awaiting acknowledgement, redelivered), the outbox backlog, and the service's own gauges."""
    jsm = connection.jsm()
    while True:
        try:
            for consumer in consumers:
                info = await jsm.consumer_info(settings.stream_name, consumer.durable)
                durable = consumer.subscription.durable
                CONSUMER_PENDING.labels(durable).set(info.num_pending or 0)
                CONSUMER_ACK_PENDING.labels(durable).set(info.num_ack_pending or 0)
                CONSUMER_REDELIVERED.labels(durable).set(info.num_redelivered or 0)
            if relay is not None:
                OUTBOX_BACKLOG.labels(service).set(await asyncio.to_thread(relay.backlog))
            for observer in observers:
                await asyncio.to_thread(observer)
            OBSERVED_AT.labels(service).set(time.time())
        except asyncio.CancelledError:
            raise
        except Exception as error:  # NATS reconnecting, the store busy: the next poll tries again
            log.warning("%s cannot read its metrics just now (%r)", service, error)
        await asyncio.sleep(settings.metrics_poll_seconds)
