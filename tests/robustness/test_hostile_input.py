"""What a fuzzer or an attacker sends gets a short 4xx that says what to fix, on every service."""

from __future__ import annotations

import pytest

from shared.security.tokens import mint_token
from shared.testing.http import anonymous
from tests.visits.stories import URN, visit_request

pytestmark = [pytest.mark.nats, pytest.mark.e2e]

VISIT = "00000000-0000-4000-8000-000000000001"
ROUTES = {  # one body-taking route per service, with the role that may use it
    "visits": ("POST", f"/v1/schools/{URN}/visits", "staff"),
    "authorisation": ("POST", f"/v1/schools/{URN}/visits/{VISIT}/decision", "dsl"),
    "escalation": ("PUT", f"/v1/schools/{URN}/escalation-contacts", "trust_it"),
    "records": ("POST", f"/v1/schools/{URN}/concerns", "staff"),
}
GOOD = visit_request(["staff-0001"])
JSON = {"content-type": "application/json"}
HOSTILE = {
    "NaN": (b'{"purpose": NaN}', JSON, 422, "NaN is not a number JSON allows"),
    "Infinity": (b'{"score": -Infinity}', JSON, 422, "-Infinity is not a number JSON allows"),
    "10 MB": (b'{"purpose": "' + b"x" * 10_000_000 + b'"}', JSON, 413, "larger than 256 KiB"),
    "100,000 deep": (b"[" * 100_000 + b"]" * 100_000, JSON, 422, "nests 100000 levels deep"),
    "invalid UTF-8": (b'{"purpose": "caf\xe9"}', JSON, 400, "not valid UTF-8: byte 16"),
    "wrong content type": (b"purpose=welfare", {"content-type": "application/x-www-form-urlencoded"},
                           415, "Content-Type: application/json"),
    "not JSON": (b'{"purpose": ', JSON, 400, "not valid JSON"),
    "huge array": (b'{"staff_ids": [' + b",".join([b"1"] * 100_000) + b"]}", JSON, 422,
                   "\"error\":\"invalid\""),
}


@pytest.mark.parametrize("case", list(HOSTILE))
@pytest.mark.parametrize("service", list(ROUTES))
async def test_hostile_body_gets_a_short_4xx_naming_the_problem(deployment, service, case) -> None:
    settings, cluster = deployment
    method, path, role = ROUTES[service]
    token = mint_token(settings, user="someone-0001", role=role, schools=[URN])
    body, headers, status, says = HOSTILE[case]
    async with anonymous(cluster[service].url) as client:
        answer = await client.request(method, path, content=body,
                                      headers={**headers, "Authorization": f"Bearer {token}"})
    assert answer.status_code == status, answer.text[:500]
    assert len(answer.content) < 10_000
    assert says in answer.text


async def test_a_good_body_still_gets_through(deployment) -> None:
    settings, cluster = deployment
    token = mint_token(settings, user="staff-0001", role="staff", schools=[URN])
    async with anonymous(cluster["visits"].url) as client:
        answer = await client.post(ROUTES["visits"][1], json=GOOD,
                                   headers={"Authorization": f"Bearer {token}"})
    assert answer.status_code == 201, answer.text
