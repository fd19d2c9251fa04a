"""Use cases of the visits service, on an event-sourced application."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any
from uuid import UUID
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from services.visits.domain import Visit
from services.visits.domain.log import LogOpenings, log_refusal, opened_fields
from services.visits.domain.rules import SignOutFacts
from services.visits.personal import household, sealed_request, sealed_sign_out
from services.visits.views import Contacts, log_view
from shared.contracts import Actor
from shared.contracts.errors import Conflict, NotFound, RulesBroken
from shared.contracts.escalation import EscalationLadderChanged
from shared.contracts.ladder import LADDER_CITATION, LADDER_RULE, SchoolLadder, heard_ladder, ladder_refusal
from shared.contracts.meta import Meta, command_meta
from shared.storage.commands import run_serialised, serialised
from shared.storage.groupcommit import GroupCommitted
from shared.storage.sealing import Sealer

Clock = Callable[[], datetime]


class VisitsApplication(GroupCommitted):
    name = "visits"

    def __init__(self, env: dict[str, str] | None = None, *, sealer: Sealer,
                 timezone: str = "Europe/London", ladder_required: bool = False,
                 clock: Clock = lambda: datetime.now(UTC)) -> None:
        super().__init__(env)
        self.sealer = sealer
        self.ladder_required = ladder_required
        self.zone = ZoneInfo(timezone)
        self.clock = clock

    def request_visit(self, request: dict[str, Any], meta: Meta) -> UUID:
        """Personal fields are sealed before anything is stored (see `personal.py`)."""
        visit = Visit(sealed_request(self.sealer, meta["trust_id"], request), meta)
        self.save(visit)
        return visit.id

    def visit(self, visit_id: UUID, school_urn: str) -> Visit:
        visit: Visit | None = self.find(visit_id, Visit)
        if visit is None or visit.school_urn != school_urn:
            raise NotFound(f"no visit {visit_id} at school {school_urn}")
        return visit

    @serialised(by="visit_id")
    def record_decision(self, visit_id: UUID, school_urn: str, decision_id: str, authorised: bool,
                        conditions: dict[str, Any] | None, broken_rules: list[dict[str, Any]],
                        meta: Meta) -> None:
        visit = self.visit(visit_id, school_urn)
        visit.record_decision(decision_id, authorised, conditions, broken_rules, meta)
        self.save(visit)

    def record_ladder(self, event: EscalationLadderChanged, meta: Meta) -> None:
        """What escalation says of a school's ladder: sign-out needs levels 2 and 3 to reach
        someone, even for a visit authorised before its ladder emptied."""
        known = self._ladder(event.school_urn)
        changed = heard_ladder(known, event.school_urn, list(event.missing), str(event.event_id),
                               meta)
        if changed is not None:
            self.save(changed)

    def _ladder(self, school_urn: str) -> SchoolLadder | None:
        ladder: SchoolLadder | None = self.find(SchoolLadder.create_id(school_urn), SchoolLadder)
        return ladder

    def sign_out_refusal(self, school_urn: str) -> str | None:
        """Why no visit of this school may sign out now, if it may not (LadderReachesSomeone)."""
        return ladder_refusal(self._ladder(school_urn), school_urn, self.ladder_required)

    @serialised(by="visit_id")
    def depart(self, visit_id: UUID, school_urn: str, sign_out: dict[str, Any], actor: Actor,
               causation_id: UUID) -> Visit:
        refusal = self.sign_out_refusal(school_urn)
        if refusal:
            raise RulesBroken(f"sign-out refused: {refusal}",
                              details=[f"{LADDER_RULE}: {refusal} [{LADDER_CITATION}]"])
        visit = self.visit(visit_id, school_urn)
        zone = self.school_zone(visit)
        planned = visit.request.get("planned_start")
        facts = SignOutFacts(
            staff_ids=[member["staff_id"] for member in sign_out["staff"]],
            drivers=[member["staff_id"] for member in sign_out["staff"] if member["driving"]],
            left_at=self.clock().astimezone(zone),
            back_by=datetime.fromisoformat(sign_out["expected_return"]).astimezone(zone).time(),
            check_in_interval_minutes=sign_out["check_in_interval_minutes"],
            starts_at=datetime.fromisoformat(planned).astimezone(zone) if planned else None,
        )
        sealed = sealed_sign_out(self.sealer, household(visit.trust_id, visit.request), sign_out)
        visit.depart(sealed, facts, self.meta(visit, actor, causation_id))
        self.save(visit)
        return visit

    def school_zone(self, visit: Visit) -> ZoneInfo:
        """The school's clock: its policy pack's zone, as the authorisation carried it; else
        the deployment's."""
        name = (visit.conditions or {}).get("timezone")
        try:
            return ZoneInfo(name) if name else self.zone
        except (ValueError, ZoneInfoNotFoundError):
            return self.zone

    @serialised(by="visit_id")
    def act(self, visit_id: UUID, school_urn: str, actor: Actor, causation_id: UUID,
            step: Callable[[Visit, Meta], None]) -> Visit:
        """Load, apply one domain step, save: the shape of every simple command."""
        visit = self.visit(visit_id, school_urn)
        step(visit, self.meta(visit, actor, causation_id))
        self.save(visit)
        return visit

    def home_visits_log(self, visit_id: UUID, school_urn: str, viewer: Actor, via: str,
                        causation_id: UUID) -> dict[str, Any]:
        """The visit's Home Visits Log, for those who must act. The opening is stored (once a
        quiet window per person) before any sealed field is opened."""
        visit = self.visit(visit_id, school_urn)
        sign_out = visit.sign_out or {}
        refusal = log_refusal(viewer.id, viewer.role, sign_out.get("buddy_id"),
                              visit.visiting_staff)
        if refusal is not None:
            raise refusal
        if not sign_out:
            raise Conflict(f"the Home Visits Log is written at sign-out, and this visit is "
                           f"{visit.status}: there is nothing in it yet")
        fields, at = opened_fields(sign_out), self.clock()
        key = LogOpenings.create_id(visit.id, viewer.id)
        recorded = run_serialised(f"LogOpenings:{key}", lambda: self._opened(
            key, visit, viewer, fields, via, at, causation_id))
        opening = {"by": viewer.id, "role": str(viewer.role), "at": at.isoformat(),
                   "fields": fields, "recorded": recorded}
        opened = self.sealer.unsealed({k: v for k, v in sign_out.items() if k != "duress_phrase"})
        return log_view(visit, opened, self._contacts(visit), viewer.id, opening)

    def _opened(self, key: UUID, visit: Visit, viewer: Actor, fields: list[str], via: str,
                at: datetime, causation_id: UUID) -> bool:
        meta = self.meta(visit, viewer, causation_id)
        openings: LogOpenings | None = self.find(key, LogOpenings)
        if openings is None:
            openings = LogOpenings(visit.id, viewer.id, meta)
        if not openings.open(str(viewer.role), fields, via, visit.request["household_id"], at,
                             meta):
            return False
        self.save(openings)
        return True

    def _contacts(self, visit: Visit) -> Contacts:
        """When the staff signed out, arrived and checked in, from the visit's stored events."""
        contacts = Contacts()
        for stored in self.events.get(visit.id):
            if not isinstance(stored, Visit.Event):
                continue
            kind, at = type(stored).__name__, stored.timestamp
            if kind == "Departed":
                contacts.left_at = at
            elif kind in ("Arrived", "CheckedIn"):
                contacts.said_ok.append(at)
            elif kind == "DuressRaised" and getattr(stored, "how", "") == "panic":
                contacts.panics.append(at)
        return contacts

    def sealed(self, visit: Visit, text: str) -> str:
        """Free text about a visit (a note, a reason), sealed under the household's key."""
        return self.sealer.seal(household(visit.trust_id, visit.request), text)

    @staticmethod
    def meta(visit: Visit, actor: Actor, causation_id: UUID) -> Meta:
        """Every command on a visit shares the correlation id it was requested with."""
        return command_meta(trust_id=visit.trust_id, school_urn=visit.school_urn, actor=actor,
                            correlation_id=visit.correlation_id, causation_id=causation_id)
