"""The deployment's key store: one data key per data subject (a household, a pupil, a member of
staff, a record).

Every personal field on the wire and in the stores is sealed under its subject's data key
(`shared/storage/sealing.py`). Destroying the key is crypto-shredding: every copy of those fields, in the
JetStream stream, the audit trail, the event stores and any export, becomes unreadable at once,
while the hash chain (which covers the sealed text) still verifies.

Data keys are kept wrapped (AES-GCM) under a key derived from the deployment's cipher key, so the
key store's database alone opens nothing. A destroyed key's row keeps who, when and why, not the
key. SQLite runs with `secure_delete`, so the old bytes are overwritten; on PostgreSQL the
retention run vacuums the table afterwards.
"""

from __future__ import annotations

import os
import threading
import time
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from sqlalchemy import (
    Column,
    Engine,
    Index,
    LargeBinary,
    MetaData,
    String,
    Table,
    and_,
    insert,
    select,
    text,
    update,
)
from sqlalchemy.exc import DBAPIError

from shared.runtime.settings import DoorstepSettings
from shared.storage.shredlist import Erasure, ShredList
from shared.storage.store import cipher_key, sql_engine

metadata = MetaData()
keys = Table(
    "subject_keys", metadata,
    Column("key_id", String(32), primary_key=True),
    Column("trust_id", String(64), nullable=False),
    Column("kind", String(16), nullable=False),
    Column("subject_id", String(128), nullable=False),
    Column("wrapped", LargeBinary, nullable=True),  # NULL once destroyed
    Column("created_at", String(32), nullable=False),
    Column("destroyed_at", String(32), nullable=True),
    Column("destroyed_by", String(64), nullable=True),
    Column("destroyed_why", String(200), nullable=True),
    Index("subject_keys_subject", "trust_id", "kind", "subject_id"),
)
KINDS = ("household", "pupil", "record", "staff")
CACHE_SECONDS = 30.0  # how long another process may still use a key after it is destroyed


@dataclass(frozen=True)
class DataSubject:
    """Whose personal data it is: a household, a pupil, a member of staff, or (with no one else
    named) a record."""

    trust_id: str
    kind: str
    id: str

    def __post_init__(self) -> None:
        if self.kind not in KINDS:
            raise ValueError(f"a data subject is one of {', '.join(KINDS)}, not {self.kind!r}")

    @property
    def ref(self) -> str:
        return f"{self.kind}:{self.id}"


@dataclass(frozen=True)
class KeyRecord:
    key_id: str
    subject: DataSubject
    created_at: str
    destroyed_at: str | None


class KeyStore:
    def __init__(self, engine: Engine, master_key: bytes, shred_list: ShredList | None = None
                 ) -> None:
        self.engine = engine
        self.shred_list = shred_list
        self._wrap = AESGCM(HKDF(algorithm=hashes.SHA256(), length=32, salt=None,
                                 info=b"doorstep subject keys v1").derive(master_key))
        self._lock = threading.Lock()
        self._by_id: dict[str, tuple[float, AESGCM | None]] = {}
        self._by_subject: dict[DataSubject, tuple[float, str]] = {}

    # -- keys for sealing and unsealing ---------------------------------------------------------
    def key_for(self, subject: DataSubject) -> tuple[str, AESGCM]:
        """The subject's live data key, made on first use."""
        cached = self._by_subject.get(subject)
        if cached and time.monotonic() - cached[0] < CACHE_SECONDS:
            key = self.key(cached[1])
            if key is not None:
                return cached[1], key
        return self._live([subject])[subject]

    def prepare(self, subjects: Iterable[DataSubject]) -> None:
        """Have the live keys of many subjects at hand, those missing made in one transaction:
        an import of a school's households seals under a thousand keys, which `key_for` alone
        makes with a thousand commits."""
        now = time.monotonic()
        self._live([s for s in dict.fromkeys(subjects)
                    if not ((c := self._by_subject.get(s)) and now - c[0] < CACHE_SECONDS)])

    def _live(self, subjects: list[DataSubject]) -> dict[DataSubject, tuple[str, AESGCM]]:
        """Each subject's oldest live key, read or made (the made ones in one transaction)."""
        found: dict[DataSubject, tuple[str, bytes]] = {}
        with self.engine.connect() as conn:
            for subject in subjects:
                row = conn.execute(select(keys.c.key_id, keys.c.wrapped).where(
                    _of(subject), keys.c.wrapped.is_not(None)).order_by(keys.c.created_at)
                    .limit(1)).first()
                if row is not None:
                    found[subject] = (row.key_id, self._unwrapped(row.key_id, row.wrapped))
        made = []
        for subject in (s for s in subjects if s not in found):
            key_id, raw = os.urandom(16).hex(), AESGCM.generate_key(bit_length=256)
            found[subject] = (key_id, raw)
            made.append({"key_id": key_id, "trust_id": subject.trust_id, "kind": subject.kind,
                         "subject_id": subject.id, "wrapped": self._wrapped(key_id, raw),
                         "created_at": _now()})
        if made:
            with self.engine.begin() as conn:
                conn.execute(insert(keys), made)
        now, opened = time.monotonic(), {s: (k, AESGCM(raw)) for s, (k, raw) in found.items()}
        with self._lock:
            for subject, (key_id, aead) in opened.items():
                self._by_subject[subject] = (now, key_id)
                self._by_id[key_id] = (now, aead)
        return opened

    def key(self, key_id: str) -> AESGCM | None:
        """The data key with this id; None when it was destroyed (or never existed here)."""
        cached = self._by_id.get(key_id)
        if cached and time.monotonic() - cached[0] < CACHE_SECONDS:
            return cached[1]
        with self.engine.connect() as conn:
            wrapped = conn.execute(select(keys.c.wrapped).where(keys.c.key_id == key_id)).scalar()
        aead = AESGCM(self._unwrapped(key_id, wrapped)) if wrapped else None
        with self._lock:
            self._by_id[key_id] = (time.monotonic(), aead)
        return aead

    # -- shredding ------------------------------------------------------------------------------
    def destroy(self, subject: DataSubject, by: str, why: str, *, tidy: bool = True
                ) -> list[str]:
        """Destroy every live key of the subject; returns their ids. Safe to repeat. `tidy`
        also clears old copies of the bytes at once (a run of many calls `tidy()` at its end)."""
        with self.engine.begin() as conn:
            ids = list(conn.execute(select(keys.c.key_id).where(
                _of(subject), keys.c.wrapped.is_not(None))).scalars())
            if ids and self.shred_list is not None:  # first: a restore destroys them again
                self.shred_list.append(Erasure(_now(), subject.trust_id, subject.kind,
                                               subject.id, tuple(ids), by))
            if ids:
                conn.execute(update(keys).where(keys.c.key_id.in_(ids)).values(
                    wrapped=None, destroyed_at=_now(), destroyed_by=by, destroyed_why=why[:200]))
        if ids and tidy:
            self.tidy()
        with self._lock:
            self._by_subject.pop(subject, None)
            for key_id in ids:
                self._by_id[key_id] = (time.monotonic(), None)
        return ids

    def destroy_again(self, erasures: Iterable[Erasure]) -> list[str]:
        """After a restore: destroy each listed key that the restored store holds live (a
        backup taken before the erasure). Returns their ids; the rest were destroyed already."""
        destroyed: list[str] = []
        with self.engine.begin() as conn:
            for erasure in erasures:
                live = list(conn.execute(select(keys.c.key_id).where(
                    keys.c.key_id.in_(erasure.key_ids), keys.c.wrapped.is_not(None))).scalars())
                if live:
                    conn.execute(update(keys).where(keys.c.key_id.in_(live)).values(
                        wrapped=None, destroyed_at=erasure.at, destroyed_by=erasure.by,
                        destroyed_why="erased after the backup was taken (shred list)"))
                    destroyed += live
        if destroyed:
            self.tidy()
        self._by_id.clear()
        self._by_subject.clear()
        return destroyed

    def tidy(self) -> None:
        """No old row version (PostgreSQL) or write-ahead log page (SQLite) keeps the key."""
        with self.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            if self.engine.dialect.name == "postgresql":
                conn.execute(text("VACUUM subject_keys"))
            else:
                conn.execute(text("PRAGMA wal_checkpoint(TRUNCATE)"))

    def records(self, subject: DataSubject) -> list[KeyRecord]:
        with self.engine.connect() as conn:
            rows = conn.execute(select(keys).where(_of(subject)).order_by(keys.c.created_at))
            return [KeyRecord(row.key_id, subject, row.created_at, row.destroyed_at)
                    for row in rows]

    # -- wrapping -------------------------------------------------------------------------------
    def _wrapped(self, key_id: str, raw: bytes) -> bytes:
        nonce = os.urandom(12)
        return nonce + self._wrap.encrypt(nonce, raw, key_id.encode())

    def _unwrapped(self, key_id: str, wrapped: bytes) -> bytes:
        return self._wrap.decrypt(wrapped[:12], wrapped[12:], key_id.encode())


def _of(subject: DataSubject) -> Any:
    return and_(keys.c.trust_id == subject.trust_id, keys.c.kind == subject.kind,
                keys.c.subject_id == subject.id)


def _now() -> str:
    return datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


_stores: dict[tuple[str, str, str], KeyStore] = {}
_stores_lock = threading.Lock()


def open_key_store(settings: DoorstepSettings, *, fresh: bool = False) -> KeyStore:
    """The deployment's one key store (schema `keys<suffix>`, or `keys.sqlite` in the data
    folder), shared by every service; one instance per process and place (`fresh`: a new one,
    with nothing cached, as another process would open it)."""
    master = cipher_key(settings)
    if not master:
        raise ValueError("the key store needs the deployment's cipher key (DOORSTEP_CIPHER_KEY)")
    shreds = ShredList(settings.shred_list_path())
    if fresh:
        return KeyStore(_engine(settings), _master_bytes(master), shreds)
    place = settings.database_url or str(Path(settings.data_dir).resolve())
    where = (place, settings.schema_for("keys"), master)
    with _stores_lock:
        if where not in _stores:
            _stores[where] = KeyStore(_engine(settings), _master_bytes(master), shreds)
        return _stores[where]


def _master_bytes(master: str) -> bytes:
    import base64

    try:
        return base64.b64decode(master, validate=True)
    except ValueError:
        return master.encode()


def _engine(settings: DoorstepSettings) -> Engine:
    schema = settings.schema_for("keys")
    engine = sql_engine(settings, schema, f"{schema}.sqlite", pool_size=3,
                        pragmas=("journal_mode=WAL", "secure_delete=ON"))  # destroyed: overwritten
    _create_tables(engine)
    return engine


def _create_tables(engine: Engine) -> None:
    """Every service opens the store at start, at once: whoever loses the race to create the
    table finds it made."""
    for attempt in range(5):
        try:
            metadata.create_all(engine)
            return
        except DBAPIError:
            if attempt == 4:
                raise
            time.sleep(0.05 * (attempt + 1))

