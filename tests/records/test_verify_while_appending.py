"""Verify reads the head and the chain in one snapshot, even while entries are being appended
(found by the records crash test: a head read before an append disagreed with the chain)."""

from __future__ import annotations

import threading
from typing import Any

from shared.runtime.settings import DoorstepSettings
from tests.records.stories import TRUST, visit_story


def test_verify_while_another_thread_appends_is_always_intact(
        sqlite_settings: DoorstepSettings, make_trail: Any) -> None:
    writer, reader = make_trail(sqlite_settings), make_trail(sqlite_settings)
    events = [event for _ in range(40) for event in visit_story()]
    writer.append(events[0])
    done = threading.Event()

    def append_all() -> None:
        for event in events[1:]:
            writer.append(event)
        done.set()

    thread = threading.Thread(target=append_all)
    thread.start()
    verdicts = []
    while not done.is_set():
        verdicts.append(reader.verify(TRUST))
    thread.join()
    verdicts.append(reader.verify(TRUST))
    broken = [v.finding.message for v in verdicts if v.finding is not None]
    assert not broken, f"{len(broken)} of {len(verdicts)} verifies saw a torn read: {broken[0]}"
    assert verdicts[-1].count == len(events)
