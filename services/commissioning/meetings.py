"""Meetings of a project's groups: agenda, papers (checked for plain English before they go
out), attendance (and whether the lead officer or the deputy came: the guide's test of
commitment), minutes and decisions with their reasons. Papers and decisions tied to a
confidential item are refused to anyone outside its group until it is released."""
from __future__ import annotations

import uuid
from collections import Counter

from sqlalchemy import select

from involve.kernel.errors import Conflict, InvalidInput, NotFound
from involve.kernel.schemas import validate

from . import briefings, common, groups, plain_english, readiness, training
from .contract import (
    CommissioningDecision,
    CommissioningMeetingCreate,
    CommissioningMeetingHeld,
    CommissioningPaper,
    CommissioningPaperIssue,
)
from .models import Attendance, Decision, Meeting, Paper, Project

_meeting_input = CommissioningMeetingCreate()
_paper_input = CommissioningPaper()
_issue_input = CommissioningPaperIssue()
_held_input = CommissioningMeetingHeld()
_decision_input = CommissioningDecision()


def create(session, organisation_id: str, project_id: str, data, now) -> dict:
    """A planned meeting; the answer carries the warnings about its people (no signed
    agreement, training they lack by that day)."""
    values = validate(_meeting_input, data)
    project = common.project(session, organisation_id, project_id)
    if values["group_id"]:
        common.group(session, organisation_id, values["group_id"], project.id)
    known = training.kinds(session, organisation_id)
    unknown = [k for k in values["required_training"] if k not in known]
    if unknown:
        raise InvalidInput("That training is not on the organisation's list.",
                           {"required_training": [f"Unknown kind: {', '.join(unknown)}."]})
    meeting = Meeting(
        id=str(uuid.uuid4()), project_id=project.id, group_id=values["group_id"],
        title=" ".join(values["title"].split()), kind=values["kind"],
        starts_at=values["starts_at"], hours=values["hours"],
        preparation_hours=values["preparation_hours"], location=values["location"].strip(),
        accessibility=values["accessibility"].strip(),
        agenda=[{"title": a["title"].strip(), "description": a["description"].strip()}
                for a in values["agenda"]],
        required_training=list(dict.fromkeys(values["required_training"])), status="planned",
        created_at=now)
    session.add(meeting)
    session.flush()
    return view(session, organisation_id, meeting, None, True, now)


def papers_of(session, meeting_id: str) -> list[Paper]:
    return list(session.scalars(select(Paper).where(Paper.meeting_id == meeting_id)
                                .order_by(Paper.created_at)))


def paper_dict(session, paper: Paper, readable: bool) -> dict:
    item = session.get(briefings.ConfidentialItem, paper.confidential_item_id) \
        if paper.confidential_item_id else None
    out = {"id": paper.id, "meeting_id": paper.meeting_id, "status": paper.status,
           "confidential": item is not None and item.status == "confidential",
           "confidential_item_id": paper.confidential_item_id,
           "confidential_until": briefings.until_text(item)
           if item is not None and item.status == "confidential" else None,
           "issued_at": common.iso(paper.issued_at)}
    if readable:
        out |= {"title": paper.title, "body": paper.body, "author_id": paper.author_id,
                "check": paper.check, "issued_despite_check": paper.issued_despite_check}
    else:
        out |= {"title": "A confidential paper"}
    return out


def add_paper(session, organisation_id: str, meeting_id: str, data, author, now) -> dict:
    values = validate(_paper_input, data)
    meeting = common.meeting(session, organisation_id, meeting_id)
    briefings.check_item_for(session, organisation_id, values["confidential_item_id"],
                             meeting.project_id)
    plain_english.ensure_defaults(session, organisation_id, now)
    result = plain_english.check_text(values["body"],
                                      plain_english.terms(session, organisation_id))
    paper = Paper(id=str(uuid.uuid4()), meeting_id=meeting.id, title=" ".join(
        values["title"].split()), body=values["body"], author_id=author,
        confidential_item_id=values["confidential_item_id"], check=result, status="draft",
        created_at=now)
    session.add(paper)
    session.flush()
    return paper_dict(session, paper, True)


def load_paper(session, organisation_id: str, paper_id) -> Paper:
    paper = session.get(Paper, paper_id) if isinstance(paper_id, str) else None
    if paper is None:
        raise NotFound("We could not find that paper.", {"paper_id": ["Unknown id."]})
    common.meeting(session, organisation_id, paper.meeting_id)
    return paper


def get_paper(session, organisation_id: str, paper_id: str, person_id, manager: bool,
              now) -> dict:
    paper = load_paper(session, organisation_id, paper_id)
    briefings.guard(session, paper.confidential_item_id, person_id, manager, now, "This paper")
    return paper_dict(session, paper, True)


def revise_paper(session, organisation_id: str, paper_id: str, data, author, now) -> dict:
    """A new text for a draft paper, checked again."""
    values = validate(_paper_input, data)
    paper = load_paper(session, organisation_id, paper_id)
    if paper.status != "draft":
        raise Conflict("This paper has gone out already: add a new paper instead.")
    meeting = common.meeting(session, organisation_id, paper.meeting_id)
    briefings.check_item_for(session, organisation_id, values["confidential_item_id"],
                             meeting.project_id)
    paper.title, paper.body = " ".join(values["title"].split()), values["body"]
    paper.confidential_item_id, paper.author_id = values["confidential_item_id"], author
    paper.check = plain_english.check_text(values["body"],
                                           plain_english.terms(session, organisation_id))
    return paper_dict(session, paper, True)


def issue_paper(session, organisation_id: str, paper_id: str, data, now) -> dict:
    """Send a paper out. One the check found problems in goes out only if the author says so,
    with a reason."""
    values = validate(_issue_input, data or {})
    paper = load_paper(session, organisation_id, paper_id)
    if paper.status == "issued":
        raise Conflict("This paper has already gone out.")
    if not paper.check.get("ok") and not values["issue_anyway"]:
        raise Conflict("This paper is not in plain English yet: " + " ".join(
            paper.check.get("advice", [])[:3]), {"body": paper.check.get("advice", [])})
    paper.status, paper.issued_at = "issued", now
    paper.issued_despite_check = not paper.check.get("ok")
    return paper_dict(session, paper, True)


def _capacity(session, project: Project, meeting: Meeting, person_id: str, on) -> str:
    if meeting.group_id:
        for m in groups.current_members(session, meeting.group_id, on):
            if m.person_id == person_id:
                return m.capacity
    found = groups.capacity_in_project(session, project.id, person_id, on)
    if found:
        return sorted(found)[0]
    if person_id in (project.lead_officer_id, project.deputy_id, project.project_manager_id):
        return "commissioner"
    return "other"


def check_held(data) -> dict:
    return validate(_held_input, data)


def record_held(session, record_event, organisation_id: str, meeting_id: str, values: dict,
                now) -> dict:
    """``values`` from check_held (the service has checked the people are the
    organisation's)."""
    meeting = common.meeting(session, organisation_id, meeting_id)
    if meeting.status != "planned":
        raise Conflict(f"This meeting is already {meeting.status}.")
    held_at = values["held_at"] or now
    if held_at > now:
        raise InvalidInput("Record a meeting once it has happened.",
                           {"held_at": ["This time is in the future."]})
    project = session.get(Project, meeting.project_id)
    on = held_at.date()
    for row in values["attendance"]:
        session.add(Attendance(meeting_id=meeting.id, person_key=row["person_id"],
                               person_id=row["person_id"], status=row["status"],
                               capacity=_capacity(session, project, meeting, row["person_id"],
                                                  on)))
    meeting.status, meeting.held_at, meeting.minutes = "held", held_at, values["minutes"].strip()
    session.flush()
    out = view(session, organisation_id, meeting, None, True, now)
    a = out["attendance_summary"]
    record_event(session, "meeting.held", {
        "meeting_id": meeting.id, "project_id": project.id, "group_id": meeting.group_id,
        "kind": meeting.kind, "held_at": held_at.isoformat(), "hours": common.hours(meeting.hours),
        "invited": a["invited"], "attended": a["attended"], "apologies": a["apologies"],
        "absent": a["absent"], "service_users_attended": a["service_users_attended"],
        "lead_officer_present": a["lead_officer_present"],
        "deputy_present": a["deputy_present"],
        "decision_maker_present": a["decision_maker_present"],
        "attendees": [{"person_id": r.person_id, "capacity": r.capacity}
                      for r in attendance_of(session, meeting.id) if r.status == "attended"]},
        subject=meeting.id, organisation=organisation_id, classification="pseudonymous",
        version=2)
    return out


def attendance_of(session, meeting_id: str) -> list[Attendance]:
    return list(session.scalars(select(Attendance).where(Attendance.meeting_id == meeting_id)))


def attendance_summary(session, meeting: Meeting, project: Project) -> dict:
    rows = attendance_of(session, meeting.id)
    counts = Counter(r.status for r in rows)
    present = {r.person_id for r in rows if r.status == "attended"}
    invited = len(groups.current_members(session, meeting.group_id, meeting.starts_at.date())) \
        if meeting.group_id else len(rows)
    lead = bool(project.lead_officer_id and project.lead_officer_id in present)
    deputy = bool(project.deputy_id and project.deputy_id in present)
    return {"invited": invited, "attended": counts["attended"],
            "apologies": counts["apologies"], "absent": counts["absent"],
            "service_users_attended": sum(1 for r in rows if r.status == "attended"
                                          and r.capacity in groups.SERVICE_USER_CAPACITIES),
            "lead_officer_present": lead, "deputy_present": deputy,
            "decision_maker_present": lead or deputy}


def record_decision(session, record_event, organisation_id: str, meeting_id: str, data, actor,
                    now) -> dict:
    values = validate(_decision_input, data)
    meeting = common.meeting(session, organisation_id, meeting_id)
    if meeting.status == "cancelled":
        raise Conflict("This meeting was cancelled, so it made no decisions.")
    briefings.check_item_for(session, organisation_id, values["confidential_item_id"],
                             meeting.project_id)
    decision = Decision(id=str(uuid.uuid4()), meeting_id=meeting.id, text=values["text"].strip(),
                        reasons=values["reasons"].strip(),
                        confidential_item_id=values["confidential_item_id"], recorded_by=actor,
                        decided_at=now)
    session.add(decision)
    session.flush()
    record_event(session, "decision.recorded", {
        "decision_id": decision.id, "meeting_id": meeting.id, "project_id": meeting.project_id,
        "decided_at": now.isoformat(), "confidential": decision.confidential_item_id is not None},
        subject=decision.id, organisation=organisation_id, classification="internal")
    return decision_dict(session, decision, True)


def decision_dict(session, decision: Decision, readable: bool) -> dict:
    item = session.get(briefings.ConfidentialItem, decision.confidential_item_id) \
        if decision.confidential_item_id else None
    out = {"id": decision.id, "meeting_id": decision.meeting_id,
           "decided_at": common.iso(decision.decided_at),
           "confidential": item is not None and item.status == "confidential",
           "confidential_item_id": decision.confidential_item_id}
    if readable:
        out |= {"text": decision.text, "reasons": decision.reasons}
    else:
        out |= {"text": "A confidential decision",
                "confidential_until": briefings.until_text(item)}
    return out


def decisions_of(session, meeting_id: str) -> list[Decision]:
    return list(session.scalars(select(Decision).where(Decision.meeting_id == meeting_id)
                                .order_by(Decision.decided_at)))


def load_decision(session, organisation_id: str, decision_id) -> Decision:
    decision = session.get(Decision, decision_id) if isinstance(decision_id, str) else None
    if decision is None:
        raise NotFound("We could not find that decision.", {"decision_id": ["Unknown id."]})
    common.meeting(session, organisation_id, decision.meeting_id)
    return decision


def view(session, organisation_id: str, meeting: Meeting, person_id, manager: bool, now) -> dict:
    """The meeting as the caller may see it: confidential papers and decisions appear only as
    "confidential until ..." to anyone outside their group."""
    project = session.get(Project, meeting.project_id)

    def readable(item_id):
        return briefings.may_read(session, session.get(briefings.ConfidentialItem, item_id)
                                  if item_id else None, person_id, manager, now)

    out = {"id": meeting.id, "project_id": meeting.project_id, "group_id": meeting.group_id,
           "title": meeting.title, "kind": meeting.kind,
           "starts_at": common.iso(meeting.starts_at), "hours": common.hours(meeting.hours),
           "preparation_hours": common.hours(meeting.preparation_hours),
           "location": meeting.location, "accessibility": meeting.accessibility,
           "agenda": list(meeting.agenda), "required_training": list(meeting.required_training),
           "status": meeting.status, "held_at": common.iso(meeting.held_at),
           "minutes": meeting.minutes,
           "papers": [paper_dict(session, p, readable(p.confidential_item_id))
                      for p in papers_of(session, meeting.id)],
           "decisions": [decision_dict(session, d, readable(d.confidential_item_id))
                         for d in decisions_of(session, meeting.id)],
           "attendance_summary": attendance_summary(session, meeting, project),
           "briefings": briefings.for_meeting(session, organisation_id, meeting, person_id,
                                              manager, now)}
    if manager:
        out["attendance"] = [{"person_id": r.person_id, "status": r.status,
                              "capacity": r.capacity} for r in attendance_of(session, meeting.id)]
        out["warnings"] = readiness.for_meeting(session, organisation_id, meeting, now.date()) \
            if meeting.status == "planned" else []
    return out


def get(session, organisation_id: str, meeting_id: str, person_id, manager: bool, now) -> dict:
    return view(session, organisation_id, common.meeting(session, organisation_id, meeting_id),
                person_id, manager, now)


def list_for(session, organisation_id: str, project_id: str) -> list[dict]:
    project = common.project(session, organisation_id, project_id)
    rows = session.scalars(select(Meeting).where(Meeting.project_id == project.id)
                           .order_by(Meeting.starts_at))
    return [{"id": m.id, "title": m.title, "kind": m.kind, "group_id": m.group_id,
             "starts_at": common.iso(m.starts_at), "status": m.status} for m in rows]


def cancel(session, organisation_id: str, meeting_id: str) -> dict:
    meeting = common.meeting(session, organisation_id, meeting_id)
    if meeting.status != "planned":
        raise Conflict(f"This meeting is {meeting.status}, so it cannot be cancelled.")
    meeting.status = "cancelled"
    return {"id": meeting.id, "status": meeting.status}
