"""The life of one service process: store, bus, relay and subscribers, started and stopped as one."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import threading
from collections.abc import AsyncIterator, Awaitable, Callable, Sequence
from dataclasses import dataclass, field
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
    loop: asyncio.AbstractEventLoop | None = None
    commands: CommandBatches | None = None

    async def command(self, key: str, run: Callable[[], R]) -> R:
        """Run an HTTP command (load, step, save) in a batch with the others queued with it
        (shared/storage/batching.py); answers once its events are stored, and wakes the relay."""
        if self.commands is None:
            assert isinstance(self.app, GroupCommitted), "commands need a group-committed app"
            self.commands = CommandBatches(self.app)
        result = await self.commands.run(key, run)
        if self.relay is not None:
            self.relay.nudge()
        return result

    def nudge_relay(self) -> None:
        """Called from request threads after a save, so publication does not wait for a poll."""
        if self.relay and self.loop:
            self.loop.call_soon_threadsafe(self.relay.nudge)

    def refuse(self, stream: str, sequence: int, subject: str, reason: str,
               headers: dict[str, str], body: bytes) -> None:
        record_refusal(self.app, stream=stream, stream_sequence=sequence, subject=subject,
                       reason=reason, headers=headers, body=body)


BuildRuntime = Callable[[DoorstepSettings], Runtime]


async def start(runtime: Runtime) -> None:
    settings = runtime.settings
    runtime.loop = asyncio.get_running_loop()
    broker = NatsBroker(settings.nats_servers, name=f"doorstep-{runtime.name}",
                        max_reconnect_attempts=-1, connect_timeout=5, drain_timeout=5,
                        security=broker_security(settings))
    await broker.connect()
    await ensure_stream(broker, settings)
    await runtime.directory.follower.start(broker.connection, settings)
    await runtime.registers.follower.start(broker.connection, settings)
    for subscription in runtime.subscriptions:
        consumer = Consumer(settings, subscription, runtime.refuse)
        await consumer.start(broker.connection)
        runtime.consumers.append(consumer)
    await broker.start()
    runtime.broker = broker
    runtime.publisher = EventPublisher(broker, settings, source=f"/doorstep/{runtime.name}")
    tracking = runtime.app.factory.tracking_recorder()
    runtime.relay = OutboxRelay(runtime.app, tracking, runtime.translate,
                                runtime.publisher.send, poll_seconds=settings.relay_poll_seconds,
                                fault=settings.fault, service=runtime.name)
    if not settings.relay_hold:
        runtime.tasks.append(asyncio.create_task(_forever("relay", runtime.relay.run_forever)))
    if settings.metrics:
        connection, relay = broker.connection, runtime.relay
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
    for task in runtime.tasks:
        task.cancel()
    for task in runtime.tasks:
        with contextlib.suppress(asyncio.CancelledError, Exception):
            await task
    await runtime.directory.follower.stop()
    await runtime.registers.follower.stop()
    for consumer in runtime.consumers:
        await consumer.close()
    if runtime.broker is not None:
        connection = runtime.broker.connection
        if connection is not None and not connection.is_connected:
            await connection.close()  # NATS is gone (e.g. with the launcher): nothing to drain
        await runtime.broker.stop()
    # A cancelled relay's last position save runs on in its thread: the store closes only after
    # it (closing SQLite under a running statement crashed the process).
    if runtime.relay is None:
        runtime.app.close()
        return
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
        await start(runtime)
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
        """Ready only when the store and NATS both answer."""
        runtime: Runtime | None = getattr(request.app.state, "runtime", None)
        checks = {"store": False, "nats": False, "directory": False, "register": False}
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
