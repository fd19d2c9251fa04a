"""The service as its own process: it starts ready, and will not start on a malformed pack."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import httpx
import pytest

from shared.runtime.settings import DoorstepSettings

pytestmark = [pytest.mark.nats, pytest.mark.e2e]


def test_starts_ready_with_the_packs(make_settings: Callable[..., DoorstepSettings],
                                     make_cluster: Callable[..., Any]) -> None:
    cluster = make_cluster(make_settings(), names=("authorisation",))
    health = httpx.get(f"{cluster['authorisation'].url}/health", timeout=5)
    assert health.json()["status"] == "ready"


def test_refuses_to_start_on_a_malformed_pack_naming_file_and_field(
        tmp_path: Path, make_settings: Callable[..., DoorstepSettings],
        make_cluster: Callable[..., Any]) -> None:
    packs = tmp_path / "trust-packs"
    packs.mkdir()
    (packs / "ours.yaml").write_text("name: ours\ntitle: Ours\nsource: x.txt\nversion: '1'\n"
                                     "extends: trust-default\nrules:\n  NoEveningVisits:\n"
                                     "    after: teatime\n")
    cluster = make_cluster(make_settings(), names=("authorisation",), start=False,
                           extra_env={"DOORSTEP_AUTHORISATION_PACKS_DIR": str(packs)})
    with pytest.raises(RuntimeError) as failed:
        cluster.start(timeout=30)
    assert "ours.yaml: rules.NoEveningVisits.after: String should match pattern" in str(
        failed.value)
