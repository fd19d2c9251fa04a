"""The escalation service learns of visits only from their events; each is applied once."""

from __future__ import annotations

import asyncio
from collections.abc import Callable

from eventsourcing.domain import Aggregate
from nats.aio.msg import Msg

from services.escalation.application import EscalationApplication
from shared.contracts import Actor, IntegrationEvent, Role
from shared.contracts.authorisation import StaffRolesChanged, VisitAuthorised
from shared.contracts.meta import reaction_meta
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
from shared.messaging.bus import Handler, Refuse, Subscription
from shared.messaging.ordered import by_trust
from shared.storage.batching import CommandBatches

ACTOR = Actor(id="escalation", role=Role.SYSTEM)
VISIT_EVENTS = (Departed, Arrived, CheckedIn, NoOneHome, LeftProperty, Returned, VisitCancelled,
                DuressRaised)


def by_visit(message: Msg) -> str:
    """Each visit's messages in order; different visits, even of one trust, in parallel."""
    return f"{by_trust(message)}/{(message.headers or {}).get('ce-subject', '')}"


def subscriptions(app: EscalationApplication, *, max_ack_pending: int,
                  on_change: Callable[[list[Aggregate]], None]) -> list[Subscription]:
    """In order per visit, many visits in flight at once for throughput. Replicas share these
    consumers, so a restart does not rewind them: the Watch tolerates late and repeated messages.
    The events of different visits that arrive together are applied in one batch, with one
    commit (shared/storage/batching.py); what they changed goes straight to the deadline index."""
    batches = CommandBatches(app)

    async def on_visit_event(event: IntegrationEvent) -> None:
        visit_id = event.visit_id
        if visit_id is None:
            raise Refuse(f"{event.event_type()} {event.event_id} names no visit")
        meta = reaction_meta(event, ACTOR)
        changed = await batches.run(str(visit_id), lambda: app.on_visit_event(event, meta))
        if changed:
            on_change(changed)

    async def on_register_change(event: IntegrationEvent) -> None:
        """A leaver, or a new mobile, may leave the school's ladder short (or whole again)."""
        assert isinstance(event, StaffRolesChanged)
        if app.registers is not None:
            app.registers.apply(event)  # the follower may not have it yet; applying is idempotent
        await asyncio.to_thread(app.recheck_school, event.school_urn, reaction_meta(event, ACTOR))

    visit_handlers: dict[type[IntegrationEvent], Handler] = {
        kind: on_visit_event for kind in VISIT_EVENTS}
    return [
        Subscription(durable="escalation-visits", subject_filter="events.*.*.visit.*",
                     handlers=visit_handlers, key_of=by_visit, rewind_on_start=False,
                     max_ack_pending=max_ack_pending),
        Subscription(durable="escalation-authorisations",
                     subject_filter="events.*.*.authorisation.*",
                     handlers={VisitAuthorised: on_visit_event}, key_of=by_visit,
                     rewind_on_start=False,
                     max_ack_pending=max_ack_pending),
        Subscription(durable="escalation-registers",
                     subject_filter="events.*.*.staffregister.*",
                     handlers={StaffRolesChanged: on_register_change}, rewind_on_start=False),
    ]
