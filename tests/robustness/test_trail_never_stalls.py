"""One trust's poison message neither stalls nor gaps the audit trail, least of all another trust's."""

from __future__ import annotations

import asyncio
import time
from datetime import UTC, datetime
from uuid import uuid4

import nats
import pytest

from services.records.bootstrap import trail_cipher
from services.records.tables import trail_engine
from services.records.trail import Selection, Trail
from shared.contracts import Actor, IntegrationEvent, Role
from shared.contracts.records import SafeguardingConcernRaised
from shared.messaging.envelope import to_wire
from shared.runtime.settings import DoorstepSettings
from shared.storage.keystore import DataSubject
from shared.testing.polling import until
from shared.testing.sealing import scratch_sealer

pytestmark = [pytest.mark.nats, pytest.mark.e2e]
URN = "123456"


def concern(trust: str, concern_id: str) -> SafeguardingConcernRaised:
    return SafeguardingConcernRaised(
        event_id=uuid4(), occurred_at=datetime.now(UTC), trust_id=trust, school_urn=URN,
        actor=Actor(id="staff-0001", role=Role.STAFF), correlation_id=uuid4(),
        concern_id=concern_id,
        description=scratch_sealer().seal(DataSubject(trust, "record", concern_id), "a bruise"),
        raised_by="staff-0001")


class Bus:
    def __init__(self, settings: DoorstepSettings) -> None:
        self.settings = settings

    async def __aenter__(self) -> Bus:
        self.client = await nats.connect(self.settings.nats_servers)
        self.js = self.client.jetstream()
        return self

    async def __aexit__(self, *_: object) -> None:
        await self.client.close()

    async def publish(self, event: IntegrationEvent) -> None:
        wire = to_wire(event, root=self.settings.subject_root)
        await self.js.publish(wire.subject, wire.body, headers=wire.headers,
                              stream=self.settings.stream_name)

    async def publish_raw(self, subject: str, body: bytes, headers: dict[str, str]) -> None:
        await self.js.publish(f"{self.settings.subject_root}.{subject}", body, headers=headers,
                              stream=self.settings.stream_name)


async def until_in_trail(trail: Trail, trust: str, event_id: str) -> float:
    """Wait for the event in the trust's trail; how long that took, in seconds."""
    start = time.monotonic()
    await until(lambda: asyncio.to_thread(trail.entry, trust, event_id),
                f"{event_id} reach {trust}'s trail", seconds=30, every=0.02,
                ready=lambda entry: entry is not None)
    return time.monotonic() - start


async def test_poison_for_one_trust_is_recorded_and_delays_no_other(make_settings, make_cluster):
    settings = make_settings()
    make_cluster(settings, names=("records",))
    trail = Trail(trail_engine(settings), trail_cipher(settings))
    first = concern("t1", "concern-0001")
    misplaced = concern("t2", "concern-0009")  # a t2 event put on t1's subjects
    after = concern("t1", "concern-0002")
    other = concern("t2", "concern-0003")
    async with Bus(settings) as bus:
        await bus.publish(first)
        await until_in_trail(trail, "t1", str(first.event_id))
        await bus.publish_raw(f"events.t1.{URN}.concern.Junk", b"\xff not json",
                              {"ce-type": "uk.doorstep.Junk", "ce-id": "junk"})
        wire = to_wire(misplaced, root=settings.subject_root)
        await bus.publish_raw(f"events.t1.{URN}.concern.SafeguardingConcernRaised", wire.body,
                              wire.headers)
        await bus.publish(after)
        await bus.publish(other)
        assert await until_in_trail(trail, "t2", str(other.event_id)) < 1.0
        await until_in_trail(trail, "t1", str(after.event_id))

    entries = trail.history(Selection(trust_id="t1"))
    kinds = [entry["type"] for entry in entries]
    assert kinds == ["SafeguardingConcernRaised", "EventNotInterpreted", "EventNotInterpreted",
                     "SafeguardingConcernRaised"]
    junk, poison = entries[1]["payload"], entries[2]["payload"]
    assert "unreadable CloudEvent" in junk["reason"]
    assert junk["body_encoding"] == "base64"
    assert "but the event belongs on" in poison["reason"]
    assert poison["headers"]["ce-id"] == str(misplaced.event_id)
    assert trail.entry("t2", str(misplaced.event_id)) is None
    assert trail.verify("t1").intact
    assert trail.verify("t2").intact
    trail.engine.dispose()


async def test_an_event_claiming_another_services_aggregate_is_refused(make_settings,
                                                                       make_cluster) -> None:
    """Only records speaks for concerns: a concern whose ce-source is visits is not believed."""
    settings = make_settings()
    records = make_cluster(settings, names=("records",))["records"]
    trail = Trail(trail_engine(settings), trail_cipher(settings))
    spoofed, genuine = concern("t1", "concern-0101"), concern("t1", "concern-0102")
    async with Bus(settings) as bus:
        wire = to_wire(spoofed, root=settings.subject_root, source="/doorstep/visits")
        await bus.publish_raw(wire.subject.split(".", 1)[1], wire.body, wire.headers)
        await bus.publish(genuine)
        await until_in_trail(trail, "t1", str(genuine.event_id))
    [unread, kept] = trail.history(Selection(trust_id="t1"))
    assert unread["type"] == "EventNotInterpreted"
    assert "comes from /doorstep/records, not '/doorstep/visits'" in unread["payload"]["reason"]
    assert kept["event_id"] == str(genuine.event_id)
    assert records.process is not None
    trail.engine.dispose()
