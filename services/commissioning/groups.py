"""Groups of a project (reference group, steering group, interview/evaluation panel, and a
service-users-only peer group) and their memberships: role, capacity and dates. One person may
sit on several groups (seed 003: three reference-group members joined the steering group). The
service-user share of each group is worked out from the current members' capacities."""
from __future__ import annotations

import uuid
from datetime import date

from sqlalchemy import select

from involve.kernel.errors import Conflict, InvalidInput, NotFound
from involve.kernel.schemas import validate

from . import common
from .contract import CommissioningGroupCreate, CommissioningMembership, CommissioningMembershipEnd
from .models import Group, Membership

_group_input = CommissioningGroupCreate()
_member_input = CommissioningMembership()
_end_input = CommissioningMembershipEnd()
SERVICE_USER_CAPACITIES = ("service_user",)


def create(session, organisation_id: str, project_id: str, data, known_training, now) -> dict:
    values = validate(_group_input, data)
    project = common.project(session, organisation_id, project_id)
    unknown = [k for k in values["required_training"] if k not in known_training]
    if unknown:
        raise InvalidInput("That training is not on the organisation's list.",
                           {"required_training": [f"Unknown kind: {', '.join(unknown)}."]})
    group = Group(id=str(uuid.uuid4()), project_id=project.id, kind=values["kind"],
                  name=" ".join(values["name"].split()),
                  required_training=list(dict.fromkeys(values["required_training"])),
                  created_at=now)
    session.add(group)
    session.flush()
    return as_dict(session, group, now.date())


def check_member(data) -> dict:
    return validate(_member_input, data)


def add_member(session, organisation_id: str, group_id: str, values: dict, now) -> Membership:
    """``values`` from check_member (the service has checked the person is the
    organisation's). Someone already a current member of the group is refused."""
    group = common.group(session, organisation_id, group_id)
    if group.kind == "peer" and values["capacity"] not in SERVICE_USER_CAPACITIES:
        raise InvalidInput("The peer group is for service users only.",
                           {"capacity": ["Only service users join the peer group."]})
    starts = values["starts_on"] or now.date()
    for other in members(session, group.id):
        if other.person_id == values["person_id"] and _overlaps(other, starts, values["ends_on"]):
            raise Conflict("This person is already a member of the group for those dates.",
                           {"person_id": ["Already a member."]})
    membership = Membership(id=str(uuid.uuid4()), group_id=group.id,
                            person_id=values["person_id"], capacity=values["capacity"],
                            role=" ".join(values["role"].split()), starts_on=starts,
                            ends_on=values["ends_on"], created_at=now)
    session.add(membership)
    session.flush()
    return membership


def _overlaps(m: Membership, starts: date, ends: date | None) -> bool:
    return (m.ends_on is None or m.ends_on >= starts) and (ends is None or ends >= m.starts_on)


def end_membership(session, organisation_id: str, membership_id: str, data) -> dict:
    values = validate(_end_input, data)
    membership = session.get(Membership, membership_id) if isinstance(membership_id, str) else None
    if membership is None:
        raise NotFound("We could not find that membership.", {"membership_id": ["Unknown id."]})
    common.group(session, organisation_id, membership.group_id)
    if values["ends_on"] < membership.starts_on:
        raise InvalidInput("The membership must end on or after the day it starts.",
                           {"ends_on": ["This is before the membership starts."]})
    membership.ends_on = values["ends_on"]
    return membership_dict(membership)


def members(session, group_id: str) -> list[Membership]:
    return list(session.scalars(select(Membership).where(Membership.group_id == group_id)
                                .order_by(Membership.starts_on, Membership.created_at)))


def current(m: Membership, on: date) -> bool:
    return m.person_id is not None and m.starts_on <= on and (m.ends_on is None or m.ends_on >= on)


def current_members(session, group_id: str, on: date) -> list[Membership]:
    return [m for m in members(session, group_id) if current(m, on)]


def is_member(session, group_id: str | None, person_id: str | None, on: date) -> bool:
    if not group_id or not person_id:
        return False
    return any(m.person_id == person_id for m in current_members(session, group_id, on))


def project_groups(session, project_id: str) -> list[Group]:
    return list(session.scalars(select(Group).where(Group.project_id == project_id)
                                .order_by(Group.created_at)))


def in_project(session, project_id: str, person_id: str | None, on: date | None = None) -> bool:
    """Has this person ever sat on one of the project's groups (on ``on``, if given)?"""
    if not person_id:
        return False
    for group in project_groups(session, project_id):
        for m in members(session, group.id):
            if m.person_id == person_id and (on is None or current(m, on)):
                return True
    return False


def capacity_in_project(session, project_id: str, person_id: str, on: date) -> set[str]:
    return {m.capacity for g in project_groups(session, project_id)
            for m in current_members(session, g.id, on) if m.person_id == person_id}


def share(memberships: list[Membership]) -> dict:
    total = len(memberships)
    users = sum(1 for m in memberships if m.capacity in SERVICE_USER_CAPACITIES)
    return {"service_users": users, "members": total,
            "share": round(users / total, 4) if total else None,
            "text": f"{users} of {total} members are service users" if total
            else "No members yet"}


def membership_dict(m: Membership) -> dict:
    return {"id": m.id, "group_id": m.group_id, "person_id": m.person_id,
            "capacity": m.capacity, "role": m.role, "starts_on": common.iso(m.starts_on),
            "ends_on": common.iso(m.ends_on)}


def as_dict(session, group: Group, on: date) -> dict:
    everyone = members(session, group.id)
    now_on = [m for m in everyone if current(m, on)]
    return {"id": group.id, "project_id": group.project_id, "kind": group.kind,
            "name": group.name, "required_training": list(group.required_training),
            "members": [membership_dict(m) | {"current": current(m, on)} for m in everyone],
            "service_user_share": share(now_on)}


def list_for(session, organisation_id: str, project_id: str, on: date) -> list[dict]:
    project = common.project(session, organisation_id, project_id)
    return [as_dict(session, g, on) for g in project_groups(session, project.id)]


def groups_of_person(session, person_id: str, on: date) -> list[tuple[Group, Membership]]:
    rows = session.execute(select(Group, Membership).join(Membership,
                                                          Membership.group_id == Group.id)
                           .where(Membership.person_id == person_id)).all()
    return [(g, m) for g, m in rows if current(m, on)]
