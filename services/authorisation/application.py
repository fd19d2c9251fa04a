"""Use cases of the authorisation service, on its own event store."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any
from uuid import UUID

from services.authorisation.commands import (
    AssessmentIn,
    DecisionIn,
    ReviewIn,
)
from services.authorisation.domain import Meta, RiskAssessment, VisitCase, scoring
from services.authorisation.domain.household import Household, Requirement
from services.authorisation.domain.replay import facts_record
from services.authorisation.domain.rules import Facts, broken_rules, conditions
from services.authorisation.imports import MisImports
from services.authorisation.intake import assess, review_date
from services.authorisation.onboarding import Onboarding
from services.authorisation.packs import TRUST_DEFAULT, Catalogue
from services.authorisation.policy_reviews import PolicyReviews
from services.authorisation.schools import SERVICE_ACTOR
from services.authorisation.sign_out_form import SignOutForms
from services.authorisation.what_if import WhatIf
from shared.contracts import Actor, IntegrationEvent
from shared.contracts.authorisation import VisitConditions
from shared.contracts.errors import Conflict, Forbidden, NotFound, RulesBroken
from shared.contracts.ladder import (
    LADDER_CITATION,
    LADDER_RULE,
)
from shared.contracts.meta import command_meta, reaction_meta
from shared.contracts.records import IncidentReported
from shared.contracts.visits import Arrived, VisitRequested
from shared.storage.commands import serialised
from shared.storage.keystore import DataSubject
from shared.storage.sealing import Sealer

# The rules that say who may decide at all (as opposed to whether the visit may go ahead).
AUTHORITY_RULES = frozenset({"AuthoriserHasAllowedRole", "AuthoriserNotOnTheVisit"})


class AuthorisationApp(WhatIf, PolicyReviews, Onboarding, MisImports, SignOutForms):
    """Assessments and the decision on each visit, under its school's records and people."""

    name = "authorisation"

    def __init__(self, env: dict[str, str] | None = None, *, sealer: Sealer,
                 catalogue: Catalogue | None = None, default_pack: str = TRUST_DEFAULT,
                 ladder_required: bool = False, address_secret: bytes = b"") -> None:
        super().__init__(env=env, sealer=sealer, catalogue=catalogue, default_pack=default_pack,
                         ladder_required=ladder_required, address_secret=address_secret)

    # -- what the bus tells us ---------------------------------------------------------------
    @serialised(by="requested.school_urn")
    def record_request(self, requested: VisitRequested) -> bool:
        """Keep what was asked for. True if it changed anything (redelivery changes nothing)."""
        assert requested.visit_id is not None
        request = _request_of(requested)
        meta = reaction_meta(requested, SERVICE_ACTOR)
        source = str(requested.event_id)
        try:
            case = self._case(requested.visit_id)
        except NotFound:
            self.save(VisitCase(visit_id=requested.visit_id, request=request,
                                source_event_id=source, meta=meta))
            return True
        if source in case.seen_events:
            return False
        case.change_request(request=request, source_event_id=source, meta=meta)
        self.save(case)
        return True

    @serialised(by="arrived.school_urn")
    def record_arrival(self, arrived: Arrived) -> bool:
        """A visit made: the household's next visit is a later one (needs a full assessment)."""
        case = self._known_case(arrived.visit_id)
        if case is None:
            return False
        household = self._household(case.school_urn, case.household_id,
                                    reaction_meta(arrived, SERVICE_ACTOR))
        if str(case.visit_id) in household.visits_made:
            return False
        household.note_visit(visit_id=str(case.visit_id), meta=reaction_meta(arrived, SERVICE_ACTOR))
        self.save(household)
        return True

    @serialised(by="incident.school_urn")
    def record_incident(self, incident: IncidentReported) -> bool:
        """An incident at a household overtakes its full assessment (West Norfolk App. 4, l.226)."""
        case = self._known_case(incident.visit_id)
        if case is None:
            return False
        meta = reaction_meta(incident, SERVICE_ACTOR)
        household = self._household(case.school_urn, case.household_id, meta)
        if household.knows_incident(incident.incident_id):
            return False
        household.note_incident(incident_id=incident.incident_id,
                                occurred_at=incident.occurred_at.isoformat(), meta=meta)
        self.save(household)
        return True

    @serialised(by="moved.school_urn")
    def record_progress(self, moved: IntegrationEvent, stage: str) -> bool:
        """Signed out, returned or cancelled: from now on the visit takes no more decisions."""
        case = self._known_case(moved.visit_id)
        if case is None or str(moved.event_id) in case.seen_events:
            return False
        case.progress_to(stage=stage, source_event_id=str(moved.event_id),
                         meta=reaction_meta(moved, SERVICE_ACTOR))
        self.save(case)
        return True

    # -- queries -------------------------------------------------------------------------------
    def visit(self, visit_id: UUID, school_urn: str) -> VisitCase:
        case = self._case(visit_id)
        if case.school_urn != school_urn:
            raise NotFound(f"visit {visit_id} is not a visit of school {school_urn}")
        return case

    def requirement(self, case: VisitCase) -> Requirement:
        household = self._household(case.school_urn, case.household_id, case.meta)
        return household.requirement(str(case.visit_id), case.planned_date)

    def assessment(self, assessment_id: UUID, school_urn: str) -> RiskAssessment:
        found: RiskAssessment | None = self.find(assessment_id, RiskAssessment)
        if found is None or found.school_urn != school_urn:
            raise NotFound(f"school {school_urn} has no risk assessment {assessment_id}")
        return found

    # -- commands --------------------------------------------------------------------------------
    @serialised(by="school_urn")
    def record_assessment(self, visit_id: UUID, school_urn: str, body: AssessmentIn, actor: Actor,
                          request_id: UUID) -> RiskAssessment:
        case = self._open_case(visit_id, school_urn, "recorded")
        meta = self._command_meta(case, actor, request_id)
        pack = self.pack_for(school_urn)
        now = datetime.now(UTC)
        if body.kind == "dynamic" and actor.id not in case.staff_ids:
            raise Forbidden("the dynamic assessment at the door is recorded by the visiting staff")
        score, details, further, review = assess(body, pack, now.date())
        assessment = RiskAssessment(
            school_urn=school_urn, household_id=case.household_id, visit_id=visit_id,
            kind=str(body.kind), score=score, band=str(scoring.band_of(score)),
            review_date=review.isoformat() if review else None, details=details,
            assessed_by=actor.id, assessed_role=str(actor.role), recorded_at=now.isoformat(),
            meta=meta)
        household = self._household(school_urn, case.household_id, meta)
        household.note_assessment(summary={
            "assessment_id": str(assessment.id), "kind": assessment.kind, "score": score,
            "band": assessment.band, "review_date": assessment.review_date,
            "recorded_at": now.isoformat(), "signed_off_roles": [str(actor.role)],
            "further_controls": further}, meta=meta)
        case.attach_assessment(assessment_id=str(assessment.id), meta=meta)
        self._save(assessment, household, case)
        return assessment

    @serialised(by="school_urn")
    def sign_off(self, assessment_id: UUID, school_urn: str, actor: Actor, request_id: UUID
                 ) -> RiskAssessment:
        assessment = self.assessment(assessment_id, school_urn)
        case = self._case(assessment.visit_id)
        meta = self._command_meta(case, actor, request_id)
        assessment.sign_off(by=actor.id, role=str(actor.role), meta=meta)
        household = self._household(school_urn, assessment.household_id, meta)
        household.note_sign_off(assessment_id=str(assessment.id), role=str(actor.role), meta=meta)
        self._save(assessment, household)
        return assessment

    @serialised(by="school_urn")
    def review(self, assessment_id: UUID, school_urn: str, body: ReviewIn, actor: Actor,
               request_id: UUID) -> RiskAssessment:
        assessment = self.assessment(assessment_id, school_urn)
        if assessment.kind != "full":
            raise Conflict(f"only a full risk assessment is reviewed; this one is {assessment.kind}")
        case = self._case(assessment.visit_id)
        meta = self._command_meta(case, actor, request_id)
        now = datetime.now(UTC)
        next_review = review_date(body.review_date, self.pack_for(school_urn), now.date())
        assessment.review(by=actor.id, role=str(actor.role), reviewed_at=now.isoformat(),
                          review_date=next_review.isoformat(), note=body.note, meta=meta)
        household = self._household(school_urn, assessment.household_id, meta)
        household.note_review(assessment_id=str(assessment.id), reviewed_at=now.isoformat(),
                              review_date=next_review.isoformat(), meta=meta)
        self._save(assessment, household)
        return assessment

    @serialised(by="school_urn")
    def decide(self, visit_id: UUID, school_urn: str, body: DecisionIn, actor: Actor,
               request_id: UUID) -> VisitCase:
        case = self._open_case(visit_id, school_urn, "decided")
        meta = self._command_meta(case, actor, request_id)
        requirement = self.requirement(case)
        in_force = self.in_force(school_urn)
        pack, label = in_force.pack, in_force.label
        under: dict[str, Any] = {"policy_pack": label, "pack_name": pack.name,
                                 "pack_version": in_force.version}
        facts = self.facts(case, requirement, body, actor)
        broken = broken_rules(facts, pack)
        no_authority = [b for b in broken if b.rule in AUTHORITY_RULES]
        if body.decision == "decline" and no_authority:  # declining is a decision too
            raise Forbidden(f"{actor.id} may not decide visit {visit_id} under {label}",
                            details=[f"{b.rule}: {b.message} [{b.citation}]"
                                     for b in no_authority])
        if body.decision == "decline":
            case.decline(declined_by=actor.id, broken_rules=[b.as_dict() for b in broken],
                         reason=self.sealer.seal_optional(self._household_of(case), body.reason),
                         facts=facts_record(facts), meta=meta, **under)
        elif broken:
            case.refuse(attempted_by=actor.id, broken_rules=[b.as_dict() for b in broken],
                        facts=facts_record(facts), meta=meta, **under)
            self._save(case)  # the refusal is on record before the person hears of it
            raise RulesBroken(
                f"visit {visit_id} cannot be authorised under {label}: {len(broken)} rule(s) "
                "broken: " + ", ".join(b.rule for b in broken),
                details=[f"{b.rule}: {b.message} [{b.citation}]" for b in broken])
        elif ladder_refusal := self.ladder_refusal(school_urn):
            raise RulesBroken(f"visit {visit_id} cannot be authorised: {ladder_refusal}",
                              details=[f"{LADDER_RULE}: {ladder_refusal} [{LADDER_CITATION}]"])
        elif requirement.governing is None:
            raise Conflict(f"visit {visit_id} has no risk assessment yet: record one with "
                           f"POST /v1/schools/{school_urn}/visits/{visit_id}/risk-assessments")
        else:
            granted = VisitConditions.model_validate(conditions(facts, pack))
            governing = requirement.governing
            case.authorise(authorised_by=actor.id, conditions=granted.model_dump(mode="json"),
                           risk_score=governing.score if governing else None,
                           assessment_id=governing.assessment_id if governing else None,
                           facts=facts_record(facts), meta=meta, **under)
        self._save(case)
        return case

    @staticmethod
    def _household_of(case: VisitCase) -> DataSubject:
        """A decision's free text belongs to the household visited, sealed under its key."""
        return DataSubject(case.request["trust_id"], "household", case.household_id)

    def facts(self, case: VisitCase, requirement: Requirement, body: DecisionIn, actor: Actor
              ) -> Facts:
        staff = list(body.staff_ids or case.staff_ids)
        register = self.register(case.school_urn)
        documents = {s: register.documents_of(s) for s in staff} if register else {}
        return Facts(
            staff_ids=staff, authoriser_id=actor.id, authoriser_role=str(actor.role),
            visit_date=case.planned_date, planned_start=case.planned_start,
            planned_end=case.planned_end, first_visit=requirement.first_visit,
            assessment=requirement.governing, assessment_shortfall=requirement.shortfall,
            announced=bool(case.request.get("announced", True)),
            reason_code=case.request.get("reason_code"),
            lone_visit_approved=body.lone_visit_approved,
            responsible_contact=body.responsible_contact,
            out_of_hours_reason=body.out_of_hours_reason, drivers=list(body.drivers),
            doorstep_only=body.doorstep_only, documents=documents)

    # -- plumbing --------------------------------------------------------------------------------
    def _case(self, visit_id: UUID) -> VisitCase:
        case = self.find(VisitCase.create_id(visit_id), VisitCase)
        if case is None:
            raise NotFound(f"visit {visit_id} is not known to authorisation: if it was just "
                           "requested, its request may not have arrived yet; retry shortly")
        assert isinstance(case, VisitCase)
        return case

    def _open_case(self, visit_id: UUID, school_urn: str, done: str) -> VisitCase:
        case = self.visit(visit_id, school_urn)
        closed = case.closed_for_decisions
        if closed:
            raise Conflict(f"visit {visit_id} cannot be {done} now: {closed}; decisions and "
                           "risk assessments are made before sign-out")
        return case

    def _known_case(self, visit_id: UUID | None) -> VisitCase | None:
        return self.find(VisitCase.create_id(visit_id), VisitCase) if visit_id else None

    def _household(self, school_urn: str, household_id: str, meta: Meta) -> Household:
        found = self.find(Household.create_id(school_urn, household_id), Household)
        if isinstance(found, Household):
            return found
        return Household(school_urn=school_urn, household_id=household_id, meta=meta)

    def _command_meta(self, case: VisitCase, actor: Actor, request_id: UUID) -> Meta:
        return command_meta(trust_id=case.request["trust_id"], school_urn=case.school_urn,
                            actor=actor, correlation_id=UUID(case.meta["correlation_id"]),
                            causation_id=request_id)



def _request_of(requested: VisitRequested) -> dict[str, Any]:
    return {
        "trust_id": requested.trust_id,
        "school_urn": requested.school_urn,
        "household_id": requested.household_id,
        "staff_ids": list(requested.staff_ids),
        "planned_date": requested.planned_date.isoformat(),
        "planned_start": requested.planned_start.isoformat(),
        "planned_end": requested.planned_end.isoformat(),
        "announced": requested.announced,
        "reason_code": requested.reason_code,
        "requested_by": requested.requested_by,
    }
