"""Backup under load, restore into an empty deployment, and shredding that survives a restore
(issue 23, must show 1 and 2), on SQLite and PostgreSQL."""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import httpx
import pytest

from services.records.bootstrap import trail_cipher
from services.records.tables import trail_engine
from services.records.trail import Trail
from shared.contracts.escalation import CheckInMissed
from shared.runtime.settings import DoorstepSettings
from shared.storage.keystore import DataSubject, open_key_store
from shared.storage.sealing import SHREDDED
from shared.testing.http import client_for
from shared.testing.polling import until
from shared.testing.servers import drop_schemas
from shared.testing.wire import EventTap
from tests.e2e.restoring import doorstep, empty_deployment
from tests.visits.on_site import VisitsOnSite
from tests.visits.stories import URN

pytestmark = [pytest.mark.nats, pytest.mark.e2e]
SERVICES = ("visits", "authorisation", "escalation", "records")
# A policy minute of 1 s: the sign-out's 20-minute check-in interval falls due 20 s after
# arriving (after the backup); a deadline over a second past is late.
FAST = {"DOORSTEP_ESCALATION_MINUTE_SECONDS": "1", "DOORSTEP_ESCALATION_LATE_AFTER_SECONDS": "1",
        "DOORSTEP_ESCALATION_LEASE_SECONDS": "2"}


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def deployment(request: pytest.FixtureRequest, make_settings, tmp_path: Path
               ) -> Iterator[DoorstepSettings]:
    shreds = tmp_path / "kept-elsewhere" / "shred-list.jsonl"
    if request.param == "sqlite":
        yield make_settings(shred_list=shreds)
        return
    settings = make_settings(database_url=request.getfixturevalue("database_url"),
                             shred_list=shreds)
    yield settings
    drop_schemas(settings.database_url, settings.schema_suffix)


def urls(cluster) -> dict[str, str]:  # type: ignore[no-untyped-def]
    return {name: process.url for name, process in cluster.processes.items()}


async def keep_checking_in(on_site: VisitsOnSite, visit_ids: list[str], answered: list[int],
                           stop: asyncio.Event) -> None:
    """Check-ins arriving all the while, a few a second."""
    async with on_site.staff_client() as staff:
        sequence = 0
        while not stop.is_set():
            sequence += 1
            for visit_id in visit_ids:
                answer = await staff.post(f"{on_site.base(visit_id)}/check-ins",
                                          json={})
                answered.append(answer.status_code)
            await asyncio.sleep(0.2)


def head_now(settings: DoorstepSettings, trust: str) -> tuple[int, str]:
    trail = Trail(trail_engine(settings), trail_cipher(settings))
    try:
        return trail.head(trust)
    finally:
        trail.engine.dispose()


async def test_a_backup_taken_under_load_restores_whole_and_open_visits_fire_late(
        deployment: DoorstepSettings, make_cluster, tmp_path: Path) -> None:
    settings = deployment
    first = make_cluster(settings, names=SERVICES, extra_env=FAST)
    on_site = VisitsOnSite(settings, urls(first))
    await on_site.put_on_site(4)
    # each quiet visit's first check-in is missed 21 s from here at the latest, and a deadline is
    # late once fired more than 1 s after it: the restored services start well after both (with
    # no margin, one CI run restarted as the deadline fell due, and it was rightly not late)
    all_due_by = time.monotonic() + 21.0 + 1.0 + 3.0
    quiet, busy = on_site.visit_ids[:2], on_site.visit_ids[2:]
    async with on_site.staff_client() as staff:
        before = {v: (await staff.get(on_site.base(v))).json()["status"] for v in quiet}
    answered: list[int] = []
    stop = asyncio.Event()
    load = asyncio.create_task(keep_checking_in(on_site, busy, answered, stop))
    await asyncio.sleep(1.0)
    backup = tmp_path / "backup"
    taken = await asyncio.to_thread(doorstep, settings, "backup", str(backup))
    checked_in_during = len(answered)
    await asyncio.sleep(0.5)
    stop.set()
    await load
    assert taken.returncode == 0, taken.stderr
    assert all(200 <= status < 300 for status in answered), answered
    assert checked_in_during > 0, "the backup was not taken under load"
    manifest = json.loads((backup / "manifest.json").read_text())
    assert "copied key store" in taken.stderr or "dumped key store" in taken.stderr
    head = manifest["trail"][settings.default_trust]
    assert head["length"] > 0
    assert all(len(f["sha256"]) == 64 for f in manifest["files"])
    first.stop()
    stopped_at = datetime.now(UTC)

    with empty_deployment(settings, tmp_path / "restored") as restored:
        put = await asyncio.to_thread(doorstep, restored, "restore", str(backup))
        assert put.returncode == 0, put.stdout + put.stderr
        assert head_now(restored, settings.default_trust) == (head["length"], head["head_hash"])
        # the quiet visits' check-ins fall due while nothing runs
        await asyncio.sleep(max(0.0, all_due_by - time.monotonic()))
        second = make_cluster(restored, names=SERVICES, extra_env=FAST)  # each ready
        async with EventTap(restored) as tap:  # the whole stream, rebuilt from the stores
            verified = await asyncio.to_thread(doorstep, restored, "audit", "verify")
            assert verified.returncode == 0, verified.stdout + verified.stderr
            assert "intact" in verified.stdout
            trail = Trail(trail_engine(restored), trail_cipher(restored))
            assert trail.hash_at(settings.default_trust, head["length"]) == head["head_hash"]

            def missed() -> dict[str, list[CheckInMissed]]:
                found: dict[str, list[CheckInMissed]] = {}
                for event in tap.of_type("CheckInMissed"):
                    assert isinstance(event, CheckInMissed)
                    if event.occurred_at > stopped_at:
                        found.setdefault(str(event.visit_id), []).append(event)
                return found

            fired = await until(lambda: asyncio.sleep(0, missed()),
                                "every open visit's missed check-in after the restore",
                                seconds=90, every=0.5,
                                ready=lambda found: set(on_site.visit_ids) <= set(found))
            for visit_id in quiet:
                assert fired[visit_id][0].late, "fell due while down: fired at once, late"
                assert fired[visit_id][0].sequence == 1
            async with httpx.AsyncClient(base_url=second["visits"].url,
                                         headers=on_site.staff_headers()) as staff:
                after = {v: (await staff.get(on_site.base(v))).json()["status"] for v in quiet}
            assert after == before, "a visit that was out is still out"
            second.stop()


async def test_a_household_erased_after_the_backup_stays_shredded_when_it_is_restored(
        deployment: DoorstepSettings, make_cluster, tmp_path: Path) -> None:
    settings = deployment
    first = make_cluster(settings, names=SERVICES)
    on_site = VisitsOnSite(settings, urls(first))
    household = "hh-erased-later"
    await on_site.one(household)
    dsl = client_for(settings, first["records"].url, user="dsl-0001", role="dsl", schools=[URN])
    subject = f"/v1/schools/{URN}/data-subjects/household/{household}"
    async with dsl:
        held = await until(lambda: dsl.get(f"{subject}/access-export"),
                           "the household's departure in the trail", seconds=60,
                           ready=lambda answer: "1 Example Road" in answer.text)
        assert held.status_code == 200
        backup = tmp_path / "backup"
        taken = await asyncio.to_thread(doorstep, settings, "backup", str(backup))
        assert taken.returncode == 0, taken.stderr
        erased = await dsl.post(f"{subject}/erasure",
                                json={"decision": "ICO request 2026-114 upheld"})
        assert erased.status_code == 201, erased.text
    first.stop()
    shredded_keys = {k.key_id for k in open_key_store(settings, fresh=True).records(
        DataSubject(settings.default_trust, "household", household))}

    with empty_deployment(settings, tmp_path / "restored") as restored:
        put = await asyncio.to_thread(doorstep, restored, "restore", str(backup))
        assert put.returncode == 0, put.stdout + put.stderr
        assert f"{len(shredded_keys)} keys erased after the backup was taken destroyed again" \
            in put.stderr
        keys = open_key_store(restored, fresh=True).records(
            DataSubject(settings.default_trust, "household", household))
        assert {k.key_id for k in keys} == shredded_keys
        assert all(k.destroyed_at is not None for k in keys), "its key is gone"
        second = make_cluster(restored, names=("records",))
        dsl = client_for(restored, second["records"].url, user="dsl-0001", role="dsl",
                         schools=[URN])
        async with dsl:
            export = await dsl.get(f"{subject}/access-export")
        assert export.status_code == 200, export.text
        assert "1 Example Road" not in export.text
        departed = [e for e in export.json()["entries"] if e["type"] == "Departed"]
        assert departed
        assert departed[0]["payload"]["address"] == SHREDDED
        second.stop()
