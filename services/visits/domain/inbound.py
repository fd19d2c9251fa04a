"""Check-ins that come in by text or call, not from the page: who sent them, what they mean,
and each provider request as an event, taken once. Pure.

A reply from a mobile on the school's staff register checks in for that person's visit that is
out; a reply carrying the school's duress word or the visit's agreed phrase raises duress as the
covert panic does, and is answered exactly like a check-in. Anything else (a forged request, an
unknown number, no visit out, a provider's request seen before, three wrong PINs) is refused and
recorded, so an auditor sees every attempt; none of it checks in.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from enum import StrEnum
from uuid import NAMESPACE_URL, UUID, uuid5

from eventsourcing.domain import Aggregate, event

from shared.contracts.meta import Meta


class Meaning(StrEnum):
    CHECK_IN = "check_in"
    DURESS = "duress"
    UNCLEAR = "unclear"


class Reason(StrEnum):
    FORGED = "forged"
    NOT_SET_UP = "not_set_up"
    UNKNOWN_NUMBER = "unknown_number"
    NO_VISIT_OUT = "no_visit_out"
    NOT_ON_SITE = "not_on_site"
    REPLAYED = "replayed"
    UNCLEAR = "unclear"
    WRONG_PIN = "wrong_pin"
    NO_PIN_SET = "no_pin_set"


# Words that say "I am safe" in a reply; anything else is not taken as a check-in.
SAFE_WORDS = frozenset({"ok", "okay", "k", "fine", "safe", "yes", "y", "all good", "good",
                        "check in", "checkin", "checking in", "1"})
WRONG_PINS_END_THE_CALL = 3


def _words(text: str) -> str:
    return " ".join(re.findall(r"[a-z0-9]+", text.casefold()))


def reply_meaning(text: str, duress_words: Iterable[str]) -> Meaning:
    """DuressWordInAReplyRaisesDuress first, then a plain "OK" (or the like) checks in."""
    said = f" {_words(text)} "
    for word in duress_words:
        wanted = _words(word)
        if wanted and f" {wanted} " in said:
            return Meaning.DURESS
    return Meaning.CHECK_IN if said.strip() in SAFE_WORDS else Meaning.UNCLEAR


def national(number: str) -> str:
    """A UK number in one form (07700900123), whether written +44 7700 900123 or 07700 900123."""
    digits = re.sub(r"\D", "", number)
    if number.strip().startswith("+44") or digits.startswith("0044"):
        digits = "0" + digits.removeprefix("00").removeprefix("44")
    elif number.strip().startswith("+"):
        digits = "+" + digits
    return digits


def number_ending(number: str) -> str:
    """What a refusal shows of a number: its last three digits, never the whole of it."""
    digits = re.sub(r"\D", "", number)
    return f"ending {digits[-3:]}" if len(digits) >= 3 else "withheld"


def sender_of(number: str, mobiles: Mapping[str, str]) -> str | None:
    """The member of staff whose register mobile this is, if exactly one."""
    wanted = national(number)
    found = [staff for staff, mobile in mobiles.items() if mobile and national(mobile) == wanted]
    return found[0] if len(found) == 1 else None


@dataclass(frozen=True)
class Refusal:
    reason: Reason
    detail: str


class InboundMessage(Aggregate):
    """One request a provider made to Doorstep (a text, a call, a keyed PIN), kept once by its
    provider id, so the same request sent again is known and refused."""

    @staticmethod
    def create_id(provider: str, message_id: str) -> UUID:
        return uuid5(NAMESPACE_URL, f"doorstep:visits:inbound:{provider}:{message_id}")

    @event("Received")
    def __init__(self, provider: str, message_id: str, channel: str, meta: Meta) -> None:
        self.provider = provider
        self.message_id = message_id
        self.channel = channel
        self.refused: str | None = None
        self.visit_id: UUID | None = None

    @event("Taken")
    def take(self, visit_id: UUID, staff_id: str, meaning: str, meta: Meta) -> None:
        self.visit_id = visit_id

    def refuse(self, reason: str, detail: str, number_ending: str, number: str | None,
               staff_id: str | None, visit_id: UUID | None, meta: Meta) -> None:
        """Refused, and why; the event names the request, so it reads alone in the trail."""
        self._refused(self.provider, self.channel, self.message_id, reason, detail,
                      number_ending, number, staff_id, visit_id, meta)

    @event("Refused")
    def _refused(self, provider: str, channel: str, message_id: str, reason: str, detail: str,
                 number_ending: str, number: str | None, staff_id: str | None,
                 visit_id: UUID | None, meta: Meta) -> None:
        self.refused = reason
