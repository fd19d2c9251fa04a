"""A consumer's messages come through requests kept open ahead of them (shared/messaging/pulling.py):
in stream order, with fewer requests than messages, again after a request expires, and again
after the server restarts (its requests lost with it), on the wheel's real nats-server."""

from __future__ import annotations

import asyncio
import socket
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from uuid import uuid4

import nats
import nats.errors
from nats.aio.client import Client
from nats.aio.msg import Msg
from nats.js.api import AckPolicy, ConsumerConfig

from shared.messaging.nats_server import start_nats_server
from shared.messaging.pulling import PullStream
from shared.testing.polling import until


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@asynccontextmanager
async def consuming(url: str, stream: str, received: list[bytes], **pull: float
                    ) -> AsyncIterator[tuple[Client, PullStream]]:
    connection = await nats.connect(url, max_reconnect_attempts=-1, reconnect_time_wait=0.2)
    jsm = connection.jsm()
    await jsm.add_consumer(stream, config=ConsumerConfig(
        name="reader", durable_name="reader", ack_policy=AckPolicy.EXPLICIT))

    async def deliver(message: Msg) -> None:
        received.append(message.data)
        await message.ack()

    pulling = PullStream(connection, stream, "reader", deliver, batch=16, **pull)  # type: ignore[arg-type]
    await pulling.start()
    try:
        yield connection, pulling
    finally:
        await pulling.stop()
        await connection.close()


@asynccontextmanager
async def a_stream(tmp_path: Path) -> AsyncIterator[tuple[str, Client, str]]:
    """A nats-server of its own with a stream: its URL, a publishing connection, the stream."""
    server = start_nats_server(tmp_path / "nats")
    stream = f"PULL_{uuid4().hex[:8]}"
    try:
        publisher = await nats.connect(server.url)
        await publisher.jetstream().add_stream(name=stream, subjects=[f"{stream.lower()}.>"])
        yield server.url, publisher, stream
        await publisher.close()
    finally:
        server.stop()


async def test_messages_come_in_stream_order_with_fewer_requests_than_messages(
        tmp_path: Path) -> None:
    async with a_stream(tmp_path) as (url, publisher, stream):
        js = publisher.jetstream()
        requests: list[bytes] = []

        async def asked(message: Msg) -> None:
            requests.append(message.data)
        await publisher.subscribe(f"$JS.API.CONSUMER.MSG.NEXT.{stream}.reader", cb=asked)
        received: list[bytes] = []
        async with consuming(url, stream, received):
            sent = [f"{n}".encode() for n in range(200)]
            for body in sent[:100]:
                await js.publish(f"{stream.lower()}.m", body)
            for body in sent[100:]:  # one at a time, as on a quiet afternoon
                await js.publish(f"{stream.lower()}.m", body)
                await asyncio.sleep(0.002)
            await until(lambda: len(received), "all 200 received", seconds=10,
                        ready=lambda count: count >= 200)
        assert received == sent
        # nats-py's fetch asked at least twice a batch (a probe, then a wait): here a request
        # asks for 16 and the next goes out when half have come
        assert len(requests) <= 200 // 8 + 2, len(requests)


async def test_a_quiet_consumer_asks_again_when_its_request_expires(tmp_path: Path) -> None:
    async with a_stream(tmp_path) as (url, publisher, stream):
        js = publisher.jetstream()
        received: list[bytes] = []
        async with consuming(url, stream, received, expires=0.5, heartbeat=0.2):
            await asyncio.sleep(1.6)  # three requests have expired by now
            await js.publish(f"{stream.lower()}.m", b"after a quiet spell")
            await until(lambda: list(received), "the message received", seconds=5,
                        ready=lambda got: got == [b"after a quiet spell"])


async def test_messages_come_again_after_the_server_restarts(tmp_path: Path) -> None:
    """A restarted server has forgotten the requests that waited on it; the silence (no
    heartbeat) shows it, and the stream asks again."""
    port = free_port()
    server = start_nats_server(tmp_path / "nats", port=port)
    stream = f"PULL_{uuid4().hex[:8]}"
    received: list[bytes] = []
    try:
        setup = await nats.connect(server.url)
        await setup.jetstream().add_stream(name=stream, subjects=[f"{stream.lower()}.>"])
        await setup.close()
        async with consuming(server.url, stream, received, heartbeat=0.3) as (connection, _):
            js = connection.jetstream()
            await js.publish(f"{stream.lower()}.m", b"before")
            await until(lambda: list(received), "the first received", seconds=5,
                        ready=lambda got: got == [b"before"])
            server.stop()
            server = start_nats_server(tmp_path / "nats", port=port)
            await until(lambda: connection.is_connected, "reconnected", seconds=10,
                        ready=bool)
            for _ in range(20):  # JetStream takes a moment to recover the stream
                try:
                    await js.publish(f"{stream.lower()}.m", b"after", timeout=1)
                    break
                except nats.errors.Error:
                    await asyncio.sleep(0.25)
            await until(lambda: list(received), "the second received", seconds=10,
                        ready=lambda got: got == [b"before", b"after"])
    finally:
        server.stop()
