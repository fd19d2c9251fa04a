"""Personal data never in clear on the wire or on disk; crypto-shredding a household.

The school's staff and pupils are imported first (names, mobiles, the household's carers and
other adults), so the scans cover the staff register and households too.

The services, a nats-server of the test's own (so its JetStream files can be read) and SQLite
stores run as real processes. After the walk-through every message and header on the stream,
every file of the stores and the JetStream store directory are scanned for each personal detail.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import nats
import pytest

from shared.messaging.nats_server import NatsServer, start_nats_server
from shared.runtime.settings import DoorstepSettings
from shared.storage.sealing import SHREDDED
from shared.testing.http import client_for
from shared.testing.polling import until
from shared.testing.sealing import sealer_for
from tests.privacy.walkthrough import HOUSEHOLD, PERSONAL, WAIT, import_people, ok, walk
from tests.visits.stories import URN

pytestmark = [pytest.mark.nats, pytest.mark.e2e]
OPENED = {"Departed": "address", "Arrived": "note", "IncidentReported": "description",
          "SafeguardingConcernRaised": "description", "VisitWrittenUp": "summary"}


@pytest.fixture
def own_nats(tmp_path: Path) -> Iterator[NatsServer]:
    server = start_nats_server(tmp_path / "nats", log_file=tmp_path / "nats.log")
    yield server
    server.stop()


def needles() -> dict[str, bytes]:
    found = {name: text.encode() for name, text in PERSONAL.items()}
    found["surname"] = b"Quillfeather"
    return found


def leaks(data: bytes) -> list[str]:
    return [name for name, needle in needles().items() if needle in data]


async def stream_messages(settings: DoorstepSettings) -> list[tuple[str, bytes]]:
    client = await nats.connect(settings.nats_url)
    try:
        js = client.jetstream()
        last = (await js.stream_info(settings.stream_name)).state.last_seq
        messages = []
        for seq in range(1, last + 1):
            message = await js.get_msg(settings.stream_name, seq)
            headers = json.dumps(message.headers or {}).encode()
            messages.append((message.subject, headers + b"\n" + (message.data or b"")))
        return messages
    finally:
        await client.close()


async def test_the_walk_through_leaves_nothing_personal_in_clear_then_shredding_erases_it(
        own_nats: NatsServer, make_settings, make_cluster, tmp_path: Path) -> None:
    settings: DoorstepSettings = make_settings(nats_url=own_nats.url)
    cluster = make_cluster(settings)
    urls = {name: cluster[name].url for name in ("visits", "authorisation", "records")}
    await import_people(settings, urls["authorisation"])
    walked = await walk(settings, urls)

    # Readers the policy allows see every detail opened (so the scans below can fail).
    opened = {e["type"]: e["payload"] for e in walked.history}
    for kind, field in OPENED.items():
        assert opened[kind][field] in PERSONAL.values(), (kind, opened[kind])
    assert opened["Departed"]["buddy_phone"] == PERSONAL["buddy_phone"]

    # 1. The stream: every message body and every header.
    messages = await stream_messages(settings)
    assert len(messages) >= len(walked.history)
    for subject, data in messages:
        assert not leaks(data), f"{subject} carries {leaks(data)} in clear"
    # 2. The raw files: every store (SQLite), the key store, the trail, and JetStream's files.
    scanned = 0
    for folder in (settings.data_dir, tmp_path / "nats"):
        for path in (p for p in folder.rglob("*") if p.is_file()):
            scanned += 1
            assert not leaks(path.read_bytes()), f"{path} holds {leaks(path.read_bytes())}"
    assert scanned > 5

    # 3. Crypto-shredding the household, on the DSL's documented decision.
    auditor = client_for(settings, urls["records"], user="aud-1", role="auditor", schools=[])
    dsl = client_for(settings, urls["records"], user="dsl-0001", role="dsl", schools=[URN])
    other = client_for(settings, urls["records"], user="dsl-0009", role="dsl", schools=["654321"])
    subject = f"/v1/schools/{URN}/data-subjects/household/{HOUSEHOLD}"
    async with auditor, dsl, other:
        access = ok(await dsl.get(f"{subject}/access-export"))
        assert PERSONAL["address"] in json.dumps(access)  # the subject access file, opened
        export = (await auditor.get("/v1/audit/export")).text  # an export made before
        sealer = sealer_for(settings)
        before = [sealer.unsealed(json.loads(line)) for line in export.splitlines()]
        assert PERSONAL["address"] in json.dumps(before)

        decision = {"decision": "erasure request ER-2026-7 upheld by the DSL"}
        elsewhere = await other.post(f"/v1/schools/654321/data-subjects/household/{HOUSEHOLD}"
                                     "/erasure", json=decision)
        assert elsewhere.status_code == 404  # another school's DSL reaches nothing
        shredded = ok(await dsl.post(f"{subject}/erasure", json=decision), 201)
        assert shredded["keys_destroyed"] >= 1
        again = await dsl.post(f"{subject}/erasure", json=decision)
        assert again.status_code == 409

        history = ok(await dsl.get(f"/v1/schools/{URN}/visits/{walked.visit_id}/history"))
        after = {e["event_id"]: e for e in history["events"]}
        assert [e["event_id"] for e in walked.history] == [
            e for e in after if e in {w["event_id"] for w in walked.history}]
        for entry in walked.history:
            field = OPENED.get(entry["type"])
            if field:
                assert after[entry["event_id"]]["payload"][field] == SHREDDED, entry["type"]
        verdict = ok(await auditor.get("/v1/audit/verify"))
        assert verdict["intact"], verdict
        deployment = sealer_for(settings, fresh=True)  # the deployment's keys, read now
        later = [deployment.unsealed(json.loads(line)) for line in export.splitlines()]
        assert PERSONAL["address"] not in json.dumps(later)
        assert SHREDDED in json.dumps(later)

        async def recorded() -> bool:
            events = ok(await auditor.get("/v1/audit/history", params={
                "kind": "household", "id": HOUSEHOLD}))["events"]
            return any(e["type"] == "SubjectShredded" for e in events)

        await until(recorded, "the shredding in the trail", seconds=WAIT)
