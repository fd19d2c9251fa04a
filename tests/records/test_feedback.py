"""Staff feedback after a visit, kept for the policy's next review, and a debrief after a
difficult one: the DSL and the head are told, and record that it happened."""

from __future__ import annotations

import asyncio
from typing import Any
from uuid import uuid4

import pytest
from fastapi.testclient import TestClient

from services.records.bootstrap import create_app
from shared.runtime.settings import DoorstepSettings
from shared.security.tokens import mint_token
from shared.testing.polling import until_sync
from tests.records.stories import SCHOOL

pytestmark = pytest.mark.nats


def bearer(settings: DoorstepSettings, user: str, role: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {mint_token(settings, user=user, role=role, schools=[SCHOOL])}"}


async def test_a_debrief_asked_for_is_listed_until_the_dsl_records_it_held(
        make_settings: Any) -> None:
    settings: DoorstepSettings = make_settings()
    staff, dsl = bearer(settings, "s1", "staff"), bearer(settings, "dsl-1", "dsl")
    visit = uuid4()
    base = f"/v1/schools/{SCHOOL}"
    with TestClient(create_app(settings)) as client:
        asked = client.post(f"{base}/visits/{visit}/feedback", headers=staff, json={
            "feedback": "The dog was loose and the door check did not cover it",
            "difficult": True, "debrief_requested": True})
        assert asked.status_code == 201, asked.text
        assert asked.json()["told"] == ["dsl", "headteacher"]
        plain = client.post(f"{base}/visits/{visit}/feedback", headers=staff,
                            json={"feedback": "Went well; the check-in timer helped"})
        assert plain.json()["told"] == []

        def listed() -> list[dict[str, Any]]:
            answer = until_sync(lambda: client.get(f"{base}/feedback", headers=dsl),
                                "the feedback in the trail", seconds=30, every=0.1,
                                ready=lambda a: a.status_code == 200 and len(a.json()) == 2)
            found: list[dict[str, Any]] = answer.json()
            return found

        first, second = await asyncio.to_thread(listed)
        assert first["feedback"] == "The dog was loose and the door check did not cover it"
        assert (first["difficult"], first["debrief_requested"], first["debrief_held_by"]) == (
            True, True, None)
        assert first["given_by"] == "s1"
        assert client.get(f"{base}/feedback", headers=staff).status_code == 403

        held = f"{base}/feedback/{first['feedback_id']}/debrief"
        assert client.post(held, headers=staff, json={}).status_code == 403
        done = client.post(held, headers=dsl, json={"note": "talked it through"})
        assert done.json()["debrief_held_by"] == "dsl-1"
        assert client.post(held, headers=bearer(settings, "head-1", "headteacher"),
                           json={}).json()["debrief_held_by"] == "dsl-1"  # once
        nothing_asked = client.post(f"{base}/feedback/{second['feedback_id']}/debrief",
                                    headers=dsl, json={})
        assert nothing_asked.status_code == 409
        await asyncio.to_thread(until_sync, lambda: client.get(f"{base}/feedback", headers=dsl),
                                "the debrief held in the trail", seconds=30, every=0.1,
                                ready=lambda a: a.json()[0]["debrief_held_by"] == "dsl-1")
        assert client.get(f"{base}/feedback", headers=dsl,
                          params={"since": "2099-01-01"}).json() == []
