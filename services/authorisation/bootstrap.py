"""Wires the authorisation service: store, translation, subscribers and routes."""

from __future__ import annotations

from fastapi import FastAPI

from services.authorisation.api import router
from services.authorisation.application import AuthorisationApp
from services.authorisation.integration import translate
from services.authorisation.subscribers import subscriptions
from shared.service import Runtime, create_api
from shared.settings import DoorstepSettings
from shared.store import store_env

NAME = "authorisation"


def build_runtime(settings: DoorstepSettings) -> Runtime:
    app = AuthorisationApp(env=store_env(settings, NAME))
    return Runtime(name=NAME, settings=settings, app=app, translate=translate,
                   subscriptions=subscriptions(app))


def create_app(settings: DoorstepSettings | None = None) -> FastAPI:
    """The authorisation service's FastAPI app (the lifespan starts everything)."""
    return create_api(NAME, build_runtime, [router], settings)
