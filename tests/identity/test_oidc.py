"""Tokens from a trust's identity provider: verified against its published keys, mapped to a
role, a trust and schools; every kind of bad token is a 401 that says which."""

from __future__ import annotations

import asyncio
import base64
import json
from datetime import timedelta
from pathlib import Path

import httpx
import pytest
import yaml

from shared.security.tokens import mint_token
from tests.identity.idp import running_idp
from tests.visits.stories import URN, visit_request

pytestmark = [pytest.mark.nats, pytest.mark.e2e]
CLAIMS = {"preferred_username": "jo.bloggs@ordsall.example", "roles": ["Doorstep.Staff"],
          "groups": ["grp-ordsall-staff"]}


def unsigned(claims: dict[str, object]) -> str:
    def part(value: dict[str, object]) -> str:
        return base64.urlsafe_b64encode(json.dumps(value).encode()).rstrip(b"=").decode()
    return f"{part({'alg': 'none', 'typ': 'JWT'})}.{part(claims)}."


async def test_tokens_from_the_trusts_identity_provider(make_settings, make_cluster,
                                                        tmp_path: Path) -> None:
    with running_idp() as idp:
        first = idp.new_key("RS256")
        idp.publish(first)
        identity = tmp_path / "identity.yaml"
        identity.write_text(yaml.safe_dump({"providers": [{
            "trust": "t1", "issuer": idp.issuer, "audience": "api://doorstep",
            "jwks_url": f"{idp.url}/keys", "user_claim": "preferred_username",
            "roles_claim": "roles", "roles": {"Doorstep.Staff": "staff", "Doorstep.DSL": "dsl"},
            "schools_claim": "groups", "schools": {"grp-ordsall-staff": URN},
            "refetch_after_seconds": 0.5}]}))
        settings = make_settings(identity_file=identity, default_trust="t1")
        visits = make_cluster(settings, names=("visits",))["visits"]

        async def call(token: str) -> httpx.Response:
            async with httpx.AsyncClient(base_url=visits.url, timeout=15) as client:
                return await client.post(f"/v1/schools/{URN}/visits", json=visit_request(["s1"]),
                                         headers={"Authorization": f"Bearer {token}"})

        accepted = await call(idp.token(first, **CLAIMS))
        assert accepted.status_code == 201, accepted.text
        async with httpx.AsyncClient(base_url=visits.url, timeout=15) as client:
            seen = await client.get(f"/v1/schools/{URN}/visits/{accepted.json()['visit_id']}",
                                    headers={"Authorization": f"Bearer {idp.token(first, **CLAIMS)}"})
        assert seen.json()["request"]["requested_by"] == "jo.bloggs@ordsall.example"

        other_school = await call(idp.token(first, **{**CLAIMS, "groups": ["grp-elsewhere"]}))
        assert other_school.status_code == 403

        stranger = idp.new_key("RS256")  # never published
        refusals = {
            "unknown key": (idp.token(stranger, **CLAIMS), "does not publish"),
            "wrong audience": (idp.token(first, audience="api://other", **CLAIMS),
                               "another audience"),
            "wrong issuer": (idp.token(first, issuer="https://evil.example/v2.0", **CLAIMS),
                             "not accepted"),
            "expired": (idp.token(first, ttl=timedelta(minutes=-5), **CLAIMS), "expired"),
            "alg none": (unsigned({"iss": idp.issuer, "aud": "api://doorstep", **CLAIMS}),
                         "alg 'none' are not accepted"),
            "no role": (idp.token(first, **{**CLAIMS, "roles": ["Teacher"]}), "no role"),
        }
        for case, (token, says) in refusals.items():
            answer = await call(token)
            assert answer.status_code == 401, (case, answer.text)
            assert says in answer.json()["detail"], (case, answer.text)

        rotated = idp.new_key("ES256")  # the provider rotates to a new (EC) key
        idp.publish(rotated)
        await asyncio.sleep(0.6)  # past the guard against refetching on every unknown key
        after = await call(idp.token(rotated, **CLAIMS))
        assert after.status_code == 201, after.text  # no restart needed


async def test_development_tokens_are_refused_in_production(make_settings, make_cluster) -> None:
    settings = make_settings(environment="production", jwt_secret="x" * 48,
                             cipher_key=base64.b64encode(b"k" * 32).decode())
    visits = make_cluster(settings, names=("visits",))["visits"]
    token = mint_token(settings, user="staff-0001", role="staff", schools=[URN])
    async with httpx.AsyncClient(base_url=visits.url, timeout=15) as client:
        answer = await client.get(f"/v1/schools/{URN}/visits/00000000-0000-4000-8000-000000000000",
                                  headers={"Authorization": f"Bearer {token}"})
    assert answer.status_code == 401
    assert "identity provider" in answer.json()["detail"]
