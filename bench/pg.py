"""Benchmarks on PostgreSQL when POSTGRES_URL (a server, e.g. postgresql://postgres@host:5432)
is given: fresh databases, one per service, made before and dropped after the run."""
from __future__ import annotations

import os
import uuid
from contextlib import contextmanager
from urllib.parse import urlparse, urlunparse


def _with_database(url: str, name: str) -> str:
    parts = urlparse(url)
    return urlunparse(parts._replace(path="/" + name))


def _admin(url: str, statements: list[str]) -> None:
    import psycopg2

    connection = psycopg2.connect(_with_database(url, "postgres"))
    connection.autocommit = True
    try:
        with connection.cursor() as cursor:
            for statement in statements:
                cursor.execute(statement)
    finally:
        connection.close()


@contextmanager
def databases(services) -> str:
    """Yields the DATABASE_URL template to use ("{service}" in it): fresh PostgreSQL databases
    if POSTGRES_URL is set, else "" (SQLite files in the data folder)."""
    url = os.environ.get("POSTGRES_URL")
    if not url:
        yield ""
        return
    prefix = "bench" + uuid.uuid4().hex[:8]
    names = [f"{prefix}_{service}" for service in services]
    _admin(url, [f'CREATE DATABASE "{name}"' for name in names])
    try:
        yield _with_database(url, prefix + "_{service}").replace("%7B", "{").replace("%7D", "}")
    finally:
        _admin(url, [f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)' for name in names])


def label() -> str:
    url = os.environ.get("POSTGRES_URL")
    return f"PostgreSQL ({urlparse(url).hostname}:{urlparse(url).port})" if url else "SQLite"
