"""`doorstep up`: the embedded default. A local nats-server, the four services on SQLite, the pages."""

from __future__ import annotations

import argparse
import signal
import sys
import time
from pathlib import Path
from typing import Any

from shared.cli.seed import EXAMPLE_SCHOOL, SCHOOL, seed_ladder, seed_register, seed_school
from shared.http.serve import service_ports
from shared.messaging.credentials import Credentials
from shared.messaging.nats_server import start_nats_server
from shared.runtime.launcher import EVERYTHING, AlreadyUp, Cluster, only_one_up, ports_taken, service_env
from shared.runtime.settings import DoorstepSettings


def register(commands: Any) -> None:
    parser: argparse.ArgumentParser = commands.add_parser(
        "up", help="start Doorstep locally: nats-server, the four services and the pages; Ctrl-C stops all")
    parser.add_argument("--data-dir", type=Path, default=Path("var"),
                        help="where the stores, JetStream and logs live (default ./var)")
    parser.add_argument("--nats-port", type=int, default=4333)
    parser.add_argument("--base-port", type=int, default=8000,
                        help="the pages listen on base, the services on base+1 (visits) to base+4 (records)")
    parser.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    signal.signal(signal.SIGTERM, signal.default_int_handler)  # a SIGTERM stops all, like Ctrl-C
    data_dir: Path = args.data_dir.resolve()
    logs = data_dir / "logs"
    logs.mkdir(parents=True, exist_ok=True)
    ports = service_ports(args.base_port)
    try:
        with only_one_up(data_dir):
            taken = ports_taken({"nats-server": args.nats_port, **ports})
            if taken:
                print("cannot start: " + "; ".join(taken) + ". Stop what holds them, or choose "
                      "other ports with --base-port and --nats-port.", file=sys.stderr)
                return 1
            return _run(data_dir, logs, args.nats_port, ports)
    except AlreadyUp as error:
        print(error, file=sys.stderr)
        return 1


def _run(data_dir: Path, logs: Path, nats_port: int, ports: dict[str, int]) -> int:
    credentials = Credentials(data_dir / "nats" / "auth", DoorstepSettings(data_dir=data_dir))
    credentials.ensure()  # keys made on first start, kept after
    nats = start_nats_server(data_dir / "nats", port=nats_port, log_file=logs / "nats.log",
                             config=credentials.config)
    print(f"nats-server   {nats.url}  (JetStream in {data_dir / 'nats'}; nkeys in "
          f"{credentials.folder})")
    env = service_env({"DOORSTEP_NATS_URL": nats.url, "DOORSTEP_DATA_DIR": str(data_dir)})
    cluster = Cluster.build(env, logs, ports=ports, names=EVERYTHING)
    for name, process in cluster.processes.items():
        process.env["DOORSTEP_NATS_SEED_FILE"] = str(credentials.seed_file(name))
    try:
        cluster.start()
        for name, process in cluster.processes.items():
            print(f"{name:<13} {process.url}  (docs {process.url}/docs, logs {process.log_file})")
        if seed_school(DoorstepSettings(data_dir=data_dir), cluster["authorisation"].url):
            print(f"school {SCHOOL} onboarded: {EXAMPLE_SCHOOL['name']}")
        seeded = seed_register(DoorstepSettings(data_dir=data_dir),
                               cluster["authorisation"].url)
        if seeded:
            print(f"school {SCHOOL}'s staff register: {', '.join(seeded)}")
        if seed_ladder(DoorstepSettings(data_dir=data_dir), cluster["escalation"].url):
            print(f"school {SCHOOL}'s escalation ladder: slt-0001, head-0001, dsl-0001; the "
                  "trust's safety lead: tsl-0001")
        print("Doorstep is up. Ctrl-C stops everything.", flush=True)
        while all(p.process and p.process.poll() is None for p in cluster.processes.values()):
            time.sleep(0.5)
        print("a service stopped; shutting down. See the logs above.")
        return 1
    except KeyboardInterrupt:
        print("\nstopping...")
        return 0
    finally:
        cluster.stop()
        nats.stop()
        print("stopped.")
