"""The courier: sends due deliveries in the background, a bounded number at a time.

It runs as a managed thread of the webhooks service. It claims only as many due deliveries as it
has free places in its green pool (``WEBHOOKS_CONCURRENCY``), so a slow receiver holds one place
for at most ``WEBHOOKS_TIMEOUT_SECONDS`` and never blocks the others or the eventlet hub; each
finished attempt wakes it to claim more. New deliveries wake it at once; retries are found when
due (it sleeps until the next one, at most ``WEBHOOKS_POLL_SECONDS``). Broker or database trouble
never kills it: it waits and tries again.
"""
from __future__ import annotations

import logging
import time

import eventlet
from eventlet.event import Event
from eventlet.greenpool import GreenPool
from eventlet.queue import Empty, LightQueue
from nameko.extensions import DependencyProvider

from involve.kernel import settings
from involve.kernel.db import now

from . import deliveries, signing
from .sender import Sender

log = logging.getLogger(__name__)


class Courier(DependencyProvider):
    def setup(self):
        from involve.kernel.nameko_parts import Database

        self.database = next(d for d in self.container.dependencies if isinstance(d, Database))
        self.size = max(1, int(settings.get("WEBHOOKS_CONCURRENCY")))
        self.pool = GreenPool(self.size)
        self.sender = Sender(connections=self.size)
        self.box = signing.load_box()
        self._wake = Event()
        self._running = False
        self._outcomes = LightQueue()
        self.sent = 0

    def start(self):
        self._running = True
        self.container.spawn_managed_thread(self._run, identifier="webhooks-courier")
        self.container.spawn_managed_thread(self._settle_forever, identifier="webhooks-settler")

    def stop(self):
        self._running = False
        self.wake()
        self.pool.waitall()
        batch = []
        while not self._outcomes.empty():
            batch.append(self._outcomes.get_nowait())
        if batch:  # what finished last is recorded before the service stops
            try:
                deliveries.settle_many(self.database.sessions, batch)
            except Exception:  # noqa: BLE001 - the claims lapse and are sent again
                log.warning("%d webhook outcomes were not recorded at stop", len(batch))

    def kill(self):
        self._running = False
        self.wake()

    def wake(self):
        if not self._wake.ready():
            self._wake.send(True)

    def get_dependency(self, worker_ctx):
        return self

    def _run(self):
        poll = float(settings.get("WEBHOOKS_POLL_SECONDS"))
        backoff = poll
        while self._running:
            wait = poll
            try:
                free, busy = self.pool.free(), self.pool.running()
                if busy and free < max(1, self.size // 4):
                    claimed = []  # let a few places free up, then claim them together
                    wait = 0.02
                else:
                    claimed = deliveries.claim_due(self.database.sessions, self.box, now(), free)
                for work in claimed:
                    self.pool.spawn_n(self._attempt, work)
                if free and len(claimed) == free:
                    wait = 0.02  # more may be due: claim again as places free up
                elif not claimed and not busy:
                    due = deliveries.next_due(self.database.sessions, now())
                    wait = poll if due is None else min(poll, max(0.01, due))
                backoff = poll
            except Exception as exc:  # noqa: BLE001 - database trouble: wait, then try again
                log.warning("webhook deliveries: %s; retrying in %.1fs", type(exc).__name__, backoff)
                wait, backoff = backoff, min(backoff * 2, 30.0)
            with eventlet.Timeout(wait, False):
                self._wake.wait()
            self._wake = Event()

    def _attempt(self, work: deliveries.Work):
        try:
            headers = signing.headers(work.secrets, work.event_id, int(time.time()), work.body)
            outcome = self.sender.post(work.url, headers, work.body)
        except Exception as exc:  # noqa: BLE001 - recorded as a failed attempt, retried
            outcome = deliveries.Outcome(error=f"Could not be sent ({type(exc).__name__}).")
        self._outcomes.put((work, outcome, now()))

    def _settle_forever(self):
        """Outcomes are recorded in batches: one transaction for everything that finished since
        the last one. A failure leaves the claims to lapse: those attempts are made again."""
        while self._running or not self._outcomes.empty():
            try:
                batch = [self._outcomes.get(timeout=0.5)]
            except Empty:
                continue
            while len(batch) < 500:
                try:
                    batch.append(self._outcomes.get_nowait())
                except Empty:
                    break
            try:
                statuses = deliveries.settle_many(self.database.sessions, batch)
                self.sent += statuses.count(deliveries.DELIVERED)
            except Exception as exc:  # noqa: BLE001
                log.warning("%d webhook outcomes could not be recorded (%s); they will be "
                            "retried", len(batch), type(exc).__name__)
            self.wake()
