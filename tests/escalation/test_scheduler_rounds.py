"""Deadlines that fall due close together share the scheduler's rounds (and their transactions)."""

from __future__ import annotations

import asyncio
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from uuid import UUID

from eventsourcing.domain import Aggregate

from services.escalation.application import EscalationApplication
from services.escalation.deadline_index import DeadlineIndex
from services.escalation.domain import Watch
from services.escalation.options import Timing
from services.escalation.scheduler import GATHER_SECONDS, Scheduler
from shared.contracts import Actor, Role
from shared.contracts.meta import reaction_meta
from shared.runtime.settings import DoorstepSettings
from shared.storage.keystore import open_key_store
from shared.storage.sealing import Sealer
from shared.storage.store import store_env
from shared.testing.polling import until
from tests.escalation.story import Visit

SYSTEM = Actor(id="escalation", role=Role.SYSTEM)
VISITS, APART = 20, 0.025  # twenty arrivals falling due 25 ms apart: half a second in all


async def test_deadlines_falling_due_together_are_fired_in_a_few_rounds(tmp_path: Path) -> None:
    """At 100,000 live visits, 167 deadlines fall due a second; the scheduler woke for each one,
    a round, two thread hops and a transaction apiece. A round now starts at most every
    GATHER_SECONDS, so these twenty fire in a handful of rounds, none much later than due."""
    settings = DoorstepSettings(data_dir=tmp_path / "data", environment="test")
    app = EscalationApplication(store_env(settings, "escalation"), timing=Timing(minute=1.0))
    start = datetime.now(UTC)
    visits = [Visit() for _ in range(VISITS)]
    for n, visit in enumerate(visits):  # due 1 s from now: expected 4 s ago, 5 policy minutes' grace
        departed = visit.departed(arrive_in=timedelta(seconds=-4 + APART * n),
                                  back_in=timedelta(hours=1), at=start)
        app.on_visit_event(departed, reaction_meta(departed, SYSTEM))
    due = {Watch.create_id(v.visit_id): start.timestamp() + 1 + APART * n
           for n, v in enumerate(visits)}
    rounds: list[int] = []
    fired_at: dict[UUID, float] = {}
    fire_many = app.fire_many

    def counted(ids: list[UUID]) -> list[Aggregate]:
        rounds.append(len(ids))
        fired_at.update({watch_id: time.time() for watch_id in ids})
        return fire_many(ids)

    app.fire_many = counted  # type: ignore[method-assign]
    scheduler = Scheduler(app, DeadlineIndex(app), None, tick=1.0, gateways={},
                          webhook_secret="x" * 16, sealer=Sealer(open_key_store(settings)))
    running = asyncio.create_task(scheduler.run())
    try:
        await until(lambda: len(fired_at) == VISITS, "every arrival fired", seconds=15)
        missed = [app.find(watch_id, Watch, copy=False).missed for watch_id in due]
    finally:
        running.cancel()
        app.close()
    assert all("arrival:1" in m for m in missed), missed
    assert sum(rounds) == VISITS, rounds  # each deadline fired once
    span = APART * (VISITS - 1)
    assert len(rounds) <= span / GATHER_SECONDS + 2, f"{len(rounds)} rounds: {rounds}"
    lateness = max(fired_at[watch_id] - at for watch_id, at in due.items())
    assert lateness < 1.0, f"a deadline fired {lateness:.2f} s after it fell due"
