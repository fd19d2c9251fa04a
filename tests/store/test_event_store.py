"""The same store tests on SQLite and on a real PostgreSQL, each in its own file or schema."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from uuid import UUID, uuid4

import psycopg
import pytest

from services.visits.application import VisitsApplication
from services.visits.integration import translate
from shared.contracts import Actor, IntegrationEvent, Role
from shared.contracts.meta import command_meta
from shared.messaging.outbox import OutboxRelay
from shared.messaging.refusals import list_refusals, record_refusal
from shared.runtime.settings import DoorstepSettings
from shared.storage.store import store_env
from shared.testing.polling import until
from shared.testing.sealing import sealer_for
from shared.testing.servers import schema_suffix
from tests.visits.stories import visit_request

STAFF = Actor(id="staff-0001", role=Role.STAFF)
ADDRESS = "1 Secret Lane, Kings Lynn"


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def settings(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[DoorstepSettings]:
    suffix = schema_suffix()
    values: dict[str, object] = {"data_dir": tmp_path, "schema_suffix": suffix}
    if request.param == "postgres":
        url = request.getfixturevalue("database_url")
        values["database_url"] = url
    settings = DoorstepSettings(**values)  # type: ignore[arg-type]
    yield settings
    if settings.database_url:
        with psycopg.connect(settings.database_url, autocommit=True) as connection:
            connection.execute(f'DROP SCHEMA IF EXISTS "visits{suffix}" CASCADE')


def open_app(settings: DoorstepSettings) -> VisitsApplication:
    return VisitsApplication(store_env(settings, "visits"), sealer=sealer_for(settings))


def request_visit(app: VisitsApplication) -> UUID:
    meta = command_meta(trust_id="dev-trust", school_urn="123456", actor=STAFF,
                        correlation_id=uuid4(), causation_id=None)
    request = visit_request(["staff-0001"], purpose=f"welfare check at {ADDRESS}")
    return app.request_visit(request | {"requested_by": STAFF.id}, meta)


def acked_at_once(sent: list[UUID | None]) -> Any:
    """A relay's `send` that notes each event's visit and is acknowledged at once."""
    async def send(event: IntegrationEvent, trace: object = None) -> asyncio.Future[None]:
        sent.append(event.visit_id)
        ack: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        ack.set_result(None)
        return ack
    return send


def test_a_visit_reads_back_after_reopening_the_store(settings: DoorstepSettings) -> None:
    app = open_app(settings)
    visit_id = request_visit(app)
    app.close()
    again = open_app(settings)
    visit = again.visit(visit_id, "123456")
    assert ADDRESS not in visit.request["purpose"]  # sealed in the aggregate as in the store
    assert ADDRESS in again.sealer.unseal(visit.request["purpose"])
    assert again.recorder.max_notification_id() == 1
    again.close()


def test_personal_data_is_encrypted_at_rest(settings: DoorstepSettings) -> None:
    app = open_app(settings)
    request_visit(app)
    [notification] = app.recorder.select_notifications(start=1, limit=10)
    assert b"Secret Lane" not in notification.state
    app.close()


async def test_the_relay_publishes_in_order_and_resumes_where_it_stopped(
        settings: DoorstepSettings) -> None:
    published: list[IntegrationEvent] = []

    async def publish(event: IntegrationEvent, trace: object = None) -> asyncio.Future[None]:
        published.append(event)
        acknowledged: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        acknowledged.set_result(None)
        return acknowledged

    app = open_app(settings)
    first = [request_visit(app) for _ in range(3)]
    relay = OutboxRelay(app, app.factory.tracking_recorder(), translate, publish)
    assert await relay.relay_once() == 3
    assert [e.visit_id for e in published] == first
    app.close()

    app = open_app(settings)  # a restart: the position was saved in the store
    later = request_visit(app)
    relay = OutboxRelay(app, app.factory.tracking_recorder(), translate, publish)
    assert relay.position() == 3
    assert await relay.relay_once() == 1
    assert [e.visit_id for e in published] == [*first, later]
    app.close()


def test_a_refused_message_is_recorded_once_however_often_it_comes(
        settings: DoorstepSettings) -> None:
    app = open_app(settings)
    for _ in range(3):
        record_refusal(app, stream="S", stream_sequence=7, subject="doorstep.events.x",
                       reason="not a CloudEvent", headers={}, body=b"junk")
    [refused] = list_refusals(app)
    assert (refused.stream_sequence, refused.reason) == (7, "not a CloudEvent")
    app.close()


async def test_a_failed_acknowledgement_keeps_the_position_before_it(
        settings: DoorstepSettings) -> None:
    sent: list[IntegrationEvent] = []
    refuse = {2}  # the third publish gets no acknowledgement

    async def send(event: IntegrationEvent, trace: object = None) -> asyncio.Future[None]:
        ack: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        if len(sent) in refuse:
            ack.set_exception(TimeoutError("no ack from JetStream"))
        else:
            ack.set_result(None)
        sent.append(event)
        return ack

    app = open_app(settings)
    visits = [request_visit(app) for _ in range(5)]
    relay = OutboxRelay(app, app.factory.tracking_recorder(), translate, send,
                        save_every_seconds=0)
    with pytest.raises(TimeoutError):
        await relay.relay_once()
    assert relay.position() == 2  # the first two, acknowledged in order; nothing skipped
    refuse.clear()
    assert await relay.relay_once() == 3
    assert relay.position() == 5
    resent = [e.visit_id for e in sent[5:]]
    assert resent == visits[2:]  # sent again from the failure on; JetStream drops duplicates by id
    app.close()


async def test_a_busy_relay_writes_its_position_now_and_then_and_a_restart_resends_the_rest(
        settings: DoorstepSettings) -> None:
    """The position is written at most every `save_every_seconds` (and at shutdown); a crash in
    between sends the unwritten ones again (with their ids, which JetStream de-duplicates), never
    skips one."""
    sent: list[UUID | None] = []
    send = acked_at_once(sent)

    app = open_app(settings)
    relay = OutboxRelay(app, app.factory.tracking_recorder(), translate, send,
                        save_every_seconds=3600)
    first = request_visit(app)
    assert await relay.relay_once() == 1
    assert relay.position() == 1  # the first round writes at once
    more = [request_visit(app) for _ in range(2)]
    assert await relay.relay_once() == 2
    assert (relay.position(), relay.backlog()) == (1, 0)  # busy: not written yet, but sent
    app.close()  # a crash before the next write

    app = open_app(settings)
    relay = OutboxRelay(app, app.factory.tracking_recorder(), translate, send,
                        save_every_seconds=3600)
    assert await relay.relay_once() == 2  # the unwritten two go again
    assert sent == [first, *more, *more]
    assert await relay.relay_once() == 0
    await relay.save_reached()  # what a round does once it is due, and `stop` does
    assert relay.position() == 3
    app.close()


async def test_a_second_replicas_relay_skips_what_the_first_published(
        settings: DoorstepSettings) -> None:
    """Two replicas of a service share one store, each with its relay: the one that finds the
    other ahead takes its position, rather than publishing everything a second time."""
    sent: dict[str, list[UUID | None]] = {"first": [], "second": []}

    def sender(name: str) -> Any:
        return acked_at_once(sent[name])

    app = open_app(settings)
    first, second = (OutboxRelay(app, app.factory.tracking_recorder(), translate, sender(name),
                                 save_every_seconds=3600) for name in ("first", "second"))
    assert await second.relay_once() == 0  # running, with nothing to publish yet
    visits = [request_visit(app) for _ in range(3)]
    assert await first.relay_once() == 3
    await second.save_reached()  # what an idle relay does every `save_every_seconds`
    assert await second.relay_once() == 0
    assert (sent["first"], sent["second"]) == (visits, [])
    later = request_visit(app)
    assert await second.relay_once() == 1  # and it carries on from there
    assert sent["second"] == [later]
    app.close()


class _Counted:
    """Counts the calls to one method of an object, passing them through; `firsts` keeps each
    call's first argument (a select's start)."""

    def __init__(self, target: Any, name: str) -> None:
        self.calls = 0
        self.firsts: list[Any] = []
        method = getattr(target, name)

        def counted(*args: Any, **kwargs: Any) -> Any:
            self.calls += 1
            self.firsts.append(args[0] if args else None)
            return method(*args, **kwargs)
        setattr(target, name, counted)


async def test_an_idle_relay_waits_for_a_nudge_and_keeps_its_position_writes_spaced(
        settings: DoorstepSettings) -> None:
    """At a few check-ins a second each is its own round. A round that found fewer events than
    it asked for has seen the end of the log, so the relay waits for a nudge (or its poll) rather
    than asking again at once, and an idle relay writes or reads its position at most every
    `save_every_seconds`, not at every poll (each was a store round trip an event)."""
    sent: list[UUID | None] = []
    send = acked_at_once(sent)

    app = open_app(settings)
    tracking = app.factory.tracking_recorder()
    relay = OutboxRelay(app, tracking, translate, send, poll_seconds=0.02,
                        save_every_seconds=3600)
    selects = _Counted(app.recorder, "select_notifications")
    positions = _Counted(tracking, "max_tracking_id")
    running = asyncio.create_task(relay.run_forever())
    try:
        first = request_visit(app)
        relay.nudge()
        for _ in range(100):
            if sent:
                break
            await asyncio.sleep(0.01)
        selects.calls = positions.calls = 0
        await asyncio.sleep(0.2)  # about ten polls, with nothing new
        assert sent == [first]
        assert relay.position() == 1  # the first round's position, written at once
        assert positions.calls == 1  # only the read just above: idle polls did not read it
        assert selects.calls <= 12  # one a poll, not one straight after each round
        second = request_visit(app)
        relay.nudge()
        for _ in range(100):
            if len(sent) == 2:
                break
            await asyncio.sleep(0.01)
        assert sent == [first, second]
        assert relay.saved == 1  # not written again within save_every_seconds...
        await relay.save_reached()  # ...but at shutdown (`stop` does this)
        assert relay.position() == 2
    finally:
        running.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await running
        app.close()


async def test_a_save_in_this_process_wakes_the_relay_without_a_nudge_or_a_poll(
        settings: DoorstepSettings) -> None:
    """Whatever this process stores (a command, a consumer's handling, a scheduler's round)
    wakes the relay from the thread that stored it, so an idle relay need not poll its store
    twenty times a second: the poll is left for what other processes write."""
    sent: list[UUID | None] = []
    app = open_app(settings)
    relay = OutboxRelay(app, app.factory.tracking_recorder(), translate, acked_at_once(sent),
                        poll_seconds=30)
    running = asyncio.create_task(relay.run_forever())
    try:
        await asyncio.sleep(0.1)  # the first round has found nothing and waits
        saved = await asyncio.to_thread(request_visit, app)  # a worker thread's save, no nudge
        await until(lambda: list(sent), "the save published", seconds=2)
        assert sent == [saved]
    finally:
        running.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await running
        app.close()


async def test_what_this_process_stored_is_relayed_without_reading_it_back(
        settings: DoorstepSettings) -> None:
    """A save here hands the relay its notifications at once: no thread, no query (at a steady
    few check-ins a second each is a round of its own). Once the next notification is another
    process's, only the store can tell what it is, and the relay reads it, in order."""
    sent: list[UUID | None] = []
    ours, theirs = open_app(settings), open_app(settings)  # two replicas of one service
    reads = _Counted(ours.recorder, "select_notifications")
    relay = OutboxRelay(ours, ours.factory.tracking_recorder(), translate, acked_at_once(sent))
    try:
        mine = [request_visit(ours) for _ in range(3)]
        assert await relay.relay_once() == 3
        assert (sent, reads.firsts) == (mine, [])
        first, second = request_visit(theirs), request_visit(ours)  # ids 4 and 5
        assert await relay.relay_once() == 2
        assert sent == [*mine, first, second]
        assert reads.firsts == [4]
    finally:
        ours.close()
        theirs.close()
