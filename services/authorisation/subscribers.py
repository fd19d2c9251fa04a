"""What authorisation hears from the bus. Thin: each handler calls one use case."""

from __future__ import annotations

import asyncio

from services.authorisation.application import AuthorisationApp
from shared.bus import Subscription
from shared.contracts import IntegrationEvent
from shared.contracts.records import IncidentReported
from shared.contracts.visits import Arrived, VisitRequested


def subscriptions(app: AuthorisationApp) -> list[Subscription]:
    async def on_visit_requested(event: IntegrationEvent) -> None:
        assert isinstance(event, VisitRequested)
        await asyncio.to_thread(app.record_request, event)

    async def on_arrived(event: IntegrationEvent) -> None:
        assert isinstance(event, Arrived)
        await asyncio.to_thread(app.record_arrival, event)

    async def on_incident(event: IntegrationEvent) -> None:
        assert isinstance(event, IncidentReported)
        await asyncio.to_thread(app.record_incident, event)

    return [
        Subscription(durable="authorisation-visits", subject_filter="events.*.*.visit.*",
                     handlers={VisitRequested: on_visit_requested, Arrived: on_arrived}),
        Subscription(durable="authorisation-incidents",
                     subject_filter="events.*.*.incident.IncidentReported",
                     handlers={IncidentReported: on_incident}),
    ]
