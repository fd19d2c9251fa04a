"""`doorstep integrator issue|revoke|list`: read-only NATS credentials for one trust or school."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

from shared.messaging.credentials import Credentials, reload_server
from shared.runtime.settings import DoorstepSettings


def register(commands: Any) -> None:
    keys: argparse.ArgumentParser = commands.add_parser(
        "nats-keys", help="make the services' and operator's NATS keys and nats-server's auth.conf")
    keys.add_argument("--folder", type=Path, required=True,
                      help="where the seeds and auth.conf go, e.g. deploy/nats (keep it secret)")
    keys.set_defaults(run=make_keys)
    parser: argparse.ArgumentParser = commands.add_parser(
        "integrator", help="issue, revoke or list integrators' read-only NATS credentials")
    parser.add_argument("--data-dir", type=Path, default=Path("var"),
                        help="the deployment's data folder (default ./var)")
    parser.add_argument("--auth-dir", type=Path,
                        help="the keys folder, if not <data-dir>/nats/auth (e.g. deploy/nats)")
    actions = parser.add_subparsers(dest="action", required=True)
    issue = actions.add_parser("issue", help="credentials to read one trust's (or school's) events")
    issue.add_argument("name", help="the integrator's id; also the one durable consumer it may use")
    issue.add_argument("--trust", required=True)
    issue.add_argument("--school", help="limit to one school (URN)")
    revoke = actions.add_parser("revoke", help="withdraw an integrator's credentials at once")
    revoke.add_argument("name")
    actions.add_parser("list", help="the integrators and what each may read")
    parser.set_defaults(run=run)


def make_keys(args: argparse.Namespace) -> int:
    """Settings (subject root, stream) come from the DOORSTEP_ environment, as the services'."""
    credentials = Credentials(args.folder.resolve(), DoorstepSettings()).ensure()
    print(f"keys and {credentials.config.name} in {credentials.folder}; give each service "
          "its <service>.nk as DOORSTEP_NATS_SEED_FILE")
    return 0


def run(args: argparse.Namespace) -> int:
    data_dir: Path = args.data_dir.resolve()
    folder = args.auth_dir.resolve() if args.auth_dir else data_dir / "nats" / "auth"
    credentials = Credentials(folder, DoorstepSettings(data_dir=data_dir))
    pid_file = data_dir / "nats" / "nats-server.pid"
    if args.action == "list":
        for name, identity in sorted(credentials.integrators().items()):
            print(f"{name}: trust {identity['trust']}, school {identity['school'] or 'all'}")
        return 0
    if args.action == "issue":
        if not args.name.replace("-", "").replace("_", "").isalnum():
            print("the name may hold letters, digits, - and _ only")
            return 2
        seed = credentials.issue_integrator(args.name, args.trust, args.school)
        print(f"issued {args.name}: reads {args.trust}"
              + (f"/{args.school}" if args.school else "") + f"; its nkey seed is in {seed}")
        print(f"connect with nats.connect(url, nkeys_seed='{seed}') and a durable named "
              f"{args.name}")
    else:
        try:
            credentials.revoke(args.name)
        except KeyError as error:
            print(error.args[0])
            return 1
        print(f"revoked {args.name}")
    reloaded = reload_server(pid_file)
    print("nats-server reloaded" if reloaded else "nats-server not running: takes effect at start")
    return 0
