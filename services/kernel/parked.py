"""Reading and replaying parked events (``involve events parked`` / ``involve events replay``).

A parked queue is browsed by taking its messages without acknowledging them and then closing
the channel, which gives them all back to the queue unchanged. Replaying one publishes it,
with its attempts reset, to its handler's queue (publisher confirms) and only then takes it
out of the parked queue.
"""
from __future__ import annotations

from dataclasses import dataclass

from amqp.exceptions import NotFound
from kombu import Connection

from .handlers import ATTEMPTS, ERROR, HANDLER, PARKED_AT, QUEUE


@dataclass
class Parked:
    event_id: str
    type: str
    handler: str
    attempts: int
    error: str
    parked_at: str
    queue: str


def _describe(message, queue: str) -> Parked:
    headers = message.headers or {}
    props = message.properties
    return Parked(
        event_id=str(props.get("message_id") or "unknown"),
        type=str(props.get("type") or ""),
        handler=str(headers.get(HANDLER, "")),
        attempts=int(headers.get(ATTEMPTS, 0) or 0),
        error=str(headers.get(ERROR, "")),
        parked_at=str(headers.get(PARKED_AT, "")),
        queue=str(headers.get(QUEUE) or queue.removesuffix(".parked")),
    )


def _browse(channel, queue: str):
    """Every message in ``queue``, unacknowledged (given back when the channel closes)."""
    try:
        _, count, _ = channel.queue_declare(queue, passive=True)
    except NotFound:
        return []
    found = []
    for _ in range(count):
        message = channel.basic_get(queue, no_ack=False)
        if message is None:
            break
        found.append(message)
    return found


def _message_id(message) -> str:
    return str(message.properties.get("message_id") or "")


def list_parked(amqp_uri: str, queues: list[str]) -> list[Parked]:
    out = []
    with Connection(amqp_uri) as connection:
        for queue in queues:
            channel = connection.channel()
            try:
                out.extend(_describe(m, queue) for m in _browse(channel, queue))
            except NotFound:
                pass
            finally:
                channel.close()
    return out


def replay(amqp_uri: str, queues: list[str], event_id: str | None = None) -> list[Parked]:
    """Send parked events (one by id, or all when ``event_id`` is None) back to their handlers.
    Returns what was sent."""
    sent = []
    with Connection(amqp_uri, transport_options={"confirm_publish": True}) as connection:
        producer = connection.Producer()
        for queue in queues:
            channel = connection.channel()
            try:
                for message in _browse(channel, queue):
                    if event_id is not None and _message_id(message) != event_id:
                        continue
                    parked = _describe(message, queue)
                    headers = {k: v for k, v in (message.headers or {}).items()
                               if not k.startswith("x-involve-") and k != "x-death"}
                    producer.publish(
                        message.body, exchange="", routing_key=parked.queue,
                        content_type=message.properties.get("content_type"),
                        content_encoding=message.properties.get("content_encoding"),
                        headers={**headers, ATTEMPTS: 0, "x-involve-replayed": 1},
                        message_id=message.properties.get("message_id"),
                        type=message.properties.get("type"), delivery_mode=2,
                    )
                    channel.basic_ack(message.delivery_info["delivery_tag"])
                    sent.append(parked)
            finally:
                channel.close()
    return sent
