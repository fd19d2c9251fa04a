"""`doorstep audit ...`: verify, export, checkpoints and projections, straight from the store."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

from services.records import projections
from services.records.chain import Verdict
from services.records.export import (
    chronology_html,
    export_trust,
    read_checkpoints,
    verify_file,
    write_lines,
)
from services.records.inspection import is_pack, verify_pack
from services.records.tables import trail_engine
from services.records.trail import Selection, Trail
from shared.runtime.settings import DoorstepSettings
from shared.storage.keystore import open_key_store
from shared.storage.sealing import Sealer


def register(commands: Any) -> None:
    audit: argparse.ArgumentParser = commands.add_parser(
        "audit", help="verify, replay and export the audit trail (reads the records store)")
    actions = audit.add_subparsers(dest="audit_command", required=True)

    verify = actions.add_parser("verify", help="verify the hash chain and checkpoints")
    verify.add_argument("--trust", help="one trust (default: every trust in the store)")
    verify.add_argument("--file", type=Path, help="verify an NDJSON export alone, no database")
    verify.add_argument("--checkpoints", type=Path, help="checkpoints kept outside (JSON lines)")
    verify.add_argument("--deep", action="store_true", help="also open every sealed payload")
    verify.set_defaults(run=run_verify)

    export = actions.add_parser("export", help="export a trail (NDJSON) or a history (HTML)")
    export.add_argument("--trust", required=True)
    export.add_argument("--output", type=Path, required=True)
    export.add_argument("--format", choices=["ndjson", "html"], default="ndjson")
    export.add_argument("--visit", help="HTML: one visit's history")
    export.add_argument("--subject", help="HTML: household:<id>, pupil:<id> or staff:<id>")
    export.add_argument("--as-of", help="HTML: only what had happened by this UTC time")
    export.set_defaults(run=run_export)

    checkpoints = actions.add_parser("checkpoints", help="write the checkpoints to keep outside")
    checkpoints.add_argument("--trust", required=True)
    checkpoints.add_argument("--output", type=Path, required=True)
    checkpoints.set_defaults(run=run_checkpoints)

    rebuild = actions.add_parser("rebuild-projections",
                                 help="rebuild the dashboard read models from the trail")
    rebuild.set_defaults(run=run_rebuild)


def open_trail() -> Trail:
    from services.records.bootstrap import trail_cipher

    settings = DoorstepSettings()
    return Trail(trail_engine(settings), trail_cipher(settings))


def report(verdict: Verdict) -> None:
    if verdict.intact:
        print(f"trust {verdict.trust_id}: intact, {verdict.count} entries, head "
              f"{verdict.head_hash[:16]}..., {verdict.checkpoints_checked} checkpoints matched")
        for note in verdict.notes:
            print(f"  {note}")
    else:
        assert verdict.finding is not None
        print(f"trust {verdict.trust_id}: NOT INTACT ({verdict.finding.kind}): "
              f"{verdict.finding.message}")


def progress(done: int, total: int) -> None:
    print(f"\r  {done}/{total} entries", end="", file=sys.stderr, flush=True)
    if done >= total:
        print(file=sys.stderr)


def run_verify(args: argparse.Namespace) -> int:
    extra = read_checkpoints(args.checkpoints) if args.checkpoints else []
    if args.file and is_pack(args.file):
        verdicts = [verify_pack(args.file, extra)]
    elif args.file:
        verdicts = [verify_file(args.file, extra)]
    else:
        trail = open_trail()
        trusts = [args.trust] if args.trust else trail.trusts()
        verdicts = [trail.verify(trust, extra, deep=args.deep) for trust in trusts]
    for verdict in verdicts:
        report(verdict)
    return 0 if all(v.intact for v in verdicts) else 1


def run_export(args: argparse.Namespace) -> int:
    trail = open_trail()
    if args.format == "ndjson":
        write_lines(export_trust(trail, args.trust, progress), args.output)
    else:
        selection = Selection(trust_id=args.trust, visit_id=args.visit, ref=args.subject,
                              as_of=args.as_of)
        sealer = Sealer(open_key_store(DoorstepSettings()))
        entries = [sealer.unsealed(entry) for entry in trail.history(selection)]
        title = f"History of {args.subject or 'visit ' + str(args.visit)}"
        args.output.write_text(chronology_html(title, entries), encoding="utf-8")
    print(f"wrote {args.output}")
    return 0


def run_checkpoints(args: argparse.Namespace) -> int:
    trail = open_trail()
    lines = [json.dumps(c.__dict__) for c in trail.checkpoints(args.trust)]
    args.output.write_text("".join(line + "\n" for line in lines), encoding="utf-8")
    print(f"wrote {len(lines)} checkpoints to {args.output}")
    return 0


def run_rebuild(args: argparse.Namespace) -> int:
    trail = open_trail()
    done = projections.rebuild(trail.engine, trail.decrypted,
                               lambda n: print(f"\r  {n} entries", end="", file=sys.stderr))
    print(f"\nrebuilt the read models from {done} trail entries")
    return 0
