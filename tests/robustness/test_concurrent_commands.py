"""Two staff on a pair visit press "I'm OK" at the same moment: both are recorded, nobody sees a 500."""

from __future__ import annotations

import asyncio
from collections import Counter

import httpx
import pytest

from tests.visits.on_site import VisitsOnSite

pytestmark = [pytest.mark.nats, pytest.mark.e2e]
CONCURRENT = 50


async def test_fifty_concurrent_check_ins_at_one_visit(make_settings, make_cluster) -> None:
    settings = make_settings()
    cluster = make_cluster(settings, names=("visits", "authorisation"))
    site = VisitsOnSite(settings, {name: p.url for name, p in cluster.processes.items()})
    await site.put_on_site(1)
    base = site.base(site.visit_ids[0])

    async with site.staff_client(limits=httpx.Limits(max_connections=CONCURRENT)) as staff:
        answers = await asyncio.gather(*(staff.post(f"{base}/check-ins", json={})
                                         for _ in range(CONCURRENT)))
        statuses = Counter(answer.status_code for answer in answers)
        assert set(statuses) <= {200, 409}, statuses
        for answer in answers:
            if answer.status_code == 409:  # only a real rule may refuse, and it must say which
                assert answer.json()["error"] == "rules_broken", answer.text
        visit = (await staff.get(base)).json()

    assert visit["check_ins"] == statuses[200] == CONCURRENT
    logs = "".join(p.log_file.read_text() for p in cluster.processes.values())
    assert "Traceback" not in logs
    assert "500 Internal" not in logs
