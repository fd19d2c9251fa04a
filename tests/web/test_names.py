"""Pages speak in names (issue 21), in real headless Chromium against the five processes: the
school office imports its staff and pupils through the import page (a bad file named line by
line, a dry run, then applied); a member of staff then asks for a visit by finding a pupil by
name and ticking a colleague by name, and the visit asked for has the right household and staff.
axe-core on every page."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

import httpx
import pytest
from playwright.async_api import Page, expect

from shared.cli.seed import SCHOOL, seed_school
from shared.http.bodies import MAX_UPLOAD_BYTES
from shared.security.tokens import mint_token
from tests.web.browser import Accessibility, chromium, screenshot, sign_in
from tests.web.people import CHLOE, JORDAN, pupils_csv, staff_csv
from tests.web.test_pages import LONDON, local, start, until_text

pytestmark = [pytest.mark.nats, pytest.mark.e2e]


def csv_file(name: str, data: bytes) -> dict[str, Any]:
    return {"name": name, "mimeType": "text/csv", "buffer": data}


async def check_file(office: Page, name: str, data: bytes) -> None:
    await office.set_input_files("#file", files=[csv_file(name, data)])  # type: ignore[list-item]
    await office.click("text=Check the file")


async def test_staff_ask_for_a_visit_by_name_after_the_office_imports_its_people(
        make_settings, make_cluster, tmp_path) -> None:
    settings, cluster = start(make_settings, make_cluster, tmp_path, minute="60")
    seed_school(settings, cluster["authorisation"].url)  # Riverside Primary, in the directory
    web, axe = cluster["web"].url, Accessibility()
    async with chromium() as browser:
        office = await sign_in(browser, web, "office-0001")
        await office.click("header >> text=Import")
        await expect(office.locator("h1")).to_have_text("Import staff and pupils")
        await axe.check(office)

        await check_file(office, "staff.csv", staff_csv().replace(b"07700 900002", b"ring me"))
        problems = office.locator("[role=alert]")
        await expect(problems).to_contain_text("line 3, Mobile: not a phone number")
        await expect(problems).to_contain_text("nothing of it was applied")
        await axe.check(office)
        await check_file(office, "everyone.csv", b"Staff ID\r\n" + b"x" * MAX_UPLOAD_BYTES)
        await expect(problems).to_contain_text("everyone.csv is larger than 8 MiB")

        await check_file(office, "staff.csv", staff_csv())
        plan = office.locator("section.plan")
        await expect(plan).to_contain_text("What staff.csv would change")
        await expect(plan).to_contain_text("6 to add, 0 to change, 0 to remove")
        await expect(plan).to_contain_text("Zoë O'Brien")
        await office.click("text=Apply these changes")
        await expect(plan).to_contain_text("Done: staff.csv is applied to the staff register")
        office = await sign_in(browser, web, "office-0001")  # now the register names them
        await expect(office.locator("header")).to_contain_text("Ann Lee (office)")
        await office.goto(f"/schools/{SCHOOL}/imports")

        await office.check("#kind-pupils")
        await check_file(office, "pupils.csv", pupils_csv())
        plan = office.locator("section.plan")
        await expect(plan).to_contain_text("3 rows, 3 pupils: 2 to add")
        await expect(plan).to_contain_text("Jordan Quillfeather and Chloë Quillfeather")
        assert JORDAN not in await plan.inner_text()  # names, not UPNs
        await axe.check(office)
        await screenshot(office, "import-pupils")
        await office.click("text=Apply these changes")
        await expect(plan).to_contain_text("Done: pupils.csv is applied")
        await check_file(office, "pupils.csv", pupils_csv())  # the same file again: a no-op
        await expect(plan).to_contain_text("Nothing to change")

        staff = await sign_in(browser, web, "staff-0001", phone=True)
        header = staff.locator("header")
        await expect(header).to_contain_text("Sam Okafor (staff)")
        await expect(header).to_contain_text("Riverside Primary")
        await expect(staff.locator("h1")).to_have_text("Today at Riverside Primary")
        await staff.click("text=Ask for a visit")
        await staff.fill("#find", "quill")
        await staff.click("button:has-text('Find')")
        await axe.check(staff)
        await staff.click("ul.found >> text=Jordan Quillfeather")
        await expect(staff.locator(f"#upn-{JORDAN}")).to_be_checked()
        await expect(staff.locator("ul.found")).to_contain_text("Chloë Quillfeather")  # her sister
        now = datetime.now(LONDON)
        await staff.fill("#purpose", "welfare check after three days' absence")
        await staff.fill("#planned_start", local(now))
        await staff.fill("#planned_end", local(now + timedelta(hours=1)))
        await expect(staff.get_by_label("Sam Okafor (you)")).to_be_checked()
        await staff.fill("#going-filter", "zoe ob")  # with JavaScript: a long register filtered
        await expect(staff.get_by_label("Ann Lee")).to_be_hidden()
        await expect(staff.get_by_label("Sam Okafor (you)")).to_be_visible()  # ticked: stays
        await staff.get_by_label("Zoë O'Brien").check()
        main = await staff.inner_text("main")
        assert "staff-0002" not in main  # colleagues and pupils by name: ids stay underneath
        assert JORDAN not in main
        assert CHLOE not in main
        await axe.check(staff)
        await screenshot(staff, "ask-for-a-visit")
        await staff.click("text=Ask for authorisation")
        await expect(staff.locator("main")).to_contain_text("Requested")
        visit_id = staff.url.rstrip("/").rsplit("/", 1)[1]

        token = mint_token(settings, user="dsl-0001", role="dsl", schools=[SCHOOL])
        async with httpx.AsyncClient(base_url=cluster["visits"].url) as client:
            answer = await client.get(f"/v1/schools/{SCHOOL}/visits/{visit_id}",
                                      headers={"Authorization": f"Bearer {token}"})
        asked = answer.json()["request"]
        assert asked["household_id"] == "F1234"  # the household followed from Jordan
        assert asked["pupil_ids"] == [JORDAN]
        assert asked["staff_ids"] == ["staff-0001", "staff-0002"]

        await until_text(staff, f"/schools/{SCHOOL}", "Jordan Quillfeather")
        await expect(staff.locator("main")).to_contain_text("With Zoë O'Brien")
        await axe.check(staff)
    assert not axe.found, "\n".join(axe.found)
