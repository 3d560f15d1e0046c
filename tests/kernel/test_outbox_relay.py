"""The outbox relay's publisher on a real broker: a batch goes out in order and is confirmed
once; when its connection is lost it says how many went, and the next batch opens a new one."""
import time
import uuid

from kombu import Connection, Exchange, Queue

from involve.kernel.events import envelope
from involve.kernel.nameko_parts import BatchPublisher


def _drain(amqp_uri, queue, expected, timeout=10):
    got = []
    with Connection(amqp_uri) as connection:
        simple = connection.SimpleQueue(queue)
        deadline = time.monotonic() + timeout
        while len(got) < expected and time.monotonic() < deadline:
            try:
                message = simple.get(timeout=0.5)
            except simple.Empty:
                continue
            got.append((message.delivery_info["routing_key"], message.payload["data"]["n"]))
            message.ack()
        simple.close()
    return got


def _events(first, count):
    return [(f"thing.e{n % 5}", envelope("testsvc", f"thing.e{n % 5}", {"n": n}))
            for n in range(first, first + count)]


def test_a_batch_is_published_in_order_and_after_a_lost_connection_the_next_one_goes(
        amqp_uri_for_clients, rabbit_manager):
    exchange = Exchange(f"batch-{uuid.uuid4().hex[:8]}.events", type="topic", durable=True)
    queue = Queue(f"batch-{uuid.uuid4().hex[:8]}", exchange, routing_key="#", durable=False,
                  auto_delete=False)
    with Connection(amqp_uri_for_clients) as connection:
        queue(connection.channel()).declare()
    publisher = BatchPublisher(amqp_uri_for_clients, exchange)
    try:
        assert publisher.publish(_events(0, 50)) == 50
        assert publisher.publish([]) == 0
        # the broker drops the publisher's connection (a restart, a network blip)
        vhost = amqp_uri_for_clients.rsplit("/", 1)[-1]
        deadline = time.monotonic() + 30  # the management API lists a connection late
        while not (dropped := [c["name"] for c in rabbit_manager.get_connections()
                               if c["vhost"] == vhost]) and time.monotonic() < deadline:
            time.sleep(0.2)
        for name in dropped:
            rabbit_manager._delete("connections", name)
        assert dropped
        time.sleep(0.5)
        try:
            went = publisher.publish(_events(50, 10))
        except Exception:  # noqa: BLE001 - the lost connection shows as an error: none counted
            went = 0
        assert went in (0, 10)  # never a partial count that would skip an event
        assert publisher.publish(_events(50 + went, 10 - went)) == 10 - went
        assert publisher.publish(_events(60, 5)) == 5
    finally:
        publisher.close()
    got = _drain(amqp_uri_for_clients, queue, 65)
    assert [n for _, n in got] == list(range(65))
    assert got[7] == ("thing.e2", 7)
