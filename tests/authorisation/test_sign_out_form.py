"""The sign-out page comes filled in from what the school holds (Ordsall: "The number will be
recorded and held by the school office"), for the staff going, and every opening of the
household's details is its own event, for the auditor."""

from __future__ import annotations

import asyncio

from shared.contracts.authorisation import HouseholdDetailsRead
from tests.authorisation.conftest import URN, Bus, Service, visit_requested
from tests.authorisation.test_people import HOME

PEOPLE = {"staff-1": ("Sam Patel", "07700 900401", ["staff"]),
          "staff-2": ("Ana Wood", "07700 900402", ["staff"]),
          "staff-3": ("Lee Cole", "07700 900403", ["staff"]),
          "office-1": ("Ann Lee", "07700 900404", ["office", "buddy"]),
          "dsl-1": ("Priya Shah", "07700 900405", ["dsl"])}  # who `known` asks as


async def test_the_staff_going_get_the_form_filled_and_the_opening_is_recorded(
        service: Service, bus: Bus) -> None:
    for person, (name, mobile, roles) in PEOPLE.items():
        put = service.put(f"/v1/schools/{URN}/staff/{person}",
                          {"roles": roles, "name": name, "mobile": mobile})
        assert put.status_code == 200, put.text
    assert service.put(f"/v1/schools/{URN}/households/hh-q1", HOME).status_code == 200
    requested = visit_requested(household="hh-q1", staff=("staff-1", "staff-2"))
    await bus.publish(requested)
    await service.known(requested.visit_id)  # type: ignore[arg-type]
    path = f"/v1/schools/{URN}/visits/{requested.visit_id}/sign-out-form"

    form = service.get(path, role="staff", user="staff-1")
    assert form.status_code == 200, form.text
    filled = form.json()
    assert [(s["name"], s["mobile"]) for s in filled["staff"]] == [
        ("Sam Patel", "07700 900401"), ("Ana Wood", "07700 900402")]
    assert filled["address"].startswith(HOME["address"]["lines"][0])
    assert "Mary Quillfeather" in filled["expecting_to_see"]
    assert "Chloë Quillfeather" in filled["expecting_to_see"]
    assert filled["buddy"] == {"staff_id": "office-1", "name": "Ann Lee", "mobile": "07700 900404"}

    colleague = service.get(path, role="staff", user="staff-3")
    assert colleague.status_code == 403
    assert "SignOutFormIsForTheStaffGoing" in colleague.text

    reads = await bus.wait_for("HouseholdDetailsRead")
    read = reads[-1][1]
    assert isinstance(read, HouseholdDetailsRead)
    assert (read.household_id, read.read_by, read.via) == ("hh-q1", "staff-1", "sign-out")
    assert "Quillfeather" not in str(read.model_dump())  # who and what, never the values


async def test_a_second_look_within_five_minutes_is_one_opening_and_each_person_is_recorded(
        service: Service, bus: Bus) -> None:
    """The form drawn again (a reload) is the same look; the office's look is its own; and the
    opening is recorded for a household on the roll with no visit history of its own yet."""
    for person, (name, mobile, roles) in PEOPLE.items():
        assert service.put(f"/v1/schools/{URN}/staff/{person}",
                           {"roles": roles, "name": name, "mobile": mobile}).status_code == 200
    assert service.put(f"/v1/schools/{URN}/households/hh-q2", HOME).status_code == 200
    requested = visit_requested(household="hh-q2", staff=("staff-1", "staff-2"))
    await bus.publish(requested)
    await service.known(requested.visit_id)  # type: ignore[arg-type]
    path = f"/v1/schools/{URN}/visits/{requested.visit_id}/sign-out-form"
    for _ in range(3):
        assert service.get(path, role="staff", user="staff-1").status_code == 200
    assert service.get(path, role="office", user="office-1").status_code == 200
    reads = await bus.wait_for("HouseholdDetailsRead", count=2)
    await asyncio.sleep(1.0)  # anything more would have been published by now
    reads = [e for _, e in await bus.events("HouseholdDetailsRead")
             if isinstance(e, HouseholdDetailsRead) and e.household_id == "hh-q2"]
    assert sorted(read.read_by for read in reads) == ["office-1", "staff-1"]
