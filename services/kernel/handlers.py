"""Event handlers that a bad event cannot jam: bounded retries with backoff, then parked.

Nameko's ``requeue_on_error`` puts a failing event back at the head of its queue at once,
forever: one event a handler can never process spins the handler and holds up the ones behind
it, and an event that is not even JSON kills the service. The kernel's handler instead:

* acknowledges an event only once it has been handled, or once a copy of it has been safely
  stored (publisher confirms) for a later try or in the parked queue, so nothing is lost;
* on failure, moves the event to ``<queue>.retry``, where it waits its pause (2 s, 4 s, 8 s ...
  up to 60 s; ``EVENT_RETRY_SECONDS``) and then falls back into the handler's queue, behind the
  events that arrived meanwhile;
* after ``EVENT_RETRIES`` retries (about two minutes with the defaults, longer than a database
  restart), or at once when the message is not an event at all, moves it to ``<queue>.parked``
  and says so with the event id and the kind of error, never the event's data; counted in
  ``involve_events_parked_total``. ``involve events parked`` lists them and ``involve events
  replay ID`` sends one back.

The attempt count travels in the message's ``x-involve-attempts`` header.
"""
from __future__ import annotations

import functools
import logging
import traceback
from datetime import UTC, datetime

from kombu import Queue
from nameko.amqp.publish import Publisher
from nameko.events import SERVICE_POOL
from nameko.events import EventHandler as NamekoEventHandler

from . import metrics, queues, settings
from .rpc import safe_ack, safe_requeue

log = logging.getLogger(__name__)

ATTEMPTS = "x-involve-attempts"
HANDLER = "x-involve-handler"
ERROR = "x-involve-error"
PARKED_AT = "x-involve-parked-at"
QUEUE = "x-involve-queue"
LONGEST_PAUSE = 60.0


def queue_name(source_service: str, event_type: str, service: str, method: str) -> str:
    """Nameko's name for a pooled handler's durable queue (what integrators see too)."""
    return f"evt-{source_service}-{event_type}--{service}.{method}"


def retry_queue(name: str) -> Queue:
    """Where a failed event waits its pause; when it expires it falls back into ``name``."""
    return Queue(name + ".retry", durable=True, queue_arguments={
        "x-dead-letter-exchange": "", "x-dead-letter-routing-key": name})


def parked_queue(name: str) -> Queue:
    return Queue(name + ".parked", durable=True)


def pause_before(attempt: int) -> float:
    """The pause before retry number ``attempt`` (1, 2, ...): doubling, at most a minute."""
    first = float(settings.get("EVENT_RETRY_SECONDS"))
    return min(first * 2 ** (attempt - 1), LONGEST_PAUSE)


def _where(exc: BaseException) -> str:
    """Where it failed (file:line in function), without the exception's message, which may
    quote the data."""
    frames = traceback.extract_tb(exc.__traceback__)[-3:]
    return " <- ".join(f"{f.filename.rsplit('/', 1)[-1]}:{f.lineno} in {f.name}"
                       for f in reversed(frames))


class EventHandler(NamekoEventHandler):
    """A pooled handler on a durable queue (one queue per handler, shared by the service's
    instances) with bounded retries and a parked queue of its own."""

    def __init__(self, source_service, event_type, **kwargs):
        super().__init__(source_service, event_type, handler_type=SERVICE_POOL,
                         reliable_delivery=True, requeue_on_error=False, **kwargs)

    @property
    def handler_id(self) -> str:
        return f"{self.container.service_name}.{self.method_name}"

    def setup(self):
        super().setup()
        name = self.queue.name
        queues.settle(self.queue, "event", self.amqp_uri)
        self.retry = queues.durable_queue(retry_queue(name), "event", self.amqp_uri,
                                          queues.dead_letter_arguments)
        self.parked = queues.durable_queue(parked_queue(name), "event", self.amqp_uri)
        # an undecodable message is parked, not raised (which would kill the service)
        self.consumer.consumer_options["on_decode_error"] = self._undecodable
        self.publisher = Publisher(self.amqp_uri, use_confirms=True)

    # --- delivery -------------------------------------------------------------------------
    def handle_message(self, body, message):
        if not isinstance(body, dict) or not isinstance(body.get("id"), str):
            self._park(message, "not an Involve event envelope", attempts=0)
            return
        super().handle_message(body, message)

    def handle_message_processed(self, message, result=None, exc_info=None):
        if exc_info is None:
            safe_ack(message)
            return
        exc = exc_info[1]
        kind = exc.kind if isinstance(exc, HandlerFailed) else type(exc).__name__
        where = exc.where if isinstance(exc, HandlerFailed) else _where(exc)
        attempts = _attempts(message) + 1
        retries = int(settings.get("EVENT_RETRIES"))
        event_id = _event_id(message)
        if attempts > retries:
            self._park(message, kind, attempts, where=where)
            return
        pause = pause_before(attempts)
        try:
            self._copy(message, self.retry.name, {ATTEMPTS: attempts}, expiration=pause)
        except Exception as trouble:  # noqa: BLE001 - the broker is away: it redelivers
            log.warning("event %s: %s failed (%s) and could not be set aside for a retry (%s); "
                        "the broker will deliver it again", event_id, self.handler_id,
                        kind, type(trouble).__name__)
            safe_requeue(message)
            return
        safe_ack(message)
        metrics.EVENTS_RETRIED.labels(self.container.service_name, self.method_name).inc()
        log.warning("event %s: %s failed (%s at %s); retry %d of %d in %g s", event_id,
                    self.handler_id, kind, where, attempts, retries, pause)

    def _undecodable(self, message, exc):
        self._park(message, f"unreadable message ({type(exc).__name__})", attempts=0)

    def _park(self, message, reason: str, attempts: int, where: str = "") -> None:
        event_id = _event_id(message)
        try:
            self._copy(message, self.parked.name, {
                ATTEMPTS: attempts, HANDLER: self.handler_id, ERROR: reason,
                PARKED_AT: datetime.now(UTC).isoformat(timespec="seconds"),
                QUEUE: self.queue.name,
            })
        except Exception as trouble:  # noqa: BLE001
            log.warning("event %s could not be parked (%s); the broker will deliver it again",
                        event_id, type(trouble).__name__)
            safe_requeue(message)
            return
        safe_ack(message)
        metrics.EVENTS_PARKED.labels(self.container.service_name, self.method_name).inc()
        log.error("event %s parked: %s could not handle it (%s%s) after %d attempt(s); see "
                  "`involve events parked`, and `involve events replay %s` once fixed",
                  event_id, self.handler_id, reason, f" at {where}" if where else "",
                  attempts, event_id)

    def _copy(self, message, queue: str, headers: dict, expiration: float | None = None):
        """Publish the message unchanged (same bytes and properties) to ``queue``, confirmed."""
        properties = message.properties
        self.publisher.publish(
            message.body, exchange="", routing_key=queue,
            content_type=properties.get("content_type"),
            content_encoding=properties.get("content_encoding"),
            headers={**(message.headers or {}), **headers},
            message_id=properties.get("message_id"), type=properties.get("type"),
            expiration=expiration,
        )


def _attempts(message) -> int:
    try:
        return int((message.headers or {}).get(ATTEMPTS, 0))
    except (TypeError, ValueError):
        return 0


def _event_id(message) -> str:
    """The event's id for a log line: its message id, or the envelope's, or 'unknown'."""
    found = message.properties.get("message_id")
    if not found:
        try:
            body = message.decode()
            found = body.get("id") if isinstance(body, dict) else None
        except Exception:  # noqa: BLE001 - not decodable: that is why it is being parked
            found = None
    return str(found or "unknown")[:64]


class HandlerFailed(Exception):
    """A handler's error, named by kind and place only: its message may quote the event."""

    def __init__(self, kind: str, where: str):
        super().__init__(f"{kind} at {where}")
        self.kind = kind
        self.where = where


def on_event(source_service: str, event_type: str):
    """Handle ``event_type`` events from ``source_service`` reliably (see the module's doc)."""
    def decorate(fn):
        @functools.wraps(fn)
        def handle(self, event):
            try:
                return fn(self, event)
            except Exception as exc:  # noqa: BLE001 - retried, then parked: see above
                raise HandlerFailed(type(exc).__name__, _where(exc)) from None

        return EventHandler.decorator(source_service, event_type)(handle)

    return decorate
