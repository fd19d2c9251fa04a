"""Services that create the same schema at the same moment all go on (the key store's is shared
by four processes starting together); found by the end-to-end test on PostgreSQL."""

from __future__ import annotations

import threading
from uuid import uuid4

import psycopg
import pytest

from shared.storage.store import ensure_schema

pytestmark = pytest.mark.postgres


def create(database_url: str, schema: str, start: threading.Barrier,
           failures: list[Exception]) -> None:
    start.wait()
    try:
        ensure_schema(database_url, schema)
    except Exception as error:  # the race lost
        failures.append(error)


def test_many_at_once_create_one_schema(database_url: str) -> None:
    for _ in range(5):
        schema = f"race_{uuid4().hex[:10]}"
        start, failures = threading.Barrier(8), list[Exception]()
        threads = [threading.Thread(target=create, args=(database_url, schema, start, failures))
                   for _ in range(8)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        with psycopg.connect(database_url, autocommit=True) as connection:
            connection.execute(f'DROP SCHEMA "{schema}"')
        assert failures == []
