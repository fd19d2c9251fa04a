"""The life of one service process: store, bus, relay and subscribers, started and stopped as one."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import threading
from collections.abc import AsyncIterator, Awaitable, Callable, Sequence
from dataclasses import dataclass, field
from functools import partial
from typing import Any, TypeVar

from eventsourcing.application import Application
from fastapi import APIRouter, Depends, FastAPI, Request
from fastapi.responses import JSONResponse
from faststream.nats import NatsBroker

from shared.http.answers import ERROR_RESPONSES, install_error_handlers
from shared.messaging.bus import Consumer, EventPublisher, Subscription, ensure_stream
from shared.messaging.credentials import broker_security
from shared.messaging.outbox import OutboxRelay, Translate
from shared.messaging.refusals import list_refusals, record_refusal
from shared.messaging.waiting import JetStreamUnavailable, JetStreamWait
from shared.runtime.settings import DoorstepSettings
from shared.security.access import check_complete, enforce
from shared.security.directory import SchoolDirectory
from shared.security.register import StaffRegisters
from shared.security.tokens import CurrentPrincipal
from shared.service.observed import Observer, install, observe_forever
from shared.storage.batching import CommandBatches
from shared.storage.groupcommit import GroupCommitted

log = logging.getLogger(__name__)

BackgroundTask = Callable[["Runtime"], Awaitable[None]]
R = TypeVar("R")


@dataclass
class Runtime:
    """Everything a running service holds; built in the lifespan, never at import."""

    name: str
    settings: DoorstepSettings
    app: Application[Any]
    translate: Translate
    subscriptions: Sequence[Subscription] = ()
    background: Sequence[BackgroundTask] = ()
    observers: Sequence[Observer] = ()  # the service's own gauges, read with the consumers' lag
    broker: NatsBroker | None = None
    publisher: EventPublisher | None = None
    relay: OutboxRelay | None = None
    tasks: list[asyncio.Task[None]] = field(default_factory=list)
    consumers: list[Consumer] = field(default_factory=list)
    registers: StaffRegisters = field(default_factory=StaffRegisters)
    directory: SchoolDirectory = field(default_factory=SchoolDirectory)
    commands: CommandBatches | None = None
    jetstream: JetStreamWait = field(default_factory=lambda: JetStreamWait(0.0))
    coming_up: asyncio.Task[None] | None = None

    async def command(self, key: str, run: Callable[[], R]) -> R:
        """Run an HTTP command (load, step, save) in a batch with the others queued with it
        (shared/storage/batching.py); answers once its events are stored (which wakes the relay:
        `OutboxRelay._wake_on_store`)."""
        if self.commands is None:
            assert isinstance(self.app, GroupCommitted), "commands need a group-committed app"
            self.commands = CommandBatches(self.app)
        return await self.commands.run(key, run)

    def refuse(self, stream: str, sequence: int, subject: str, reason: str,
               headers: dict[str, str], body: bytes) -> None:
        record_refusal(self.app, stream=stream, stream_sequence=sequence, subject=subject,
                       reason=reason, headers=headers, body=body)


BuildRuntime = Callable[[DoorstepSettings], Runtime]


async def start(runtime: Runtime, give_up: Callable[[], None] | None = None) -> None:
    """Connect and come up on JetStream. Returns once up, or as soon as JetStream keeps it
    waiting: coming up then goes on in the background while /health says what it waits for,
    and after `jetstream_wait_seconds` the process gives up (`give_up`: exit status 1)."""
    settings = runtime.settings
    runtime.jetstream = JetStreamWait(settings.jetstream_wait_seconds)
    runtime.coming_up = asyncio.create_task(_come_up(runtime, give_up), name="come up")
    waiting = asyncio.create_task(runtime.jetstream.waiting.wait())
    await asyncio.wait({runtime.coming_up, waiting}, return_when=asyncio.FIRST_COMPLETED)
    waiting.cancel()
    if runtime.coming_up.done():
        runtime.coming_up.result()  # a failure before any waiting fails the start, as before


async def _come_up(runtime: Runtime, give_up: Callable[[], None] | None) -> None:
    try:
        await _on_jetstream(runtime)
        _run_in_background(runtime)
    except JetStreamUnavailable as error:
        runtime.jetstream.reason = str(error)
        log.error("%s: giving up", error)
        if give_up is None:
            raise
        give_up()
    except Exception:
        if not runtime.jetstream.waiting.is_set() or give_up is None:
            raise
        log.exception("coming up failed after waiting for JetStream: giving up")
        give_up()


async def _on_jetstream(runtime: Runtime) -> None:
    settings, wait = runtime.settings, runtime.jetstream
    broker = NatsBroker(settings.nats_servers, name=f"doorstep-{runtime.name}",
                        max_reconnect_attempts=-1, connect_timeout=5, drain_timeout=5,
                        security=broker_security(settings))
    runtime.broker = broker
    await wait.step("connecting to NATS", broker.connect)
    await wait.step("making the stream", lambda: ensure_stream(broker, settings))
    for follower in (runtime.directory.follower, runtime.registers.follower):
        await wait.step(f"reading the {follower.aggregate}s",
                        partial(follower.start, broker.connection, settings), follower.stop)
    for subscription in runtime.subscriptions:
        consumer = Consumer(settings, subscription, runtime.refuse)
        # nothing to undo: its pull subscription is made last, and a retry makes the same one
        await wait.step(f"consumer {consumer.durable}", partial(consumer.start, broker.connection))
        runtime.consumers.append(consumer)
    await wait.step("starting the broker", broker.start)
    wait.done()


def _run_in_background(runtime: Runtime) -> None:
    settings = runtime.settings
    assert runtime.broker is not None
    runtime.publisher = EventPublisher(runtime.broker, settings,
                                       source=f"/doorstep/{runtime.name}")
    tracking = runtime.app.factory.tracking_recorder()
    runtime.relay = OutboxRelay(runtime.app, tracking, runtime.translate,
                                runtime.publisher.send, poll_seconds=settings.relay_poll_seconds,
                                fault=settings.fault, service=runtime.name)
    if not settings.relay_hold:
        runtime.tasks.append(asyncio.create_task(_forever("relay", runtime.relay.run_forever)))
    if settings.metrics:
        connection, relay = runtime.broker.connection, runtime.relay
        runtime.tasks.append(asyncio.create_task(_forever("metrics", lambda: observe_forever(
            runtime.name, settings, connection, runtime.consumers, relay, runtime.observers))))
    for background in runtime.background:
        runtime.tasks.append(asyncio.create_task(_forever(background.__name__,
                                                          _bind(background, runtime))))


def _bind(task: BackgroundTask, runtime: Runtime) -> Callable[[], Awaitable[None]]:
    return lambda: task(runtime)


async def stop(runtime: Runtime) -> None:
    if runtime.settings.fault == "hang-on-stop":  # a worker thread that never returns
        threading.Thread(target=threading.Event().wait, name="stuck").start()
    coming_up = [runtime.coming_up] if runtime.coming_up is not None else []
    for task in [*coming_up, *runtime.tasks]:
        task.cancel()
    for task in [*coming_up, *runtime.tasks]:
        with contextlib.suppress(asyncio.CancelledError, Exception):
            await task
    await runtime.directory.follower.stop()
    await runtime.registers.follower.stop()
    for consumer in runtime.consumers:
        await consumer.close()
    if runtime.broker is not None:
        connection = runtime.broker.connection if runtime.jetstream.ready else None
        if connection is not None and not connection.is_connected:
            await connection.close()  # NATS is gone (e.g. with the launcher): nothing to drain
        with contextlib.suppress(Exception):  # a broker still waiting for JetStream
            await runtime.broker.stop()
    # A cancelled relay's last position save runs on in its thread: the store closes only after
    # it (closing SQLite under a running statement crashed the process).
    if runtime.relay is None:
        runtime.app.close()
        return
    with contextlib.suppress(Exception):  # the position reached, so a restart need not resend
        await runtime.relay.save_reached()
    await asyncio.to_thread(runtime.relay.saving.acquire)
    try:
        runtime.relay.closed = True
        runtime.app.close()
    finally:
        runtime.relay.saving.release()


async def _forever(name: str, loop: Callable[[], Awaitable[None]]) -> None:
    """A background loop that must not die quietly: a crash is logged and the loop restarts."""
    while True:
        try:
            await loop()
            return
        except asyncio.CancelledError:
            raise
        except Exception:
            log.exception("background task %s failed; restarting in 1 s", name)
            await asyncio.sleep(1.0)


def create_api(name: str, build: BuildRuntime, routers: Sequence[APIRouter],
               settings: DoorstepSettings | None = None) -> FastAPI:
    """A FastAPI app whose lifespan runs the service; routers hold the thin HTTP routes."""

    @contextlib.asynccontextmanager
    async def lifespan(api: FastAPI) -> AsyncIterator[None]:
        runtime = build(api.state.settings)
        api.state.runtime = runtime
        api.state.directory = runtime.directory
        await start(runtime, getattr(api.state, "give_up", None))
        try:
            yield
        finally:
            await stop(runtime)

    api = FastAPI(title=f"Doorstep {name}", version="1.0.0", lifespan=lifespan,
                  responses=ERROR_RESPONSES, dependencies=[Depends(enforce)])
    api.state.settings = settings or DoorstepSettings()
    install_error_handlers(api)
    install(api, name, api.state.settings)

    @api.get("/health", tags=["operations"])
    async def health(request: Request) -> JSONResponse:
        """Ready only when the store and NATS both answer; while JetStream keeps the service
        waiting, says for what."""
        runtime: Runtime | None = getattr(request.app.state, "runtime", None)
        checks = {"store": False, "nats": False, "directory": False, "register": False}
        if runtime is not None and not runtime.jetstream.ready:
            return JSONResponse({"service": name, "status": "not ready", "checks": checks,
                                 "reason": runtime.jetstream.status}, status_code=503)
        if runtime is not None:
            with contextlib.suppress(Exception):
                await asyncio.to_thread(runtime.app.recorder.max_notification_id)
                checks["store"] = True
            with contextlib.suppress(Exception):
                assert runtime.broker is not None
                jsm = runtime.broker.connection.jsm()
                await asyncio.wait_for(jsm.stream_info(runtime.settings.stream_name), 2.0)
                checks["nats"] = True
            checks["directory"] = runtime.directory.follower.ready.is_set()
            checks["register"] = runtime.registers.ready.is_set()
        ready = all(checks.values())
        body = {"service": name, "status": "ready" if ready else "not ready", "checks": checks}
        return JSONResponse(body, status_code=200 if ready else 503)

    @api.get("/operations/refused-messages", tags=["operations"])
    def refused_messages(request: Request, principal: CurrentPrincipal) -> list[dict[str, Any]]:
        """Messages this service refused (poison), with why: for trust IT to look into."""
        return [{"id": str(r.id), "refused_at": r.created_on.isoformat(), "stream": r.stream,
                 "stream_sequence": r.stream_sequence, "subject": r.subject, "reason": r.reason}
                for r in list_refusals(runtime_of(request).app)
                if _trust_of_subject(r.subject) == principal.trust_id]

    for router in routers:
        api.include_router(router)
    check_complete(api)  # no route is open by omission
    return api


def _trust_of_subject(subject: str) -> str:
    parts = subject.split(".")  # <root>.events.<trust>.<school>.<aggregate>.<type>
    return parts[2] if len(parts) > 2 else ""


def runtime_of(request: Request) -> Runtime:
    runtime: Runtime = request.app.state.runtime
    return runtime
