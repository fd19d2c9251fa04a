"""`doorstep`: one command for trust IT, auditors and developers."""

from __future__ import annotations

import argparse
import importlib
import sys
from collections.abc import Sequence

from shared.cli import asyncapi, integrator, token, up

# Services add their own subcommands through a `register(subparsers)` function in these modules.
PLUGINS = ("services.authorisation.cli", "services.escalation.cli", "services.records.cli",
           "services.records.retention_cli", "services.records.backup_cli",
           "services.records.inspection_cli")


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="doorstep", description=__doc__)
    commands = parser.add_subparsers(dest="command", required=True)
    for module in (up, token, asyncapi, integrator):
        module.register(commands)
    for name in PLUGINS:
        try:
            plugin = importlib.import_module(name)
        except ModuleNotFoundError as error:
            if not name.startswith(error.name or "-"):
                raise
            continue
        plugin.register(commands)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    result: int = args.run(args)
    return result


if __name__ == "__main__":
    sys.exit(main())
