"""Who watches the watcher: is escalation's safety loop running, from its heartbeats? Pure.

Escalation's deadline scheduler beats every few seconds while it runs (`EscalationHeartbeat`).
The pages follow those beats and the boards, and decide here:

- EscalationSilentWhileVisitsOut: no beat from a replica that fires deadlines for longer than
  the threshold while any visit is out. Nobody would be told of a missed check-in.
- ProviderFailingEveryMessage: the last beat says a provider has failed every message it was
  given for the whole window. Escalation runs, but its texts reach nobody.

Either is an outage: the boards of every school with visits out say so, and the trust's safety
leads are told by the pages themselves (a path that does not need escalation).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from enum import StrEnum


class Loop(StrEnum):
    RUNNING = "running"  # heard lately, its providers taking messages: an alarm up is cleared
    SILENT = "silent"  # unheard past the threshold while visits are out: the alarm
    PROVIDER_FAILING = "provider_failing"  # heard, but its texts reach nobody: the alarm
    LISTENING = "listening"  # the watcher has just started and heard nothing yet
    QUIET = "quiet"  # unheard, but nobody is out to be put at risk: no new alarm, none cleared


@dataclass(frozen=True)
class Beat:
    """The last beat heard from a replica that fires deadlines, as the watcher needs it."""

    heard_at: datetime
    failing_since: dict[str, datetime] = field(default_factory=dict)  # provider -> since


@dataclass(frozen=True)
class Limits:
    silent_after: timedelta = timedelta(seconds=15)
    failing_for: timedelta = timedelta(minutes=1)


@dataclass(frozen=True)
class Verdict:
    loop: Loop
    since: datetime | None = None  # when the outage began, as far as the watcher can tell
    providers: tuple[str, ...] = ()  # the providers failing every message

    @property
    def down(self) -> bool:
        return self.loop in (Loop.SILENT, Loop.PROVIDER_FAILING)


def judge(last: Beat | None, watching_since: datetime, now: datetime, visits_out: int,
          limits: Limits) -> Verdict:
    """The state of the safety loop. `watching_since`: when the watcher started listening (a
    watcher that has just started has heard nothing yet, and gives escalation the same
    threshold from then)."""
    heard = last.heard_at if last else watching_since
    if now - heard > limits.silent_after:
        return Verdict(Loop.SILENT, since=heard) if visits_out > 0 else Verdict(Loop.QUIET)
    if last is None:
        return Verdict(Loop.LISTENING)
    failing = {provider: since for provider, since in last.failing_since.items()
               if now - since >= limits.failing_for}
    if failing:
        return Verdict(Loop.PROVIDER_FAILING, since=min(failing.values()),
                       providers=tuple(sorted(failing)))
    return Verdict(Loop.RUNNING)


def schools_to_warn(out_by_school: dict[str, int], verdict: Verdict) -> list[str]:
    """The schools whose boards show the banner: those with visits out, while the loop is down."""
    if not verdict.down:
        return []
    return sorted(urn for urn, out in out_by_school.items() if out > 0)
