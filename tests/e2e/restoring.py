"""A second, empty deployment to restore a backup into, and the CLI run as trust IT runs it."""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from uuid import uuid4

import psycopg

from shared.runtime.launcher import service_env
from shared.runtime.settings import DoorstepSettings
from tests.conftest import settings_env


def doorstep(settings: DoorstepSettings, *args: str, timeout: float = 300
             ) -> subprocess.CompletedProcess[str]:
    """`doorstep ...` in its own process, with this deployment's DOORSTEP_ environment."""
    return subprocess.run([sys.executable, "-m", "shared.cli.main", *args],
                          env=service_env(settings_env(settings)), capture_output=True, text=True,
                          timeout=timeout, cwd=Path(__file__).resolve().parents[2])


@contextmanager
def empty_deployment(settings: DoorstepSettings, folder: Path) -> Iterator[DoorstepSettings]:
    """Another deployment: its own data folder (or its own PostgreSQL database), its own stream,
    the same schema names and the same shred list; dropped afterwards."""
    tag = uuid4().hex[:10]
    changes: dict[str, object] = {"data_dir": folder, "stream_name": f"DOORSTEP_R{tag}",
                                  "subject_root": f"r{tag}"}
    database = f"doorstep_restore_{tag}"
    if settings.database_url:
        with psycopg.connect(settings.database_url, autocommit=True) as conn:
            conn.execute(f'CREATE DATABASE "{database}"')
        base = settings.database_url.rsplit("/", 1)[0]
        changes["database_url"] = f"{base}/{database}"
    try:
        yield settings.model_copy(update=changes)
    finally:
        if settings.database_url:
            with psycopg.connect(settings.database_url, autocommit=True) as conn:
                conn.execute(f'DROP DATABASE IF EXISTS "{database}" WITH (FORCE)')
