"""Involvement opportunities: what the activity is, the time it takes, the payment offered, the
training and support given and how it is made accessible, published for people to express
interest. Selection is by a coordinator, or fair: the opportunity asks the panels service to
open a campaign (people's answers to its questions go there, never here), and the result comes
back by panels' ``selection.completed`` event (ids only); the coordinator then applies the
drawn panel, and the people drawn join the opportunity's group."""
from __future__ import annotations

import uuid

from sqlalchemy import select

from involve.kernel.errors import Conflict, InvalidInput, NotFound
from involve.kernel.schemas import validate

from . import common, groups, readiness
from .contract import (
    CommissioningInterest,
    CommissioningOpportunityCreate,
    CommissioningPanelCampaign,
    CommissioningSelection,
)
from .models import Interest, Opportunity, Project

_create_input = CommissioningOpportunityCreate()
_campaign_input = CommissioningPanelCampaign()
_interest_input = CommissioningInterest()
_selection_input = CommissioningSelection()
TEXT = ("activity", "time_commitment", "payment_offered", "training_and_support",
        "accessibility")


def create(session, organisation_id: str, project_id: str, data, now) -> dict:
    values = validate(_create_input, data)
    project = common.project(session, organisation_id, project_id)
    if values["group_id"]:
        common.group(session, organisation_id, values["group_id"], project.id)
    row = Opportunity(id=str(uuid.uuid4()), project_id=project.id,
                      title=" ".join(values["title"].split()), places=values["places"],
                      group_id=values["group_id"], selection=values["selection"],
                      status="draft", closes_on=values["closes_on"], created_at=now,
                      **{f: values[f].strip() for f in TEXT})
    session.add(row)
    session.flush()
    return as_dict(session, row, True, None)


def load(session, organisation_id: str, opportunity_id) -> Opportunity:
    row = session.get(Opportunity, opportunity_id) if isinstance(opportunity_id, str) else None
    if row is None:
        raise NotFound("We could not find that opportunity.", {"opportunity_id": ["Unknown id."]})
    common.project(session, organisation_id, row.project_id)
    return row


def publish(session, record_event, organisation_id: str, opportunity_id: str, now) -> dict:
    row = load(session, organisation_id, opportunity_id)
    if row.status != "draft":
        raise Conflict("This opportunity has already been published.")
    if row.closes_on and row.closes_on < now.date():
        raise Conflict("The closing date has passed: change it before publishing.")
    row.status, row.published_at = "published", now
    record_event(session, "opportunity.published", {
        "opportunity_id": row.id, "project_id": row.project_id, "group_id": row.group_id,
        "selection": row.selection, "places": row.places,
        "closes_on": common.iso(row.closes_on), "published_at": now.isoformat()},
        subject=row.id, organisation=organisation_id, classification="public")
    return as_dict(session, row, True, None)


def check_campaign(session, organisation_id: str, opportunity_id: str, data) -> tuple:
    """What to send the panels service to open this opportunity's campaign."""
    values = validate(_campaign_input, data)
    row = load(session, organisation_id, opportunity_id)
    if row.selection != "panel":
        raise Conflict("This opportunity is filled by a coordinator, not drawn by a panel.")
    if row.status != "published":
        raise Conflict("Publish the opportunity before opening its panel campaign.")
    if row.panel_campaign_id:
        raise Conflict("This opportunity already has a panel campaign.")
    campaign = {"purpose": f"{row.title}: {row.activity}"[:500], "panel_size": row.places,
                "categories": values["categories"], "household_rule": values["household_rule"]}
    if values["quota_rule"] is not None:
        campaign["quota_rule"] = values["quota_rule"]
    if values["closes_at"] is not None:
        campaign["closes_at"] = values["closes_at"].isoformat()
    return row, campaign


def link_campaign(session, organisation_id: str, opportunity_id: str, campaign_id: str) -> dict:
    row = load(session, organisation_id, opportunity_id)
    row.panel_campaign_id = campaign_id
    return as_dict(session, row, True, None)


def check_interest(session, organisation_id: str, opportunity_id: str, person_id: str, data,
                   now) -> tuple[Opportunity, dict]:
    values = validate(_interest_input, data)
    row = load(session, organisation_id, opportunity_id)
    if row.status != "published" or (row.closes_on and row.closes_on < now.date()):
        raise Conflict("This opportunity is not open for expressions of interest.")
    if session.scalar(select(Interest.id).where(Interest.opportunity_id == row.id,
                                                Interest.person_id == person_id)):
        raise Conflict("You have already said you are interested in this.")
    if row.selection == "panel":
        if not row.panel_campaign_id:
            raise Conflict("This opportunity's panel is not open yet.")
        if values["answers"] is None:
            raise InvalidInput("Answer the panel's questions.",
                               {"answers": ["The panel draw needs your answers."]})
        if values["consent_to_selection"] is not True:
            raise InvalidInput("We can only include you in the draw if you agree to us using "
                               "your answers for it.",
                               {"consent_to_selection": ["Agree to be included in the draw."]})
    elif values["answers"] is not None:
        raise InvalidInput("This opportunity has no panel questions.",
                           {"answers": ["Not needed: a coordinator chooses."]})
    return row, values


def registration_for_panel(values: dict, person_id: str) -> dict:
    return {"answers": values["answers"], "household_address": values["household_address"],
            "person_id": person_id, "consent_to_contact": values["consent_to_contact"],
            "consent_to_selection": True}


def express_interest(session, organisation_id: str, opportunity_id: str, person_id: str,
                     values: dict, registration_id: str | None, now) -> dict:
    row = load(session, organisation_id, opportunity_id)
    interest = Interest(id=str(uuid.uuid4()), opportunity_id=row.id, person_id=person_id,
                        note=values["note"].strip(), panel_registration_id=registration_id,
                        status="interested", created_at=now)
    session.add(interest)
    session.flush()
    return interest_dict(interest)


def withdraw(session, organisation_id: str, opportunity_id: str, person_id: str, now) -> dict:
    row = load(session, organisation_id, opportunity_id)
    interest = session.scalar(select(Interest).where(Interest.opportunity_id == row.id,
                                                     Interest.person_id == person_id))
    if interest is None:
        raise NotFound("You have not expressed interest in this.")
    interest.status, interest.decided_at = "withdrawn", now
    return interest_dict(interest)


def _choose(session, organisation_id: str, row: Opportunity, chosen: set[str], capacity: str,
            actor, now) -> dict:
    interests = list(session.scalars(select(Interest).where(Interest.opportunity_id == row.id)))
    selected = []
    for interest in interests:
        if interest.status == "withdrawn":
            continue
        interest.decided_at, interest.decided_by = now, actor
        interest.status = "selected" if interest.person_id in chosen else "not_selected"
        if interest.status == "selected":
            selected.append(interest.person_id)
    warnings = []
    if row.group_id:
        group = common.group(session, organisation_id, row.group_id)
        for person_id in selected:
            if not groups.is_member(session, group.id, person_id, now.date()):
                groups.add_member(session, organisation_id, group.id, {
                    "person_id": person_id, "capacity": capacity, "role": "member",
                    "starts_on": now.date(), "ends_on": None}, now)
        warnings = readiness.warnings_for(session, organisation_id, row.project_id, selected,
                                          group.required_training, f"taking part in {group.name}",
                                          now.date())
    row.status = "selected"
    return {"opportunity": as_dict(session, row, True, None), "selected": selected,
            "warnings": warnings}


def select_people(session, organisation_id: str, opportunity_id: str, data, actor, now) -> dict:
    """A coordinator's selection from the people who expressed interest."""
    values = validate(_selection_input, data)
    row = load(session, organisation_id, opportunity_id)
    if row.selection != "coordinator":
        raise Conflict("This opportunity is drawn fairly by a panel: apply the panel's result.")
    if row.status != "published":
        raise Conflict(f"This opportunity is {row.status}, so nobody can be selected now.")
    interested = {i.person_id for i in session.scalars(select(Interest).where(
        Interest.opportunity_id == row.id, Interest.status == "interested"))}
    chosen = list(dict.fromkeys(values["person_ids"]))
    if any(p not in interested for p in chosen):
        raise InvalidInput("Choose people who expressed interest.",
                           {"person_ids": ["Someone here has not expressed interest."]})
    if len(chosen) > row.places:
        raise InvalidInput(f"There are {row.places} places.",
                           {"person_ids": [f"Choose at most {row.places} people."]})
    return _choose(session, organisation_id, row, set(chosen), values["capacity"], actor, now)


def selection_completed(session, campaign_id: str, selection_id: str, organisation_id: str | None,
                        now) -> str | None:
    """panels' ``selection.completed``: the opportunity's draw is ready to apply."""
    row = session.scalar(select(Opportunity).where(Opportunity.panel_campaign_id == campaign_id))
    if row is None:
        return None
    project = session.get(Project, row.project_id)
    if organisation_id and project.organisation_id != organisation_id:
        return None
    if row.status == "published":
        row.panel_selection_id, row.selection_completed_at = selection_id, now
    return row.id


def apply_panel(session, organisation_id: str, opportunity_id: str, panel: list[str], actor,
                now) -> dict:
    """``panel``: the registration ids the panels service drew."""
    row = load(session, organisation_id, opportunity_id)
    if row.status != "published" or not row.panel_selection_id:
        raise Conflict("There is no completed panel draw to apply for this opportunity.")
    by_registration = {i.panel_registration_id: i.person_id for i in session.scalars(
        select(Interest).where(Interest.opportunity_id == row.id,
                               Interest.panel_registration_id.is_not(None)))}
    chosen = {by_registration[r] for r in panel if r in by_registration}
    out = _choose(session, organisation_id, row, chosen, "service_user", actor, now)
    out["drawn_elsewhere"] = sum(1 for r in panel if r not in by_registration)
    out["selection_id"] = row.panel_selection_id
    return out


def interest_dict(i: Interest) -> dict:
    return {"id": i.id, "opportunity_id": i.opportunity_id, "person_id": i.person_id,
            "note": i.note, "status": i.status, "created_at": common.iso(i.created_at),
            "decided_at": common.iso(i.decided_at)}


def as_dict(session, row: Opportunity, manager: bool, person_id: str | None) -> dict:
    out = {"id": row.id, "project_id": row.project_id, "title": row.title,
           "places": row.places, "group_id": row.group_id, "selection": row.selection,
           "status": row.status, "closes_on": common.iso(row.closes_on),
           "published_at": common.iso(row.published_at),
           "panel_campaign_id": row.panel_campaign_id,
           "panel_selection_id": row.panel_selection_id,
           **{f: getattr(row, f) for f in TEXT}}
    interests = list(session.scalars(select(Interest).where(Interest.opportunity_id == row.id)
                                     .order_by(Interest.created_at)))
    if manager:
        out["interests"] = [interest_dict(i) for i in interests]
    elif person_id:
        mine = [interest_dict(i) for i in interests if i.person_id == person_id]
        out["my_interest"] = mine[0] if mine else None
    return out


def get(session, organisation_id: str, opportunity_id: str, manager: bool, person_id) -> dict:
    row = load(session, organisation_id, opportunity_id)
    if not manager and row.status == "draft":
        raise NotFound("We could not find that opportunity.", {"opportunity_id": ["Unknown id."]})
    return as_dict(session, row, manager, person_id)


def list_for(session, organisation_id: str, manager: bool, person_id) -> list[dict]:
    query = select(Opportunity).join(Project, Project.id == Opportunity.project_id).where(
        Project.organisation_id == organisation_id)
    if not manager:
        query = query.where(Opportunity.status != "draft")
    return [as_dict(session, r, manager, person_id)
            for r in session.scalars(query.order_by(Opportunity.created_at.desc()))]
