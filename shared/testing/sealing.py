"""Sealers for tests: the deployment's own key store, or a scratch one in memory."""

from __future__ import annotations

import os
from functools import cache

from sqlalchemy import create_engine
from sqlalchemy.pool import StaticPool

from shared.runtime.settings import DoorstepSettings
from shared.storage.keystore import DataSubject, KeyStore, metadata, open_key_store
from shared.storage.sealing import Sealer


def sealer_for(settings: DoorstepSettings, *, fresh: bool = False) -> Sealer:
    """The key store the services of `settings` use: what a test seals, they can open
    (`fresh`: opened anew, as by another process, with no key cached)."""
    return Sealer(open_key_store(settings, fresh=fresh))


@cache
def scratch_sealer() -> Sealer:
    """A key store of this process alone, for events no service needs to open."""
    engine = create_engine("sqlite://", poolclass=StaticPool,
                           connect_args={"check_same_thread": False})
    metadata.create_all(engine)
    return Sealer(KeyStore(engine, os.urandom(32)))


def household(trust_id: str, household_id: str) -> DataSubject:
    return DataSubject(trust_id, "household", household_id)


def sealed(text: str) -> str:
    """Text sealed under a scratch key, for events whose personal fields no service opens."""
    return scratch_sealer().seal(DataSubject("test-trust", "record", "scratch"), text)
