"""`doorstep policy ...`: check and read policy packs without starting anything, and replay
decisions under a draft (`what_if_cli.py`); and `doorstep import ...` (`import_cli.py`)."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

from services.authorisation import import_cli, what_if_cli
from services.authorisation.packs import PACKS_DIR, Catalogue, PolicyError


def register(commands: Any) -> None:
    parser: argparse.ArgumentParser = commands.add_parser(
        "policy", help="policy packs: validate a file, list the packs")
    actions = parser.add_subparsers(dest="policy_command", required=True)
    check = actions.add_parser("validate", help="check a pack file; faults name file and field")
    check.add_argument("file", type=Path)
    check.add_argument("--packs-dir", type=Path, action="append", default=[],
                       help="more packs it may extend (the built-in packs are always known)")
    check.set_defaults(run=validate)
    listing = actions.add_parser("list", help="the built-in packs and their rules")
    listing.set_defaults(run=list_packs)
    what_if_cli.register(actions)
    import_cli.register(commands)


def validate(args: argparse.Namespace) -> int:
    try:
        catalogue = Catalogue.load(PACKS_DIR, *args.packs_dir)
        text = args.file.read_text()
        pack = catalogue.check(text, args.file.name)
    except OSError as error:
        print(f"{args.file}: cannot read: {error.strerror}", file=sys.stderr)
        return 2
    except PolicyError as error:
        print(f"{args.file.name}: not a valid policy pack; nothing of it applies", file=sys.stderr)
        for problem in error.problems:
            print(f"  {problem}", file=sys.stderr)
        return 1
    print(f"{args.file.name}: valid pack {pack.name} (version {pack.version}) with "
          f"{len(pack.rule_names())} rules: {', '.join(pack.rule_names())}")
    return 0


def list_packs(args: argparse.Namespace) -> int:
    for pack in Catalogue.load().packs.values():
        print(f"{pack.name}\t{pack.version}\t{pack.title}")
    return 0
