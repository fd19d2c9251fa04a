"""Where the trail lives: its own tables beside the records event store (SQLite or PostgreSQL)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from sqlalchemy import (
    BigInteger,
    Column,
    Engine,
    Index,
    LargeBinary,
    MetaData,
    String,
    Table,
    Text,
    create_engine,
    event,
)

from services.records.chain import HEADER_FIELDS
from shared.settings import DoorstepSettings
from shared.store import ensure_schema

metadata = MetaData()

entries = Table(
    "audit_entries", metadata,
    Column("trust_id", String(64), primary_key=True),
    Column("seq", BigInteger, primary_key=True, autoincrement=False),
    *[Column(name, Text, nullable=False) for name in HEADER_FIELDS if name != "trust_id"],
    Column("sealed", LargeBinary, nullable=False),
    Column("prev_hash", String(64), nullable=False),
    Column("hash", String(64), nullable=False),
    Index("audit_entries_event", "event_id", unique=True),
    Index("audit_entries_visit", "trust_id", "visit_id", "seq"),
    Index("audit_entries_school", "trust_id", "school_urn", "seq"),
)

# One row per (trust, reference, entry): which entries name a household, pupil or staff member.
refs = Table(
    "audit_refs", metadata,
    Column("trust_id", String(64), primary_key=True),
    Column("ref", String(160), primary_key=True),
    Column("seq", BigInteger, primary_key=True, autoincrement=False),
    Column("visit_id", String(36), nullable=False),
)

heads = Table(
    "audit_heads", metadata,
    Column("trust_id", String(64), primary_key=True),
    Column("length", BigInteger, nullable=False),
    Column("head_hash", String(64), nullable=False),
)

checkpoints = Table(
    "audit_checkpoints", metadata,
    Column("trust_id", String(64), primary_key=True),
    Column("length", BigInteger, primary_key=True, autoincrement=False),
    Column("head_hash", String(64), nullable=False),
    Column("taken_at", String(32), nullable=False),
)

SERVICE = "records"


def trail_engine(settings: DoorstepSettings) -> Engine:
    """The trail's engine: schema `records<suffix>` on PostgreSQL, else a SQLite file."""
    if settings.database_url:
        schema = settings.schema_for(SERVICE)
        ensure_schema(settings.database_url, schema)
        url = settings.database_url.replace("postgresql://", "postgresql+psycopg://", 1)
        engine = create_engine(url, pool_size=5, max_overflow=5, pool_pre_ping=True,
                               connect_args={"options": f"-c search_path={schema}"})
    else:
        path = Path(settings.data_dir) / f"{settings.schema_for(SERVICE)}-trail.sqlite"
        path.parent.mkdir(parents=True, exist_ok=True)
        engine = create_engine(f"sqlite:///{path}", connect_args={"timeout": 30})
        event.listen(engine, "connect", _sqlite_pragmas)
    from services.records import projections

    metadata.create_all(engine)
    projections.metadata.create_all(engine)
    return engine


def _sqlite_pragmas(connection: Any, _record: Any) -> None:
    cursor = connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=FULL")
    cursor.close()
