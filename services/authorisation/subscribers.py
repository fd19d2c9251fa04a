"""What authorisation hears from the bus. Thin: each handler calls one use case."""

from __future__ import annotations

import asyncio

from services.authorisation.application import AuthorisationApp
from shared.bus import Subscription
from shared.contracts import IntegrationEvent
from shared.contracts.visits import VisitRequested


def subscriptions(app: AuthorisationApp) -> list[Subscription]:
    async def on_visit_requested(event: IntegrationEvent) -> None:
        assert isinstance(event, VisitRequested)
        await asyncio.to_thread(app.record_request, event)

    return [
        Subscription(
            durable="authorisation-visits",
            subject_filter="events.*.*.visit.*",
            handlers={VisitRequested: on_visit_requested},
        ),
    ]
