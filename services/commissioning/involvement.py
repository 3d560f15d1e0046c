""""My involvement": for the person signed in, their groups, what they have to sign, what is
coming up (with any training they still need first), what they may share now and what they
must keep confidential, their claims, payments and yearly total."""
from __future__ import annotations

from sqlalchemy import select

from . import agreements, briefings, common, groups, opportunities, payments, readiness
from .models import Interest, Meeting, Opportunity, Project


def mine(session, organisation_id: str, person_id: str, now) -> dict:
    today = now.date()
    memberships = [(g, m) for g, m in groups.groups_of_person(session, person_id, today)
                   if session.get(Project, g.project_id).organisation_id == organisation_id]
    project_ids = {g.project_id for g, _ in memberships}
    my_groups = [{"group_id": g.id, "group": g.name, "kind": g.kind, "project_id": g.project_id,
                  "project": session.get(Project, g.project_id).title, "role": m.role,
                  "capacity": m.capacity, "since": common.iso(m.starts_on)}
                 for g, m in memberships]
    to_sign = [agreements.as_dict(a, True) | {"project": session.get(Project, a.project_id).title}
               for a in agreements.to_sign(session, person_id)
               if session.get(Project, a.project_id).organisation_id == organisation_id]
    upcoming = []
    group_ids = [g.id for g, _ in memberships]
    if group_ids:
        for meeting in session.scalars(select(Meeting).where(
                Meeting.group_id.in_(group_ids), Meeting.status == "planned",
                Meeting.starts_at >= now).order_by(Meeting.starts_at)):
            group = next(g for g, _ in memberships if g.id == meeting.group_id)
            needed = list(dict.fromkeys([*group.required_training, *meeting.required_training]))
            upcoming.append({
                "meeting_id": meeting.id, "title": meeting.title, "kind": meeting.kind,
                "starts_at": common.iso(meeting.starts_at), "location": meeting.location,
                "project_id": meeting.project_id,
                "before_you_go": readiness.warnings_for(
                    session, organisation_id, meeting.project_id, [person_id], needed,
                    f"“{meeting.title}”", meeting.starts_at.date())})
    items = [i for i in briefings.for_member(session, person_id, now)
             if i["project_id"] in project_ids]
    interests = [opportunities.interest_dict(i) | {"title": o.title}
                 for i, o in session.execute(select(Interest, Opportunity).join(
                     Opportunity, Opportunity.id == Interest.opportunity_id).join(
                     Project, Project.id == Opportunity.project_id).where(
                     Interest.person_id == person_id,
                     Project.organisation_id == organisation_id)).all()]
    return {"person_id": person_id, "groups": my_groups, "to_sign": to_sign,
            "upcoming": upcoming,
            "may_share_now": [i for i in items if i["may_share"]],
            "keep_confidential": [i for i in items if not i["may_share"]],
            "interests": interests,
            "payments": payments.person_summary(session, organisation_id, person_id, now)}
