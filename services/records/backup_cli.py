"""`doorstep backup <folder>` and `doorstep restore <folder>`: the stores, the trail and the key
store copied with a manifest, and put back into an empty deployment, then checked.

The copying is `shared/storage/backup.py`; the commands live with records because what proves a
backup whole is the audit trail: its head per trust goes into the manifest, and a restore is
checked by verifying the chain and finding that head again.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

from services.records.bootstrap import trail_cipher
from services.records.tables import heads, trail_engine
from services.records.trail import Trail
from shared.runtime.settings import DoorstepSettings
from shared.storage import backup
from shared.storage.backup_files import BackupError


def register(commands: Any) -> None:
    take: argparse.ArgumentParser = commands.add_parser(
        "backup", help="copy the stores, the trail and the key store into a folder, with a "
                       "manifest (safe while the services run)")
    take.add_argument("folder", type=Path, help="a new (or empty) folder")
    take.set_defaults(run=run_backup)
    put: argparse.ArgumentParser = commands.add_parser(
        "restore", help="put a backup into an empty deployment (services stopped), destroy "
                        "again every key erased since, and check the trail")
    put.add_argument("folder", type=Path, help="a folder `doorstep backup` wrote")
    put.set_defaults(run=run_restore)


def trail_heads(conn: Any, prefix: str) -> dict[str, dict[str, Any]]:
    """Each trust's trail length and head hash, read on the connection the copy is made on."""
    rows = conn.execute(f"SELECT trust_id, length, head_hash FROM {prefix}{heads.name} "  # noqa: S608
                        "ORDER BY trust_id").fetchall()
    return {str(trust): {"length": int(length), "head_hash": str(head)}
            for trust, length, head in rows}


def say(line: str) -> None:
    print(line, file=sys.stderr, flush=True)


def run_backup(args: argparse.Namespace) -> int:
    try:
        manifest = backup.take(DoorstepSettings(), args.folder, trail_heads, say)
    except BackupError as error:
        print(f"backup failed: {error}", file=sys.stderr)
        return 1
    for trust, head in manifest["trail"].items():
        print(f"trust {trust}: {head['length']} entries, head {head['head_hash'][:16]}...")
    print(f"backup written to {args.folder}")
    return 0


def run_restore(args: argparse.Namespace) -> int:
    settings = DoorstepSettings()
    try:
        manifest = backup.restore(settings, args.folder, say)
    except BackupError as error:
        print(f"restore failed: {error}", file=sys.stderr)
        return 1
    problems = check_trail(settings, manifest["trail"])
    for problem in problems:
        print(f"NOT AS BACKED UP: {problem}")
    if problems:
        return 1
    print("restored: start the services; each publishes its store again into the new stream, "
          "and escalation reschedules every open visit's deadlines (those passed fire at once, "
          "marked late)")
    return 0


def check_trail(settings: DoorstepSettings, expected: dict[str, dict[str, Any]]) -> list[str]:
    """The restored trail verifies, and each trust's head is the one in the manifest (or, once
    services have run, still at that length in the chain)."""
    trail = Trail(trail_engine(settings), trail_cipher(settings))
    problems = []
    for trust, head in expected.items():
        verdict = trail.verify(trust)
        if not verdict.intact:
            assert verdict.finding is not None
            problems.append(f"trust {trust}: the trail does not verify: {verdict.finding.message}")
            continue
        at = trail.hash_at(trust, head["length"])
        if at != head["head_hash"]:
            problems.append(f"trust {trust}: entry {head['length']} has hash {at}, the manifest "
                            f"{head['head_hash']}")
            continue
        say(f"trust {trust}: intact, {verdict.count} entries; entry {head['length']} is the "
            f"manifest's head {head['head_hash'][:16]}...")
    return problems
