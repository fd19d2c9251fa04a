"""Each store test runs on SQLite and on PostgreSQL (a schema of its own)."""

from __future__ import annotations

from pathlib import Path

import pytest

from shared.runtime.settings import DoorstepSettings
from shared.storage.store import store_env
from shared.testing.servers import schema_suffix


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def store(request: pytest.FixtureRequest, tmp_path: Path) -> dict[str, str]:
    """The eventsourcing environment of a store of its own."""
    values: dict[str, object] = {"data_dir": tmp_path, "schema_suffix": schema_suffix()}
    if request.param == "postgres":
        values["database_url"] = request.getfixturevalue("database_url")
    return store_env(DoorstepSettings(**values), "tallies")  # type: ignore[arg-type]
