"""Asking for a visit by name: the household follows from the pupils chosen. Pure."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Protocol


class OnTheRoll(Protocol):
    @property
    def upn(self) -> str: ...
    @property
    def name(self) -> str: ...
    @property
    def household_id(self) -> str: ...


class CannotAsk(ValueError):
    """Why the form does not make a visit yet; the message says what to do instead."""


def household_of(chosen: Sequence[OnTheRoll], asked: Sequence[str]) -> str:
    """`VisitIsToOneHome`: a visit goes to one household (West Norfolk 2.1: the household's
    details are what the sign-out records), so the pupils chosen must all live there."""
    known = {p.upn for p in chosen}
    if any(upn not in known for upn in asked):
        raise CannotAsk("a pupil chosen is no longer on the school's roll: find them again "
                         "by name")
    if not chosen:
        raise CannotAsk("choose the pupil the visit is about: find them by name")
    homes: dict[str, list[str]] = {}
    for pupil in chosen:
        homes.setdefault(pupil.household_id, []).append(pupil.name)
    if len(homes) > 1:
        apart = "; ".join(" and ".join(names) for names in homes.values())
        raise CannotAsk(f"these pupils live in {len(homes)} different homes ({apart}): a visit "
                         "goes to one home, so ask for one visit for each")
    return next(iter(homes))


def who_is_going(ticked: Sequence[str]) -> list[str]:
    """Someone has to go: the person asking is ticked to begin with, and may untick themselves
    when asking for colleagues."""
    if not ticked:
        raise CannotAsk("tick who is going: at least one member of staff")
    return list(dict.fromkeys(ticked))
