"""Benchmark: visit commands end to end (HTTP accepted -> stored -> NATS -> audit trail).

Run: `python -m tests.benchmarks.e2e_throughput [--visits 200] [--check-ins 2000] [--in-flight 32]
[--minutes 10]`
(add `--database-url postgresql://...` or set BENCH_DATABASE_URL for the PostgreSQL run; `--stores
sqlite,postgres` runs both; `--metrics both` runs each store with the services' Prometheus metrics
off and then on, scraped every 5 s as Prometheus would, and prints what metrics cost).
It starts the wheel's nats-server and the four services, measures raw JetStream acked publishes
(256 in flight) on the same server first, then the same check-ins against a FastAPI route that
does nothing (`http_ceiling.py`: no command here can pass it), puts `--visits` visits on site,
then fires the check-ins over HTTP and waits until the records trail holds every
accepted one. It prints, per store: raw rate, the empty route's rate, check-ins accepted per second,
check-ins in the trail per second, HTTP p50/p99 latency, the ratios to raw JetStream and to the
empty route, and the targets beside them.
"""

from __future__ import annotations

import argparse
import asyncio
import itertools
import os
import statistics
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Callable
from pathlib import Path
from typing import Any
from uuid import uuid4

import aiohttp
import nats
from sqlalchemy import func, select

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from services.records import tables
from shared.messaging.nats_server import start_nats_server
from shared.runtime.launcher import Cluster, service_env
from shared.runtime.settings import DoorstepSettings
from shared.testing.polling import until
from tests.benchmarks.http_ceiling import empty_service
from tests.visits.on_site import VisitsOnSite

TARGET_RATIO, TARGET_PG_RATE, TARGET_P99_MS = 0.25, 1000.0, 50.0


async def raw_jetstream_rate(url: str, messages: int = 20_000, in_flight: int = 256) -> float:
    """Acked JetStream publishes per second with `in_flight` outstanding, on a stream of its own."""
    nc = await nats.connect(url)
    js = nc.jetstream(publish_async_max_pending=in_flight)
    stream = f"RAW_{uuid4().hex[:8]}"
    await js.add_stream(name=stream, subjects=[f"{stream.lower()}.>"])
    body = b"x" * 600  # about the size of a CheckedIn CloudEvent
    began = time.perf_counter()
    pending = [await js.publish_async(f"{stream.lower()}.m", body) for _ in range(messages)]
    await asyncio.gather(*pending)
    elapsed = time.perf_counter() - began
    await js.delete_stream(stream)
    await nc.drain()
    return messages / elapsed


def trail_count(settings: DoorstepSettings, event_type: str) -> int:
    engine = tables.trail_engine(settings)
    try:
        with engine.connect() as conn:
            return int(conn.execute(select(func.count()).select_from(tables.entries).where(
                tables.entries.c.event_type == event_type)).scalar_one())
    finally:
        engine.dispose()


class EmptySite:
    """The same requests as `VisitsOnSite` would send, to the empty route of `http_ceiling.py`."""

    def __init__(self, url: str, like: VisitsOnSite) -> None:
        self.urls = {"visits": url}
        self.visit_ids = [str(uuid4()) for _ in range(200)]
        self.base = like.base
        self.staff_headers = like.staff_headers


async def http_ceiling(like: VisitsOnSite, total: int, in_flight: int) -> float:
    """Requests a second to a FastAPI route that does nothing (`http_ceiling.py`)."""
    with empty_service() as url:
        _, statuses, began = await check_ins(EmptySite(url, like), total, in_flight)
        elapsed = time.perf_counter() - began
    assert statuses == {200: total}, statuses
    return total / elapsed


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


async def scraping(cluster: Cluster, every: float = 5.0) -> None:
    """Prometheus's part: every process's /metrics, every few seconds, for as long as it runs."""
    async with aiohttp.ClientSession() as client:
        while True:
            for process in cluster.processes.values():
                async with client.get(f"{process.url}/metrics") as response:
                    await response.read()
            await asyncio.sleep(every)


async def run_store(store: str, args: argparse.Namespace, folder: Path, metrics: bool = True
                    ) -> dict[str, Any]:
    server = start_nats_server(folder / "nats")
    tag = uuid4().hex[:8]
    database_url = args.database_url if store == "postgres" else None
    settings = DoorstepSettings(nats_url=server.url, stream_name=f"BENCH_{tag}",
                                subject_root=f"bench{tag}", data_dir=folder / "data",
                                schema_suffix=f"_bench{tag}", database_url=database_url)
    env = {"DOORSTEP_NATS_URL": server.url, "DOORSTEP_STREAM_NAME": settings.stream_name,
           "DOORSTEP_SUBJECT_ROOT": settings.subject_root, "DOORSTEP_DATA_DIR": str(settings.data_dir),
           "DOORSTEP_SCHEMA_SUFFIX": settings.schema_suffix,
           "DOORSTEP_METRICS": "1" if metrics else "0"}
    if database_url:
        env["DOORSTEP_DATABASE_URL"] = database_url
    cluster = Cluster.build(service_env(env), args.logs or folder / "logs")
    try:
        raw = await raw_jetstream_rate(server.url)
        site = VisitsOnSite(settings, {name: p.url for name, p in cluster.processes.items()})
        ceiling = await http_ceiling(site, min(args.check_ins, 10_000), args.in_flight)
        cluster.start()
        await site.put_on_site(args.visits)
        before = await asyncio.to_thread(trail_count, settings, "CheckedIn")
        rss_before = rss_of(cluster)
        pids = {name: p.process.pid for name, p in cluster.processes.items() if p.process}
        pids["nats-server"] = server.process.pid
        cpu_before = cpu_seconds(pids)
        samples = [rss_before]
        scraper = asyncio.create_task(scraping(cluster)) if metrics else None
        latencies, statuses, began = await check_ins(
            site, args.check_ins, args.in_flight, minutes=args.minutes,
            on_minute=lambda: samples.append(rss_of(cluster)))
        accepted_at = time.perf_counter()
        accepted = statuses.get(200, 0)
        await until(lambda: asyncio.to_thread(trail_count, settings, "CheckedIn"),
                    "the trail catch up", seconds=300,
                    ready=lambda in_trail: in_trail >= before + accepted)
        in_trail_at = time.perf_counter()
        if scraper is not None:
            scraper.cancel()
        cpu_used = {name: seconds - cpu_before[name] for name, seconds in cpu_seconds(pids).items()}
        rss_after = rss_of(cluster)
    finally:
        cluster.stop()
        server.stop()
    latencies.sort()
    return {
        "store": store, "metrics": metrics, "raw": raw, "ceiling": ceiling, "statuses": dict(statuses),
        "accepted_rate": accepted / (accepted_at - began),
        "trail_rate": accepted / (in_trail_at - began),
        "p50_ms": statistics.median(latencies) * 1000,
        "p99_ms": latencies[min(len(latencies) - 1, int(len(latencies) * 0.99))] * 1000,
        "rss_mb": {name: (rss_before[name], rss_after[name]) for name in rss_before},
        "rss_minutes": [*samples, rss_after],
        "cpu_ms": {name: seconds * 1000 / max(accepted, 1) for name, seconds in cpu_used.items()},
    }


def cpu_seconds(pids: dict[str, int]) -> dict[str, float]:
    """CPU time (user and system) each process has used so far, read from /proc (Linux)."""
    ticks = os.sysconf("SC_CLK_TCK")
    used = {}
    for name, pid in pids.items():
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        used[name] = (int(fields[11]) + int(fields[12])) / ticks
    return used


def rss_of(cluster: Cluster) -> dict[str, float]:
    """Each service's resident memory in MB, read from /proc (Linux)."""
    found = {}
    for name, process in cluster.processes.items():
        assert process.process is not None
        status = Path(f"/proc/{process.process.pid}/status").read_text()
        kb = next(int(line.split()[1]) for line in status.splitlines() if line.startswith("VmRSS"))
        found[name] = kb / 1024
    return found


def report(result: dict[str, Any]) -> None:
    ratio = result["trail_rate"] / result["raw"]
    floor = f" and >= {TARGET_PG_RATE:.0f}/s" if result["store"] == "postgres" else ""
    print(f"\n== {result['store']}, metrics {'on' if result['metrics'] else 'off'}  "
          f"(HTTP statuses {result['statuses']}; 0 = connection broke)")
    print(f"raw JetStream acked publish   {result['raw']:>9,.0f} msg/s")
    print(f"empty FastAPI route (ceiling) {result['ceiling']:>9,.0f} req/s   "
          f"({result['ceiling'] / result['raw']:.3f} of raw: no FastAPI command can pass this)")
    print(f"check-ins accepted over HTTP  {result['accepted_rate']:>9,.0f} /s")
    print(f"check-ins in the audit trail  {result['trail_rate']:>9,.0f} /s")
    print(f"end to end / raw              {ratio:>9.3f}   (target >= {TARGET_RATIO}{floor})")
    print(f"end to end / ceiling          {result['trail_rate'] / result['ceiling']:>9.3f}")
    print(f"HTTP latency p50 / p99        {result['p50_ms']:>6.1f} / {result['p99_ms']:.1f} ms"
          f"   (target p99 <= {TARGET_P99_MS:.0f} ms)")
    cpu = ", ".join(f"{name} {ms:.2f}" for name, ms in result["cpu_ms"].items())
    print(f"CPU ms per check-in           {sum(result['cpu_ms'].values()):.2f} in all: {cpu}")
    memory = ", ".join(f"{name} {before:.0f}->{after:.0f}"
                       for name, (before, after) in result["rss_mb"].items())
    print(f"RSS MB before -> after        {memory}", flush=True)
    if len(result["rss_minutes"]) > 2:  # a long run: each service's RSS, minute by minute
        for name in result["rss_mb"]:
            series = [sample[name] for sample in result["rss_minutes"]]
            print(f"RSS MB by minute  {name:<13} " + " ".join(f"{mb:.0f}" for mb in series)
                  + f"   (minute 1 -> end: {series[-1] - series[1]:+.0f} MB)")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--visits", type=int, default=200)
    parser.add_argument("--check-ins", type=int, default=2000)
    parser.add_argument("--in-flight", type=int, default=32)
    parser.add_argument("--minutes", type=float, default=0.0,
                        help="fire for this long instead of --check-ins, printing each "
                             "service's RSS minute by minute (memory stays flat?)")
    parser.add_argument("--database-url", default=os.environ.get("BENCH_DATABASE_URL"))
    parser.add_argument("--logs", type=Path, default=None, help="keep the services' logs here")
    parser.add_argument("--metrics", choices=("on", "off", "both"), default="on",
                        help="both: each store with metrics off, then on, and the cost printed")
    parser.add_argument("--rounds", type=int, default=1,
                        help="with --metrics both: alternate off and on this many times")
    parser.add_argument("--stores", default=None,
                        help="comma-separated: sqlite,postgres (default: sqlite, and postgres "
                             "when a database URL is given)")
    args = parser.parse_args()
    stores = (args.stores or ("sqlite,postgres" if args.database_url else "sqlite")).split(",")
    if "postgres" in stores and not args.database_url:
        parser.error("--stores postgres needs --database-url or BENCH_DATABASE_URL")
    settings = {"on": [True], "off": [False], "both": [False, True] * args.rounds}[args.metrics]
    for store in stores:
        results = []
        for metrics in settings:
            with tempfile.TemporaryDirectory(prefix="doorstep-bench-") as folder:
                results.append(asyncio.run(run_store(store, args, Path(folder), metrics)))
                report(results[-1])
        if args.metrics == "both":
            compare_metrics(store, results)


def compare_metrics(store: str, results: list[dict[str, Any]]) -> None:
    """What metrics cost: check-ins into the trail per second with them on, over off (median of
    the rounds), and the CPU per check-in beside it. The goal: under 5% lost."""
    def median(metrics: bool, key: str) -> float:
        return statistics.median(value(r, key) for r in results if r["metrics"] is metrics)

    def value(result: dict[str, Any], key: str) -> float:
        found = result[key]
        return float(sum(found.values()) if isinstance(found, dict) else found)

    on, off = median(True, "trail_rate"), median(False, "trail_rate")
    cpu_on, cpu_off = median(True, "cpu_ms"), median(False, "cpu_ms")
    print(f"\n== {store}: metrics on / off ({len(results) // 2} round(s) each)")
    print(f"check-ins in the trail        {on:,.0f} / {off:,.0f} per s   ratio {on / off:.3f}   "
          f"(cost {1 - on / off:+.1%}; goal under 5%)")
    print(f"CPU ms per check-in           {cpu_on:.2f} / {cpu_off:.2f}   "
          f"(+{cpu_on / cpu_off - 1:.1%})", flush=True)


if __name__ == "__main__":
    main()
