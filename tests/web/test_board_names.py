"""The board names people from the staff register without asking authorisation for every name
at every redraw: what it was told is kept until the pages hear the register change, and a
change made then shows at the next redraw."""

from __future__ import annotations

import httpx
import pytest

from services.web.session import COOKIE, Session, Sessions
from services.web.settings import WebSettings
from shared.runtime.launcher import EVERYTHING
from shared.runtime.settings import DoorstepSettings
from shared.security.tokens import mint_token
from shared.testing.http import client_for
from shared.testing.polling import until
from tests.e2e.test_observed import scrape_one
from tests.visits.on_site import VisitsOnSite
from tests.web.people import import_people
from tests.web.test_pages import URN

pytestmark = [pytest.mark.nats, pytest.mark.e2e]
COLLEAGUES = {"service": "authorisation", "route": "/v1/schools/{urn}/colleagues"}


async def test_the_board_asks_for_names_once_and_again_when_the_register_changes(
        make_settings, make_cluster) -> None:
    settings: DoorstepSettings = make_settings()
    cluster = make_cluster(settings, names=EVERYTHING)
    authorisation = cluster["authorisation"].url
    import_people(settings, authorisation, family="hh-names-1")
    await VisitsOnSite(settings, {name: cluster[name].url for name in
                                  ("visits", "authorisation")}).put_on_site(1)
    token = mint_token(settings, user="office-0001", role="office", schools=[URN])
    cookie = Sessions(WebSettings().session_secret, 1).dump(Session(
        token=token, user="office-0001", role="office", trust=settings.default_trust,
        schools=[URN], csrf="x"))

    async def asked() -> float:
        return (await scrape_one(authorisation)).value("doorstep_http_requests_total",
                                                       **COLLEAGUES)

    async with httpx.AsyncClient(base_url=cluster["web"].url, cookies={COOKIE: cookie},
                                 timeout=30) as office:
        async def board() -> str:
            answer = await office.get(f"/schools/{URN}/board")
            assert answer.status_code == 200, answer.text
            return answer.text

        assert "Sam Okafor" in await board()
        before = await asked()
        for _ in range(5):
            assert "Sam Okafor" in await board()
        assert await asked() == before  # five redraws, no question to authorisation

        it = client_for(settings, authorisation, user="it-0001", role="trust_it", schools=[])
        async with it:
            renamed = await it.put(f"/v1/schools/{URN}/staff/staff-0001", json={
                "roles": ["staff"], "name": "Samuel Okafor", "job_title": "Attendance officer",
                "mobile": "07700 900001"})
            assert renamed.status_code == 200, renamed.text
        await until(board, "the board name the renamed member of staff", seconds=10,
                    ready=lambda text: "Samuel Okafor" in text, show=lambda text: text[-300:])
        assert await asked() > before
