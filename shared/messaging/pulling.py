"""A durable pull consumer's messages as they come: requests kept open ahead of them.

nats-py's `fetch` asks twice for every batch (a no-wait probe, answered 404 when nothing waits,
then a waiting request) and returns what came. At a few events a second each event was its own
batch: two requests, a 404, and their socket writes on both sides, for every event in every
consumer. Here, as in nats.go's `Consume`, a request asks for up to `batch` messages and waits
up to `expires`; when half of what was asked for has come, another asks for the rest, so
messages flow with a request already waiting for them.

The server says what became of each request: an idle heartbeat every `heartbeat` while one waits
(so silence means it is gone: a reconnect, a restarted server), 408 when one expired (with how
many of its messages never came), 409 when it was refused or cut short. Whatever is not coming is
asked for again. Messages are handed on in the order they arrive, which is stream order.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import Awaitable, Callable

from nats.aio.client import Client
from nats.aio.msg import Msg
from nats.aio.subscription import Subscription

log = logging.getLogger(__name__)

ACK_PREFIX = "$JS.ACK."
STATUS, PENDING = "Status", "Nats-Pending-Messages"
HEARTBEAT, EXPIRED = "100", "408"


class PullStream:
    def __init__(self, connection: Client, stream: str, durable: str,
                 deliver: Callable[[Msg], Awaitable[None]], *, batch: int = 64,
                 expires: float = 30.0, heartbeat: float = 5.0, retry: float = 0.5) -> None:
        self.connection = connection
        self.next_subject = f"$JS.API.CONSUMER.MSG.NEXT.{stream}.{durable}"
        self.deliver = deliver
        self.batch, self.expires, self.heartbeat, self.retry = batch, expires, heartbeat, retry
        self.asked = 0  # messages asked for that have not come, nor been given up
        self.heard = time.monotonic()  # anything from the server for our requests
        self.inbox = connection.new_inbox()
        self.subscription: Subscription | None = None
        self.watching: asyncio.Task[None] | None = None

    async def start(self) -> None:
        self.subscription = await self.connection.subscribe(self.inbox, cb=self._on_message)
        self.watching = asyncio.create_task(self._watch(), name=f"pull {self.next_subject}")
        await self._top_up()

    async def stop(self) -> None:
        if self.watching is not None:
            self.watching.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self.watching
        if self.subscription is not None:
            with contextlib.suppress(Exception):  # the connection may be closed already
                await self.subscription.unsubscribe()

    async def _on_message(self, message: Msg) -> None:
        self.heard = time.monotonic()
        if message.reply.startswith(ACK_PREFIX):  # a message of the stream
            self.asked = max(0, self.asked - 1)
            await self.deliver(message)
            await self._top_up()
            return
        headers = message.headers or {}
        status = headers.get(STATUS, "")
        if status == HEARTBEAT:
            return
        # The request ended (expired, refused, cut short): what it still owed is not coming.
        owed = headers.get(PENDING)
        self.asked = max(0, self.asked - int(owed)) if owed and owed.isdigit() else 0
        if status != EXPIRED:
            log.warning("pull request on %s ended: %s %s; asking again", self.next_subject,
                        status, headers.get("Description", ""))
            return  # asked again by the watch, after `retry`, not in a tight loop
        await self._top_up()

    async def _top_up(self) -> None:
        """Ask for more once half of what was asked for has come."""
        if self.asked > self.batch // 2:
            return
        wanted = self.batch - self.asked
        request = (f'{{"batch":{wanted},"expires":{int(self.expires * 1e9)},'
                   f'"idle_heartbeat":{int(self.heartbeat * 1e9)}}}').encode()
        try:
            await self.connection.publish(self.next_subject, request, reply=self.inbox)
        except Exception as error:  # e.g. reconnecting: the watch asks again
            log.warning("cannot ask %s for messages (%r); retrying", self.next_subject, error)
            return
        self.asked += wanted

    async def _watch(self) -> None:
        """Ask again what failed to be asked, and take silence past two heartbeats as every
        request lost (the server sends one while a request waits)."""
        while True:
            await asyncio.sleep(self.retry)
            if time.monotonic() - self.heard > 2 * self.heartbeat:
                if self.asked:
                    log.info("no word on %s for %.0f s: asking again", self.next_subject,
                             2 * self.heartbeat)
                self.asked, self.heard = 0, time.monotonic()
            await self._top_up()
