"""Handler queues are quorum queues; one an older version declared classic keeps working as it
is (RabbitMQ refuses to redeclare a queue as another type), with a warning saying so."""
import base64
import json
import logging
import time
import urllib.request
from urllib.parse import quote, urlparse

import pytest
from kombu import Connection, Exchange, Queue

from involve.kernel.handlers import queue_name
from involve.kernel.nameko_parts import Database, api, on_event
from tests.support.running import start_service

SEEN = []


class ListeningService:
    name = "listening"
    db = Database()

    @on_event("announcer", "news.told")
    def hear(self, event):
        SEEN.append(event["id"])

    @api
    def ping(self):
        return "pong"


def queue_types(management_uri, amqp_uri):
    """{queue name: type} in the test's vhost, from RabbitMQ's management API."""
    vhost = urlparse(amqp_uri).path[1:]
    parts = urlparse(management_uri)
    request = urllib.request.Request(
        f"{parts.scheme}://{parts.hostname}:{parts.port}/api/queues/{quote(vhost, safe='')}")
    token = base64.b64encode(f"{parts.username}:{parts.password}".encode()).decode()
    request.add_header("Authorization", f"Basic {token}")
    with urllib.request.urlopen(request, timeout=10) as response:
        return {q["name"]: q["type"] for q in json.loads(response.read())}


def tell(uri, n):
    with Connection(uri, transport_options={"confirm_publish": True}) as connection:
        exchange = Exchange("announcer.events", type="topic", durable=True)
        connection.Producer().publish({"id": f"news-{n}", "type": "news", "data": {}},
                                      exchange=exchange, routing_key="news.told",
                                      declare=[exchange], serializer="json")


def wait_for(ids, timeout=10):
    deadline = time.monotonic() + timeout
    while not set(ids) <= set(SEEN) and time.monotonic() < deadline:
        time.sleep(0.05)
    return set(ids) <= set(SEEN)


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
def test_handler_queues_are_quorum(service_config, container_factory, rabbit_server):
    SEEN.clear()
    start_service(container_factory, ListeningService)
    tell(service_config["AMQP_URI"], 1)
    assert wait_for(["news-1"])
    name = queue_name("announcer", "news.told", "listening", "hear")
    types = queue_types(rabbit_server.management_uri, service_config["AMQP_URI"])
    assert types[name] == types[name + ".retry"] == types[name + ".parked"] == "quorum"
    assert types["rpc-listening"] == "classic"  # RPC_QUEUE_TYPE's default


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
def test_a_classic_queue_left_by_an_older_version_is_used_as_it_is(
        service_config, container_factory, rabbit_server, caplog):
    SEEN.clear()
    name = queue_name("announcer", "news.told", "listening", "hear")
    exchange = Exchange("announcer.events", type="topic", durable=True)
    with Connection(service_config["AMQP_URI"]) as connection:  # as Nameko's default made it
        Queue(name, exchange, routing_key="news.told", durable=True)(
            connection.default_channel).declare()
    tell(service_config["AMQP_URI"], 2)  # waiting in the old queue before the upgrade
    caplog.set_level(logging.WARNING)
    start_service(container_factory, ListeningService)
    tell(service_config["AMQP_URI"], 3)
    assert wait_for(["news-2", "news-3"])
    assert queue_types(rabbit_server.management_uri, service_config["AMQP_URI"])[name] == "classic"
    assert [r for r in caplog.records if name in r.getMessage()
            and "already exists as a classic queue" in r.getMessage()]
