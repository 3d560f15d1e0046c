"""PostgreSQL connections that the server closed while they sat in the pool.

The kernel checks a pooled connection with "SELECT 1" only when it has been idle for a while
(a ping on every checkout cost a quarter of an authenticated read's throughput). These tests
close connections from the server's side, as a restart does, and check what a service sees.
"""
from __future__ import annotations

import uuid

import pytest
from sqlalchemy import Column, Integer, MetaData, String, Table, func, insert, select, text, update
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


# --- reads and writes on the same pool ---------------------------------------------------------
NOTES = Table("notes", MetaData(), Column("id", Integer, primary_key=True),
              Column("text", String(50)))


@pytest.fixture
def sessions(engine):
    NOTES.create(engine)
    return db.session_factory(engine)


def test_a_read_after_an_idle_ping_works(sessions, monkeypatch):
    """The ping's own transaction is closed, so the read that follows can run outside one."""
    monkeypatch.setattr(db, "PING_AFTER_IDLE_SECONDS", 0.0)
    for _ in range(3):
        with sessions() as session:
            assert session.scalar(select(func.count()).select_from(NOTES)) == 0


def test_a_write_after_reads_on_the_same_connections_is_still_all_or_nothing(sessions):
    """Reads run in autocommit mode on PostgreSQL; the connection must not stay that way."""
    for _ in range(6):  # every pooled connection has served a read
        with sessions() as session:
            session.execute(select(NOTES))
    with pytest.raises(RuntimeError), sessions.begin() as session:
        session.execute(insert(NOTES), [{"text": "first"}])
        session.flush()
        raise RuntimeError("the rest of the unit of work failed")
    with sessions() as session:
        assert session.scalar(select(func.count()).select_from(NOTES)) == 0
    with sessions.begin() as session:
        session.execute(insert(NOTES), [{"text": "kept"}])
    with sessions() as session:
        assert session.scalars(select(NOTES.c.text)).all() == ["kept"]


def test_a_read_session_refuses_to_write(sessions):
    with sessions() as session, pytest.raises(db.WritingInAReadSession):
        session.execute(insert(NOTES), [{"text": "sneaked in"}])
    with sessions.begin() as session:
        session.execute(insert(NOTES), [{"text": "kept"}])
    with sessions() as session, pytest.raises(db.WritingInAReadSession):
        session.execute(update(NOTES).values(text="changed"))
    with sessions() as session:
        assert session.scalars(select(NOTES.c.text)).all() == ["kept"]


def test_begin_on_a_read_session_opens_a_transaction_that_may_write(sessions):
    session = sessions()
    try:
        with session.begin():
            session.execute(insert(NOTES), [{"text": "kept"}])
    finally:
        session.close()
    with sessions() as session:
        assert session.scalars(select(NOTES.c.text)).all() == ["kept"]
