"""One service's own database for plain-module tests, and a record_event stand-in that keeps
what was recorded: the same two fixtures every service's tests need."""
from __future__ import annotations

import importlib
from contextlib import contextmanager
from pathlib import Path


@contextmanager
def service_sessions(database_url: str, service: str):
    """A session factory on a fresh, migrated database of ``service`` (e.g. "feedback")."""
    from involve.kernel.db import make_engine, migrate, session_factory

    package = importlib.import_module(f"involve.{service}")
    engine = make_engine(database_url.replace("{service}", service))
    migrate(engine, Path(package.__file__).parent / "migrations")
    try:
        yield session_factory(engine)
    finally:
        engine.dispose()


def event_recorder(service: str):
    """A record_event that writes the outbox row as the service would and keeps
    (type, data, envelope args) in ``.seen`` for the test to read."""
    from involve.kernel import outbox

    seen = []

    def record(session, event_type, data, **kw):
        seen.append((event_type, data, kw))
        return outbox.record(session, service, event_type, data, **kw)

    record.seen = seen
    return record


@contextmanager
def statements_on(sessions, table: str):
    """Record the INSERT statements sent to the database for ``table`` while the block runs:
    a list of (statement's SQL, rows it carried (executemany counts each))."""
    from sqlalchemy import event

    engine = sessions.kw["bind"]
    seen: list = []

    def before(conn, cursor, statement, parameters, context, executemany):
        if statement.lstrip().upper().startswith(f"INSERT INTO {table.upper()} "):
            seen.append((statement, len(parameters) if executemany else 1))

    event.listen(engine, "before_cursor_execute", before)
    try:
        yield seen
    finally:
        event.remove(engine, "before_cursor_execute", before)
