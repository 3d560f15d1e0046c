"""Projects: title, care services in scope, purpose and the guide's clarity of purpose (what is
negotiable, what is not, where formal responsibility lies, how decisions are made); the phases
Analyse -> Plan -> Do -> Review with a dated history; principles agreed with service users,
without which a project cannot leave Analyse; the project manager, lead officer and deputy;
budget lines (project management, training and support, reimbursement) with spend against them.
"""
from __future__ import annotations

import uuid
from decimal import Decimal

from sqlalchemy import func, select

from involve.kernel.errors import Conflict, InvalidInput, NotFound
from involve.kernel.schemas import validate

from . import common
from .contract import (
    PHASES,
    CommissioningBudgetLine,
    CommissioningPhaseChange,
    CommissioningPrinciple,
    CommissioningProjectCreate,
    CommissioningProjectUpdate,
    CommissioningSpend,
)
from .models import BudgetLine, Claim, PhaseChange, Principle, Project, Spend

_create_input = CommissioningProjectCreate()
_update_input = CommissioningProjectUpdate()
_phase_input = CommissioningPhaseChange()
_principle_input = CommissioningPrinciple()
_line_input = CommissioningBudgetLine()
_spend_input = CommissioningSpend()
TEXT_FIELDS = ("purpose", "negotiable", "not_negotiable", "formal_responsibility",
               "how_decisions_are_made")
PEOPLE_FIELDS = ("project_manager_id", "lead_officer_id", "deputy_id")


def check_create(data) -> dict:
    return validate(_create_input, data)


def check_update(data) -> dict:
    return validate(_update_input, data)


def people_named(values: dict) -> dict[str, str]:
    return {f: values[f] for f in PEOPLE_FIELDS if values.get(f)}


def check_care_services(values: dict, public_services: list[dict]) -> None:
    known = {s["id"] for s in public_services}
    if any(i not in known for i in values.get("care_service_ids") or []):
        raise InvalidInput("We could not find that care service.", {
            "care_service_ids": ["Choose services from the organisation's list: one was not "
                                 "found."]})


def create(session, record_event, organisation_id: str, values: dict, actor, now) -> dict:
    """``values`` from check_create, its care services and people already checked."""
    project = Project(
        id=str(uuid.uuid4()), organisation_id=organisation_id,
        title=" ".join(values["title"].split()),
        care_service_ids=list(dict.fromkeys(values["care_service_ids"])),
        phase="analyse", evaluation_weights=dict(values["evaluation_weights"]),
        price_scored_separately=values["price_scored_separately"], created_by=actor,
        created_at=now, **{f: values[f].strip() for f in TEXT_FIELDS},
        **{f: values[f] for f in PEOPLE_FIELDS})
    session.add(project)
    session.flush()
    session.add(PhaseChange(id=str(uuid.uuid4()), project_id=project.id, from_phase=None,
                            to_phase="analyse", note="Project started.", changed_by=actor,
                            changed_at=now))
    session.flush()
    record_event(session, "project.phase_changed", {
        "project_id": project.id, "from_phase": None, "to_phase": "analyse",
        "changed_at": now.isoformat(), "principles_agreed": 0, **scope(project)},
        subject=project.id, organisation=organisation_id, classification="internal", version=2)
    return view(session, project)


def scope(project: Project) -> dict:
    """What reporting needs to put a project's activity under its care services (v2 events)."""
    return {"title": project.title, "care_service_ids": list(project.care_service_ids)}


def update(session, organisation_id: str, project_id: str, values: dict, record_event=None,
           now=None) -> dict:
    project = common.project(session, organisation_id, project_id)
    merged = {"lead_officer_id": project.lead_officer_id, "deputy_id": project.deputy_id,
              **{k: v for k, v in values.items() if k in ("lead_officer_id", "deputy_id")}}
    if merged["lead_officer_id"] and merged["lead_officer_id"] == merged["deputy_id"]:
        raise InvalidInput("The deputy must be someone other than the lead officer.",
                           {"deputy_id": ["This is the lead officer."]})
    for key, value in values.items():
        if key == "title":
            value = " ".join(value.split())
        elif key in TEXT_FIELDS:
            value = value.strip()
        elif key == "care_service_ids":
            value = list(dict.fromkeys(value))
        elif key == "evaluation_weights":
            value = dict(value)
        setattr(project, key, value)
    if record_event is not None and {"title", "care_service_ids"} & set(values):
        record_event(session, "project.updated", {
            "project_id": project.id, **scope(project), "updated_at": now.isoformat()},
            subject=project.id, organisation=organisation_id, classification="internal")
    return view(session, project)


def change_phase(session, record_event, organisation_id: str, project_id: str, data, actor,
                 now) -> dict:
    """Forward round the cycle (Review leads to a new Analyse), or back one phase with a note.
    A project leaves Analyse only once principles have been agreed with service users."""
    values = validate(_phase_input, data)
    project = common.project(session, organisation_id, project_id)
    here, there = PHASES.index(project.phase), PHASES.index(values["phase"])
    if there == here:
        raise Conflict(f"The project is already in {project.phase.title()}.",
                       {"phase": ["This is the current phase."]})
    forward = there == (here + 1) % len(PHASES)
    back = there == here - 1
    if not forward and not back:
        raise InvalidInput(f"From {project.phase.title()} the project moves on to "
                           f"{PHASES[(here + 1) % len(PHASES)].title()} (or back one phase).",
                           {"phase": ["Move one phase at a time."]})
    if back and not values["note"].strip():
        raise InvalidInput("Say why the project goes back a phase.",
                           {"note": ["Say why the project goes back."]})
    agreed = principle_count(session, project.id)
    if project.phase == "analyse" and forward and agreed == 0:
        raise Conflict("Agree the project's principles with service users before it leaves "
                       "Analyse.", {"phase": ["No principles agreed with service users yet."]})
    session.add(PhaseChange(id=str(uuid.uuid4()), project_id=project.id,
                            from_phase=project.phase, to_phase=values["phase"],
                            note=values["note"].strip(), changed_by=actor, changed_at=now))
    record_event(session, "project.phase_changed", {
        "project_id": project.id, "from_phase": project.phase, "to_phase": values["phase"],
        "changed_at": now.isoformat(), "principles_agreed": agreed, **scope(project)},
        subject=project.id, organisation=organisation_id, classification="internal", version=2)
    project.phase = values["phase"]
    session.flush()
    return view(session, project)


# --- principles -----------------------------------------------------------------------------
def check_principle(data) -> dict:
    return validate(_principle_input, data)


def add_principle(session, organisation_id: str, project_id: str, values: dict, roles: dict,
                  actor, now) -> dict:
    """``roles``: identity's roles of the people in ``agreed_by``; at least one of them must be
    someone who uses services (a service user, volunteer or council member)."""
    project = common.project(session, organisation_id, project_id)
    agreed_by = list(dict.fromkeys(values["agreed_by"]))
    common.check_people(roles, agreed_by, "agreed_by")
    if not any(set(roles.get(p, ())) & set(common.LIVED_EXPERIENCE_ROLES) for p in agreed_by):
        raise InvalidInput("A principle is agreed with service users: name at least one.",
                           {"agreed_by": ["None of these people is a service user, volunteer or "
                                          "council member."]})
    if values["agreed_on"] > now.date():
        raise InvalidInput("Record a principle once it has been agreed.",
                           {"agreed_on": ["This date is in the future."]})
    row = Principle(id=str(uuid.uuid4()), project_id=project.id, text=values["text"].strip(),
                    agreed_on=values["agreed_on"], agreed_by=agreed_by,
                    how_agreed=values["how_agreed"].strip(), recorded_by=actor, recorded_at=now)
    session.add(row)
    session.flush()
    return principle_dict(row)


def principle_count(session, project_id: str) -> int:
    return session.scalar(select(func.count()).select_from(Principle).where(
        Principle.project_id == project_id)) or 0


def principle_dict(row: Principle) -> dict:
    return {"id": row.id, "text": row.text, "agreed_on": common.iso(row.agreed_on),
            "agreed_by": list(row.agreed_by), "how_agreed": row.how_agreed,
            "recorded_at": common.iso(row.recorded_at)}


# --- budget ------------------------------------------------------------------------------------
def add_budget_line(session, organisation_id: str, project_id: str, data, now) -> dict:
    values = validate(_line_input, data)
    project = common.project(session, organisation_id, project_id)
    line = BudgetLine(id=str(uuid.uuid4()), project_id=project.id, kind=values["kind"],
                      description=values["description"].strip(), amount=values["amount"],
                      created_at=now)
    session.add(line)
    session.flush()
    return budget(session, project)


def record_spend(session, organisation_id: str, budget_line_id: str, data, actor, now) -> dict:
    values = validate(_spend_input, data)
    line = session.get(BudgetLine, budget_line_id) if isinstance(budget_line_id, str) else None
    if line is None:
        raise NotFound("We could not find that budget line.", {"budget_line_id": ["Unknown id."]})
    project = common.project(session, organisation_id, line.project_id)
    session.add(Spend(id=str(uuid.uuid4()), budget_line_id=line.id, amount=values["amount"],
                      spent_on=values["spent_on"], description=values["description"].strip(),
                      recorded_by=actor, recorded_at=now))
    session.flush()
    return budget(session, project)


def budget(session, project: Project) -> dict:
    """Each line with its spend. Paid claims of the project count against its first
    reimbursement line, so reimbursement is tracked without typing it in twice."""
    lines = list(session.scalars(select(BudgetLine).where(BudgetLine.project_id == project.id)
                                 .order_by(BudgetLine.created_at)))
    claims_paid = session.scalar(select(func.coalesce(func.sum(Claim.total), 0)).where(
        Claim.project_id == project.id, Claim.status == "paid")) or Decimal("0")
    out, claims_counted = [], False
    for line in lines:
        spent = session.scalar(select(func.coalesce(func.sum(Spend.amount), 0)).where(
            Spend.budget_line_id == line.id)) or Decimal("0")
        from_claims = Decimal("0")
        if line.kind == "reimbursement" and not claims_counted:
            from_claims, claims_counted = Decimal(claims_paid), True
        total = Decimal(spent) + from_claims
        out.append({"id": line.id, "kind": line.kind, "description": line.description,
                    "amount": common.money(line.amount), "spent": common.money(total),
                    "spent_from_claims": common.money(from_claims),
                    "remaining": common.money(Decimal(line.amount) - total),
                    "overspent": total > line.amount})
    return {"lines": out,
            "total": common.money(sum((Decimal(b.amount) for b in lines), Decimal("0"))),
            "spent": common.money(sum((Decimal(x["spent"]) for x in out), Decimal("0"))),
            "claims_paid_without_a_line": None if claims_counted or not claims_paid
            else common.money(claims_paid)}


# --- reading ------------------------------------------------------------------------------------
def summary(project: Project) -> dict:
    return {"id": project.id, "title": project.title, "phase": project.phase,
            "care_service_ids": list(project.care_service_ids),
            "created_at": common.iso(project.created_at)}


def view(session, project: Project) -> dict:
    history = session.scalars(select(PhaseChange).where(PhaseChange.project_id == project.id)
                              .order_by(PhaseChange.changed_at, PhaseChange.id))
    principles = session.scalars(select(Principle).where(Principle.project_id == project.id)
                                 .order_by(Principle.agreed_on, Principle.recorded_at))
    return {
        **summary(project), "purpose": project.purpose,
        "clarity_of_purpose": {f: getattr(project, f) for f in TEXT_FIELDS[1:]},
        "project_manager_id": project.project_manager_id,
        "lead_officer_id": project.lead_officer_id, "deputy_id": project.deputy_id,
        "evaluation_weights": dict(project.evaluation_weights),
        "price_scored_separately": project.price_scored_separately,
        "phase_history": [{"from_phase": h.from_phase, "to_phase": h.to_phase, "note": h.note,
                           "changed_by": h.changed_by, "changed_at": common.iso(h.changed_at)}
                          for h in history],
        "principles": [principle_dict(p) for p in principles],
        "budget": budget(session, project),
    }


def get(session, organisation_id: str, project_id: str) -> dict:
    return view(session, common.project(session, organisation_id, project_id))


def list_for(session, organisation_id: str, only: set[str] | None = None) -> list[dict]:
    rows = session.scalars(select(Project).where(Project.organisation_id == organisation_id)
                           .order_by(Project.created_at.desc()))
    return [summary(p) for p in rows if only is None or p.id in only]
