"""Conflicts of interest: declarations per person per project ("I use this service", "I work for
a bidder"), each with the steering group's decision (the guide: decide at the start whether
service-user members evaluate the service they use). A declared conflict blocks scoring the
bidder it touches unless the decision allows it, and each score records the decisions it was
given under."""
from __future__ import annotations

import uuid

from sqlalchemy import select

from involve.kernel.errors import Conflict, Forbidden, InvalidInput, NotFound
from involve.kernel.schemas import validate

from . import common
from .contract import CommissioningConflict, CommissioningConflictDecision
from .models import Bidder, ConflictOfInterest, Meeting, Tender

_declare_input = CommissioningConflict()
_decide_input = CommissioningConflictDecision()


def check_declaration(data) -> dict:
    return validate(_declare_input, data)


def _bidders_of(session, project_id: str) -> list[Bidder]:
    return list(session.scalars(select(Bidder).join(Tender, Tender.id == Bidder.tender_id)
                                .where(Tender.project_id == project_id)))


def declare(session, record_event, organisation_id: str, project_id: str, values: dict,
            person_id: str, actor, now) -> dict:
    project = common.project(session, organisation_id, project_id)
    bidders = _bidders_of(session, project.id)
    if values["bidder_id"] and values["bidder_id"] not in {b.id for b in bidders}:
        raise InvalidInput("That bidder is not part of this project's tenders.",
                           {"bidder_id": ["Choose a bidder of this project."]})
    services = set(project.care_service_ids) | {s for b in bidders for s in b.care_service_ids}
    if values["care_service_id"] and values["care_service_id"] not in services:
        raise InvalidInput("That care service is not part of this project.",
                           {"care_service_id": ["Choose one of the project's care services."]})
    row = ConflictOfInterest(
        id=str(uuid.uuid4()), project_id=project.id, person_id=person_id, kind=values["kind"],
        description=values["description"].strip(), care_service_id=values["care_service_id"],
        bidder_id=values["bidder_id"], declared_at=now, decision="pending")
    session.add(row)
    session.flush()
    record_event(session, "conflict.declared", {
        "conflict_id": row.id, "project_id": project.id, "person_id": person_id,
        "kind": row.kind, "bidder_id": row.bidder_id, "care_service_id": row.care_service_id,
        "declared_at": now.isoformat()},
        subject=row.id, organisation=organisation_id, classification="pseudonymous")
    return as_dict(row)


def load(session, organisation_id: str, conflict_id) -> ConflictOfInterest:
    row = session.get(ConflictOfInterest, conflict_id) if isinstance(conflict_id, str) else None
    if row is None:
        raise NotFound("We could not find that declaration.", {"conflict_id": ["Unknown id."]})
    common.project(session, organisation_id, row.project_id)
    return row


def decide(session, organisation_id: str, conflict_id: str, data, actor, now) -> dict:
    """The steering group's decision, recorded by a commissioner (never the person who
    declared it)."""
    values = validate(_decide_input, data)
    row = load(session, organisation_id, conflict_id)
    if actor and actor == row.person_id:
        raise Forbidden("The steering group decides on a conflict, not the person who declared "
                        "it.")
    if values["meeting_id"]:
        meeting = session.get(Meeting, values["meeting_id"])
        if meeting is None or meeting.project_id != row.project_id:
            raise InvalidInput("That meeting is not part of this project.",
                               {"meeting_id": ["Choose a meeting of this project."]})
    row.decision, row.decision_reason = values["decision"], values["reason"].strip()
    row.decided_by, row.decided_at, row.decision_meeting_id = actor, now, values["meeting_id"]
    return as_dict(row)


def touching(session, project_id: str, person_id: str, bidder: Bidder) -> list[ConflictOfInterest]:
    """The person's declarations that concern this bidder: naming it, naming a service it runs,
    or naming no bidder or service at all (a general conflict)."""
    rows = session.scalars(select(ConflictOfInterest).where(
        ConflictOfInterest.project_id == project_id, ConflictOfInterest.person_id == person_id))
    found = []
    for row in rows:
        about_bidder = row.bidder_id == bidder.id or (
            row.care_service_id and row.care_service_id in bidder.care_service_ids)
        about_everyone = row.bidder_id is None and row.care_service_id is None
        if about_bidder or about_everyone:
            found.append(row)
    return found


def check_may_score(session, project_id: str, person_id: str, bidder: Bidder) -> list[str]:
    """The ids of the decisions that allow this person to score this bidder; raises if a
    declared conflict has not been decided or was decided against it."""
    allowed = []
    for row in touching(session, project_id, person_id, bidder):
        if row.decision == "pending":
            raise Conflict(f"You declared a conflict of interest with {bidder.name}: the steering "
                           "group must decide on it before you score this bidder.",
                           {"bidder_id": ["A declared conflict is waiting for a decision."]})
        if row.decision == "may_not_score":
            raise Conflict(f"The steering group decided you do not score {bidder.name}, because "
                           f"of the conflict you declared: {row.decision_reason}",
                           {"bidder_id": ["Blocked by a declared conflict of interest."]})
        allowed.append(row.id)
    return allowed


def blocked(session, project_id: str, person_id: str, bidder: Bidder) -> bool:
    try:
        check_may_score(session, project_id, person_id, bidder)
    except Conflict:
        return True
    return False


def as_dict(row: ConflictOfInterest) -> dict:
    return {"id": row.id, "project_id": row.project_id, "person_id": row.person_id,
            "kind": row.kind, "description": row.description,
            "care_service_id": row.care_service_id, "bidder_id": row.bidder_id,
            "declared_at": common.iso(row.declared_at), "decision": row.decision,
            "decision_reason": row.decision_reason, "decided_by": row.decided_by,
            "decided_at": common.iso(row.decided_at), "meeting_id": row.decision_meeting_id}


def list_for(session, organisation_id: str, project_id: str, person_id: str | None) -> list[dict]:
    """A project's declarations (``person_id``: only that person's)."""
    project = common.project(session, organisation_id, project_id)
    query = select(ConflictOfInterest).where(ConflictOfInterest.project_id == project.id)
    if person_id is not None:
        query = query.where(ConflictOfInterest.person_id == person_id)
    return [as_dict(r) for r in session.scalars(query.order_by(ConflictOfInterest.declared_at))]
