"""The thin Nameko layer of the kernel: dependency providers and the base every service uses.

Domain logic never lives here; it lives in plain modules that take a SQLAlchemy session.
"""
from __future__ import annotations

import functools
import inspect
import logging
import re
import time
from contextlib import contextmanager
from pathlib import Path

import eventlet
from eventlet.event import Event
from kombu import Connection, Producer
from nameko import config
from nameko.amqp.publish import Publisher, UndeliverableMessage
from nameko.constants import AMQP_URI_CONFIG_KEY
from nameko.extensions import DependencyProvider
from nameko.standalone.events import get_event_exchange
from nameko.web.handlers import http
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError, IntegrityError, InterfaceError, OperationalError
from werkzeug.wrappers import Response

from . import metrics, outbox, plugins, settings
from .db import make_engine, migrate, now, session_factory, transaction
from .errors import EXPECTED, BadRequest, Conflict, InvalidInput, ServiceUnavailable
from .handlers import on_event  # noqa: F401 - services import it from here
from .rpc import rpc
from .schemas import UNSTORABLE, unstorable_fields

log = logging.getLogger(__name__)
_QUEUE_NAME = re.compile(r"^[A-Za-z0-9._:#-]{1,255}$")


def database_away(exc: Exception) -> bool:
    """A database that went away (restarting, unreachable): a 503 to try again, not a 500."""
    return isinstance(exc, (OperationalError, InterfaceError)) or bool(
        getattr(exc, "connection_invalidated", False))



class DatabaseAccess:
    """What a worker sees: transactions, and an outbox to add events to within them."""

    def __init__(self, provider: Database):
        self._provider = provider
        self.sessions = provider.sessions

    @contextmanager
    def transaction(self):
        """A unit of work. A clash with a uniqueness rule becomes a plain 409, never a crash."""
        try:
            with transaction(self.sessions) as session:
                yield session
        except IntegrityError:
            log.warning("a write clashed with existing data and was not saved", exc_info=False)
            raise Conflict("That clashes with something already saved, so nothing was changed. "
                           "Please check and try again.") from None
        self._provider.wake_relay()

    def replay_to(self, queue: str, after_seq: int = 0, limit: int = 500) -> dict:
        return self._provider.replay_to(queue, after_seq, limit)

    def publish_now(self, event_type: str, message: dict) -> bool:
        return self._provider.publish_now(event_type, message)

    def record_event(self, session, event_type: str, data: dict, **envelope_args) -> dict:
        return outbox.record(
            session, self._provider.container.service_name, event_type, data, **envelope_args
        )


class BatchPublisher:
    """Publishes a batch of events to one exchange in order and waits for the broker's confirms
    once for the batch, not once a message.

    Nameko's Publisher with confirms waits for each message; under load every wait is a turn
    of the hub behind the service's other work, and the outbox relay fell seconds behind the
    writes it relays (docs/performance.md). One connection and channel (in confirm mode),
    opened when first needed and again after any error; used by one green thread, the relay.
    """

    def __init__(self, amqp_uri: str, exchange, timeout: float = 10.0):
        self.amqp_uri, self.exchange, self.timeout = amqp_uri, exchange, timeout
        self._connection = None

    def _open(self):
        connection = Connection(self.amqp_uri, connect_timeout=5)
        try:
            connection.ensure_connection(max_retries=1)
            channel = connection.channel()
            channel.confirm_select()
            self.exchange(channel).declare()
            channel.events["basic_ack"].add(self._on_ack)
            channel.events["basic_nack"].add(self._on_nack)
        except Exception:
            self._close(connection)
            raise
        self._connection, self._channel = connection, channel
        self._producer = Producer(channel, exchange=self.exchange, serializer="json")
        self._next_tag, self._acked, self._nacked = 1, set(), None

    def _on_ack(self, tag, multiple):
        self._acked.update(range(1, tag + 1) if multiple else (tag,))

    def _on_nack(self, tag, multiple):
        self._nacked = tag if self._nacked is None else min(self._nacked, tag)

    @staticmethod
    def _close(connection):
        try:
            connection.release()
        except Exception:  # noqa: BLE001 - it is being thrown away
            pass

    def publish(self, items: list[tuple[str, dict]]) -> int:
        """Publish ``(routing_key, envelope)`` pairs; returns how many from the start were
        confirmed (all of them, or fewer if the broker refused one or did not answer in time)."""
        if not items:
            return 0
        try:
            if self._connection is None:
                self._open()
            first = self._next_tag
            for routing_key, envelope in items:
                self._producer.publish(envelope, routing_key=routing_key,
                                       message_id=envelope["id"], type=envelope["type"],
                                       delivery_mode=2, retry=False)
                self._next_tag += 1
            last = self._next_tag - 1
            deadline = time.monotonic() + self.timeout
            while not self._settled(first, last) and time.monotonic() < deadline:
                try:
                    self._connection.drain_events(timeout=max(0.01, deadline - time.monotonic()))
                except TimeoutError:
                    break
        except Exception:
            if self._connection is not None:
                self._close(self._connection)
                self._connection = None
            raise
        confirmed = 0
        for tag in range(first, last + 1):
            if tag not in self._acked or (self._nacked is not None and tag >= self._nacked):
                break
            confirmed += 1
        self._acked.difference_update(range(first, last + 1))
        if confirmed < len(items):  # a refusal or silence: start again on a fresh channel
            self._close(self._connection)
            self._connection = None
        return confirmed

    def _settled(self, first, last) -> bool:
        if self._nacked is not None and self._nacked <= last:
            return True
        return all(tag in self._acked for tag in range(first, last + 1))

    def close(self):
        if self._connection is not None:
            self._close(self._connection)
            self._connection = None


class Database(DependencyProvider):
    """The service's own database (migrated at start) and the relay of its event outbox."""

    def __init__(self, migrations: Path | None = None):
        self.migrations = migrations
        self._wake = Event()
        self._running = False
        self._next_prune = 0.0

    def setup(self):
        service = self.container.service_name
        self.url = settings.database_url(service)
        self.engine = make_engine(self.url)
        migrate(self.engine, self.migrations)
        self.sessions = session_factory(self.engine)
        amqp_uri = config.get(AMQP_URI_CONFIG_KEY, settings.DEFAULTS["AMQP_URI"])
        self.exchange = get_event_exchange(service)
        self.publisher = Publisher(
            amqp_uri, use_confirms=True, serializer="json", declare=[self.exchange]
        )
        self.batches = BatchPublisher(amqp_uri, self.exchange)

    def start(self):
        self._running = True
        self.container.spawn_managed_thread(self._relay_forever, identifier="outbox-relay")

    def stop(self):
        self._running = False
        self.wake_relay()
        self.batches.close()
        self.engine.dispose()

    def kill(self):
        self.stop()

    def wake_relay(self):
        if not self._wake.ready():
            self._wake.send(True)

    def publish(self, routing_key: str, envelope: dict) -> None:
        self.publisher.publish(
            envelope,
            exchange=self.exchange,
            routing_key=routing_key,
            message_id=envelope["id"],
            type=envelope["type"],
        )

    def replay_to(self, queue: str, after_seq: int = 0, limit: int = 500) -> dict:
        """Publish retained outbox rows to one queue only (through the default exchange), for a
        consumer refilling itself; ``mandatory`` so a queue that does not exist is an error,
        not a silent loss."""
        def to_queue(routing_key, envelope):
            self.publisher.publish(envelope, exchange="", routing_key=queue, mandatory=True,
                                   message_id=envelope["id"], type=envelope["type"])

        return outbox.replay(self.sessions, to_queue, after_seq, limit)

    def prune_if_due(self) -> int:
        """Forget relayed rows older than OUTBOX_RETENTION_DAYS, at most once an hour."""
        at = time.monotonic()
        if at < self._next_prune:
            return 0
        self._next_prune = at + 3600
        return outbox.prune_sent(self.sessions, float(settings.get("OUTBOX_RETENTION_DAYS") or 0))

    def publish_now(self, event_type: str, message: dict) -> bool:
        """Publish an event recorded in a transaction that has just committed, at once (with
        confirms), for those that must arrive before the caller hears back (identity's
        access.changed). Best effort: if it fails the relay sends it; if it works the relay
        may send it once more (delivery is at least once anyway)."""
        try:
            self.publish(event_type, message)
        except Exception as exc:  # noqa: BLE001 - the relay sends it when the broker is back
            log.warning("event %s could not be published at once (%s); the relay will send it",
                        message.get("id"), type(exc).__name__)
            return False
        try:
            with self.sessions.begin() as session:
                session.execute(outbox.outbox.update().where(
                    outbox.outbox.c.event_id == message["id"],
                    outbox.outbox.c.sent_at.is_(None)).values(
                    sent_at=now(), attempts=outbox.outbox.c.attempts + 1))
        except Exception as exc:  # noqa: BLE001 - then the relay sends it again: harmless
            log.warning("event %s was published but not marked sent (%s)", message.get("id"),
                        type(exc).__name__)
        return True

    def relay_once(self) -> int:
        service = self.container.service_name
        sent = outbox.relay_pending(self.sessions, self.publish,
                                    publish_batch=self.batches.publish)
        if sent:
            metrics.OUTBOX_RELAYED.labels(service).inc(sent)
        metrics.OUTBOX_PENDING.labels(service).set(outbox.pending_count(self.sessions))
        return sent

    def _relay_forever(self):
        poll = float(settings.get("OUTBOX_POLL_SECONDS"))
        backoff = poll
        while self._running:
            try:
                sent = self.relay_once()
                self.prune_if_due()
                backoff = poll
            except Exception as exc:
                log.warning("outbox relay: %s; retrying in %.1fs", exc, backoff)
                sent = 0
                backoff = min(backoff * 2, 30.0)
            if sent:
                continue  # there may be more waiting
            with eventlet.Timeout(backoff, False):
                self._wake.wait()
            self._wake = Event()

    def get_dependency(self, worker_ctx):
        return DatabaseAccess(self)


class Metrics(DependencyProvider):
    """Counts and times every entrypoint call of the service."""

    def setup(self):
        self._started = {}

    def worker_setup(self, worker_ctx):
        self._started[worker_ctx] = time.perf_counter()

    def worker_result(self, worker_ctx, result=None, exc_info=None):
        started = self._started.pop(worker_ctx, None)
        service = self.container.service_name
        name = worker_ctx.entrypoint.method_name
        if exc_info is None:
            outcome = "ok"
        elif isinstance(exc_info[1], EXPECTED):
            outcome = "refused"
        else:
            outcome = "error"
        metrics.ENTRYPOINT_CALLS.labels(service, name, outcome).inc()
        if started is not None:
            metrics.ENTRYPOINT_SECONDS.labels(service, name).observe(time.perf_counter() - started)


class Plugins(DependencyProvider):
    """Loads the ``involve.plugins`` entry points once at start-up and reports broken ones."""

    def setup(self):
        strict = bool(settings.get("PLUGINS_STRICT"))
        self.plugins = plugins.load(strict=strict)
        for broken in self.plugins.broken:
            log.error(broken.describe())

    def get_dependency(self, worker_ctx):
        return self.plugins


def api(fn):
    """An RPC method whose Involve errors are expected answers, not crashes.

    Its arguments are checked before it runs: a wrong call or text no database can store (a NUL
    byte, from any caller, not only the gateway) is refused with a clear error.
    """
    signature = inspect.signature(fn)

    @functools.wraps(fn)
    def checked(self, *args, **kwargs):
        try:
            signature.bind(self, *args, **kwargs)
        except TypeError as exc:
            raise BadRequest(f"Wrong call to {fn.__name__}: {exc}") from None
        bad = unstorable_fields([*args, kwargs])
        if bad:
            raise InvalidInput("Something sent contains a character we cannot store.",
                               {"_value": [UNSTORABLE]})
        try:
            return fn(self, *args, **kwargs)
        except DBAPIError as exc:
            if not database_away(exc):
                raise
            # never the exception's text: it quotes the statement's values
            log.warning("%s: the database did not answer (%s)", fn.__name__,
                        type(exc).__name__)
            raise ServiceUnavailable(
                "Part of Involve cannot reach its database just now. Please try again in a "
                "minute.") from None

    return rpc(expected_exceptions=EXPECTED)(checked)


class MetricsEndpoint:
    """Prometheus metrics over HTTP (``GET /metrics``) and timing of every entrypoint."""

    recorder = Metrics()

    @http("GET", "/metrics")
    def metrics(self, request):
        body, content_type = metrics.exposition()
        return Response(body, content_type=content_type)


class ServiceBase(MetricsEndpoint):
    """Every back-end service: its own database, plugins, health over RPC, metrics over HTTP."""

    name: str
    db: DatabaseAccess
    plugins = Plugins()

    @rpc
    def health(self):
        with self.db.sessions() as session:
            session.execute(text("SELECT 1"))
        return {"service": self.name, "status": "ok",
                "outbox_pending": outbox.pending_count(self.db.sessions),
                "broken_plugins": [b.name for b in self.plugins.broken]}

    @rpc(expected_exceptions=EXPECTED)
    def replay_events(self, queue, after_seq=0, limit=500):
        """Send the outbox rows this service still keeps (OUTBOX_RETENTION_DAYS) again, to the
        one queue named (a consumer refilling itself, e.g. ``involve reporting backfill``), in
        order, a batch at a time: ``{sent, last_seq, remaining}``; call again with ``last_seq``
        until nothing remains. Only for operators: the broker is on a private network."""
        if not isinstance(queue, str) or not _QUEUE_NAME.match(queue):
            raise InvalidInput("Name the queue to send the events to.",
                               {"queue": ["A queue name of letters, digits and . - _ # :"]})
        if isinstance(after_seq, bool) or not isinstance(after_seq, int) or after_seq < 0:
            raise InvalidInput("Give where to start as a whole number.",
                               {"after_seq": ["A whole number from 0."]})
        if isinstance(limit, bool) or not isinstance(limit, int) or not 1 <= limit <= 5000:
            raise InvalidInput("Give a batch size from 1 to 5000.", {"limit": ["1 to 5000."]})
        try:
            return self.db.replay_to(queue, after_seq, limit)
        except UndeliverableMessage:
            raise InvalidInput("There is no such queue on the broker.",
                               {"queue": ["No queue with this name."]}) from None
