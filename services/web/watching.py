"""The pages watch escalation's safety loop: its heartbeats, against the visits out.

Every second, for each trust, the rule in `domain/watchdog.py` says whether the loop runs. When
it does not: the board of each of the trust's schools with visits out shows the banner (pushed
to open boards at once), the outage is recorded in the pages' store, and the trust's safety
leads are told by `telling.py`; when it runs again the banner goes, the outage is closed and the
leads are told that too. The store makes this once per outage, across restarts and replicas.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Callable
from datetime import UTC, datetime, timedelta

from nats.aio.client import Client as NATS
from nats.aio.msg import Msg
from pydantic import ValidationError

from services.web.application import WebApplication
from services.web.domain.watchdog import Beat, Limits, Loop, Verdict, judge, schools_to_warn
from services.web.metrics import DOWN, HEARD, TOLD, WATCH_ROUND
from services.web.settings import WebSettings
from services.web.subscribers import Live
from services.web.telling import Teller
from shared.contracts.escalation import EscalationHeartbeat, heartbeat_subject

log = logging.getLogger(__name__)
WORDS = {Loop.SILENT: "has not been heard from",
         Loop.PROVIDER_FAILING: "cannot send texts: the provider refuses every message"}


class Watcher:
    def __init__(self, live: Live, app: WebApplication, settings: WebSettings,
                 teller: Teller, every: float = 1.0) -> None:
        self.live = live
        self.app = app
        self.settings = settings
        self.teller = teller
        self.every = every
        self.limits = Limits(timedelta(seconds=settings.escalation_silent_seconds),
                             timedelta(seconds=settings.provider_failing_seconds))
        self.since = datetime.now(UTC)
        self.last: Beat | None = None
        self.warned: dict[tuple[str, str], Verdict] = {}  # (trust, urn) -> what its banner says
        self.telling: set[asyncio.Task[None]] = set()
        self.raised: dict[str, bool] = {}  # trust -> its alarm is up, as last read or written

    async def start(self, client: NATS) -> None:
        await client.subscribe(heartbeat_subject(self.live.settings.subject_root),
                               cb=self._heard)

    async def _heard(self, msg: Msg) -> None:
        try:
            beat = EscalationHeartbeat.model_validate_json(msg.data)
        except ValidationError as error:
            log.warning("a heartbeat that cannot be read: %s", error)
            return
        if beat.leading:
            HEARD.set_to_current_time()
            self.last = Beat(datetime.now(UTC), {p.provider: p.failing_since
                                                  for p in beat.providers if p.failing_since})

    def banner(self, trust: str, urn: str) -> Verdict | None:
        """What the school's board must say of the safety loop; None while it runs."""
        return self.warned.get((trust, urn))

    async def run(self) -> None:
        while True:
            try:
                await self.check(datetime.now(UTC))
            except Exception:
                log.exception("the safety loop's watch failed this round; trying again")
            await asyncio.sleep(self.every)

    async def check(self, now: datetime) -> None:
        out: dict[str, dict[str, int]] = {}
        for (trust, urn), board in list(self.live.boards.items()):
            out.setdefault(trust, {})[urn] = len(board.out_now(now))
        trusts = {*out, *self.settings.safety_leads,
                  *(s.trust_id for s in self.live.directory.schools.values())}
        down = dict.fromkeys((Loop.SILENT, Loop.PROVIDER_FAILING), 0)
        for trust in sorted(trusts):
            schools = out.get(trust, {})
            verdict = judge(self.last, self.since, now, sum(schools.values()), self.limits)
            if verdict.down and verdict.loop in down:
                down[verdict.loop] += 1
            self._show(trust, schools, verdict)
            if verdict.down:
                await self._raise(trust, verdict, schools_to_warn(schools, verdict))
            elif verdict.loop is Loop.RUNNING:
                await self._clear(trust, now)
        for loop, count in down.items():
            DOWN.labels(loop=str(loop)).set(count)
        WATCH_ROUND.set_to_current_time()

    def _show(self, trust: str, schools: dict[str, int], verdict: Verdict) -> None:
        warn = set(schools_to_warn(schools, verdict))
        for urn in schools:
            before = self.warned.pop((trust, urn), None)
            if urn in warn:
                self.warned[(trust, urn)] = verdict
            if (before and before.loop) != (verdict.loop if urn in warn else None):
                for queue in list(self.live.listeners[(trust, urn)]):  # open boards redraw
                    queue.put_nowait("SafetyLoop")

    async def _raise(self, trust: str, verdict: Verdict, schools: list[str]) -> None:
        assert verdict.since is not None
        raised = await asyncio.to_thread(self.app.raise_alarm, trust, str(verdict.loop),
                                         verdict.since, schools, list(verdict.providers))
        if raised:
            log.error("escalation's safety loop is down for %s (%s): telling its safety leads",
                      trust, verdict.loop)
        alarm = await asyncio.to_thread(self.app.alarm, trust)
        self.raised[trust] = bool(alarm and alarm.raised)
        if alarm is None or not alarm.raised or self.telling:
            return
        names = ", ".join(self.live.directory.name_of(urn) for urn in schools) or "none just now"
        since = verdict.since.astimezone(UTC).strftime("%H:%M UTC")
        text = (f"Doorstep: escalation {WORDS[verdict.loop]} since {since}. A missed check-in "
                f"will NOT be texted to anyone. Schools with visits out: {names}; their boards "
                "tell the office to phone staff directly. Ask trust IT to restart escalation.")
        self._tell(trust, "Doorstep: escalation is not running", text, alarm.needs_telling)

    async def _clear(self, trust: str, now: datetime) -> None:
        if self.raised.get(trust) is False:
            return  # read already: nothing to clear (no store read every second)
        alarm = await asyncio.to_thread(self.app.alarm, trust)
        self.raised[trust] = bool(alarm and alarm.raised)
        if alarm is None or not alarm.raised:
            return
        began = datetime.fromisoformat(alarm.raised["since"])
        if await asyncio.to_thread(self.app.clear, trust, now):
            self.raised[trust] = False
            minutes = max(1, round((now - began).total_seconds() / 60))
            log.warning("escalation's safety loop runs again for %s", trust)
            self._tell(trust, "Doorstep: escalation is running again",
                       f"Doorstep: escalation is running again, after about {minutes} min. "
                       "Missed check-ins are texted as usual.", lambda lead: True)

    def _tell(self, trust: str, subject: str, text: str, needed: Callable[[str], bool]
              ) -> None:
        async def tell_all() -> None:
            for lead in self.settings.safety_leads.get(trust, []):
                for channel in self.teller.channels(lead):
                    key = f"{lead.name} by {channel}"
                    if not needed(key):
                        continue
                    told = await self.teller.tell(lead, channel, subject, text)
                    TOLD.labels(channel=channel,
                                outcome="delivered" if told.delivered else "failed").inc()
                    if subject.endswith("not running"):
                        await asyncio.to_thread(self.app.lead_told, trust, key, told.delivered,
                                                told.detail)

        task = asyncio.create_task(tell_all())
        self.telling.add(task)
        task.add_done_callback(self.telling.discard)

    async def stop(self) -> None:
        for task in list(self.telling):
            with contextlib.suppress(asyncio.CancelledError):
                await asyncio.wait_for(task, 10)
