"""Tags the moderator puts on stories (positive / negative, in groups)."""
from __future__ import annotations

import uuid

from sqlalchemy import select

from involve.kernel.errors import Conflict, InvalidInput
from involve.kernel.schemas import validate

from .contract import FeedbackTagCreate
from .models import StoryTag, Tag

DEFAULTS = (
    ("kind staff", "Staff", "positive"),
    ("staff attitude", "Staff", "negative"),
    ("seen quickly", "Waiting", "positive"),
    ("waiting time", "Waiting", "negative"),
    ("clear information", "Communication", "positive"),
    ("not kept informed", "Communication", "negative"),
    ("welcoming place", "Environment", "positive"),
    ("environment", "Environment", "negative"),
    ("helpful treatment", "Treatment", "positive"),
    ("treatment concerns", "Treatment", "negative"),
)


def as_dict(tag: Tag, with_id=True) -> dict:
    out = {"name": tag.name, "group": tag.group, "sentiment": tag.sentiment}
    if with_id:
        out["id"] = tag.id
    return out


def ensure_defaults(session, organisation_id: str) -> None:
    """The default set, created with the organisation's first story."""
    if session.scalar(select(Tag.id).where(Tag.organisation_id == organisation_id).limit(1)):
        return
    for name, group, sentiment in DEFAULTS:
        session.add(Tag(id=str(uuid.uuid4()), organisation_id=organisation_id, name=name,
                        group=group, sentiment=sentiment))
    session.flush()


def list_for(session, organisation_id: str, with_id=True) -> list[dict]:
    rows = session.scalars(select(Tag).where(Tag.organisation_id == organisation_id)
                           .order_by(Tag.group, Tag.name))
    return [as_dict(t, with_id) for t in rows]


def create(session, organisation_id: str, data: dict) -> dict:
    values = validate(FeedbackTagCreate(), data)
    clash = session.scalar(select(Tag.id).where(Tag.organisation_id == organisation_id,
                                                Tag.name == values["name"]))
    if clash:
        raise Conflict("There is already a tag with that name.",
                       {"name": ["There is already a tag with that name."]})
    tag = Tag(id=str(uuid.uuid4()), organisation_id=organisation_id, **values)
    session.add(tag)
    session.flush()
    return as_dict(tag)


def check_ids(session, organisation_id: str, tag_ids: list[str], field="tag_ids") -> list[str]:
    """The given tag ids, de-duplicated, all of this organisation's; else 422 naming ``field``."""
    tag_ids = list(dict.fromkeys(tag_ids))
    if not tag_ids:
        return []
    known = set(session.scalars(select(Tag.id).where(Tag.organisation_id == organisation_id,
                                                     Tag.id.in_(tag_ids))))
    unknown = [t for t in tag_ids if t not in known]
    if unknown:
        raise InvalidInput("Some tags were not found.",
                           {field: [f"Unknown tag: {', '.join(unknown)}."]})
    return tag_ids


def of_story(session, story_id: str, with_id=False) -> list[dict]:
    rows = session.scalars(select(Tag).join(StoryTag, StoryTag.tag_id == Tag.id)
                           .where(StoryTag.story_id == story_id).order_by(Tag.group, Tag.name))
    return [as_dict(t, with_id) for t in rows]


def ids_of_story(session, story_id: str) -> list[str]:
    return list(session.scalars(select(StoryTag.tag_id).where(StoryTag.story_id == story_id)))
