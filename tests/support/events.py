"""Listen to a service's events exchange as an integrator would: a plain kombu consumer."""
from __future__ import annotations

from contextlib import contextmanager

from kombu import Connection, Exchange, Queue


@contextmanager
def listening(amqp_uri: str, service: str, pattern: str = "#"):
    """Bind a fresh exclusive queue to ``<service>.events``; yields ``wait_for(count, timeout)``,
    which waits until that many events have arrived and returns every event received so far."""
    connection = Connection(amqp_uri)
    exchange = Exchange(f"{service}.events", type="topic", durable=True)
    queue = Queue(f"{service}-integrator-test", exchange, routing_key=pattern, exclusive=True)
    received = []
    consumer = connection.Consumer(queue, accept=["json"], callbacks=[
        lambda body, message: (received.append(body), message.ack())])
    consumer.consume()

    def wait_for(count, timeout=10):
        try:
            while len(received) < count:
                connection.drain_events(timeout=timeout)
        except TimeoutError:
            pass
        return received

    try:
        yield wait_for
    finally:
        consumer.cancel()
        connection.release()
