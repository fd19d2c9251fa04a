"""The responder's view (issue 21), in real Chromium: the sign-out page takes the driver and the
registration; after a covert duress the office's board shows the visit's Home Visits Log (the
address, each mobile as a tel: link, the registration) within 2 s, while a board of someone who
is not a responder shows none of it; the acknowledge link in the buddy's text leads, once signed
in, to the visit's page with the log and what has been tried; every opening is in the trail."""

from __future__ import annotations

import asyncio
import json
import time
from datetime import datetime, timedelta
from pathlib import Path
from uuid import uuid4

from playwright.async_api import Browser, Page, expect

from services.web.session import COOKIE, Session, Sessions
from services.web.settings import WebSettings
from shared.cli.seed import PEOPLE
from shared.runtime.launcher import Cluster
from shared.runtime.settings import DoorstepSettings
from shared.security.tokens import mint_token
from shared.testing.http import client_for
from shared.testing.polling import until
from tests.visits.on_site import AUTHORISE, STAFF
from tests.visits.stories import visit_request
from tests.web.browser import Accessibility, chromium, screenshot, sign_in
from tests.web.test_pages import LONDON, URN, local, pytestmark, start  # noqa: F401 - the marks

ADDRESS = "12 Lavender Walk, Kings Lynn PE30 4AA"
MOBILES = {"staff-0001": "07700 900451", "staff-0002": "07700 900452"}
REGISTRATION = "KN51 LAV"
BUDDY_PHONE = "01553 900453"
VALID = {"licence": "2031-01-01", "mot": "2031-01-01", "business_insurance": "2031-01-01"}
OUTSIDER = "buddy-0002"  # a buddy, but not this visit's: not one who must act on it


async def on_the_register(settings: DoorstepSettings, cluster: Cluster) -> None:
    """The school's people, with staff-0001's driving documents, known to every service."""
    people = {**PEOPLE, OUTSIDER: ["buddy"]}
    async with client_for(settings, cluster["authorisation"].url, user="it-0001",
                          role="trust_it", schools=[]) as it:
        for person, roles in people.items():
            body = {"roles": roles, **({"documents": VALID} if person == "staff-0001" else {})}
            (await it.put(f"/v1/schools/{URN}/staff/{person}", json=body)).raise_for_status()
    for service, path in (("visits", f"/visits/{uuid4()}"), ("escalation", "/escalations")):
        async def known(url: str = cluster[service].url, path: str = path) -> tuple[int, int]:
            async with client_for(settings, url, user="nobody-0009", role="buddy",
                                  schools=[URN]) as nobody, \
                    client_for(settings, url, user=OUTSIDER, role="buddy",
                               schools=[URN]) as last:
                where = f"/v1/schools/{URN}{path}"
                return (await nobody.get(where)).status_code, (await last.get(where)).status_code

        await until(known, f"{service} follow the register", seconds=30,
                    ready=lambda codes: codes[0] == 403 and codes[1] != 403)


async def authorised(settings: DoorstepSettings, cluster: Cluster, household: str) -> str:
    """A visit asked for and authorised over the API, as far as signing out."""
    staff = client_for(settings, cluster["visits"].url, user="staff-0001", role="staff",
                       schools=[URN])
    dsl = client_for(settings, cluster["authorisation"].url, user="dsl-0001", role="dsl",
                     schools=[URN])
    async with staff, dsl:
        created = await staff.post(f"/v1/schools/{URN}/visits",
                                   json=visit_request(STAFF, household_id=household))
        visit_id: str = created.json()["visit_id"]
        case = f"/v1/schools/{URN}/visits/{visit_id}"
        await until(lambda: dsl.get(f"{case}/authorisation"), "the request reach authorisation",
                    ready=lambda answer: answer.status_code == 200)
        (await dsl.post(f"{case}/risk-assessments", json={"kind": "initial", "score": 4})
         ).raise_for_status()
        (await dsl.post(f"{case}/decision", json=AUTHORISE)).raise_for_status()
        await until(lambda: staff.get(case), "the decision reach visits",
                    ready=lambda answer: answer.json()["status"] == "authorised")
    return visit_id


async def outsider_board(browser: Browser, web: str, settings: DoorstepSettings) -> Page:
    token = mint_token(settings, user=OUTSIDER, role="buddy", schools=[URN])
    cookie = Sessions(WebSettings().session_secret, 1).dump(Session(
        token=token, user=OUTSIDER, role="buddy", trust=settings.default_trust, schools=[URN],
        csrf="x"))
    context = await browser.new_context(base_url=web, viewport={"width": 1200, "height": 900})
    await context.add_cookies([{"name": COOKIE, "value": cookie, "url": web}])
    return await context.new_page()


async def sign_out_and_arrive(staff: Page, visit: str, axe: Accessibility) -> None:
    await staff.goto(visit)
    for person, mobile in MOBILES.items():
        await staff.fill(f"#mobile_{person}", mobile)
    await staff.select_option("#driver", "staff-0001")
    await staff.fill("#vehicle_registration", REGISTRATION)
    await staff.fill("#address", ADDRESS)
    await staff.fill("#expecting_to_see", "Ms Lavender and Sam")
    await staff.fill("#buddy_phone", BUDDY_PHONE)
    await staff.fill("#duress_phrase", "the lavender folder")
    await staff.fill("#expected_arrival", local(datetime.now(LONDON) + timedelta(minutes=10)))
    await axe.check(staff)
    await screenshot(staff, "phone-sign-out")
    await staff.click("text=Sign out and go")
    await staff.click("text=I have arrived")
    await expect(staff.locator("button.huge")).to_have_text("I'm OK")
    await staff.wait_for_function("document.readyState === 'complete'")


async def hold(staff: Page) -> float:
    """The covert panic: hold "I'm OK" for over two seconds. Returns when it was let go."""
    box = await staff.locator("button.huge").bounding_box()
    assert box is not None
    await staff.mouse.move(box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)
    await staff.mouse.down()
    await asyncio.sleep(2.5)
    await staff.mouse.up()
    return time.monotonic()


async def test_the_people_who_must_act_see_the_home_visits_log_and_nobody_else(
        make_settings, make_cluster, tmp_path: Path) -> None:
    settings, cluster = start(make_settings, make_cluster, tmp_path, minute="60")
    web, axe = cluster["web"].url, Accessibility()
    await on_the_register(settings, cluster)
    household = f"hh-{uuid4().hex[:10]}"
    visit_id = await authorised(settings, cluster, household)
    visit = f"/schools/{URN}/visits/{visit_id}"
    async with chromium() as browser:
        staff = await sign_in(browser, web, "staff-0001", phone=True)
        await sign_out_and_arrive(staff, visit, axe)
        office = await sign_in(browser, web, "office-0001")
        auditor = await sign_in(browser, web, "auditor-0001")
        outsider = await outsider_board(browser, web, settings)
        for board in (office, auditor, outsider):
            await board.goto(f"/schools/{URN}/board")
            await expect(board.locator("#board")).to_contain_text("staff-0001")
        await asyncio.sleep(0.5)  # the live connections are open

        pressed = await hold(staff)
        shown = office.locator("#board [data-log=address]")
        await expect(shown).to_have_text(ADDRESS, timeout=2000)
        for mobile in MOBILES.values():
            tel = office.locator(f"#board a[href='tel:{mobile.replace(' ', '')}']")
            await expect(tel).to_have_text(mobile)
        await expect(office.locator("#board [data-log=vehicle]")).to_contain_text(REGISTRATION)
        seen = time.monotonic() - pressed
        assert seen <= 2.0, f"the office saw the Home Visits Log {seen:.2f} s after the panic"
        assert "duress" not in (await staff.inner_text("main")).lower()
        await expect(office.locator("#board")).to_contain_text("What has been tried")
        await axe.check(office)
        await screenshot(office, "responder-board")

        for board in (auditor, outsider):
            await expect(board.locator("#board")).to_contain_text("DURESS", timeout=5000)
            await expect(board.locator("#board [data-log=refused]")).to_have_count(1)
            html = await board.content()
            for secret in (ADDRESS, REGISTRATION, *MOBILES.values(), "tel:"):
                assert secret not in html, (secret, board.url)
            await axe.check(board)

        # the buddy's text: its acknowledge link, opened without a session, then signed in
        def acknowledge_code() -> str | None:
            sent = tmp_path / "sms.jsonl"
            texts = [json.loads(line) for line in sent.read_text().splitlines()] \
                if sent.exists() else []
            return next((t["ack_code"] for t in texts if t.get("ack_code")
                         and t["visit_id"] == visit_id and t["to"] == BUDDY_PHONE), None)

        code = await until(acknowledge_code, "the buddy's text")
        phone = await (await browser.new_context(base_url=web)).new_page()
        await phone.goto(f"{cluster['escalation'].url}/a/{code}")
        await phone.click("text=I am dealing with it")
        await expect(phone.locator("main")).to_contain_text("acknowledged by office-0001")
        await phone.click("text=Open the visit in Doorstep")
        await expect(phone.locator("h1")).to_have_text("Sign in")
        await phone.check("#p-office-0001")
        await phone.click("button[type=submit]")
        await expect(phone.locator("h1")).to_contain_text("Visit to household")
        assert phone.url.endswith(f"{visit}?from=acknowledgement")
        await expect(phone.locator("main [data-log=address]")).to_have_text(ADDRESS)
        await expect(phone.locator("main")).to_contain_text("What has been tried")
        await expect(phone.locator("main .timeline")).to_contain_text("office-0001")
        await expect(phone.locator("main .timeline")).to_contain_text("is dealing with it")
        await axe.check(phone)
        await screenshot(phone, "responder-visit")
    assert not axe.found, "\n".join(axe.found)

    async with client_for(settings, cluster["records"].url, user="auditor-0001", role="auditor",
                          schools=[]) as records:
        query = {"kind": "household", "id": household, "type": "HomeVisitLogOpened"}
        listed = await until(lambda: records.get("/v1/audit/history", params=query),
                             "the office's opening in the trail",
                             ready=lambda answer: answer.json()["events"])
        opened = listed.json()["events"]
        assert {(e["actor"]["id"], e["payload"]["via"]) for e in opened} == {
            ("office-0001", "board")}  # one look, one record; refusals record nothing
        assert ADDRESS not in listed.text
