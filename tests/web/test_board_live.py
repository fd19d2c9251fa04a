"""The board hears a missed check-in within 2 s, with no reload; another school's or trust's
people see nothing of it, on the pages as on the API."""

from __future__ import annotations

import asyncio
import time
from urllib.parse import parse_qs, urlsplit

import nats
from playwright.async_api import expect

from services.web.session import COOKIE, Session, Sessions
from services.web.settings import WebSettings
from shared.runtime.launcher import EVERYTHING
from shared.runtime.settings import DoorstepSettings
from shared.security.tokens import mint_token
from shared.testing.http import client_for
from tests.visits.on_site import VisitsOnSite
from tests.web.browser import Accessibility, chromium, sign_in
from tests.web.test_pages import URN, pytestmark  # noqa: F401 - the same marks


async def test_a_missed_check_in_reaches_the_open_board_within_two_seconds(
        make_settings, make_cluster, tmp_path) -> None:
    settings: DoorstepSettings = make_settings()
    cluster = make_cluster(settings, names=EVERYTHING, extra_env={
        "DOORSTEP_ESCALATION_MINUTE_SECONDS": "0.1",  # a 20-minute interval is 2 s
        "DOORSTEP_ESCALATION_GATEWAY": f"fake:{tmp_path / 'sms.jsonl'}"})
    missed: list[float] = []
    tap = await nats.connect(settings.nats_url)

    async def heard(_message: object) -> None:
        missed.append(time.monotonic())

    await tap.subscribe(f"{settings.subject_root}.events.*.*.escalation.CheckInMissed", cb=heard)
    async with chromium() as browser:
        buddy = await sign_in(browser, cluster["web"].url, "office-0001")
        await buddy.goto(f"/schools/{URN}/board")
        await buddy.evaluate("window.sameDocument = true")
        await expect(buddy.locator("#board")).to_contain_text("Nobody is out")
        urls = {name: cluster[name].url for name in ("visits", "authorisation")}
        await VisitsOnSite(settings, urls).put_on_site(1)
        await expect(buddy.locator("#board")).to_contain_text("staff-0001", timeout=5000)
        await expect(buddy.locator("#board")).to_contain_text("OVERDUE", timeout=15000)
        shown = time.monotonic()
        assert missed, "CheckInMissed was not on NATS by the time the board showed it"
        assert shown - missed[0] <= 2.0, f"the board took {shown - missed[0]:.2f} s"
        assert await buddy.evaluate("window.sameDocument") is True  # no reload
        await expect(buddy.locator("#board")).to_contain_text("check-in missed")
        axe = Accessibility()
        await axe.check(buddy)
        assert not axe.found, "\n".join(axe.found)
    await tap.close()


async def test_people_of_another_school_or_trust_see_nothing_of_the_first(
        make_settings, make_cluster) -> None:
    settings: DoorstepSettings = make_settings()
    cluster = make_cluster(settings, names=EVERYTHING)
    web = cluster["web"].url
    urls = {name: cluster[name].url for name in ("visits", "authorisation")}
    on_site = VisitsOnSite(settings, urls)
    await on_site.put_on_site(1)
    sessions = Sessions(WebSettings().session_secret, 1)
    outsiders = {"a DSL of another trust": ("dsl-9", "dsl", "other-trust", ["654321"]),
                 "a buddy of a sibling school": ("buddy-9", "buddy", settings.default_trust,
                                                 ["654321"]),
                 "trust IT of another trust": ("it-9", "trust_it", "other-trust", [])}
    visit_id = on_site.visit_ids[0]
    dsl = client_for(settings, urls["authorisation"], user="dsl-0001", role="dsl", schools=[URN])
    case = f"/v1/schools/{URN}/visits/{visit_id}/authorisation"
    assessment_id = (await dsl.get(case)).json()["assessment_ids"][0]
    sign_off = f"/schools/{URN}/risk-assessments/{assessment_id}/sign-off"
    async with chromium() as browser:
        insider = await sign_in(browser, web, "office-0001")
        await insider.goto(f"/schools/{URN}/board")
        await expect(insider.locator("#board")).to_contain_text("staff-0001", timeout=10000)
        for who, (user, role, trust, schools) in outsiders.items():
            token = mint_token(settings, user=user, role=role, schools=schools, trust=trust)
            cookie = sessions.dump(Session(token=token, user=user, role=role, trust=trust,
                                           schools=schools, csrf="x"))
            context = await browser.new_context(base_url=web)
            await context.add_cookies([{"name": COOKIE, "value": cookie, "url": web}])
            page = await context.new_page()
            for path in (f"/schools/{URN}/board", f"/schools/{URN}",
                         f"/schools/{URN}/visits/{on_site.visit_ids[0]}",
                         f"/schools/{URN}/visits/{on_site.visit_ids[0]}/chronology",
                         f"/schools/{URN}/board/live"):
                answer = await page.goto(path)
                assert answer is not None
                assert answer.status in (403, 404), (who, path, answer.status)
                body = await page.content()
                assert on_site.visit_ids[0] not in body.replace(path, ""), (who, path)
                assert "staff-0001" not in body, (who, path)
            # a form of the DSL's page, with the session's own CSRF token: refused all the same
            signed = await page.request.post(sign_off, form={"csrf": "x", "visit_id": visit_id},
                                             max_redirects=0)
            assert signed.status in (403, 404), (who, signed.status)
            if trust != settings.default_trust:
                trust_page = await page.goto("/trust")
                assert trust_page is not None
                assert URN not in await page.inner_text("main"), who
            await context.close()
        anonymous = await (await browser.new_context(base_url=web)).new_page()
        for path in (f"/schools/{URN}/board", f"/schools/{URN}",
                     f"/schools/{URN}/visits/{on_site.visit_ids[0]}/chronology", "/trust"):
            await anonymous.goto(path)  # no session: the sign-in page, and nothing else
            assert urlsplit(anonymous.url).path == "/sign-in", path
            assert parse_qs(urlsplit(anonymous.url).query)["next"] == [path]  # back there after
            assert "staff-0001 (" in await anonymous.inner_text("main")  # the seeded people list
            assert on_site.visit_ids[0] not in (await anonymous.content()).replace(path, "")
        live = await anonymous.request.get(f"/schools/{URN}/board/live", max_redirects=0)
        assert live.status in (303, 401)
        signed = await anonymous.request.post(sign_off, form={"csrf": "x", "visit_id": visit_id},
                                              max_redirects=0)
        assert signed.status in (303, 401, 403)
    assessment = await dsl.get(f"/v1/schools/{URN}/risk-assessments/{assessment_id}")
    assert assessment.json()["signed_off"] == []  # nobody outside signed it off
    await dsl.aclose()
    await asyncio.sleep(0)


def test_the_pages_refuse_an_oversized_form_before_reading_it(make_settings) -> None:
    from fastapi.testclient import TestClient

    from services.web.bootstrap import create_app

    app = create_app(make_settings())
    client = TestClient(app)  # no lifespan: the body check comes before any page
    answer = client.post("/sign-in", content=b"person=" + b"x" * 300_000,
                         headers={"content-type": "application/x-www-form-urlencoded"})
    assert answer.status_code == 413
    assert "larger than" in answer.json()["detail"]
