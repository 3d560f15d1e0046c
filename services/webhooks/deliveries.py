"""Deliveries: an event fanned out to the endpoints that want it, claimed, sent, retried.

* ``fan_out`` (in the event handler's transaction): one row per endpoint of the event's own
  organisation subscribed to its routing key, with the body exactly as it will be signed. The
  unique (endpoint, event) pair makes a redelivered event harmless.
* ``claim_due``: due rows are claimed with a conditional UPDATE (status still pending, no live
  claim), so two instances never send the same attempt at the same time; a claim lapses after
  a lease, so a crashed sender's rows are sent again (at least once).
* ``settle``: the outcome of one attempt. 2xx: delivered. 410: the endpoint is disabled. Other
  answers and errors: retried after the next step of the schedule (with jitter), or after
  ``Retry-After`` if a 429/502/503/504 asks for longer. When the last retry fails the delivery
  has failed and, unless another delivery to the endpoint succeeded since, the endpoint is
  disabled and its admins are told.
"""
from __future__ import annotations

import json
import random
import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import bindparam, insert, or_, select, update

from involve.kernel import catalogue, settings
from involve.kernel.errors import Conflict, NotFound

from . import endpoints as ep
from .models import CANCELLED, DELIVERED, FAILED, PENDING, Delivery, Endpoint

RETRY_AFTER_CODES = (429, 502, 503, 504)
STATUSES = (PENDING, DELIVERED, FAILED, CANCELLED)


def routing_key_of(message: dict) -> str | None:
    event = catalogue.by_type(message.get("type", ""))
    if event is not None:
        return event.name
    parts = str(message.get("type", "")).split(".")  # involve.<service>.<key...>.v<n>
    if len(parts) >= 4 and parts[0] == "involve" and parts[-1].startswith("v"):
        return ".".join(parts[2:-1])
    return None


def body_of(message: dict) -> str:
    return json.dumps(message, ensure_ascii=False, separators=(",", ":"))


def _time_of(message: dict) -> datetime | None:
    try:
        moment = datetime.fromisoformat(str(message.get("time")))
    except ValueError:
        return None
    return moment if moment.tzinfo else None


def wanted_by(session, message) -> list[str]:
    """Ids of the enabled endpoints of the event's own organisation that chose its type."""
    if not isinstance(message, dict):
        return []
    organisation, key = message.get("organisation"), routing_key_of(message)
    if not (isinstance(organisation, str) and isinstance(message.get("id"), str) and key):
        return []  # an event of no single organisation, or not an Involve envelope
    rows = session.execute(select(Endpoint.id, Endpoint.event_types).where(
        Endpoint.organisation_id == organisation, Endpoint.enabled.is_(True)))
    return [endpoint_id for endpoint_id, types in rows if key in types]


def fan_out(session, message: dict, now) -> list[str]:
    """Delivery rows for the endpoints that want this event; returns their ids."""
    wanted = wanted_by(session, message)
    if not wanted:
        return []
    event_id = message["id"]
    done = set(session.scalars(select(Delivery.endpoint_id).where(
        Delivery.event_id == event_id, Delivery.endpoint_id.in_(wanted))))
    body, moment = body_of(message), _time_of(message)
    rows = [{"id": str(uuid.uuid4()), "endpoint_id": endpoint_id,
             "organisation_id": message["organisation"], "event_id": event_id,
             "event_type": str(message.get("type")), "body": body, "event_time": moment,
             "status": PENDING, "attempts": 0, "round_attempts": 0, "next_attempt_at": now,
             "created_at": now} for endpoint_id in wanted if endpoint_id not in done]
    if rows:
        session.execute(insert(Delivery), rows)
    return [row["id"] for row in rows]


# --- sending -------------------------------------------------------------------------------------
@dataclass
class Work:
    delivery_id: str
    claim: str
    endpoint_id: str
    url: str
    secrets: list
    event_id: str
    body: bytes


def lease_seconds() -> float:
    return 2 * float(settings.get("WEBHOOKS_TIMEOUT_SECONDS")) + 5


def _claimable(now):
    return or_(Delivery.claimed_until.is_(None), Delivery.claimed_until < now)


def claim_due(sessions, box, now, limit: int) -> list[Work]:
    """Claim up to ``limit`` due deliveries of enabled endpoints for this sender."""
    if limit <= 0:
        return []
    claim = str(uuid.uuid4())
    with sessions.begin() as session:
        due = list(session.scalars(
            select(Delivery.id).join(Endpoint, Endpoint.id == Delivery.endpoint_id)
            .where(Delivery.status == PENDING, Delivery.next_attempt_at <= now,
                   _claimable(now), Endpoint.enabled.is_(True))
            .order_by(Delivery.next_attempt_at, Delivery.created_at).limit(limit)))
        if not due:
            return []
        session.execute(
            update(Delivery).where(Delivery.id.in_(due), Delivery.status == PENDING, _claimable(now))
            .values(claim=claim, claimed_until=now + timedelta(seconds=lease_seconds()),
                    attempts=Delivery.attempts + 1, round_attempts=Delivery.round_attempts + 1,
                    last_attempt_at=now)
            .execution_options(synchronize_session=False))
    with sessions() as session:
        rows = session.execute(select(Delivery, Endpoint)
                               .join(Endpoint, Endpoint.id == Delivery.endpoint_id)
                               .where(Delivery.claim == claim)).all()
        return [Work(d.id, claim, e.id, e.url, ep.signing_secrets(box, e, now), d.event_id,
                     d.body.encode("utf-8")) for d, e in rows]


@dataclass
class Outcome:
    status: int | None = None      # the HTTP status, if the receiver answered
    error: str | None = None       # what went wrong otherwise (timeout, refused address, ...)
    retry_after: float | None = None

    @property
    def delivered(self) -> bool:
        return self.status is not None and 200 <= self.status < 300


def next_delay(round_attempts: int, outcome: Outcome) -> float | None:
    """Seconds until the next try after the ``round_attempts``-th failed, or None: no more."""
    schedule = [float(s) for s in settings.get("WEBHOOKS_RETRY_SCHEDULE")]
    if round_attempts > len(schedule):
        return None
    jitter = float(settings.get("WEBHOOKS_RETRY_JITTER"))
    delay = schedule[round_attempts - 1] * random.uniform(1 - jitter, 1 + jitter)
    if outcome.status in RETRY_AFTER_CODES and outcome.retry_after is not None:
        most = float(settings.get("WEBHOOKS_RETRY_AFTER_MAX_SECONDS"))
        delay = max(delay, min(outcome.retry_after, most))
    return delay


def settle(sessions, work: Work, outcome: Outcome, now) -> str:
    """Record one attempt's outcome (if this sender still holds the claim); returns the status."""
    return settle_many(sessions, [(work, outcome, now)])[0]


def settle_many(sessions, results: list[tuple[Work, Outcome, datetime]]) -> list[str]:
    """Record several attempts' outcomes in one transaction (the courier batches them).
    Deliveries (the usual case) are recorded in one statement; failures one by one."""
    statuses: dict[str, str] = {}
    with sessions.begin() as session:
        wanted = [w.delivery_id for w, o, _ in results if o.delivered]
        held = set(session.execute(select(Delivery.id, Delivery.claim).where(
            Delivery.id.in_(wanted))).all()) if wanted else set()
        delivered = [(w, o, t) for w, o, t in results
                     if o.delivered and (w.delivery_id, w.claim) in held]
        for w, o, _ in results:
            if o.delivered and (w.delivery_id, w.claim) not in held:
                statuses[w.delivery_id] = "lost"  # the claim lapsed; another sender has it
        if delivered:
            table = Delivery.__table__
            session.execute(
                table.update().where(table.c.id == bindparam("b_id"),
                                     table.c.claim == bindparam("b_claim"))
                .values(status=DELIVERED, delivered_at=bindparam("b_at"), next_attempt_at=None,
                        response_status=bindparam("b_status"), last_error=None, claim=None,
                        claimed_until=None),
                [{"b_id": w.delivery_id, "b_claim": w.claim, "b_at": t, "b_status": o.status}
                 for w, o, t in delivered])
            latest: dict[str, datetime] = {}
            for w, _, t in delivered:
                latest[w.endpoint_id] = max(t, latest.get(w.endpoint_id, t))
            for endpoint_id, moment in latest.items():
                session.execute(update(Endpoint).where(Endpoint.id == endpoint_id)
                                .values(last_success_at=moment))
            for w, _, _ in delivered:
                statuses[w.delivery_id] = DELIVERED
        for work, outcome, now in results:
            if work.delivery_id not in statuses:
                statuses[work.delivery_id] = _settle(session, work, outcome, now)
    return [statuses[w.delivery_id] for w, _, _ in results]


def _settle(session, work: Work, outcome: Outcome, now) -> str:
    delivery = session.scalars(select(Delivery).where(
        Delivery.id == work.delivery_id, Delivery.claim == work.claim)).first()
    if delivery is None:  # the claim lapsed and another sender took it over
        return "lost"
    endpoint = session.get(Endpoint, delivery.endpoint_id)
    delivery.claim, delivery.claimed_until = None, None
    delivery.response_status = outcome.status
    delivery.last_error = (outcome.error or "")[:300] or None
    if outcome.delivered:  # even if cancelled meanwhile: the receiver has it
        delivery.status, delivery.delivered_at, delivery.next_attempt_at = DELIVERED, now, None
        delivery.last_error = None
        endpoint.last_success_at = now
        return DELIVERED
    if delivery.status != PENDING:  # cancelled while it was being sent
        return delivery.status
    if outcome.status == 410:
        delivery.status, delivery.next_attempt_at = FAILED, None
        if endpoint.enabled:
            ep.disable(session, endpoint, "gone", now, tell_admins=True)
        session.flush()
        return FAILED
    delay = next_delay(delivery.round_attempts, outcome)
    if delay is not None:
        delivery.next_attempt_at = now + timedelta(seconds=delay)
        return PENDING
    delivery.status, delivery.next_attempt_at = FAILED, None
    if endpoint.enabled and (endpoint.last_success_at is None
                             or endpoint.last_success_at < delivery.created_at):
        ep.disable(session, endpoint, "failing", now, tell_admins=True)
    session.flush()
    return FAILED


def next_due(sessions, now) -> float | None:
    """Seconds until the next pending delivery is due (None: nothing pending)."""
    with sessions() as session:
        moment = session.scalar(select(Delivery.next_attempt_at).join(
            Endpoint, Endpoint.id == Delivery.endpoint_id).where(
            Delivery.status == PENDING, Endpoint.enabled.is_(True))
            .order_by(Delivery.next_attempt_at).limit(1))
    return None if moment is None else max(0.0, (moment - now).total_seconds())


# --- the log and replay ------------------------------------------------------------------------
def view(delivery: Delivery) -> dict:
    def iso(moment):
        return moment.isoformat() if moment else None

    return {"id": delivery.id, "webhook_id": delivery.endpoint_id, "event_id": delivery.event_id,
            "event_type": delivery.event_type, "status": delivery.status,
            "attempts": delivery.attempts, "next_attempt_at": iso(delivery.next_attempt_at),
            "last_attempt_at": iso(delivery.last_attempt_at),
            "response_status": delivery.response_status, "error": delivery.last_error,
            "created_at": iso(delivery.created_at), "delivered_at": iso(delivery.delivered_at)}


def log(session, organisation_id: str, endpoint_id, status: str | None = None,
        limit: int = 100) -> list[dict]:
    endpoint = ep.load(session, organisation_id, endpoint_id)
    query = select(Delivery).where(Delivery.endpoint_id == endpoint.id)
    if status:
        query = query.where(Delivery.status == status)
    rows = session.scalars(query.order_by(Delivery.created_at.desc(), Delivery.id).limit(limit))
    return [view(d) for d in rows]


def replay(session, organisation_id: str, endpoint_id, delivery_id, now) -> dict:
    """Send one delivery again, from the start of the schedule, with the same webhook-id."""
    endpoint = ep.load(session, organisation_id, endpoint_id)
    delivery = session.get(Delivery, delivery_id) if isinstance(delivery_id, str) else None
    if delivery is None or delivery.endpoint_id != endpoint.id:
        raise NotFound("We could not find that delivery.", {"delivery_id": ["Unknown id."]})
    if not endpoint.enabled:
        raise ep.replay_conflict()
    if delivery.status == PENDING:
        raise Conflict("This delivery is already waiting to be sent.",
                       {"delivery_id": ["Already waiting to be sent."]})
    delivery.status, delivery.round_attempts, delivery.next_attempt_at = PENDING, 0, now
    delivery.claim = delivery.claimed_until = None
    session.flush()
    return view(delivery)
