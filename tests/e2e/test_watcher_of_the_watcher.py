"""Must show 3 (issue 22): who watches the watcher. With every escalation process SIGKILLed while
a visit is on site, the board shows the school office the banner within 30 s, without a reload,
and a trust safety lead is texted by the pages themselves; a restart of the pages texts nobody
twice; the banner clears itself when escalation is back. The same alarm when the provider
refuses every message for the window."""

from __future__ import annotations

import json
import time

import httpx
import pytest
from playwright.async_api import expect

from services.web.session import COOKIE, Session, Sessions
from services.web.settings import WebSettings
from shared.runtime.launcher import EVERYTHING
from shared.runtime.settings import DoorstepSettings
from shared.security.tokens import mint_token
from shared.testing.polling import until
from tests.e2e.test_observed import scrape_one
from tests.e2e.test_one_visit import stores  # noqa: F401 - SQLite, then PostgreSQL
from tests.escalation.notify_double import API_KEY, SMS_TEMPLATE, local_notify
from tests.visits.on_site import VisitsOnSite
from tests.visits.stories import URN
from tests.web.browser import Accessibility, chromium, screenshot, sign_in

pytestmark = [pytest.mark.nats, pytest.mark.e2e]
LEAD = "+447700900104"
BANNER = "Escalation is not running: phone your staff directly"


def watched(settings: DoorstepSettings, notify_url: str, **more: str) -> dict[str, str]:
    """The pages text the trust's safety lead through GOV.UK Notify (a local double)."""
    return {"DOORSTEP_ESCALATION_HEARTBEAT_SECONDS": "1",
            "DOORSTEP_WEB_SAFETY_LEADS": json.dumps(
                {settings.default_trust: [{"name": "Sam Okafor", "mobile": LEAD}]}),
            "DOORSTEP_WEB_ALARM_GATEWAY": "notify",
            "DOORSTEP_WEB_ALARM_NOTIFY_API_URL": notify_url,
            "DOORSTEP_WEB_ALARM_NOTIFY_API_KEY": API_KEY,
            "DOORSTEP_WEB_ALARM_NOTIFY_SMS_TEMPLATE": SMS_TEMPLATE, **more}


def office(settings: DoorstepSettings, web: str) -> httpx.AsyncClient:
    """The school office's browser session, as a plain HTTP client."""
    token = mint_token(settings, user="office-0001", role="office", schools=[URN])
    cookie = Sessions(WebSettings().session_secret, 1).dump(Session(
        token=token, user="office-0001", role="office", trust=settings.default_trust,
        schools=[URN], csrf="x"))
    return httpx.AsyncClient(base_url=web, cookies={COOKIE: cookie}, timeout=30.0)


async def test_with_escalation_killed_the_board_says_so_and_a_safety_lead_is_told(
        stores, make_cluster, tmp_path) -> None:  # noqa: F811 - the fixture imported above
    settings: DoorstepSettings = stores
    with local_notify() as notify:
        cluster = make_cluster(settings, names=EVERYTHING, extra_env=watched(
            settings, notify.url,
            DOORSTEP_ESCALATION_GATEWAY=f"fake:{tmp_path / 'escalation-sms.jsonl'}"))
        web = cluster["web"].url
        on_site = VisitsOnSite(settings, {n: cluster[n].url for n in ("visits", "authorisation")})
        await on_site.put_on_site(1)
        async with chromium() as browser, office(settings, web) as school:
            board = await sign_in(browser, web, "office-0001")
            await board.goto(f"/schools/{URN}/board")
            await board.evaluate("window.sameDocument = true")
            await expect(board.locator("#board")).to_contain_text("staff-0001", timeout=30000)
            await expect(board.locator("[data-outage]")).to_have_count(0)

            cluster["escalation"].kill()
            killed = time.monotonic()
            await expect(board.locator("[role=alert][data-outage=silent]")).to_contain_text(
                BANNER, timeout=30000)
            assert time.monotonic() - killed <= 30.0
            assert await board.evaluate("window.sameDocument") is True, "shown without a reload"
            await expect(board.locator("[data-outage-mobile]").first).to_have_text("07700 900123")
            axe = Accessibility()
            await axe.check(board)
            assert not axe.found, "\n".join(axe.found)
            await screenshot(board, "escalation-down")
            fetched = await school.get(f"/schools/{URN}/board")
            assert fetched.status_code == 200
            assert BANNER in fetched.text

            texts = await until(lambda: notify.of("sms", LEAD), "the safety lead texted",
                                seconds=max(1.0, 30.0 - (time.monotonic() - killed)))
            said = texts[0]["personalisation"]["message"]
            assert "escalation has not been heard from" in said
            assert "NOT be texted" in said
            watch = await scrape_one(web)  # and trust IT's Prometheus sees it too
            assert watch.value("doorstep_web_safety_loop_down_trusts", loop="silent") == 1
            assert watch.value("doorstep_web_safety_leads_told_total", channel="sms",
                               outcome="delivered") == 1
            assert time.time() - watch.value(
                "doorstep_web_watch_last_round_timestamp_seconds") < 10

            cluster["web"].stop()  # the pages restart during the same outage...
            cluster["web"].start()
            cluster["web"].wait_ready()

            async def banner_again() -> bool:
                return BANNER in (await school.get(f"/schools/{URN}/board")).text

            await until(banner_again, "the banner after the pages restarted", seconds=60)
            assert len(notify.of("sms", LEAD)) == 1, "...and text nobody a second time"

            await board.reload()
            await expect(board.locator("[data-outage]")).to_have_count(1, timeout=10000)
            await board.evaluate("window.sameDocument = true")
            cluster["escalation"].start()
            cluster["escalation"].wait_ready()
            await expect(board.locator("[data-outage]")).to_have_count(0, timeout=30000)
            assert await board.evaluate("window.sameDocument") is True, "cleared without reload"
            await until(lambda: len(notify.of("sms", LEAD)) == 2, "the lead told it is back",
                        seconds=30)
            assert "running again" in notify.of("sms", LEAD)[1]["personalisation"]["message"]
            assert (await scrape_one(web)).value("doorstep_web_safety_loop_down_trusts",
                                                 loop="silent") == 0

            trust_it = await sign_in(browser, web, "it-0001")
            await trust_it.goto("/trust")
            outages = trust_it.locator("[data-outages] tbody tr")
            await expect(outages).to_have_count(1)
            await expect(outages.first).to_contain_text("escalation not heard from")
            await expect(outages.first).to_contain_text("Sam Okafor by sms")


async def test_a_provider_refusing_every_message_for_the_window_raises_the_same_alarm(
        make_settings, make_cluster) -> None:
    settings: DoorstepSettings = make_settings()
    with local_notify() as failing, local_notify() as pages_notify:
        failing.down = True
        cluster = make_cluster(settings, names=EVERYTHING, extra_env=watched(
            settings, pages_notify.url,
            DOORSTEP_ESCALATION_MINUTE_SECONDS="0.1",  # a 20-minute check-in interval is 2 s
            DOORSTEP_ESCALATION_GATEWAY="notify",
            DOORSTEP_ESCALATION_NOTIFY_API_URL=failing.url,
            DOORSTEP_ESCALATION_NOTIFY_API_KEY=API_KEY,
            DOORSTEP_ESCALATION_NOTIFY_SMS_TEMPLATE=SMS_TEMPLATE,
            DOORSTEP_WEB_PROVIDER_FAILING_SECONDS="4"))
        on_site = VisitsOnSite(settings, {n: cluster[n].url for n in ("visits", "authorisation")})
        await on_site.put_on_site(1)
        async with office(settings, cluster["web"].url) as school:
            await until(lambda: failing.refused, "escalation's texts refused", seconds=60)

            async def banner() -> str | None:
                page = (await school.get(f"/schools/{URN}/board")).text
                return page if BANNER in page else None

            page = await until(banner, "the banner for a failing provider", seconds=30)
            assert 'data-outage="provider_failing"' in page
            assert "notify has refused every message" in page
            texts = await until(lambda: pages_notify.of("sms", LEAD), "the safety lead texted",
                                seconds=30)
            assert "cannot send texts" in texts[0]["personalisation"]["message"]
            assert not failing.sent, "the failing provider took nothing"
