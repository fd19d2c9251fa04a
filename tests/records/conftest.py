"""Records fixtures: a trail on a SQLite file or a PostgreSQL schema of its own."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

import psycopg
import pytest

from services.records.bootstrap import trail_cipher
from services.records.tables import trail_engine
from services.records.trail import Trail
from shared.runtime.settings import DoorstepSettings
from shared.testing.servers import schema_suffix

MakeTrail = Callable[[DoorstepSettings], Trail]


def isolated_settings(tmp_path: Path, **overrides: object) -> DoorstepSettings:
    values: dict[str, object] = {"environment": "test", "schema_suffix": schema_suffix(),
                                 "data_dir": tmp_path / "data", "nats_url": "nats://127.0.0.1:1"}
    values.update(overrides)
    return DoorstepSettings(**values)  # type: ignore[arg-type]


@pytest.fixture
def sqlite_settings(tmp_path: Path) -> DoorstepSettings:
    return isolated_settings(tmp_path)


@pytest.fixture
def pg_settings(tmp_path: Path, database_url: str) -> Iterator[DoorstepSettings]:
    settings = isolated_settings(tmp_path, database_url=database_url)
    yield settings
    with psycopg.connect(database_url, autocommit=True) as connection:
        connection.execute(f'DROP SCHEMA IF EXISTS "{settings.schema_for("records")}" CASCADE')


@pytest.fixture
def make_trail() -> Iterator[MakeTrail]:
    made: list[Trail] = []

    def make(settings: DoorstepSettings) -> Trail:
        trail = Trail(trail_engine(settings), trail_cipher(settings))
        made.append(trail)
        return trail

    yield make
    for trail in made:
        trail.engine.dispose()
