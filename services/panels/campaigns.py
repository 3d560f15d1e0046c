"""Panel campaigns: purpose, size, closing time, categories with quotas. Plain functions."""
from __future__ import annotations

import uuid

from sqlalchemy import select

from involve.kernel.db import now
from involve.kernel.errors import Conflict, InvalidInput, NotFound
from involve.kernel.schemas import validate

from . import quota_rules
from .models import Campaign
from .schemas import CampaignInput

_input = CampaignInput()


def effective_status(campaign: Campaign) -> str:
    if campaign.status == "open" and campaign.closes_at is not None and campaign.closes_at <= now():
        return "closed"
    return campaign.status


def as_dict(c: Campaign) -> dict:
    return {
        "id": c.id, "organisation_id": c.organisation_id, "purpose": c.purpose,
        "panel_size": c.panel_size, "status": effective_status(c),
        "closes_at": c.closes_at.isoformat() if c.closes_at else None,
        "categories": c.categories, "quota_rule": c.quota_rule,
        "household_rule": bool(c.household_rule), "created_at": c.created_at.isoformat(),
        "closed_at": c.closed_at.isoformat() if c.closed_at else None,
    }


def public_view(c: Campaign) -> dict:
    """What a volunteer sees before registering: the questions, never the quotas."""
    return {"id": c.id, "purpose": c.purpose, "status": effective_status(c),
            "closes_at": c.closes_at.isoformat() if c.closes_at else None,
            "household_rule": bool(c.household_rule),
            "questions": [{"category": cat["name"], "choices": [v["value"] for v in cat["values"]]}
                          for cat in c.categories]}


def build_categories(values: dict, rules: dict) -> list[dict]:
    """The stored categories with every value's min/max filled in (rule, then defaults)."""
    k = values["panel_size"]
    categories = []
    for cat in values["categories"]:
        categories.append({"name": " ".join(cat["name"].split()), "values": [
            {"value": " ".join(v["value"].split()),
             "min": v["min"] if v["min"] is not None else 0,
             "max": v["max"] if v["max"] is not None else k,
             "min_flex": v["min_flex"], "max_flex": v["max_flex"]} for v in cat["values"]]})
    if values.get("quota_rule"):
        names = {c["name"]: [v["value"] for v in c["values"]] for c in categories}
        bounds = quota_rules.apply(rules, values["quota_rule"], names, k)
        for cat in categories:
            for v in cat["values"]:
                low, high = bounds.get(cat["name"], {}).get(v["value"], (0, k))
                v["min"], v["max"] = max(v["min"], low), min(v["max"], high)
                if v["min"] > v["max"]:
                    raise InvalidInput(
                        f"The quota rule gives {cat['name']}={v['value']} at least {v['min']} "
                        f"but at most {v['max']} places.",
                        {"quota_rule": {"parameters": ["These contradict the values' own "
                                                       "minimum or maximum."]}})
    for i, cat in enumerate(categories):
        for j, v in enumerate(cat["values"]):
            if v["min"] > k:
                raise InvalidInput(
                    f"{cat['name']}={v['value']} needs at least {v['min']} places but the panel "
                    f"has {k}.", {"categories": {i: {"values": {j: {"min": [
                        "This is more than the panel size."]}}}}})
            if v["min_flex"] is not None and v["min_flex"] > v["min"]:
                v["min_flex"] = v["min"]
            if v["max_flex"] is not None and v["max_flex"] < v["max"]:
                v["max_flex"] = v["max"]
    return categories


def create(session, record_event, rules: dict, organisation_id: str, data: dict) -> dict:
    values = validate(_input, data)
    campaign = Campaign(
        id=str(uuid.uuid4()), organisation_id=organisation_id,
        purpose=" ".join(values["purpose"].split()), panel_size=values["panel_size"],
        closes_at=values["closes_at"], status="open",
        categories=build_categories(values, rules), quota_rule=values["quota_rule"],
        household_rule=values["household_rule"], created_at=now())
    session.add(campaign)
    session.flush()
    record_event(session, "campaign.opened",
                 {"campaign_id": campaign.id, "organisation_id": organisation_id,
                  "panel_size": campaign.panel_size},
                 subject=campaign.id, organisation=organisation_id, classification="internal")
    return as_dict(campaign)


def update(session, rules: dict, organisation_id: str, campaign_id: str, data: dict) -> dict:
    """Change the quotas or size (e.g. to accept a suggested relaxation) while still open."""
    campaign = load(session, organisation_id, campaign_id)
    if campaign.status != "open":
        raise Conflict("This campaign is closed, so it can no longer be changed.")
    current = {"purpose": campaign.purpose, "panel_size": campaign.panel_size,
               "closes_at": campaign.closes_at.isoformat() if campaign.closes_at else None,
               "categories": [{"name": c["name"], "values": [
                   {k: v[k] for k in ("value", "min", "max", "min_flex", "max_flex")}
                   for v in c["values"]]} for c in campaign.categories],
               "quota_rule": campaign.quota_rule, "household_rule": campaign.household_rule}
    if not isinstance(data, dict):
        validate(_input, data)
    if "categories" in data:
        current["quota_rule"] = None  # new categories replace the old quotas entirely
    merged = dict(current, **data)
    values = validate(_input, merged)
    old_names = {c["name"].casefold() for c in campaign.categories}
    new_names = {" ".join(c["name"].split()).casefold() for c in values["categories"]}
    from .models import Registration

    if old_names != new_names and session.scalar(
            select(Registration.id).where(Registration.campaign_id == campaign.id).limit(1)):
        raise Conflict("People have already answered this campaign's questions, so its "
                       "categories cannot be renamed, added or removed; change the quotas only.",
                       {"categories": ["The category names must stay the same."]})
    campaign.purpose = " ".join(values["purpose"].split())
    campaign.panel_size = values["panel_size"]
    campaign.closes_at = values["closes_at"]
    campaign.categories = build_categories(values, rules)
    campaign.quota_rule = values["quota_rule"]
    campaign.household_rule = values["household_rule"]
    return as_dict(campaign)


def load(session, organisation_id: str | None, campaign_id: str) -> Campaign:
    campaign = session.get(Campaign, campaign_id) if isinstance(campaign_id, str) else None
    if campaign is None or (organisation_id is not None
                            and campaign.organisation_id != organisation_id):
        raise NotFound("We could not find that panel campaign.", {"campaign_id": ["Unknown id."]})
    return campaign


def get(session, organisation_id: str, campaign_id: str) -> dict:
    return as_dict(load(session, organisation_id, campaign_id))


def list_for(session, organisation_id: str) -> list[dict]:
    query = select(Campaign).where(Campaign.organisation_id == organisation_id).order_by(
        Campaign.created_at.desc())
    return [as_dict(c) for c in session.scalars(query)]


def close(session, organisation_id: str, campaign_id: str) -> dict:
    campaign = load(session, organisation_id, campaign_id)
    if campaign.status == "open":
        campaign.status = "closed"
        campaign.closed_at = now()
    return as_dict(campaign)


def quotas(campaign: Campaign):
    """The campaign's quotas as the selection core's Quota objects."""
    from .selection import Quota

    return [Quota(c["name"], v["value"], v["min"], v["max"], v.get("min_flex"), v.get("max_flex"))
            for c in campaign.categories for v in c["values"]]
