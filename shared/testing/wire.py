"""Watch what is really on the stream: every message, decoded, with its raw headers."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import nats
from nats.aio.client import Client
from nats.aio.msg import Msg

from shared.contracts import IntegrationEvent
from shared.messaging.credentials import connect_options
from shared.messaging.envelope import from_wire
from shared.runtime.settings import DoorstepSettings
from shared.testing.polling import until


@dataclass
class Seen:
    subject: str
    headers: dict[str, str]
    event: IntegrationEvent


@dataclass
class EventTap:
    """An ordered consumer over the whole event stream, from its first message."""

    settings: DoorstepSettings
    seen: list[Seen] = field(default_factory=list)
    client: Client | None = None

    async def __aenter__(self) -> EventTap:
        self.client = await nats.connect(self.settings.nats_servers,
                                         **connect_options(self.settings))
        js = self.client.jetstream()
        await js.subscribe(f"{self.settings.subject_root}.events.>", cb=self._on,
                           ordered_consumer=True, stream=self.settings.stream_name)
        return self

    async def __aexit__(self, *exc: Any) -> None:
        if self.client:
            await self.client.close()

    async def _on(self, msg: Msg) -> None:
        headers = dict(msg.headers or {})
        self.seen.append(Seen(msg.subject, headers, from_wire(headers, msg.data)))

    def of_type(self, name: str) -> list[IntegrationEvent]:
        return [s.event for s in self.seen if s.event.event_type() == name]

    async def wait_for(self, check: Callable[[list[Seen]], bool], timeout: float = 20.0,
                       what: str = "events") -> list[Seen]:
        """The events seen, once `check` holds of them."""
        return await until(lambda: self.seen, what, seconds=timeout, ready=check,
                           show=lambda seen: [s.event.event_type() for s in seen])

    async def wait_for_type(self, name: str, count: int = 1, timeout: float = 20.0
                            ) -> list[IntegrationEvent]:
        await self.wait_for(lambda seen: len([s for s in seen if s.event.event_type() == name])
                            >= count, timeout, f"{count} x {name}")
        return self.of_type(name)


async def where_it_stopped(settings: DoorstepSettings) -> str:
    """The stream's subjects and each durable consumer's progress, for a failure to name where
    an event stopped: never published, or published and not taken."""
    nc = await nats.connect(settings.nats_servers, **connect_options(settings))
    try:
        jsm = nc.jsm()
        info = await jsm.stream_info(settings.stream_name, subjects_filter=">")
        consumers = [f"{c.name}: delivered {c.delivered and c.delivered.stream_seq}, ack floor "
                     f"{c.ack_floor and c.ack_floor.stream_seq}, pending {c.num_pending}, "
                     f"awaiting ack {c.num_ack_pending}, redelivered {c.num_redelivered}"
                     for c in await jsm.consumers_info(settings.stream_name)]
        return f"stream {info.state.subjects}; consumers {consumers}"
    finally:
        await nc.close()
