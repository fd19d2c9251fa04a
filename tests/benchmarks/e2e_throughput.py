"""Benchmark: visit commands end to end (HTTP accepted -> stored -> NATS -> audit trail).

Run: `python -m tests.benchmarks.e2e_throughput [--visits 200] [--check-ins 2000] [--in-flight 32]
[--minutes 10] [--py-spy PREFIX]`
(add `--database-url postgresql://...` or set BENCH_DATABASE_URL for the PostgreSQL run; `--stores
sqlite,postgres` runs both; `--metrics both` runs each store with the services' Prometheus metrics
off and then on, scraped every 5 s as Prometheus would, and prints what metrics cost).
It starts the wheel's nats-server and the four services, measures raw JetStream acked publishes
(256 in flight) on the same server first, then the same check-ins against a FastAPI route that
does nothing (`http_ceiling.py`: no command here can pass it), puts `--visits` visits on site,
then fires the check-ins over HTTP and waits until the records trail holds every
accepted one. It prints, per store: raw rate, the empty route's rate, check-ins accepted per second,
check-ins in the trail per second, HTTP p50/p99 latency, the ratio to the empty route (target
0.20) and to raw JetStream, CPU per process per check-in, where the whole machine's CPU went in
each phase (and so what bounds the ratio when both keep it busy); then it offers check-ins at a steady
`--rate` (200 a second) for `--rate-seconds` and prints that p99 (target 50 ms), the CPU a
check-in and the cores kept busy; `--also-rates 50,100,300` does the same at each of those rates.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import os
import statistics
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from uuid import uuid4

import nats
from sqlalchemy import func, select

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from services.records import tables
from shared.messaging.nats_server import start_nats_server
from shared.runtime.launcher import Cluster, service_env
from shared.runtime.settings import DoorstepSettings
from shared.testing.polling import until
from tests.benchmarks.http_ceiling import empty_service
from tests.benchmarks.load import EmptySite, check_ins, fixed_rate, percentile, scraping
from tests.benchmarks.proc import (
    cpu_seconds,
    cpu_seconds_named,
    machine_seconds,
    machine_stalls,
    profiled,
    rss_mb,
)
from tests.visits.on_site import VisitsOnSite

TARGET_CEILING_RATIO, TARGET_P99_MS, FIXED_RATE = 0.20, 50.0, 200.0


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


class Trail:
    """Counts the audit trail's entries of a type through one engine kept for the run. The
    check-ins are in the trail at the first count that has them all: a count costs 0.4 ms
    (SQLite) to 1.5 ms (PostgreSQL) and is taken every TRAIL_POLL_SECONDS, so the time a turn
    reports is its own, not the benchmark's (a new engine a count, with its tables checked,
    took 4 ms and 33 ms, every 50 ms: 60 ms or so added to each PostgreSQL turn)."""

    def __init__(self, settings: DoorstepSettings) -> None:
        self.engine = tables.trail_engine(settings)

    def count(self, event_type: str) -> int:
        with self.engine.connect() as conn:
            return int(conn.execute(select(func.count()).select_from(tables.entries).where(
                tables.entries.c.event_type == event_type)).scalar_one())

    def close(self) -> None:
        self.engine.dispose()


TRAIL_POLL_SECONDS = 0.005
SERVER = "the route's server"  # the empty route's process, in the machine's account


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
    turns = 1 if args.minutes else args.turns
    try:
        raw = await raw_jetstream_rate(server.url)
        site = VisitsOnSite(settings, {name: p.url for name, p in cluster.processes.items()})
        cluster.start()
        await site.put_on_site(args.visits)
        pids = {name: p.process.pid for name, p in cluster.processes.items() if p.process}
        pids["nats-server"] = server.process.pid
        rss_before = rss_of(cluster)
        samples = [rss_before]
        scraper = asyncio.create_task(scraping(cluster)) if metrics else None
        ceiling, turn, trail = Ceiling(), Turn(), Trail(settings)
        with empty_service() as (empty_url, empty_pid), contextlib.closing(trail):
            empty = EmptySite(empty_url, site)
            for _ in range(turns):  # in turn, so the machine's other load falls on both alike
                await ceiling.run(empty, empty_pid, args.check_ins // turns, args.in_flight)
                await turn.run(site, trail, pids, args, turns,
                               on_minute=lambda: samples.append(rss_of(cluster)))
        rss_after = rss_of(cluster)
        steady = await steady_rate(site, pids, database_url, args.rate, args)
        sweep = [await steady_rate(site, pids, database_url, rate, args)
                 for rate in args.also_rates]
        if scraper is not None:
            scraper.cancel()
    finally:
        cluster.stop()
        server.stop()
    turn.latencies.sort()
    accepted = turn.statuses.get(200, 0)
    return {
        "store": store, "metrics": metrics, "raw": raw, "turns": turns,
        "ceiling": ceiling.requests / ceiling.seconds,
        "ceiling_cpu_ms": ceiling.machine.seconds[SERVER] * 1000 / ceiling.requests,
        "ceiling_machine": ceiling.machine.line(ceiling.requests, "an empty request"),
        "machine_busy_ratio": (ceiling.machine.seconds["busy"] / ceiling.requests)
        / (turn.machine.seconds["busy"] / max(accepted, 1)),
        "machine": turn.machine.line(max(accepted, 1), "a check-in"),
        "statuses": dict(turn.statuses),
        "accepted_rate": accepted / turn.accepting, "trail_rate": accepted / turn.in_trail,
        "tail_ms": (turn.in_trail - turn.accepting) * 1000 / turns,
        "p50_ms": percentile(turn.latencies, 0.50) * 1000,
        "p99_ms": percentile(turn.latencies, 0.99) * 1000,
        "steady": steady, "sweep": sweep,
        "rss_mb": {name: (rss_before[name], rss_after[name]) for name in rss_before},
        "rss_minutes": [*samples, rss_after],
        "cpu_ms": {name: seconds * 1000 / max(accepted, 1) for name, seconds in turn.cpu.items()},
    }


@dataclass
class Machine:
    """Where the whole machine's CPU went while a phase ran, summed over its turns: the named
    processes, PostgreSQL's own, the load generator (this process), the rest (the kernel's
    interrupts, other work on the machine), idle, and stolen by the host. When both phases keep
    the machine busy, the busy CPU a request is what sets their rates' ratio. Process and machine
    counters tick at 100 Hz, so in a short phase the rest can come out a little below zero."""

    seconds: Counter[str] = field(default_factory=Counter)

    @contextlib.contextmanager
    def spent(self, named: dict[str, list[int]], postgres: bool = False) -> Iterator[None]:
        def now() -> dict[str, float]:
            used = {name: sum(map(cpu_seconds, pids)) for name, pids in named.items()}
            if postgres:
                used["PostgreSQL"] = cpu_seconds_named("postgres")
            return {**used, "the load generator": cpu_seconds(os.getpid()),
                    **machine_seconds()}
        before = now()
        yield
        self.seconds.update({name: value - before[name] for name, value in now().items()})

    def line(self, requests: int, what: str) -> str:
        busy = self.seconds["busy"]
        parts = [(name, seconds) for name, seconds in self.seconds.items()
                 if name not in ("busy", "idle", "stolen")]
        rest = busy - sum(seconds for _, seconds in parts)
        shares = ", ".join(f"{name} {seconds * 1000 / requests:.2f}"
                           for name, seconds in [*parts, ("the rest", rest)])
        whole = busy + self.seconds["idle"] + self.seconds["stolen"]
        return (f"the machine {what}  {busy * 1000 / requests:.2f} ms busy: {shares}; "
                f"idle {self.seconds['idle'] / whole:.0%}, stolen {self.seconds['stolen'] / whole:.0%}")


@dataclass
class Ceiling:
    """The empty route's share of the run: requests, seconds and the machine's CPU (its server's
    among it), summed."""

    requests: int = 0
    seconds: float = 0.0
    machine: Machine = field(default_factory=Machine)

    async def run(self, empty: EmptySite, pid: int, total: int, in_flight: int) -> None:
        with self.machine.spent({SERVER: [pid]}):
            _, statuses, began = await check_ins(empty, total, in_flight)
        self.seconds += time.perf_counter() - began
        assert statuses == {200: total}, statuses
        self.requests += total


@dataclass
class Turn:
    """The check-ins' share: each turn fires its check-ins, then waits until the trail holds
    every accepted one; the seconds to accept and to reach the trail, and CPU, are summed."""

    latencies: list[float] = field(default_factory=list)
    statuses: Counter[int] = field(default_factory=Counter)
    accepting: float = 0.0
    in_trail: float = 0.0
    cpu: Counter[str] = field(default_factory=Counter)
    machine: Machine = field(default_factory=Machine)

    async def run(self, site: VisitsOnSite, trail: Trail, pids: dict[str, int],
                  args: argparse.Namespace, turns: int, on_minute: Callable[[], None]) -> None:
        before = await asyncio.to_thread(trail.count, "CheckedIn")
        cpu_before = cpu_of(pids)
        with profiled(pids, args.py_spy and f"{args.py_spy}-{len(self.latencies)}"), \
                self.machine.spent({"Doorstep and NATS": list(pids.values())},
                                   postgres=site.settings.database_url is not None):
            latencies, statuses, began = await check_ins(
                site, args.check_ins // turns, args.in_flight, minutes=args.minutes,
                on_minute=on_minute)
            self.accepting += time.perf_counter() - began
            accepted = statuses.get(200, 0)
            await until(lambda: asyncio.to_thread(trail.count, "CheckedIn"),
                        "the trail catch up", seconds=300, every=TRAIL_POLL_SECONDS,
                        ready=lambda in_trail: in_trail >= before + accepted)
        self.in_trail += time.perf_counter() - began
        self.cpu.update({name: seconds - cpu_before[name]
                         for name, seconds in cpu_of(pids).items()})
        self.latencies += latencies
        self.statuses.update(statuses)


def cpu_of(pids: dict[str, int]) -> dict[str, float]:
    """CPU seconds each process has used so far."""
    return {name: cpu_seconds(pid) for name, pid in pids.items()}


async def steady_rate(site: VisitsOnSite, pids: dict[str, int], database_url: str | None,
                      rate: float, args: argparse.Namespace) -> dict[str, Any]:
    """Check-ins offered at a steady `rate` for `--rate-seconds`: p50 and p99, the CPU each
    process spent a check-in, and the cores the deployment kept busy meanwhile."""
    cpu_before, began = steady_cpu(pids, database_url), time.perf_counter()
    with profiled(pids, args.py_spy and f"{args.py_spy}-steady-{rate:.0f}"), \
            machine_stalls() as stalls:
        latencies, statuses = await fixed_rate(site, rate, args.rate_seconds)
    used = {name: seconds - cpu_before[name]
            for name, seconds in steady_cpu(pids, database_url).items()}
    return {"rate": rate, "statuses": dict(statuses),
            "p50_ms": percentile(latencies, 0.50) * 1000,
            "p99_ms": percentile(latencies, 0.99) * 1000,
            "cpu_ms": {name: seconds * 1000 / max(statuses[200], 1)
                       for name, seconds in used.items()},
            "cores": sum(used.values()) / (time.perf_counter() - began), "stalls": stalls}


def steady_cpu(pids: dict[str, int], database_url: str | None) -> dict[str, float]:
    """CPU seconds so far of each process, and of PostgreSQL's own processes when it is the store."""
    used = cpu_of(pids)
    if database_url:
        used["postgres"] = cpu_seconds_named("postgres")
    return used


def rss_of(cluster: Cluster) -> dict[str, float]:
    """Each service's resident memory in MB."""
    return {name: rss_mb(process.process.pid) for name, process in cluster.processes.items()
            if process.process is not None}


def report(result: dict[str, Any]) -> None:
    e2e_ceiling = result["trail_rate"] / result["ceiling"]
    print(f"\n== {result['store']}, metrics {'on' if result['metrics'] else 'off'}  "
          f"(HTTP statuses {result['statuses']}; 0 = connection broke)")
    print(f"raw JetStream acked publish   {result['raw']:>9,.0f} msg/s")
    print(f"empty FastAPI route (ceiling) {result['ceiling']:>9,.0f} req/s   "
          f"(in {result['turns']} turns with the check-ins) "
          f"({result['ceiling'] / result['raw']:.3f} of raw: no FastAPI command can pass this)")
    print(f"check-ins accepted over HTTP  {result['accepted_rate']:>9,.0f} /s")
    print(f"check-ins in the audit trail  {result['trail_rate']:>9,.0f} /s   "
          f"(the last of a turn {result['tail_ms']:.0f} ms after its 2xx)")
    print(f"end to end / ceiling          {e2e_ceiling:>9.3f}   (target >= {TARGET_CEILING_RATIO}: "
          f"{'met' if e2e_ceiling >= TARGET_CEILING_RATIO else 'NOT met'})")
    cpu_ratio = result["ceiling_cpu_ms"] / sum(result["cpu_ms"].values())
    print(f"CPU a request, empty route / a check-in, every process   {cpu_ratio:.3f}   "
          f"({result['ceiling_cpu_ms']:.2f} / {sum(result['cpu_ms'].values()):.2f} ms: "
          "the same ratio in CPU, which other load on the machine does not move)")
    print(result["ceiling_machine"])
    print(result["machine"])
    print(f"the machine's busy CPU, an empty request / a check-in   "
          f"{result['machine_busy_ratio']:.3f}   (the rate ratio if both kept it busy)")
    print(f"end to end / raw JetStream    {result['trail_rate'] / result['raw']:>9.3f}")
    print(f"HTTP latency p50 / p99        {result['p50_ms']:>6.1f} / {result['p99_ms']:.1f} ms"
          f"   (saturated: {result['statuses'].get(200, 0):,} check-ins, as fast as they answer)")
    for steady in [result["steady"], *result["sweep"]]:
        report_steady(steady, target=steady is result["steady"])
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


def report_steady(steady: dict[str, Any], target: bool) -> None:
    rate = f"at {steady['rate']:.0f}/s"
    met = "met" if steady["p99_ms"] <= TARGET_P99_MS else "NOT met"
    print(f"{rate} offered: p50 / p99 {steady['p50_ms']:>6.1f} / {steady['p99_ms']:.1f} ms   "
          + (f"(target p99 <= {TARGET_P99_MS:.0f} ms: {met}; " if target else "(")
          + f"statuses {steady['statuses']})")
    per_process = ", ".join(f"{name} {ms:.2f}" for name, ms in steady["cpu_ms"].items())
    print(f"{rate}: CPU ms a check-in {sum(steady['cpu_ms'].values()):.2f} in all: {per_process}; "
          f"{steady['cores']:.2f} cores busy")
    for kind, what in (("cpu", "a 5 ms sleep woke late"), ("disk", "a 4 KB fsync took")):
        stalls = steady["stalls"][kind]
        long = [late for late in stalls if late * 1000 > TARGET_P99_MS]
        print(f"{rate}: the machine itself ({what}): > 20 ms {len(stalls)} times, "
              f"> {TARGET_P99_MS:.0f} ms {len(long)}, at worst {max(stalls, default=0) * 1000:.0f} ms")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--visits", type=int, default=200)
    parser.add_argument("--check-ins", type=int, default=2000)
    parser.add_argument("--in-flight", type=int, default=32)
    parser.add_argument("--minutes", type=float, default=0.0,
                        help="fire for this long instead of --check-ins, printing each "
                             "service's RSS minute by minute (memory stays flat?)")
    parser.add_argument("--turns", type=int, default=4,
                        help="the empty route and the check-ins take this many turns each")
    parser.add_argument("--rate", type=float, default=FIXED_RATE,
                        help="then offer check-ins at this steady rate a second, for the p99")
    parser.add_argument("--rate-seconds", type=float, default=15.0)
    parser.add_argument("--also-rates", type=lambda text: [float(r) for r in text.split(",")],
                        default=[], help="comma-separated: then offer each of these steady rates "
                                         "too, and print the same figures for each")
    parser.add_argument("--database-url", default=os.environ.get("BENCH_DATABASE_URL"))
    parser.add_argument("--logs", type=Path, default=None, help="keep the services' logs here")
    parser.add_argument("--metrics", choices=("on", "off", "both"), default="on",
                        help="both: each store with metrics off, then on, and the cost printed")
    parser.add_argument("--rounds", type=int, default=1,
                        help="with --metrics both: alternate off and on this many times")
    parser.add_argument("--py-spy", default="",
                        help="record each service while it takes the check-ins, to "
                             "PREFIX-N-SERVICE.txt, and at each steady rate, to "
                             "PREFIX-steady-RATE-SERVICE.txt (raw folded stacks)")
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
