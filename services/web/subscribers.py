"""What the pages hear from the bus: every event, onto the schools' boards.

`Live` follows the stream (every event of the last hours, then each new one) with an ordered
consumer, applies each to its school's `Board` (`domain`), and tells the pages open on that
school that its board changed (server-sent events, `api/board.py`).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections import Counter, defaultdict
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from functools import partial
from typing import Any

import nats
from nats.aio.client import Client as NATS
from nats.aio.msg import Msg
from nats.js import JetStreamContext
from nats.js.api import ConsumerConfig, DeliverPolicy

from services.web.domain import Board
from shared.contracts.authorisation import StaffRolesChanged
from shared.messaging.credentials import connect_options
from shared.messaging.envelope import EnvelopeError, from_wire, trace_of
from shared.messaging.waiting import JetStreamUnavailable, JetStreamWait
from shared.observability import tracing
from shared.runtime.settings import DoorstepSettings
from shared.security.directory import SchoolDirectory

log = logging.getLogger(__name__)
School = tuple[str, str]  # (trust, urn)


class Live:
    def __init__(self, settings: DoorstepSettings, history: timedelta) -> None:
        self.settings = settings
        self.history = history
        self.boards: dict[School, Board] = defaultdict(Board)
        # each school's staff register changes heard: what the pages learnt of its names is
        # good until the next one (services/web/api/people.py)
        self.register_changes: Counter[School] = Counter()
        self.listeners: dict[School, set[asyncio.Queue[str]]] = defaultdict(set)
        self.client: NATS | None = None
        self.caught_up = asyncio.Event()
        self._last_at_start = 0
        self.directory = SchoolDirectory()
        self.jetstream = JetStreamWait(settings.jetstream_wait_seconds)
        self._subscription: Any = None

    def board(self, trust: str, urn: str) -> Board:
        return self.boards[(trust, urn)]

    def schools_of(self, trust: str) -> list[str]:
        return sorted(urn for (owner, urn) in self.boards if owner == trust)

    async def start(self) -> None:
        """Connect, read the last hours, then follow; each step waits for JetStream
        (`self.jetstream`, bounded by `jetstream_wait_seconds`) rather than failing."""
        wait = self.jetstream
        await wait.step("connecting to NATS", self._connect, self._disconnect)
        assert self.client is not None
        js = self.client.jetstream()
        await wait.step("reading the stream", partial(self._follow, js), self._unfollow)
        await wait.step("reading the schools",
                        partial(self.directory.follower.start, self.client, self.settings),
                        self.directory.follower.stop)
        wait.done()

    async def _connect(self) -> None:
        self.client = await nats.connect(self.settings.nats_servers, name="doorstep-web",
                                         error_cb=_connection_trouble,
                                         **connect_options(self.settings))

    async def _disconnect(self) -> None:
        if self.client is not None:
            await self.client.close()

    async def _follow(self, js: JetStreamContext) -> None:
        since = datetime.now(UTC) - self.history
        info = await js.stream_info(self.settings.stream_name)  # made by the services
        last = self._last_at_start = info.state.last_seq
        config = ConsumerConfig(deliver_policy=DeliverPolicy.BY_START_TIME,
                                opt_start_time=since)
        self._subscription = await js.subscribe(
            f"{self.settings.subject_root}.events.>", cb=self._heard, ordered_consumer=True,
            config=config, stream=self.settings.stream_name)
        if last == 0:
            self.caught_up.set()

    async def _unfollow(self) -> None:
        if self._subscription is not None:
            await self._subscription.unsubscribe()
            self._subscription = None

    async def _heard(self, msg: Msg) -> None:
        try:
            event = from_wire(msg.headers, msg.data)
        except EnvelopeError as error:
            log.warning("board skips a message it cannot read: %s", error)
            return
        finally:
            with contextlib.suppress(Exception):
                if msg.metadata.sequence.stream >= self._last_at_start:
                    self.caught_up.set()
        with tracing.span(f"board {event.event_type()}", tracing.SpanKind.CONSUMER,
                          trace_of(msg.headers), {"doorstep.event_type": event.event_type()}):
            school = (event.trust_id, event.school_urn)
            if isinstance(event, StaffRolesChanged):
                self.register_changes[school] += 1
            data = event.model_dump(mode="python")
            if self.boards[school].apply(event.event_type(), data, event.occurred_at):
                for queue in list(self.listeners[school]):
                    queue.put_nowait(event.event_type())

    def listen(self, trust: str, urn: str) -> asyncio.Queue[str]:
        queue: asyncio.Queue[str] = asyncio.Queue()
        self.listeners[(trust, urn)].add(queue)
        return queue

    def leave(self, trust: str, urn: str, queue: asyncio.Queue[str]) -> None:
        self.listeners[(trust, urn)].discard(queue)

    async def come_up(self, give_up: Callable[[], None] | None) -> None:
        """`start`, and past the bound, `give_up` (the process exits with status 1)."""
        try:
            await self.start()
        except JetStreamUnavailable as error:
            self.jetstream.reason = str(error)
            log.error("%s: giving up", error)
            if give_up is not None:
                give_up()

    async def stop(self) -> None:
        if self.client is not None:
            with contextlib.suppress(Exception):  # never connected, or closed while waiting
                await self.client.drain()


async def _connection_trouble(error: Exception) -> None:
    """One line, not nats-py's traceback per reconnection attempt."""
    log.warning("NATS connection: %r", error)
