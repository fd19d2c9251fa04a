"""`doorstep import staff|pupils --school URN FILE [--apply]`: a school's MIS export into its
staff register or its households, straight on the authorisation store, with progress.

A dry run unless --apply. The running service sees the changes as another replica's and
publishes them (a register change reaches every service); with no service running, they are
published when it starts.
"""

from __future__ import annotations

import argparse
import re
import sys
import time
from pathlib import Path
from typing import Any

from services.authorisation.bootstrap import build_application
from services.authorisation.domain.plan import Plan
from shared.contracts import Actor, Role
from shared.contracts.errors import Invalid, NotFound
from shared.runtime.settings import DoorstepSettings
from shared.security.tenancy import school_trust

MARKS = (("added", "+"), ("changed", "~"), ("removed", "-"))


def register(commands: Any) -> None:
    parser: argparse.ArgumentParser = commands.add_parser(
        "import", help="a school's staff or pupils from its MIS export (CSV); a dry run unless "
                       "--apply")
    parser.add_argument("kind", choices=["staff", "pupils"])
    parser.add_argument("file", type=Path, help="the CSV the MIS exported")
    parser.add_argument("--school", required=True, help="the school's URN, e.g. 123456")
    parser.add_argument("--apply", action="store_true", help="make the changes (default: only "
                                                             "show them)")
    parser.add_argument("--by", default="trust-it", help="who is importing (recorded on every "
                                                         "change; default trust-it)")
    parser.set_defaults(run=run_import)


def run_import(args: argparse.Namespace) -> int:
    settings = DoorstepSettings()
    if not re.fullmatch(r"\d{6}", args.school) or not re.fullmatch(r"[\w.@-]{1,64}", args.by):
        print("--school is a six-digit URN and --by a staff id (letters, digits, . @ _ -)",
              file=sys.stderr)
        return 2
    try:
        data = args.file.read_bytes()
        trust = school_trust(settings, args.school)
    except OSError as error:
        print(f"{args.file}: cannot read: {error.strerror}", file=sys.stderr)
        return 2
    except NotFound as error:
        print(error.message, file=sys.stderr)
        return 2
    app = build_application(settings)
    started = time.monotonic()
    try:
        use_case = app.import_staff if args.kind == "staff" else app.import_pupils
        plan: Plan[Any] = use_case(args.school, data, apply=args.apply,
                                   actor=Actor(id=args.by, role=Role.TRUST_IT), trust_id=trust,
                                   progress=progress)
    except Invalid as error:
        print(f"{args.file.name}: {error.message}", file=sys.stderr)
        for detail in error.details:
            print(f"  {detail}", file=sys.stderr)
        return 1
    finally:
        app.close()
    report(plan, args.file.name, time.monotonic() - started)
    return 0


def progress(stage: str, done: int, total: int) -> None:
    what = {"read": "rows read", "compare": "households compared",
            "apply": "households stored"}.get(stage, stage)
    print(f"\r  {done}/{total} {what}", end="", file=sys.stderr, flush=True)
    if done >= total:
        print(file=sys.stderr, flush=True)


def report(plan: Plan[Any], name: str, seconds: float) -> None:
    pupils = f", {plan.pupils} pupils" if plan.pupils is not None else ""
    verb = "applied" if plan.applied else "dry run"
    print(f"{name}: {plan.rows} rows{pupils} ({plan.encoding}); {verb}: {plan.summary()}")
    for kind, mark in MARKS:
        for change in getattr(plan, kind):
            fields = f" ({', '.join(change.fields)})" if change.fields else ""
            print(f"  {mark} {change.key}  {change.label}{fields}")
    if plan.repeated:
        print(f"  repeated rows left out: line {', '.join(map(str, plan.repeated))}")
    if plan.ignored:
        print(f"  columns not read: {', '.join(plan.ignored)}")
    if plan.nothing_to_do:
        print("Nothing to change.")
    elif not plan.applied:
        print("Nothing changed: run again with --apply to make these changes.")
    print(f"({seconds:.1f} s)")
