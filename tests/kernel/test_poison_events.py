"""An event a handler cannot process is retried a few times with a pause, then parked in the
handler's own dead-letter queue; the events behind it go on; it can be listed and sent back."""
import json
import logging
import os
import subprocess
import sys
import time
import uuid

import pytest
from kombu import Connection, Exchange
from prometheus_client import REGISTRY
from sqlalchemy import select

from involve.kernel import parked as parked_events
from involve.kernel.events import envelope
from involve.kernel.handlers import queue_name
from involve.kernel.nameko_parts import Database, on_event
from tests.support.running import start_service

SECRET = "Ms Private Person, 12 Hidden Lane"  # must never reach a log line
HANDLED = []
BROKEN = {"now": True}


class PickyService:
    """Handles ``thing.happened``; fails on an event marked poison while BROKEN says so."""

    name = "picky"
    db = Database()

    @on_event("source", "thing.happened")
    def handle(self, event):
        if event["data"].get("poison") and BROKEN["now"]:
            raise ValueError(f"cannot handle {event['data']}")  # quotes the data on purpose
        HANDLED.append(event["id"])


def publish(uri, service, routing_key, body, **properties):
    with Connection(uri, transport_options={"confirm_publish": True}) as connection:
        exchange = Exchange(f"{service}.events", type="topic", durable=True)
        connection.Producer().publish(body, exchange=exchange, routing_key=routing_key,
                                      declare=[exchange], **properties)


def event(service, event_type, data):
    message = envelope(service, event_type, data)
    return message, {"message_id": message["id"], "type": message["type"], "serializer": "json"}


def wait_until(condition, timeout=15):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.05)
    return False


def parked_count(service, handler):
    return REGISTRY.get_sample_value("involve_events_parked_total",
                                     {"service": service, "handler": handler}) or 0


@pytest.fixture
def fast_retries(service_config):
    with service_config.patch({"EVENT_RETRIES": 2, "EVENT_RETRY_SECONDS": 0.2}):
        yield service_config


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
def test_a_poison_event_is_retried_then_parked_without_holding_up_the_rest(
        fast_retries, container_factory, caplog):
    HANDLED.clear()
    BROKEN["now"] = True
    uri = fast_retries["AMQP_URI"]
    caplog.set_level(logging.INFO)
    before = parked_count("picky", "handle")
    start_service(container_factory, PickyService)
    queue = queue_name("source", "thing.happened", "picky", "handle")

    poison, poison_props = event("source", "thing.happened", {"poison": True, "who": SECRET})
    publish(uri, "source", "thing.happened", poison, **poison_props)
    good = []
    for n in range(3):
        message, props = event("source", "thing.happened", {"n": n})
        good.append(message["id"])
        publish(uri, "source", "thing.happened", message, **props)
    # not even an event: text where JSON should be (Nameko would die on it)
    publish(uri, "source", "thing.happened", "garbage", content_type="text/plain",
            content_encoding="utf-8", message_id="not-an-event-1")

    # the events behind the poison are handled at once, before its first retry is due
    assert wait_until(lambda: set(good) <= set(HANDLED), timeout=5), HANDLED
    assert wait_until(lambda: len(parked_events.list_parked(uri, [queue + ".parked"])) == 2)
    found = {p.event_id: p for p in parked_events.list_parked(uri, [queue + ".parked"])}
    assert found[poison["id"]].attempts == 3  # the first try and two retries
    assert found[poison["id"]].error == "ValueError"
    assert found[poison["id"]].handler == "picky.handle"
    assert found["not-an-event-1"].error.startswith("unreadable message")
    assert parked_count("picky", "handle") - before == 2
    retries = [r for r in caplog.records if "retry" in r.getMessage()
               and poison["id"] in r.getMessage()]
    assert [r.getMessage().split("; ")[-1] for r in retries] == ["retry 1 of 2 in 0.2 s",
                                                                  "retry 2 of 2 in 0.4 s"]
    parked_lines = [r for r in caplog.records if r.levelno == logging.ERROR
                    and poison["id"] in r.getMessage() and "parked" in r.getMessage()]
    assert len(parked_lines) == 1
    assert not [r for r in caplog.records if SECRET in r.getMessage()
                or SECRET in (r.exc_text or "")]
    assert poison["id"] not in HANDLED

    # the bug is fixed: sent back, it is handled once and leaves the parked queue
    BROKEN["now"] = False
    sent = parked_events.replay(uri, [queue + ".parked"], poison["id"])
    assert [p.event_id for p in sent] == [poison["id"]]
    assert wait_until(lambda: poison["id"] in HANDLED)
    time.sleep(0.5)
    assert HANDLED.count(poison["id"]) == 1
    assert [p.event_id for p in parked_events.list_parked(uri, [queue + ".parked"])] == [
        "not-an-event-1"]


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
def test_involve_events_lists_and_replays_a_real_services_parked_event(
        fast_retries, container_factory, database_url):
    """feedback.route_story given a story id that is not an id: parked; the command line
    lists it (id, type, handler, attempts, error; never the data) and sends it back."""
    from involve.feedback.service import FeedbackService
    from involve.kernel.db import make_engine
    from involve.kernel.idempotency import handled_events

    uri = fast_retries["AMQP_URI"]
    start_service(container_factory, FeedbackService)
    bad, bad_props = event("feedback", "story.published", {"story_id": {"name": SECRET}})
    publish(uri, "feedback", "story.published", bad, **bad_props)
    fine, fine_props = event("feedback", "story.published", {"story_id": str(uuid.uuid4())})
    publish(uri, "feedback", "story.published", fine, **fine_props)

    env = {**os.environ, "INVOLVE_AMQP_URI": uri}

    def involve(*args):
        done = subprocess.run([sys.executable, "-m", "involve.cli.main", "events", *args],
                              env=env, capture_output=True, text=True, timeout=60)
        return done.returncode, done.stdout + done.stderr

    def listed():
        code, out = involve("parked", "--json")
        assert code == 0, out
        return json.loads(out)

    queue = queue_name("feedback", "story.published", "feedback", "route_story") + ".parked"
    assert wait_until(lambda: len(parked_events.list_parked(uri, [queue])) == 1, timeout=20)
    [entry] = listed()
    assert entry["event_id"] == bad["id"] and entry["handler"] == "feedback.route_story"
    assert entry["type"] == "involve.feedback.story.published.v1"
    assert entry["attempts"] == 3 and entry["error"] == "InvalidRequestError"
    code, text = involve("parked")
    assert code == 0 and bad["id"] in text and SECRET not in text and "1 parked event" in text

    engine = make_engine(database_url.replace("{service}", "feedback"))
    with engine.connect() as connection:  # the event behind it was handled
        handled = connection.execute(select(handled_events.c.event_id)).scalars().all()
    engine.dispose()
    assert fine["id"] in handled and bad["id"] not in handled

    code, text = involve("replay", bad["id"])
    assert code == 0 and f"Sent {bad['id']}" in text, text
    # still unfixable: tried again from the start and parked again, once
    assert wait_until(lambda: [(p.event_id, p.attempts) for p in parked_events.list_parked(
        uri, [queue])] == [(bad["id"], 3)], timeout=20)
    code, text = involve("replay", "no-such-event")
    assert code == 1 and "No parked event has the id no-such-event" in text
