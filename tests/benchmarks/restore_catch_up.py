"""Benchmark: after `doorstep restore`, how long the services take to catch up on SQLite: each
relay republishing its whole store into the new stream, each consumer passing over what it holds.

    .venv/bin/python tests/benchmarks/restore_catch_up.py --check-ins 10000

Puts visits on site and checks in over HTTP, backs up, restores into a new data folder and a new
stream, starts the services, and times until every durable consumer has nothing pending.
"""

from __future__ import annotations

import argparse
import asyncio
import itertools
import sys
import tempfile
import time
from pathlib import Path

import httpx
import nats

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from services.records.backup_cli import trail_heads
from shared.messaging.nats_server import start_nats_server
from shared.runtime.launcher import SERVICES, Cluster, service_env
from shared.runtime.settings import DoorstepSettings
from shared.storage import backup
from tests.conftest import settings_env
from tests.visits.on_site import VisitsOnSite


async def check_in(on_site: VisitsOnSite, count: int, in_flight: int = 32) -> None:
    visits = itertools.cycle(on_site.visit_ids)
    gate = asyncio.Semaphore(in_flight)
    async with on_site.staff_client() as staff:
        async def one(visit_id: str) -> None:
            async with gate:
                (await staff.post(f"{on_site.base(visit_id)}/check-ins", json={})
                 ).raise_for_status()

        await asyncio.gather(*(one(next(visits)) for _ in range(count)))


async def pending(settings: DoorstepSettings) -> tuple[int, int]:
    """Messages in the stream, and those the durable consumers have still to take."""
    nc = await nats.connect(settings.nats_servers)
    try:
        jsm = nc.jsm()
        info = await jsm.stream_info(settings.stream_name)
        waiting = sum(c.num_pending + c.num_ack_pending
                      for c in await jsm.consumers_info(settings.stream_name))
        return info.state.messages, waiting
    finally:
        await nc.close()


async def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--check-ins", type=int, default=10_000)
    parser.add_argument("--visits", type=int, default=50)
    args = parser.parse_args()
    work = Path(tempfile.mkdtemp(prefix="doorstep-catch-up-"))
    server = start_nats_server(work / "nats")
    first = DoorstepSettings(environment="test", nats_url=server.url, data_dir=work / "first",
                             stream_name="DOORSTEP_FIRST", subject_root="first",
                             shred_list=work / "shred-list.jsonl")
    second = first.model_copy(update={"data_dir": work / "second",
                                      "stream_name": "DOORSTEP_SECOND", "subject_root": "second"})
    cluster = Cluster.build(service_env(settings_env(first)), work / "logs-first", names=SERVICES)
    try:
        cluster.start(timeout=120)
        on_site = VisitsOnSite(first, {n: p.url for n, p in cluster.processes.items()})
        await on_site.put_on_site(args.visits)
        began = time.perf_counter()
        await check_in(on_site, args.check_ins)
        print(f"{args.check_ins:,} check-ins in {time.perf_counter() - began:.1f} s")
        await asyncio.sleep(5)
        backup.take(first, work / "backup", trail_heads, say=lambda _line: None)
        cluster.stop()
        backup.restore(second, work / "backup", say=lambda _line: None)
        cluster = Cluster.build(service_env(settings_env(second)), work / "logs-second",
                                names=SERVICES)
        began = time.perf_counter()
        cluster.start(timeout=300)
        ready = time.perf_counter() - began
        while True:
            messages, waiting = await pending(second)
            if messages and not waiting:
                await asyncio.sleep(2)
                again = await pending(second)
                if again == (messages, 0):
                    break
            await asyncio.sleep(0.5)
        caught_up = time.perf_counter() - began - 2 - ready
        rate = messages / caught_up
        print(f"restored services ready in {ready:.1f} s, then caught up in {caught_up:.1f} s: "
              f"{messages:,} events republished and passed over, {rate:,.0f}/s; for 1,000,000 "
              f"events about {1_000_000 / rate / 60:.0f} min (extrapolated)")
        async with httpx.AsyncClient() as client:
            assert (await client.get(f"{cluster['records'].url}/health")).status_code == 200
    finally:
        cluster.stop()
        server.stop()
    return 0


if __name__ == "__main__":
    sys.exit(asyncio.run(main()))
