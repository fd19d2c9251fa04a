"""A school's activity over time, as the trust page draws it: bars for the last 7 days' visits
and the last 4 weeks' escalations. The calendar is worked out once for a page, not per school."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any


@dataclass(frozen=True)
class Bar:
    label: str
    count: int
    width: int  # percent of the row, the tallest bar of its chart at 80


class Calendar:
    """The last 7 days and the last 4 weeks (Monday to Sunday) up to `today`."""

    def __init__(self, today: date) -> None:
        self.days = [(day.isoformat(), day.strftime("%a %d"))
                     for day in (today - timedelta(days=n) for n in range(6, -1, -1))]
        weeks: dict[str, list[str]] = {}
        for day in (today - timedelta(days=n) for n in range(27, -1, -1)):
            monday = day - timedelta(days=day.weekday())
            weeks.setdefault(f"w/c {monday.strftime('%d %b')}", []).append(day.isoformat())
        self.weeks = list(weeks.items())
        self.first_day = today - timedelta(days=27)

    def bars(self, activity: list[dict[str, Any]]) -> tuple[list[Bar], list[Bar]]:
        """Visits a day and escalations a week, from a school's daily activity rows."""
        by_day = {row["day"]: row for row in activity}
        visits = [(label, int(by_day.get(day, {}).get("visits", 0))) for day, label in self.days]
        escalations = [(label, sum(int(by_day.get(day, {}).get("escalations", 0)) for day in days))
                       for label, days in self.weeks]
        return drawn(visits), drawn(escalations)


def drawn(series: list[tuple[str, int]]) -> list[Bar]:
    top = max([1, *(count for _, count in series)])
    return [Bar(label, count, round(count / top * 80)) for label, count in series]
