"""A visit's day is the school's (issue 21): a visit planned for just after midnight can be signed
out for just before it. The rule alone, then the service with its clock set to 23:53."""

from __future__ import annotations

import time as clock_time
from datetime import UTC, date, datetime, time, timedelta
from typing import Any
from uuid import UUID, uuid4
from zoneinfo import ZoneInfo

import pytest
from fastapi.testclient import TestClient

from services.visits.bootstrap import create_app
from services.visits.domain.rules import SignOutFacts, sign_out_breaks
from shared.contracts import Actor, Role
from shared.contracts.authorisation import VisitAuthorised, VisitConditions
from shared.security.tokens import mint_token
from tests.visits.stories import URN, sign_out, visit_request
from tests.visits.test_visits_service import publish

LONDON, NEW_YORK = ZoneInfo("Europe/London"), ZoneInfo("America/New_York")
EVE, DAY = date(2026, 12, 1), date(2026, 12, 2)
STARTS = datetime(2026, 12, 2, 0, 18, tzinfo=LONDON)  # the page's default at 23:48
# what authorisation grants a visit from 00:18 to 01:18, out of hours
CONDITIONS: dict[str, Any] = {"min_staff": 1, "staff_ids": ["s1"], "visit_date": DAY.isoformat(),
                              "earliest_start": "00:18", "latest_end": "01:18",
                              "timezone": "Europe/London", "check_in_interval_minutes": 20}


def leaving(at: datetime, starts: datetime | None = STARTS) -> SignOutFacts:
    return SignOutFacts(staff_ids=["s1"], drivers=[], left_at=at, back_by=time(1, 15),
                        check_in_interval_minutes=20, starts_at=starts)


def rules(at: datetime, conditions: dict[str, Any] = CONDITIONS,
          starts: datetime | None = STARTS) -> list[str]:
    return [b.rule for b in sign_out_breaks(conditions, leaving(at, starts))]


def test_a_visit_just_after_midnight_can_be_signed_out_for_just_before_it() -> None:
    assert rules(datetime(2026, 12, 1, 23, 53, tzinfo=LONDON)) == []
    assert rules(datetime(2026, 12, 2, 0, 5, tzinfo=LONDON)) == []  # or just after it


def test_the_eve_is_a_journey_before_the_start_not_a_day_early() -> None:
    assert rules(datetime(2026, 12, 1, 21, 0, tzinfo=LONDON)) == [
        "VisitOnTheAuthorisedDay", "VisitWithinAuthorisedHours"]
    assert "VisitOnTheAuthorisedDay" in rules(datetime(2026, 11, 30, 23, 53, tzinfo=LONDON))
    assert rules(datetime(2026, 12, 3, 0, 30, tzinfo=LONDON)) == ["VisitOnTheAuthorisedDay"]
    # a visit whose planned start is not known has no eve
    assert rules(datetime(2026, 12, 1, 23, 53, tzinfo=LONDON), starts=None) == [
        "VisitOnTheAuthorisedDay"]


def test_the_authorised_hours_bound_the_visit_and_staff_set_off_before_them() -> None:
    evening = {**CONDITIONS, "visit_date": EVE.isoformat(), "earliest_start": "19:18",
               "latest_end": "23:00"}
    starts = datetime(2026, 12, 1, 19, 18, tzinfo=LONDON)
    assert rules(datetime(2026, 12, 1, 18, 53, tzinfo=LONDON), evening, starts) == []
    refused = sign_out_breaks(evening, leaving(datetime(2026, 12, 1, 18, 0, tzinfo=LONDON),
                                               starts))
    assert [(b.rule, b.message) for b in refused] == [(
        "VisitWithinAuthorisedHours",
        "the visit may not start before 19:18: sign out at most 60 minutes before")]


def test_the_day_and_the_eve_are_read_on_the_schools_clock() -> None:
    at = datetime(2026, 12, 2, 4, 53, tzinfo=UTC)  # 23:53 on the 1st in New York
    starts = datetime(2026, 12, 2, 0, 18, tzinfo=NEW_YORK)
    assert rules(at.astimezone(NEW_YORK), starts=starts) == []
    same_day = {**CONDITIONS, "visit_date": EVE.isoformat(), "earliest_start": None,
                "latest_end": None}
    evening = datetime(2026, 12, 2, 0, 30, tzinfo=UTC)  # 19:30 on the 1st in New York
    assert rules(evening.astimezone(NEW_YORK), same_day, starts=None) == []
    assert rules(evening.astimezone(LONDON), same_day, starts=None) == ["VisitOnTheAuthorisedDay"]


@pytest.mark.nats
async def test_the_service_signs_out_at_2353_for_a_visit_at_0018(make_settings) -> None:
    settings = make_settings()
    staff = ["staff-0001", "staff-0002"]
    token = mint_token(settings, user="staff-0001", role="staff", schools=[URN])
    now = [datetime(2026, 12, 1, 21, 0, tzinfo=LONDON)]
    with TestClient(create_app(settings), headers={"Authorization": f"Bearer {token}"}) as client:
        client.app.state.runtime.app.clock = lambda: now[0]  # type: ignore[attr-defined]
        request = visit_request(staff, planned_date=DAY.isoformat(),
                                planned_start=STARTS.isoformat(),
                                planned_end=(STARTS + timedelta(hours=1)).isoformat())
        created = client.post(f"/v1/schools/{URN}/visits", json=request)
        assert created.status_code == 201, created.text
        visit_id = created.json()["visit_id"]
        await publish(settings, authorised(settings, visit_id, staff))
        path = f"/v1/schools/{URN}/visits/{visit_id}"
        deadline = clock_time.monotonic() + 10
        while client.get(path).json()["status"] != "authorised":
            assert clock_time.monotonic() < deadline, "the decision never reached visits"
            clock_time.sleep(0.05)

        body = sign_out(staff) | {"expected_arrival": STARTS.isoformat(),
                                  "expected_leave": (STARTS + timedelta(minutes=45)).isoformat(),
                                  "expected_return": (STARTS + timedelta(minutes=57)).isoformat()}
        too_early = client.post(f"{path}/departure", json=body)  # 21:00: not on its way yet
        assert too_early.status_code == 409, too_early.text
        assert "VisitOnTheAuthorisedDay" in [d.split(":")[0] for d in too_early.json()["details"]]

        now[0] = datetime(2026, 12, 1, 23, 53, tzinfo=LONDON)
        departed = client.post(f"{path}/departure", json=body)
        assert departed.status_code == 200, departed.text
        assert departed.json()["status"] == "en_route"


def authorised(settings: Any, visit_id: str, staff: list[str]) -> VisitAuthorised:
    """What authorisation decides for the visit from 00:18 to 01:18, out of hours."""
    conditions = VisitConditions(min_staff=2, staff_ids=staff, visit_date=DAY,
                                 earliest_start="00:18", latest_end="01:18",
                                 timezone="Europe/London", check_in_interval_minutes=20,
                                 responsible_contact="head-0001")
    return VisitAuthorised(
        event_id=uuid4(), occurred_at=datetime.now(UTC), trust_id=settings.default_trust,
        school_urn=URN, visit_id=UUID(visit_id), actor=Actor(id="dsl-0001", role=Role.DSL),
        correlation_id=uuid4(), authorised_by="dsl-0001", conditions=conditions)
