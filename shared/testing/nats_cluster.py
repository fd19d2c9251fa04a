"""Three nats-server processes as one cluster on loopback, as deploy/compose.yaml runs them:
each node keeps its ports and its JetStream folder, so a node killed can be started again."""

from __future__ import annotations

import os
import signal
from dataclasses import dataclass, field
from pathlib import Path

from shared.messaging.nats_server import NatsServer, start_nats_server
from shared.runtime.launcher import free_port


@dataclass
class NatsCluster:
    folder: Path
    size: int = 3
    client_ports: list[int] = field(default_factory=list)
    route_ports: list[int] = field(default_factory=list)
    nodes: list[NatsServer | None] = field(default_factory=list)

    def __post_init__(self) -> None:
        self.client_ports = [free_port() for _ in range(self.size)]
        self.route_ports = [free_port() for _ in range(self.size)]
        self.nodes = [None] * self.size

    @property
    def url(self) -> str:
        """Every node, as a service's DOORSTEP_NATS_URL lists them."""
        return ",".join(f"nats://127.0.0.1:{port}" for port in self.client_ports)

    def start(self) -> NatsCluster:
        for index in range(self.size):
            self.start_node(index)
        return self

    def start_node(self, index: int) -> None:
        routes = ",".join(f"nats-route://127.0.0.1:{port}" for port in self.route_ports)
        self.nodes[index] = start_nats_server(
            self.folder / f"n{index}", port=self.client_ports[index],
            log_file=self.folder / f"n{index}.log", extra=[
                "--name", f"n{index}", "--cluster_name", "doorstep",
                "--cluster", f"nats://127.0.0.1:{self.route_ports[index]}", "--routes", routes])

    def kill_node(self, index: int) -> None:
        """SIGKILL: a node lost without warning."""
        node = self.nodes[index]
        if node is not None and node.process.poll() is None:
            os.kill(node.process.pid, signal.SIGKILL)
            node.process.wait()
        self.nodes[index] = None

    def stop(self) -> None:
        for node in self.nodes:
            if node is not None:
                node.stop()
