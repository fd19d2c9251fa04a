"""Event-store configuration for one service: SQLite by default, PostgreSQL when configured."""

from __future__ import annotations

import contextlib
import os
import threading
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlparse

from eventsourcing.cipher import AESCipher
from eventsourcing.sqlite import SQLiteDatastore, SQLiteFactory
from sqlalchemy import Engine, create_engine, event

from shared.runtime.settings import DoorstepSettings

CIPHER_TOPIC = "shared.storage.cipher:StoreCipher"  # eventsourcing's AES-GCM format, faster (cipher.py)
CONNECTIONS = 48  # about the request threads (40) and the consumers: nobody queues for a connection


class PooledSQLiteFactory(SQLiteFactory):
    """eventsourcing's SQLite factory keeps 5 connections and closes any beyond them after each
    use; under concurrent requests that reopened a file connection per query. This one keeps
    enough open for every request thread."""

    def __init__(self, env: Any) -> None:
        super().__init__(env)
        given = self.datastore
        self.datastore = SQLiteDatastore(
            db_name=given.pool.db_name, lock_timeout=given.pool.lock_timeout,
            pool_size=CONNECTIONS, max_overflow=0, pool_timeout=30.0,
            single_row_tracking=given.single_row_tracking,
            originator_id_type=given.originator_id_type)


def store_env(settings: DoorstepSettings, service: str) -> dict[str, str]:
    """The eventsourcing environment for `service`: its own SQLite file or PostgreSQL schema."""
    env: dict[str, str] = {}
    if settings.database_url:
        url = urlparse(settings.database_url)
        schema = settings.schema_for(service)
        ensure_schema(settings.database_url, schema)
        env.update(
            PERSISTENCE_MODULE="eventsourcing.postgres",
            POSTGRES_DBNAME=url.path.lstrip("/") or "postgres",
            POSTGRES_HOST=url.hostname or "127.0.0.1",
            POSTGRES_PORT=str(url.port or 5432),
            POSTGRES_USER=unquote(url.username or "postgres"),
            POSTGRES_PASSWORD=unquote(url.password or ""),
            POSTGRES_SCHEMA=schema,
            POSTGRES_POOL_SIZE="10",
            POSTGRES_MAX_OVERFLOW="20",
        )
    else:
        settings.data_dir.mkdir(parents=True, exist_ok=True)
        env.update(
            PERSISTENCE_MODULE="shared.storage.store:PooledSQLiteFactory",
            SQLITE_DBNAME=str(settings.data_dir / f"{settings.schema_for(service)}.sqlite"),
            SQLITE_LOCK_TIMEOUT="10",
        )
    # Aggregates stay in memory (bounded, least recently used first out), kept current with
    # other replicas' writes by reading the notification log (shared/storage/groupcommit.py); without
    # the cache every command replays and decrypts the aggregate's whole history.
    env.update(AGGREGATE_CACHE_MAXSIZE="10000")
    key = cipher_key(settings)
    if key:
        env.update(CIPHER_TOPIC=CIPHER_TOPIC, CIPHER_KEY=key)
    return env


def cipher_key(settings: DoorstepSettings) -> str | None:
    """Personal data is encrypted at rest; development keeps a generated key in the data folder.

    The services start together on a fresh folder, so the key file is made whole and then
    linked into place, which only one of them can do: every process reads the same key, never
    a half-written file or a key of its own."""
    if settings.cipher_key:
        return settings.cipher_key
    key_file: Path = settings.data_dir / "cipher.key"
    if not key_file.exists():
        settings.data_dir.mkdir(parents=True, exist_ok=True)
        made = key_file.with_name(f".cipher.key.{os.getpid()}.{threading.get_ident()}")
        made.write_text(AESCipher.create_key(32))
        made.chmod(0o600)
        try:
            os.link(made, key_file)  # fails if another process put its key there first
        except FileExistsError:
            pass
        finally:
            made.unlink()
    return key_file.read_text().strip()


def ensure_schema(database_url: str, schema: str) -> None:
    """Several services create a shared schema (the key store's) at the same moment; PostgreSQL's
    IF NOT EXISTS can still lose that race with a unique violation: then the schema is there."""
    import psycopg

    with (psycopg.connect(database_url, autocommit=True) as connection,
          contextlib.suppress(psycopg.errors.UniqueViolation)):
        connection.execute(f'CREATE SCHEMA IF NOT EXISTS "{schema}"')


def sql_engine(settings: DoorstepSettings, schema: str, sqlite_file: str, *, pool_size: int,
               pragmas: tuple[str, ...]) -> Engine:
    """A SQLAlchemy engine on the service's PostgreSQL schema, or on a SQLite file in the data
    folder with `pragmas` set on every connection (the trail's and the key store's tables)."""
    if settings.database_url:
        ensure_schema(settings.database_url, schema)
        url = settings.database_url.replace("postgresql://", "postgresql+psycopg://", 1)
        return create_engine(url, pool_size=pool_size, max_overflow=pool_size,
                             pool_pre_ping=True,
                             connect_args={"options": f"-c search_path={schema}"})
    path = Path(settings.data_dir) / sqlite_file
    path.parent.mkdir(parents=True, exist_ok=True)
    engine = create_engine(f"sqlite:///{path}", connect_args={"timeout": 30})

    def set_pragmas(connection: Any, _record: Any) -> None:
        cursor = connection.cursor()
        for pragma in pragmas:
            cursor.execute(f"PRAGMA {pragma}")
        cursor.close()

    event.listen(engine, "connect", set_pragmas)
    return engine

