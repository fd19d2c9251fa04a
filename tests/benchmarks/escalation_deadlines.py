"""Benchmark: 10,000 concurrently active visits; delay from deadline to CheckInMissed on NATS.

Run: `python tests/benchmarks/escalation_deadlines.py [--visits 10000] [--lead 120] [--window 60]
[--runs 3] [--minute-seconds 1]`
It starts its own nats-server (from the wheel) and one escalation process on SQLite (or
PostgreSQL with --database-url), publishes Departed and Arrived for every visit so that each
visit's first check-in falls due in a window after the ingest, and never checks in. It prints
p50/p99/max of (time the CheckInMissed reached NATS - its due time), late ones, the service's
peak RSS, and the ingest: its time against a third of the lead, events/s, CPU-seconds per 1,000
events (from /proc, steadier than wall time on a shared machine).

`--ingest-only` stops after the ingest. `--baseline-visits 10000` first takes that many visits in
on a fresh service and prints the ingest rate at `--visits` as a ratio of it (goal >= 0.8).
`--py-spy PREFIX` records the service during each ingest (raw folded stacks).

A policy minute lasts `--minute-seconds` (1 by default). Only the first deadline's time is set by
the benchmark; every later step (the ladder climbing after 10, 15 and 15 minutes, then repeating
every 15 until someone answers) follows the policy minute. At 1 s a minute, each escalated visit
climbs 60 times as often as in a real deployment: a stress well beyond what a deployment sees.

Each arrival is dated 25 policy minutes before its deadline and a check-in's reminder is due 10
policy minutes before it, so with a 60 s minute and a lead under 600 s the earliest visits'
reminders are already due as they are taken in: the service fires them during the ingest. A
`--baseline-visits` run uses the same settings, so its ratio compares like with like; a lead of
3600 s keeps anything from falling due during the ingest.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import statistics
import sys
import tempfile
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from uuid import uuid4

import nats
from nats.aio.msg import Msg

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from shared.contracts import Actor, Role
from shared.contracts import visits as contract
from shared.messaging.envelope import from_wire, to_wire
from shared.messaging.nats_server import start_nats_server
from shared.runtime.launcher import Cluster, service_env
from shared.runtime.settings import DoorstepSettings
from shared.testing.sealing import household, scratch_sealer
from tests.benchmarks.proc import cpu_seconds, peak_rss_mb, profiled, rss_mb

INTERVAL, WAIT, GRACE = 60, 20, 5  # policy minutes (the defaults, but the interval)


def visit_events(due: datetime, school: str, minute: float) -> list[contract.VisitEvent]:
    """A visit whose first contact (the no-one-home wait, 20 + 5 grace) falls due at `due`."""
    visit_id, correlation = uuid4(), uuid4()
    arrived = due - timedelta(seconds=(WAIT + GRACE) * minute)
    def s(text: str) -> str:  # sealed as the visits service seals them
        return scratch_sealer().seal(household("bench-trust", "hh-bench"), text)

    base = {"trust_id": "bench-trust", "school_urn": school, "visit_id": visit_id,
            "actor": Actor(id="staff-0001", role=Role.STAFF), "correlation_id": correlation}
    departed = contract.Departed(
        **base, event_id=uuid4(), occurred_at=arrived - timedelta(seconds=10),
        staff=[contract.StaffOnVisit(staff_id="staff-0001", mobile=s("07700 900001"))],
        address=s("1 Bench Street"), expecting_to_see=s("parent"), expected_arrival=arrived,
        expected_leave=due + timedelta(hours=1), expected_return=due + timedelta(hours=2),
        buddy_id="buddy-0001", buddy_phone=s("07700 900999"), check_in_interval_minutes=INTERVAL,
        duress_phrase_agreed=True)
    return [departed, contract.Arrived(**base, event_id=uuid4(), occurred_at=arrived)]


GOAL_P99, GOAL_INGEST_SHARE, GOAL_RSS_MB, GOAL_RATE_RATIO = 1.0, 1 / 3, 1024.0, 0.8


async def ingest(args: argparse.Namespace, js: Any, settings: DoorstepSettings, pid: int,
                 visits: int) -> dict[str, float]:
    """Publish every visit's Departed and Arrived; wait until escalation has taken them all in."""
    start = datetime.now(UTC) + timedelta(seconds=args.lead)
    schools = [f"{100000 + n:06d}" for n in range(20)]
    events = []
    for n in range(visits):
        due = start + timedelta(seconds=args.window * n / visits)
        events.append(visit_events(due, schools[n % len(schools)], args.minute_seconds))
    with profiled({"escalation": pid}, args.py_spy and f"{args.py_spy}-{visits}"):
        published, ingested, cpu = await _take_in(js, settings, pid, events)
    count = 2 * visits
    figures = {"visits": visits, "published": published, "ingest": ingested,
               "rate": count / ingested, "cpu_per_1000": cpu / count * 1000,
               "cpu_rate": count / cpu, "rss": rss_mb(pid)}
    print(f"{visits} visits: published {count} visit events in {published:.1f} s; the service "
          f"had taken them all after {ingested:.1f} s ({figures['rate']:,.0f} events/s), "
          f"{figures['cpu_per_1000']:.3f} CPU-s per 1,000 events ({figures['cpu_rate']:,.0f} "
          f"events per CPU-second), RSS {figures['rss']:.0f} MB", flush=True)
    return figures


async def _take_in(js: Any, settings: DoorstepSettings, pid: int,
                   events: list[list[contract.VisitEvent]]) -> tuple[float, float, float]:
    """Publish the events; (seconds to publish, seconds until taken in, CPU seconds used)."""
    cpu_before = cpu_seconds(pid)
    began = time.monotonic()
    for chunk in range(0, len(events), 500):
        publishes = []
        for pair in events[chunk:chunk + 500]:
            for event in pair:
                wire = to_wire(event, root=settings.subject_root)
                publishes.append(js.publish(wire.subject, wire.body, headers=wire.headers,
                                            stream=settings.stream_name, timeout=60))
        await asyncio.gather(*publishes)
    published = time.monotonic() - began
    durable = f"{settings.subject_root}-escalation-visits"
    while True:
        info = await js.consumer_info(settings.stream_name, durable)
        if info.num_pending == 0 and info.num_ack_pending == 0:
            break
        await asyncio.sleep(0.25)
    return published, time.monotonic() - began, cpu_seconds(pid) - cpu_before


@asynccontextmanager
async def escalation_service(args: argparse.Namespace, folder: Path
                             ) -> AsyncIterator[tuple[Any, Any, DoorstepSettings, int]]:
    """A nats-server and one escalation process on a fresh store; yields (nc, js, settings, pid)."""
    server = start_nats_server(folder / "nats")
    tag = uuid4().hex[:8]
    settings = DoorstepSettings(nats_url=server.url, stream_name=f"BENCH_{tag}",
                                subject_root=f"bench{tag}", data_dir=folder / "data",
                                schema_suffix=f"_bench{tag}", database_url=args.database_url)
    env = {"DOORSTEP_NATS_URL": server.url, "DOORSTEP_STREAM_NAME": settings.stream_name,
           "DOORSTEP_SUBJECT_ROOT": settings.subject_root, "DOORSTEP_DATA_DIR": str(folder / "data"),
           "DOORSTEP_SCHEMA_SUFFIX": settings.schema_suffix,
           "DOORSTEP_ESCALATION_MINUTE_SECONDS": str(args.minute_seconds)}
    if args.database_url:
        env["DOORSTEP_DATABASE_URL"] = args.database_url
    cluster = Cluster.build(service_env(env), folder / "logs", names=("escalation",))
    nc = await nats.connect(server.url)
    try:
        cluster.start()
        service = cluster["escalation"]
        assert service.process is not None
        yield nc, nc.jetstream(), settings, service.process.pid
    finally:
        await nc.drain()
        cluster.stop()
        server.stop()


async def ingest_only(args: argparse.Namespace, folder: Path, visits: int) -> dict[str, float]:
    async with escalation_service(args, folder) as (_nc, js, settings, pid):
        return await ingest(args, js, settings, pid, visits)


async def run(args: argparse.Namespace, folder: Path) -> dict[str, float]:
    async with escalation_service(args, folder) as (nc, js, settings, pid):
        delays: dict[str, float] = {}
        late = 0

        async def on_missed(msg: Msg) -> None:
            nonlocal late
            received = time.time()
            event = from_wire(msg.headers, msg.data)
            due = event.due_at.timestamp()  # type: ignore[attr-defined]
            delays.setdefault(str(event.visit_id), received - due)
            late += bool(event.late)  # type: ignore[attr-defined]

        await nc.subscribe(f"{settings.subject_root}.events.*.*.escalation.CheckInMissed",
                           cb=on_missed)
        start = datetime.now(UTC) + timedelta(seconds=args.lead)
        taken = await ingest(args, js, settings, pid, args.visits)
        ingested = taken["ingest"]
        if ingested > args.lead:
            print("WARNING: ingest overran the first deadline; raise --lead", flush=True)
        finish = start + timedelta(seconds=args.window + 30)
        while datetime.now(UTC) < finish and len(delays) < args.visits:
            await asyncio.sleep(1.0)
        rss = peak_rss_mb(pid)
        values = sorted(delays.values()) or [float("inf")]
        p50 = statistics.median(values)
        p99 = values[min(len(values) - 1, int(len(values) * 0.99))]
        print(f"visits {args.visits}, CheckInMissed seen {len(delays)}, late {late}")
        print(f"deadline -> CheckInMissed on NATS: p50 {p50 * 1000:.0f} ms, "
              f"p99 {p99 * 1000:.0f} ms (goal <= {GOAL_P99 * 1000:.0f}), "
              f"max {values[-1] * 1000:.0f} ms")
        print(f"ingest {ingested:.1f} s of the {args.lead:.0f} s lead "
              f"(goal under a third: {GOAL_INGEST_SHARE * args.lead:.0f} s)")
        print(f"escalation service peak RSS: {rss:.0f} MB (goal under {GOAL_RSS_MB:.0f})",
              flush=True)
        met = (p99 <= GOAL_P99 and ingested < GOAL_INGEST_SHARE * args.lead
               and rss < GOAL_RSS_MB and len(delays) == args.visits and late == 0)
        return {**taken, "p99": p99, "late": late, "peak_rss": rss, "met": float(met)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--visits", type=int, default=10_000)
    parser.add_argument("--lead", type=float, default=120.0,
                        help="seconds from the start of publishing to the first deadline")
    parser.add_argument("--window", type=float, default=60.0,
                        help="seconds over which the deadlines are spread")
    parser.add_argument("--database-url", default=os.environ.get("BENCH_DATABASE_URL"))
    parser.add_argument("--runs", type=int, default=1, help="run this many times in a row")
    parser.add_argument("--minute-seconds", type=float, default=1.0,
                        help="how long a policy minute lasts (60: a deployment's real timing)")
    parser.add_argument("--ingest-only", action="store_true",
                        help="only take the visits in: print ingest time, events/s, CPU and RSS")
    parser.add_argument("--baseline-visits", type=int, default=0,
                        help="first take in this many visits on a fresh service, and print the "
                             "ingest rate at --visits as a ratio of it (goal >= 0.8)")
    parser.add_argument("--py-spy", default="",
                        help="record the service during each ingest to PREFIX-VISITS.txt")
    args = parser.parse_args()
    results = []
    for number in range(1, args.runs + 1):
        print(f"== run {number} of {args.runs}", flush=True)
        baseline = None
        if args.baseline_visits:
            with tempfile.TemporaryDirectory(prefix="doorstep-bench-") as folder:
                baseline = asyncio.run(ingest_only(args, Path(folder), args.baseline_visits))
        with tempfile.TemporaryDirectory(prefix="doorstep-bench-") as folder:
            if args.ingest_only:
                result = asyncio.run(ingest_only(args, Path(folder), args.visits))
                result["met"] = 1.0
            else:
                result = asyncio.run(run(args, Path(folder)))
        if baseline is not None:
            ratio = result["rate"] / baseline["rate"]
            cpu_ratio = result["cpu_rate"] / baseline["cpu_rate"]
            print(f"ingest rate at {args.visits} visits / at {args.baseline_visits}: {ratio:.2f} "
                  f"(goal >= {GOAL_RATE_RATIO}); events per CPU-second: {cpu_ratio:.2f}",
                  flush=True)
            if ratio < GOAL_RATE_RATIO:
                result["met"] = 0.0
        results.append(result)
    met = sum(int(result["met"]) for result in results)
    if not args.ingest_only:
        print(f"goals met in {met} of {len(results)} runs (p99 <= 1 s, none late, ingest under a "
              f"third of the lead, RSS under 1 GB, every deadline seen"
              f"{', ingest rate >= 0.8 of the baseline' if args.baseline_visits else ''})")

if __name__ == "__main__":
    main()
