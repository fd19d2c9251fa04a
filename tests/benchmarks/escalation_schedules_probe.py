"""Probe: JetStream `@at` message schedules as the deadline mechanism, on the wheel's nats-server.

Run: `python tests/benchmarks/escalation_schedules_probe.py [--count 10000] [--lead 10] [--window 30]`
Schedules `count` messages at times spread over `window` seconds, starting `lead` seconds out,
then reschedules every one of them once (what a check-in would have to do: purge and republish),
and prints p50/p99 of (time the server delivered to the target subject - the scheduled time).
Measured to weigh DESIGN.md "Deadlines, two ways to weigh" against the store-backed scheduler.
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

import nats
from nats.js.api import StreamConfig

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from shared.messaging.nats_server import start_nats_server


def rfc3339(at: datetime) -> str:
    """Whole seconds: the server did not fire a single schedule written with a fraction."""
    return at.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


async def run(args: argparse.Namespace, folder: Path) -> None:
    server = start_nats_server(folder)
    nc = await nats.connect(server.url)
    js = nc.jetstream()
    try:
        await js.add_stream(StreamConfig(name="SCHED", subjects=["sched.>", "fired.>"],
                                         allow_msg_schedules=True))
        delays: list[float] = []
        due: dict[str, float] = {}

        async def on_fired(msg: nats.aio.msg.Msg) -> None:
            key = msg.subject.rsplit(".", 1)[1]
            if key in due:
                delays.append(time.time() - due.pop(key))

        await nc.subscribe("fired.>", cb=on_fired)
        start = datetime.now(UTC) + timedelta(seconds=args.lead)
        began = time.monotonic()
        for rounds in range(2):  # the second round replaces each schedule, as a check-in would
            for chunk in range(0, args.count, 500):
                pending = []
                for n in range(chunk, min(args.count, chunk + 500)):
                    at = start + timedelta(seconds=args.window * n // args.count + rounds)
                    if rounds:
                        await js.purge_stream("SCHED", subject=f"sched.{n}")
                    due[str(n)] = at.timestamp()
                    pending.append(js.publish(f"sched.{n}", b"", headers={
                        "Nats-Schedule": f"@at {rfc3339(at)}",
                        "Nats-Schedule-Target": f"fired.{n}"}))
                await asyncio.gather(*pending)
            print(f"round {rounds + 1}: {args.count} schedules set after "
                  f"{time.monotonic() - began:.1f} s", flush=True)
        finish = time.monotonic() + args.lead + args.window + 15
        while due and time.monotonic() < finish:
            await asyncio.sleep(0.5)
        if not delays:
            print("no scheduled message was delivered")
            return
        delays.sort()
        print(f"delivered {len(delays)} of {args.count}; scheduled time -> delivered: "
              f"p50 {statistics.median(delays) * 1000:.0f} ms, "
              f"p99 {delays[int(len(delays) * 0.99) - 1] * 1000:.0f} ms, "
              f"max {delays[-1] * 1000:.0f} ms")
    finally:
        await nc.drain()
        server.stop()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--count", type=int, default=10_000)
    parser.add_argument("--lead", type=float, default=20.0)
    parser.add_argument("--window", type=float, default=30.0)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="doorstep-probe-") as folder:
        asyncio.run(run(args, Path(folder)))


if __name__ == "__main__":
    main()
