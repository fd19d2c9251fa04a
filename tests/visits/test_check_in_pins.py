"""A member of staff's check-in PINs, in the visits service's own store (SQLite and PostgreSQL):
only salted scrypt hashes are kept, never the PINs, and two people with one PIN share no hash."""

from __future__ import annotations

from uuid import uuid4

import pytest

from services.visits.application import VisitsApplication
from services.visits.domain.pins import CheckInPins, Keyed
from services.visits.inbound import InboundCheckIns
from shared.contracts import Actor, Role
from shared.contracts.errors import Forbidden
from shared.contracts.meta import command_meta
from shared.runtime.settings import DoorstepSettings
from shared.security.register import StaffRegisters
from shared.storage.store import store_env
from shared.testing.sealing import sealer_for
from tests.visits.stories import URN


def meta_of(who: str) -> dict[str, str]:
    return command_meta(trust_id="dev-trust", school_urn=URN, actor=Actor(id=who, role=Role.STAFF),
                        correlation_id=uuid4(), causation_id=None)


def test_pins_are_stored_only_as_salted_hashes_and_are_the_staff_members_own(
        phone_settings: DoorstepSettings) -> None:
    app = VisitsApplication(store_env(phone_settings, "visits"), sealer=sealer_for(phone_settings))
    try:
        inbound = InboundCheckIns(app, StaffRegisters(), {})
        for who in ("staff-0001", "staff-0002"):
            inbound.set_pins(URN, who, "2468", "135790", Actor(id=who, role=Role.STAFF),
                             meta_of(who))
        with pytest.raises(Forbidden, match="PinsAreTheStaffMembersOwn"):
            inbound.set_pins(URN, "staff-0001", "1111", "2222",
                             Actor(id="office-0001", role=Role.OFFICE), meta_of("office-0001"))
        kept = [app.repository.get(CheckInPins.create_id(URN, who))
                for who in ("staff-0001", "staff-0002")]
        for pins in kept:
            assert pins.pin.startswith("scrypt$")
            assert "2468" not in pins.pin
            assert "135790" not in pins.duress_pin
            assert pins.keyed("2468") is Keyed.PIN
            assert pins.keyed("135790") is Keyed.DURESS_PIN
        assert kept[0].pin != kept[1].pin  # a salt of each PIN's own
        stored = app.recorder.select_events(CheckInPins.create_id(URN, "staff-0001"))
        assert stored
        assert all(b"2468" not in event.state for event in stored)
    finally:
        app.close()
