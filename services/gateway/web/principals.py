"""The gateway's principal cache, which identity empties the moment access changes.

Resolving a token or session costs an RPC to identity on every request. The gateway keeps what
identity answered (the principal) for GATEWAY_PRINCIPAL_CACHE_SECONDS (and never past the
token's or session's own expiry), keyed by a hash of the secret, never the secret itself.

Revocation stays immediate: identity records ``access.changed`` (ids only) in the same
transaction as every change to what a principal may do (token revoked, session ended, password
reset, roles changed, person erased, organisation access changed) and publishes it before it
answers. Each gateway instance consumes it on a queue of its own (exclusive, deleted when the
instance goes: a broadcast, not a queue shared between instances) and drops the entries
concerned. While that consumer is not connected (broker down, starting, reconnecting) the cache
is not trusted at all: every request asks identity, as before the cache; it is emptied again
when the consumer is back, since events sent meanwhile were missed. See docs/decisions.md for
the worst case.
"""
from __future__ import annotations

import copy
import hashlib
import logging
import time
import uuid

import eventlet
from kombu import Connection, Queue
from nameko import config
from nameko.constants import AMQP_URI_CONFIG_KEY
from nameko.extensions import DependencyProvider
from nameko.standalone.events import get_event_exchange

from involve.kernel import settings

log = logging.getLogger(__name__)
ROUTING_KEY = "access.changed"
MAX_ENTRIES = 10000
HEARTBEAT_SECONDS = 10


def key_of(kind: str, secret: str) -> str:
    return hashlib.sha256(f"{kind}:{secret}".encode()).hexdigest()


class PrincipalCache(DependencyProvider):
    def __init__(self):
        self.entries: dict[str, tuple[float, dict]] = {}
        self.generation = 0
        self.connected = False
        self._running = False
        self._connection = None

    # --- the cache --------------------------------------------------------------------
    @property
    def seconds(self) -> float:
        return float(settings.get("GATEWAY_PRINCIPAL_CACHE_SECONDS"))

    def get(self, key: str) -> dict | None:
        if not self.connected:
            return None
        entry = self.entries.get(key)
        if entry is None:
            return None
        until, principal = entry
        if until <= time.monotonic():
            self.entries.pop(key, None)
            return None
        return copy.deepcopy(principal)  # handlers may change theirs; the cached one stays

    def mark(self) -> int:
        """Call before asking identity; give the result to ``put``: an answer that a change
        overtook (a drop while it was on its way) is not kept."""
        return self.generation

    def put(self, key: str, principal: dict, valid_for: float | None, mark: int) -> None:
        seconds = self.seconds if valid_for is None else min(self.seconds, float(valid_for))
        if not self.connected or mark != self.generation or seconds <= 0:
            return
        if len(self.entries) >= MAX_ENTRIES:
            self.entries.clear()
        self.entries[key] = (time.monotonic() + seconds, copy.deepcopy(principal))

    def drop(self, data: dict) -> int:
        """Forget every principal ``access.changed`` concerns; returns how many were held."""
        self.generation += 1
        person, token, organisation = (data.get("person_id"), data.get("token_id"),
                                       data.get("organisation_id"))
        if not (person or token or organisation):
            return self.clear()

        def concerned(principal):
            scope = principal.get("token_scope") or {}
            return bool((person and principal.get("person_id") == person)
                        or (token and principal.get("token_id") == token)
                        or (organisation and (organisation in (principal.get("roles") or {})
                                              or scope.get("organisation_id") == organisation)))

        gone = [k for k, (_, p) in list(self.entries.items()) if concerned(p)]
        for key in gone:
            self.entries.pop(key, None)
        return len(gone)

    def clear(self) -> int:
        self.generation += 1
        held = len(self.entries)
        self.entries.clear()
        return held

    # --- Nameko -----------------------------------------------------------------------
    def setup(self):
        self.amqp_uri = config.get(AMQP_URI_CONFIG_KEY, settings.DEFAULTS["AMQP_URI"])
        self.queue = Queue(f"gateway-principals-{uuid.uuid4().hex}",
                           get_event_exchange("identity"), routing_key=ROUTING_KEY,
                           exclusive=True, auto_delete=True, durable=False)

    def start(self):
        self._running = True
        if self.seconds > 0:
            self.container.spawn_managed_thread(self._consume, identifier="principal-cache")

    def stop(self):
        self._running = False
        self._untrust()
        connection = self._connection
        if connection is not None:
            try:
                connection.close()
            except Exception:  # noqa: BLE001
                pass

    def kill(self):
        self.stop()

    def get_dependency(self, worker_ctx):
        return self

    def _untrust(self):
        self.connected = False
        self.clear()

    def _on_message(self, body, message):
        if isinstance(body, dict) and isinstance(body.get("data"), dict):
            self.drop(body["data"])
        else:  # not an envelope: forget everything rather than guess
            self.clear()
        message.ack()

    def _consume(self):
        pause = 0.5
        while self._running:
            try:
                with Connection(self.amqp_uri, heartbeat=HEARTBEAT_SECONDS) as connection:
                    self._connection = connection
                    connection.ensure_connection(max_retries=1)
                    with connection.Consumer(self.queue, accept=["json"],
                                             callbacks=[self._on_message]):
                        self.clear()  # whatever was missed while away
                        self.connected = True
                        pause = 0.5
                        while self._running:
                            try:
                                connection.drain_events(timeout=HEARTBEAT_SECONDS / 4)
                            except TimeoutError:
                                connection.heartbeat_check()
            except Exception as exc:  # noqa: BLE001 - broker away: stop trusting, retry
                if self._running:
                    log.warning("principal cache: not connected to the broker (%s); every "
                                "request asks identity until it is back", type(exc).__name__)
            finally:
                self._connection = None
                self._untrust()
            if self._running:
                eventlet.sleep(pause)
                pause = min(pause * 2, 5.0)
