"""Asking for a visit by name: the household follows from the pupils chosen (pure)."""

from __future__ import annotations

import pytest

from services.web.api.people import Pupil
from services.web.domain.asking import CannotAsk, household_of, who_is_going

JORDAN = Pupil("A123456789012", "Jordan Quillfeather", "F1234")
CHLOE = Pupil("A123456789013", "Chloë Quillfeather", "F1234")
ALI = Pupil("A123456789020", "Ali Brightwater", "F9999")


def test_siblings_chosen_by_name_make_one_visit_to_their_home() -> None:
    assert household_of([JORDAN], [JORDAN.upn]) == "F1234"
    assert household_of([JORDAN, CHLOE], [JORDAN.upn, CHLOE.upn]) == "F1234"


def test_pupils_of_two_homes_are_two_visits() -> None:
    with pytest.raises(CannotAsk, match=r"2 different homes \(Jordan Quillfeather and Chloë "
                                         r"Quillfeather; Ali Brightwater\): a visit goes to one "
                                         "home, so ask for one visit for each"):
        household_of([JORDAN, CHLOE, ALI], [JORDAN.upn, CHLOE.upn, ALI.upn])


def test_no_pupil_or_one_gone_from_the_roll_says_what_to_do() -> None:
    with pytest.raises(CannotAsk, match="choose the pupil the visit is about"):
        household_of([], [])
    with pytest.raises(CannotAsk, match="no longer on the school's roll: find them again"):
        household_of([JORDAN], [JORDAN.upn, "A123456789099"])


def test_someone_has_to_go() -> None:
    assert who_is_going(["staff-1", "staff-2", "staff-1"]) == ["staff-1", "staff-2"]
    with pytest.raises(CannotAsk, match="tick who is going"):
        who_is_going([])
