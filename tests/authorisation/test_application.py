"""Use cases in memory: what the bus tells authorisation is kept once, however often it is told."""

from __future__ import annotations

from datetime import UTC, datetime
from uuid import uuid4

import pytest

from services.authorisation.application import AuthorisationApp
from services.authorisation.commands import AssessmentIn, DecisionIn
from shared.contracts import Actor, Role
from shared.contracts.errors import Invalid, NotFound
from shared.contracts.records import IncidentReported
from shared.contracts.visits import Arrived, VisitRequested
from shared.testing.sealing import scratch_sealer, sealed
from tests.authorisation.conftest import URN, visit_requested

DSL = Actor(id="dsl-1", role=Role.DSL)


@pytest.fixture
def app() -> AuthorisationApp:
    return AuthorisationApp(env={"PERSISTENCE_MODULE": "eventsourcing.popo"},
                            sealer=scratch_sealer())


def told(cause: VisitRequested, event_class: type, **fields: object) -> object:
    return event_class(event_id=uuid4(), occurred_at=datetime.now(UTC), trust_id=cause.trust_id,
                       school_urn=cause.school_urn, visit_id=cause.visit_id,
                       actor=Actor(id="staff-1", role=Role.STAFF),
                       correlation_id=cause.correlation_id, **fields)


def test_arrivals_and_incidents_heard_twice_are_kept_once(app: AuthorisationApp) -> None:
    visit = visit_requested()
    app.record_request(visit)
    arrived = told(visit, Arrived)
    assert app.record_arrival(arrived) is True  # type: ignore[arg-type]
    assert app.record_arrival(arrived) is False  # type: ignore[arg-type]
    incident = told(visit, IncidentReported, incident_id="i-1", kind="aggression",
                    description=sealed("shouting"), reported_by="staff-1")
    assert app.record_incident(incident) is True  # type: ignore[arg-type]
    assert app.record_incident(incident) is False  # type: ignore[arg-type]


def test_news_of_a_visit_never_requested_here_is_ignored(app: AuthorisationApp) -> None:
    stranger = visit_requested()
    assert app.record_arrival(told(stranger, Arrived)) is False  # type: ignore[arg-type]


def test_a_changed_request_lapses_the_decision(app: AuthorisationApp) -> None:
    visit = visit_requested()
    assert visit.visit_id is not None
    app.record_request(visit)
    app.record_assessment(visit.visit_id, URN, AssessmentIn(kind="initial", score=3), DSL, uuid4())
    app.decide(visit.visit_id, URN, DecisionIn(decision="authorise"), DSL, uuid4())
    changed = visit.model_copy(update={"event_id": uuid4(), "staff_ids": ["staff-1", "staff-3"]})
    assert app.record_request(changed) is True
    case = app.visit(visit.visit_id, URN)
    assert (case.decision, case.staff_ids) == (None, ["staff-1", "staff-3"])


def test_other_schools_cannot_see_a_visit(app: AuthorisationApp) -> None:
    visit = visit_requested()
    app.record_request(visit)
    with pytest.raises(NotFound):
        app.visit(visit.visit_id, "999999")  # type: ignore[arg-type]


def test_a_full_assessment_whose_score_disagrees_with_its_hazards_is_refused(
        app: AuthorisationApp) -> None:
    visit = visit_requested()
    app.record_request(visit)
    hazard = {"hazard": "dog", "who_affected": "staff", "likelihood": 3, "consequence": 3}
    body = AssessmentIn.model_validate({"kind": "full", "score": 4, "hazards": [hazard]})
    with pytest.raises(Invalid, match="worst residual score is 9"):
        app.record_assessment(visit.visit_id, URN, body, DSL, uuid4())  # type: ignore[arg-type]
