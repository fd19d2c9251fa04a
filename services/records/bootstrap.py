"""Wires the records service: event store, audit trail, subscribers, loops, routes."""

from __future__ import annotations

import asyncio

from eventsourcing.cipher import AESCipher
from eventsourcing.utils import Environment
from fastapi import FastAPI

from services.records import api, audit_api, dashboard_api, inspection_api, subject_api
from services.records.application import RecordsApplication
from services.records.entries import Cipher, PlainCipher
from services.records.integration import translate
from services.records.metrics import observe, verify_every_chain
from services.records.settings import RecordsSettings
from services.records.subscribers import subscriptions
from services.records.tables import trail_engine
from services.records.trail import Trail
from shared.runtime.settings import DoorstepSettings
from shared.service.process import Runtime, create_api
from shared.storage.cipher import StoreCipher
from shared.storage.keystore import open_key_store
from shared.storage.sealing import Sealer
from shared.storage.store import cipher_key, store_env

NAME = "records"


def trail_cipher(settings: DoorstepSettings) -> Cipher:
    """Personal data in the trail is encrypted at rest with the deployment's key."""
    key = cipher_key(settings)
    if not key:
        return PlainCipher()
    return StoreCipher(Environment(env={AESCipher.CIPHER_KEY: key}))


def build_application(settings: DoorstepSettings) -> RecordsApplication:
    trail = Trail(trail_engine(settings), trail_cipher(settings))
    return RecordsApplication(store_env(settings, NAME), trail=trail,
                              sealer=Sealer(open_key_store(settings)), settings=RecordsSettings())


async def anchor_checkpoints(runtime: Runtime) -> None:
    """Every few seconds, each trust's new head becomes a checkpoint published on NATS."""
    app = runtime.app
    assert isinstance(app, RecordsApplication)
    while True:
        await asyncio.sleep(app.settings.checkpoint_seconds)
        await asyncio.to_thread(app.take_checkpoints)


async def raise_overdue_reports(runtime: Runtime) -> None:
    """Incident reports not shared by the end of the working day become IncidentReportOverdue."""
    app = runtime.app
    assert isinstance(app, RecordsApplication)
    while True:
        await asyncio.to_thread(app.raise_overdue_reports)
        await asyncio.sleep(app.settings.overdue_check_seconds)


async def verify_the_trail(runtime: Runtime) -> None:
    """Every trust's chain verified at start and then every `verify_seconds` (an hour)."""
    app = runtime.app
    assert isinstance(app, RecordsApplication)
    while True:
        await asyncio.to_thread(verify_every_chain, app.trail)
        await asyncio.sleep(app.settings.verify_seconds)


def build_runtime(settings: DoorstepSettings) -> Runtime:
    app = build_application(settings)
    return Runtime(name=NAME, settings=settings, app=app, translate=translate,
                   subscriptions=subscriptions(app, settings.stream_name),
                   background=(anchor_checkpoints, raise_overdue_reports, verify_the_trail),
                   observers=[lambda: observe(app.trail)])


def create_app(settings: DoorstepSettings | None = None) -> FastAPI:
    return create_api(NAME, build_runtime, [api.router, dashboard_api.router, audit_api.router,
                                            subject_api.router, inspection_api.router], settings)
