"""Property: any event its contract admits, every consumer of it takes (or refuses on purpose).

Each integration event model is generated from its own JSON schema (schema_strategies), so
whatever the edge lets through is tried, and fed to the real handlers of every service whose
durable consumer would receive it, on real SQLite stores. A handler may finish, or refuse the
message on purpose (recorded and raised to trust IT); any other error is a consumer choking on
something the edge should have refused.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st
from pydantic import ValidationError

from services.authorisation.bootstrap import build_runtime as authorisation
from services.escalation.bootstrap import build_runtime as escalation
from services.records.bootstrap import build_runtime as records
from services.visits.bootstrap import build_runtime as visits
from shared.contracts import EVENT_TYPES, IntegrationEvent
from shared.messaging.bus import Refuse
from shared.messaging.envelope import from_wire, to_wire
from shared.runtime.settings import DoorstepSettings
from shared.service.process import Runtime
from tests.contracts.schema_strategies import from_schema
from tests.contracts.test_envelope import written_as_the_library_writes_it

ROOT = "prop"


def matches(pattern: str, subject: str) -> bool:
    """NATS subject matching: `*` is one token, `>` the rest."""
    want, have = pattern.split("."), subject.split(".")
    for index, token in enumerate(want):
        if token == ">":
            return len(have) > index
        if index >= len(have) or token not in ("*", have[index]):
            return False
    return len(want) == len(have)


@pytest.fixture(scope="module")
def runtimes(tmp_path_factory: pytest.TempPathFactory) -> Iterator[list[Runtime]]:
    folder: Path = tmp_path_factory.mktemp("consumers")
    config = DoorstepSettings(environment="test", data_dir=folder, subject_root=ROOT,
                              nats_url="nats://127.0.0.1:1")
    built = [build(config) for build in (visits, authorisation, escalation, records)]
    yield built
    for runtime in built:
        runtime.app.close()


def events_of(kind: type[IntegrationEvent]) -> st.SearchStrategy[IntegrationEvent]:
    def valid(data: dict[str, Any]) -> IntegrationEvent | None:
        try:
            return kind.model_validate(data)
        except ValidationError:
            return None  # a schema cannot say everything (e.g. cross-field rules)

    at_version = from_schema(kind.model_json_schema()).map(
        lambda data: {**data, "schema_version": kind.version})
    return at_version.map(valid).filter(lambda e: e is not None)


@pytest.mark.parametrize("name", sorted(EVENT_TYPES))
def test_every_consumer_takes_every_event_its_contract_admits(name: str, runtimes) -> None:
    kind = EVENT_TYPES[name]

    @settings(max_examples=8, deadline=None,
              suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much,
                                     HealthCheck.function_scoped_fixture])
    @given(events_of(kind))
    def check(event: IntegrationEvent) -> None:
        wire = to_wire(event, root=ROOT, source="/doorstep/test")
        assume(len(wire.body) < 512 * 1024)
        assert from_wire(wire.headers, wire.body) == event  # the wire keeps it whole
        written_as_the_library_writes_it(event, "/doorstep/test")  # and is a CloudEvent
        for runtime in runtimes:
            for subscription in runtime.subscriptions:
                handler = subscription.handlers.get(kind)
                if handler is None or not matches(f"{ROOT}.{subscription.subject_filter}",
                                                  wire.subject):
                    continue
                with contextlib.suppress(Refuse):  # on purpose: recorded and raised to a person
                    asyncio.run(handler(event))

    check()
