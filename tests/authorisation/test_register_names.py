"""StaffRolesChanged names people, and every reader of it, old and new, still reads it. Pure:
the contract and the register every service follows, without a server."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Annotated
from uuid import uuid4

import pytest
from pydantic import Field, ValidationError

from shared.contracts import Actor, IntegrationEvent, Role
from shared.contracts.authorisation import StaffRolesChanged
from shared.contracts.base import Distinct, StaffId
from shared.messaging.envelope import from_wire, to_wire
from shared.security.register import StaffRegisters
from shared.testing.sealing import sealed
from tests.authorisation.conftest import TRUST, URN


class StaffRolesChangedBeforeNames(IntegrationEvent):
    """The contract as a reader built before people were named knows it."""

    abstract = True  # not registered: it only reads
    aggregate = "staffregister"
    staff_id: StaffId
    roles: Annotated[list[Role], Distinct] = Field(default_factory=list)


def change(roles: list[Role], **named: str) -> StaffRolesChanged:
    return StaffRolesChanged(event_id=uuid4(), occurred_at=datetime.now(UTC), trust_id=TRUST,
                             school_urn=URN, actor=Actor(id="it-1", role=Role.TRUST_IT),
                             correlation_id=uuid4(), staff_id="staff-1", roles=roles, **named)


def test_a_reader_from_before_names_reads_a_named_change_and_a_new_reader_an_old_one() -> None:
    named = change([Role.STAFF], name=sealed("Zoë O'Brien"), mobile=sealed("07700 955601"))
    wire = to_wire(named, root="doorstep")
    assert wire.headers["ce-schemaversion"] == "1"  # the same version: the fields are optional
    old = StaffRolesChangedBeforeNames.model_validate(json.loads(wire.body))
    assert (old.staff_id, old.roles) == ("staff-1", [Role.STAFF])

    before = json.loads(wire.body)
    for field in ("name", "job_title", "mobile"):
        before.pop(field)
    read = from_wire(wire.headers, json.dumps(before).encode())
    assert isinstance(read, StaffRolesChanged)
    assert (read.name, read.job_title, read.mobile) == (None, None, None)


def test_a_name_in_clear_is_refused_by_the_contract() -> None:
    with pytest.raises(ValidationError, match="name"):
        change([Role.STAFF], name="Zoë O'Brien")


def test_the_register_keeps_each_persons_sealed_name_and_forgets_a_leaver() -> None:
    registers = StaffRegisters()
    name, mobile = sealed("Zoë O'Brien"), sealed("07700 955601")
    registers.apply(change([Role.STAFF, Role.BUDDY], name=name, mobile=mobile))
    person = registers.person(URN, "staff-1")
    assert person is not None
    assert (person.name, person.mobile, person.job_title) == (name, mobile, None)
    assert registers.refusal(URN, "staff-1", Role.BUDDY, strict=True) is None
    registers.apply(change([]))
    assert registers.person(URN, "staff-1") is None
    assert registers.refusal(URN, "staff-1", Role.STAFF, strict=True) == (
        "staff-1 is not on school 100001's staff register: ask the school office or trust IT "
        "to add them")


def test_a_change_heard_again_after_a_newer_one_does_not_undo_it() -> None:
    """The keeper takes its own changes as it stores them, and hears them again from the
    stream: a leaver's older 'added' heard late must not put them back on the register."""
    registers = StaffRegisters()
    added, left = change([Role.STAFF]), change([])
    registers.apply(added)
    registers.apply(left)  # the keeper's own write
    registers.apply(added)  # the follower, behind, hears the older change
    assert registers.refusal(URN, "staff-1", Role.STAFF, strict=True) is not None
    registers.apply(left)
    registers.apply(change([Role.DSL]))  # a later change is taken as ever
    assert registers.refusal(URN, "staff-1", Role.DSL, strict=True) is None
