"""A process that creates an organisation and then dies, to prove the outbox loses nothing.

Usage: python -m tests.support.crash_after_commit MODE AMQP_URI DATABASE_URL NAME
MODE "before-publish": commit, then die before the relay publishes anything.
MODE "after-publish": commit, publish for real, then die before marking the event sent.
"""
import warnings

warnings.filterwarnings("ignore", message=r"(?s).*Eventlet is deprecated")

import eventlet  # noqa: E402

eventlet.monkey_patch()

import os  # noqa: E402
import sys  # noqa: E402
from pathlib import Path  # noqa: E402

from nameko.amqp.publish import Publisher  # noqa: E402
from nameko.standalone.events import get_event_exchange  # noqa: E402

import involve.identity  # noqa: E402
from involve.identity import organisations  # noqa: E402
from involve.kernel import outbox  # noqa: E402
from involve.kernel.db import make_engine, migrate, session_factory, transaction  # noqa: E402


def main(mode, amqp_uri, database_url, name):
    engine = make_engine(database_url)
    migrate(engine, Path(involve.identity.__file__).parent / "migrations")
    sessions = session_factory(engine)

    def record(session, event_type, data, **kw):
        return outbox.record(session, "identity", event_type, data, **kw)

    with transaction(sessions) as session:
        organisations.create(session, record, {"name": name})
    if mode == "before-publish":
        os._exit(17)
    exchange = get_event_exchange("identity")
    publisher = Publisher(amqp_uri, use_confirms=True, serializer="json", declare=[exchange])

    def publish_then_die(routing_key, envelope):
        publisher.publish(envelope, exchange=exchange, routing_key=routing_key,
                          message_id=envelope["id"])
        os._exit(17)  # the broker has it; the outbox row is still marked unsent

    outbox.relay_pending(sessions, publish_then_die)


if __name__ == "__main__":
    main(*sys.argv[1:])
