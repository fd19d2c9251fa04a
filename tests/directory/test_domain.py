"""A school in the directory, as a trust's IT team changes it: pure, no servers."""

from __future__ import annotations

import re

import pytest

from services.authorisation.domain.directory import School
from shared.contracts.errors import Conflict

META = {"trust_id": "t1", "school_urn": "333333", "actor_id": "it-0001"}
DETAILS = {"name": "Ordsall Primary", "timezone": "Europe/London", "opens": "08:30",
           "closes": "15:30", "policy_pack": "ordsall-primary", "contact_number": "0161 000 0000"}


def test_a_change_that_changes_nothing_records_nothing() -> None:
    school = School("333333", "t1", DETAILS, META)
    assert school.change(dict(DETAILS), META) is False
    assert school.change({**DETAILS, "name": "Ordsall Primary School"}, META) is True
    assert [type(e).__name__ for e in school.collect_events()] == ["Onboarded", "Changed"]


def test_an_archived_school_cannot_be_changed_or_archived_again() -> None:
    school = School("333333", "t1", DETAILS, META)
    school.archive("merged into another school", META)
    with pytest.raises(Conflict, match=re.escape("Ordsall Primary (333333) is archived")):
        school.change({**DETAILS, "name": "New name"}, META)
    with pytest.raises(Conflict, match="archived again"):
        school.archive("twice", META)
    assert school.details["name"] == "Ordsall Primary"
