"""What the pages show, built from the events on NATS. Pure: no I/O.

A `Board` per school holds today's visits and open escalations. It orders them as a buddy needs
them: duress first, then overdue, then the rest by their next deadline.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

OUT = ("en_route", "on_site", "left_property")
STATUS = {"VisitRequested": "requested", "VisitAuthorised": "authorised",
          "VisitDeclined": "declined", "Departed": "en_route", "Arrived": "on_site",
          "LeftProperty": "left_property", "Returned": "returned", "VisitCancelled": "cancelled"}
# Heard, but nothing a board shows: a board that opened a Home Visits Log must not redraw for it,
# and a ladder changed is the school's contacts, not a live escalation (it has no escalation id).
UNSHOWN = frozenset({"HomeVisitLogOpened", "EscalationLadderChanged"})
TRIGGERS = {"arrival_overdue": "arrival overdue", "check_in_missed": "check-in missed",
            "no_one_home_wait": "no-one-home wait over", "return_overdue": "return overdue",
            "duress": "DURESS"}


@dataclass
class Escalation:
    escalation_id: str
    visit_id: str
    level: int
    trigger: str
    raised_at: datetime
    told: list[str] = field(default_factory=list)
    acknowledged_by: str | None = None

    @property
    def what(self) -> str:
        return TRIGGERS.get(self.trigger, self.trigger)


@dataclass
class Visit:
    visit_id: str
    school_urn: str
    staff_ids: list[str]
    household_id: str
    planned_start: datetime
    planned_end: datetime
    status: str = "requested"
    buddy_id: str | None = None
    interval_minutes: int | None = None
    expected_arrival: datetime | None = None
    expected_return: datetime | None = None
    last_contact: datetime | None = None
    duress: bool = False
    missed: bool = False
    no_one_home_wait: int | None = None
    pupil_ids: list[str] = field(default_factory=list)

    @property
    def out(self) -> bool:
        return self.status in OUT

    def next_deadline(self) -> tuple[str, datetime] | None:
        """What is due next, and when: arrival, the next check-in, or the return."""
        if self.status == "en_route" and self.expected_arrival:
            return "arrival", self.expected_arrival
        if self.status == "on_site" and self.last_contact and self.interval_minutes:
            due = self.last_contact + timedelta(minutes=self.interval_minutes)
            if self.expected_return and self.expected_return < due:
                return "return", self.expected_return
            return "check-in", due
        if self.out and self.expected_return:
            return "return", self.expected_return
        return None

    def overdue(self, now: datetime) -> bool:
        deadline = self.next_deadline()
        return self.missed or (deadline is not None and deadline[1] < now)


@dataclass
class Board:
    """One school's day: every visit heard of, and the escalations not yet resolved."""

    visits: dict[str, Visit] = field(default_factory=dict)
    escalations: dict[str, Escalation] = field(default_factory=dict)

    def apply(self, kind: str, data: dict[str, Any], at: datetime) -> bool:
        """Take one event; True if the board changed."""
        visit_id = str(data.get("visit_id") or "")
        if kind in UNSHOWN:
            return False
        if kind == "VisitRequested":
            self.visits[visit_id] = Visit(
                visit_id, data["school_urn"], list(data["staff_ids"]), data["household_id"],
                _time(data["planned_start"]), _time(data["planned_end"]),
                pupil_ids=list(data.get("pupil_ids") or []))
            return True
        visit = self.visits.get(visit_id)
        if kind.startswith("Escalation"):
            return self._escalation(kind, data, at)
        if visit is None:
            return False
        if kind in STATUS:
            visit.status = STATUS[kind]
        if kind == "Departed":
            visit.buddy_id = data["buddy_id"]
            visit.interval_minutes = data["check_in_interval_minutes"]
            visit.expected_arrival = _time(data["expected_arrival"])
            visit.expected_return = _time(data["expected_return"])
        elif kind in ("Arrived", "CheckedIn"):
            visit.last_contact, visit.missed = at, False
        elif kind == "LeftProperty":
            visit.expected_return = _time(data["expected_return"])
        elif kind == "DuressRaised":
            visit.duress = True
        elif kind in ("CheckInMissed", "ArrivalOverdue", "ReturnOverdue"):
            visit.missed = True
        elif kind == "NoOneHome":
            visit.no_one_home_wait = data.get("waited_minutes")
        return True

    def _escalation(self, kind: str, data: dict[str, Any], at: datetime) -> bool:
        escalation_id = str(data["escalation_id"])
        if kind == "EscalationRaised":
            known = self.escalations.get(escalation_id)
            told = [c["person_id"] for c in data.get("contacts", [])]
            if known:
                known.level, known.told = data["level"], sorted({*known.told, *told})
            else:
                self.escalations[escalation_id] = Escalation(
                    escalation_id, str(data["visit_id"]), data["level"], data["trigger"], at,
                    told)
            return True
        known = self.escalations.get(escalation_id)
        if known is None:
            return False
        if kind == "EscalationAcknowledged":
            known.acknowledged_by = data["acknowledged_by"]
        elif kind == "EscalationResolved":
            del self.escalations[escalation_id]
        return True

    def out_now(self, now: datetime) -> list[Visit]:
        """Visits out now: duress first, then overdue, then by the next deadline."""
        def order(visit: Visit) -> tuple[int, datetime]:
            deadline = visit.next_deadline()
            rank = 0 if visit.duress else 1 if visit.overdue(now) else 2
            return rank, deadline[1] if deadline else now
        return sorted((v for v in self.visits.values() if v.out), key=order)

    def open_escalations(self) -> list[Escalation]:
        """Duress first, then the highest level, then the oldest."""
        return sorted(self.escalations.values(),
                      key=lambda e: (e.trigger != "duress", -e.level, e.raised_at))

    def of_staff(self, staff_id: str) -> list[Visit]:
        return sorted((v for v in self.visits.values() if staff_id in v.staff_ids),
                      key=lambda v: v.planned_start)

    def awaiting_decision(self) -> list[Visit]:
        return sorted((v for v in self.visits.values() if v.status == "requested"),
                      key=lambda v: v.planned_start)


def _time(value: Any) -> datetime:
    return value if isinstance(value, datetime) else datetime.fromisoformat(str(value))
