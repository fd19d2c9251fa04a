"""What the pages say beside an alarm, and where a link leads after signing in; pure, no browser.
A board that opened a Home Visits Log does not redraw for the opening it caused."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from services.web.domain import Board
from services.web.domain.responders import steps_of, tel
from services.web.session import come_back_to

HISTORY = [
    {"event": "Raised", "at": "2026-11-24T14:02:00+00:00",
     "details": {"level": 1, "reason": "check-in missed: the buddy tries each member of staff",
                 "contacts": [{"person_id": "office-0001", "role": "buddy"}]}},
    {"event": "Unreachable", "at": "2026-11-24T14:03:00+00:00",
     "details": {"person_id": "office-0001", "level": 1}},
    {"event": "Climbed", "at": "2026-11-24T14:03:00+00:00",
     "details": {"level": 2, "reason": "every notification at level 1 failed", "contacts": []}},
    {"event": "Acknowledged", "at": "2026-11-24T14:05:00+00:00",
     "details": {"person_id": "slt-0001", "role": "slt"}},
    {"event": "Resolved", "at": "2026-11-24T14:20:00+00:00",
     "details": {"person_id": "slt-0001", "outcome": "contact_made"}},
]


def test_what_has_been_tried_reads_as_steps_in_words() -> None:
    steps = steps_of(HISTORY)
    assert [s.text for s in steps] == [
        "Raised at level 1: check-in missed: the buddy tries each member of staff. "
        "Told office-0001.",
        "office-0001 could not be reached at level 1.",
        "Climbed to level 2: every notification at level 1 failed. Told nobody reachable.",
        "slt-0001 (slt) is dealing with it.",
        "Resolved by slt-0001: contact made."]
    assert steps[0].at == datetime(2026, 11, 24, 14, 2, tzinfo=UTC)


def test_a_mobile_becomes_a_number_a_phone_can_ring() -> None:
    assert tel("07700 900451") == "07700900451"
    assert tel("+44 (0)7700-900451") == "+4407700900451"


@pytest.mark.parametrize(("asked", "back"), [
    ("/schools/123456/visits/abc?from=acknowledgement", "/schools/123456/visits/abc?from="
                                                        "acknowledgement"),
    ("//evil.example/x", None), ("https://evil.example/", None), ("/\\evil.example", None),
    ("/sign-in?next=/x", None), ("", None), (None, None), ("/" + "a" * 600, None)])
def test_after_signing_in_a_person_goes_back_only_to_a_page_of_these_pages(
        asked: str | None, back: str | None) -> None:
    assert come_back_to(asked) == back


def test_the_board_does_not_redraw_for_an_opening_of_a_log() -> None:
    board = Board()
    requested = {"visit_id": "v1", "school_urn": "123456", "staff_ids": ["s1"],
                 "household_id": "h1", "planned_start": "2026-11-24T14:00:00+00:00",
                 "planned_end": "2026-11-24T15:00:00+00:00"}
    now = datetime(2026, 11, 24, 14, 0, tzinfo=UTC)
    assert board.apply("VisitRequested", requested, now)
    assert not board.apply("HomeVisitLogOpened", {"visit_id": "v1"}, now)
