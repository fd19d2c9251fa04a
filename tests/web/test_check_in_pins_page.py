"""A member of staff sets their check-in PINs on a page, on a phone, in Chromium with axe-core;
then a call keying that PIN checks them in."""

from __future__ import annotations

import asyncio

import pytest
from playwright.async_api import expect

from shared.testing.wire import EventTap
from tests.visits.by_phone import WAIT, start
from tests.visits.test_check_in_by_call import call_and_key
from tests.web.browser import Accessibility, chromium, sign_in

pytestmark = [pytest.mark.nats, pytest.mark.e2e]
URN = "123456"


async def test_staff_set_their_own_pins_on_a_page_and_a_call_with_the_pin_checks_in(
        make_settings, make_cluster) -> None:
    school = start(make_settings(), make_cluster)
    axe = Accessibility()
    async with EventTap(school.settings) as tap:
        await school.put_on_site()
        async with chromium() as browser:
            staff = await sign_in(browser, school.urls["web"], "staff-0001", phone=True)
            await staff.click("text=My check-in PINs")
            await expect(staff.locator("h1")).to_have_text("My check-in PINs")
            await axe.check(staff)
            await staff.fill("#pin", "4321")
            await staff.fill("#duress_pin", "4321")
            await staff.click("text=Set my PINs")
            await expect(staff.locator("[role=alert]")).to_contain_text("differ")
            await axe.check(staff)
            await staff.fill("#pin", "4321")
            await staff.fill("#duress_pin", "97531")
            await staff.click("text=Set my PINs")
            await expect(staff.locator("[role=status]")).to_contain_text("Your PINs are set")
            assert "4321" not in await staff.content()
            await axe.check(staff)
        assert not axe.found, "\n".join(axe.found)

        _, said = await asyncio.to_thread(call_and_key, school, "4321")
        assert "checked in" in said
        [checked] = await tap.wait_for_type("CheckedIn", timeout=WAIT)
        assert checked.channel == "voice"  # type: ignore[attr-defined]
