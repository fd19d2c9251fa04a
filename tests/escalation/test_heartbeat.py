"""What escalation's heartbeat says of its providers: since when every message has failed."""

from __future__ import annotations

import asyncio
import threading
from datetime import UTC, datetime
from pathlib import Path

from services.escalation.application import EscalationApplication
from services.escalation.deadline_index import DeadlineIndex
from services.escalation.heartbeat import Heartbeat, ProviderTally
from services.escalation.scheduler import Scheduler
from shared.contracts.escalation import EscalationHeartbeat
from shared.runtime.settings import DoorstepSettings
from shared.storage.keystore import open_key_store
from shared.storage.sealing import Sealer
from shared.storage.store import store_env

NOW = datetime(2026, 12, 2, 10, 0, tzinfo=UTC)


def test_escalation_counts_a_provider_failing_from_its_first_failure_until_one_goes_through() -> None:
    tally = ProviderTally(window=60)
    start = NOW.timestamp()
    tally.note("notify", delivered=True, at=start)
    tally.note("notify", delivered=False, at=start + 10)
    tally.note("notify", delivered=False, at=start + 20)
    (health,) = tally.health(now=start + 30)
    assert (health.sent_last_minute, health.failed_last_minute) == (3, 2)
    assert health.failing_since == datetime.fromtimestamp(start + 10, UTC)
    tally.note("notify", delivered=True, at=start + 80)
    (health,) = tally.health(now=start + 90)
    assert (health.sent_last_minute, health.failed_last_minute) == (1, 0)  # the minute moved on
    assert health.failing_since is None


async def test_the_scheduler_beats_while_it_runs_and_stops_beating_when_it_hangs(
        tmp_path: Path) -> None:
    settings = DoorstepSettings(data_dir=tmp_path / "data", environment="test")
    app = EscalationApplication(store_env(settings, "escalation"))
    index = DeadlineIndex(app)
    beats: list[EscalationHeartbeat] = []

    async def publish(data: bytes) -> None:
        beats.append(EscalationHeartbeat.model_validate_json(data))

    heartbeat = Heartbeat(publish, "replica-a", None, ProviderTally(), every=0.1)
    scheduler = Scheduler(app, index, None, tick=0.02, gateways={}, webhook_secret="x" * 16,
                          sealer=Sealer(open_key_store(settings)),
                          heartbeat=heartbeat)
    stuck, released = threading.Event(), threading.Event()
    following = index.follow

    def follow(limit: int = 1000) -> int:
        if stuck.is_set():
            released.wait(timeout=30)  # a store call that does not return
        return following(limit)

    index.follow = follow  # type: ignore[method-assign]
    running = asyncio.create_task(scheduler.run())
    try:
        await asyncio.sleep(1.0)
        assert len(beats) >= 5, "about one beat a tenth of a second"
        assert beats[-1].leading
        assert beats[-1].deadlines_pending == 0
        stuck.set()
        await asyncio.sleep(0.3)
        before = len(beats)
        await asyncio.sleep(1.0)
        assert len(beats) == before, "a scheduler that hangs must stop beating"
    finally:
        running.cancel()
        released.set()
        app.close()
