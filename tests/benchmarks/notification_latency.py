"""Benchmark: from EscalationRaised to the SMS provider receiving the text, with 1,000
escalations raised within a minute.

    .venv/bin/python tests/benchmarks/notification_latency.py --visits 1000

Starts the wheel's nats-server, the escalation service with the Twilio gateway pointed at a local
Twilio (tests/escalation/twilio_double.py), and 1,000 visits whose first check-in falls due over
60 s. Each buddy has a number of their own, so each text is matched to its escalation. Prints
p50, p99 and max of (provider received the request) - (EscalationRaised occurred). Target: p99
under 1 s.
"""

from __future__ import annotations

import argparse
import asyncio
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
from shared.contracts import authorisation as auth
from shared.contracts import visits as contract
from shared.contracts.escalation import EscalationRaised
from shared.messaging.envelope import from_wire, to_wire
from shared.messaging.nats_server import start_nats_server
from shared.runtime.launcher import Cluster, service_env
from shared.runtime.settings import DoorstepSettings
from shared.storage.sealing import Sealer
from shared.testing.sealing import household, sealer_for
from tests.escalation.twilio_double import SENDER, SID, TOKEN, local_twilio

MINUTE = 0.2  # seconds in a policy minute: the 5-minute check-in and 5-minute grace take 2 s


def visit(due: datetime, n: int, sealer: Sealer) -> tuple[str, list[object]]:
    phone = f"07700 9{n:05d}"
    visit_id, correlation = uuid4(), uuid4()
    arrived = due - timedelta(seconds=10 * MINUTE)  # the interval, then the grace
    base = {"trust_id": "bench-trust", "school_urn": "123456", "visit_id": visit_id,
            "actor": Actor(id="staff-0001", role=Role.STAFF), "correlation_id": correlation}

    def s(text: str) -> str:
        return sealer.seal(household("bench-trust", f"hh-{n}"), text)

    conditions = auth.VisitConditions(min_staff=1, staff_ids=["staff-0001"],
                                      check_in_interval_minutes=5,
                                      escalation=auth.EscalationPlan(level2_after_minutes=240))
    events = [
        auth.VisitAuthorised(**base, event_id=uuid4(), occurred_at=arrived - timedelta(seconds=20),
                             authorised_by="dsl-1", conditions=conditions),
        contract.Departed(
            **base, event_id=uuid4(), occurred_at=arrived - timedelta(seconds=10),
            staff=[contract.StaffOnVisit(staff_id="staff-0001", mobile=s("07700 900001"))],
            address=s("1 Bench Street"), expecting_to_see=s("parent"), expected_arrival=arrived,
            expected_leave=due + timedelta(hours=1), expected_return=due + timedelta(hours=2),
            buddy_id=f"buddy-{n}", buddy_phone=s(phone), check_in_interval_minutes=5,
            duress_phrase_agreed=True),
        contract.Arrived(**base, event_id=uuid4(), occurred_at=arrived)]
    return phone, events


async def run(args: argparse.Namespace, folder: Path) -> None:
    server = start_nats_server(folder / "nats")
    tag = uuid4().hex[:8]
    settings = DoorstepSettings(nats_url=server.url, stream_name=f"BENCH_{tag}",
                                subject_root=f"bench{tag}", data_dir=folder / "data")
    with local_twilio() as twilio:
        cluster = Cluster.build(service_env({}), folder / "logs", names=("escalation",))
        service = cluster["escalation"]
        service.env.update({
            "DOORSTEP_NATS_URL": server.url, "DOORSTEP_STREAM_NAME": settings.stream_name,
            "DOORSTEP_SUBJECT_ROOT": settings.subject_root,
            "DOORSTEP_DATA_DIR": str(settings.data_dir),
            "DOORSTEP_ESCALATION_MINUTE_SECONDS": str(MINUTE),
            "DOORSTEP_ESCALATION_GATEWAY": "twilio",
            "DOORSTEP_ESCALATION_TWILIO_API_URL": twilio.url,
            "DOORSTEP_ESCALATION_TWILIO_ACCOUNT_SID": SID,
            "DOORSTEP_ESCALATION_TWILIO_AUTH_TOKEN": TOKEN,
            "DOORSTEP_ESCALATION_TWILIO_FROM": SENDER,
            "DOORSTEP_ESCALATION_PUBLIC_URL": service.url})
        nc = await nats.connect(server.url)
        try:
            cluster.start()
            raised: dict[str, float] = {}  # visit id -> when level 1 was raised
            relayed: list[float] = []  # raised -> on NATS (the outbox relay)

            async def on_raised(msg: nats.aio.msg.Msg) -> None:
                event = from_wire(msg.headers, msg.data)
                if isinstance(event, EscalationRaised) and event.level == 1:
                    raised.setdefault(str(event.visit_id), event.occurred_at.timestamp())
                    relayed.append(time.time() - event.occurred_at.timestamp())

            await nc.subscribe(f"{settings.subject_root}.events.*.*.escalation.EscalationRaised",
                               cb=on_raised)
            sealer = sealer_for(settings)
            start = datetime.now(UTC) + timedelta(seconds=args.lead)
            phones: dict[str, str] = {}
            js = nc.jetstream()
            for n in range(args.visits):
                due = start + timedelta(seconds=60 * n / args.visits)
                phone, events = visit(due, n, sealer)
                for event in events:
                    wire = to_wire(event, root=settings.subject_root)  # type: ignore[arg-type]
                    await js.publish(wire.subject, wire.body, headers=wire.headers,
                                     stream=settings.stream_name)
                phones[phone] = str(events[0].visit_id)  # type: ignore[attr-defined]
            print(f"published {3 * args.visits} events; first deadline in "
                  f"{(start - datetime.now(UTC)).total_seconds():.0f} s", flush=True)
            finish = time.monotonic() + args.lead + 60 + 30
            while time.monotonic() < finish and min(len(twilio.of("sms")),
                                                    len(raised)) < args.visits:
                await asyncio.sleep(1.0)  # every text sent, and every EscalationRaised relayed
            wall_offset = time.time() - time.monotonic()
            latencies = sorted(
                sent.at + wall_offset - raised[phones[sent.to]]
                for sent in twilio.of("sms") if sent.to in phones and phones[sent.to] in raised)
            if not latencies:
                print("no texts reached the provider")
                return
            p99 = latencies[min(len(latencies) - 1, int(len(latencies) * 0.99))]
            print(f"visits {args.visits}, level-1 escalations seen on NATS {len(raised)}, texts at "
                  f"the provider {len(twilio.of('sms'))}, matched to their escalation "
                  f"{len(latencies)}")
            print(f"EscalationRaised -> provider received: p50 "
                  f"{statistics.median(latencies) * 1000:.0f} ms, p99 {p99 * 1000:.0f} ms, "
                  f"max {latencies[-1] * 1000:.0f} ms (target p99 < 1000 ms)")
            relayed.sort()
            print(f"EscalationRaised -> on NATS: p50 {statistics.median(relayed) * 1000:.0f} ms, "
                  f"p99 {relayed[int(len(relayed) * 0.99)] * 1000:.0f} ms")
        finally:
            await nc.drain()
            cluster.stop()
            server.stop()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--visits", type=int, default=1000)
    parser.add_argument("--lead", type=float, default=30.0,
                        help="seconds from publishing to the first deadline")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="doorstep-bench-") as folder:
        asyncio.run(run(args, Path(folder)))


if __name__ == "__main__":
    main()
