"""The outbox and idempotency helpers against real SQLite and PostgreSQL databases."""
import pytest
from sqlalchemy import Column, Integer, MetaData, String, Table, select

from involve.kernel import catalogue, outbox
from involve.kernel.db import make_engine, migrate, session_factory, transaction
from involve.kernel.idempotency import first_time

things = Table("things", MetaData(), Column("id", Integer, primary_key=True), Column("name", String(50)))

# testsvc is not a registered service, so it declares its event types in code.
_THING = {"type": "object", "x-involve-classification": "internal", "x-involve-organisation": False,
          "additionalProperties": False, "properties": {"thing_id": {"type": "integer"}},
          "required": ["thing_id"], "examples": [{"thing_id": 1}]}
_NUMBERED = {"type": "object", "x-involve-classification": "internal", "x-involve-organisation": False,
             "properties": {"n": {"type": "integer"}}, "required": ["n"], "examples": [{"n": 0}]}
catalogue.declare("testsvc", "thing.created", _THING)
for _n in range(5):
    catalogue.declare("testsvc", f"thing.e{_n}", _NUMBERED)


@pytest.fixture
def sessions(database_url):
    engine = make_engine(database_url.replace("{service}", "testsvc"))
    migrate(engine, None)
    things.create(engine)
    yield session_factory(engine)
    engine.dispose()


def _pending(sessions):
    with sessions() as s:
        return s.execute(select(outbox.outbox.c.routing_key).where(outbox.outbox.c.sent_at.is_(None))
                         .order_by(outbox.outbox.c.seq)).scalars().all()


def test_migrations_are_repeatable(database_url):
    engine = make_engine(database_url.replace("{service}", "testsvc"))
    migrate(engine, None)
    migrate(engine, None)  # a second start must not fail or change anything
    assert outbox.pending_count(session_factory(engine)) == 0
    engine.dispose()


def test_event_is_stored_with_the_change(sessions):
    with transaction(sessions) as s:
        s.execute(things.insert().values(id=1, name="first"))
        message = outbox.record(s, "testsvc", "thing.created", {"thing_id": 1}, subject="1")
    assert message["type"] == "involve.testsvc.thing.created.v1"
    assert _pending(sessions) == ["thing.created"]


def test_no_event_when_the_change_rolls_back(sessions):
    with pytest.raises(RuntimeError), transaction(sessions) as s:
        s.execute(things.insert().values(id=2, name="second"))
        outbox.record(s, "testsvc", "thing.created", {"thing_id": 2})
        raise RuntimeError("the change failed")
    assert _pending(sessions) == []
    with sessions() as s:
        assert s.execute(select(things)).all() == []


def test_relay_publishes_in_order_and_marks_sent(sessions):
    for n in range(3):
        with transaction(sessions) as s:
            outbox.record(s, "testsvc", f"thing.e{n}", {"n": n})
    published = []
    assert outbox.relay_pending(sessions, lambda key, env: published.append((key, env["data"]))) == 3
    assert published == [("thing.e0", {"n": 0}), ("thing.e1", {"n": 1}), ("thing.e2", {"n": 2})]
    assert _pending(sessions) == []
    assert outbox.relay_pending(sessions, lambda *a: published.append(a)) == 0


def test_failed_publish_keeps_the_event_and_the_order(sessions):
    for n in range(3):
        with transaction(sessions) as s:
            outbox.record(s, "testsvc", f"thing.e{n}", {"n": n})
    calls = []

    def flaky(key, env):
        calls.append(key)
        if key == "thing.e1":
            raise ConnectionError("broker went away")

    with pytest.raises(outbox.RelayError, match="broker went away"):
        outbox.relay_pending(sessions, flaky)
    assert _pending(sessions) == ["thing.e1", "thing.e2"]  # e2 waits behind e1
    assert outbox.relay_pending(sessions, lambda key, env: calls.append(key)) == 2
    assert calls == ["thing.e0", "thing.e1", "thing.e1", "thing.e2"]


def test_handler_acts_once_per_event(sessions):
    with transaction(sessions) as s:
        assert first_time(s, "event-1", "counter") is True
    with transaction(sessions) as s:
        assert first_time(s, "event-1", "counter") is False
        assert first_time(s, "event-1", "another-handler") is True


def test_handled_mark_rolls_back_with_the_handler(sessions):
    with pytest.raises(RuntimeError), transaction(sessions) as s:
        first_time(s, "event-2", "counter")
        raise RuntimeError("handler crashed")
    with transaction(sessions) as s:
        assert first_time(s, "event-2", "counter") is True  # redelivery is handled


def test_relayed_events_are_kept_for_the_retention_then_forgotten(sessions):
    """Kept so a consumer can be refilled (``involve reporting backfill``); never an unsent one."""
    from datetime import timedelta

    from involve.kernel.db import now

    for n in range(3):
        with transaction(sessions) as s:
            outbox.record(s, "testsvc", f"thing.e{n}", {"n": n})
    outbox.relay_pending(sessions, lambda key, env: None, batch_size=2)  # e2 stays unsent
    assert outbox.prune_sent(sessions, 30) == 0  # relayed just now: kept
    assert outbox.prune_sent(sessions, 0) == 0  # 0 keeps everything
    later = now() + timedelta(days=31)
    assert outbox.prune_sent(sessions, 30, at=later) == 2
    assert _pending(sessions) == ["thing.e2"] and outbox.retained_count(sessions) == 1
    assert outbox.prune_sent(sessions, 30, at=later + timedelta(days=400)) == 0


def test_replay_sends_every_retained_row_in_order_a_batch_at_a_time(sessions):
    for n in range(5):
        with transaction(sessions) as s:
            outbox.record(s, "testsvc", f"thing.e{n}", {"n": n})
    outbox.relay_pending(sessions, lambda key, env: None)
    got = []
    first = outbox.replay(sessions, lambda key, env: got.append(env["data"]["n"]), 0, 2)
    assert first["sent"] == 2 and first["remaining"] == 3 and got == [0, 1]
    rest = outbox.replay(sessions, lambda key, env: got.append(env["data"]["n"]),
                         first["last_seq"], 10)
    assert rest["sent"] == 3 and rest["remaining"] == 0 and got == [0, 1, 2, 3, 4]
    assert _pending(sessions) == []  # a replay marks nothing and relays nothing again

    def broken(key, env):
        raise ConnectionError("broker went away")

    with pytest.raises(ConnectionError):
        outbox.replay(sessions, broken, 0, 10)


def test_a_relayed_batch_is_marked_sent_in_one_commit(sessions):
    """Under load a service's writes queue for the database; a commit for every relayed event
    made the relay fall behind the writes it relays (docs/performance.md)."""
    from sqlalchemy import event

    for n in range(5):
        with transaction(sessions) as s:
            outbox.record(s, "testsvc", f"thing.e{n}", {"n": n})
    engine, commits = sessions.kw["bind"], []

    def count(_connection):
        commits.append(1)

    event.listen(engine, "commit", count)
    try:
        assert outbox.relay_pending(sessions, lambda key, env: None) == 5
    finally:
        event.remove(engine, "commit", count)
    assert len(commits) == 1 and _pending(sessions) == []
