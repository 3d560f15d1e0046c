"""Alerts: the in-app inbox, and emails recorded as due with the alert and sent after commit.

Emails to people go through identity (which holds their address); to teams, to the team address.
Anything left unsent (a crash, a mail server down) is sent again by the timer.
"""
from __future__ import annotations

import logging
import uuid
from datetime import timedelta

from eventlet.greenpool import GreenPool
from sqlalchemy import or_, select, update

from involve.kernel import settings
from involve.kernel.errors import NotFound

from .models import Alert

log = logging.getLogger(__name__)
SUBJECTS = {"story": "A new story about your service",
            "response": "A story you follow has been answered",
            "escalation": "A critical story is waiting for a response",
            "moderation": "A new story is waiting to be moderated"}
# Who hears that a story is waiting to be moderated: the organisation's moderators, or, if it
# has none, its involvement leads, or else its admins (so a story never waits unseen).
MODERATION_ROLES = ("moderator", "involvement_lead", "admin")
MODERATION_TITLE = "A new story to moderate"


def as_dict(alert: Alert) -> dict:
    return {"id": alert.id, "kind": alert.kind, "story_id": alert.story_id, "title": alert.title,
            "stage": alert.stage, "created_at": alert.created_at.isoformat(),
            "read_at": alert.read_at.isoformat() if alert.read_at else None}


def inbox(session, organisation_id: str, person_id: str, limit: int = 200) -> list[dict]:
    rows = session.scalars(select(Alert).where(Alert.organisation_id == organisation_id,
                                               Alert.person_id == person_id)
                           .order_by(Alert.created_at.desc(), Alert.id).limit(limit))
    return [as_dict(a) for a in rows]


def mark_read(session, organisation_id: str, person_id: str, alert_id: str, now) -> dict:
    alert = session.get(Alert, alert_id) if isinstance(alert_id, str) else None
    if alert is None or alert.organisation_id != organisation_id or alert.person_id != person_id:
        raise NotFound("We could not find that alert.", {"alert_id": ["Unknown id."]})
    if alert.read_at is None:
        alert.read_at = now
    return as_dict(alert)


def gateway_url(path: str) -> str:
    return str(settings.get("GATEWAY_URL")).rstrip("/") + path


def story_link(organisation_id: str, story_id: str) -> str:
    """The story's public page (alerts are only about published stories)."""
    return gateway_url(f"/organisations/{organisation_id}/stories/{story_id}")


def respond_link(organisation_id: str, story_id: str) -> str:
    return gateway_url(f"/admin/organisations/{organisation_id}/feedback/stories/{story_id}"
                       "/respond")


def moderate_path(organisation_id: str, story_id: str) -> str:
    return f"/admin/organisations/{organisation_id}/feedback/stories/{story_id}/moderate"


def for_moderators(session, organisation_id: str, story_id: str, moderators: list[str],
                   now) -> list[str]:
    """An alert (inbox, and an email through identity) for each moderator, recorded with the
    story it is about. It never carries the story's words: they are not moderated yet."""
    ids = []
    for person_id in dict.fromkeys(moderators):
        alert = Alert(id=str(uuid.uuid4()), organisation_id=organisation_id,
                      subscription_id=None, person_id=person_id, team_email=None,
                      kind="moderation", stage=None, story_id=story_id,
                      title=MODERATION_TITLE, created_at=now, email_due=True,
                      email_attempts=0, digest_due=False)
        session.add(alert)
        ids.append(alert.id)
    return ids


def moderation_done(session, story_id: str, now) -> None:
    """A story has been published, held or rejected: the other moderators' alerts about it are
    marked read, and any email not sent yet is not sent."""
    session.execute(update(Alert).where(Alert.story_id == story_id, Alert.kind == "moderation",
                                        Alert.read_at.is_(None)).values(read_at=now))
    session.execute(update(Alert).where(Alert.story_id == story_id, Alert.kind == "moderation",
                                        Alert.email_sent_at.is_(None),
                                        Alert.email_claim.is_(None)).values(email_due=False))


def message_for(alert: Alert) -> dict:
    """The email for an alert: the public title and a link, never the author or criticality."""
    if alert.kind == "moderation":  # identity adds the link to the email
        return {"person_id": alert.person_id, "team_email": None,
                "subject": SUBJECTS["moderation"],
                "body": ("Someone has told a story about one of your services. Please read it "
                         "and decide whether it can be published."),
                "link": moderate_path(alert.organisation_id, alert.story_id),
                "organisation_id": alert.organisation_id}
    lines = {
        "story": "A story has been published about a service you follow:",
        "response": "A story you were told about has been answered:",
        "escalation": "This critical story has had no response yet. Please make sure someone "
                      "answers it:",
    }
    body = (f"{lines[alert.kind]}\n\n  {alert.title}\n\n"
            f"Read it: {story_link(alert.organisation_id, alert.story_id)}\n"
            f"Answer it (sign in first): {respond_link(alert.organisation_id, alert.story_id)}\n")
    return {"person_id": alert.person_id, "team_email": alert.team_email,
            "subject": SUBJECTS[alert.kind], "body": body}


CLAIM_SECONDS = 300
ROUND = 1000  # emails claimed at most in one run of send_due


def unsent(session, now, ids: list[str] | None = None, created_before=None,
           limit=200) -> list[str]:
    """Due emails not sent yet and not being sent by someone else right now."""
    query = select(Alert.id).where(
        Alert.email_due.is_(True), Alert.email_sent_at.is_(None),
        or_(Alert.email_claimed_until.is_(None), Alert.email_claimed_until < now))
    if ids is not None:
        if not ids:
            return []
        query = query.where(Alert.id.in_(ids))
    if created_before is not None:
        query = query.where(Alert.created_at <= created_before)
    return list(session.scalars(query.order_by(Alert.created_at).limit(limit)))


def notification(message: dict) -> dict:
    """A message as identity's notify_person takes it (a link and the organisation if known)."""
    return {key: message[key] for key in ("subject", "body", "link", "organisation_id")
            if message.get(key) is not None}


def send_due(session_factory, deliver, now, ids: list[str] | None = None,
             grace_seconds: float = 0, concurrency: int = 1, deliver_many=None,
             batch_size: int = 200) -> int:
    """Send the due, unsent emails (the given ones, or all older than the grace period).

    The alerts are claimed first (with a conditional update), so two senders (two instances of
    the service) never send the same email. ``deliver(message)`` sends one message
    (``concurrency`` at a time). ``deliver_many(messages)``, if given, sends the emails to people
    in batches of ``batch_size`` (one RPC each, not one a message) and returns, per message,
    whether it went. A failure does not stop the rest: its claim is released and it is tried
    again on the next run.
    """
    claim = str(uuid.uuid4())
    with session_factory.begin() as session:
        todo = unsent(session, now, ids, None if ids is not None
                      else now - timedelta(seconds=grace_seconds), limit=ROUND)
        if not todo:
            return 0
        session.execute(update(Alert).where(
            Alert.id.in_(todo), Alert.email_sent_at.is_(None),
            or_(Alert.email_claimed_until.is_(None), Alert.email_claimed_until < now)).values(
            email_claim=claim, email_claimed_until=now + timedelta(seconds=CLAIM_SECONDS),
            email_attempts=Alert.email_attempts + 1))
    with session_factory() as session:
        messages = [(alert.id, message_for(alert)) for alert in session.scalars(
            select(Alert).where(Alert.email_claim == claim))]

    def one(item):
        alert_id, message = item
        try:
            deliver(message)
        except Exception as exc:  # noqa: BLE001 - any mail failure: retry later
            log.warning("an alert email could not be sent (%s); it will be retried",
                        type(exc).__name__)
            return None
        return alert_id

    def many(batch):
        try:
            went = deliver_many([message for _, message in batch])
            return [alert_id for (alert_id, _), ok in zip(batch, went, strict=True) if ok]
        except Exception as exc:  # noqa: BLE001 - the whole batch is tried again later
            log.warning("a batch of %d alert emails could not be sent (%s); it will be retried",
                        len(batch), type(exc).__name__)
            return []

    pool = GreenPool(max(1, concurrency))
    if deliver_many is None:
        sent = [alert_id for alert_id in pool.imap(one, messages) if alert_id]
    else:
        people = [item for item in messages if item[1].get("person_id")]
        others = [item for item in messages if not item[1].get("person_id")]
        batches = [people[i:i + batch_size] for i in range(0, len(people), batch_size)]
        sent = [alert_id for alert_id in pool.imap(one, others) if alert_id]
        sent += [alert_id for went in pool.imap(many, batches) for alert_id in went]
    with session_factory.begin() as session:
        if sent:
            session.execute(update(Alert).where(Alert.id.in_(sent)).values(email_sent_at=now))
        session.execute(update(Alert).where(Alert.email_claim == claim,
                                            Alert.email_sent_at.is_(None))
                        .values(email_claimed_until=None))
    return len(sent)
