"""Benchmark: 10,000 concurrently active visits; delay from deadline to CheckInMissed on NATS.

Run: `python tests/benchmarks/escalation_deadlines.py [--visits 10000] [--lead 120] [--window 60]
[--runs 3] [--minute-seconds 1]`
It starts its own nats-server (from the wheel) and one escalation process on SQLite (or
PostgreSQL with --database-url), publishes Departed and Arrived for every visit so that each
visit's first check-in falls due in a window after the ingest, and never checks in. It prints
p50/p99/max of (time the CheckInMissed reached NATS - its due time) and the service's peak RSS.

A policy minute lasts `--minute-seconds` (1 by default). Only the first deadline's time is set by
the benchmark; every later step (the ladder climbing after 10, 15 and 15 minutes, then repeating
every 15 until someone answers) follows the policy minute. At 1 s a minute, each escalated visit
climbs 60 times as often as in a real deployment: a stress well beyond what a deployment sees.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import statistics
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from uuid import uuid4

import nats

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from shared.contracts import Actor, Role
from shared.contracts import visits as contract
from shared.messaging.envelope import from_wire, to_wire
from shared.messaging.nats_server import start_nats_server
from shared.runtime.launcher import Cluster, service_env
from shared.runtime.settings import DoorstepSettings
from shared.testing.sealing import household, scratch_sealer

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


def peak_rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return float("nan")


GOAL_P99, GOAL_INGEST_SHARE, GOAL_RSS_MB = 1.0, 1 / 3, 1024.0


async def run(args: argparse.Namespace, folder: Path) -> dict[str, float]:
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
        js = nc.jetstream()
        delays: dict[str, float] = {}
        late = 0

        async def on_missed(msg: nats.aio.msg.Msg) -> None:
            nonlocal late
            received = time.time()
            event = from_wire(msg.headers, msg.data)
            due = event.due_at.timestamp()  # type: ignore[attr-defined]
            delays.setdefault(str(event.visit_id), received - due)
            late += bool(event.late)  # type: ignore[attr-defined]

        await nc.subscribe(f"{settings.subject_root}.events.*.*.escalation.CheckInMissed",
                           cb=on_missed)
        start = datetime.now(UTC) + timedelta(seconds=args.lead)
        schools = [f"{100000 + n:06d}" for n in range(20)]
        events = []
        for n in range(args.visits):
            due = start + timedelta(seconds=args.window * n / args.visits)
            events.append(visit_events(due, schools[n % len(schools)], args.minute_seconds))
        began = time.monotonic()
        for chunk in range(0, len(events), 500):
            publishes = []
            for pair in events[chunk:chunk + 500]:
                for event in pair:
                    wire = to_wire(event, root=settings.subject_root)
                    publishes.append(js.publish(wire.subject, wire.body, headers=wire.headers,
                                                stream=settings.stream_name))
            await asyncio.gather(*publishes)
        published = time.monotonic() - began
        durable = f"{settings.subject_root}-escalation-visits"
        while True:
            info = await js.consumer_info(settings.stream_name, durable)
            if info.num_pending == 0 and info.num_ack_pending == 0:
                break
            await asyncio.sleep(0.5)
        ingested = time.monotonic() - began
        print(f"published {2 * args.visits} visit events in {published:.1f} s; "
              f"the service had taken them all after {ingested:.1f} s "
              f"(first deadline at {args.lead} s)", flush=True)
        if ingested > args.lead:
            print("WARNING: ingest overran the first deadline; raise --lead", flush=True)
        finish = start + timedelta(seconds=args.window + 30)
        while datetime.now(UTC) < finish and len(delays) < args.visits:
            await asyncio.sleep(1.0)
        rss = peak_rss_mb(service.process.pid)
        values = sorted(delays.values()) or [float("inf")]
        p50 = statistics.median(values)
        p99 = values[min(len(values) - 1, int(len(values) * 0.99))]
        print(f"visits {args.visits}, CheckInMissed seen {len(delays)}, late {late}")
        print(f"deadline -> CheckInMissed on NATS: p50 {p50 * 1000:.0f} ms, "
              f"p99 {p99 * 1000:.0f} ms (goal <= {GOAL_P99 * 1000:.0f}), "
              f"max {values[-1] * 1000:.0f} ms")
        print(f"ingest {ingested:.1f} s of the {args.lead:.0f} s lead "
              f"(goal under {GOAL_INGEST_SHARE * args.lead:.0f} s)")
        print(f"escalation service peak RSS: {rss:.0f} MB (goal under {GOAL_RSS_MB:.0f})",
              flush=True)
        met = (p99 <= GOAL_P99 and ingested < GOAL_INGEST_SHARE * args.lead
               and rss < GOAL_RSS_MB and len(delays) == args.visits)
        return {"p99": p99, "ingest": ingested, "rss": rss, "met": float(met)}
    finally:
        await nc.drain()
        cluster.stop()
        server.stop()


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
    args = parser.parse_args()
    results = []
    for number in range(1, args.runs + 1):
        print(f"== run {number} of {args.runs}", flush=True)
        with tempfile.TemporaryDirectory(prefix="doorstep-bench-") as folder:
            results.append(asyncio.run(run(args, Path(folder))))
    met = sum(int(result["met"]) for result in results)
    print(f"goals met in {met} of {len(results)} runs (p99 <= 1 s, ingest under a third of the "
          f"lead, RSS under 1 GB, every deadline seen)")


if __name__ == "__main__":
    main()
