"""What every part of the trail shares: its tables' engine, the cipher, the clock."""

from __future__ import annotations

import threading
from collections.abc import Callable
from datetime import UTC, datetime

from sqlalchemy import Engine

from services.records import tables
from services.records.entries import Cipher

Clock = Callable[[], datetime]
T = tables.entries


class TrailBase:
    """The trail's state; appending, reading and verifying each add their methods to it."""

    def __init__(self, engine: Engine, cipher: Cipher, clock: Clock | None = None) -> None:
        self.engine = engine
        self.cipher = cipher
        self.clock: Clock = clock or (lambda: datetime.now(UTC))
        self._sqlite_lock = threading.Lock() if engine.dialect.name == "sqlite" else None
