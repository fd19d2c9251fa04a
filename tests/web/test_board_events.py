"""The board takes every event on the subjects it follows, and shows only what changes it."""

from __future__ import annotations

from datetime import UTC, datetime

from services.web.domain import Board


def test_a_ladder_change_leaves_the_board_as_it_was_and_does_not_break_it() -> None:
    """A school's escalation ladder changed (trust IT, or the DSL) is not a live escalation: it
    has no escalation id, and once broke the board's follower (KeyError: 'escalation_id')."""
    board, at = Board(), datetime(2026, 12, 2, 10, 0, tzinfo=UTC)
    changed = board.apply("EscalationLadderChanged", {
        "school_urn": "123456", "visit_id": None, "levels": [{"level": 1, "contacts": []}]}, at)
    assert changed is False
    assert board.escalations == {}
    assert board.apply("EscalationRaised", {
        "escalation_id": "e-1", "visit_id": "v-1", "level": 1, "trigger": "check_in_missed",
        "contacts": [{"person_id": "office-1"}]}, at) is True
    assert list(board.escalations) == ["e-1"]
