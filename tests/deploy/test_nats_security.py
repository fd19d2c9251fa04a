"""The private wire, on a real nats-server with the shipped authorization: no key, no entry; each
service publishes only its own aggregates; an integrator reads only its own trust and publishes
nothing."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Iterator
from datetime import UTC, datetime
from pathlib import Path
from uuid import uuid4

import nats
import pytest
from faststream.nats import NatsBroker, NatsNKey
from nats.js.api import ConsumerConfig

from shared.cli.main import main
from shared.contracts import Actor, IntegrationEvent, Role
from shared.contracts.escalation import heartbeat_subject
from shared.contracts.records import IncidentReported
from shared.contracts.visits import VisitRequested
from shared.messaging.bus import ensure_stream
from shared.messaging.credentials import OPERATOR, Credentials
from shared.messaging.envelope import to_wire
from shared.messaging.nats_server import NatsServer, start_nats_server
from shared.runtime.launcher import Cluster, service_env
from shared.runtime.settings import DoorstepSettings
from shared.testing.http import client_for
from shared.testing.polling import until
from shared.testing.sealing import household, scratch_sealer
from tests.conftest import settings_env
from tests.visits.stories import URN, visit_request

pytestmark = [pytest.mark.nats]
STREAM = "DOORSTEP_SECURE"


@pytest.fixture
def secured(tmp_path: Path) -> Iterator[tuple[NatsServer, Credentials, DoorstepSettings]]:
    settings = DoorstepSettings(environment="test", data_dir=tmp_path, stream_name=STREAM)
    credentials = Credentials(tmp_path / "auth", settings).ensure()
    credentials.issue_integrator("mis-t1", "t1")
    credentials.issue_integrator("mis-t2", "t2")
    server = start_nats_server(tmp_path / "nats", config=credentials.config)
    try:
        yield server, credentials, settings.model_copy(update={"nats_url": server.url})
    finally:
        server.stop()


async def connect(server: NatsServer, credentials: Credentials, name: str) -> nats.NATS:
    return await nats.connect(server.url, nkeys_seed=str(credentials.seed_file(name)),
                              allow_reconnect=False, error_cb=_quiet)


async def _quiet(error: Exception) -> None:  # permission violations arrive here; tests check
    return None


def requested(trust: str) -> VisitRequested:
    now = datetime.now(UTC)
    return VisitRequested(
        event_id=uuid4(), occurred_at=now, trust_id=trust, school_urn="123456",
        visit_id=uuid4(), actor=Actor(id="staff-0001", role=Role.STAFF), correlation_id=uuid4(),
        household_id="hh-1", purpose=scratch_sealer().seal(household(trust, "hh-1"), "welfare"),
        planned_date=now.date(),
        planned_start=now, planned_end=now, staff_ids=["staff-0001"], requested_by="staff-0001")


async def publish(client: nats.NATS, settings: DoorstepSettings, event: IntegrationEvent) -> None:
    wire = to_wire(event, root=settings.subject_root)
    await client.jetstream().publish(wire.subject, wire.body, headers=wire.headers,
                                     stream=STREAM, timeout=1.0)


@pytest.fixture
async def stream(secured) -> AsyncIterator[None]:
    server, credentials, settings = secured
    broker = NatsBroker(server.url, security=NatsNKey.from_file(credentials.seed_file(OPERATOR)))
    await broker.connect()
    await ensure_stream(broker, settings)
    yield
    await broker.stop()


async def test_a_client_without_a_key_cannot_connect(secured) -> None:
    server, _, _ = secured
    with pytest.raises(Exception, match=r"(?i)authorization"):
        await nats.connect(server.url, allow_reconnect=False, max_reconnect_attempts=0,
                           error_cb=_quiet)


async def test_each_service_publishes_only_its_own_aggregates(secured, stream) -> None:
    server, credentials, settings = secured
    visits = await connect(server, credentials, "visits")
    try:
        await publish(visits, settings, requested("t1"))  # its own: acknowledged
        incident = IncidentReported(
            event_id=uuid4(), occurred_at=datetime.now(UTC), trust_id="t1", school_urn="123456",
            actor=Actor(id="staff-0001", role=Role.STAFF), correlation_id=uuid4(),
            incident_id="inc-1", kind="verbal abuse",
            description=scratch_sealer().seal(household("t1", "hh-1"), "shouted at"), share_by=
            datetime.now(UTC), reported_by="staff-0001")
        with pytest.raises(nats.errors.TimeoutError):
            await publish(visits, settings, incident)  # records' subject: dropped by the server
        with pytest.raises(nats.errors.TimeoutError):
            await visits.jetstream().delete_stream(STREAM)  # nobody's service deletes the record
    finally:
        await visits.close()


async def test_the_pages_read_every_event_and_publish_none(secured, stream) -> None:
    server, credentials, settings = secured
    visits = await connect(server, credentials, "visits")
    await publish(visits, settings, requested("t1"))
    await visits.close()
    web = await connect(server, credentials, "web")
    try:
        following = await web.jetstream().subscribe(f"{settings.subject_root}.events.>",
                                                    ordered_consumer=True, stream=STREAM)
        heard = await following.next_msg(timeout=2)
        assert heard.headers is not None
        assert heard.headers["ce-type"] == "uk.doorstep.VisitRequested"
        with pytest.raises(nats.errors.TimeoutError):
            await publish(web, settings, requested("t1"))  # the pages publish no event
        with pytest.raises(nats.errors.TimeoutError):
            await web.jetstream().delete_stream(STREAM)
    finally:
        await web.close()


async def test_only_escalation_beats_and_the_pages_hear_it(secured) -> None:
    """A heartbeat faked by another service would hide escalation's silence: refused."""
    server, credentials, settings = secured
    subject = heartbeat_subject(settings.subject_root)
    web = await connect(server, credentials, "web")
    escalation = await connect(server, credentials, "escalation")
    visits = await connect(server, credentials, "visits")
    try:
        beats = await web.subscribe(subject)
        await web.flush()
        await visits.publish(subject, b'{"replica": "impostor"}')
        await visits.flush()
        await escalation.publish(subject, b'{"replica": "escalation-1"}')
        await escalation.flush()
        heard = await beats.next_msg(timeout=2)
        assert heard.data == b'{"replica": "escalation-1"}'
        with pytest.raises(nats.errors.TimeoutError):
            await beats.next_msg(timeout=0.5)  # the impostor's never arrived
    finally:
        for client in (web, escalation, visits):
            await client.close()


async def test_an_integrator_reads_its_own_trust_only_and_cannot_publish(secured, stream) -> None:
    server, credentials, settings = secured
    visits = await connect(server, credentials, "visits")
    for trust in ("t1", "t2", "t1"):
        await publish(visits, settings, requested(trust))
    await visits.close()

    t1, t2 = (await connect(server, credentials, "mis-t1"),
              await connect(server, credentials, "mis-t2"))
    try:
        own = await t1.jetstream().pull_subscribe(
            f"{settings.subject_root}.events.t1.>", durable="mis-t1", stream=STREAM)
        got = await own.fetch(10, timeout=2)
        assert [m.headers["ce-trustid"] for m in got] == ["t1", "t1"]
        for message in got:
            await message.ack()

        with pytest.raises(nats.errors.TimeoutError):  # t2 asks for a consumer on t1's events
            await t2.jetstream().add_consumer(STREAM, config=ConsumerConfig(
                name="mis-t2", durable_name="mis-t2",
                filter_subject=f"{settings.subject_root}.events.t1.>"), timeout=1.0)
        with pytest.raises(nats.errors.TimeoutError):  # or one named as another's
            await t2.jetstream().add_consumer(STREAM, config=ConsumerConfig(
                name="mis-t1", durable_name="mis-t1",
                filter_subject=f"{settings.subject_root}.events.t2.>"), timeout=1.0)

        forged = requested("t1")  # a forged request, with the integrator's key
        with pytest.raises(nats.errors.TimeoutError):
            await publish(t1, settings, forged)
        info = await t1.jetstream().consumer_info(STREAM, "mis-t1")
        assert info.num_pending == 0  # nothing new reached the stream
    finally:
        await t1.close()
        await t2.close()
    await asyncio.sleep(0)


async def test_the_services_work_with_their_own_keys(secured, stream, tmp_path: Path) -> None:
    """The same keys `doorstep up` gives them: a visit requested is heard by records."""
    _, credentials, settings = secured
    test_settings = settings.model_copy(update={"data_dir": tmp_path / "data"})
    cluster = Cluster.build(service_env(settings_env(test_settings)), tmp_path / "logs",
                            names=("visits", "records"))
    for name, process in cluster.processes.items():
        process.env["DOORSTEP_NATS_SEED_FILE"] = str(credentials.seed_file(name))
    cluster.start()
    try:
        staff = client_for(test_settings, cluster["visits"].url, user="staff-0001",
                           role="staff", schools=[URN])
        auditor = client_for(test_settings, cluster["records"].url, user="auditor-1",
                             role="auditor", schools=[])
        async with staff, auditor:
            created = await staff.post(f"/v1/schools/{URN}/visits", json=visit_request(["s1"]))
            visit_id = created.json()["visit_id"]

            async def history_of_the_visit() -> list[dict[str, object]]:
                answer = await auditor.get(f"/v1/schools/{URN}/visits/{visit_id}/history")
                events: list[dict[str, object]] = answer.json()["events"]
                return events

            history = await until(history_of_the_visit, "the request reach records", seconds=20,
                                  every=0.1)
        assert [event["type"] for event in history] == ["VisitRequested"]
    finally:
        cluster.stop()


async def test_a_revoked_integrator_is_locked_out_at_once(secured, tmp_path: Path) -> None:
    server, credentials, _ = secured
    kept = tmp_path / "kept.nk"  # a copy the integrator kept of its seed
    kept.write_text(credentials.seed_file("mis-t1").read_text())
    await (await connect(server, credentials, "mis-t1")).close()  # it connects today
    assert main(["integrator", "--data-dir", str(tmp_path), "--auth-dir", str(tmp_path / "auth"),
                 "revoke", "mis-t1"]) == 0  # rewrites auth.conf and reloads the server
    await asyncio.sleep(0.5)  # the reload is a signal: give the server a moment
    with pytest.raises(Exception, match=r"(?i)authorization"):
        await nats.connect(server.url, nkeys_seed=str(kept), allow_reconnect=False,
                           max_reconnect_attempts=0, error_cb=_quiet)
