"""One database per service: SQLAlchemy 2 engines and Alembic migrations.

SQLite (a file per service under the data folder) is the embedded default; any PostgreSQL URL
works in production. PostgreSQL goes through psycopg2 made green with psycogreen so that a slow
query never blocks Nameko's eventlet hub.
"""
from __future__ import annotations

import threading
import time
from contextlib import contextmanager, nullcontext, suppress
from datetime import UTC, datetime
from pathlib import Path

from alembic import command
from alembic.config import Config
from sqlalchemy import DateTime, TypeDecorator, create_engine, event, exc, text
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session, sessionmaker
from sqlalchemy.orm.session import SessionTransactionOrigin

KERNEL_MIGRATIONS = Path(__file__).parent / "migrations"
# PostgreSQL advisory lock taken around migrations (advisory locks are per database, so each
# service's database has its own): the number is arbitrary but fixed ("involve" in ASCII).
MIGRATION_LOCK = 0x696E766F6C7665
# A pooled PostgreSQL connection idle for longer than this is checked with "SELECT 1" before it is
# used (one in use more recently is trusted): see _ping_when_idle.
PING_AFTER_IDLE_SECONDS = 1.0
_green_patched = False


def _make_postgres_green():
    global _green_patched
    if _green_patched:
        return
    from eventlet import patcher

    if patcher.is_monkey_patched("socket"):
        from psycogreen.eventlet import patch_psycopg

        patch_psycopg()
    _green_patched = True


class UtcDateTime(TypeDecorator):
    """A timestamp that is always stored in UTC and always read back timezone-aware.

    SQLite keeps no time zone, PostgreSQL does; this makes both behave the same.
    """

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value, dialect):
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("timestamps must be timezone-aware")
        return value.astimezone(UTC)

    def process_result_value(self, value, dialect):
        if value is None or value.tzinfo is UTC:  # PostgreSQL's in a UTC session: as it is
            return value
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(
            UTC)


def now() -> datetime:
    return datetime.now(UTC)


def make_engine(url: str) -> Engine:
    if url.startswith("sqlite"):
        path = url.split("///", 1)[-1]
        if path and path != ":memory:":
            Path(path).parent.mkdir(parents=True, exist_ok=True)
        engine = create_engine(url, connect_args={"check_same_thread": False, "timeout": 30})

        @event.listens_for(engine, "connect")
        def _sqlite_pragmas(dbapi_connection, _record):
            cursor = dbapi_connection.cursor()
            cursor.execute("PRAGMA journal_mode=WAL")
            cursor.execute("PRAGMA foreign_keys=ON")
            cursor.execute("PRAGMA busy_timeout=30000")
            cursor.close()

        return engine
    if url.startswith("postgresql"):
        _make_postgres_green()
        if url.startswith("postgresql://"):
            url = "postgresql+psycopg2://" + url[len("postgresql://"):]
    engine = create_engine(url)
    _ping_when_idle(engine)

    @event.listens_for(engine, "checkin")
    def _end_autocommit(dbapi_connection, _record):
        if dbapi_connection is not None and dbapi_connection.autocommit:
            dbapi_connection.autocommit = False  # a read's (ReadOnlySession); the next may write

    return engine


def _ping_when_idle(engine: Engine) -> None:
    """Check a pooled connection before use only if it sat idle for PING_AFTER_IDLE_SECONDS.

    SQLAlchemy's pool_pre_ping sends "SELECT 1" on every checkout: one more round trip per
    transaction (on a loaded machine a quarter of an authenticated read's throughput; on a quiet
    one within the noise: docs/performance.md). A connection that was in use a moment ago is alive; one
    that sat in the pool while the server restarted is caught here and replaced (the pool tries
    three times). If the server restarts within the window, the first statement on a dead
    connection fails (the request gets a 503, nothing is written) and SQLAlchemy, seeing a
    disconnect, invalidates every connection pooled before it, so one failure clears them all.
    """

    @event.listens_for(engine, "connect")
    @event.listens_for(engine, "checkin")
    def _note_time(_dbapi_connection, record):
        record.info["last_used"] = time.monotonic()

    @event.listens_for(engine, "checkout")
    def _ping(dbapi_connection, record, _proxy):
        if time.monotonic() - record.info.get("last_used", 0.0) <= PING_AFTER_IDLE_SECONDS:
            return
        cursor = dbapi_connection.cursor()
        try:
            cursor.execute("SELECT 1")
            dbapi_connection.rollback()  # end the transaction psycopg2 began for it
        except Exception as error:  # the server closed it while it sat in the pool
            raise exc.DisconnectionError(str(error)) from error
        finally:
            with suppress(Exception):  # a dead connection's cursor may not close
                cursor.close()


def migrate(engine: Engine, service_migrations: Path | None) -> list[str]:
    """Bring a service's database up to date: the kernel's tables, then the service's own.

    Returns the heads it moved to (empty if the database was up to date). Safe to run from several
    processes at once (replicas of a service starting together): on PostgreSQL the upgrade runs
    in one transaction holding an advisory lock, so one process migrates and the others wait,
    then find nothing to do. SQLite is for one instance per service (see docs/operations.md).
    """
    from alembic.runtime.migration import MigrationContext

    locations = [str(KERNEL_MIGRATIONS / "versions")]
    if service_migrations is not None:
        locations.append(str(service_migrations))
    cfg = Config()
    cfg.set_main_option("script_location", str(KERNEL_MIGRATIONS))
    cfg.set_main_option("version_locations", " ".join(locations))
    cfg.set_main_option("path_separator", "space")
    with engine.begin() as connection:
        if connection.dialect.name == "postgresql":
            connection.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": MIGRATION_LOCK})
        before = set(MigrationContext.configure(connection).get_current_heads())
        cfg.attributes["connection"] = connection
        command.upgrade(cfg, "heads")
        after = set(MigrationContext.configure(connection).get_current_heads())
    return sorted(after - before)


class ReadOnlySession(Session):
    """What ``Sessions()`` gives: a session for reading.

    Until it is told otherwise it reads (on PostgreSQL in autocommit mode, see ``Sessions``),
    and flushing a change or running an ORM insert, update or delete raises: in autocommit a
    write would be saved at once, not rolled back with the session, so it is a programming error
    on every database (the tests, mostly on SQLite, find it). ``session.begin()`` on it opens an
    ordinary transaction, in which it may write.
    """


class WritingInAReadSession(RuntimeError):
    pass


def _reading(session) -> bool:
    """Inside the transaction a read began by itself, not one opened with ``begin()``."""
    transaction = session.get_transaction()
    return transaction is None or transaction.origin is SessionTransactionOrigin.AUTOBEGIN


@event.listens_for(ReadOnlySession, "before_flush")
def _refuse_flush(session, _context, _instances):
    if _reading(session) and (session.new or session.deleted
                              or any(session.is_modified(o) for o in session.dirty)):
        raise WritingInAReadSession("a read session was asked to save a change; use a unit of "
                                    "work (Sessions.begin) to write")


@event.listens_for(ReadOnlySession, "do_orm_execute")
def _refuse_dml(state):
    if (state.is_insert or state.is_update or state.is_delete) and _reading(state.session):
        raise WritingInAReadSession("a read session was asked to run an INSERT, UPDATE or "
                                    "DELETE; use a unit of work (Sessions.begin) to write")


_PG_IDLE = 0  # psycopg2.extensions.TRANSACTION_STATUS_IDLE: connected, no transaction open


@event.listens_for(ReadOnlySession, "after_begin")
def _read_in_autocommit(session, _transaction, connection):
    """On PostgreSQL, before a read's first statement: psycopg2 sends BEGIN itself before the
    first statement unless the connection is in autocommit mode, and then the ROLLBACK at the
    end has nothing to end (the pool's checkin turns autocommit off again: make_engine)."""
    if connection.dialect.name != "postgresql" or not _reading(session):
        return
    dbapi_connection = connection.connection.dbapi_connection
    if dbapi_connection.info.transaction_status == _PG_IDLE:  # else read in that transaction
        dbapi_connection.autocommit = True


class Sessions(sessionmaker):
    """Sessions on one engine: ``sessions()`` opens one that reads, ``begin()`` a unit of work
    that writes.

    SQLite allows one writer at a time, and while its C code waits for the write lock it blocks
    the whole eventlet hub: a worker holding the lock across an RPC (a call to identity inside a
    transaction) could then never finish, and both failed after the busy timeout. So on SQLite
    a unit of work first takes a lock of this process (green under eventlet, re-entrant), and a
    second writer waits for it cooperatively. Reads, which WAL never blocks, take no lock.
    PostgreSQL needs none.

    On PostgreSQL a read runs in autocommit mode: psycopg2 then sends no ``BEGIN`` before its
    first statement and the pool no ``ROLLBACK`` when the connection goes back, two of a one-query
    read's three round trips. It sees the same data: in READ COMMITTED (PostgreSQL's default,
    and ours) each statement of a transaction sees what was committed when it started anyway.
    """

    def __init__(self, engine: Engine):
        super().__init__(bind=engine, expire_on_commit=False)
        self._writer = threading.RLock() if engine.dialect.name == "sqlite" else None

    def __call__(self, **local_kw) -> Session:
        return ReadOnlySession(**{**self.kw, **local_kw})

    @contextmanager
    def begin(self):
        with self._writer or nullcontext(), self.class_(**self.kw) as session, session.begin():
            yield session


def session_factory(engine: Engine) -> Sessions:
    return Sessions(engine)


@contextmanager
def transaction(factory: sessionmaker):
    """A unit of work: commit if the block succeeds, roll back if it raises."""
    with factory.begin() as session:
        yield session
