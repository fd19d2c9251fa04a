"""A leader lease in a NATS KV bucket: one replica fires deadlines, the others stand by."""

from __future__ import annotations

import asyncio
import logging
import time

from nats.js import JetStreamContext
from nats.js.errors import BucketNotFoundError
from nats.js.kv import KeyValue

log = logging.getLogger(__name__)

KEY = "leader"


class Lease:
    """Held while our create/update of the key keeps succeeding; lost when the bucket's TTL
    expires an unrenewed key, so a killed leader's lease lapses after `seconds`."""

    def __init__(self, js: JetStreamContext, bucket: str, holder: str, seconds: float) -> None:
        self.js = js
        self.bucket = bucket
        self.holder = holder
        self.seconds = seconds
        self.kv: KeyValue | None = None
        self.revision: int | None = None
        self.valid_until = 0.0

    def held(self) -> bool:
        return time.monotonic() < self.valid_until

    async def open(self) -> KeyValue:
        if self.kv is None:
            try:
                self.kv = await self.js.key_value(self.bucket)
            except BucketNotFoundError:
                self.kv = await self.js.create_key_value(bucket=self.bucket, ttl=self.seconds,
                                                         history=1)
        return self.kv

    async def renew(self) -> bool:
        started = time.monotonic()
        try:
            kv = await self.open()
            if self.revision is None:
                self.revision = await kv.create(KEY, self.holder.encode())
                log.info("%s took the escalation lease", self.holder)
            else:
                self.revision = await kv.update(KEY, self.holder.encode(), last=self.revision)
            # a margin, so we stop firing before a standby can take over
            self.valid_until = started + self.seconds * 0.8
            return True
        except Exception as error:
            if self.revision is not None:
                log.warning("%s lost the escalation lease: %r", self.holder, error)
            self.revision = None
            self.valid_until = 0.0
            return False

    async def hold_forever(self) -> None:
        while True:
            await self.renew()
            await asyncio.sleep(self.seconds / 4)
