"""Idempotent event handling: remember which events each handler has already acted on.

Call ``first_time`` inside the same transaction as the handler's own changes. If it returns
False the event was handled before (a redelivery) and the handler should do nothing. Because the
record and the change commit together, a crash in between leaves neither, and the redelivered
event is handled then.
"""
from __future__ import annotations

from sqlalchemy import Column, MetaData, String, Table, select
from sqlalchemy.orm import Session

from .db import UtcDateTime, now

metadata = MetaData()

handled_events = Table(
    "handled_events",
    metadata,
    Column("event_id", String(36), primary_key=True),
    Column("handler", String(200), primary_key=True),
    Column("handled_at", UtcDateTime, nullable=False),
)


def handled(session: Session, event_id: str, handler: str) -> bool:
    """Whether ``handler`` has acted on this event already (a read: records nothing)."""
    return session.execute(
        select(handled_events.c.event_id).where(
            handled_events.c.event_id == event_id, handled_events.c.handler == handler
        )
    ).first() is not None


def first_time(session: Session, event_id: str, handler: str) -> bool:
    if handled(session, event_id, handler):
        return False
    # A concurrent duplicate makes this insert fail on the primary key, rolling the handler's
    # transaction back; the broker then redelivers and the check above skips it.
    session.execute(
        handled_events.insert().values(
            event_id=event_id, handler=handler, handled_at=now()
        )
    )
    return True
