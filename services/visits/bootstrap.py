"""Wires the visits service: its settings, store, translation, subscribers, routes."""

from __future__ import annotations

from fastapi import FastAPI

from services.visits import api, inbound_api, pins_api
from services.visits.application import VisitsApplication
from services.visits.inbound import InboundCheckIns
from services.visits.integration import translate
from services.visits.settings import VisitsSettings
from services.visits.subscribers import subscriptions
from shared.runtime.settings import DoorstepSettings
from shared.service.process import Runtime, create_api
from shared.storage.keystore import open_key_store
from shared.storage.sealing import Sealer
from shared.storage.store import store_env

NAME = "visits"


def build_runtime(settings: DoorstepSettings, own: VisitsSettings | None = None) -> Runtime:
    own = own or VisitsSettings()
    app = VisitsApplication(store_env(settings, NAME), sealer=Sealer(open_key_store(settings)),
                            timezone=own.timezone,
                            ladder_required=settings.environment == "production")
    return Runtime(name=NAME, settings=settings, app=app, translate=translate,
                   subscriptions=subscriptions(app))


def create_app(settings: DoorstepSettings | None = None) -> FastAPI:
    own = VisitsSettings()

    def build(given: DoorstepSettings) -> Runtime:
        runtime = build_runtime(given, own)
        assert isinstance(runtime.app, VisitsApplication)
        service.state.inbound = InboundCheckIns(runtime.app, runtime.registers,
                                                own.inbound_schools)
        return runtime

    service = create_api(NAME, build, [api.router, inbound_api.router, pins_api.router],
                         settings)
    service.state.visits_settings = own
    return service
