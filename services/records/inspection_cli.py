"""`doorstep inspection-pack --school URN --from DAY --to DAY OUT`: the school's record for the
period as a folder (and a zip) that verifies offline, read from the records store."""

from __future__ import annotations

import argparse
import sys
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path
from typing import Any

from shared.runtime.settings import DoorstepSettings
from shared.security.tenancy import school_trust
from shared.storage.keystore import open_key_store
from shared.storage.sealing import Sealer


def register(commands: Any) -> None:
    parser: argparse.ArgumentParser = commands.add_parser(
        "inspection-pack", help="a school's record for a period, as NDJSON, a printable summary "
                                "and the chain proof (verify it with doorstep audit verify --file)")
    parser.add_argument("--school", required=True, help="the school's URN")
    parser.add_argument("--from", dest="start", type=date.fromisoformat, required=True,
                        help="first day, YYYY-MM-DD")
    parser.add_argument("--to", dest="end", type=date.fromisoformat, required=True,
                        help="last day, YYYY-MM-DD (included)")
    parser.add_argument("--trust", help="the school's trust (default: as the deployment knows)")
    parser.add_argument("output", type=Path, help="the folder to write (a .zip is written beside)")
    parser.set_defaults(run=run_inspection_pack)


def run_inspection_pack(args: argparse.Namespace) -> int:
    from services.records.cli import open_trail
    from services.records.inspection import zipped
    from services.records.inspection_summary import build

    if args.end < args.start:
        print(f"--to {args.end} is before --from {args.start}", file=sys.stderr)
        return 2
    settings = DoorstepSettings()
    trust = args.trust or school_trust(settings, args.school)
    trail = open_trail()
    sealer = Sealer(open_key_store(settings))
    start = datetime.combine(args.start, time.min, UTC)
    end = datetime.combine(args.end + timedelta(days=1), time.min, UTC)
    pack = build(trail.rows(trust), trail.cipher.decrypt, sealer.unsealed, trust, args.school,
                 start, end, args.output)
    archive = zipped(args.output)
    counts = ", ".join(f"{n} {kind}" for kind, n in pack.header()["counts"].items())
    print(f"wrote {args.output}/ and {archive}: {counts}; chain proof of {len(pack.chain)} links, "
          f"head {pack.head_hash[:16]}...")
    return 0
