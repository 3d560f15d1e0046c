"""Digests: one email listing the stories a digest subscriber has not had yet.

A subscription's digest goes out when FEEDBACK_DIGEST_SECONDS have passed since its last one (or
since it was made) and there is something to tell.
"""
from __future__ import annotations

from datetime import timedelta

from sqlalchemy import and_, or_, select, update

from .alerts import story_link
from .models import Alert, Subscription


def run(session, now, every_seconds: float) -> list[dict]:
    """Mark what goes into each due digest; returns the messages to send after commit."""
    messages = []
    cutoff = now - timedelta(seconds=float(every_seconds))
    pending = session.scalars(select(Alert).where(Alert.digest_due.is_(True),
                                                  Alert.digested_at.is_(None))
                              .order_by(Alert.created_at)).all()
    by_sub: dict[str, list[Alert]] = {}
    for alert in pending:
        by_sub.setdefault(alert.subscription_id, []).append(alert)
    for sub_id, items in by_sub.items():
        sub = session.get(Subscription, sub_id) if sub_id else None
        if sub is None:
            for alert in items:
                alert.digested_at = now
            continue
        if (sub.last_digest_at or sub.created_at) > cutoff:
            continue
        if not _claim(session, sub, now, cutoff):
            continue  # another instance is sending this digest
        lines = [f"- {a.title}\n  {story_link(a.organisation_id, a.story_id)}" for a in items]
        messages.append({"person_id": sub.person_id, "team_email": None if sub.person_id
                         else sub.team_email,
                         "subject": f"{len(items)} new stor{'y' if len(items) == 1 else 'ies'} "
                                    "about services you follow",
                         "body": "Stories published since your last digest:\n\n"
                                 + "\n".join(lines) + "\n"})
        for alert in items:
            alert.digested_at = now
    return messages


def _claim(session, sub: Subscription, now, cutoff) -> bool:
    """Take this period's digest with one conditional UPDATE: of two instances running at once,
    the second finds the row already moved on (PostgreSQL re-checks the condition after the
    first commits; SQLite lets one writer at a time), so a digest is never sent twice."""
    claimed = session.execute(
        update(Subscription)
        .where(Subscription.id == sub.id,
               or_(Subscription.last_digest_at <= cutoff,
                   and_(Subscription.last_digest_at.is_(None), Subscription.created_at <= cutoff)))
        .values(last_digest_at=now)
        .execution_options(synchronize_session=False)).rowcount
    if claimed:
        sub.last_digest_at = now
    return bool(claimed)
