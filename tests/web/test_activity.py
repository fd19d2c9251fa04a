"""The trust page's charts: a calendar worked out once, bars for each school from its rows."""

from __future__ import annotations

from datetime import date

from services.web.domain.activity import Bar, Calendar


def test_bars_count_each_day_and_each_week_and_scale_to_the_tallest() -> None:
    calendar = Calendar(date(2026, 12, 2))  # a Wednesday
    assert calendar.first_day == date(2026, 11, 5)
    days, weeks = calendar.bars([
        {"day": "2026-12-02", "visits": 4, "escalations": 1},
        {"day": "2026-11-30", "visits": 2, "escalations": 2},  # Monday of this week
        {"day": "2026-11-29", "visits": 9, "escalations": 3},  # the Sunday before: 8 days ago
        {"day": "2026-11-05", "visits": 1, "escalations": 5},  # the first day shown
    ])
    assert [bar.label for bar in days] == ["Thu 26", "Fri 27", "Sat 28", "Sun 29", "Mon 30",
                                           "Tue 01", "Wed 02"]
    assert [bar.count for bar in days] == [0, 0, 0, 9, 2, 0, 4]
    assert days[3] == Bar("Sun 29", 9, 80)
    assert days[-1].width == round(4 / 9 * 80)
    assert [(bar.label, bar.count) for bar in weeks] == [
        ("w/c 02 Nov", 5), ("w/c 09 Nov", 0), ("w/c 16 Nov", 0), ("w/c 23 Nov", 3),
        ("w/c 30 Nov", 3)]


def test_a_school_with_no_activity_draws_empty_bars() -> None:
    days, weeks = Calendar(date(2026, 12, 2)).bars([])
    assert {bar.width for bar in [*days, *weeks]} == {0}
    assert len(days) == 7
