"""Nothing accepted is lost when the webhooks service or the broker restarts.

The webhooks service runs as a real process (``involve service webhooks``) on a private RabbitMQ
node that this test stops and starts again. Events are published as identity publishes them
(persistent, on the durable identity.events exchange); the example receiver gets them.
"""
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

import pytest
from kombu import Connection, Exchange, Queue
from nameko import config

from involve.cli.rabbit import LocalRabbit, free_port
from involve.kernel.db import now, transaction
from involve.kernel.events import envelope
from involve.webhooks import endpoints, signing
from tests.support.databases import service_sessions
from tests.support.receivers import ExampleReceiver
from tests.support.running import wait_until_consumed

ORG = "286c5b55-4155-45e6-b557-7fb7bffe0665"
QUEUE = "evt-identity-#--webhooks.on_identity_event"


@pytest.fixture
def schemas():
    """The event schemas served as the gateway serves them (no gateway runs in this test)."""
    import json
    from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

    import eventlet

    from involve.kernel import catalogue

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self):  # noqa: N802
            event = catalogue.by_type(self.path.rsplit("/", 1)[-1][:-len(".json")])
            body = json.dumps(event.document(base)).encode()
            self.send_response(200)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args):
            pass

    server = ThreadingHTTPServer(("127.0.0.1", free_port()), Handler)
    base = f"http://127.0.0.1:{server.server_port}"
    thread = eventlet.spawn(server.serve_forever)
    with config.patch({"GATEWAY_URL": base}):
        yield base
    server.shutdown()
    thread.kill()


def _publish(amqp_uri: str, name: str) -> str:
    message = envelope("identity", "care_service.created",
                       {"care_service_id": name, "name": name, "kind": "housing", "region": None},
                       subject=name, organisation=ORG, classification="public")
    exchange = Exchange("identity.events", type="topic", durable=True)
    with Connection(amqp_uri) as connection:
        connection.Producer().publish(message, exchange=exchange, routing_key="care_service.created",
                                      serializer="json", delivery_mode=2, declare=[exchange],
                                      retry=True)
    return message["id"]


def _ids(receiver, count, timeout=30):
    return [e["webhook_id"] for e in receiver.wait_for(count, timeout) if e["answered"] == 204]


@pytest.fixture
def node():
    base = Path(tempfile.mkdtemp(prefix="involve-rabbit-webhooks-"))  # the rabbitmq user reads it
    rabbit = LocalRabbit(base, port=free_port(), management_port=free_port(),
                         nodename=f"involvewebhooks{os.getpid()}@localhost")
    rabbit.start()
    yield rabbit
    rabbit.stop()
    shutil.rmtree(base, ignore_errors=True)


def test_deliveries_survive_restarts_of_the_webhooks_service_and_the_broker(node, schemas,
                                                                             tmp_path):
    data = tmp_path / "data"
    receiver = ExampleReceiver(tmp_path)
    with (config.patch({"DATA_DIR": str(data), "WEBHOOKS_ALLOW_PRIVATE": True}),
          service_sessions(f"sqlite:///{data}/{{service}}.db", "webhooks") as sessions,
          transaction(sessions) as session):
        hook = endpoints.create(session, signing.load_box(), ORG, {
            "url": receiver.url, "event_types": ["care_service.created"]}, None, now())
    receiver.start(hook["secret"])
    env = {**os.environ, "INVOLVE_AMQP_URI": node.amqp_uri, "INVOLVE_DATA_DIR": str(data),
           "INVOLVE_WEBHOOKS_ALLOW_PRIVATE": "true", "INVOLVE_WEBHOOKS_POLL_SECONDS": "0.1",
           "INVOLVE_LOG_LEVEL": "WARNING", "INVOLVE_WEB_SERVER_ADDRESS": f"127.0.0.1:{free_port()}"}

    service_log = tmp_path / "webhooks-service.log"

    def start_service():
        with service_log.open("a") as log:
            return subprocess.Popen([sys.executable, "-m", "involve.cli.main", "service",
                                     "webhooks"], env=env, stdout=log, stderr=log)

    def what_happened():
        try:
            with Connection(node.amqp_uri) as connection:
                queue = Queue(QUEUE, channel=connection.channel()).queue_declare(passive=True)
                waiting = {"messages": queue.message_count, "consumers": queue.consumer_count}
        except Exception as exc:  # noqa: BLE001 - what the broker said is the finding
            waiting = repr(exc)
        return {"receiver": receiver.entries(), "queue": waiting,
                "service log": service_log.read_text()[-3000:]}

    service = start_service()
    try:
        wait_until_consumed(node.amqp_uri, [QUEUE])
        first = _publish(node.amqp_uri, "first")
        # a first delivery on a loaded machine waits for the new process to warm up
        assert _ids(receiver, 1, timeout=90) == [first], what_happened()

        # the service stops; an event is published while it is down; then the broker restarts
        # too: the event waits in the durable queue and is delivered once the service is back
        service.terminate()
        service.wait(30)
        while_down = _publish(node.amqp_uri, "while-the-service-is-down")
        node.stop()
        node.start()
        service = start_service()
        assert _ids(receiver, 2, timeout=90) == [first, while_down], what_happened()
        after = _publish(node.amqp_uri, "after-both-restarts")
        assert _ids(receiver, 3, timeout=60) == [first, while_down, after], what_happened()
        assert [e["answered"] for e in receiver.entries()] == [204, 204, 204]
    finally:
        service.terminate()
        service.wait(30)
        receiver.stop()
