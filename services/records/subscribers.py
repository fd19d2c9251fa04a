"""Records hears every domain event of every service and appends it to the trail."""

from __future__ import annotations

import asyncio

from services.records.application import RecordsApplication
from shared.bus import Subscription
from shared.contracts import EVENT_TYPES, IntegrationEvent

# Checkpoints describe the trail; appending them would make every checkpoint need another.
NOT_IN_TRAIL = frozenset({"AuditCheckpoint"})


def subscriptions(app: RecordsApplication) -> list[Subscription]:
    async def on_any_event(event: IntegrationEvent) -> None:
        await asyncio.to_thread(app.record, event)

    trail_handlers = {kind: on_any_event for name, kind in EVENT_TYPES.items()
                      if name not in NOT_IN_TRAIL}
    return [Subscription(durable="records-trail", subject_filter="events.>",
                         handlers=trail_handlers)]
