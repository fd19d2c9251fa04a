"""Starts the four services as separate processes and waits until each says it is ready."""

from __future__ import annotations

import contextlib
import fcntl
import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import httpx

from shared.runtime.lifeline import die_with_parent

SERVICES = ("visits", "authorisation", "escalation", "records")
EVERYTHING = (*SERVICES, "web")  # the four services and the pages people use


_HANDED_OUT: set[int] = set()


def free_port() -> int:
    """A port nothing listens on now and that this process has not handed out before: two
    services given the same port would have one answer for both."""
    while True:
        with socket.socket() as sock:
            sock.bind(("127.0.0.1", 0))
            port: int = sock.getsockname()[1]
        if port not in _HANDED_OUT:
            _HANDED_OUT.add(port)
            return port


@dataclass
class ServiceProcess:
    name: str
    port: int
    env: dict[str, str]
    log_file: Path
    process: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self) -> None:
        self.log_file.parent.mkdir(parents=True, exist_ok=True)
        out = open(self.log_file, "ab")  # noqa: SIM115 - the child owns it
        self.process = subprocess.Popen(
            [sys.executable, "-m", f"services.{self.name}", "--port", str(self.port)],
            env=self.env, stdout=out, stderr=out, start_new_session=True,
            preexec_fn=die_with_parent(),
        )

    def wait_ready(self, timeout: float = 60.0) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            assert self.process is not None
            if self.process.poll() is not None:
                raise RuntimeError(f"{self.name} exited ({self.process.returncode}); "
                                   f"see {self.log_file}:\n{self.tail()}")
            try:
                answer = httpx.get(f"{self.url}/health", timeout=2)
                if answer.status_code == 200 and answer.json().get("service") == self.name:
                    return  # this service, not another process that took its port
            except (httpx.HTTPError, ValueError):
                pass
            time.sleep(0.2)
        raise TimeoutError(f"{self.name} not ready in {timeout}s:\n{self.tail()}")

    def kill(self) -> None:
        """SIGKILL: the crash a power cut or OOM killer gives."""
        if self.process and self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait()

    def stop(self, timeout: float = 15.0) -> None:
        if self.process and self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout)
            except subprocess.TimeoutExpired:
                self.kill()

    def tail(self, lines: int = 40) -> str:
        if not self.log_file.exists():
            return ""
        return "\n".join(self.log_file.read_text(errors="replace").splitlines()[-lines:])


@dataclass
class Cluster:
    """The four services of one deployment, sharing NATS and settings."""

    processes: dict[str, ServiceProcess] = field(default_factory=dict)

    @classmethod
    def build(cls, env: dict[str, str], log_dir: Path, ports: dict[str, int] | None = None,
              names: tuple[str, ...] = SERVICES) -> Cluster:
        cluster = cls()
        for name in names:
            port = (ports or {}).get(name) or free_port()
            cluster.processes[name] = ServiceProcess(name, port, dict(env), log_dir / f"{name}.log")
        if "web" in cluster.processes:  # the pages call the services as the person signed in
            cluster["web"].env.update({f"DOORSTEP_WEB_{name.upper()}_URL": process.url
                                       for name, process in cluster.processes.items()
                                       if name != "web"})
            if "escalation" in cluster.processes:  # an acknowledge link's page leads there
                cluster["escalation"].env["DOORSTEP_ESCALATION_PAGES_URL"] = cluster["web"].url
        return cluster

    def start(self, timeout: float = 60.0) -> None:
        for process in self.processes.values():
            process.start()
        for process in self.processes.values():
            process.wait_ready(timeout)

    def stop(self) -> None:
        for process in self.processes.values():
            if process.process and process.process.poll() is None:
                process.process.send_signal(signal.SIGTERM)
        for process in self.processes.values():
            process.stop()

    def __getitem__(self, name: str) -> ServiceProcess:
        return self.processes[name]


def service_env(settings_env: dict[str, str]) -> dict[str, str]:
    """The child environment: this one, plus the deployment's DOORSTEP_ settings."""
    env = dict(os.environ)
    env.update(settings_env)
    root = str(Path(__file__).resolve().parents[2])  # the project: shared/runtime/ is two below it
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [root, env.get("PYTHONPATH", "")]))
    return env


class AlreadyUp(Exception):
    """Another `doorstep up` holds this data folder."""


@contextlib.contextmanager
def only_one_up(data_dir: Path) -> Iterator[None]:
    """Hold the data folder's lock for as long as Doorstep runs from it (released on any exit)."""
    data_dir.mkdir(parents=True, exist_ok=True)
    path = data_dir / "doorstep.pid"
    with open(path, "a+") as lock:
        try:
            fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            lock.seek(0)
            pid = lock.read().strip() or "unknown"
            raise AlreadyUp(f"Doorstep is already running from {data_dir} (pid {pid}): use it, "
                            f"or stop it first (Ctrl-C in its terminal, or kill {pid})") from None
        lock.seek(0)
        lock.truncate()
        lock.write(str(os.getpid()))
        lock.flush()
        yield


def ports_taken(ports: dict[str, int]) -> list[str]:
    """Which of the wanted ports something else already listens on, said per owner."""
    taken = []
    for name, port in ports.items():
        with socket.socket() as sock:
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            try:
                sock.bind(("127.0.0.1", port))
            except OSError:
                taken.append(f"port {port} (for {name}) is in use")
    return taken
