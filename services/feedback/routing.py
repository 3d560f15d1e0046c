"""Routing a published story to exactly the subscriptions that match it.

A subscription matches when it names one of the story's care services (or every service), one of
its tags (or any tag), and a minimum criticality the story reaches. The lookup reads only the
index rows for the story's own keys: (its services + "*") x (its tags + "*").
"""
from __future__ import annotations

import uuid

from sqlalchemy import func, insert, select

from . import stories, tags
from .models import ANY, Alert, Story, Subscription, SubscriptionKey


def matching(session, organisation_id: str, care_service_ids: list[str], tag_ids: list[str],
             criticality: int, stats: dict | None = None) -> list:
    """The subscriptions a story with these keys reaches (each once), oldest first, as rows of
    (id, person_id, team_email, delivery)."""
    keys = (select(SubscriptionKey.subscription_id).where(
        SubscriptionKey.organisation_id == organisation_id,
        SubscriptionKey.care_service_key.in_([*care_service_ids, ANY]),
        SubscriptionKey.tag_key.in_([*tag_ids, ANY])))
    if stats is not None:
        stats["keys_examined"] = session.scalar(select(func.count()).select_from(
            keys.subquery()))
    return session.execute(
        select(Subscription.id, Subscription.person_id, Subscription.team_email,
               Subscription.delivery)
        .where(Subscription.id.in_(keys), Subscription.min_criticality <= criticality)
        .order_by(Subscription.created_at, Subscription.id)).all()


def route(session, story_id: str, now, stats: dict | None = None) -> list[str]:
    """Alert every match of a published story; returns the ids of alerts to email now."""
    story = session.get(Story, story_id)
    if story is None or story.status not in stories.PUBLIC:
        return []
    services = [s["id"] for s in stories.care_services_of(session, story.id)]
    subs = matching(session, story.organisation_id, services, tags.ids_of_story(session, story.id),
                    story.criticality or 0, stats)
    title = stories.current(story)["title"]
    # one alert per person or team address, emailed at once if any of theirs asks for that
    recipients: dict[tuple, object] = {}
    for sub in subs:
        key = ("person", sub.person_id) if sub.person_id else ("team", sub.team_email.lower())
        if key not in recipients or (sub.delivery == "immediate"
                                     and recipients[key].delivery != "immediate"):
            recipients[key] = sub
    rows = [{"id": str(uuid.uuid4()), "organisation_id": story.organisation_id,
             "subscription_id": sub.id, "person_id": sub.person_id,
             "team_email": None if sub.person_id else sub.team_email, "kind": "story",
             "stage": None, "story_id": story.id, "title": title, "created_at": now,
             "read_at": None, "email_due": sub.delivery == "immediate", "email_sent_at": None,
             "email_attempts": 0, "email_claim": None, "email_claimed_until": None,
             "digest_due": sub.delivery == "digest", "digested_at": None}
            for sub in recipients.values()]
    # One statement for all of them, through the table (not the ORM): on PostgreSQL SQLAlchemy
    # sends it as multi-row INSERT ... VALUES pages of 1,000 ("insertmanyvalues"), on SQLite the
    # driver runs the one prepared statement for each row in C. A multi-row VALUES built here
    # was five times slower: SQLAlchemy compiled a new statement of ~1,300 parameters a story.
    if rows:
        session.execute(insert(Alert.__table__), rows)
    return [row["id"] for row in rows if row["email_due"]]
