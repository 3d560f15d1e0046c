"""Confidentiality briefings: at the end of a meeting the commissioner records what is
confidential and until when (a time, or an event such as "contract awarded"). Items are
released automatically when their time comes (the timer claims each release in the database, so
it survives restarts and happens once across instances) or when the commissioner marks the
event, and never by a service user. Until then an item, and every paper or decision tied to it,
is refused to anyone outside the group: the refusal happens here, where the data is served."""
from __future__ import annotations

import uuid
from datetime import timedelta

from sqlalchemy import select, update

from involve.kernel.errors import Conflict, Forbidden, InvalidInput, NotFound
from involve.kernel.schemas import validate

from . import common, groups
from .contract import CommissioningBriefing, CommissioningReleaseEvent, case_key
from .models import Briefing, ConfidentialItem, Group, Meeting

_briefing_input = CommissioningBriefing()
_event_input = CommissioningReleaseEvent()


def create(session, organisation_id: str, meeting_id: str, data, actor, now,
           record_event=None) -> dict:
    values = validate(_briefing_input, data)
    meeting = common.meeting(session, organisation_id, meeting_id)
    group_id = values["group_id"] or meeting.group_id
    if not group_id:
        raise InvalidInput("Say which group may know these things.",
                           {"group_id": ["This meeting has no group: choose one."]})
    group = common.group(session, organisation_id, group_id, meeting.project_id)
    for n, item in enumerate(values["items"]):
        if item["until"] is not None and item["until"] <= now:
            raise InvalidInput("That time has passed, so the item can be shared already.",
                               {"items": {n: {"until": ["This time has passed."]}}})
    briefing = Briefing(id=str(uuid.uuid4()), meeting_id=meeting.id, group_id=group.id,
                        created_by=actor, created_at=now)
    session.add(briefing)
    session.flush()
    for item in values["items"]:
        event = " ".join(item["until_event"].split()) if item["until_event"] else None
        session.add(ConfidentialItem(
            id=str(uuid.uuid4()), organisation_id=organisation_id, project_id=meeting.project_id,
            briefing_id=briefing.id, title=" ".join(item["title"].split()),
            detail=item["detail"].strip(), until_kind="date" if item["until"] else "event",
            release_at=item["until"], release_event=event,
            release_event_key=case_key(event) if event else None, status="confidential"))
    session.flush()
    if record_event is not None:
        items = session.scalars(select(ConfidentialItem).where(
            ConfidentialItem.briefing_id == briefing.id).order_by(ConfidentialItem.id))
        record_event(session, "briefing.recorded", {
            "briefing_id": briefing.id, "meeting_id": meeting.id, "project_id": meeting.project_id,
            "group_id": group.id, "recorded_at": now.isoformat(),
            "items": [{"item_id": i.id, "until": i.until_kind, "due_at": common.iso(i.release_at)}
                      for i in items]},
            subject=briefing.id, organisation=organisation_id, classification="internal")
    return view(session, briefing, None, True, now)


def load_item(session, organisation_id: str, item_id) -> ConfidentialItem:
    item = session.get(ConfidentialItem, item_id) if isinstance(item_id, str) else None
    if item is None or item.organisation_id != organisation_id:
        raise NotFound("We could not find that confidential item.", {"item_id": ["Unknown id."]})
    return item


def group_of(session, item: ConfidentialItem) -> str | None:
    return session.get(Briefing, item.briefing_id).group_id


def may_read(session, item: ConfidentialItem | None, person_id: str | None, manager: bool,
             now) -> bool:
    if item is None or item.status == "released" or manager:
        return True
    return groups.is_member(session, group_of(session, item), person_id, now.date())


def until_text(item: ConfidentialItem) -> str:
    if item.until_kind == "date":
        at = item.release_at
        return f"{common.day(at.date())} at {at:%H:%M} UTC"
    return item.release_event or "the commissioner says so"


def refuse(item: ConfidentialItem, what: str = "This") -> Forbidden:
    return Forbidden(f"{what} is confidential until {until_text(item)}, and only the group "
                     "it was shared with may see it before then.")


def guard(session, item_id: str | None, person_id, manager: bool, now, what: str) -> None:
    """Refuse a paper or decision tied to a confidential item, unless the caller may read it."""
    if not item_id:
        return
    item = session.get(ConfidentialItem, item_id)
    if not may_read(session, item, person_id, manager, now):
        raise refuse(item, what)


def check_item_for(session, organisation_id: str, item_id: str | None, project_id: str) -> None:
    if item_id:
        item = load_item(session, organisation_id, item_id)
        if item.project_id != project_id:
            raise InvalidInput("That confidential item belongs to another project.",
                               {"confidential_item_id": ["Choose an item of this project."]})


# --- release --------------------------------------------------------------------------------------
def _release(session, record_event, item: ConfidentialItem, how: str, actor, due_at, now,
             tolerance_seconds: float) -> bool:
    """Claim the release with one conditional UPDATE: of two instances (or a timer and a
    commissioner) releasing at once, only one changes the row and records the event."""
    claimed = session.execute(
        update(ConfidentialItem).where(ConfidentialItem.id == item.id,
                                       ConfidentialItem.status == "confidential")
        .values(status="released", released_at=now, released_by=actor, released_how=how,
                due_at=due_at)
        .execution_options(synchronize_session=False)).rowcount
    if not claimed:
        return False
    session.refresh(item)
    briefing = session.get(Briefing, item.briefing_id)
    on_time = due_at is None or now <= due_at + timedelta(seconds=float(tolerance_seconds))
    record_event(session, "briefing.released", {
        "item_id": item.id, "briefing_id": briefing.id, "meeting_id": briefing.meeting_id,
        "project_id": item.project_id, "group_id": briefing.group_id, "until": item.until_kind,
        "due_at": common.iso(due_at), "released_at": now.isoformat(), "on_time": on_time,
        "released_how": how},
        subject=item.id, organisation=item.organisation_id, classification="internal")
    return True


def release_due(session, record_event, now, tolerance_seconds: float) -> list[str]:
    """The timer's work: every item whose time has come. Returns the released item ids."""
    due = session.scalars(select(ConfidentialItem).where(
        ConfidentialItem.status == "confidential", ConfidentialItem.until_kind == "date",
        ConfidentialItem.release_at <= now).order_by(ConfidentialItem.release_at)).all()
    return [item.id for item in due
            if _release(session, record_event, item, "timer", None, item.release_at, now,
                        tolerance_seconds)]


def release(session, record_event, organisation_id: str, item_id: str, actor, now,
            tolerance_seconds: float) -> dict:
    """The commissioner releases one item now (early, or because its event has happened)."""
    item = load_item(session, organisation_id, item_id)
    if item.status == "released":
        raise Conflict("This item has already been released.")
    due = item.release_at if item.until_kind == "date" else None
    _release(session, record_event, item, "manual", actor, due, now, tolerance_seconds)
    return item_dict(item, True, now)


def mark_event(session, record_event, organisation_id: str, project_id: str, data, actor, now,
               tolerance_seconds: float) -> dict:
    """The commissioner says an event has happened: every item of the project waiting for it
    is released."""
    values = validate(_event_input, data)
    project = common.project(session, organisation_id, project_id)
    key = case_key(values["event"])
    waiting = session.scalars(select(ConfidentialItem).where(
        ConfidentialItem.project_id == project.id, ConfidentialItem.status == "confidential",
        ConfidentialItem.until_kind == "event", ConfidentialItem.release_event_key == key)).all()
    if not waiting:
        raise NotFound("No confidential item of this project is waiting for that event.",
                       {"event": ["Nothing waits for this event: check the wording."]})
    released = [item.id for item in waiting
                if _release(session, record_event, item, "event", actor, now, now,
                            tolerance_seconds)]
    return {"event": values["event"], "released": released}


def announcements(session, item_ids: list[str], now) -> list[dict]:
    """After a release: a short message to each current member of the item's group."""
    out = []
    for item_id in item_ids:
        item = session.get(ConfidentialItem, item_id)
        group = session.get(Group, group_of(session, item))
        if group is None:
            continue
        for m in groups.current_members(session, group.id, now.date()):
            out.append({"person_id": m.person_id,
                        "subject": f"You may now share: {item.title}",
                        "body": f"“{item.title}”, from the {group.name}, is no longer "
                                "confidential. You may share it now. The commissioners will "
                                "tell the wider group too."})
    return out


# --- reading ----------------------------------------------------------------------------------------
def item_dict(item: ConfidentialItem, readable: bool, now) -> dict:
    released = item.status == "released"
    out = {"id": item.id, "project_id": item.project_id, "briefing_id": item.briefing_id,
           "status": item.status, "until": item.until_kind,
           "release_at": common.iso(item.release_at), "release_event": item.release_event,
           "released_at": common.iso(item.released_at), "released_how": item.released_how,
           "may_share": released,
           "say": "You may share this now." if released
           else f"Keep this confidential until {until_text(item)}."}
    if readable:
        out |= {"title": item.title, "detail": item.detail}
    return out


def view(session, briefing: Briefing, person_id, manager: bool, now) -> dict:
    items = session.scalars(select(ConfidentialItem).where(
        ConfidentialItem.briefing_id == briefing.id).order_by(ConfidentialItem.title))
    return {"id": briefing.id, "meeting_id": briefing.meeting_id, "group_id": briefing.group_id,
            "created_at": common.iso(briefing.created_at),
            "items": [item_dict(i, may_read(session, i, person_id, manager, now), now)
                      for i in items]}


def for_meeting(session, organisation_id: str, meeting: Meeting, person_id, manager: bool,
                now) -> list[dict]:
    rows = session.scalars(select(Briefing).where(Briefing.meeting_id == meeting.id)
                           .order_by(Briefing.created_at))
    return [view(session, b, person_id, manager, now) for b in rows]


def get_item(session, organisation_id: str, item_id: str, person_id, manager: bool, now) -> dict:
    item = load_item(session, organisation_id, item_id)
    if not may_read(session, item, person_id, manager, now):
        raise refuse(item)
    return item_dict(item, True, now)


def for_member(session, person_id: str, now) -> list[dict]:
    """Every item shared with a group the person is in, with what they may do with it."""
    group_ids = [g.id for g, _ in groups.groups_of_person(session, person_id, now.date())]
    if not group_ids:
        return []
    rows = session.execute(select(ConfidentialItem, Briefing).join(
        Briefing, Briefing.id == ConfidentialItem.briefing_id)
        .where(Briefing.group_id.in_(group_ids))
        .order_by(ConfidentialItem.status, ConfidentialItem.release_at)).all()
    return [item_dict(item, True, now) | {"meeting_id": b.meeting_id, "group_id": b.group_id}
            for item, b in rows]


def released_items(session, project_id: str) -> list[ConfidentialItem]:
    return list(session.scalars(select(ConfidentialItem).where(
        ConfidentialItem.project_id == project_id, ConfidentialItem.status == "released")
        .order_by(ConfidentialItem.released_at)))


def confidential_items(session, project_id: str) -> list[ConfidentialItem]:
    return list(session.scalars(select(ConfidentialItem).where(
        ConfidentialItem.project_id == project_id,
        ConfidentialItem.status == "confidential")))
