"""The trust's dashboard reads each projection once for all its schools, and only its own."""

from __future__ import annotations

import asyncio
from datetime import timedelta
from typing import Any

import pytest
from fastapi.testclient import TestClient

from services.records.bootstrap import create_app
from shared.runtime.settings import DoorstepSettings
from shared.security.tokens import mint_token
from shared.testing.polling import until_sync
from tests.records.stories import START, TRUST, visit_story
from tests.records.test_trail_skeleton import publish_all

pytestmark = pytest.mark.nats
OURS, ALSO_OURS, THEIRS = "123456", "234567", "345678"


@pytest.fixture
def settings(make_settings: Any) -> DoorstepSettings:
    settings: DoorstepSettings = make_settings()
    return settings


async def test_one_read_gives_every_school_of_the_trust_and_none_of_another(
        settings: DoorstepSettings) -> None:
    stories = [visit_story(school=OURS), visit_story(school=ALSO_OURS),
               visit_story(school=OURS), visit_story(trust="other-trust", school=THEIRS)]
    await publish_all(settings, [event for story in stories for event in story])
    token = mint_token(settings, user="aud-1", role="auditor", schools=[], trust=TRUST)
    with TestClient(create_app(settings), headers={"Authorization": f"Bearer {token}"}) as records:
        answer = until_sync(lambda: records.get("/v1/dashboard/daily-activity"),
                            "three visits of the trust counted", seconds=30, every=0.2,
                            show=lambda answer: answer.text,
                            ready=lambda answer: answer.status_code == 200 and sum(
                                row["visits"] for row in answer.json()) == 3)
        per_school = {row["school_urn"]: row["visits"] for row in answer.json()}
        assert per_school == {OURS: 2, ALSO_OURS: 1}  # another trust's school is not there
        later = records.get("/v1/dashboard/daily-activity",
                            params={"since": (START.date() + timedelta(days=1)).isoformat()})
        assert later.status_code == 200
        assert later.json() == []  # nothing from the day after on
        assert records.get("/v1/dashboard/daily-activity", params={"since": "last week"}
                           ).status_code == 422
        assert records.get("/v1/dashboard/everything").status_code == 422
        # a school's own staff cannot read the trust's dashboard
        staff = mint_token(settings, user="s1", role="staff", schools=[OURS], trust=TRUST)
        refused = records.get("/v1/dashboard/daily-activity",
                              headers={"Authorization": f"Bearer {staff}"})
        assert refused.status_code == 403, refused.text
    await asyncio.sleep(0)
