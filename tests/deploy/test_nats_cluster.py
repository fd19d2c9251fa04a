"""The production shape, on loopback: three nats-server nodes, an R3 stream that survives one loss."""

from __future__ import annotations

import os
import shutil
import subprocess
from datetime import UTC, datetime
from functools import partial
from pathlib import Path
from uuid import uuid4

import pytest
from faststream.nats import NatsBroker

from shared.cli.main import main
from shared.contracts import Actor, Role
from shared.contracts.escalation import CheckInMissed
from shared.messaging.bus import EventPublisher, ensure_stream
from shared.messaging.nats_server import NatsServer, nats_server_binary
from shared.runtime.settings import DoorstepSettings
from shared.testing.nats_cluster import NatsCluster
from shared.testing.polling import until
from shared.testing.wire import EventTap

DEPLOY = Path(__file__).resolve().parents[2] / "deploy"
# While the cluster elects a leader, JetStream API calls time out: each is retried 0.2 s apart.
ELECTION = 60.0
pytestmark = pytest.mark.nats


def test_the_deployed_nats_config_is_valid_for_the_shipped_server(tmp_path: Path) -> None:
    """As trust IT would: `doorstep nats-keys` beside the shipped nats.conf, then validate."""
    shutil.copy(DEPLOY / "nats" / "nats.conf", tmp_path / "nats.conf")
    assert main(["nats-keys", "--folder", str(tmp_path)]) == 0
    checked = subprocess.run([nats_server_binary(), "-t", "-c", str(tmp_path / "nats.conf")],
                             env={**os.environ, "SERVER_NAME": "nats-1"}, capture_output=True,
                             text=True)
    assert checked.returncode == 0, checked.stderr
    assert "is valid" in checked.stdout + checked.stderr


def start_cluster(folder: Path) -> list[NatsServer]:
    return [node for node in NatsCluster(folder).start().nodes if node is not None]


def missed(settings: DoorstepSettings) -> CheckInMissed:
    return CheckInMissed(event_id=uuid4(), occurred_at=datetime.now(UTC),
                         trust_id=settings.default_trust, school_urn="123456", visit_id=uuid4(),
                         actor=Actor(id="escalation", role=Role.SYSTEM), correlation_id=uuid4(),
                         due_at=datetime.now(UTC), sequence=1)


async def connected_with_stream(settings: DoorstepSettings) -> NatsBroker:
    """A broker on the cluster with the stream made: that needs a JetStream meta leader."""
    broker = NatsBroker(settings.nats_servers)
    await broker.connect()
    try:
        await ensure_stream(broker, settings)
    except Exception:
        await broker.stop()
        raise
    return broker


async def test_an_r3_stream_keeps_every_event_when_a_node_dies(tmp_path: Path) -> None:
    nodes = start_cluster(tmp_path)
    try:
        settings = DoorstepSettings(nats_url=",".join(n.url for n in nodes), stream_replicas=3,
                                    stream_name="DOORSTEP_CLUSTER", subject_root="cluster")
        broker = await until(lambda: connected_with_stream(settings),
                             "the cluster elect a JetStream leader", seconds=ELECTION, every=0.2,
                             ignoring=(Exception,))
        info = await until(lambda: broker.connection.jsm().stream_info(settings.stream_name),
                           "the stream's info", seconds=ELECTION, every=0.2, ignoring=(Exception,))
        assert info.config.num_replicas == 3
        publisher = EventPublisher(broker, settings)
        before = [missed(settings) for _ in range(5)]
        for event in before:
            await publisher.publish(event)

        nodes[0].stop()  # lose one of three
        after = [missed(settings) for _ in range(5)]
        for event in after:  # the stream leader may be moving to a surviving node meanwhile
            await until(partial(publisher.publish, event), "the event published",
                        ready=lambda _duplicate: True, seconds=ELECTION, every=0.2,
                        ignoring=(Exception,))
        await broker.stop()

        survivors = settings.model_copy(update={"nats_url": nodes[1].url})
        tap = EventTap(survivors)
        await until(tap.__aenter__, "a tap on a surviving node", seconds=ELECTION, every=0.2,
                    ignoring=(Exception,))
        try:
            await tap.wait_for(lambda seen: len(seen) >= 10, what="all ten events")
        finally:
            await tap.__aexit__()
        assert [s.event.event_id for s in tap.seen] == [e.event_id for e in before + after]
    finally:
        for node in nodes:
            node.stop()
