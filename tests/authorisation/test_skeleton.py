"""The walking skeleton of authorisation, over a real nats-server: request, assess, decide."""

from __future__ import annotations

import pytest

from shared.contracts.authorisation import RiskAssessed, VisitAuthorised, VisitDeclined
from tests.authorisation.conftest import URN, Bus, Service, visit_requested

pytestmark = pytest.mark.nats


async def test_a_requested_visit_is_assessed_and_authorised_with_conditions_on_the_wire(
        service: Service, bus: Bus) -> None:
    requested = visit_requested()
    await bus.publish(requested)
    await service.known(requested.visit_id)  # type: ignore[arg-type]
    base = f"/v1/schools/{URN}/visits/{requested.visit_id}"

    assessed = service.post(f"{base}/risk-assessments", {"kind": "initial", "score": 4})
    assert assessed.status_code == 201, assessed.text
    assert assessed.json()["band"] == "low"
    decided = service.post(f"{base}/decision", {"decision": "authorise"})
    assert decided.status_code == 200, decided.text

    [(subject, risk)] = await bus.wait_for("RiskAssessed")
    assert isinstance(risk, RiskAssessed)
    assert subject.endswith(f".events.{requested.trust_id}.{URN}.riskassessment.RiskAssessed")
    assert (risk.visit_id, risk.score, risk.band) == (requested.visit_id, 4, "low")
    assert risk.correlation_id == requested.correlation_id
    [(subject, authorised)] = await bus.wait_for("VisitAuthorised")
    assert isinstance(authorised, VisitAuthorised)
    assert authorised.visit_id == requested.visit_id
    assert authorised.actor.id == "dsl-1"
    assert authorised.conditions.staff_ids == ["staff-1", "staff-2"]
    assert authorised.conditions.visit_date == requested.planned_date


async def test_a_very_high_score_is_refused_naming_the_rule(service: Service, bus: Bus) -> None:
    requested = visit_requested()
    await bus.publish(requested)
    await service.known(requested.visit_id)  # type: ignore[arg-type]
    base = f"/v1/schools/{URN}/visits/{requested.visit_id}"
    assert service.post(f"{base}/risk-assessments", {"kind": "full", "score": 20}
                        ).status_code == 201

    refused = service.post(f"{base}/decision", {"decision": "authorise"})
    assert refused.status_code == 409
    assert "VeryHighRiskCannotBeAuthorised" in refused.text
    declined = service.post(f"{base}/decision", {"decision": "decline", "reason": "too risky"})
    assert declined.status_code == 200
    [(_, event)] = await bus.wait_for("VisitDeclined")
    assert isinstance(event, VisitDeclined)
    assert [rule.rule for rule in event.broken_rules] == ["VeryHighRiskCannotBeAuthorised"]
    assert await bus.events("VisitAuthorised") == []


async def test_unknown_visits_and_early_decisions_get_clear_answers(
        service: Service, bus: Bus) -> None:
    unknown = service.post(f"/v1/schools/{URN}/visits/{visit_requested().visit_id}/decision",
                           {"decision": "authorise"})
    assert unknown.status_code == 404
    assert "not known to authorisation" in unknown.json()["detail"]

    requested = visit_requested()
    await bus.publish(requested)
    await service.known(requested.visit_id)  # type: ignore[arg-type]
    early = service.post(f"/v1/schools/{URN}/visits/{requested.visit_id}/decision",
                         {"decision": "authorise"})
    assert early.status_code == 409
    assert "FirstVisitNeedsInitialChecklist" in early.json()["detail"]
    assert "no initial risk assessment checklist is recorded" in early.text
    assert service.post(f"/v1/schools/{URN}/visits/{requested.visit_id}/risk-assessments",
                        {"kind": "initial", "score": 30}).status_code == 422


async def test_redelivered_request_changes_nothing(service: Service, bus: Bus) -> None:
    requested = visit_requested()
    await bus.publish(requested)
    await service.known(requested.visit_id)  # type: ignore[arg-type]
    app = service.client.app.state.runtime.app  # type: ignore[attr-defined]
    before = app.recorder.max_notification_id()
    assert app.record_request(requested) is False
    assert app.recorder.max_notification_id() == before
