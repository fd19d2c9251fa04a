"""What authorisation hears from the bus. Thin: each handler calls one use case."""

from __future__ import annotations

import asyncio

from services.authorisation.application import AuthorisationApp
from shared.contracts import IntegrationEvent
from shared.contracts.escalation import EscalationLadderChanged
from shared.contracts.records import IncidentReported
from shared.contracts.visits import Arrived, Departed, Returned, VisitCancelled, VisitRequested
from shared.messaging.bus import Handler, Subscription


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

    async def on_ladder(event: IntegrationEvent) -> None:
        assert isinstance(event, EscalationLadderChanged)
        await asyncio.to_thread(app.record_ladder, event)

    def on_stage(stage: str) -> Handler:
        async def record(event: IntegrationEvent) -> None:
            await asyncio.to_thread(app.record_progress, event, stage)
        return record

    return [
        Subscription(durable="authorisation-visits", subject_filter="events.*.*.visit.*",
                     handlers={VisitRequested: on_visit_requested, Arrived: on_arrived,
                               Departed: on_stage("signed_out"), Returned: on_stage("returned"),
                               VisitCancelled: on_stage("cancelled")}),
        Subscription(durable="authorisation-ladders",
                     subject_filter="events.*.*.ladder.EscalationLadderChanged",
                     handlers={EscalationLadderChanged: on_ladder}),
        Subscription(durable="authorisation-incidents",
                     subject_filter="events.*.*.incident.IncidentReported",
                     handlers={IncidentReported: on_incident}),
    ]
