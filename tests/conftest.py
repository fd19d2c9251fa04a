"""Shared fixtures: real servers, isolated per run (own stream, subject root and schemas)."""

from __future__ import annotations

import contextlib
import os
from collections.abc import Callable, Iterator
from pathlib import Path
from uuid import uuid4

import psycopg
import pytest

from shared.runtime.launcher import Cluster, service_env
from shared.runtime.settings import DoorstepSettings
from shared.testing.servers import issued_schemas, nats_server_url, postgres_url, schema_suffix

REQUIRE_SERVERS = os.environ.get("DOORSTEP_REQUIRE_SERVERS") == "1"


def _unavailable(what: str, error: Exception) -> None:
    message = f"{what} unavailable: {error}"
    if REQUIRE_SERVERS:
        pytest.fail(message + " (DOORSTEP_REQUIRE_SERVERS=1: CI must run this test)")
    pytest.skip(message)


@pytest.fixture(scope="session")
def run_id() -> str:
    return uuid4().hex[:10]


@pytest.fixture(scope="session")
def nats_url() -> Iterator[str]:
    try:
        with nats_server_url() as url:
            yield url
    except Exception as error:
        _unavailable("nats-server", error)


@pytest.fixture(scope="session")
def database_url() -> Iterator[str]:
    stack = contextlib.ExitStack()
    try:
        url = stack.enter_context(postgres_url())
        before = _schemas(url)
    except Exception as error:
        stack.close()
        _unavailable("PostgreSQL", error)
    with stack:
        yield url
        # each test's schemas, and never those of another run going on beside this one
        for schema in issued_schemas(_schemas(url) - before):
            _drop_schema(url, schema)


def _schemas(url: str) -> set[str]:
    with psycopg.connect(url, autocommit=True) as connection:
        return {name for (name,) in connection.execute(
            "SELECT nspname FROM pg_namespace WHERE nspname NOT LIKE 'pg\\_%' "
            "AND nspname NOT IN ('information_schema', 'public')").fetchall()}


def _drop_schema(url: str, schema: str) -> None:
    with psycopg.connect(url, autocommit=True) as connection:
        connection.execute(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE')


MakeSettings = Callable[..., DoorstepSettings]


@pytest.fixture
def make_settings(tmp_path: Path, nats_url: str) -> MakeSettings:
    """Settings for one test: its own stream, subject root, data folder and schema suffix."""

    def make(**overrides: object) -> DoorstepSettings:
        tag = uuid4().hex[:10]
        values: dict[str, object] = {
            "environment": "test",
            "nats_url": nats_url,
            "stream_name": f"DOORSTEP_T{tag}",
            "subject_root": f"t{tag}",
            "schema_suffix": schema_suffix(),
            "data_dir": tmp_path / "data",
        }
        values.update(overrides)
        return DoorstepSettings(**values)  # type: ignore[arg-type]

    return make


def settings_env(settings: DoorstepSettings) -> dict[str, str]:
    """The DOORSTEP_ environment that gives a child process the same settings."""
    env: dict[str, str] = {}
    for name, value in settings.model_dump().items():
        if value is None:
            continue
        env[f"DOORSTEP_{name.upper()}"] = str(value).lower() if isinstance(value, bool) else str(value)
    return env


MakeCluster = Callable[..., Cluster]


@pytest.fixture
def make_cluster(tmp_path: Path) -> Iterator[MakeCluster]:
    """Starts service processes for a test and always stops them afterwards."""
    started: list[Cluster] = []

    def make(settings: DoorstepSettings, names: tuple[str, ...] | None = None,
             start: bool = True, extra_env: dict[str, str] | None = None) -> Cluster:
        env = service_env({**settings_env(settings), **(extra_env or {})})
        kwargs = {"names": names} if names else {}
        cluster = Cluster.build(env, tmp_path / "logs", **kwargs)  # type: ignore[arg-type]
        started.append(cluster)
        if start:
            cluster.start()
        return cluster

    yield make
    for cluster in started:
        cluster.stop()
