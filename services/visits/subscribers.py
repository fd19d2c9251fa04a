"""Visits learns of decisions from authorisation's events, never by calling it."""

from __future__ import annotations

import asyncio

from services.visits.application import VisitsApplication
from shared.contracts import Actor, IntegrationEvent, Role
from shared.contracts.authorisation import VisitAuthorised, VisitDeclined
from shared.contracts.errors import NotFound
from shared.contracts.escalation import EscalationLadderChanged
from shared.contracts.meta import reaction_meta
from shared.messaging.bus import Refuse, Subscription

ACTOR = Actor(id="visits", role=Role.SYSTEM)


def subscriptions(app: VisitsApplication) -> list[Subscription]:
    async def on_decision(event: IntegrationEvent) -> None:
        assert isinstance(event, VisitAuthorised | VisitDeclined)
        if event.visit_id is None:
            raise Refuse(f"{event.event_type()} {event.event_id} names no visit")
        authorised = isinstance(event, VisitAuthorised)
        conditions, broken = None, []
        if isinstance(event, VisitAuthorised):
            conditions = event.conditions.model_dump(mode="json")
        else:
            broken = [rule.model_dump(mode="json") for rule in event.broken_rules]
        try:
            await asyncio.to_thread(
                app.record_decision, event.visit_id, event.school_urn, str(event.event_id),
                authorised, conditions, broken, reaction_meta(event, ACTOR))
        except NotFound as error:
            raise Refuse(f"decision for a visit this service does not hold: {error}") from error

    async def on_ladder(event: IntegrationEvent) -> None:
        assert isinstance(event, EscalationLadderChanged)
        await asyncio.to_thread(app.record_ladder, event, reaction_meta(event, ACTOR))

    return [Subscription(durable="visits-decisions",
                         subject_filter="events.*.*.authorisation.*",
                         handlers={VisitAuthorised: on_decision, VisitDeclined: on_decision}),
            Subscription(durable="visits-ladders",
                         subject_filter="events.*.*.ladder.EscalationLadderChanged",
                         handlers={EscalationLadderChanged: on_ladder})]
