"""The kernel's RPC server runs a request at most once, even when the broker hands it over again.

A broker killed with SIGKILL forgets acknowledgements it had received but not yet written down,
and after its restart delivers those requests again with the same correlation id. Here the
second delivery is made by hand (the same request published twice), which is what the service
sees either way.
"""
import json
import time
import uuid

import pytest
from kombu import Connection, Exchange, Queue

from involve.kernel.nameko_parts import api
from involve.kernel.rpc import RpcClient, call
from tests.support.running import start_container, start_service

CALLS = []


class CountingService:
    name = "counting"

    @api
    def record(self, marker):
        CALLS.append(marker)
        return marker


def request(uri, reply_queue, correlation_id, marker):
    with Connection(uri, transport_options={"confirm_publish": True}) as connection:
        connection.Producer().publish(
            {"args": [marker], "kwargs": {}}, exchange=Exchange("nameko-rpc", type="topic",
                                                                durable=True),
            routing_key="counting.record", serializer="json", reply_to=reply_queue,
            correlation_id=correlation_id, expiration=8)


def replies(uri, queue, want, timeout=10.0):
    """The replies in ``queue`` once there are ``want`` (or the timeout), then a little more."""
    got, deadline = [], time.monotonic() + timeout
    with Connection(uri) as connection:
        channel = connection.channel()
        while time.monotonic() < deadline:
            message = channel.basic_get(queue, no_ack=True)
            if message is None:
                if len(got) >= want:
                    break
                time.sleep(0.1)
                continue
            got.append((message.properties.get("correlation_id"),
                        json.loads(message.body)["result"]))
        time.sleep(1.0)  # a second reply would show up by now
        while (message := channel.basic_get(queue, no_ack=True)) is not None:
            got.append((message.properties.get("correlation_id"),
                        json.loads(message.body)["result"]))
    return got


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
def test_a_request_delivered_twice_is_run_once(service_config, container_factory):
    CALLS.clear()
    uri = service_config["AMQP_URI"]
    start_service(container_factory, CountingService)
    reply_queue = f"test-replies-{uuid.uuid4()}"
    with Connection(uri) as connection:
        Queue(reply_queue, Exchange("nameko-rpc", type="topic", durable=True),
              routing_key=reply_queue, auto_delete=True)(connection.default_channel).declare()
        same = str(uuid.uuid4())
        request(uri, reply_queue, same, "care service A")
        request(uri, reply_queue, same, "care service A")  # as a restarted broker would
        other = str(uuid.uuid4())
        request(uri, reply_queue, other, "care service B")  # another request still runs
        got = replies(uri, reply_queue, want=2)
    assert sorted(CALLS) == ["care service A", "care service B"]
    assert sorted(got) == sorted([(same, "care service A"), (other, "care service B")])


class CallerService:
    """Calls another service the way the gateway does (the kernel's RPC client)."""
    name = "caller"
    rpc = RpcClient()

    @api
    def relay(self, marker):
        return call(self.rpc.counting.record, marker)


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
def test_a_caller_whose_reply_queue_vanished_gets_answers_again(service_config,
                                                                container_factory):
    """The client declares its reply queue once per connection, not before every request; so
    if the queue is deleted under it (by an operator, or expired), its listener must declare it
    again, or every later call would wait for a reply with nowhere to go."""
    from nameko.standalone.rpc import ClusterRpcClient

    CALLS.clear()
    uri = service_config["AMQP_URI"]
    start_service(container_factory, CountingService)
    caller, _ = start_container(container_factory, CallerService)
    reply_queue = next(e for e in caller.extensions if isinstance(e, RpcClient)
                       ).reply_listener.queue.name
    with ClusterRpcClient(uri=uri, timeout=30) as client:
        assert client.caller.relay("before") == "before"
        with Connection(uri) as connection:
            connection.default_channel.queue_delete(reply_queue)
        answered, deadline = None, time.monotonic() + 60
        while answered is None and time.monotonic() < deadline:
            try:  # a call made before the listener declared the queue again gets a 503
                answered = client.caller.relay("after")
            except Exception:  # noqa: BLE001 - the 503 of a lost reply; try again
                time.sleep(0.5)
    assert answered == "after"
    with Connection(uri) as connection:  # the queue is there again
        connection.default_channel.queue_declare(reply_queue, passive=True)
