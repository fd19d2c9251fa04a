"""`doorstep up` owns its children: killed outright, it takes them with it; started twice, it says so."""

from __future__ import annotations

import os
import random
import signal
import subprocess
import sys
from pathlib import Path

import pytest

from shared.http.serve import service_ports
from shared.runtime.launcher import free_port, ports_taken, service_env
from shared.testing.polling import until_sync

pytestmark = [pytest.mark.e2e]


def _free_base() -> int:
    for _ in range(50):
        base = random.randrange(20000, 60000, 10)
        if not ports_taken(service_ports(base)):
            return base
    raise RuntimeError("no free block of ports")


def _up(data_dir: Path, base: int, nats_port: int) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, "-m", "shared.cli.main", "up", "--data-dir", str(data_dir),
         "--base-port", str(base), "--nats-port", str(nats_port)],
        env=service_env({}), stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)


def _children(pid: int) -> set[int]:
    found = set()
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                stat = (entry / "stat").read_text()
            except OSError:
                continue
            if int(stat.rsplit(")", 1)[1].split()[1]) == pid:
                found.add(int(entry.name))
    return found


def _alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return False
    return state != "Z"


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="parent-death signal is Linux")
def test_sigkill_of_up_leaves_nothing_running_and_a_second_up_says_so(tmp_path: Path) -> None:
    base, nats_port = _free_base(), free_port()
    launcher = _up(tmp_path / "var", base, nats_port)
    try:
        assert launcher.stdout is not None
        seen = []
        for line in launcher.stdout:
            seen.append(line)
            if "Doorstep is up" in line:
                break
        else:
            pytest.fail("doorstep up did not come up:\n" + "".join(seen))
        children = _children(launcher.pid)
        assert len(children) == 6, f"expected nats-server, four services and the pages, got {children}"

        second = _up(tmp_path / "var", base, nats_port)
        out, _ = second.communicate(timeout=60)
        assert second.returncode == 1
        assert "already running" in out, out
        assert str(launcher.pid) in out, out

        launcher.send_signal(signal.SIGKILL)
        launcher.wait(10)
        until_sync(lambda: [pid for pid in children if _alive(pid)],
                   "no child outlive the launcher", seconds=20, every=0.1,
                   ready=lambda alive: not alive)
        assert not ports_taken(service_ports(base)), "a service still holds its port"
    finally:
        if launcher.poll() is None:
            launcher.kill()
        for pid in _children(launcher.pid):
            os.kill(pid, signal.SIGKILL)
