"""Subscriptions: who hears about which stories, and the index routing reads.

Each subscription is written into ``subscription_keys`` once per (care service or "*", tag or
"*") it listens to, so routing looks up only a story's own keys.
"""
from __future__ import annotations

import itertools
import uuid

from sqlalchemy import delete, select

from involve.kernel.errors import Forbidden, InvalidInput, NotFound
from involve.kernel.schemas import validate

from . import tags
from .contract import FeedbackSubscriptionCreate
from .models import ANY, Alert, Subscription, SubscriptionKey


def check(data) -> dict:
    return validate(FeedbackSubscriptionCreate(), data)


def as_dict(sub: Subscription) -> dict:
    return {
        "id": sub.id, "person_id": sub.person_id, "team_name": sub.team_name,
        "team_email": sub.team_email, "care_service_ids": list(sub.care_service_ids),
        "tag_ids": list(sub.tag_ids), "min_criticality": sub.min_criticality,
        "delivery": sub.delivery, "escalation_contact": sub.escalation_contact,
        "created_at": sub.created_at.isoformat(),
    }


def check_care_services(values: dict, public_services: list[dict]) -> None:
    known = {s["id"] for s in public_services}
    if any(i not in known for i in values["care_service_ids"]):
        raise InvalidInput("We could not find that care service.", {
            "care_service_ids": ["Please choose services from the list: one was not found."]})


def create(session, organisation_id: str, values: dict, created_by: str | None, now) -> dict:
    """Store a checked subscription (care services already checked with identity)."""
    tag_ids = tags.check_ids(session, organisation_id, values["tag_ids"])
    care_service_ids = list(dict.fromkeys(values["care_service_ids"]))
    sub = Subscription(
        id=str(uuid.uuid4()), organisation_id=organisation_id, person_id=values["person_id"],
        team_name=values["team_name"], team_email=values["team_email"],
        care_service_ids=care_service_ids, tag_ids=tag_ids,
        min_criticality=values["min_criticality"], delivery=values["delivery"],
        escalation_contact=values["escalation_contact"], created_by=created_by, created_at=now)
    session.add(sub)
    session.flush()
    add_keys(session, sub)
    return as_dict(sub)


def add_keys(session, sub: Subscription) -> None:
    for service_key, tag_key in itertools.product(sub.care_service_ids or [ANY],
                                                  sub.tag_ids or [ANY]):
        session.add(SubscriptionKey(subscription_id=sub.id, care_service_key=service_key,
                                    tag_key=tag_key, organisation_id=sub.organisation_id))


def list_for(session, organisation_id: str, person_id: str | None = None) -> list[dict]:
    query = select(Subscription).where(Subscription.organisation_id == organisation_id)
    if person_id is not None:
        query = query.where(Subscription.person_id == person_id)
    return [as_dict(s) for s in session.scalars(query.order_by(Subscription.created_at,
                                                               Subscription.id))]


def remove(session, sub: Subscription) -> None:
    session.execute(delete(SubscriptionKey).where(SubscriptionKey.subscription_id == sub.id))
    session.delete(sub)


def delete_one(session, organisation_id: str, subscription_id: str, person_id: str | None,
               may_route: bool) -> dict:
    sub = session.get(Subscription, subscription_id) if isinstance(subscription_id, str) \
        else None
    if sub is None or sub.organisation_id != organisation_id:
        raise NotFound("We could not find that subscription.",
                       {"subscription_id": ["Unknown id."]})
    if not may_route and (sub.person_id is None or sub.person_id != person_id):
        raise Forbidden("You can only remove your own subscriptions.")
    remove(session, sub)
    return {"deleted": True, "id": subscription_id}


def forget_person(session, person_id: str) -> int:
    """An erased person: their subscriptions and alerts go."""
    subs = session.scalars(select(Subscription).where(Subscription.person_id == person_id)).all()
    for sub in subs:
        remove(session, sub)
    gone = session.execute(delete(Alert).where(Alert.person_id == person_id)).rowcount
    return len(subs) + (gone or 0)
