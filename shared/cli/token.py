"""`doorstep token`: mint a local development bearer token."""

from __future__ import annotations

import argparse
from datetime import timedelta
from typing import Any

from shared.contracts import Role
from shared.runtime.settings import DoorstepSettings
from shared.security.tokens import mint_token


def register(commands: Any) -> None:
    parser: argparse.ArgumentParser = commands.add_parser(
        "token", help="mint a development bearer token (signed with DOORSTEP_JWT_SECRET)")
    parser.add_argument("--user", required=True, help="staff id, e.g. staff-0001")
    parser.add_argument("--role", required=True, choices=[str(role) for role in Role])
    parser.add_argument("--school", action="append", default=[], help="URN; repeat for more")
    parser.add_argument("--trust", default=None)
    parser.add_argument("--hours", type=float, default=12.0)
    parser.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    settings = DoorstepSettings()
    print(mint_token(settings, user=args.user, role=args.role, schools=args.school,
                     trust=args.trust, ttl=timedelta(hours=args.hours)))
    return 0
