"""Records hears every domain event of every service and appends it to its trust's trail.

In stream order per trust, trusts in parallel. A message that cannot be interpreted, or cannot
be appended after a few tries, is appended as an `EventNotInterpreted` entry (what arrived and
why) and refused to trust IT: the trail never skips a message and never stalls on one.
"""

from __future__ import annotations

import asyncio

from nats.aio.msg import Msg

from services.records.application import RecordsApplication
from services.records.unread import UnreadMessage
from shared.contracts import EVENT_TYPES, IntegrationEvent
from shared.messaging.bus import RetryPolicy, Subscription

# Checkpoints describe the trail; appending them would make every checkpoint need another.
NOT_IN_TRAIL = frozenset({"AuditCheckpoint"})
# A trust's trail waits for a failing message only this long before recording it as unread.
QUICK_RETRIES = RetryPolicy(attempts=3, first_delay=0.2)


def subscriptions(app: RecordsApplication, stream: str) -> list[Subscription]:
    async def on_any_event(event: IntegrationEvent) -> None:
        await asyncio.to_thread(app.record, event)

    async def append_unread(raw: Msg, reason: str) -> None:
        message = UnreadMessage(stream, raw.metadata.sequence.stream, raw.subject,
                                dict(raw.headers or {}), raw.data, reason)
        await asyncio.to_thread(app.trail.append_unread, message)

    async def on_many(events: list[IntegrationEvent]) -> None:
        await asyncio.to_thread(app.record_many, events)

    trail_handlers = {kind: on_any_event for name, kind in EVENT_TYPES.items()
                      if name not in NOT_IN_TRAIL}
    return [Subscription(durable="records-trail", subject_filter="events.>",
                         handlers=trail_handlers, retry=QUICK_RETRIES, on_give_up=append_unread,
                         batch_handler=on_many)]
