"""Public responses from staff, their moderation, and the author's verdict on a claimed change.

A responder's response goes public at once only when they are trusted (enough published
responses in this organisation) and it claims no change; otherwise it waits for a moderator.
"""
from __future__ import annotations

import uuid

from sqlalchemy import func, select

from involve.kernel.errors import Conflict, NotFound
from involve.kernel.schemas import validate

from . import stories
from .contract import FeedbackPanelVerdict, FeedbackReject, FeedbackRespond, FeedbackVerdict
from .models import Alert, Response, Story

# a story's status only moves forward
RANK = {"published": 0, "responded": 1, "change_planned": 2, "change_made": 3}
STATUS_FOR_CHANGE = {"none": "responded", "planned": "change_planned", "made": "change_made"}


def staff_view(response: Response, story: Story | None = None) -> dict:
    out = stories.public_response(response)
    out.update(story_id=response.story_id, status=response.status,
               responder_person_id=response.responder_person_id,
               rejection_reason=response.rejection_reason,
               created_at=response.created_at.isoformat())
    if story is not None:
        out["story_title"] = stories.current(story)["title"]
    return out


def published_count(session, organisation_id: str, person_id: str) -> int:
    return session.scalar(select(func.count()).select_from(Response).where(
        Response.organisation_id == organisation_id, Response.responder_person_id == person_id,
        Response.status == "published"))


def is_trusted(session, organisation_id: str, person_id: str, trusted_after: int) -> bool:
    return published_count(session, organisation_id, person_id) >= int(trusted_after)


def respond(session, record_event, organisation_id: str, story_id: str, data, responder_id,
            trusted_after: int, now) -> tuple[dict, dict | None]:
    """Returns (the response, a message for the author or None)."""
    story = stories.load(session, organisation_id, story_id)
    if story.status not in stories.PUBLIC:
        raise Conflict("Only a published story can be answered.",
                       {"story_id": ["This story is not published."]})
    values = validate(FeedbackRespond(), data)
    if values["change_status"] == "none":
        values["change_description"] = None
    response = Response(id=str(uuid.uuid4()), story_id=story.id, organisation_id=organisation_id,
                        responder_person_id=responder_id, status="pending", created_at=now,
                        **values)
    session.add(response)
    session.flush()
    notice = None
    if values["change_status"] == "none" and responder_id and is_trusted(
            session, organisation_id, responder_id, trusted_after):
        notice = _go_public(session, record_event, story, response, now)
    return staff_view(response), notice


def load(session, organisation_id: str, response_id: str) -> Response:
    response = session.get(Response, response_id) if isinstance(response_id, str) else None
    if response is None or response.organisation_id != organisation_id:
        raise NotFound("We could not find that response.", {"response_id": ["Unknown id."]})
    return response


def queue(session, organisation_id: str) -> list[dict]:
    rows = session.execute(select(Response, Story).join(Story, Story.id == Response.story_id)
                           .where(Response.organisation_id == organisation_id,
                                  Response.status == "pending")
                           .order_by(Response.created_at, Response.id)).all()
    return [staff_view(r, s) for r, s in rows]


def changes_to_check(session, organisation_id: str) -> list[dict]:
    """Published responses that claim a change the panel has not checked yet, oldest first."""
    rows = session.execute(select(Response, Story).join(Story, Story.id == Response.story_id)
                           .where(Response.organisation_id == organisation_id,
                                  Response.status == "published",
                                  Response.change_status != "none",
                                  Response.panel_verdict.is_(None))
                           .order_by(Response.published_at, Response.id)).all()
    return [{**stories.public_response(r), "story_id": r.story_id,
             "story_title": stories.current(s)["title"]} for r, s in rows]


def _pending(response: Response) -> None:
    if response.status != "pending":
        raise Conflict("This response has already been moderated.",
                       {"status": [f"The response is {response.status}."]})


def publish(session, record_event, organisation_id: str, response_id: str, now):
    response = load(session, organisation_id, response_id)
    _pending(response)
    story = session.get(Story, response.story_id)
    notice = _go_public(session, record_event, story, response, now)
    return staff_view(response), notice


def reject(session, organisation_id: str, response_id: str, data, now) -> dict:
    response = load(session, organisation_id, response_id)
    _pending(response)
    values = validate(FeedbackReject(), data)
    response.status = "rejected"
    response.rejection_reason = values["reason"]
    return staff_view(response)


def _go_public(session, record_event, story: Story, response: Response, now) -> dict | None:
    response.status = "published"
    response.published_at = now
    if story.first_response_at is None:
        story.first_response_at = now
    new_status = STATUS_FOR_CHANGE[response.change_status]
    if RANK.get(new_status, 0) > RANK.get(story.status, 0):
        story.status = new_status
    envelope = {"subject": story.id, "organisation": story.organisation_id,
                "classification": "public"}
    record_event(session, "response.published", {
        "story_id": story.id, "response_id": response.id,
        "responder_title": response.responder_title, "text": response.text,
        "change_status": response.change_status}, **envelope)
    if response.change_status != "none":
        record_event(session, "change.recorded", change_data(response), **envelope)
    _alert_story_readers(session, story, response, now)
    if response.change_status != "none":
        return stories.author_notice(
            story, "A change was made after your story",
            "The service has answered your story and says a change is "
            f"{'planned' if response.change_status == 'planned' else 'made'}. Use your "
            "tracking code on the story tracking page to read it and tell us if it happened.")
    return stories.author_notice(story, "Your story has been answered",
                                 "The service has answered your story in public. Use your "
                                 "tracking code on the story tracking page to read it.")


def change_data(response: Response) -> dict:
    return {"story_id": response.story_id, "response_id": response.id,
            "change_status": response.change_status,
            "description": response.change_description, "verdict": response.author_verdict,
            "panel_verdict": response.panel_verdict}


def _alert_story_readers(session, story: Story, response: Response, now) -> None:
    """Staff alerted about the story hear about its response in their inbox."""
    people = session.scalars(select(Alert.person_id).where(
        Alert.story_id == story.id, Alert.kind == "story", Alert.person_id.is_not(None))
    ).all()
    for person_id in dict.fromkeys(people):
        if person_id == response.responder_person_id:
            continue
        session.add(Alert(id=str(uuid.uuid4()), organisation_id=story.organisation_id,
                          person_id=person_id, kind="response", story_id=story.id,
                          title=stories.current(story)["title"], created_at=now,
                          email_due=False, digest_due=False))


def record_verdict(session, record_event, data, now) -> dict:
    values = validate(FeedbackVerdict(), data)
    story = stories.by_code(session, {"tracking_code": values["tracking_code"]})
    response = session.get(Response, values["response_id"])
    if response is None or response.story_id != story.id or response.status != "published" \
            or response.change_status == "none":
        raise NotFound("We could not find that change on your story.",
                       {"response_id": ["Unknown id."]})
    if response.author_verdict is not None:
        raise Conflict("You have already told us about this change.",
                       {"verdict": ["Already recorded."]})
    response.author_verdict = values["verdict"]
    response.verdict_note = values.get("note")
    response.verdict_at = now
    record_event(session, "change.recorded", change_data(response), subject=story.id,
                 organisation=story.organisation_id, classification="public")
    return stories.public_response(response)


def record_panel_verdict(session, record_event, organisation_id: str, response_id: str, data,
                         person_id: str | None, now) -> dict:
    """A panel (for example the service user council) checks a claimed change: a member records
    the panel's view. Once per response; the note stays with staff."""
    values = validate(FeedbackPanelVerdict(), data)
    response = session.get(Response, response_id)
    if response is None or response.organisation_id != organisation_id \
            or response.status != "published" or response.change_status == "none":
        raise NotFound("We could not find a published change with that id.",
                       {"response_id": ["Unknown id."]})
    if response.panel_verdict is not None:
        raise Conflict("The panel's view of this change is already recorded.",
                       {"verdict": ["Already recorded."]})
    response.panel_verdict = values["verdict"]
    response.panel_note = values.get("note")
    response.panel_verdict_by = person_id
    response.panel_verdict_at = now
    record_event(session, "change.recorded", change_data(response), subject=response.story_id,
                 organisation=organisation_id, classification="public")
    return stories.public_response(response)
