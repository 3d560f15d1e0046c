"""Endpoints: where an organisation's events go. Create, read, change, delete, rotate the secret.

The secret is returned only by ``create`` and ``rotate``; every other view leaves it out. Event
types are named by routing key (``care_service.created``) or CloudEvents type, checked against the
catalogue; only types that belong to one organisation can be chosen (the others would leak
across organisations).
"""
from __future__ import annotations

import uuid
from datetime import timedelta

from sqlalchemy import select, update

from involve.kernel import catalogue, settings
from involve.kernel.errors import Conflict, InvalidInput, NotFound

from . import addresses, signing
from .models import CANCELLED, PENDING, Delivery, Endpoint

REASONS = {"by_admin": "turned off by an administrator",
           "gone": "the receiver answered 410 Gone",
           "failing": "every retry of a delivery failed"}


def offered() -> list[catalogue.EventType]:
    """The event types an endpoint may choose: those that belong to one organisation."""
    return [e for e in catalogue.published() if e.organisation_scoped]


def check_event_types(names: list[str]) -> list[str]:
    """The routing keys named (deduplicated, in order) or InvalidInput on ``event_types``."""
    problems: dict = {}
    chosen: list[str] = []
    for index, name in enumerate(names):
        event = catalogue.find(name)
        if event is None:
            problems[index] = [f"There is no event type {name!r}. The list is in /asyncapi.json."]
        elif not event.organisation_scoped:
            problems[index] = [f"{event.name} belongs to no single organisation, so it cannot "
                               "be sent by webhook."]
        elif event.name not in chosen:
            chosen.append(event.name)
    if problems:
        raise InvalidInput("Some event types cannot be chosen.", {"event_types": problems})
    return chosen


def view(endpoint: Endpoint) -> dict:
    return {
        "id": endpoint.id, "organisation_id": endpoint.organisation_id, "url": endpoint.url,
        "description": endpoint.description, "event_types": list(endpoint.event_types),
        "enabled": endpoint.enabled, "disabled_reason": endpoint.disabled_reason,
        "disabled_at": endpoint.disabled_at.isoformat() if endpoint.disabled_at else None,
        "secret_rotated_at": (endpoint.secret_rotated_at.isoformat()
                              if endpoint.secret_rotated_at else None),
        "previous_secret_expires_at": (endpoint.previous_secret_until.isoformat()
                                       if endpoint.previous_secret_until else None),
        "created_at": endpoint.created_at.isoformat(), "updated_at": endpoint.updated_at.isoformat(),
    }


def load(session, organisation_id: str, endpoint_id) -> Endpoint:
    endpoint = session.get(Endpoint, endpoint_id) if isinstance(endpoint_id, str) else None
    if endpoint is None or endpoint.organisation_id != organisation_id:
        raise NotFound("We could not find that webhook.", {"webhook_id": ["Unknown id."]})
    return endpoint


def create(session, box: signing.SecretBox, organisation_id: str, values: dict,
           person_id: str | None, now) -> dict:
    url = addresses.check(values["url"])
    types = check_event_types(values["event_types"])
    secret = signing.new_secret()
    endpoint = Endpoint(id=str(uuid.uuid4()), organisation_id=organisation_id, url=url,
                        description=values.get("description", "").strip(), event_types=types,
                        secret_sealed=box.seal(secret), enabled=True, notice_due=False,
                        created_by=person_id, created_at=now, updated_at=now)
    session.add(endpoint)
    session.flush()
    return {**view(endpoint), "secret": secret}


def list_for(session, organisation_id: str) -> list[dict]:
    rows = session.scalars(select(Endpoint).where(Endpoint.organisation_id == organisation_id)
                           .order_by(Endpoint.created_at, Endpoint.id))
    return [view(e) for e in rows]


def _cancel_pending(session, endpoint_id: str, reason: str) -> None:
    session.execute(update(Delivery).where(Delivery.endpoint_id == endpoint_id,
                                           Delivery.status == PENDING)
                    .values(status=CANCELLED, next_attempt_at=None, claim=None,
                            claimed_until=None, last_error=f"Not sent: the webhook was {reason}."))


def disable(session, endpoint: Endpoint, reason: str, now, tell_admins: bool) -> None:
    endpoint.enabled = False
    endpoint.disabled_reason = reason
    endpoint.disabled_at = now
    endpoint.updated_at = now
    endpoint.notice_due = tell_admins
    _cancel_pending(session, endpoint.id, REASONS[reason])


def change(session, organisation_id: str, endpoint_id, values: dict, now) -> dict:
    endpoint = load(session, organisation_id, endpoint_id)
    if "url" in values:
        endpoint.url = addresses.check(values["url"])
    if "event_types" in values:
        endpoint.event_types = check_event_types(values["event_types"])
    if "description" in values:
        endpoint.description = values["description"].strip()
    if values.get("enabled") is True and not endpoint.enabled:
        endpoint.enabled, endpoint.disabled_reason, endpoint.disabled_at = True, None, None
        endpoint.notice_due = False
    elif values.get("enabled") is False and endpoint.enabled:
        disable(session, endpoint, "by_admin", now, tell_admins=False)
    endpoint.updated_at = now
    session.flush()
    return view(endpoint)


def delete(session, organisation_id: str, endpoint_id) -> dict:
    endpoint = load(session, organisation_id, endpoint_id)
    out = view(endpoint)
    session.execute(Delivery.__table__.delete().where(Delivery.endpoint_id == endpoint.id))
    session.delete(endpoint)
    return {**out, "deleted": True}


def rotate(session, box: signing.SecretBox, organisation_id: str, endpoint_id, now) -> dict:
    """A new secret (returned once); the old one keeps signing beside it during the overlap."""
    endpoint = load(session, organisation_id, endpoint_id)
    overlap = float(settings.get("WEBHOOKS_ROTATION_OVERLAP_SECONDS"))
    secret = signing.new_secret()
    endpoint.previous_secret_sealed = endpoint.secret_sealed if overlap > 0 else None
    endpoint.previous_secret_until = now + timedelta(seconds=overlap) if overlap > 0 else None
    endpoint.secret_sealed = box.seal(secret)
    endpoint.secret_rotated_at = endpoint.updated_at = now
    session.flush()
    return {"id": endpoint.id, "secret": secret,
            "previous_secret_expires_at": (endpoint.previous_secret_until.isoformat()
                                           if endpoint.previous_secret_until else None)}


def signing_secrets(box: signing.SecretBox, endpoint: Endpoint, now) -> list[str]:
    """The secrets to sign with now: the current one, and the previous during its overlap."""
    secrets = [box.open(endpoint.secret_sealed)]
    if endpoint.previous_secret_sealed and endpoint.previous_secret_until \
            and endpoint.previous_secret_until > now:
        secrets.append(box.open(endpoint.previous_secret_sealed))
    return secrets


def notices_due(session, limit: int = 50) -> list[Endpoint]:
    return list(session.scalars(select(Endpoint).where(Endpoint.notice_due.is_(True))
                                .order_by(Endpoint.disabled_at).limit(limit)))


def claim_notice(session, endpoint_id: str) -> bool:
    """Take the notice to send (a conditional update): one instance sends it, not two."""
    taken = session.execute(update(Endpoint).where(Endpoint.id == endpoint_id,
                                                   Endpoint.notice_due.is_(True))
                            .values(notice_due=False))
    return taken.rowcount == 1


def notice_not_sent(session, endpoint_id: str) -> None:
    session.execute(update(Endpoint).where(Endpoint.id == endpoint_id).values(notice_due=True))


def notice_for(endpoint: Endpoint, link: str) -> dict:
    return {"subject": "A webhook has been turned off",
            "body": (f"We have stopped sending events to one of your organisation's webhooks, "
                     f"because {REASONS.get(endpoint.disabled_reason, 'it kept failing')}.\n\n"
                     f"  {endpoint.description or 'Webhook'}: {endpoint.url}\n\n"
                     f"Events that were not delivered are listed on its page, where you can "
                     f"send them again once the receiving system works and you have turned the "
                     f"webhook back on (sign in first):\n{link}\n")}


def replay_conflict() -> Conflict:
    return Conflict("Turn the webhook on again before sending deliveries again.",
                    {"enabled": ["The webhook is turned off."]})
