"""The shred list: every erasure, kept outside the stores and outside every backup.

A backup taken before a household was erased still holds the household's data key. Restoring
it must not bring the household back, so each erasure is also appended here (one JSON line: who,
when, which subject, which key ids) before the keys are destroyed, and `doorstep restore`
destroys again every key the list names before any service starts. The file holds ids only, no
personal data; keep it where a lost server does not take it along (DOORSTEP_SHRED_LIST), and
never restore it from a backup: it only grows.
"""

from __future__ import annotations

import json
import os
import threading
from collections.abc import Iterator
from dataclasses import asdict, dataclass
from pathlib import Path


@dataclass(frozen=True)
class Erasure:
    at: str
    trust_id: str
    kind: str
    subject_id: str
    key_ids: tuple[str, ...]
    by: str


class ShredList:
    """An append-only file of erasures; each line is written whole and synced to disk."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._lock = threading.Lock()

    def append(self, erasure: Erasure) -> None:
        line = json.dumps({**asdict(erasure), "key_ids": list(erasure.key_ids)}) + "\n"
        self.path.parent.mkdir(parents=True, exist_ok=True)
        with self._lock:
            descriptor = os.open(self.path, os.O_RDWR | os.O_APPEND | os.O_CREAT, 0o600)
            try:
                size = os.fstat(descriptor).st_size
                if size and os.pread(descriptor, 1, size - 1) != b"\n":  # a line cut short
                    line = "\n" + line
                os.write(descriptor, line.encode())
                os.fsync(descriptor)
            finally:
                os.close(descriptor)

    def erasures(self) -> Iterator[Erasure]:
        """Every erasure so far, oldest first; a line cut short by a crash is passed over."""
        if not self.path.exists():
            return
        with open(self.path, encoding="utf-8") as lines:
            for line in lines:
                try:
                    data = json.loads(line)
                except json.JSONDecodeError:
                    continue
                yield Erasure(data["at"], data["trust_id"], data["kind"], data["subject_id"],
                              tuple(data["key_ids"]), data.get("by", ""))

    def __len__(self) -> int:
        return sum(1 for _ in self.erasures())
