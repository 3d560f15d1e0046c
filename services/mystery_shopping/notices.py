"""What shoppers are told, and when: calls given to them when a round is scheduled, a call passed
to them (or away from them) later. Plain functions building the messages; the service sends them
through identity's ``notify_person`` (which holds the address and the person's choice of email
or Involve messages only), from its own handlers of ``round.scheduled`` and ``call.reassigned``.

Each handler sends, then records the event as handled: a crash in between sends a message twice,
never loses one. Messages say which round and by when, never which services: an email can be
read over someone's shoulder, and the calls are on the shopper's My calls page.
"""
from __future__ import annotations

from sqlalchemy import select

from involve.kernel.idempotency import handled_events

from .models import Assignment, Round


def handled(session, event_id: str, handler: str) -> bool:
    return session.execute(select(handled_events.c.event_id).where(
        handled_events.c.event_id == event_id, handled_events.c.handler == handler)).first() \
        is not None


def my_calls_path(organisation_id: str) -> str:
    return f"/organisations/{organisation_id}/mystery-shopping/my-calls"


def _day(value) -> str:
    return f"{value.day} {value:%B %Y}"


def _message(person_id: str, organisation_id: str, subject: str, text: str) -> dict:
    """As identity's notify_person takes it: it keeps the message in the shopper's Involve
    inbox and emails it (with the link) unless they chose messages on Involve only."""
    return {"person_id": person_id, "subject": subject, "body": text,
            "link": my_calls_path(organisation_id), "organisation_id": organisation_id}


def round_scheduled(session, round_id: str) -> list[dict]:
    """One message for each shopper given calls in the round (still theirs, round still open)."""
    r = session.get(Round, round_id)
    if r is None or r.status != "scheduled":
        return []
    counts: dict[str, int] = {}
    for shopper_id in session.scalars(select(Assignment.shopper_id).where(
            Assignment.round_id == r.id, Assignment.status == "assigned",
            Assignment.shopper_id.is_not(None))):
        counts[shopper_id] = counts.get(shopper_id, 0) + 1
    out = []
    for shopper_id, count in sorted(counts.items()):
        calls = "a call" if count == 1 else f"{count} calls"
        out.append(_message(
            shopper_id, r.organisation_id, "You have mystery-shopping calls to make",
            f"Thank you for taking part. You have {calls} to make in the mystery-shopping "
            f"round \u201c{r.name}\u201d, between {_day(r.starts_on)} and {_day(r.ends_on)}. "
            "Each call shows who to call as and the information you may use. If you cannot "
            "make one, say so on its page and it will be passed to someone else."))
    return out


def call_reassigned(session, data: dict) -> list[dict]:
    """The shopper a call was passed to, and the one it was taken from (unless they passed it
    on themselves), if that is still how things stand."""
    a = session.get(Assignment, data.get("assignment_id") or "")
    r = session.get(Round, a.round_id) if a is not None else None
    if a is None or r is None or r.status != "scheduled":
        return []
    out = []
    new, previous = data.get("shopper_id"), data.get("previous_shopper_id")
    if new and a.shopper_id == new and a.status == "assigned":
        out.append(_message(
            new, r.organisation_id, "A mystery-shopping call has been passed to you",
            f"Another shopper could not make one of the calls in the round \u201c{r.name}\u201d, "
            f"so it is now yours, to make by {_day(r.ends_on)}. Thank you."))
    if previous and not data.get("declined") and a.shopper_id != previous:
        out.append(_message(
            previous, r.organisation_id, "One of your mystery-shopping calls has moved",
            f"One of your calls in the round \u201c{r.name}\u201d has been given to another "
            "shopper, so you do not need to make it. Your other calls are unchanged."))
    return out
