"""What the pages hear from the bus: every event, onto the schools' boards.

`Live` follows the stream (every event of the last hours, then each new one) with an ordered
consumer, applies each to its school's `Board` (`domain`), and tells the pages open on that
school that its board changed (server-sent events, `api/board.py`).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections import defaultdict
from datetime import UTC, datetime, timedelta

import nats
from nats.aio.client import Client as NATS
from nats.aio.msg import Msg
from nats.js import JetStreamContext
from nats.js.api import ConsumerConfig, DeliverPolicy, StreamInfo
from nats.js.errors import NotFoundError

from services.web.domain import Board
from shared.messaging.credentials import connect_options
from shared.messaging.envelope import EnvelopeError, from_wire, trace_of
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
        self.listeners: dict[School, set[asyncio.Queue[str]]] = defaultdict(set)
        self.client: NATS | None = None
        self.caught_up = asyncio.Event()
        self._last_at_start = 0
        self.directory = SchoolDirectory()

    def board(self, trust: str, urn: str) -> Board:
        return self.boards[(trust, urn)]

    def schools_of(self, trust: str) -> list[str]:
        return sorted(urn for (owner, urn) in self.boards if owner == trust)

    async def start(self) -> None:
        self.client = await nats.connect(self.settings.nats_servers, name="doorstep-web",
                                         **connect_options(self.settings))
        js = self.client.jetstream()
        since = datetime.now(UTC) - self.history
        info = await self._stream_info(js)
        last = self._last_at_start = info.state.last_seq
        config = ConsumerConfig(deliver_policy=DeliverPolicy.BY_START_TIME,
                                opt_start_time=since)
        await js.subscribe(f"{self.settings.subject_root}.events.>", cb=self._heard,
                           ordered_consumer=True, config=config,
                           stream=self.settings.stream_name)
        if last == 0:
            self.caught_up.set()
        await self.directory.follower.start(self.client, self.settings)

    async def _stream_info(self, js: JetStreamContext) -> StreamInfo:
        """The services make the stream as they start, maybe just after the pages do."""
        for _ in range(150):
            try:
                return await js.stream_info(self.settings.stream_name)
            except NotFoundError:
                await asyncio.sleep(0.2)
        return await js.stream_info(self.settings.stream_name)

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

    async def stop(self) -> None:
        if self.client is not None:
            await self.client.drain()
