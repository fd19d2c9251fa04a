"""Backups of a deployment's stores, and restoring one into an empty deployment.

What is copied, in this order: each service's event store (visits, authorisation, escalation,
records), the records trail, then the key store last (a key is made before the events sealed
under it are stored, so the key store copied last holds every key the stores need). SQLite files
are copied live with SQLite's online backup API, each a consistent snapshot; PostgreSQL schemas
are dumped with `pg_dump` (custom format) all inside one exported snapshot, so the dumps agree
with one another exactly.

JetStream is not copied: the stores hold every event, so a restore resets each service's outbox
position and each service's relay publishes its whole store again into the new, empty stream
when it starts (README, "Backup and restore", says why).
"""

from __future__ import annotations

import json
import os
import platform
import shutil
import sqlite3
import time
from collections.abc import Callable
from dataclasses import dataclass
from importlib import metadata
from pathlib import Path
from typing import Any

from shared.runtime.settings import DoorstepSettings
from shared.storage.backup_files import (
    FORMAT,
    MANIFEST,
    BackupError,
    closing,
    libpq_url,
    need,
    now,
    read_manifest,
    run,
    sha256,
    size,
    summary,
)
from shared.storage.keystore import open_key_store
from shared.storage.shredlist import ShredList

STORES = ("visits", "authorisation", "escalation", "records")  # each with an outbox
# The pages keep a store of their own (when the safety loop was down, whom they told): backed up
# and restored where the pages have run, with nothing to republish.
PAGES = "web"

Say = Callable[[str], None]
# Reads the trail's head per trust from a DB-API connection; the second argument prefixes the
# table's name (a PostgreSQL schema and a dot, or nothing on SQLite).
Heads = Callable[[Any, str], dict[str, dict[str, Any]]]


@dataclass(frozen=True)
class Part:
    name: str  # what it is, for people
    file: str  # in the backup folder
    schema: str = ""  # PostgreSQL
    optional: bool = False  # absent where the process that keeps it has never run


def parts(settings: DoorstepSettings) -> list[Part]:
    """What a backup holds, in the order it is taken."""
    if settings.database_url:
        schemas = [*(settings.schema_for(s) for s in STORES), settings.schema_for("keys")]
        names = [*(f"{s} event store" for s in STORES[:-1]),
                 "records event store and trail", "key store"]
        pages = settings.schema_for(PAGES)
        return [*(Part(name, f"{schema}.dump", schema) for name, schema in zip(names, schemas,
                                                                               strict=True)),
                Part("the pages' store", f"{pages}.dump", pages, optional=True)]
    records = settings.schema_for("records")
    return [*(Part(f"{s} event store", f"{settings.schema_for(s)}.sqlite") for s in STORES),
            Part("records trail", f"{records}-trail.sqlite"),
            Part("key store", f"{settings.schema_for('keys')}.sqlite"),
            Part("the pages' store", f"{settings.schema_for(PAGES)}.sqlite", optional=True)]


def take(settings: DoorstepSettings, folder: Path, heads: Heads, say: Say = print
         ) -> dict[str, Any]:
    """Write a backup of the deployment into `folder` (new or empty); returns its manifest."""
    if folder.exists() and any(folder.iterdir()):
        raise BackupError(f"{folder} is not empty: give a new folder for each backup")
    folder.mkdir(parents=True, exist_ok=True)
    started, taken_at = time.monotonic(), now()
    say(f"backing up to {folder}")
    if settings.database_url:
        trail = _dump_postgres(settings, folder, heads, say)
        store = "postgresql"
    else:
        trail = _copy_sqlite(settings, folder, heads, say)
        store = "sqlite"
    files = [{"name": part.name, "file": part.file, **summary(folder / part.file)}
             for part in parts(settings) if (folder / part.file).exists()]
    if not settings.cipher_key and (settings.data_dir / "cipher.key").exists():
        shutil.copy2(settings.data_dir / "cipher.key", folder / "cipher.key")
        files.append({"name": "development cipher key", "file": "cipher.key",
                      **summary(folder / "cipher.key")})
    manifest = {
        "format": FORMAT, "taken_at": taken_at, "store": store,
        "schema_suffix": settings.schema_suffix, "stream": settings.stream_name,
        "versions": _versions(settings), "files": files, "trail": trail,
        "jetstream": "not copied: rebuilt from the stores on restore",
        "shred_list": {"path": str(settings.shred_list_path()),
                       "erasures": len(ShredList(settings.shred_list_path()))},
        "seconds": round(time.monotonic() - started, 3),
    }
    (folder / MANIFEST).write_text(json.dumps(manifest, indent=2) + "\n", encoding="utf-8")
    entries = sum(t["length"] for t in trail.values())
    say(f"backup done in {manifest['seconds']:.1f} s: {len(files)} files, trail of "
        f"{entries} entries in {len(trail)} trusts; manifest {folder / MANIFEST}")
    return manifest


def _copy_sqlite(settings: DoorstepSettings, folder: Path, heads: Heads, say: Say
                 ) -> dict[str, dict[str, Any]]:
    trail: dict[str, dict[str, Any]] = {}
    for part in parts(settings):
        source = settings.data_dir / part.file
        if part.optional and not source.exists():
            say(f"no {part.name} ({part.file}): skipped")
            continue
        if not source.exists():
            raise BackupError(f"{source} is missing: is {settings.data_dir} a Doorstep data "
                              "folder (DOORSTEP_DATA_DIR) whose services have run?")
        began = time.monotonic()
        with (closing(sqlite3.connect(source, timeout=30)) as live,
              closing(sqlite3.connect(folder / part.file)) as copy):

            def progress(_status: int, remaining: int, total: int, name: str = part.name) -> None:
                say(f"  {name}: {total - remaining}/{total} pages")

            live.backup(copy, pages=4096, progress=progress)
            if part.file.endswith("-trail.sqlite"):
                trail = heads(copy, "")
        say(f"copied {part.name} ({part.file}, {size(folder / part.file)}) in "
            f"{time.monotonic() - began:.1f} s")
    return trail


def _dump_postgres(settings: DoorstepSettings, folder: Path, heads: Heads, say: Say
                   ) -> dict[str, dict[str, Any]]:
    import psycopg

    need("pg_dump")
    url = libpq_url(settings.database_url or "")
    with psycopg.connect(url) as conn:  # holds the snapshot every dump reads
        conn.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY")
        snapshot = conn.execute("SELECT pg_export_snapshot()").fetchone()
        assert snapshot is not None
        trail = heads(conn, f'"{settings.schema_for("records")}".')
        for part in parts(settings):
            if part.optional and not conn.execute(
                    "SELECT 1 FROM pg_namespace WHERE nspname = %s", (part.schema,)).fetchone():
                say(f"no {part.name} (schema {part.schema}): skipped")
                continue
            began = time.monotonic()
            run(["pg_dump", "--format=custom", f"--snapshot={snapshot[0]}",
                 f"--schema={part.schema}", f"--file={folder / part.file}", f"--dbname={url}"])
            say(f"dumped {part.name} (schema {part.schema}, {size(folder / part.file)}) in "
                f"{time.monotonic() - began:.1f} s")
        conn.rollback()
    return trail


def restore(settings: DoorstepSettings, folder: Path, say: Say = print) -> dict[str, Any]:
    """Put a backup into this (empty) deployment: checked against its manifest, each store in
    place, the outbox positions reset so the stream is rebuilt from the stores, and every key
    on the shred list destroyed again. Nothing must be running on the deployment meanwhile."""
    manifest = read_manifest(folder)
    store = "postgresql" if settings.database_url else "sqlite"
    if manifest["store"] != store:
        raise BackupError(f"this backup is of a {manifest['store']} deployment; this deployment "
                          f"uses {store} (DOORSTEP_DATABASE_URL)")
    if manifest["schema_suffix"] != settings.schema_suffix:
        raise BackupError(f"the backup's schema suffix is {manifest['schema_suffix']!r}; set "
                          f"DOORSTEP_SCHEMA_SUFFIX to it")
    say(f"restoring the backup taken at {manifest['taken_at']} from {folder}")
    check(folder, manifest, say)
    if settings.database_url:
        _restore_postgres(settings, folder, say)
    else:
        _restore_sqlite(settings, folder, manifest, say)
    _restore_development_key(settings, folder, manifest, say)
    shreds = ShredList(settings.shred_list_path())
    again = open_key_store(settings, fresh=True).destroy_again(shreds.erasures())
    say(f"shred list {shreds.path}: {len(shreds)} erasures; {len(again)} keys erased after the "
        "backup was taken destroyed again")
    for service in STORES:
        reset_outbox(settings, service)
    say("outbox positions reset: each service republishes its store into the new stream")
    return manifest


def check(folder: Path, manifest: dict[str, Any], say: Say) -> None:
    for item in manifest["files"]:
        path = folder / item["file"]
        if not path.exists():
            raise BackupError(f"{path} is missing from the backup")
        if sha256(path) != item["sha256"]:
            raise BackupError(f"{path} does not match its checksum in the manifest: the backup "
                              "is damaged; use another")
    say(f"checked {len(manifest['files'])} files against their sha256 in the manifest")


def _restore_sqlite(settings: DoorstepSettings, folder: Path, manifest: dict[str, Any],
                    say: Say) -> None:
    settings.data_dir.mkdir(parents=True, exist_ok=True)
    wanted = [item["file"] for item in manifest["files"] if item["file"] != "cipher.key"]
    there = [name for name in wanted if (settings.data_dir / name).exists()]
    if there:
        raise BackupError(f"{settings.data_dir} already holds {', '.join(there)}: restore into "
                          "an empty data folder (DOORSTEP_DATA_DIR)")
    for name in wanted:
        began = time.monotonic()
        target = settings.data_dir / name
        shutil.copy2(folder / name, target.with_suffix(target.suffix + ".part"))
        os.replace(target.with_suffix(target.suffix + ".part"), target)
        say(f"restored {name} ({size(target)}) in {time.monotonic() - began:.1f} s")


def _restore_development_key(settings: DoorstepSettings, folder: Path,
                             manifest: dict[str, Any], say: Say) -> None:
    """A development deployment keeps its cipher key in its data folder, and its backup holds
    a copy; production's (DOORSTEP_CIPHER_KEY) is kept apart from backups and set again."""
    if settings.cipher_key or not any(i["file"] == "cipher.key" for i in manifest["files"]):
        return
    key = settings.data_dir / "cipher.key"
    if key.exists():
        if key.read_bytes() != (folder / "cipher.key").read_bytes():
            raise BackupError(f"{key} holds another cipher key than the backup's: restore into "
                              "an empty data folder")
        return
    settings.data_dir.mkdir(parents=True, exist_ok=True)
    shutil.copy2(folder / "cipher.key", key)
    key.chmod(0o600)
    say(f"restored the development cipher key into {key}")


def _restore_postgres(settings: DoorstepSettings, folder: Path, say: Say) -> None:
    import psycopg
    from psycopg import sql

    need("pg_restore")
    url = libpq_url(settings.database_url or "")
    with psycopg.connect(url, autocommit=True) as conn:
        taken = [part.schema for part in parts(settings) if conn.execute(
            "SELECT 1 FROM information_schema.tables WHERE table_schema = %s",
            (part.schema,)).fetchone()]
        if taken:
            raise BackupError(f"schemas {', '.join(taken)} already hold tables: restore into an "
                              "empty database (or drop them first)")
        for part in parts(settings):
            conn.execute(sql.SQL("DROP SCHEMA IF EXISTS {}").format(sql.Identifier(part.schema)))
    for part in parts(settings):
        if part.optional and not (folder / part.file).exists():
            continue
        began = time.monotonic()
        run(["pg_restore", "--no-owner", "--exit-on-error", f"--dbname={url}",
             str(folder / part.file)])
        say(f"restored {part.name} (schema {part.schema}) in {time.monotonic() - began:.1f} s")


def reset_outbox(settings: DoorstepSettings, service: str) -> None:
    """Forget how far the service's relay had published, so it publishes everything again."""
    if settings.database_url:
        import psycopg
        from psycopg import sql

        schema = settings.schema_for(service)
        with psycopg.connect(libpq_url(settings.database_url), autocommit=True) as conn:
            for (table,) in conn.execute(
                    "SELECT table_name FROM information_schema.tables WHERE table_schema = %s "
                    "AND table_name LIKE '%%tracking'", (schema,)).fetchall():
                conn.execute(sql.SQL("DELETE FROM {} WHERE application_name LIKE 'outbox:%%'")
                             .format(sql.Identifier(schema, table)))
        return
    path = settings.data_dir / f"{settings.schema_for(service)}.sqlite"
    with closing(sqlite3.connect(path, timeout=30)) as file, file:
        file.execute("DELETE FROM tracking WHERE application_name LIKE 'outbox:%'")


def _versions(settings: DoorstepSettings) -> dict[str, str]:
    found = {"python": platform.python_version(), "sqlite": sqlite3.sqlite_version}
    for package in ("doorstep", "eventsourcing", "nats-py", "faststream"):
        try:
            found[package] = metadata.version(package)
        except metadata.PackageNotFoundError:
            continue
    if settings.database_url:
        found["pg_dump"] = run(["pg_dump", "--version"]).strip()
    return found
