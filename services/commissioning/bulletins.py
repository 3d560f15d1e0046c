"""Progress bulletins for wider stakeholders (staff, other service users), written in the
platform, checked for plain English, and built only from released information: a bulletin can
include released briefing items and decisions that are not (or no longer) confidential, and its
own words may not repeat anything still confidential. The check runs again when it is
published, so a bulletin can never carry an item that is still confidential."""
from __future__ import annotations

import re
import uuid

from sqlalchemy import select

from involve.kernel.errors import Conflict, InvalidInput, NotFound
from involve.kernel.schemas import validate

from . import briefings, common, plain_english
from .contract import CommissioningBulletinCreate, CommissioningBulletinPublish
from .models import Bulletin, ConfidentialItem, Decision, Meeting, Project

_input = CommissioningBulletinCreate()
_publish_input = CommissioningBulletinPublish()


def _normal(text: str) -> str:
    return re.sub(r"\s+", " ", text).strip().casefold()


def _still_confidential(session, project_id: str, item_ids, decision_ids, words: str) -> dict:
    """Everything in the bulletin that is still confidential, by field."""
    problems: dict = {}
    for n, item_id in enumerate(item_ids):
        item = session.get(ConfidentialItem, item_id)
        if item is None or item.project_id != project_id:
            problems.setdefault("item_ids", {})[n] = ["Not an item of this project."]
        elif item.status != "released":
            problems.setdefault("item_ids", {})[n] = [
                f"Still confidential until {briefings.until_text(item)}."]
    for n, decision_id in enumerate(decision_ids):
        decision = session.get(Decision, decision_id)
        meeting = session.get(Meeting, decision.meeting_id) if decision else None
        if decision is None or meeting.project_id != project_id:
            problems.setdefault("decision_ids", {})[n] = ["Not a decision of this project."]
        elif decision.confidential_item_id:
            item = session.get(ConfidentialItem, decision.confidential_item_id)
            if item.status != "released":
                problems.setdefault("decision_ids", {})[n] = [
                    f"Still confidential until {briefings.until_text(item)}."]
    text = _normal(words)
    for item in briefings.confidential_items(session, project_id):
        pieces = [item.title] + [s for s in re.split(r"(?<=[.!?])\s+", item.detail)
                                 if len(s.split()) >= 4]
        if any(_normal(p) and _normal(p) in text for p in pieces):
            problems.setdefault("introduction", []).append(
                "This repeats something still confidential "
                f"(until {briefings.until_text(item)}): take it out.")
    return problems


def _refuse(problems: dict) -> None:
    if problems:
        raise InvalidInput("A bulletin can only use information that has been released: "
                           + ", ".join(sorted(problems)) + ".", problems)


def _compose(session, bulletin: Bulletin) -> str:
    parts = [bulletin.title, bulletin.introduction]
    for item_id in bulletin.item_ids:
        item = session.get(ConfidentialItem, item_id)
        parts.append(f"{item.title}. {item.detail}")
    for decision_id in bulletin.decision_ids:
        decision = session.get(Decision, decision_id)
        parts.append(f"Decision: {decision.text} Why: {decision.reasons}")
    return "\n\n".join(parts)


def draft(session, organisation_id: str, project_id: str, data, actor, now) -> dict:
    values = validate(_input, data)
    project = common.project(session, organisation_id, project_id)
    item_ids = list(dict.fromkeys(values["item_ids"]))
    decision_ids = list(dict.fromkeys(values["decision_ids"]))
    _refuse(_still_confidential(session, project.id, item_ids, decision_ids,
                                values["title"] + "\n" + values["introduction"]))
    bulletin = Bulletin(id=str(uuid.uuid4()), project_id=project.id,
                        title=" ".join(values["title"].split()),
                        introduction=values["introduction"].strip(), item_ids=item_ids,
                        decision_ids=decision_ids, check={}, status="draft", created_by=actor,
                        created_at=now)
    plain_english.ensure_defaults(session, organisation_id, now)
    bulletin.check = plain_english.check_text(_compose(session, bulletin),
                                              plain_english.terms(session, organisation_id))
    session.add(bulletin)
    session.flush()
    return as_dict(session, bulletin)


def load(session, organisation_id: str, bulletin_id) -> Bulletin:
    bulletin = session.get(Bulletin, bulletin_id) if isinstance(bulletin_id, str) else None
    if bulletin is None:
        raise NotFound("We could not find that bulletin.", {"bulletin_id": ["Unknown id."]})
    common.project(session, organisation_id, bulletin.project_id)
    return bulletin


def publish(session, record_event, organisation_id: str, bulletin_id: str, data, now) -> dict:
    values = validate(_publish_input, data or {})
    bulletin = load(session, organisation_id, bulletin_id)
    if bulletin.status == "published":
        raise Conflict("This bulletin has already been published.")
    _refuse(_still_confidential(session, bulletin.project_id, bulletin.item_ids,
                                bulletin.decision_ids,
                                bulletin.title + "\n" + bulletin.introduction))
    if not bulletin.check.get("ok") and not values["publish_anyway"]:
        raise Conflict("This bulletin is not in plain English yet: " + " ".join(
            bulletin.check.get("advice", [])[:3]), {"introduction": bulletin.check.get("advice")})
    bulletin.status, bulletin.published_at = "published", now
    record_event(session, "bulletin.published", {
        "bulletin_id": bulletin.id, "project_id": bulletin.project_id,
        "items": len(bulletin.item_ids), "decisions": len(bulletin.decision_ids),
        "published_at": now.isoformat(), **public_content(session, bulletin)},
        subject=bulletin.id, organisation=organisation_id, classification="public", version=2)
    return as_dict(session, bulletin)


def public_content(session, bulletin: Bulletin) -> dict:
    """The bulletin as the public may read it (checked above to hold released information
    only), for reporting's "you said, we did" page: v2 of bulletin.published."""
    shown = as_dict(session, bulletin)
    project = session.get(Project, bulletin.project_id)
    return {"title": shown["title"], "introduction": shown["introduction"],
            "care_service_ids": list(project.care_service_ids),
            "released_items": [{"item_id": i["id"], "title": i["title"], "detail": i["detail"],
                                "released_at": i["released_at"]} for i in shown["items"]],
            "released_decisions": [{"decision_id": d["id"], "text": d["text"],
                                    "reasons": d["reasons"], "decided_at": d["decided_at"]}
                                   for d in shown["decisions"]]}


def as_dict(session, bulletin: Bulletin) -> dict:
    items = [session.get(ConfidentialItem, i) for i in bulletin.item_ids]
    decisions = [session.get(Decision, d) for d in bulletin.decision_ids]
    return {"id": bulletin.id, "project_id": bulletin.project_id, "title": bulletin.title,
            "introduction": bulletin.introduction, "status": bulletin.status,
            "items": [{"id": i.id, "title": i.title, "detail": i.detail,
                       "released_at": common.iso(i.released_at)} for i in items],
            "decisions": [{"id": d.id, "text": d.text, "reasons": d.reasons,
                           "decided_at": common.iso(d.decided_at)} for d in decisions],
            "check": bulletin.check, "text": _compose(session, bulletin),
            "published_at": common.iso(bulletin.published_at)}


def sources(session, organisation_id: str, project_id: str) -> dict:
    """What a bulletin may draw on: released items and decisions not (or no longer)
    confidential."""
    project = common.project(session, organisation_id, project_id)
    items = briefings.released_items(session, project.id)
    decisions = session.scalars(select(Decision).join(Meeting, Meeting.id == Decision.meeting_id)
                                .where(Meeting.project_id == project.id)
                                .order_by(Decision.decided_at))
    usable = []
    for d in decisions:
        item = session.get(ConfidentialItem, d.confidential_item_id) \
            if d.confidential_item_id else None
        if item is None or item.status == "released":
            usable.append({"id": d.id, "text": d.text, "reasons": d.reasons,
                           "decided_at": common.iso(d.decided_at)})
    return {"items": [{"id": i.id, "title": i.title, "detail": i.detail,
                       "released_at": common.iso(i.released_at)} for i in items],
            "decisions": usable}


def list_for(session, organisation_id: str, project_id: str, published_only: bool) -> list[dict]:
    project = common.project(session, organisation_id, project_id)
    query = select(Bulletin).where(Bulletin.project_id == project.id)
    if published_only:
        query = query.where(Bulletin.status == "published")
    return [as_dict(session, b) for b in session.scalars(query.order_by(Bulletin.created_at))]
