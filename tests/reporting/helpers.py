"""Small builders for reporting's tests: events as the services publish them, fed to the log."""
from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta

from sqlalchemy import select

from involve.kernel.db import transaction
from involve.kernel.events import envelope
from involve.reporting import log
from involve.reporting import models as m

T0 = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)


def uid() -> str:
    return str(uuid.uuid4())


class World:
    """One organisation's events, timed from T0 (or ``start``)."""

    def __init__(self, start=T0):
        self.org, self.clock = uid(), start
        self.events: list[dict] = []

    def at(self, **delta):
        self.clock = self.clock + timedelta(**delta)
        return self.clock

    def add(self, service, name, data, version=1, classification="internal", time=None):
        event = envelope(service, name, data, organisation=self.org, version=version,
                         classification=classification, time=time or self.clock)
        self.events.append(event)
        return event


def feed(sessions, events) -> list[str]:
    out = []
    for event in events:
        with transaction(sessions) as session:
            out.append(log.ingest(session, event))
    return out


def feed_at_once(sessions, events) -> list[str]:
    """The same, all in one transaction (a quicker way to fill a second database)."""
    with transaction(sessions) as session:
        return [log.ingest(session, event) for event in events]


def snapshot(sessions) -> dict:
    """Every read model's rows, sorted: what must be the same after a rebuild."""
    out = {}
    with sessions() as session:
        for table in m.READ_MODELS:
            rows = [tuple(sorted((k, repr(v)) for k, v in dict(r).items()))
                    for r in session.execute(select(table)).mappings()]
            out[table.name] = sorted(rows)
    return out
