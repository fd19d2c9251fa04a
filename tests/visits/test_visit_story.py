"""A visit's story in the domain alone: no servers, milliseconds."""

from __future__ import annotations

from datetime import date, datetime, time
from uuid import uuid4
from zoneinfo import ZoneInfo

import pytest

from services.visits.domain import Status, Visit
from services.visits.domain.rules import SignOutFacts
from shared.contracts import Actor, Role
from shared.contracts.errors import Conflict, RulesBroken
from shared.contracts.meta import command_meta

META = command_meta(trust_id="dev-trust", school_urn="123456", actor=Actor(id="s1", role=Role.STAFF),
                    correlation_id=uuid4(), causation_id=None)
TODAY = date(2026, 11, 24)
LONDON = ZoneInfo("Europe/London")
CONDITIONS = {"min_staff": 2, "staff_ids": ["s1", "s2"], "visit_date": TODAY.isoformat(),
              "latest_end": "18:00", "cleared_drivers": ["s1"], "check_in_interval_minutes": 20}
SIGN_OUT = {"staff": [{"staff_id": "s1", "mobile": "07700 900001", "driving": True},
                      {"staff_id": "s2", "mobile": "07700 900002", "driving": False}],
            "expected_return": "2026-11-24T16:00:00+00:00", "duress_phrase": "blue folder"}


def facts(**changes: object) -> SignOutFacts:
    """A sign-out; `day` and `leave_at` give the moment of it on the school's clock."""
    values: dict[str, object] = {"staff_ids": ["s1", "s2"], "drivers": ["s1"], "day": TODAY,
                                 "leave_at": time(14, 0), "back_by": time(16, 0),
                                 "check_in_interval_minutes": 20}
    values.update(changes)
    day, leave_at = values.pop("day"), values.pop("leave_at")
    values["left_at"] = datetime.combine(day, leave_at, LONDON)  # type: ignore[arg-type]
    return SignOutFacts(**values)  # type: ignore[arg-type]


def authorised_visit() -> Visit:
    visit = Visit({"household_id": "h1"}, META)
    visit.record_decision("d1", True, CONDITIONS, [], META)
    return visit


def test_an_unauthorised_visit_cannot_be_signed_out() -> None:
    visit = Visit({"household_id": "h1"}, META)
    with pytest.raises(Conflict, match="needs an authorised visit"):
        visit.depart(SIGN_OUT, facts(), META)


def test_a_declined_visit_cannot_be_signed_out_and_says_which_rules() -> None:
    visit = Visit({"household_id": "h1"}, META)
    visit.record_decision("d1", False, None, [{"rule": "VeryHighRiskCannotBeAuthorised"}], META)
    with pytest.raises(Conflict) as refused:
        visit.depart(SIGN_OUT, facts(), META)
    assert refused.value.details == ["VeryHighRiskCannotBeAuthorised"]


def test_the_same_decision_delivered_twice_changes_nothing() -> None:
    visit = authorised_visit()
    version = visit.version
    visit.record_decision("d1", True, CONDITIONS, [], META)
    assert visit.version == version
    assert visit.decision_ids == ["d1"]


def test_a_full_visit_runs_in_order() -> None:
    visit = authorised_visit()
    visit.depart(SIGN_OUT, facts(), META)
    visit.arrive(True, None, META)
    visit.check_in(META)
    visit.check_in(META)
    visit.leave("2026-11-24T15:30:00+00:00", META)
    visit.return_(False, META)
    assert visit.status is Status.RETURNED
    assert visit.check_ins == 2
    names = [type(e).__name__ for e in visit.collect_events()]
    assert names == ["Requested", "DecisionRecorded", "Departed", "Arrived", "CheckedIn",
                     "CheckedIn", "LeftProperty", "Returned"]


def test_return_before_departure_is_refused() -> None:
    visit = authorised_visit()
    with pytest.raises(Conflict, match="sign out before signing back in"):
        visit.return_(False, META)


def test_check_in_before_arrival_is_refused() -> None:
    visit = authorised_visit()
    visit.depart(SIGN_OUT, facts(), META)
    with pytest.raises(Conflict, match="record arrival first"):
        visit.check_in(META)


@pytest.mark.parametrize(("change", "rule"), [
    ({"staff_ids": ["s1"], "drivers": ["s1"]}, "MinimumStaffOnVisit"),
    ({"staff_ids": ["s1", "s3"]}, "StaffChangeNeedsNewDecision"),
    ({"day": date(2026, 11, 25)}, "VisitOnTheAuthorisedDay"),
    ({"back_by": time(19, 30)}, "VisitWithinAuthorisedHours"),
    ({"drivers": ["s1", "s2"]}, "DriversDocumentsValidOnTheDay"),
    ({"check_in_interval_minutes": 45}, "CheckInIntervalAsAuthorised"),
])
def test_sign_out_that_breaks_a_condition_names_the_rule(change: dict[str, object], rule: str) -> None:
    visit = authorised_visit()
    with pytest.raises(RulesBroken) as refused:
        visit.depart(SIGN_OUT, facts(**change), META)
    assert any(detail.startswith(rule) for detail in refused.value.details)
    assert visit.status is Status.AUTHORISED


def test_a_panic_looks_like_a_check_in_to_the_staff_member() -> None:
    visit = authorised_visit()
    visit.depart(SIGN_OUT, facts(), META)
    visit.arrive(True, None, META)
    visit.check_in(META)
    visit.raise_duress("s1", "panic", META)
    assert visit.duress
    assert visit.check_ins == 1
    assert visit.check_ins_shown_to_staff == 2
