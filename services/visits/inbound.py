"""Use cases of checking in by text and call: find the sender and their visit out, take what
they said as a check-in or duress, and record every refusal as an event (never a check-in)."""

from __future__ import annotations

import hashlib
import os
from collections.abc import Callable
from dataclasses import dataclass
from uuid import NAMESPACE_URL, uuid4, uuid5

from services.visits.application import VisitsApplication
from services.visits.domain import Status, Visit
from services.visits.domain.inbound import (
    InboundMessage,
    Meaning,
    Reason,
    national,
    number_ending,
    reply_meaning,
    sender_of,
)
from services.visits.domain.pins import CheckInPins, Keyed, hashed, pins_refusal
from services.visits.open_visits import OpenVisits
from services.visits.providers import Inbound
from services.visits.settings import InboundSchool
from shared.contracts import Actor, Role
from shared.contracts.meta import Meta, command_meta
from shared.security.register import StaffRegisters
from shared.storage.commands import run_serialised
from shared.storage.keystore import DataSubject

INBOUND = Actor(id="inbound", role=Role.SYSTEM)


@dataclass(frozen=True)
class Outcome:
    """What came of one request: taken (as a check-in or duress), or refused and why."""

    reason: Reason | None = None
    meaning: Meaning | None = None
    staff_id: str | None = None

    @property
    def taken(self) -> bool:
        return self.reason is None


@dataclass(frozen=True)
class Sender:
    staff_id: str
    visit: Visit


class InboundCheckIns:
    def __init__(self, app: VisitsApplication, registers: StaffRegisters,
                 schools: dict[str, InboundSchool]) -> None:
        self.app = app
        self.registers = registers
        self.schools = schools
        self.open_visits = OpenVisits(app)

    def refuse(self, request: Inbound, trust_id: str, school_urn: str, reason: Reason,
               detail: str, staff_id: str | None = None, visit: Visit | None = None,
               *, own_id: bool = True) -> Outcome:
        """Recorded under the request's own provider id when it is the first of it; a forged
        or repeated request is recorded apart, so it can never take a real request's place."""
        message_id = request.message_id if own_id else f"{reason}:{uuid4()}"
        actor = Actor(id=staff_id, role=Role.STAFF) if staff_id else INBOUND
        correlation = visit.correlation_id if visit else uuid5(NAMESPACE_URL, message_id)
        meta = command_meta(trust_id=trust_id, school_urn=school_urn, actor=actor,
                            correlation_id=correlation, causation_id=None)
        number = self.app.sealer.seal(self._subject(trust_id, request.number, staff_id),
                                      request.number) if request.number else None

        def record() -> None:
            message = InboundMessage(request.provider, message_id, request.channel, meta)
            message.refuse(str(reason), detail[:500], number_ending(request.number), number,
                           staff_id, visit.id if visit else None, meta)
            self.app.save(message)

        run_serialised(f"InboundMessage:{message_id}", record)
        return Outcome(reason=reason, staff_id=staff_id)

    @staticmethod
    def _subject(trust_id: str, number: str, staff_id: str | None) -> DataSubject:
        if staff_id:
            return DataSubject(trust_id, "staff", staff_id)
        # nobody on the register: a record of its own per number, so it can be erased alone
        caller = hashlib.sha256(f"{trust_id}:{national(number)}".encode()).hexdigest()[:32]
        return DataSubject(trust_id, "record", f"inbound-caller-{caller}")

    def seen(self, request: Inbound) -> bool:
        return self.app.find(InboundMessage.create_id(request.provider, request.message_id),
                             InboundMessage, copy=False) is not None

    def sender(self, request: Inbound, trust_id: str, school_urn: str) -> Sender | Outcome:
        """The member of staff whose register mobile sent it, and their visit out; else the
        refusal, recorded."""
        if self.seen(request):
            return self.refuse(request, trust_id, school_urn, Reason.REPLAYED,
                               f"{request.provider} sent request {request.message_id} again",
                               own_id=False)
        school = self.schools.get(school_urn)
        if school is None or school.provider != request.provider:
            return self.refuse(request, trust_id, school_urn, Reason.NOT_SET_UP,
                               f"school {school_urn} does not take check-ins through "
                               f"{request.provider}")
        people = self.registers.people.get(school_urn, {})
        mobiles = {p.staff_id: self.app.sealer.unseal(p.mobile) for p in people.values()
                   if p.mobile}
        staff_id = sender_of(request.number, mobiles)
        if staff_id is None:
            return self.refuse(request, trust_id, school_urn, Reason.UNKNOWN_NUMBER,
                               "the number is not a mobile on the school's staff register")
        out, closed = self.open_visits.of(school_urn, staff_id)
        if len(out) != 1:
            why = (f"{staff_id} is on {len(out)} visits out at once: check in on the page"
                   if out else f"{staff_id} has no visit out" +
                   (f"; visit {closed} is closed" if closed else ""))
            last = self.app.visit(closed, school_urn) if closed and not out else None
            return self.refuse(request, trust_id, school_urn, Reason.NO_VISIT_OUT, why,
                               staff_id, last)
        return Sender(staff_id, self.app.visit(out[0], school_urn))

    def reply(self, request: Inbound, sender: Sender, trust_id: str, school_urn: str,
              duress_word: str | None) -> Outcome:
        """A text from the sender: a check-in, duress, or not understood (recorded)."""
        phrase = self.app.sealer.unseal((sender.visit.sign_out or {}).get("duress_phrase") or "")
        meaning = reply_meaning(request.text, [w for w in (duress_word, phrase) if w])
        if meaning is Meaning.UNCLEAR:
            return self.refuse(request, trust_id, school_urn, Reason.UNCLEAR,
                               "the reply was not OK (nor the duress word)", sender.staff_id,
                               sender.visit)
        return self.take(request, sender, trust_id, school_urn, meaning)

    def take(self, request: Inbound, sender: Sender, trust_id: str, school_urn: str,
             meaning: Meaning) -> Outcome:
        """Store the check-in (or duress) with the request, together, on the visit's turn."""
        visit_id, actor = sender.visit.id, Actor(id=sender.staff_id, role=Role.STAFF)
        message_key = InboundMessage.create_id(request.provider, request.message_id)

        def step(visit: Visit, meta: Meta) -> None:
            if meaning is Meaning.DURESS:
                visit.raise_duress(sender.staff_id, "panic", meta, request.channel)
            else:
                visit.check_in(meta, request.channel)

        def command() -> Outcome | None:
            if self.seen(request):
                return None
            visit = self.app.visit(visit_id, school_urn)
            meta = self.app.meta(visit, actor, message_key)
            if meaning is Meaning.CHECK_IN and visit.status is not Status.ON_SITE:
                return Outcome(Reason.NOT_ON_SITE, staff_id=sender.staff_id)
            message = InboundMessage(request.provider, request.message_id, request.channel, meta)
            step(visit, meta)
            message.take(visit.id, sender.staff_id, str(meaning), meta)
            self.app.save(visit, message)
            return Outcome(meaning=meaning, staff_id=sender.staff_id)

        outcome = run_serialised(f"VisitsApplication:{visit_id}", command)
        if outcome is None:
            return self.refuse(request, trust_id, school_urn, Reason.REPLAYED,
                               f"{request.provider} sent request {request.message_id} again",
                               own_id=False)
        if outcome.reason is Reason.NOT_ON_SITE:
            return self.refuse(request, trust_id, school_urn, Reason.NOT_ON_SITE,
                               f"the visit is {sender.visit.status}: arrival is not recorded",
                               sender.staff_id, sender.visit)
        return outcome

    def keyed(self, request: Inbound, sender: Sender, trust_id: str, school_urn: str,
              attempt: int, last_attempt: int) -> Outcome | None:
        """A PIN keyed on a call: the PIN checks in, the duress PIN raises duress; a wrong one
        is kept (None: ask again) until the last attempt, which is refused and recorded."""
        pins: CheckInPins | None = self.app.find(
            CheckInPins.create_id(school_urn, sender.staff_id), CheckInPins, copy=False)
        if pins is None or pins.pin is None:
            return self.refuse(request, trust_id, school_urn, Reason.NO_PIN_SET,
                               f"{sender.staff_id} has set no check-in PIN", sender.staff_id,
                               sender.visit)
        keyed = pins.keyed(request.text)
        if keyed is Keyed.WRONG:
            if attempt >= last_attempt:
                return self.refuse(request, trust_id, school_urn, Reason.WRONG_PIN,
                                   f"{attempt} wrong PINs: the call was ended", sender.staff_id,
                                   sender.visit)
            self._kept(request, trust_id, school_urn, sender)
            return None
        meaning = Meaning.DURESS if keyed is Keyed.DURESS_PIN else Meaning.CHECK_IN
        return self.take(request, sender, trust_id, school_urn, meaning)

    def _kept(self, request: Inbound, trust_id: str, school_urn: str, sender: Sender) -> None:
        meta = self.app.meta(sender.visit, Actor(id=sender.staff_id, role=Role.STAFF),
                             InboundMessage.create_id(request.provider, request.message_id))
        run_serialised(f"InboundMessage:{request.message_id}", lambda: self.app.save(
            InboundMessage(request.provider, request.message_id, request.channel, meta)))

    def set_pins(self, school_urn: str, staff_id: str, pin: str, duress_pin: str,
                 setter: Actor, meta: Meta, salt: Callable[[], bytes] = lambda: os.urandom(16)
                 ) -> None:
        refusal = pins_refusal(setter.id, staff_id, pin, duress_pin)
        if refusal is not None:
            raise refusal

        pin_hash, duress_hash = hashed(pin, salt()), hashed(duress_pin, salt())

        def command() -> None:
            key = CheckInPins.create_id(school_urn, staff_id)
            pins = self.app.find(key, CheckInPins) or CheckInPins(school_urn, staff_id, meta)
            pins.set(pin_hash, duress_hash, meta)
            self.app.save(pins)

        run_serialised(f"CheckInPins:{school_urn}:{staff_id}", command)
