"""`doorstep asyncapi`: the AsyncAPI 3.0 document of every subject and payload, from the code."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

from faststream.nats import NatsBroker
from faststream.specification import AsyncAPI

from shared.contracts import EVENT_TYPES, event_subject
from shared.contracts.escalation import EscalationHeartbeat, heartbeat_subject


def document(root: str = "doorstep") -> str:
    """Every integration event as a documented publisher on its subject pattern."""
    broker = NatsBroker(description="Doorstep domain events, CloudEvents 1.0 in the NATS binding")
    for name, event_class in sorted(EVENT_TYPES.items()):
        subject = event_subject(root, "{trust}", "{school}", event_class.aggregate, name)
        summary = (event_class.__doc__ or name).strip().splitlines()[0]
        broker.publisher(subject, schema=event_class, title=name, description=summary)
    broker.publisher(heartbeat_subject(root), schema=EscalationHeartbeat,
                     title="EscalationHeartbeat",
                     description="escalation's scheduler is alive (core NATS, plain JSON, every "
                                 "few seconds; no beat is the alarm)")
    spec = AsyncAPI(broker, title="Doorstep events", version="1.0.0",
                    description="Subscribe per trust or school: doorstep.events.<trust>.<school>.>")
    return spec.to_specification().to_json()


def register(commands: Any) -> None:
    parser: argparse.ArgumentParser = commands.add_parser(
        "asyncapi", help="write the AsyncAPI document of every subject and payload")
    parser.add_argument("--output", type=Path, default=None, help="file (default: stdout)")
    parser.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    text = document()
    if args.output:
        args.output.write_text(text + "\n")
    else:
        print(text)
    return 0
