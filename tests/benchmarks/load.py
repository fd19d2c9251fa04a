"""The load the end-to-end benchmark offers: check-ins as fast as they answer with a number in
flight, the same to the empty route, a steady rate for the latency at a load well below
saturation, and Prometheus's scrapes."""

from __future__ import annotations

import asyncio
import itertools
import time
from collections import Counter
from collections.abc import Callable
from uuid import uuid4

import aiohttp

from shared.runtime.launcher import Cluster
from tests.visits.on_site import VisitsOnSite


class EmptySite:
    """The same requests as `VisitsOnSite` would send, to the empty route of `http_ceiling.py`."""

    def __init__(self, url: str, like: VisitsOnSite) -> None:
        self.urls = {"visits": url}
        self.visit_ids = [str(uuid4()) for _ in range(200)]
        self.base = like.base
        self.staff_headers = like.staff_headers


async def check_ins(site: VisitsOnSite | EmptySite, total: int, in_flight: int, *, minutes: float = 0.0,
                    on_minute: Callable[[], None] | None = None
                    ) -> tuple[list[float], Counter[int], float]:
    """Fire `total` check-ins round-robin over the visits, `in_flight` at a time; or, given
    `minutes`, keep firing for that long, calling `on_minute` every minute. The client is
    aiohttp: httpx spends about 3 ms of CPU a request, which on a small machine starves the very
    services being measured."""
    latencies: list[float] = []
    statuses: Counter[int] = Counter()
    visits = itertools.cycle(site.visit_ids)
    began = time.perf_counter()
    until = began + minutes * 60
    fired = 0

    def more() -> bool:
        nonlocal fired
        fired += 1
        return time.perf_counter() < until if minutes else fired <= total

    async def worker(client: aiohttp.ClientSession) -> None:
        while more():
            visit_id = next(visits)
            sent = time.perf_counter()
            try:
                async with client.post(f"{site.base(visit_id)}/check-ins", json={}) as response:
                    await response.read()
                    statuses[response.status] += 1
            except aiohttp.ClientError:
                statuses[0] += 1  # the connection broke: counted, never retried
            latencies.append(time.perf_counter() - sent)

    async def every_minute() -> None:
        while on_minute is not None:
            await asyncio.sleep(60)
            on_minute()

    ticker = asyncio.create_task(every_minute())
    async with aiohttp.ClientSession(
            site.urls["visits"], headers=site.staff_headers(),
            connector=aiohttp.TCPConnector(limit=in_flight),
            timeout=aiohttp.ClientTimeout(total=30)) as client:
        await asyncio.gather(*(worker(client) for _ in range(in_flight)))
    ticker.cancel()
    return latencies, statuses, began


async def fixed_rate(site: VisitsOnSite, rate: float, seconds: float
                     ) -> tuple[list[float], Counter[int]]:
    """Offer check-ins at a steady `rate` a second for `seconds`, each sent on its schedule
    whether or not earlier ones have answered (an open loop, as staff on visits are), and time
    each from when it was due to be sent, so a stall is counted, not hidden."""
    latencies: list[float] = []
    statuses: Counter[int] = Counter()
    visits = itertools.cycle(site.visit_ids)

    async def one(client: aiohttp.ClientSession, due: float) -> None:
        try:
            async with client.post(f"{site.base(next(visits))}/check-ins", json={}) as response:
                await response.read()
                statuses[response.status] += 1
        except aiohttp.ClientError:
            statuses[0] += 1
        latencies.append(time.perf_counter() - due)

    async with aiohttp.ClientSession(
            site.urls["visits"], headers=site.staff_headers(),
            connector=aiohttp.TCPConnector(limit=512),
            timeout=aiohttp.ClientTimeout(total=30)) as client:
        began, sent, tasks = time.perf_counter(), 0, []
        while sent < rate * seconds:
            due = began + sent / rate
            await asyncio.sleep(max(0.0, due - time.perf_counter()))
            tasks.append(asyncio.create_task(one(client, due)))
            sent += 1
        await asyncio.gather(*tasks)
    latencies.sort()
    return latencies, statuses


def percentile(ordered: list[float], share: float) -> float:
    return ordered[min(len(ordered) - 1, int(len(ordered) * share))] if ordered else float("nan")


async def scraping(cluster: Cluster, every: float = 5.0) -> None:
    """Prometheus's part: every process's /metrics, every few seconds, for as long as it runs."""
    async with aiohttp.ClientSession() as client:
        while True:
            for process in cluster.processes.values():
                async with client.get(f"{process.url}/metrics") as response:
                    await response.read()
            await asyncio.sleep(every)
