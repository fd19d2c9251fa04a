"""A school whose staff check in by text and call: every service and the pages, the example
people on the register (staff-0001's mobile 07700 900001), Twilio played by its local double,
and one visit on site."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import httpx

from services.web.session import COOKIE, Session, Sessions
from services.web.settings import WebSettings
from shared.cli.seed import seed_ladder, seed_register
from shared.runtime.launcher import EVERYTHING
from shared.runtime.settings import DoorstepSettings
from shared.security.tokens import mint_token
from shared.testing.polling import until
from tests.escalation.notify_double import CALLBACK_TOKEN
from tests.escalation.twilio_double import SENDER, SID, TOKEN, LocalTwilio
from tests.visits.on_site import VisitsOnSite
from tests.visits.stories import URN

MOBILE = "+447700900001"  # staff-0001's, as Twilio writes it (the register has 07700 900001)
STRANGER = "+447700900999"
DURESS_WORD = "pineapple"
PHRASE = "the blue folder"  # the sign-out's agreed phrase (tests/visits/stories.py)
WAIT = 60


@dataclass
class School:
    settings: DoorstepSettings
    urls: dict[str, str]
    visit_id: str = ""

    def hook(self, path: str) -> str:
        return f"{self.urls['visits']}/v1/inbound/{URN}/{path}"

    def client(self, service: str, user: str, role: str) -> httpx.Client:
        token = mint_token(self.settings, user=user, role=role, schools=[URN])
        return httpx.Client(base_url=self.urls[service], timeout=30,
                            headers={"Authorization": f"Bearer {token}"})

    async def put_on_site(self) -> str:
        on_site = VisitsOnSite(self.settings, self.urls)
        await on_site.put_on_site(1)
        self.visit_id = on_site.visit_ids[0]
        return self.visit_id

    def visit(self) -> dict[str, Any]:
        with self.client("visits", "staff-0001", "staff") as staff:
            shown: dict[str, Any] = staff.get(f"/v1/schools/{URN}/visits/{self.visit_id}").json()
            return shown

    def board_check_in_due(self) -> datetime | None:
        """When the board says the next check-in is due, as its countdown reads it."""
        token = mint_token(self.settings, user="office-0001", role="office", schools=[URN])
        cookie = Sessions(WebSettings().session_secret, 1).dump(Session(
            token=token, user="office-0001", role="office", trust=self.settings.default_trust,
            schools=[URN], csrf="x"))
        page = httpx.get(f"{self.urls['web']}/schools/{URN}/board", cookies={COOKIE: cookie},
                         timeout=30)
        page.raise_for_status()
        found = re.search(r'check-in <time datetime="([^"]+)" data-countdown', page.text)
        return datetime.fromisoformat(found.group(1)) if found else None

    def history(self) -> list[dict[str, Any]]:
        with self.client("records", "office-0001", "office") as office:
            answer = office.get(f"/v1/schools/{URN}/visits/{self.visit_id}/history")
            answer.raise_for_status()
            events: list[dict[str, Any]] = answer.json()["events"]
            return events

    def audit_trail(self) -> list[dict[str, Any]]:
        """The trust's whole trail, as an auditor exports it."""
        token = mint_token(self.settings, user="auditor-0001", role="auditor", schools=[])
        answer = httpx.get(f"{self.urls['records']}/v1/audit/export", timeout=30,
                           headers={"Authorization": f"Bearer {token}"})
        answer.raise_for_status()
        return [json.loads(line) for line in answer.text.splitlines() if line.strip()]

    async def refusals(self, count: int) -> list[dict[str, Any]]:
        """The InboundCheckInRefused entries in the auditor's export, once there are `count`."""
        def refused() -> list[dict[str, Any]]:
            return [e for e in self.audit_trail() if "InboundCheckInRefused" in json.dumps(e)]
        found: list[dict[str, Any]] = await until(
            refused, f"{count} refusals in the trail", seconds=WAIT,
            ready=lambda found: len(found) >= count, show=len)
        return found


def start(settings: DoorstepSettings, make_cluster: Any, provider: str = "twilio",
          twilio: LocalTwilio | None = None, minute_seconds: float = 60.0) -> School:
    """`twilio`: texts go out through it (the escalation service's provider), with a policy
    minute of `minute_seconds`."""
    cluster = make_cluster(settings, names=EVERYTHING, start=False)
    urls = {name: cluster[name].url for name in EVERYTHING}
    if twilio is not None:
        cluster["escalation"].env.update({
            "DOORSTEP_ESCALATION_MINUTE_SECONDS": str(minute_seconds),
            "DOORSTEP_ESCALATION_GATEWAY": "twilio",
            "DOORSTEP_ESCALATION_TWILIO_API_URL": twilio.url,
            "DOORSTEP_ESCALATION_TWILIO_ACCOUNT_SID": SID,
            "DOORSTEP_ESCALATION_TWILIO_AUTH_TOKEN": TOKEN,
            "DOORSTEP_ESCALATION_TWILIO_FROM": SENDER,
            "DOORSTEP_ESCALATION_PUBLIC_URL": urls["escalation"]})
    cluster["visits"].env.update({
        "DOORSTEP_VISITS_PUBLIC_URL": urls["visits"],
        "DOORSTEP_VISITS_TWILIO_AUTH_TOKEN": TOKEN,
        "DOORSTEP_VISITS_NOTIFY_INBOUND_TOKEN": CALLBACK_TOKEN,
        "DOORSTEP_VISITS_INBOUND_SCHOOLS": json.dumps(
            {URN: {"provider": provider, "duress_word": DURESS_WORD}})})
    cluster.start()
    seed_register(settings, urls["authorisation"])
    seed_ladder(settings, urls["escalation"])
    return School(settings, urls)
