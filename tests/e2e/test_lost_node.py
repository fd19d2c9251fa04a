"""The production shape losing parts under load: three nats-server nodes (an R3 stream) and two
escalation replicas; while check-ins arrive at 20 a second and deadlines fall due, one NATS node
is killed and started again, then one escalation replica. Every check-in answered 2xx is in
the trail once, and every deadline fires once (issue 23, must show 3)."""

from __future__ import annotations

import asyncio
import time
from collections import Counter
from collections.abc import Iterator
from pathlib import Path

import pytest

from shared.runtime.settings import DoorstepSettings
from shared.testing.nats_cluster import NatsCluster
from shared.testing.polling import until
from shared.testing.servers import drop_schemas
from tests.e2e.test_nothing_lost import history, restart
from tests.visits.on_site import VisitsOnSite

pytestmark = [pytest.mark.nats, pytest.mark.e2e]
SERVICES = ("visits", "authorisation", "escalation", "records")
# A policy minute of 0.5 s: a quiet visit's 20-minute check-in falls due every 10 s.
FAST = {"DOORSTEP_ESCALATION_MINUTE_SECONDS": "0.5", "DOORSTEP_ESCALATION_LATE_AFTER_SECONDS": "2",
        "DOORSTEP_ESCALATION_LEASE_SECONDS": "3"}
BUSY, QUIET, RATE = 10, 4, 20.0


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def on_a_cluster(request: pytest.FixtureRequest, make_settings, tmp_path: Path
                 ) -> Iterator[tuple[DoorstepSettings, NatsCluster]]:
    nats = NatsCluster(tmp_path / "nats").start()
    extra = ({"database_url": request.getfixturevalue("database_url")}
             if request.param == "postgres" else {})
    settings = make_settings(nats_url=nats.url, stream_replicas=3, **extra)
    try:
        yield settings, nats
    finally:
        nats.stop()
        drop_schemas(settings.database_url, settings.schema_suffix)


async def check_ins(on_site: VisitsOnSite, visit_ids: list[str], answered: Counter[str],
                    refused: list[str], stop: asyncio.Event) -> None:
    """RATE check-ins a second, spread over the busy visits, each counted when answered 2xx."""
    async with on_site.staff_client() as staff:
        async def one(visit_id: str) -> None:
            try:
                answer = await staff.post(f"{on_site.base(visit_id)}/check-ins", json={})
            except Exception as error:  # not answered: not promised
                refused.append(repr(error))
                return
            if 200 <= answer.status_code < 300:
                answered[visit_id] += 1
            else:
                refused.append(f"{answer.status_code} {answer.text}")

        pending: set[asyncio.Task[None]] = set()
        started, sent = time.monotonic(), 0
        while not stop.is_set():
            task = asyncio.create_task(one(visit_ids[sent % len(visit_ids)]))
            pending.add(task)
            task.add_done_callback(pending.discard)
            sent += 1
            await asyncio.sleep(max(0.0, started + sent / RATE - time.monotonic()))
        await asyncio.gather(*pending)


@pytest.mark.timeout(600)
async def test_losing_a_nats_node_then_an_escalation_replica_loses_and_repeats_nothing(
        on_a_cluster, make_cluster) -> None:
    settings, nats = on_a_cluster
    services = make_cluster(settings, names=SERVICES, extra_env=FAST)
    standby = make_cluster(settings, names=("escalation",), extra_env=FAST)["escalation"]
    on_site = VisitsOnSite(settings, {n: p.url for n, p in services.processes.items()})
    await on_site.put_on_site(BUSY + QUIET)
    busy, quiet = on_site.visit_ids[:BUSY], on_site.visit_ids[BUSY:]
    answered: Counter[str] = Counter()
    refused: list[str] = []
    stop = asyncio.Event()
    load = asyncio.create_task(check_ins(on_site, busy, answered, refused, stop))

    await asyncio.sleep(8)
    nats.kill_node(0)  # a NATS node lost
    await asyncio.sleep(8)
    nats.start_node(0)
    await asyncio.sleep(8)
    services["escalation"].kill()  # then an escalation replica (the standby takes over)
    await asyncio.sleep(8)
    await asyncio.to_thread(restart, services["escalation"])
    await asyncio.sleep(6)
    stop.set()
    await load
    ended = time.monotonic()

    assert not refused, refused[:5]
    assert sum(answered.values()) >= RATE * 30, "the load was not kept up"
    records = services["records"].url

    async def trail_of(visit_id: str) -> list[dict[str, object]]:
        return await history(records, settings, visit_id)

    for visit_id in busy:
        entries = await until(lambda v=visit_id: trail_of(v), f"visit {visit_id}'s check-ins",
                              seconds=120, every=1.0, ready=lambda es, v=visit_id: sum(
                                  e["type"] == "CheckedIn" for e in es) >= answered[v],
                              show=lambda es: Counter(str(e["type"]) for e in es))
        checked_in = [e for e in entries if e["type"] == "CheckedIn"]
        assert len(checked_in) == answered[visit_id], "each check-in answered 2xx, once"
        assert len({e["event_id"] for e in entries}) == len(entries)
    await asyncio.sleep(max(0.0, ended + 3 - time.monotonic()))  # the last deadlines fire
    for visit_id in quiet:
        entries = await trail_of(visit_id)
        fired = Counter(int(e["payload"]["sequence"]) for e in entries  # type: ignore[index]
                        if e["type"] == "CheckInMissed")
        assert fired, f"visit {visit_id}: no deadline fired"
        assert set(fired.values()) == {1}, f"visit {visit_id}: a deadline fired twice: {fired}"
        assert sorted(fired) == list(range(1, max(fired) + 1)), f"a deadline missed: {fired}"
        assert max(fired) >= 3, f"visit {visit_id}: deadlines stopped firing: {fired}"
    standby.stop()
