"""Where the trail lives: its own tables beside the records event store (SQLite or PostgreSQL)."""

from __future__ import annotations

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
)

from services.records.chain import HEADER_FIELDS
from shared.runtime.settings import DoorstepSettings
from shared.storage.store import sql_engine

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
    schema = settings.schema_for(SERVICE)
    engine = sql_engine(settings, schema, f"{schema}-trail.sqlite", pool_size=5,
                        pragmas=("journal_mode=WAL", "synchronous=FULL"))
    from services.records import projections

    metadata.create_all(engine)
    projections.metadata.create_all(engine)
    return engine
