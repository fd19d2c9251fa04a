"""`doorstep policy what-if --pack NAME --version N (--school URN | --trust ID) [--from --to]`:
the recorded decisions a version of a pack would have changed, read from the authorisation store;
nothing is written."""

from __future__ import annotations

import argparse
import sys
import time
from datetime import UTC, date, datetime, timedelta
from typing import Any

from services.authorisation.bootstrap import build_application
from shared.contracts.errors import DoorstepError
from shared.runtime.settings import DoorstepSettings
from shared.security.tenancy import school_trust


def register(actions: Any) -> None:
    parser: argparse.ArgumentParser = actions.add_parser(
        "what-if", help="recorded decisions a version of a pack would have changed (read-only)")
    parser.add_argument("--pack", required=True, help="the pack's name, e.g. ordsall-primary")
    parser.add_argument("--version", type=int, required=True, help="the version to try, e.g. 2")
    where = parser.add_mutually_exclusive_group(required=True)
    where.add_argument("--school", help="one school's decisions (its URN)")
    where.add_argument("--trust", help="every school of the trust (its id)")
    parser.add_argument("--from", dest="start", type=date.fromisoformat,
                        help="first day, YYYY-MM-DD (default: 90 days before --to)")
    parser.add_argument("--to", dest="end", type=date.fromisoformat,
                        help="last day, YYYY-MM-DD (default: today)")
    parser.set_defaults(run=run_what_if)


def run_what_if(args: argparse.Namespace) -> int:
    settings = DoorstepSettings()
    end = args.end or datetime.now(UTC).date()
    start = args.start or end - timedelta(days=90)
    try:
        app = build_application(settings)
        trust = args.trust or trust_of(app, settings, args.school)
        started = time.monotonic()
        report = app.what_if(args.pack, args.version, trust, start, end, school_urn=args.school)
    except DoorstepError as error:
        print(error.message, file=sys.stderr)
        return 2
    took = time.monotonic() - started
    scope = f"school {args.school}" if args.school else f"trust {trust}"
    print(f"{args.pack} v{args.version}, {scope}, {start} to {end}: {report.replayed} decisions "
          f"replayed in {took:.1f}s, {len(report.changed)} would change"
          + (f" ({report.without_facts} recorded before decisions kept their facts, not replayed)"
             if report.without_facts else ""))
    for difference in report.changed:
        d = difference.as_dict()
        print(f"  {d['decided_at'][:16]}  visit {d['visit_id']} on {d['visit_date']}: "
              f"{d['was']} under {d['under']}, would be {d['would_be']}")
        for rule in d["newly_broken"]:
            print(f"      + {rule['rule']}: {rule['message']} [{rule['citation']}]")
        for rule in d["no_longer_broken"]:
            print(f"      - {rule}: no longer in the pack, or no longer broken")
    return 0


def trust_of(app: Any, settings: DoorstepSettings, urn: str) -> str:
    try:
        return str(app.school(urn).trust_id)
    except DoorstepError:  # not onboarded: the schools file, or the development trust
        return school_trust(settings, urn)
