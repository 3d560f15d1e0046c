"""RPC that a broker blip cannot turn into a crash, and the one way to call another service.

``call(self.rpc.<service>.<method>, *args)`` is how the gateway and every service call another
service: the reply, or ``ServiceUnavailable`` (503 at the gateway) when it does not come in time.

Nameko's RPC kills the whole service when it cannot publish a reply: the responder's
``OperationalError`` escapes the worker, and any uncaught error in a worker's result handling
makes the container kill itself. Its client also waits forever for a reply that was lost, and
its reply listener kills the container when it reconnects and finds its queue gone while calls
are waiting. Here:

* the **server** side (``rpc``, used by the kernel's ``api``) acknowledges a request as soon as
  a worker takes it, and remembers the requests it has started (by correlation id, for twice
  the RPC timeout): a request the broker hands over again (its acknowledgement was lost when
  the broker was killed, or the connection dropped while it waited for a worker) is run at most
  once by a process, so a write is attempted once; it retries a reply it cannot publish until
  the caller would have given up, then drops it with a log line: the caller gets a 503 and the
  service lives on;
* the **client** side (``RpcClient``, used by the gateway and by services that call others)
  turns a request it cannot publish (nothing was changed), a reply that does not come within
  the timeout or a reply lost with its queue (it may have been done: the message says to
  check) into ``ServiceUnavailable`` (503), and sends every request with a time to live of 80%
  of the timeout, so the broker drops a request nobody will wait for, and a worker that takes
  one up in time has the rest of the timeout to answer.

The request's time to live is RabbitMQ's per-message ``expiration``: it is counted by the
broker, so it needs no clocks to agree, and a requeued message keeps its original expiry.
"""
from __future__ import annotations

import collections
import logging
import sys
import time
import uuid
from functools import partial

import eventlet
import kombu.serialization
from amqp.exceptions import NotFound
from eventlet.event import Event
from kombu import Queue
from nameko import config
from nameko import rpc as nameko_rpc
from nameko.amqp.publish import UndeliverableMessage, get_connection
from nameko.constants import AMQP_SSL_CONFIG_KEY, LOGIN_METHOD_CONFIG_KEY
from nameko.exceptions import (
    ContainerBeingKilled,
    MalformedRequest,
    UnknownService,
    UnserializableValueError,
    serialize,
)
from nameko.messaging import decode_from_headers, encode_to_headers

from . import metrics, queues, settings
from .errors import ServiceUnavailable

log = logging.getLogger(__name__)

NOT_ANSWERING = ("Part of Involve is not answering right now, so nothing was changed. Please try "
                 "again in a minute.")
NO_ANSWER_IN_TIME = ("Part of Involve did not answer in time. What you sent may or may not have "
                     "been saved: please check before trying again.")
# A request waits in its queue for at most this share of its caller's timeout, so a worker that
# takes it up still has the rest to answer before the caller gives up.
QUEUE_SHARE = 0.8


def rpc_timeout() -> float:
    return float(settings.get("RPC_TIMEOUT_SECONDS"))


def safe_ack(message) -> None:
    """Acknowledge if the message's connection still lives; otherwise the broker has taken
    the message back already and will deliver it again, which is what we want."""
    try:
        if message.channel.connection:
            message.ack()
    except Exception as exc:  # noqa: BLE001 - a dead connection, never worth a crash
        log.debug("could not acknowledge a message (%s)", type(exc).__name__)


def safe_requeue(message) -> None:
    try:
        if message.channel.connection:
            message.requeue()
    except Exception as exc:  # noqa: BLE001
        log.debug("could not requeue a message (%s)", type(exc).__name__)


# --- the server side --------------------------------------------------------------------------

def reply_deadline(message) -> float:
    """When to stop trying to reply: the caller waits at most the request's time to live."""
    limit = rpc_timeout()
    try:
        limit = min(limit, int(message.properties["expiration"]) / 1000 / QUEUE_SHARE)
    except (KeyError, TypeError, ValueError):
        pass
    return time.monotonic() + limit


class Responder(nameko_rpc.Responder):
    """Publishes a reply, retrying while the broker is away; never raises."""

    def send_response(self, result, exc_info, deadline: float | None = None, service: str = ""):
        error = None
        if exc_info is not None:
            error = serialize(exc_info[1])
        content_type = self.message.properties["content_type"]
        serializer = kombu.serialization.registry.type_to_name[content_type]
        try:
            kombu.serialization.dumps(result, serializer)
        except Exception:
            exc_info = sys.exc_info()
            error = serialize(UnserializableValueError(result))
            result = None
        payload = {"result": result, "error": error}
        routing_key = self.message.properties["reply_to"]
        correlation_id = self.message.properties.get("correlation_id")
        publisher = self.publisher_cls(self.amqp_uri, ssl=self.ssl,
                                       login_method=self.login_method)
        deadline = deadline if deadline is not None else time.monotonic() + rpc_timeout()
        pause = 0.2
        while True:
            try:
                publisher.publish(payload, serializer=serializer, exchange=self.exchange,
                                  routing_key=routing_key, correlation_id=correlation_id)
                return result, exc_info
            except Exception as exc:  # noqa: BLE001 - the broker is away; try until too late
                if time.monotonic() + pause >= deadline:
                    metrics.RPC_REPLIES_DROPPED.labels(service).inc()
                    log.warning("dropped the reply to an RPC call (correlation id %s): the "
                                "broker could not take it (%s); the caller will see a 503",
                                correlation_id, type(exc).__name__)
                    return result, exc_info
                eventlet.sleep(pause)
                pause = min(pause * 2, 2.0)


class RpcConsumer(nameko_rpc.RpcConsumer):
    """One consumer of ``rpc-<service>`` for all the service's RPC methods."""

    def setup(self):
        super().setup()
        queues.settle(self.queue, "rpc", self.amqp_uri)
        self._started: collections.OrderedDict[str, float] = collections.OrderedDict()

    def first_delivery(self, message) -> bool:
        """False for a request this process has already started (same correlation id).

        Acknowledging at the start is not enough when the broker is killed: an acknowledgement
        it received but had not yet written down is forgotten, and after its restart it
        delivers the request again (seen with SIGKILL: a care service created, then the same
        request run again 20 s later and answered 409 "already has a care service with that
        name"). A request can come back only while its time to live lasts (80% of its caller's
        timeout), so remembering ids for twice the RPC timeout is enough.
        """
        correlation_id = message.properties.get("correlation_id")
        if not correlation_id:
            return True
        moment = time.monotonic()
        while self._started and next(iter(self._started.values())) < moment:
            self._started.popitem(last=False)
        if correlation_id in self._started:
            return False
        self._started[correlation_id] = moment + 2 * rpc_timeout()
        return True

    def handle_message(self, body, message):
        routing_key = message.delivery_info["routing_key"]
        try:
            provider = self.get_provider_for_method(routing_key)
            provider.handle_message(body, message)
        except Exception:
            safe_ack(message)
            self.handle_result(message, None, sys.exc_info())

    def handle_result(self, message, result, exc_info):
        # The request was acknowledged when its worker started (see Rpc.handle_message).
        responder = Responder(self.amqp_uri, nameko_rpc.get_rpc_exchange(), message,
                              ssl=config.get(AMQP_SSL_CONFIG_KEY),
                              login_method=config.get(LOGIN_METHOD_CONFIG_KEY))
        return responder.send_response(result, exc_info, reply_deadline(message),
                                       self.container.service_name)


class Rpc(nameko_rpc.Rpc):
    """An RPC method whose request is acknowledged as soon as a worker starts on it.

    Nameko acknowledges after the reply is published. If the broker restarts in between, it
    delivers the request again and a second worker repeats a write the first already committed.
    Acknowledging at the start means each request runs at most once; a request still waiting
    for a free worker when the connection drops is delivered again (it never ran), unless its
    caller has given up by then (its time to live has passed).
    """

    rpc_consumer = RpcConsumer()

    def handle_message(self, body, message):
        try:
            args = body["args"]
            kwargs = body["kwargs"]
        except KeyError:
            raise MalformedRequest("Message missing `args` or `kwargs`") from None
        self.check_signature(args, kwargs)
        if not self.rpc_consumer.first_delivery(message):
            safe_ack(message)
            metrics.RPC_REQUESTS_REPEATED.labels(self.container.service_name).inc()
            log.warning("a request to %s.%s came again after a broker restart (correlation id "
                        "%s); it was started once already, so it is not run again",
                        self.container.service_name, self.method_name,
                        message.properties.get("correlation_id"))
            return
        context_data = decode_from_headers(message.headers)
        handle_result = partial(self.handle_result, message)

        def spawn_worker():
            try:
                self.container.spawn_worker(self, args, kwargs, context_data=context_data,
                                            handle_result=handle_result)
            except ContainerBeingKilled:
                safe_requeue(message)
                return
            safe_ack(message)

        ident = f"{type(self).__name__}.wait_for_worker_pool[" \
                f"{self.container.service_name}.{self.method_name}]"
        self.container.spawn_managed_thread(spawn_worker, identifier=ident)


rpc = Rpc.decorator


# --- the client side --------------------------------------------------------------------------

class ReplyQueue(Queue):
    """A reply queue that the client declares once per broker connection.

    Nameko's client declares its reply queue, its exchange and their binding before publishing
    every request, so that the reply has somewhere to go even if the queue vanished: three
    round trips to the broker on top of the publish, a large part of a gateway read (strace: a
    queue.declare, a queue.bind and often an exchange.declare on each request). kombu caches a
    declaration for the life of a connection and forgets it when the connection is made again,
    but not for a queue with ``x-expires``, like this one. The queue can vanish only when the
    broker restarts (which drops every connection, so the first request on each new connection
    declares it again) or when nobody has consumed it for its expiry (Nameko's
    ``RPC_REPLY_QUEUE_TTL``, 5 minutes), and this process's listener is its consumer, which
    declares it again itself whenever it reconnects.
    """

    can_cache_declaration = True


class ReplyListener(nameko_rpc.ReplyListener):
    """Collects replies; waits at most the call's timeout; a lost reply queue fails the calls
    that were waiting (503) instead of killing the container."""

    def check_for_lost_replies(self):
        if not self.pending:
            return
        try:
            with get_connection(self.amqp_uri, config.get(AMQP_SSL_CONFIG_KEY)) as conn:
                self.queue.bind(conn).queue_declare(passive=True)
        except NotFound:
            lost = list(self.pending)
            log.warning("the reply queue was lost with %d call(s) waiting; they fail with a 503",
                        len(lost))
            error = serialize(ServiceUnavailable(NO_ANSWER_IN_TIME))
            for correlation_id in lost:
                waiting = self.pending.pop(correlation_id, None)
                if waiting is not None and not waiting.ready():
                    waiting.send({"result": None, "error": error})

    def setup(self):
        super().setup()
        # a new queue each start (its name holds a fresh uuid); quorum on a cluster, so that
        # losing one node does not lose every running process's replies
        self.queue.queue_arguments = {**self.queue.queue_arguments,
                                      **queues.type_arguments("rpc")}
        # declared once per publishing connection, not before every request (in place: the
        # client's publisher may already hold this object)
        self.queue.__class__ = ReplyQueue
        self._expiries: dict[str, float] = {}
        self._swept = time.monotonic()

    def _sweep(self, moment: float) -> None:
        """Forget calls nobody waits for any more (their reply expired or was lost)."""
        self._swept = moment
        for correlation_id, expiry in list(self._expiries.items()):
            if expiry < moment:
                del self._expiries[correlation_id]
                self.pending.pop(correlation_id, None)

    def register_for_reply(self, correlation_id, timeout: float | None = None):
        reply = Event()
        self.pending[correlation_id] = reply
        limit = rpc_timeout() if timeout is None else timeout
        moment = time.monotonic()
        self._expiries[correlation_id] = moment + limit + 5
        if moment - self._swept > 5:
            self._sweep(moment)

        def wait():
            try:
                with eventlet.Timeout(max(0.0, moment + limit - time.monotonic()), False):
                    return reply.wait()
                raise ServiceUnavailable(NO_ANSWER_IN_TIME)
            finally:
                self.pending.pop(correlation_id, None)
                self._expiries.pop(correlation_id, None)

        return wait


class Client(nameko_rpc.Client):
    """Nameko's client, with a timeout, a time to live on each request, and 503s for trouble.

    ``client.identity.get_organisation.with_timeout(120)(...)`` waits longer for a slow call.
    """

    def __init__(self, publish, register_for_reply, context_data, service_name=None,
                 method_name=None, timeout: float | None = None):
        super().__init__(publish, register_for_reply, context_data, service_name, method_name)
        self.timeout = timeout

    def __getattr__(self, name):
        if self.method_name is not None:
            raise AttributeError(name)
        if self.service_name:
            target_service, target_method = self.service_name, name
        else:
            target_service, target_method = name, None
        return type(self)(self.publish, self.register_for_reply, self.context_data,
                          target_service, target_method, self.timeout)

    def with_timeout(self, seconds: float | None) -> Client:
        return type(self)(self.publish, self.register_for_reply, self.context_data,
                          self.service_name, self.method_name, seconds)

    def _call(self, *args, **kwargs):
        if not self.fully_specified:
            raise ValueError(f"Cannot call unspecified method {self.identifier}")
        timeout = rpc_timeout() if self.timeout is None else float(self.timeout)
        correlation_id = str(uuid.uuid4())
        send_request = partial(
            self.publish, routing_key=self.identifier, mandatory=True,
            correlation_id=correlation_id, extra_headers=encode_to_headers(self.context_data),
            expiration=timeout * QUEUE_SHARE,
        )
        get_response = self.register_for_reply(correlation_id, timeout)
        call = nameko_rpc.RpcCall(correlation_id, send_request, get_response)
        try:
            call.send_request(*args, **kwargs)
        except UndeliverableMessage:
            self._forget(correlation_id)
            log.debug("no %s service is listening for %s", self.service_name, self.identifier)
            raise ServiceUnavailable(NOT_ANSWERING) from None
        except Exception as exc:  # noqa: BLE001 - the broker is away: a clear 503, not a 500
            self._forget(correlation_id)
            log.warning("could not send an RPC call to %s (%s)", self.identifier,
                        type(exc).__name__)
            raise ServiceUnavailable(NOT_ANSWERING) from None
        return call

    def _forget(self, correlation_id):
        listener = getattr(self.register_for_reply, "__self__", None)
        if listener is not None:
            listener.pending.pop(correlation_id, None)


class RpcClient(nameko_rpc.ClusterRpc):
    """``self.rpc.<service>.<method>(...)``: an RPC client to the whole platform."""

    reply_listener = ReplyListener()

    def get_dependency(self, worker_ctx):
        return Client(self.publisher.publish, self.reply_listener.register_for_reply,
                      worker_ctx.context_data)


def standalone_client(timeout: float | None = None, **options):
    """Nameko's standalone ``ClusterRpcClient`` (for a thread of a service's own, like the
    feedback postman), its reply queue of the configured type (quorum on a cluster)."""
    from nameko.standalone.rpc import ClusterRpcClient

    client = ClusterRpcClient(timeout=rpc_timeout() if timeout is None else timeout, **options)
    queue = client.reply_listener.queue
    queue.queue_arguments = {**queue.queue_arguments, **queues.type_arguments("rpc")}
    return client


def call(method, *args, timeout: float | None = None):
    """``call(self.rpc.identity.me, principal)``: the reply, or ServiceUnavailable.

    Works with the kernel's ``RpcClient`` (which waits at most ``timeout`` and answers 503
    itself, saying whether the request may have been done) and with Nameko's standalone client.
    """
    timeout = rpc_timeout() if timeout is None else float(timeout)
    try:
        if hasattr(method, "with_timeout"):
            method = method.with_timeout(timeout)
        reply = method.call_async(*args)
        with eventlet.Timeout(timeout + 5):
            return reply.result()
    except (eventlet.Timeout, UnknownService):
        raise ServiceUnavailable(NOT_ANSWERING) from None
