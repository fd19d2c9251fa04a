"""Schemathesis against each service's own OpenAPI document, on real processes: no 5xx, ever,
and every status a route answers is one its document lists."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from hypothesis.errors import Unsatisfiable
from schemathesis import GenerationMode

from shared.runtime.launcher import SERVICES
from shared.security.tokens import mint_token
from tests.visits.stories import URN

pytestmark = [pytest.mark.nats, pytest.mark.e2e]
EXAMPLES = 8  # per operation and mode: bounded, so the suite stays quick


def probe(operation: Any, mode: GenerationMode, url: str, token: str,
          problems: list[str]) -> Callable[[], None]:
    """Bounded examples of one operation in one mode; what goes wrong is noted in `problems`."""
    documented = set(operation.definition.raw.get("responses", {}))
    pinned = {"urn": URN} if "{urn}" in operation.path else None  # reach real records

    @settings(max_examples=EXAMPLES, deadline=None, derandomize=True, database=None,
              suppress_health_check=list(HealthCheck))
    @given(case=operation.as_strategy(generation_mode=mode, path_parameters=pinned))
    def call(case: Any) -> None:
        response = case.call(base_url=url, headers={"Authorization": f"Bearer {token}"},
                             timeout=30)
        where = f"{case.method} {case.formatted_path} ({mode.value})"
        if response.status_code >= 500:
            problems.append(f"{where}: {response.status_code} {response.text[:300]}")
        elif str(response.status_code) not in documented:
            problems.append(f"{where}: {response.status_code} is not documented")

    return call  # type: ignore[no-any-return]


@pytest.mark.parametrize("service", SERVICES)
def test_no_server_error_and_only_documented_statuses(deployment, service: str) -> None:
    config, cluster = deployment
    url = cluster[service].url
    token = mint_token(config, user="dsl-0001", role="dsl", schools=[URN])
    schema = schemathesis.openapi.from_url(f"{url}/openapi.json")
    problems: list[str] = []
    operations = [result.ok() for result in schema.get_all_operations()]
    assert operations, "the document lists no operations"
    for operation in operations:
        for mode in (GenerationMode.POSITIVE, GenerationMode.NEGATIVE):
            try:
                probe(operation, mode, url, token, problems)()
            except Unsatisfiable:  # nothing in this operation can be made invalid
                assert mode is GenerationMode.NEGATIVE, operation.label
    assert not problems, "\n".join(sorted(set(problems))[:40])
