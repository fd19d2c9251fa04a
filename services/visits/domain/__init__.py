"""The Visit aggregate: every step of a home visit, in order, as stored events. Pure.

A package, like every service's `domain/`; its aggregates live in this `__init__` so that
their stored events keep the topics (`services.<service>.domain:...`) they were saved under.
"""

from __future__ import annotations

from enum import StrEnum
from typing import Any
from uuid import UUID

from eventsourcing.domain import Aggregate, event

from services.visits.domain.own_word import Step, own_word_refusal
from services.visits.domain.rules import SignOutFacts, sign_out_breaks
from shared.contracts.errors import Conflict, RulesBroken
from shared.contracts.meta import Meta


class Status(StrEnum):
    REQUESTED = "requested"
    AUTHORISED = "authorised"
    DECLINED = "declined"
    EN_ROUTE = "en_route"
    ON_SITE = "on_site"
    LEFT = "left_property"
    RETURNED = "returned"
    CANCELLED = "cancelled"


OUT = (Status.EN_ROUTE, Status.ON_SITE, Status.LEFT)


class Visit(Aggregate):
    """One home visit. Sign-out only once authorised, and only within its conditions."""

    @event("Requested")
    def __init__(self, request: dict[str, Any], meta: Meta) -> None:
        self.trust_id = meta["trust_id"]
        self.school_urn = meta["school_urn"]
        self.correlation_id = UUID(meta["correlation_id"])
        self.request = request
        self.status = Status.REQUESTED
        self.conditions: dict[str, Any] | None = None
        self.decision_ids: list[str] = []
        self.declined_rules: list[dict[str, Any]] = []
        self.sign_out: dict[str, Any] | None = None
        self.check_ins = 0
        self.duress = False
        self.panics = 0
        self.no_one_home = False
        self.expected_return: str | None = None

    def record_decision(self, decision_id: str, authorised: bool, conditions: dict[str, Any] | None,
                        broken_rules: list[dict[str, Any]], meta: Meta) -> None:
        """A decision from authorisation. The same decision twice changes nothing."""
        if decision_id in self.decision_ids:
            return
        self._decided(decision_id, authorised, conditions, broken_rules, meta)

    @event("DecisionRecorded")
    def _decided(self, decision_id: str, authorised: bool, conditions: dict[str, Any] | None,
                 broken_rules: list[dict[str, Any]], meta: Meta) -> None:
        self.decision_ids.append(decision_id)
        if self.status in (Status.REQUESTED, Status.AUTHORISED, Status.DECLINED):
            self.status = Status.AUTHORISED if authorised else Status.DECLINED
            self.conditions = conditions if authorised else None
            self.declined_rules = [] if authorised else broken_rules

    def depart(self, sign_out: dict[str, Any], facts: SignOutFacts, meta: Meta) -> None:
        if self.status is Status.DECLINED:
            raise Conflict("this visit was declined; it cannot be signed out",
                           details=[rule.get("rule", "") for rule in self.declined_rules])
        if self.status is not Status.AUTHORISED or self.conditions is None:
            raise Conflict(f"sign-out needs an authorised visit; this one is {self.status}")
        broken = sign_out_breaks(self.conditions, facts)
        if broken:
            raise RulesBroken("sign-out breaks the conditions of the authorisation",
                              details=[f"{b.rule}: {b.message}" for b in broken])
        self._departed(sign_out, meta)

    @event("Departed")
    def _departed(self, sign_out: dict[str, Any], meta: Meta) -> None:
        self.sign_out = sign_out
        self.expected_return = sign_out["expected_return"]
        self.status = Status.EN_ROUTE

    def arrive(self, dynamic_risk_ok: bool, note: str | None, meta: Meta) -> None:
        self._own_word(Step.ARRIVAL, meta)
        self._require(Status.EN_ROUTE, "arrival", "sign out first")
        self._arrived(dynamic_risk_ok, note, meta)

    @event("Arrived")
    def _arrived(self, dynamic_risk_ok: bool, note: str | None, meta: Meta) -> None:
        self.status = Status.ON_SITE

    def check_in(self, meta: Meta, channel: str = "app") -> None:
        """From the page ("app"), by a text reply ("sms") or on a call ("voice"): one event."""
        self._own_word(Step.CHECK_IN, meta)
        self._require(Status.ON_SITE, "a check-in", "record arrival first")
        self._checked_in(self.check_ins + 1, meta, channel)

    @event("CheckedIn")
    def _checked_in(self, sequence: int, meta: Meta, channel: str = "app") -> None:
        # events stored before check-ins came by text or call have no channel: the page's
        self.check_ins = sequence

    def nobody_home(self, waited_minutes: int, meta: Meta) -> None:
        self._own_word(Step.NO_ONE_HOME, meta)
        self._require(Status.ON_SITE, "no-one-home", "record arrival first")
        self._no_one_home(waited_minutes, meta)

    @event("NoOneHome")
    def _no_one_home(self, waited_minutes: int, meta: Meta) -> None:
        self.no_one_home = True

    def leave(self, expected_return: str, meta: Meta) -> None:
        self._own_word(Step.LEAVING, meta)
        self._require(Status.ON_SITE, "leaving", "record arrival first")
        self._left(expected_return, meta)

    @event("LeftProperty")
    def _left(self, expected_return: str, meta: Meta) -> None:
        self.expected_return = expected_return
        self.status = Status.LEFT

    def return_(self, incident_to_report: bool, meta: Meta) -> None:
        self._own_word(Step.RETURN, meta)
        if self.status not in OUT:
            raise Conflict(f"return needs a visit that is out; this one is {self.status}: "
                           "sign out before signing back in")
        self._returned(incident_to_report, meta)

    @event("Returned")
    def _returned(self, incident_to_report: bool, meta: Meta) -> None:
        self.status = Status.RETURNED

    def cancel(self, reason: str, meta: Meta) -> None:
        if self.status not in (Status.REQUESTED, Status.AUTHORISED, Status.DECLINED):
            raise Conflict(f"only a visit not yet signed out can be cancelled; this one is "
                           f"{self.status}")
        self._cancelled(reason, meta)

    @event("Cancelled")
    def _cancelled(self, reason: str, meta: Meta) -> None:
        self.status = Status.CANCELLED

    def raise_duress(self, raised_by: str, how: str, meta: Meta, channel: str = "app") -> None:
        """The panic is the staff member's own; the phrase is reported by whoever heard it.
        A duress word texted or a duress PIN keyed is the staff member's panic, by that channel."""
        if how == "panic":
            self._own_word(Step.PANIC, meta)
        if self.status not in OUT:
            raise Conflict(f"duress applies to a visit that is out; this one is {self.status}")
        self._duress(raised_by, how, meta, channel)

    @event("DuressRaised")
    def _duress(self, raised_by: str, how: str, meta: Meta, channel: str = "app") -> None:
        self.duress = True
        if how == "panic":
            self.panics += 1

    @property
    def visiting_staff(self) -> list[str]:
        """Who is on the visit: those signed out; before sign-out, those authorised or asked."""
        if self.sign_out is not None:
            return [member["staff_id"] for member in self.sign_out["staff"]]
        authorised = (self.conditions or {}).get("staff_ids")
        return list(authorised or self.request.get("staff_ids") or [])

    @property
    def check_ins_shown_to_staff(self) -> int:
        """A covert panic answers like a check-in, so the screen in the room looks ordinary."""
        return self.check_ins + self.panics

    def _own_word(self, step: Step, meta: Meta) -> None:
        refusal = own_word_refusal(step, meta["actor_id"], self.visiting_staff)
        if refusal is not None:
            raise refusal

    def _require(self, status: Status, step: str, hint: str) -> None:
        if self.status is not status:
            raise Conflict(f"{step} needs a visit that is {status}; this one is {self.status}: "
                           f"{hint}")
