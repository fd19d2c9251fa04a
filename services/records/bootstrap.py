"""Wires the records service: event store, audit trail, subscribers, routes."""

from __future__ import annotations

from eventsourcing.cipher import AESCipher
from eventsourcing.utils import Environment
from fastapi import FastAPI

from services.records import api
from services.records.application import RecordsApplication
from services.records.entries import Cipher, PlainCipher
from services.records.integration import translate
from services.records.subscribers import subscriptions
from services.records.tables import trail_engine
from services.records.trail import Trail
from shared.service import Runtime, create_api
from shared.settings import DoorstepSettings
from shared.store import cipher_key, store_env

NAME = "records"


def trail_cipher(settings: DoorstepSettings) -> Cipher:
    """Personal data in the trail is encrypted at rest with the deployment's key."""
    key = cipher_key(settings)
    if not key:
        return PlainCipher()
    return AESCipher(Environment(env={AESCipher.CIPHER_KEY: key}))


def build_application(settings: DoorstepSettings) -> RecordsApplication:
    trail = Trail(trail_engine(settings), trail_cipher(settings))
    return RecordsApplication(store_env(settings, NAME), trail=trail)


def build_runtime(settings: DoorstepSettings) -> Runtime:
    app = build_application(settings)
    return Runtime(name=NAME, settings=settings, app=app, translate=translate,
                   subscriptions=subscriptions(app))


def create_app(settings: DoorstepSettings | None = None) -> FastAPI:
    return create_api(NAME, build_runtime, [api.router], settings)
