"""`doorstep retention due|run`: what falls due for destruction, and shredding it, with progress."""

from __future__ import annotations

import argparse
import sys
from datetime import UTC, date, datetime
from typing import Any

from services.records import retention
from services.records.bootstrap import build_application
from services.records.settings import RecordsSettings
from shared.runtime.settings import DoorstepSettings


def register(commands: Any) -> None:
    parser: argparse.ArgumentParser = commands.add_parser(
        "retention", help="list the records past their retention date, and shred them")
    actions = parser.add_subparsers(dest="retention_command", required=True)
    for name, run, text in (("due", run_due, "list each household's retention date"),
                            ("run", run_shred, "shred every household past its date")):
        action = actions.add_parser(name, help=text)
        action.add_argument("--trust", help="one trust (default: every trust in the store)")
        action.add_argument("--on", type=date.fromisoformat, default=datetime.now(UTC).date(),
                            help="the day to judge by (default today), e.g. 2031-09-01")
        action.set_defaults(run=run)


def run_due(args: argparse.Namespace) -> int:
    app = build_application(DoorstepSettings())
    count = 0
    for item in retention.retentions(app.trail, RecordsSettings(), args.trust):
        record = item.record
        state = item.held or (f"DUE since {item.keep_until}" if item.due(args.on)
                              else f"kept until {item.keep_until}")
        print(f"{record.trust_id}  {record.school_urn}  household:{record.household_id}  "
              f"last entry {record.last_entry}  {state}")
        count += 1
    print(f"{count} households")
    return 0


def run_shred(args: argparse.Namespace) -> int:
    app = build_application(DoorstepSettings())

    def progress(done: int, total: int) -> None:
        print(f"\r  shredded {done}/{total} households due", end="", file=sys.stderr, flush=True)
        if done >= total:
            print(file=sys.stderr)

    done = retention.run(app, args.on, args.trust, progress)
    print(f"shredded {len(done)} households past their retention date (judged on {args.on}); "
          "each shredding is an event in the trail")
    return 0
