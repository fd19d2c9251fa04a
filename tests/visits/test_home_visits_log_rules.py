"""The Home Visits Log in the domain and the application alone: who may open it, what it says is
due, and one recorded opening per person and visit in each quiet window. Milliseconds."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from uuid import UUID, uuid4

import pytest

from services.visits.application import VisitsApplication
from services.visits.domain import Status
from services.visits.domain.log import (
    QUIET,
    RESPONDER_ROLES,
    RULE,
    LogOpenings,
    log_refusal,
    next_due,
    opened_fields,
)
from services.visits.integration import translate
from shared.contracts import Actor, Role
from shared.contracts.errors import Conflict, Forbidden
from shared.contracts.meta import command_meta
from shared.contracts.visits import HomeVisitLogOpened
from shared.testing.sealing import scratch_sealer

URN = "123456"
STAFF = ["staff-0001", "staff-0002"]
LEFT = datetime(2026, 11, 24, 14, 0, tzinfo=UTC)
ADDRESS = "4 Juniper Close, Kings Lynn"


@pytest.mark.parametrize("role", sorted(RESPONDER_ROLES))
def test_the_office_the_senior_roles_and_the_trust_safety_lead_may_open_it(role: Role) -> None:
    assert log_refusal("someone", role, "buddy-0001", STAFF) is None


def test_the_visits_own_buddy_and_staff_may_open_it_whatever_their_role() -> None:
    assert log_refusal("buddy-0001", Role.BUDDY, "buddy-0001", STAFF) is None
    assert log_refusal("staff-0002", Role.STAFF, "buddy-0001", STAFF) is None


@pytest.mark.parametrize(("viewer", "role"), [("buddy-0002", Role.BUDDY),
                                              ("staff-0003", Role.STAFF),
                                              ("auditor-0001", Role.AUDITOR),
                                              ("it-0001", Role.TRUST_IT)])
def test_anyone_else_is_refused_by_name_with_who_may(viewer: str, role: Role) -> None:
    refused = log_refusal(viewer, role, "buddy-0001", STAFF)
    assert isinstance(refused, Forbidden)
    assert refused.message.startswith(f"{RULE}: only the responders")
    for named in ("office", "dsl", "headteacher", "trust_safety_lead", "buddy-0001",
                  "staff-0001, staff-0002", f"{viewer} ({role})"):
        assert named in refused.message
    assert "west-norfolk-academies-trust.txt line 69" in refused.details[0]


def test_what_is_due_next_follows_the_visit() -> None:
    arrive, back = LEFT + timedelta(minutes=20), LEFT + timedelta(hours=2)
    assert next_due(Status.EN_ROUTE, None, 20, arrive, back) == ("arrival", arrive)
    last = LEFT + timedelta(minutes=30)
    assert next_due(Status.ON_SITE, last, 20, arrive, back) == ("check-in",
                                                                last + timedelta(minutes=20))
    assert next_due(Status.ON_SITE, back - timedelta(minutes=5), 20, arrive, back) == (
        "return", back)
    assert next_due(Status.LEFT, last, 20, arrive, back) == ("return", back)
    assert next_due(Status.RETURNED, last, 20, arrive, back) is None


def test_an_opening_names_the_sealed_fields_it_shows_and_never_the_phrase() -> None:
    full = {"address": "x", "expecting_to_see": "y", "vehicle_registration": "z",
            "buddy_phone": "1", "duress_phrase": "p"}
    assert opened_fields(full) == ["address", "expecting_to_see", "staff_mobiles",
                                   "vehicle_registration", "buddy_phone"]
    assert "vehicle_registration" not in opened_fields({**full, "vehicle_registration": None})


def meta_of(user: str, role: Role) -> dict[str, str]:
    return command_meta(trust_id="dev-trust", school_urn=URN, actor=Actor(id=user, role=role),
                        correlation_id=uuid4(), causation_id=None)


def test_one_opening_is_recorded_per_person_and_quiet_window() -> None:
    meta = meta_of("office-0001", Role.OFFICE)
    openings = LogOpenings(uuid4(), "office-0001", meta)
    fields = ["address", "staff_mobiles"]
    assert openings.open("office", fields, "board", "hh-1", LEFT, meta)
    assert not openings.open("office", fields, "board", "hh-1", LEFT + QUIET / 2, meta)
    assert openings.open("buddy", fields, "visit", "hh-1", LEFT + QUIET / 2, meta)  # a new role
    assert openings.open("buddy", fields, "board", "hh-1", LEFT + QUIET * 2, meta)
    kinds = [type(e).__name__ for e in openings.collect_events()]
    assert kinds == ["Started", "Opened", "Opened", "Opened"]


class Clock:
    def __init__(self) -> None:
        self.now = LEFT

    def __call__(self) -> datetime:
        return self.now


def signed_out(clock: Clock) -> tuple[VisitsApplication, UUID]:
    app = VisitsApplication({"PERSISTENCE_MODULE": "eventsourcing.popo"},
                            sealer=scratch_sealer(), clock=clock)
    staff_meta = meta_of("staff-0001", Role.STAFF)
    visit_id = app.request_visit({"household_id": "hh-1", "purpose": "welfare check",
                                  "planned_date": "2026-11-24", "staff_ids": STAFF}, staff_meta)
    conditions = {"staff_ids": STAFF, "min_staff": 2, "cleared_drivers": ["staff-0001"],
                  "check_in_interval_minutes": 20, "timezone": "UTC"}
    app.record_decision(visit_id, URN, "d1", True, conditions, [], meta_of("dsl-0001", Role.DSL))
    staff = Actor(id="staff-0001", role=Role.STAFF)
    app.depart(visit_id, URN, {
        "staff": [{"staff_id": "staff-0001", "mobile": "07700 900111", "driving": True},
                  {"staff_id": "staff-0002", "mobile": "07700 900222", "driving": False}],
        "vehicle_registration": "KN51 ABC", "address": ADDRESS, "expecting_to_see": "Mrs Juniper",
        "expected_arrival": (LEFT + timedelta(minutes=20)).isoformat(),
        "expected_leave": (LEFT + timedelta(hours=1)).isoformat(),
        "expected_return": (LEFT + timedelta(hours=2)).isoformat(), "buddy_id": "buddy-0001",
        "buddy_phone": "01553 000111", "check_in_interval_minutes": 20,
        "duress_phrase": "the green folder"}, staff, uuid4())
    return app, visit_id


def test_the_log_says_what_the_responders_need_and_each_opening_is_an_event() -> None:
    clock = Clock()
    app, visit_id = signed_out(clock)
    office = Actor(id="office-0001", role=Role.OFFICE)
    before = app.recorder.max_notification_id() or 0
    log = app.home_visits_log(visit_id, URN, office, "board", uuid4())
    assert (log["address"], log["expecting_to_see"], log["vehicle_registration"],
            log["driver"]) == (ADDRESS, "Mrs Juniper", "KN51 ABC", "staff-0001")
    assert [m["mobile"] for m in log["staff"]] == ["07700 900111", "07700 900222"]
    assert (log["buddy_id"], log["buddy_phone"]) == ("buddy-0001", "01553 000111")
    assert log["left_school_at"] is not None
    assert log["status"] == "en_route"
    assert log["next_due"]["what"] == "arrival"
    assert log["duress"] is False
    assert "duress_phrase" not in log
    assert "the green folder" not in str(log)
    assert log["opening"]["recorded"] is True

    clock.now += timedelta(minutes=1)
    assert app.home_visits_log(visit_id, URN, office, "board", uuid4())["opening"][
        "recorded"] is False  # the live board again: the same look
    stored = [n for n in app.recorder.select_notifications(before + 1, 10)]
    published = [e for n in stored for e in translate(app.mapper.to_domain_event(n))]
    assert [type(e) for e in published] == [HomeVisitLogOpened]
    opened = published[0]
    assert isinstance(opened, HomeVisitLogOpened)
    assert (opened.opened_by, opened.role, opened.via, opened.household_id) == (
        "office-0001", Role.OFFICE, "board", "hh-1")
    assert opened.visit_id == visit_id
    assert ADDRESS not in opened.model_dump_json()
    assert "07700" not in opened.model_dump_json()


def test_a_refused_opening_records_nothing_and_an_unsigned_visit_has_no_log() -> None:
    clock = Clock()
    app, visit_id = signed_out(clock)
    before = app.recorder.max_notification_id()
    with pytest.raises(Forbidden):
        app.home_visits_log(visit_id, URN, Actor(id="staff-0009", role=Role.STAFF), "api",
                            uuid4())
    assert app.recorder.max_notification_id() == before
    fresh = app.request_visit({"household_id": "hh-2", "staff_ids": STAFF},
                              meta_of("staff-0001", Role.STAFF))
    with pytest.raises(Conflict, match="written at sign-out"):
        app.home_visits_log(fresh, URN, Actor(id="dsl-0001", role=Role.DSL), "api", uuid4())
