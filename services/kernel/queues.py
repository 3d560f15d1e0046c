"""Which kind of RabbitMQ queue each of the platform's queues is, and living with old ones.

``EVENT_QUEUE_TYPE`` (default ``quorum``) is for the durable queues that hold events: each
handler's queue, its ``.retry`` and ``.parked`` queues. ``RPC_QUEUE_TYPE`` (default
``classic``; ``quorum`` on a cluster) is for each service's ``rpc-<service>`` request queue and
the reply queue of each running process. See docs/decisions.md and docs/operations.md.

RabbitMQ refuses to redeclare an existing queue as another type (PRECONDITION_FAILED, which
closes the channel and, in Nameko's consumer, would kill the service). So before a consumer
declares its queue we try the configured type; if the queue already exists as the other type
we keep using it as it is and log a warning saying how to move it (docs/operations.md).
"""
from __future__ import annotations

import logging
from collections.abc import Callable

from amqp.exceptions import PreconditionFailed
from kombu import Connection, Queue

from . import settings

log = logging.getLogger(__name__)

TYPES = ("classic", "quorum")


def queue_type(kind: str) -> str:
    key = {"event": "EVENT_QUEUE_TYPE", "rpc": "RPC_QUEUE_TYPE"}[kind]
    value = str(settings.get(key) or "classic").lower()
    if value not in TYPES:
        raise ValueError(f"{key} must be one of {', '.join(TYPES)}, not {value!r}")
    return value


def type_arguments(kind_or_type: str) -> dict:
    chosen = kind_or_type if kind_or_type in TYPES else queue_type(kind_or_type)
    return {"x-queue-type": "quorum"} if chosen == "quorum" else {}


def dead_letter_arguments(chosen: str) -> dict:
    """Dead-lettering out of a quorum queue is at most once unless asked for at least once."""
    if chosen == "quorum":
        return {"x-dead-letter-strategy": "at-least-once", "x-overflow": "reject-publish"}
    return {}


def _declares(queue: Queue, connection: Connection) -> bool:
    channel = connection.channel()
    try:
        queue(channel).declare()
        return True
    except PreconditionFailed:
        return False
    finally:
        try:
            channel.close()
        except Exception:  # noqa: BLE001 - closed by the broker already
            pass


def durable_queue(queue: Queue, kind: str, amqp_uri: str,
                  extra: Callable[[str], dict] | None = None) -> Queue:
    """``queue`` declared with the configured type, or as it already exists on the broker.

    ``extra(type)`` gives any further arguments that depend on the type.
    """
    def variant(chosen: str) -> Queue:
        args = {k: v for k, v in (queue.queue_arguments or {}).items() if k != "x-queue-type"}
        args.update(type_arguments(chosen))
        if extra is not None:
            args.update(extra(chosen))
        return Queue(queue.name, exchange=queue.exchange, routing_key=queue.routing_key,
                     durable=queue.durable, auto_delete=queue.auto_delete,
                     exclusive=queue.exclusive, queue_arguments=args or None)

    wanted = queue_type(kind)
    with Connection(amqp_uri) as connection:
        preferred = variant(wanted)
        if _declares(preferred, connection):
            return preferred
        other = "classic" if wanted == "quorum" else "quorum"
        existing = variant(other)
        if _declares(existing, connection):
            log.warning("queue %s already exists as a %s queue, not %s as configured; using it "
                        "as it is (docs/operations.md says how to move it)", queue.name, other,
                        wanted)
            return existing
    raise RuntimeError(f"queue {queue.name} exists with arguments this version cannot match; "
                       "see docs/operations.md")


def settle(queue: Queue, kind: str, amqp_uri: str) -> None:
    """Give ``queue`` (already handed to a consumer) the arguments it will be declared with."""
    queue.queue_arguments = durable_queue(queue, kind, amqp_uri).queue_arguments
