"""The escalation service learns of visits only from their events; each is applied once."""

from __future__ import annotations

import asyncio
from collections.abc import Callable

from services.escalation.application import EscalationApplication
from shared.bus import Handler, Refuse, Subscription
from shared.contracts import Actor, IntegrationEvent, Role
from shared.contracts.authorisation import VisitAuthorised
from shared.contracts.visits import (
    Arrived,
    CheckedIn,
    Departed,
    DuressRaised,
    LeftProperty,
    NoOneHome,
    Returned,
    VisitCancelled,
)
from shared.meta import reaction_meta

ACTOR = Actor(id="escalation", role=Role.SYSTEM)
VISIT_EVENTS = (Departed, Arrived, CheckedIn, NoOneHome, LeftProperty, Returned, VisitCancelled,
                DuressRaised)


def subscriptions(app: EscalationApplication, *, max_ack_pending: int,
                  on_change: Callable[[], None]) -> list[Subscription]:
    """Order within a visit is not relied on (the Watch tolerates late and repeated messages),
    so more than one message may be in flight for throughput."""

    async def on_visit_event(event: IntegrationEvent) -> None:
        if event.visit_id is None:
            raise Refuse(f"{event.event_type()} {event.event_id} names no visit")
        changed = await asyncio.to_thread(app.on_visit_event, event, reaction_meta(event, ACTOR))
        if changed:
            on_change()

    visit_handlers: dict[type[IntegrationEvent], Handler] = {
        kind: on_visit_event for kind in VISIT_EVENTS}
    return [
        Subscription(durable="escalation-visits", subject_filter="events.*.*.visit.*",
                     handlers=visit_handlers, max_ack_pending=max_ack_pending),
        Subscription(durable="escalation-authorisations",
                     subject_filter="events.*.*.authorisation.*",
                     handlers={VisitAuthorised: on_visit_event}, max_ack_pending=max_ack_pending),
    ]
