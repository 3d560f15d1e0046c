"""Panel campaigns: purpose, size, closing time, categories with quotas. Plain functions.

A category is a question volunteers answer: its ``name`` (short, used in reports and
spreadsheets), the ``question`` they read, its values (the answers) with each value's minimum
and maximum places. A category with ``multiple`` lets a volunteer tick several answers ("which
of these services have you used?"); a value's min/max then counts the panel members who ticked
it. The selection core knows only single-valued features, so a multi-choice category reaches it
as one yes/no feature per answer, named "<category>: <answer>", with the answer's min/max on
"yes" and 0 to the panel size on "no" (docs/decisions.md): the algorithms need no change, and
"at least 4 who used each service" is four ordinary quotas.
"""
from __future__ import annotations

import uuid

from sqlalchemy import select

from involve.kernel.db import now
from involve.kernel.errors import Conflict, InvalidInput, NotFound
from involve.kernel.schemas import validate

from . import quota_rules
from .contract import NOT_TICKED, OPTION_SEPARATOR, TICKED, PanelCampaignCreate, same_name
from .models import Campaign, Registration, SelectionJob

_input = PanelCampaignCreate()


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
            "organisation_id": c.organisation_id,
            "closes_at": c.closes_at.isoformat() if c.closes_at else None,
            "household_rule": bool(c.household_rule),
            "questions": [{"category": cat["name"], "question": cat.get("question"),
                           "multiple": bool(cat.get("multiple")),
                           "choices": [v["value"] for v in cat["values"]]}
                          for cat in c.categories]}


# --- how categories reach the selection core ---------------------------------------------------
def option_feature(category: str, option: str) -> str:
    """The yes/no feature standing for one answer of a multi-choice category."""
    return f"{category}{OPTION_SEPARATOR}{option}"


def selection_features(categories: list[dict], panel_size: int) -> list[tuple[str, list[dict]]]:
    """[(feature, [{"value", "min", "max", "min_flex", "max_flex"}])] as the selection sees
    them: single-choice categories as they are, multi-choice ones one yes/no feature each."""
    out = []
    for cat in categories:
        if not cat.get("multiple"):
            out.append((cat["name"], [dict(v) for v in cat["values"]]))
            continue
        for v in cat["values"]:
            out.append((option_feature(cat["name"], v["value"]), [
                {"value": TICKED, "min": v["min"], "max": v["max"],
                 "min_flex": v.get("min_flex"), "max_flex": v.get("max_flex")},
                {"value": NOT_TICKED, "min": 0, "max": panel_size, "min_flex": None,
                 "max_flex": None}]))
    return out


def feature_answers(categories: list[dict], answers: dict) -> dict:
    """A registration's answers ({category: value or [values ticked]}) as selection features."""
    out = {}
    for cat in categories:
        given = answers.get(cat["name"])
        if not cat.get("multiple"):
            out[cat["name"]] = given
            continue
        ticked = set(given or [])
        for v in cat["values"]:
            out[option_feature(cat["name"], v["value"])] = (TICKED if v["value"] in ticked
                                                            else NOT_TICKED)
    return out


def answers_from_features(categories: list[dict], features: dict) -> dict:
    """The inverse of feature_answers (imported spreadsheets use the selection's columns)."""
    out = {}
    for cat in categories:
        if not cat.get("multiple"):
            out[cat["name"]] = features[cat["name"]]
        else:
            out[cat["name"]] = [v["value"] for v in cat["values"]
                                if features[option_feature(cat["name"], v["value"])] == TICKED]
    return out


def _bad(message: str, i: int, field: str, j: int | None = None, detail: str | None = None):
    where = {field: [detail or message]} if j is None else {"values": {j: {field: [
        detail or message]}}}
    return InvalidInput(message, {"categories": {i: where}})


def build_categories(values: dict, rules: dict) -> list[dict]:
    """The stored categories with every value's min/max filled in (rule, then defaults)."""
    k = values["panel_size"]
    categories = []
    for cat in values["categories"]:
        question = " ".join((cat.get("question") or "").split()) or None
        categories.append({"name": " ".join(cat["name"].split()), "question": question,
                           "multiple": bool(cat.get("multiple")), "values": [
            {"value": " ".join(v["value"].split()),
             "min": v["min"] if v["min"] is not None else 0,
             "max": v["max"] if v["max"] is not None else k,
             "min_flex": v["min_flex"], "max_flex": v["max_flex"]} for v in cat["values"]]})
    for i, cat in enumerate(categories):
        for j, v in enumerate(cat["values"]):
            if v["min"] > k:
                raise _bad(f"“{cat['name']}: {v['value']}” needs at least {v['min']} places, but "
                           f"the panel has only {k}.", i, "min", j,
                           f"This is more than the panel's {k} places.")
    if values.get("quota_rule"):
        names = {c["name"]: [v["value"] for v in c["values"]] for c in categories}
        bounds = quota_rules.apply(rules, values["quota_rule"], names, k)
        for cat in categories:
            for v in cat["values"]:
                low, high = bounds.get(cat["name"], {}).get(v["value"], (0, k))
                own = v["min"], v["max"]
                v["min"], v["max"] = max(v["min"], low), min(v["max"], high)
                if v["min"] > v["max"]:
                    raise InvalidInput(
                        f"The quota rule gives “{cat['name']}: {v['value']}” {low} to {high} "
                        f"places, but its own minimum and maximum are {own[0]} and {own[1]}.",
                        {"quota_rule": {"parameters": ["These contradict the values' own "
                                                       "minimum or maximum."]}})
    names = {same_name(c["name"]): i for i, c in enumerate(categories)}
    for i, cat in enumerate(categories):
        for j, v in enumerate(cat["values"]):
            if v["min"] > k:
                raise _bad(f"“{cat['name']}: {v['value']}” needs at least {v['min']} places, but "
                           f"the panel has only {k}.", i, "min", j,
                           f"This is more than the panel's {k} places.")
            if v["min_flex"] is not None and v["min_flex"] > v["min"]:
                v["min_flex"] = v["min"]
            if v["max_flex"] is not None and v["max_flex"] < v["max"]:
                v["max_flex"] = v["max"]
        if cat["multiple"]:
            for j, v in enumerate(cat["values"]):
                clash = names.get(same_name(option_feature(cat["name"], v["value"])))
                if clash is not None:
                    raise _bad(f"The answer “{v['value']}” of “{cat['name']}” would have the same "
                               f"name as the category “{categories[clash]['name']}”; rename one "
                               "of them.", i, "value", j, "Rename this answer or that category.")
            continue
        lowest = sum(v["min"] for v in cat["values"])
        highest = sum(v["max"] for v in cat["values"])
        if lowest > k:
            raise _bad(f"The minimums for “{cat['name']}” add up to {lowest}, but the panel has "
                       f"only {k} places. Lower some of them.", i, "values", None,
                       f"The minimums add up to {lowest}, more than the {k} places.")
        if highest < k:
            raise _bad(f"The maximums for “{cat['name']}” add up to {highest}, so the panel's {k} "
                       "places could not all be filled. Raise some of them.", i, "values", None,
                       f"The maximums add up to {highest}, fewer than the {k} places.")
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


# What a finished selection fixes (its draw record states them); the purpose, closing date and
# household rule may still change (later selections take the household rule as it then is).
LOCKED_BY_SELECTION = {"panel_size", "categories", "quota_rule"}


def selected(session, campaign_id: str) -> bool:
    """Has a selection of this campaign finished with a panel?"""
    return session.scalar(select(SelectionJob.id).where(
        SelectionJob.campaign_id == campaign_id, SelectionJob.status == "done").limit(1)) is not None


def update(session, rules: dict, organisation_id: str, campaign_id: str, data: dict) -> dict:
    """Change the quotas or size (e.g. to accept a suggested relaxation) until a selection has
    chosen a panel, whether or not registration is still open (LOCKED_BY_SELECTION)."""
    campaign = load(session, organisation_id, campaign_id)
    if isinstance(data, dict) and set(data) & LOCKED_BY_SELECTION and selected(session,
                                                                               campaign.id):
        raise Conflict("A panel has already been chosen with these quotas, so they and the panel "
                       "size can no longer be changed: the draw record must match them. Open a "
                       "new campaign to choose again with different quotas.",
                       {name: ["This can no longer be changed."]
                        for name in sorted(set(data) & LOCKED_BY_SELECTION)})
    current = {"purpose": campaign.purpose, "panel_size": campaign.panel_size,
               "closes_at": campaign.closes_at.isoformat() if campaign.closes_at else None,
               "categories": [{"name": c["name"], "question": c.get("question"),
                               "multiple": bool(c.get("multiple")), "values": [
                   {k: v[k] for k in ("value", "min", "max", "min_flex", "max_flex")}
                   for v in c["values"]]} for c in campaign.categories],
               "quota_rule": campaign.quota_rule, "household_rule": campaign.household_rule}
    if not isinstance(data, dict):
        validate(_input, data)
    if "categories" in data:
        current["quota_rule"] = None  # new categories replace the old quotas entirely
    merged = dict(current, **data)
    values = validate(_input, merged)
    if session.scalar(select(Registration.id).where(Registration.campaign_id == campaign.id)
                      .limit(1)):
        _keep_answers(session, campaign, values["categories"])
    campaign.purpose = " ".join(values["purpose"].split())
    campaign.panel_size = values["panel_size"]
    campaign.closes_at = values["closes_at"]
    campaign.categories = build_categories(values, rules)
    campaign.quota_rule = values["quota_rule"]
    campaign.household_rule = values["household_rule"]
    return as_dict(campaign)


def _keep_answers(session, campaign, new_categories) -> None:
    """Once people have answered, their answers must keep meaning the same: no category
    renamed, added or removed, none turned between one and several answers, and no answer
    anyone gave taken away."""
    old = {same_name(c["name"]): c for c in campaign.categories}
    new = {same_name(c["name"]): c for c in new_categories}
    if set(old) != set(new):
        raise Conflict("People have already answered this campaign's questions, so its "
                       "categories cannot be renamed, added or removed; change the quotas only.",
                       {"categories": ["The category names must stay the same."]})
    counts = answer_counts(session, campaign)
    for i, cat in enumerate(new_categories):
        before = old[same_name(cat["name"])]
        if bool(cat.get("multiple")) != bool(before.get("multiple")):
            raise Conflict(f"People have already answered “{before['name']}”, so it cannot change "
                           "between one answer and several.",
                           {"categories": {i: {"multiple": ["This must stay as it is."]}}})
        kept = {same_name(v["value"]) for v in cat["values"]}
        for value, n in counts.get(before["name"], {}).items():
            if n and same_name(value) not in kept:
                raise Conflict(f"{n} {'person' if n == 1 else 'people'} answered “{value}” to "
                               f"“{before['name']}”, so that answer cannot be removed.",
                               {"categories": {i: {"values": [
                                   f"Keep the answer “{value}”."]}}})


def answer_counts(session, campaign) -> dict[str, dict[str, int]]:
    """{category: {answer: how many consenting registrations gave it}} (ticked, for a
    multi-choice category): what the quota page compares each minimum with."""
    counts = {c["name"]: {v["value"]: 0 for v in c["values"]} for c in campaign.categories}
    for answers in session.scalars(select(Registration.answers).where(
            Registration.campaign_id == campaign.id, Registration.consent_selection.is_(True))):
        for name, given in (answers or {}).items():
            if name not in counts:
                continue
            for value in (given if isinstance(given, list) else [given]):
                if value in counts[name]:
                    counts[name][value] += 1
    return counts


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


def open_for(session, organisation_id: str) -> list[dict]:
    """Public: the organisation's campaigns still taking registrations, closing soonest first
    (those with no closing date last). Only what the public registration page shows anyway."""
    rows = session.scalars(select(Campaign).where(Campaign.organisation_id == organisation_id,
                                                  Campaign.status == "open")
                           .order_by(Campaign.created_at))
    found = [c for c in rows if effective_status(c) == "open"]
    found.sort(key=lambda c: (c.closes_at is None, c.closes_at or c.created_at))
    return [{"id": c.id, "purpose": c.purpose,
             "closes_at": c.closes_at.isoformat() if c.closes_at else None} for c in found]


def close(session, organisation_id: str, campaign_id: str) -> dict:
    campaign = load(session, organisation_id, campaign_id)
    if campaign.status == "open":
        campaign.status = "closed"
        campaign.closed_at = now()
    return as_dict(campaign)


def quotas(campaign: Campaign):
    """The campaign's quotas as the selection core's Quota objects (multi-choice categories
    as one yes/no feature per answer)."""
    from .selection import Quota

    return [Quota(feature, v["value"], v["min"], v["max"], v.get("min_flex"), v.get("max_flex"))
            for feature, values in selection_features(campaign.categories, campaign.panel_size)
            for v in values]
