"""Taking visit events in as the subscriber does (in batches, one commit each), on SQLite and on
PostgreSQL: a repeated check-in stores nothing, and what a batch saved is indexed as it is."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta

from services.escalation.application import EscalationApplication, Timing
from services.escalation.deadline_index import DeadlineIndex
from services.escalation.domain import Watch
from shared.contracts import Actor, IntegrationEvent, Role
from shared.contracts.meta import reaction_meta
from shared.storage.batching import CommandBatches
from tests.escalation.story import Visit

SYSTEM = Actor(id="escalation", role=Role.SYSTEM)


async def take_in(app: EscalationApplication, batches: CommandBatches, index: DeadlineIndex,
                  events: list[IntegrationEvent]) -> None:
    """As the subscriber does: every event at once, in batches; what changed is indexed."""
    async def one(event: IntegrationEvent) -> None:
        meta = reaction_meta(event, SYSTEM)
        changed = await batches.run(str(event.visit_id), lambda: app.on_visit_event(event, meta))
        for aggregate in changed:
            index.note(aggregate)

    await asyncio.gather(*(one(event) for event in events))


def test_a_repeated_check_in_stores_nothing_and_the_watch_keeps_no_check_in_ids(env):
    now = datetime.now(UTC)
    app = EscalationApplication(env, timing=Timing(minute=60.0))
    batches, index = CommandBatches(app), DeadlineIndex(app)
    visit = Visit()
    check_ins = [visit.checked_in(n, now + timedelta(seconds=n)) for n in range(1, 31)]

    async def story() -> None:
        await take_in(app, batches, index, [
            visit.departed(arrive_in=timedelta(minutes=1), back_in=timedelta(hours=2), at=now),
            visit.arrived(now)])
        for check_in in check_ins:
            await take_in(app, batches, index, [check_in])

    asyncio.run(story())
    stored = app.recorder.max_notification_id()
    asyncio.run(take_in(app, batches, index, [check_ins[4], check_ins[-1], check_ins[4]]))
    assert app.recorder.max_notification_id() == stored, "a repeated check-in stores nothing"

    restarted = EscalationApplication(env, timing=Timing(minute=60.0))
    watch = restarted.find(Watch.create_id(visit.visit_id), Watch)
    assert watch.last_sequence == 30
    assert len(watch.causes) == 2, "departed and arrived; thirty check-ins kept no ids"
    rebuilt = DeadlineIndex(restarted)
    while rebuilt.follow():
        pass
    assert rebuilt.due == index.due, "what was indexed as saved is what the store gives"
    app.close()
    restarted.close()
