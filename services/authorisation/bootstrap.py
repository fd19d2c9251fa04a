"""Wires the authorisation service: packs, store, translation, subscribers and routes."""

from __future__ import annotations

import hashlib
import hmac

from fastapi import FastAPI

from services.authorisation.api import admin, decisions, imports, pack_versions, people, schools
from services.authorisation.application import AuthorisationApp
from services.authorisation.integration import translate
from services.authorisation.packs import PACKS_DIR, Catalogue
from services.authorisation.schools import SERVICE_ACTOR
from services.authorisation.settings import AuthorisationSettings
from services.authorisation.subscribers import subscriptions
from shared.runtime.settings import DoorstepSettings
from shared.security.tenancy import schools_in_file
from shared.service.process import Runtime, create_api
from shared.storage.keystore import open_key_store
from shared.storage.sealing import Sealer
from shared.storage.store import cipher_key, store_env

NAME = "authorisation"


def build_application(settings: DoorstepSettings) -> AuthorisationApp:
    """The service's application on its store (the service, and `doorstep import`)."""
    own = AuthorisationSettings()
    folders = [PACKS_DIR, *([own.packs_dir] if own.packs_dir else [])]
    catalogue = Catalogue.load(*folders)  # a bad pack file stops the start, naming the fault
    return AuthorisationApp(env=store_env(settings, NAME),
                            sealer=Sealer(open_key_store(settings)), catalogue=catalogue,
                            ladder_required=settings.environment == "production",
                            default_pack=own.default_pack,
                            address_secret=address_secret(settings))


def address_secret(settings: DoorstepSettings) -> bytes:
    """The key of household ids made from addresses: the deployment's own, from its cipher key."""
    key = (cipher_key(settings) or "").encode()
    return hmac.new(key, b"doorstep household ids from addresses v1", hashlib.sha256).digest()


def build_runtime(settings: DoorstepSettings) -> Runtime:
    app = build_application(settings)
    app.seed_code_packs(SERVICE_ACTOR)  # first start: the packs the code ships are version 1
    app.import_schools(schools_in_file(settings), SERVICE_ACTOR)  # first start: the schools file
    runtime = Runtime(name=NAME, settings=settings, app=app, translate=translate,
                      subscriptions=subscriptions(app))
    app.registers = runtime.registers  # the register's keeper reads its own writes at once
    return runtime


def create_app(settings: DoorstepSettings | None = None) -> FastAPI:
    """The authorisation service's FastAPI app (the lifespan starts everything)."""
    return create_api(NAME, build_runtime, [decisions.router, admin.router, people.router,
                                             imports.router, schools.router,
                                             pack_versions.router], settings)
