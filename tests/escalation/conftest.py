"""Escalation fixtures: a store of its own on SQLite, and again on PostgreSQL."""

from __future__ import annotations

from pathlib import Path

import pytest

from shared.runtime.settings import DoorstepSettings
from shared.storage.store import store_env
from shared.testing.servers import schema_suffix


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def env(request: pytest.FixtureRequest, tmp_path: Path) -> dict[str, str]:
    suffix = schema_suffix()
    settings = DoorstepSettings(data_dir=tmp_path / "data", schema_suffix=suffix)
    if request.param == "postgres":
        settings = DoorstepSettings(data_dir=tmp_path / "data", schema_suffix=suffix,
                                    database_url=request.getfixturevalue("database_url"))
    return store_env(settings, "escalation")
