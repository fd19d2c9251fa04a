"""One deployment of the four services, shared by the robustness tests of a run (they only read
or are refused, so they cannot disturb each other)."""

from __future__ import annotations

from collections.abc import Iterator
from uuid import uuid4

import pytest

from shared.runtime.launcher import Cluster, service_env
from shared.runtime.settings import DoorstepSettings
from shared.testing.servers import schema_suffix
from tests.conftest import settings_env


@pytest.fixture(scope="package")
def deployment(nats_url: str, tmp_path_factory: pytest.TempPathFactory
               ) -> Iterator[tuple[DoorstepSettings, Cluster]]:
    tag = uuid4().hex[:10]
    folder = tmp_path_factory.mktemp("deployment")
    settings = DoorstepSettings(environment="test", nats_url=nats_url,
                                stream_name=f"DOORSTEP_T{tag}", subject_root=f"t{tag}",
                                schema_suffix=schema_suffix(), data_dir=folder / "data")
    cluster = Cluster.build(service_env(settings_env(settings)), folder / "logs")
    try:
        cluster.start()
        yield settings, cluster
    finally:
        cluster.stop()
