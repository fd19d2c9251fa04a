"""The PINs a member of staff keys when they call in to check in: their own, set by themselves,
kept only as scrypt hashes with a salt of each PIN's own. Pure (the salt is given).

West Norfolk 2.2 has staff "call your buddy using the code word to summon help": on a call to
Doorstep the second PIN is that code word. Keyed, it answers exactly as the check-in PIN does.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
from enum import StrEnum
from uuid import NAMESPACE_URL, UUID, uuid5

from eventsourcing.domain import Aggregate, event

from shared.contracts.errors import Forbidden, Invalid
from shared.contracts.meta import Meta

RULE = "PinsAreTheStaffMembersOwn"
# scrypt's cost: 16 MiB and a few tens of milliseconds a try (RFC 7914's interactive setting)
N, R, P = 2 ** 14, 8, 1


class Keyed(StrEnum):
    PIN = "pin"
    DURESS_PIN = "duress_pin"
    WRONG = "wrong"


def hashed(pin: str, salt: bytes) -> str:
    digest = hashlib.scrypt(pin.encode(), salt=salt, n=N, r=R, p=P, dklen=32)
    encode = base64.urlsafe_b64encode
    return f"scrypt${N}${R}${P}${encode(salt).decode()}${encode(digest).decode()}"


def matches(pin: str, stored: str) -> bool:
    _, n, r, p, salt, digest = stored.split("$")
    tried = hashlib.scrypt(pin.encode(), salt=base64.urlsafe_b64decode(salt), n=int(n), r=int(r),
                           p=int(p), dklen=32)
    return hmac.compare_digest(tried, base64.urlsafe_b64decode(digest))


def pins_refusal(setter: str, owner: str, pin: str, duress_pin: str) -> Forbidden | Invalid | None:
    """Only the member of staff sets their own PINs; two different PINs of 4 to 8 digits."""
    if setter != owner:
        return Forbidden(f"{RULE}: only {owner} may set {owner}'s check-in PINs; {setter} is not "
                         "them (a PIN someone else knows proves nothing on a call)")
    for name, value in (("pin", pin), ("duress_pin", duress_pin)):
        if not (value.isascii() and value.isdigit() and 4 <= len(value) <= 8):
            return Invalid(f"{name} must be 4 to 8 digits")
    if pin == duress_pin:
        return Invalid("pin and duress_pin must differ: keyed on a call, each says something else")
    return None


class CheckInPins(Aggregate):
    """One member of staff's check-in PIN and duress PIN at one school, hashed."""

    @staticmethod
    def create_id(school_urn: str, staff_id: str) -> UUID:
        return uuid5(NAMESPACE_URL, f"doorstep:visits:pins:{school_urn}:{staff_id}")

    @event("Started")
    def __init__(self, school_urn: str, staff_id: str, meta: Meta) -> None:
        self.school_urn = school_urn
        self.staff_id = staff_id
        self.pin: str | None = None
        self.duress_pin: str | None = None

    @event("Set")
    def set(self, pin: str, duress_pin: str, meta: Meta) -> None:
        self.pin, self.duress_pin = pin, duress_pin

    def keyed(self, digits: str) -> Keyed:
        """Both are always tried, so how long it takes says nothing of which one matched."""
        if self.pin is None or self.duress_pin is None:
            return Keyed.WRONG
        is_pin, is_duress = matches(digits, self.pin), matches(digits, self.duress_pin)
        if is_duress:
            return Keyed.DURESS_PIN
        return Keyed.PIN if is_pin else Keyed.WRONG
