"""Services wait for JetStream at start-up, say so on /health, and never exit for it within the
bound (issue 23, must show 3, second half)."""

from __future__ import annotations

import time
from pathlib import Path

import httpx
import pytest

from shared.messaging.nats_server import start_nats_server
from shared.runtime.launcher import EVERYTHING, free_port
from shared.testing.nats_cluster import NatsCluster
from shared.testing.polling import until_sync

pytestmark = [pytest.mark.nats, pytest.mark.e2e]
TRIES = 10


def health(url: str) -> tuple[int, dict[str, object]]:
    answer = httpx.get(f"{url}/health", timeout=5)
    return answer.status_code, answer.json()


@pytest.mark.timeout(1200)
def test_all_services_started_at_once_on_a_fresh_three_node_cluster_come_up_every_time(
        make_settings, make_cluster, tmp_path: Path) -> None:
    waited = 0
    for attempt in range(TRIES):
        nats = NatsCluster(tmp_path / f"try{attempt}").start()
        try:
            settings = make_settings(nats_url=nats.url, stream_replicas=3,
                                     data_dir=tmp_path / f"try{attempt}" / "data")
            services = make_cluster(settings, names=EVERYTHING, start=False)
            started = time.monotonic()
            services.start(timeout=150.0)  # all at once, then each until /health answers 200
            for name, process in services.processes.items():
                assert process.process is not None
                assert process.process.poll() is None, f"{name} exited"
                assert health(process.url)[0] == 200, name
            waited += sum("waiting for JetStream" in p.tail(400)
                          for p in services.processes.values())
            print(f"try {attempt + 1}: all five ready in {time.monotonic() - started:.1f} s")
            services.stop()
        finally:
            nats.stop()
    print(f"{waited} service starts waited for JetStream, none exited")


def test_a_service_started_before_nats_waits_says_why_on_health_then_comes_up(
        make_settings, make_cluster, tmp_path: Path) -> None:
    port = free_port()
    settings = make_settings(nats_url=f"nats://127.0.0.1:{port}")
    services = make_cluster(settings, names=("visits", "web"), start=False)
    for process in services.processes.values():
        process.start()
    for process in services.processes.values():
        status, body = until_sync(lambda p=process: health(p.url), f"{process.name} answering",
                                  seconds=60, every=0.2, ignoring=(httpx.HTTPError,))
        assert status == 503, body
        assert str(body["reason"]).startswith("waiting for JetStream: connecting to NATS"), body
    time.sleep(2.0)  # longer than a connect attempt: nobody exits meanwhile
    assert all(p.process is not None and p.process.poll() is None
               for p in services.processes.values())
    nats = start_nats_server(tmp_path / "late-nats", port=port)
    try:
        for process in services.processes.values():
            process.wait_ready(60)
            assert process.tail(400).count("waiting for JetStream") == 1, process.tail()
    finally:
        services.stop()
        nats.stop()


def test_a_service_gives_up_on_jetstream_after_its_bound_with_status_1(
        make_settings, make_cluster) -> None:
    settings = make_settings(nats_url=f"nats://127.0.0.1:{free_port()}", jetstream_wait_seconds=3)
    visits = make_cluster(settings, names=("visits",), start=False)["visits"]
    visits.start()
    assert visits.process is not None
    assert visits.process.wait(timeout=60) == 1
    assert "JetStream did not answer within 3 s" in visits.tail()
