"""A service told to stop is gone within its grace period, even with a worker thread stuck."""

from __future__ import annotations

import signal
import time

import pytest

from shared.http.serve import STOP_WITHIN_SECONDS

pytestmark = [pytest.mark.nats, pytest.mark.e2e]


def test_a_service_stuck_while_stopping_is_gone_within_its_grace_period(make_settings,
                                                                         make_cluster) -> None:
    cluster = make_cluster(make_settings(), names=("visits",),
                           extra_env={"DOORSTEP_FAULT": "hang-on-stop"})
    service = cluster["visits"]
    assert service.process is not None
    told = time.monotonic()
    service.process.send_signal(signal.SIGTERM)
    service.process.wait(STOP_WITHIN_SECONDS + 10)
    took = time.monotonic() - told
    assert STOP_WITHIN_SECONDS - 1 <= took <= STOP_WITHIN_SECONDS + 5, took  # the stuck thread held it
    assert "after being told to stop: exiting" in service.log_file.read_text()
