"""The transactional outbox: events are stored with the change that caused them, then relayed.

``record`` writes the event row in the caller's transaction, so the change and its event are
committed together or not at all. ``relay_pending`` publishes unsent rows in order and marks them
sent. If the process dies after publishing but before marking, the event is published again on
the next run: delivery is at least once, and handlers use ``idempotency.first_time`` to act once.

Relayed rows are kept for ``OUTBOX_RETENTION_DAYS`` (``prune_sent`` deletes older ones; unsent
rows are never deleted), so a consumer that lost its copy (reporting's read models, say) can ask
for them again: ``replay`` publishes the retained rows, in order, to one named queue only, so
nobody else receives them twice.

Nothing is recorded that the catalogue (``catalogue.py``) does not describe: the data must match
the type's JSON Schema, and the envelope its classification and organisation, or ``record``
raises (so the caller's transaction, and the change with it, is rolled back: a bug, not a 4xx).
"""
from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import timedelta

from sqlalchemy import JSON, Column, Integer, MetaData, String, Table, delete, func, select, update
from sqlalchemy.orm import Session

from . import catalogue
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


# Called with each envelope as it is recorded (the tests' contract check listens here).
observers: list[Callable[[dict], None]] = []


def record(session: Session, service: str, event_type: str, data: dict, **envelope_args) -> dict:
    """Add an event to the outbox inside the caller's transaction; returns the envelope.

    Refuses (``catalogue.EventRefused`` / ``UnknownEventType``) an event its schema does not
    accept. The classification defaults to the one the schema declares."""
    declared = catalogue.check(service, event_type, data,
                               organisation=envelope_args.get("organisation"),
                               classification=envelope_args.get("classification"))
    envelope_args.setdefault("classification", declared.classification)
    envelope_args.setdefault("version", declared.version)
    message = envelope(service, event_type, data, **envelope_args)
    for observer in observers:
        observer(message)
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
PublishBatch = Callable[[list[tuple[str, dict]]], int]


class RelayError(RuntimeError):
    """Publishing failed; the event and those after it stay in the outbox for the next try."""


def relay_pending(session_factory, publish: Publish, batch_size: int = 100,
                  publish_batch: PublishBatch | None = None) -> int:
    """Publish up to ``batch_size`` unsent events in order; returns how many were sent.

    ``publish(routing_key, envelope)`` must return only once the broker has confirmed the
    message. ``publish_batch(pairs)``, if given, publishes the whole batch and waits for the
    broker's confirms once, returning how many from the start were confirmed. A failure stops
    the batch: the failed event and those after it stay pending, so order is kept and nothing
    is skipped.

    The published events are marked sent together, in one transaction at the end of the batch
    (or at the failure), not one transaction each: under load a service's writes queue for the
    database, and one commit per relayed event made the relay fall behind the writes it relays
    (docs/performance.md). If the process dies between a publish and that commit, the events
    published meanwhile (at most a batch) are sent again when it restarts: delivery is at least
    once anyway, and every handler ignores an event id it has seen.
    """
    with session_factory() as session:
        rows = session.execute(
            select(outbox.c.seq, outbox.c.routing_key, outbox.c.envelope)
            .where(outbox.c.sent_at.is_(None))
            .order_by(outbox.c.seq)
            .limit(batch_size)
        ).all()
    sent: list[int] = []
    try:
        if publish_batch is not None and rows:
            confirmed = _publish_batch(publish_batch, rows)
            sent = [seq for seq, _, _ in rows[:confirmed]]
            if confirmed < len(rows):
                _failed(session_factory, rows[confirmed], len(sent), None)
            return len(sent)
        for seq, routing_key, message in rows:
            try:
                publish(routing_key, message)
            except Exception as exc:
                _failed(session_factory, (seq, routing_key, message), len(sent), exc)
            sent.append(seq)
    finally:
        if sent:
            with session_factory.begin() as session:
                session.execute(
                    update(outbox).where(outbox.c.seq.in_(sent)).values(
                        sent_at=now(), attempts=outbox.c.attempts + 1
                    )
                )
    return len(sent)


def _publish_batch(publish_batch: PublishBatch, rows) -> int:
    try:
        return publish_batch([(routing_key, message) for _, routing_key, message in rows])
    except Exception as exc:
        raise RelayError(f"could not publish a batch of {len(rows)} events "
                         f"({type(exc).__name__}: {exc}); none marked sent") from exc


def _failed(session_factory, row, sent_before: int, exc: Exception | None):
    """Count the attempt on the event that was not published, and stop the batch there."""
    seq, _, message = row
    with session_factory.begin() as session:
        session.execute(update(outbox).where(outbox.c.seq == seq)
                        .values(attempts=outbox.c.attempts + 1))
    why = f"{type(exc).__name__}: {exc}" if exc else "the broker did not confirm it"
    raise RelayError(f"could not publish event {message['id']} ({why}); "
                     f"{sent_before} sent before it") from exc


def pending_count(session_factory) -> int:
    with session_factory() as session:
        return session.scalar(
            select(func.count()).select_from(outbox).where(outbox.c.sent_at.is_(None))
        )


def prune_sent(session_factory, retention_days: float, at=None) -> int:
    """Delete rows relayed more than ``retention_days`` ago; returns how many. Rows not yet
    relayed are kept whatever their age. ``retention_days`` <= 0 keeps everything."""
    if not retention_days or float(retention_days) <= 0:
        return 0
    cutoff = (at or now()) - timedelta(days=float(retention_days))
    with session_factory.begin() as session:
        return session.execute(
            delete(outbox).where(outbox.c.sent_at.is_not(None), outbox.c.sent_at < cutoff)
        ).rowcount or 0


def replay(session_factory, publish: Publish, after_seq: int = 0, limit: int = 500) -> dict:
    """Publish up to ``limit`` retained rows after ``after_seq``, in order, with ``publish``
    (which must return only once the broker has confirmed). Nothing is marked: a replay is a
    copy for one consumer, whose handlers ignore what they already have.

    Returns ``{"sent", "last_seq", "remaining"}``; call again with ``after_seq=last_seq`` until
    ``remaining`` is 0.
    """
    with session_factory() as session:
        rows = session.execute(
            select(outbox.c.seq, outbox.c.routing_key, outbox.c.envelope)
            .where(outbox.c.seq > after_seq).order_by(outbox.c.seq).limit(limit)
        ).all()
    last = after_seq
    for seq, routing_key, message in rows:
        publish(routing_key, message)
        last = seq
    with session_factory() as session:
        remaining = session.scalar(
            select(func.count()).select_from(outbox).where(outbox.c.seq > last))
    return {"sent": len(rows), "last_seq": last, "remaining": remaining}


def retained_count(session_factory) -> int:
    with session_factory() as session:
        return session.scalar(select(func.count()).select_from(outbox))
