"""The new-visit page's suggested start stays on the school's today (issue 21): at 23:53 it
suggested 00:23, a visit for tomorrow that nobody had chosen."""

from __future__ import annotations

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

from services.web.api.schoolclock import default_start, field, local

LONDON, NEW_YORK = ZoneInfo("Europe/London"), ZoneInfo("America/New_York")


def test_the_suggested_start_is_in_half_an_hour_on_the_schools_clock() -> None:
    summer = datetime(2026, 7, 1, 13, 0, 40, tzinfo=UTC)  # 14:00 in London
    assert field(default_start(summer, LONDON), LONDON) == "2026-07-01T14:30"
    assert field(default_start(summer, NEW_YORK), NEW_YORK) == "2026-07-01T09:30"


def test_the_suggested_start_never_moves_the_visit_to_tomorrow() -> None:
    late = datetime(2026, 12, 1, 23, 53, tzinfo=LONDON)
    start = default_start(late, LONDON)
    assert field(start, LONDON) == "2026-12-01T23:59"
    # what the page sends back is read on the same clock: the visit's day is the 1st
    assert local(field(start, LONDON), LONDON) == datetime(2026, 12, 1, 23, 59, tzinfo=LONDON)
    in_new_york = datetime(2026, 12, 2, 4, 53, tzinfo=UTC)  # 23:53 on the 1st there
    assert field(default_start(in_new_york, NEW_YORK), NEW_YORK) == "2026-12-01T23:59"
