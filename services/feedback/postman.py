"""The postman: sends alert emails in the background, so routing never waits for mail.

Alerts are recorded with ``email_due`` in the routing (or escalation) transaction; after commit
the handler wakes the postman, which sends everything due through a few RPC clients of its own
(people by identity's ``notify_people``, FEEDBACK_EMAIL_BATCH in one call; teams to their
address) and marks them sent. The timer wakes it too, so anything left unsent (a crash, a mail
server down) goes on the next round.
"""
from __future__ import annotations

import logging

import eventlet
from eventlet.event import Event
from eventlet.queue import LightQueue
from nameko.extensions import DependencyProvider

from involve.kernel import mail, settings
from involve.kernel.db import now
from involve.kernel.rpc import call, standalone_client

from . import alerts

log = logging.getLogger(__name__)


class Postman(DependencyProvider):
    def __init__(self, clients: int = 4):
        self.size = clients
        self._wake = Event()
        self._running = False

    def setup(self):
        from involve.kernel.nameko_parts import Database

        self.database = next(d for d in self.container.dependencies if isinstance(d, Database))

    def start(self):
        self._running = True
        self.container.spawn_managed_thread(self._run, identifier="feedback-postman")

    def stop(self):
        self._running = False
        self.wake()

    def kill(self):
        self.stop()

    def wake(self):
        if not self._wake.ready():
            self._wake.send(True)

    def get_dependency(self, worker_ctx):
        return self

    def _run(self):
        clients: list = []
        more = False
        while self._running:
            if not more:  # a full round leaves more due: the next goes at once
                with eventlet.Timeout(5, False):
                    self._wake.wait()
                self._wake = Event()
            more = False
            if not self._running:
                break
            try:
                if not clients:
                    clients = [standalone_client().start() for _ in range(self.size)]
                more = self.send_all(clients) >= alerts.ROUND
            except Exception as exc:  # noqa: BLE001 - broker or database trouble: next round
                log.warning("alert emails: %s; retrying on the next round", type(exc).__name__)
                self._close(clients)
                clients = []
        self._close(clients)

    @staticmethod
    def _close(clients):
        for client in clients:
            try:
                client.stop()
            except Exception:  # noqa: BLE001
                pass

    def send_all(self, clients) -> int:
        idle = LightQueue()
        for client in clients:
            idle.put(client)

        def deliver(message):
            client = idle.get()
            try:
                if message.get("person_id"):
                    call(client.identity.notify_person, message["person_id"],
                         alerts.notification(message))
                elif message.get("team_email"):
                    mail.send(message["team_email"], message["subject"], message["body"])
            finally:
                idle.put(client)

        def deliver_many(messages):
            client = idle.get()
            try:
                results = call(client.identity.notify_people, [
                    {"person_id": m["person_id"], **alerts.notification(m)}
                    for m in messages])
            finally:
                idle.put(client)
            return ["failed" not in result for result in results]

        batch = int(settings.get("FEEDBACK_EMAIL_BATCH"))
        return alerts.send_due(self.database.sessions, deliver, now(), concurrency=len(clients),
                               deliver_many=deliver_many if batch > 1 else None,
                               batch_size=max(1, batch))
