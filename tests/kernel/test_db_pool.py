"""PostgreSQL connections that the server closed while they sat in the pool.

The kernel checks a pooled connection with "SELECT 1" only when it has been idle for a while
(a ping on every checkout cost a quarter of an authenticated read's throughput). These tests
close connections from the server's side, as a restart does, and check what a service sees.
"""
from __future__ import annotations

import uuid

import pytest
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError

from involve.kernel import db


@pytest.fixture
def engine(postgres_server):
    name = "pool_" + uuid.uuid4().hex[:10]
    postgres_server.create_databases([name])
    engine = db.make_engine(postgres_server.url(name))
    yield engine
    engine.dispose()
    postgres_server.drop_databases([name])


def backend_pid(engine) -> int:
    with engine.connect() as connection:
        return connection.scalar(text("SELECT pg_backend_pid()"))


def close_from_the_server(postgres_server, pids):
    postgres_server._run([f"SELECT pg_terminate_backend({pid})" for pid in pids])


def hold_connections(engine, count) -> list[int]:
    """Check out ``count`` connections at once, note their server pids, return them all to the
    pool."""
    connections = [engine.connect() for _ in range(count)]
    pids = [c.scalar(text("SELECT pg_backend_pid()")) for c in connections]
    for connection in connections:
        connection.close()
    return pids


def test_an_idle_connection_the_server_closed_is_replaced_before_use(engine, postgres_server,
                                                                     monkeypatch):
    first = backend_pid(engine)
    close_from_the_server(postgres_server, [first])
    monkeypatch.setattr(db, "PING_AFTER_IDLE_SECONDS", 0.0)  # as if it sat idle for a while
    with engine.connect() as connection:  # no error: the ping found it dead, a new one is used
        assert connection.scalar(text("SELECT 1")) == 1
        assert connection.scalar(text("SELECT pg_backend_pid()")) != first


def test_one_failure_replaces_every_pooled_connection_the_server_closed(engine, postgres_server,
                                                                        monkeypatch):
    """Inside the idle window a connection is trusted, not pinged: so a dead one's first statement
    fails (the request is refused, nothing written), and that one disconnect invalidates every
    connection pooled before it, so the next requests all get fresh ones."""
    monkeypatch.setattr(db, "PING_AFTER_IDLE_SECONDS", 3600.0)
    pids = hold_connections(engine, 3)
    close_from_the_server(postgres_server, pids)
    with pytest.raises(DBAPIError) as failed:
        backend_pid(engine)
    assert failed.value.connection_invalidated
    after = hold_connections(engine, 3)
    assert not set(after) & set(pids)
