"""The transactional outbox: events are stored with the change that caused them, then relayed.

``record`` writes the event row in the caller's transaction, so the change and its event are
committed together or not at all. ``relay_pending`` publishes unsent rows in order and marks them
sent. If the process dies after publishing but before marking, the event is published again on
the next run: delivery is at least once, and handlers use ``idempotency.first_time`` to act once.
"""
from __future__ import annotations

import logging
from typing import Callable

from sqlalchemy import JSON, Column, Integer, MetaData, String, Table, func, select, update
from sqlalchemy.orm import Session

from .db import UtcDateTime, now
from .events import envelope

log = logging.getLogger(__name__)
metadata = MetaData()

outbox = Table(
    "outbox",
    metadata,
    Column("seq", Integer, primary_key=True, autoincrement=True),
    Column("event_id", String(36), nullable=False, unique=True),
    Column("routing_key", String(200), nullable=False),
    Column("envelope", JSON, nullable=False),
    Column("created_at", UtcDateTime, nullable=False),
    Column("sent_at", UtcDateTime, nullable=True, index=True),
    Column("attempts", Integer, nullable=False, default=0),
)


def record(session: Session, service: str, event_type: str, data: dict, **envelope_args) -> dict:
    """Add an event to the outbox inside the caller's transaction; returns the envelope."""
    message = envelope(service, event_type, data, **envelope_args)
    session.execute(
        outbox.insert().values(
            event_id=message["id"],
            routing_key=event_type,
            envelope=message,
            created_at=now(),
            attempts=0,
        )
    )
    return message


Publish = Callable[[str, dict], None]


class RelayError(RuntimeError):
    """Publishing failed; the event and those after it stay in the outbox for the next try."""


def relay_pending(session_factory, publish: Publish, batch_size: int = 100) -> int:
    """Publish up to ``batch_size`` unsent events in order; returns how many were sent.

    ``publish(routing_key, envelope)`` must return only once the broker has confirmed the
    message. A failure stops the batch: the failed event and those after it stay pending, so
    order is kept and nothing is skipped.
    """
    with session_factory() as session:
        rows = session.execute(
            select(outbox.c.seq, outbox.c.routing_key, outbox.c.envelope)
            .where(outbox.c.sent_at.is_(None))
            .order_by(outbox.c.seq)
            .limit(batch_size)
        ).all()
    sent = 0
    for seq, routing_key, message in rows:
        try:
            publish(routing_key, message)
        except Exception as exc:
            with session_factory.begin() as session:
                session.execute(
                    update(outbox).where(outbox.c.seq == seq)
                    .values(attempts=outbox.c.attempts + 1)
                )
            raise RelayError(
                f"could not publish event {message['id']} ({type(exc).__name__}: {exc}); "
                f"{sent} sent before it"
            ) from exc
        with session_factory.begin() as session:
            session.execute(
                update(outbox).where(outbox.c.seq == seq).values(
                    sent_at=now(), attempts=outbox.c.attempts + 1
                )
            )
        sent += 1
    return sent


def pending_count(session_factory) -> int:
    with session_factory() as session:
        return session.scalar(
            select(func.count()).select_from(outbox).where(outbox.c.sent_at.is_(None))
        )
