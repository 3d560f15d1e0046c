"""Is each person ready to take part? A signed current working agreement (for everyone who
takes part as a service user or carer: staff and commissioners have their contracts) and the
training the activity needs, completed by the day of the activity. The coordinator sees these warnings when
someone is put on a group or an activity, and in the project's list of things to sort out."""
from __future__ import annotations

from datetime import date

from sqlalchemy import select

from . import agreements, common, groups, training
from .models import Meeting, Project

AGREEMENT_CAPACITIES = {"service_user", "carer"}


def needs_agreement(session, project_id: str, person_id: str, on: date) -> bool:
    capacities = groups.capacity_in_project(session, project_id, person_id, on)
    return not capacities or bool(capacities & AGREEMENT_CAPACITIES)


def warnings_for(session, organisation_id: str, project_id: str, person_ids, needed, activity: str,
                 on: date) -> list[dict]:
    kinds = training.kinds(session, organisation_id)
    found = []
    for person_id in dict.fromkeys(p for p in person_ids if p):
        if needs_agreement(session, project_id, person_id, on) and \
                not agreements.signed_current(session, project_id, person_id):
            found.append(agreements.warning(person_id))
        lacking = training.missing(session, organisation_id, person_id, needed, on)
        if lacking:
            found.append(training.warning(kinds, person_id, lacking, activity, on))
    return found


def for_meeting(session, organisation_id: str, meeting: Meeting, on: date) -> list[dict]:
    """Warnings for everyone who is to take part in a meeting: its group's current members,
    against the meeting's training needs and the group's."""
    if not meeting.group_id:
        return []
    group = common.group(session, organisation_id, meeting.group_id)
    people = [m.person_id for m in groups.current_members(session, group.id, on)]
    needed = list(dict.fromkeys([*group.required_training, *meeting.required_training]))
    return warnings_for(session, organisation_id, meeting.project_id, people, needed,
                        f"“{meeting.title}”", meeting.starts_at.date())


def for_project(session, project: Project, now) -> list[dict]:
    """Everything the coordinator should sort out before people take part: members of every
    group without a signed agreement or the group's training, and upcoming meetings."""
    today = now.date()
    out = []
    for group in groups.project_groups(session, project.id):
        people = [m.person_id for m in groups.current_members(session, group.id, today)]
        for w in warnings_for(session, project.organisation_id, project.id, people,
                              group.required_training, f"taking part in {group.name}", today):
            out.append({**w, "group_id": group.id})
    upcoming = session.scalars(select(Meeting).where(
        Meeting.project_id == project.id, Meeting.status == "planned",
        Meeting.starts_at >= now).order_by(Meeting.starts_at))
    for meeting in upcoming:
        for w in for_meeting(session, project.organisation_id, meeting, today):
            if w["code"] == "training_missing":
                out.append({**w, "meeting_id": meeting.id})
    return out
