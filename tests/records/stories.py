"""One visit's events as the four services would publish them, for records tests."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from uuid import UUID, uuid4

from shared.contracts import Actor, IntegrationEvent, Role
from shared.contracts import authorisation as auth
from shared.contracts import escalation as esc
from shared.contracts import visits as v
from shared.storage.sealing import Sealer
from shared.testing.sealing import household as household_of
from shared.testing.sealing import scratch_sealer

TRUST, SCHOOL = "dev-trust", "123456"
START = datetime(2026, 11, 24, 13, 0, tzinfo=UTC)


def base(visit_id: UUID, correlation: UUID, minute: int, actor: str = "s1",
         role: Role = Role.STAFF, causation: UUID | None = None, trust: str = TRUST,
         school: str = SCHOOL) -> dict[str, object]:
    return {"event_id": uuid4(), "occurred_at": START + timedelta(minutes=minute),
            "trust_id": trust, "school_urn": school, "visit_id": visit_id,
            "actor": Actor(id=actor, role=role), "correlation_id": correlation,
            "causation_id": causation}


def visit_story(visit_id: UUID | None = None, *, household: str = "h-1", pupil: str = "p-1",
                trust: str = TRUST, school: str = SCHOOL, sealer: Sealer | None = None
                ) -> list[IntegrationEvent]:
    """Request, assessment, authorisation, sign-out, arrival, two check-ins, leaving, return,
    and a missed check-in from escalation: events of all four services. Personal fields are
    sealed as the visits service seals them (give the services' `sealer` to have them opened)."""
    vid, cor = visit_id or uuid4(), uuid4()
    subject = household_of(trust, household)

    def s(text: str) -> str:
        return (sealer or scratch_sealer()).seal(subject, text)

    def b(minute: int, actor: str = "s1", role: Role = Role.STAFF) -> dict[str, object]:
        return base(vid, cor, minute, actor, role, trust=trust, school=school)

    when = START + timedelta(minutes=60)
    return [
        v.VisitRequested(**b(0), household_id=household, pupil_ids=[pupil], purpose=s("welfare check"),
                         planned_date=date(2026, 11, 24), planned_start=when,
                         planned_end=when + timedelta(hours=1), staff_ids=["s1", "s2"],
                         requested_by="s1"),
        auth.RiskAssessed(**b(5, "dsl-1", Role.DSL), assessment_id="a-1", kind="initial",
                          household_id=household, score=4, band="low", assessed_by="dsl-1"),
        auth.VisitAuthorised(**b(6, "dsl-1", Role.DSL), authorised_by="dsl-1",
                             conditions=auth.VisitConditions(min_staff=2)),
        v.Departed(**b(50), staff=[v.StaffOnVisit(staff_id="s1", mobile=s("07700 900001")),
                                   v.StaffOnVisit(staff_id="s2", mobile=s("07700 900002"))],
                   address=s("1 Acacia Avenue"), expecting_to_see=s("parent"),
                   expected_arrival=when, expected_leave=when + timedelta(minutes=45),
                   expected_return=when + timedelta(minutes=70), buddy_id="b-1",
                   buddy_phone=s("07700 900003"), check_in_interval_minutes=20,
                   duress_phrase_agreed=True),
        v.Arrived(**b(60)),
        v.CheckedIn(**b(80), sequence=1),
        esc.CheckInMissed(**b(101, "escalation", Role.SYSTEM), due_at=when + timedelta(minutes=40),
                          sequence=2),
        v.CheckedIn(**b(102), sequence=2),
        v.LeftProperty(**b(105), expected_return=when + timedelta(minutes=70)),
        v.Returned(**b(125)),
    ]
