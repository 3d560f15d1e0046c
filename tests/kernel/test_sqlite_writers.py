"""On SQLite, a unit of work that waits for something (an RPC, say) while it holds the write lock
must not freeze the service: a second writer waits its turn and both are saved."""
import eventlet
from sqlalchemy import Column, Integer, MetaData, String, Table, select

from involve.kernel.db import make_engine, session_factory, transaction

notes = Table("notes", MetaData(), Column("n", Integer, primary_key=True), Column("text", String))


def test_a_writer_that_waits_inside_its_transaction_does_not_block_other_writers(tmp_path):
    engine = make_engine(f"sqlite:///{tmp_path / 'service.db'}")
    notes.metadata.create_all(engine)
    sessions = session_factory(engine)
    ticks = []

    def slow_writer():
        with transaction(sessions) as session:
            session.execute(notes.insert().values(text="first"))
            session.flush()  # holds SQLite's write lock from here
            eventlet.sleep(0.5)  # as a call to another service would

    def second_writer():
        with sessions.begin() as session:  # the outbox relay's way in
            session.execute(notes.insert().values(text="second"))

    def ticker():  # the rest of the service (heartbeats, other requests) keeps running
        for _ in range(10):
            ticks.append(1)
            eventlet.sleep(0.05)

    first = eventlet.spawn(slow_writer)
    eventlet.sleep(0.05)
    second, clock = eventlet.spawn(second_writer), eventlet.spawn(ticker)
    first.wait()
    second.wait()  # before the lock this raised "database is locked" after the busy timeout
    clock.wait()
    assert len(ticks) == 10
    with sessions() as session:
        assert session.scalars(select(notes.c.text).order_by(notes.c.n)).all() == ["first", "second"]
    engine.dispose()


def test_a_unit_of_work_may_open_another_inside_it(tmp_path):
    engine = make_engine(f"sqlite:///{tmp_path / 'service.db'}")
    notes.metadata.create_all(engine)
    sessions = session_factory(engine)
    with eventlet.Timeout(5):  # the same worker taking the lock again does not wait for itself
        assert _nested(sessions) == ["inner"]
    engine.dispose()


def _nested(sessions):
    with transaction(sessions) as outer:
        outer.execute(select(notes.c.n)).all()
        with sessions.begin() as inner:
            inner.execute(notes.insert().values(text="inner"))
    with sessions() as session:
        return session.scalars(select(notes.c.text)).all()
