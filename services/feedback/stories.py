"""Stories: submission, moderation, publication, the public and staff views, and tracking.

Plain functions on a SQLAlchemy session; the Nameko service calls identity and wraps each call in
one transaction. Only moderated (public) text ever goes into events; criticality never does.
"""
from __future__ import annotations

import hashlib
import secrets
import statistics
import uuid
from datetime import timedelta

from sqlalchemy import delete, func, select

from involve.kernel.errors import Conflict, InvalidInput, NotFound
from involve.kernel.schemas import validate

from . import alerts, identifying, tags
from .alerts import gateway_url
from .contract import (
    FeedbackModerate,
    FeedbackPublish,
    FeedbackReject,
    FeedbackStaffFilters,
    FeedbackStoryCreate,
    FeedbackStoryFilters,
    FeedbackTracking,
)
from .models import Alert, Response, Story, StoryCareService, StoryTag, Tag

TEXT_FIELDS = identifying.FIELDS
PUBLIC = ("published", "responded", "change_planned", "change_made")
IN_MODERATION = ("received", "in_moderation")
PAGE = 20


# --- tracking codes -----------------------------------------------------------------------
# Crockford's base32: digits and capitals without I, L, O and U, so no letter can be read as a
# digit or the other way round. Read back, O counts as 0 and I or L as 1, case, spaces and
# dashes do not matter. Codes given before this (RFC 4648 base32, A-Z and 2-7) still work.
CODE_ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
CODE_LENGTH = 26  # 130 random bits
_READ_AS_DIGITS = str.maketrans({"O": "0", "I": "1", "L": "1"})
_READ_AS_OLD = str.maketrans({"0": "O", "1": "I", "8": "B"})  # old codes had no 0, 1 or 8


def new_tracking_code() -> str:
    """130 random bits as 26 characters in groups of four (easy to read out and copy)."""
    number = secrets.randbits(5 * CODE_LENGTH)
    raw = "".join(CODE_ALPHABET[(number >> (5 * i)) & 31] for i in range(CODE_LENGTH))
    return "-".join(raw[i:i + 4] for i in range(0, len(raw), 4))


def _letters(code: str) -> str:
    return "".join(ch for ch in code.upper() if ch.isascii() and ch.isalnum())


def hash_code(code: str) -> str:
    """What is stored: the hash of the code's letters and digits, in capitals."""
    return hashlib.sha256(_letters(code).encode()).hexdigest()


def code_hashes(code: str) -> set[str]:
    """The hashes a code typed by a person may match: as typed, with O, I and L read as the
    digits they stand for (new codes), and with 0, 1 and 8 read as O, I and B (old codes)."""
    letters = _letters(code)
    return {hash_code(variant) for variant in (letters, letters.translate(_READ_AS_DIGITS),
                                               letters.translate(_READ_AS_OLD))}


# --- submission ---------------------------------------------------------------------------
def check_submission(data) -> dict:
    return validate(FeedbackStoryCreate(), data)


def check_care_services(values: dict, public_services: list[dict]) -> list[dict]:
    """The chosen services ({id, name}) in the order given; 422 on any not the organisation's."""
    known = {s["id"]: s for s in public_services}
    chosen = list(dict.fromkeys(values["care_service_ids"]))
    unknown = [i for i in chosen if i not in known]
    if unknown:
        raise InvalidInput("We could not find that care service.", {
            "care_service_ids": ["Please choose services from the list: one was not found."]})
    return [{"id": i, "name": known[i]["name"]} for i in chosen]


def check_form_unused(session, organisation_id: str, form_id: str | None) -> None:
    if form_id and session.scalar(select(Story.id).where(
            Story.organisation_id == organisation_id, Story.form_id == form_id)):
        raise Conflict("This story has already been sent, so it was not saved again.",
                       {"form_id": ["This form was already sent."]})


def create(session, record_event, organisation_id: str, values: dict, services: list[dict],
           author: dict, assisted_by: str | None, now, moderators: list[str] = ()) -> dict:
    """Store a checked story. ``values`` is FeedbackStoryCreate output; its email is never
    stored. ``moderators`` (person ids) are alerted in the same transaction (``alert_ids`` in
    the answer, for the caller to send after commit)."""
    check_form_unused(session, organisation_id, values.get("form_id"))
    tags.ensure_defaults(session, organisation_id)
    code = new_tracking_code()
    story = Story(
        id=str(uuid.uuid4()), organisation_id=organisation_id,
        author_person_id=author["person_id"], author_can_reply=bool(author.get("can_reply")),
        assisted_by=assisted_by, tracking_hash=hash_code(code), form_id=values.get("form_id"),
        relationship=values["relationship"], title=values["title"], text=values["text"],
        what_was_good=values.get("what_was_good"),
        what_could_be_improved=values.get("what_could_be_improved"),
        status="received", submitted_at=now, escalation_stage=0)
    session.add(story)
    session.flush()
    for position, service in enumerate(services):
        session.add(StoryCareService(story_id=story.id, care_service_id=service["id"],
                                     name=service["name"], position=position))
    record_event(session, "story.submitted", {
        "story_id": story.id, "care_service_ids": [s["id"] for s in services],
        "relationship": story.relationship, "assisted": assisted_by is not None,
    }, subject=story.id, organisation=organisation_id, classification="pseudonymous")
    alert_ids = alerts.for_moderators(session, organisation_id, story.id, list(moderators), now)
    return {"story_id": story.id, "status": story.status, "tracking_code": code,
            "alert_ids": alert_ids}


# --- reading ------------------------------------------------------------------------------
def load(session, organisation_id: str, story_id: str) -> Story:
    story = session.get(Story, story_id) if isinstance(story_id, str) else None
    if story is None or story.organisation_id != organisation_id:
        raise NotFound("We could not find that story.", {"story_id": ["Unknown id."]})
    return story


def current(story: Story) -> dict:
    """The version moderators work on and the public sees: edited, else as sent."""
    original = {f: getattr(story, f) for f in TEXT_FIELDS}
    return {**original, **(story.edited or {})}


def care_services_of(session, story_id: str) -> list[dict]:
    rows = session.execute(select(StoryCareService.care_service_id, StoryCareService.name)
                           .where(StoryCareService.story_id == story_id)
                           .order_by(StoryCareService.position))
    return [{"id": i, "name": n} for i, n in rows]


def public_response(response: Response) -> dict:
    """A published response as the public (and the author) see it."""
    return {
        "id": response.id, "responder_title": response.responder_title, "text": response.text,
        "change_status": response.change_status,
        "change_description": response.change_description,
        "author_verdict": response.author_verdict,
        "panel_verdict": response.panel_verdict,
        "published_at": response.published_at.isoformat() if response.published_at else None,
    }


def public_responses(session, story_id: str) -> list[dict]:
    rows = session.scalars(select(Response).where(Response.story_id == story_id,
                                                  Response.status == "published")
                           .order_by(Response.published_at))
    return [public_response(r) for r in rows]


def public_view(session, story: Story) -> dict:
    text = current(story)
    return {
        "id": story.id, **text, "relationship": story.relationship,
        "care_services": care_services_of(session, story.id),
        "tags": tags.of_story(session, story.id),
        "published_at": story.published_at.isoformat() if story.published_at else None,
        "status": story.status,
        "responses": public_responses(session, story.id),
    }


def _filtered(query, session, organisation_id, care_service_id=None, tag=None):
    if care_service_id:
        query = query.where(Story.id.in_(select(StoryCareService.story_id).where(
            StoryCareService.care_service_id == care_service_id)))
    if tag:
        query = query.where(Story.id.in_(select(StoryTag.story_id).join(
            Tag, Tag.id == StoryTag.tag_id).where(Tag.organisation_id == organisation_id,
                                                  Tag.name == tag)))
    return query


def public_list(session, organisation_id: str, filters) -> dict:
    values = validate(FeedbackStoryFilters(), filters or {})
    query = _filtered(select(Story).where(Story.organisation_id == organisation_id,
                                          Story.status.in_(PUBLIC)),
                      session, organisation_id, values["care_service_id"], values["tag"])
    total = session.scalar(select(func.count()).select_from(query.subquery()))
    rows = session.scalars(query.order_by(Story.published_at.desc(), Story.id)
                           .offset((values["page"] - 1) * PAGE).limit(PAGE))
    return {"stories": [public_view(session, s) for s in rows], "total": total,
            "page": values["page"], "per_page": PAGE}


def public_one(session, organisation_id: str, story_id: str) -> dict:
    story = load(session, organisation_id, story_id)
    if story.status not in PUBLIC:
        raise NotFound("We could not find that story.", {"story_id": ["Unknown id."]})
    return public_view(session, story)


def service_summary(session, organisation_id: str, care_service: dict) -> dict:
    """Published stories about one care service, how many were answered and what changed."""
    stories = session.scalars(select(Story).join(
        StoryCareService, StoryCareService.story_id == Story.id).where(
        Story.organisation_id == organisation_id, Story.status.in_(PUBLIC),
        StoryCareService.care_service_id == care_service["id"])).all()
    ids = [s.id for s in stories]
    responded = [s for s in stories if s.first_response_at is not None]
    changes = session.execute(select(Response.change_status, Response.author_verdict).where(
        Response.story_id.in_(ids), Response.status == "published",
        Response.change_status != "none")).all() if ids else []
    days = [(s.first_response_at - s.published_at).total_seconds() / 86400 for s in responded
            if s.published_at]
    return {
        "care_service": {"id": care_service["id"], "name": care_service["name"]},
        "stories_published": len(stories),
        "stories_responded": len(responded),
        "response_rate": round(len(responded) / len(stories), 3) if stories else None,
        "changes_planned": sum(1 for c, _ in changes if c == "planned"),
        "changes_made": sum(1 for c, _ in changes if c == "made"),
        "changes_confirmed": sum(1 for _, v in changes if v == "confirmed"),
        "median_days_to_response": round(statistics.median(days), 1) if days else None,
    }


def staff_view(session, story: Story) -> dict:
    out = public_view(session, story)
    out.update(criticality=story.criticality, assisted=story.assisted_by is not None,
               submitted_at=story.submitted_at.isoformat(),
               hold_until=story.hold_until.isoformat() if story.hold_until else None,
               escalation_stage=story.escalation_stage,
               tags=tags.of_story(session, story.id, with_id=True))
    return out


def staff_list(session, organisation_id: str, filters) -> dict:
    values = validate(FeedbackStaffFilters(), filters or {})
    statuses = (values["status"],) if values["status"] else PUBLIC + ("held",)
    query = _filtered(select(Story).where(Story.organisation_id == organisation_id,
                                          Story.status.in_(statuses)),
                      session, organisation_id, values["care_service_id"])
    if values["min_criticality"] is not None:
        query = query.where(Story.criticality >= values["min_criticality"])
    total = session.scalar(select(func.count()).select_from(query.subquery()))
    rows = session.scalars(query.order_by(Story.submitted_at.desc(), Story.id)
                           .offset((values["page"] - 1) * PAGE).limit(PAGE))
    return {"stories": [staff_view(session, s) for s in rows], "total": total,
            "page": values["page"], "per_page": PAGE}


# --- moderation ---------------------------------------------------------------------------
def _details(session, story: Story) -> list[dict]:
    names = [s["name"] for s in care_services_of(session, story.id)]
    return identifying.find(current(story), names)


def moderation_count(session, organisation_id: str) -> dict:
    """How much is waiting for a moderator: {"stories": n, "responses": n} (cheap: for the
    count beside "To moderate" on every staff page)."""
    waiting = session.scalar(select(func.count()).select_from(Story).where(
        Story.organisation_id == organisation_id, Story.status.in_(IN_MODERATION)))
    pending = session.scalar(select(func.count()).select_from(Response).where(
        Response.organisation_id == organisation_id, Response.status == "pending"))
    return {"stories": waiting or 0, "responses": pending or 0}


def moderation_queue(session, organisation_id: str) -> list[dict]:
    rows = session.scalars(select(Story).where(Story.organisation_id == organisation_id,
                                               Story.status.in_(IN_MODERATION))
                           .order_by(Story.submitted_at, Story.id))
    return [{"id": s.id, "title": current(s)["title"], "status": s.status,
             "submitted_at": s.submitted_at.isoformat(),
             "care_services": care_services_of(session, s.id),
             "identifying_count": len(_details(session, s))} for s in rows]


def for_moderation(session, organisation_id: str, story_id: str) -> dict:
    story = load(session, organisation_id, story_id)
    return {
        "id": story.id, "status": story.status, "relationship": story.relationship,
        "assisted": story.assisted_by is not None,
        "submitted_at": story.submitted_at.isoformat(),
        "care_services": care_services_of(session, story.id),
        "original": {f: getattr(story, f) for f in TEXT_FIELDS},
        "edited": current(story),
        "criticality": story.criticality,
        "tags": tags.of_story(session, story.id, with_id=True),
        "tag_ids": tags.ids_of_story(session, story.id),
        "identifying_details": _details(session, story),
        "rejection_reason": story.rejection_reason,
        "hold_until": story.hold_until.isoformat() if story.hold_until else None,
    }


def _in_moderation(story: Story) -> None:
    if story.status not in IN_MODERATION:
        raise Conflict("This story has already been moderated.",
                       {"status": [f"The story is {story.status.replace('_', ' ')}."]})


def moderate(session, organisation_id: str, story_id: str, data, moderator_id, now) -> dict:
    story = load(session, organisation_id, story_id)
    _in_moderation(story)
    values = validate(FeedbackModerate(), data)
    tag_ids = tags.check_ids(session, organisation_id, values.pop("tag_ids"))
    story.edited = {f: values.get(f) for f in TEXT_FIELDS}
    story.criticality = values["criticality"]
    story.status = "in_moderation"
    story.moderated_by = moderator_id
    session.execute(delete(StoryTag).where(StoryTag.story_id == story.id))
    for tag_id in tag_ids:
        session.add(StoryTag(story_id=story.id, tag_id=tag_id))
    session.flush()
    return for_moderation(session, organisation_id, story_id)


def publish(session, record_event, organisation_id: str, story_id: str, data, moderator_id,
            now) -> dict:
    story = load(session, organisation_id, story_id)
    _in_moderation(story)
    values = validate(FeedbackPublish(), data or {})
    if story.criticality is None:
        raise Conflict("Please rate how critical the story is before publishing it.",
                       {"criticality": ["Please choose a level from 0 to 5."]})
    if _details(session, story) and not values["identifying_details_checked"]:
        raise Conflict("The story may still identify someone. Please check the highlighted "
                       "details, then tick that you have checked them.",
                       {"identifying_details_checked": [
                           "Please confirm you have checked the highlighted details."]})
    story.moderated_by = moderator_id
    alerts.moderation_done(session, story.id, now)
    if values["hold_days"]:
        story.status = "held"
        story.hold_until = now + timedelta(days=values["hold_days"])
    else:
        go_public(session, record_event, story, now)
    session.flush()
    return for_moderation(session, organisation_id, story_id)


def go_public(session, record_event, story: Story, now) -> None:
    story.status = "published"
    story.published_at = now
    story.hold_until = None
    text = current(story)
    record_event(session, "story.published", {
        "story_id": story.id,
        "care_service_ids": [s["id"] for s in care_services_of(session, story.id)],
        **text,
        "tags": tags.of_story(session, story.id),
        "published_at": now.isoformat(),
    }, subject=story.id, organisation=story.organisation_id, classification="public")


def release_held(session, record_event, now) -> int:
    """Publish the held stories whose hold has ended."""
    due = session.scalars(select(Story).where(Story.status == "held", Story.hold_until <= now)
                          .with_for_update(skip_locked=True)).all()
    for story in due:
        go_public(session, record_event, story, now)
    return len(due)


def reject(session, record_event, organisation_id: str, story_id: str, data, moderator_id,
           now) -> tuple[dict, dict | None]:
    """Reject with a reason the author sees; returns (result, message for the author or None)."""
    story = load(session, organisation_id, story_id)
    _in_moderation(story)
    values = validate(FeedbackReject(), data)
    story.status = "rejected"
    story.rejection_reason = values["reason"]
    story.moderated_by = moderator_id
    alerts.moderation_done(session, story.id, now)
    record_event(session, "story.rejected", {"story_id": story.id}, subject=story.id,
                 organisation=organisation_id)
    notice = author_notice(story, "Your story was not published",
                           "Thank you for your story. Our moderators could not publish it. "
                           "Use your tracking code on the story tracking page to read why.")
    return {"id": story.id, "status": story.status}, notice


def author_notice(story: Story, subject: str, body: str) -> dict | None:
    """A message for the author (through identity), if they asked for replies."""
    if not story.author_person_id or not story.author_can_reply:
        return None
    return {"person_id": story.author_person_id, "subject": subject,
            "body": f"{body}\n\n{gateway_url('/your-story')}\n"}


# --- the author's view --------------------------------------------------------------------
def by_code(session, data) -> Story:
    values = validate(FeedbackTracking(), data)
    story = session.scalar(select(Story).where(
        Story.tracking_hash.in_(sorted(code_hashes(values["tracking_code"])))))
    if story is None:
        raise NotFound("We could not find a story with that tracking code. Please check it "
                       "and try again.", {"tracking_code": ["Not recognised."]})
    return story


def track(session, data) -> dict:
    story = by_code(session, data)
    responses = public_responses(session, story.id)
    return {
        "id": story.id, "status": story.status, "title": story.title, "text": story.text,
        "what_was_good": story.what_was_good,
        "what_could_be_improved": story.what_could_be_improved,
        "submitted_at": story.submitted_at.isoformat(),
        "care_services": care_services_of(session, story.id),
        "published": ({**current(story), "published_at": story.published_at.isoformat()}
                      if story.status in PUBLIC else None),
        "rejection_reason": story.rejection_reason,
        "responses": responses,
        "awaiting_verdict": [r["id"] for r in responses if r["change_status"] != "none"
                             and r["author_verdict"] is None],
    }


# --- erasure ------------------------------------------------------------------------------
def forget_author(session, person_id: str) -> int:
    """An erased author: stories not yet public go; public ones keep only their public text and
    lose the link to the author (no more replies or tracking)."""
    rows = session.scalars(select(Story).where(Story.author_person_id == person_id)).all()
    for story in rows:
        if story.status in PUBLIC or story.status == "held":
            for field, value in current(story).items():
                setattr(story, field, value)
            story.author_person_id = None
            story.author_can_reply = False
            story.tracking_hash = None
        else:
            session.execute(delete(StoryTag).where(StoryTag.story_id == story.id))
            session.execute(delete(StoryCareService).where(StoryCareService.story_id == story.id))
            session.execute(delete(Response).where(Response.story_id == story.id))
            session.execute(delete(Alert).where(Alert.story_id == story.id))
            session.delete(story)
    return len(rows)
