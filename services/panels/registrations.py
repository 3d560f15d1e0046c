"""Registrations of interest: public sign-up, CSV import and export, erasure. Plain functions.

Answers are matched to the campaign's categories ignoring case and spaces and stored as the
campaign spells them (a multi-choice question's answer is the list of the values ticked, in the
campaign's order). Several people from one household may register; at most one of them can be
selected (the household key goes into the selection pool).

How to reach a volunteer is identity's: the service asks identity for a pseudonymous person
holding the contact details (``register_panel_volunteer``) and passes what it answered here as
``volunteer``; a registration keeps only that id and which ways exist ("email", "phone").
"""
from __future__ import annotations

import csv
import io
import uuid

from sqlalchemy import delete, func, select

from involve.kernel.db import now
from involve.kernel.errors import Conflict, InvalidInput
from involve.kernel.schemas import validate

from . import campaigns
from .contract import PanelImport, PanelRegistrationCreate, same_name
from .households import household_key
from .models import Registration, SelectionJob
from .selection import PoolError, load_pool

_input = PanelRegistrationCreate()
_import = PanelImport()


def match_answers(campaign, answers: dict) -> dict:
    """{category: value} in the campaign's spelling, or InvalidInput naming each answer.
    A multi-choice category's answer is a list of values (empty when none applies)."""
    given = {}
    problems = {}
    known = {same_name(c["name"]): c for c in campaign.categories}
    for name, value in answers.items():
        if same_name(name) not in known:
            problems[name] = ["This is not one of the campaign's questions."]
            continue
        given[same_name(name)] = value
    result = {}
    for category in campaign.categories:
        value = given.get(same_name(category["name"]))
        choices = {same_name(v["value"]): v["value"] for v in category["values"]}
        if category.get("multiple"):
            ticked = value if isinstance(value, list) else None if value is None else [value]
            if ticked is None:
                problems[category["name"]] = ["Please answer this question (send an empty list "
                                              "if none of the answers applies)."]
            elif any(same_name(t) not in choices for t in ticked):
                problems[category["name"]] = ["Choose from: " + ", ".join(choices.values()) + "."]
            else:
                wanted = {same_name(t) for t in ticked}
                result[category["name"]] = [v["value"] for v in category["values"]
                                            if same_name(v["value"]) in wanted]
            continue
        if isinstance(value, list):
            problems[category["name"]] = ["Choose one answer only."]
        elif value is None or not same_name(value):
            problems[category["name"]] = ["Please answer this question."]
        elif same_name(value) not in choices:
            problems[category["name"]] = ["Choose one of: " + ", ".join(choices.values()) + "."]
        else:
            result[category["name"]] = choices[same_name(value)]
    if problems:
        raise InvalidInput("Some answers need checking: " + ", ".join(sorted(problems)) + ".",
                           {"answers": problems})
    return result


def as_dict(r: Registration) -> dict:
    return {"id": r.id, "campaign_id": r.campaign_id, "person_id": r.person_id,
            "contact_ref": r.contact_ref, "contact_ways": r.contact_ways, "answers": r.answers,
            "household": r.household_key is not None,
            "consent_to_contact": r.consent_contact, "consent_to_selection": r.consent_selection,
            "source": r.source, "created_at": r.created_at.isoformat()}


def _require_open(campaign) -> None:
    if campaign.status != "open" or (campaign.closes_at is not None and campaign.closes_at <= now()):
        raise Conflict("Registration for this panel has closed.")


def _event(record_event, session, r: Registration) -> None:
    record_event(session, "registration.received",
                 {"campaign_id": r.campaign_id, "registration_id": r.id,
                  "organisation_id": r.organisation_id},
                 subject=r.id, organisation=r.organisation_id, classification="internal")


def check(session, campaign_id: str, data: dict) -> tuple[str, dict | None]:
    """Before identity is asked to keep anyone's details: the campaign is open and the answers
    are right. Returns (organisation id, what to send identity or None)."""
    campaign = campaigns.load(session, None, campaign_id)
    _require_open(campaign)
    values = validate(_input, data)
    match_answers(campaign, values["answers"])
    if values["contact"]:
        return campaign.organisation_id, dict(values["contact"])
    if values["person_id"]:
        return campaign.organisation_id, {"person_id": values["person_id"],
                                          "consent_to_contact": values["consent_to_contact"]}
    return campaign.organisation_id, None


def _ways(volunteer: dict | None) -> str | None:
    if not volunteer:
        return None
    ways = [w for w in ("email", "phone") if volunteer.get(w)]
    if volunteer.get("account"):
        ways.append("account")
    return " ".join(ways) or None


def register(session, record_event, key: bytes, campaign_id: str, data: dict,
             volunteer: dict | None = None) -> dict:
    """A volunteer registers their interest (public: the campaign must be open). ``volunteer``:
    identity's answer to register_panel_volunteer for the contact details or person sent."""
    campaign = campaigns.load(session, None, campaign_id)
    _require_open(campaign)
    values = validate(_input, data)
    answers = match_answers(campaign, values["answers"])
    person_id = (volunteer or {}).get("person_id") or values["person_id"]
    r = Registration(
        id=str(uuid.uuid4()), campaign_id=campaign.id, organisation_id=campaign.organisation_id,
        person_id=person_id, contact_ref=None, answers=answers,
        household_key=household_key(key, campaign.id, values["household_address"]),
        consent_contact=values["consent_to_contact"],
        consent_selection=values["consent_to_selection"], source="public",
        contact_ways=_ways(volunteer), created_at=now())
    session.add(r)
    session.flush()
    _event(record_event, session, r)
    return {"id": r.id, "campaign_id": campaign.id, "received": True,
            "contact_ways": (r.contact_ways or "").split(),
            "message": "Thank you: your interest is registered. Keep this reference; the public "
                       "draw record will list the references of the people selected."}


def features_csv(campaign) -> str:
    """The campaign's categories in the Sortition Foundation format (a multi-choice category
    as one yes/no feature per answer, as the selection sees it)."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(["feature", "value", "min", "max", "min_flex", "max_flex"])
    for feature, values in campaigns.selection_features(campaign.categories, campaign.panel_size):
        for v in values:
            writer.writerow([feature, v["value"], v["min"], v["max"],
                             "" if v.get("min_flex") is None else v["min_flex"],
                             "" if v.get("max_flex") is None else v["max_flex"]])
    return out.getvalue()


def import_csv(session, record_event, key: bytes, campaign, data: dict) -> dict:
    """Import a respondents file (one row per person, one column per category).

    Validated whole by the selection core's loader first: a bad row is refused with its row
    and column and nothing is stored. Only the answers, the id column (as ``contact_ref``, or
    "row N" without one, so the coordinator can find each person in their spreadsheet) and a
    keyed hash of the address columns are kept; every other column (names, emails...) is
    dropped. A multi-choice category is read from one yes/no column per answer, named
    "<category>: <answer>" (as in categories.csv).
    """
    values = validate(_import, data)
    if campaign.status != "open":
        raise Conflict("This campaign is closed, so no more registrations can be added.")
    try:
        pool = load_pool(io.StringIO(features_csv(campaign)), io.StringIO(values["people_csv"]),
                         id_column=values["id_column"],
                         address_columns=values["address_columns"] or None)
    except PoolError as exc:
        raise InvalidInput(f"The spreadsheet was not imported (nothing was stored): {exc}",
                           {"people_csv": [str(exc)],
                            "row": [str(exc.row)] if exc.row is not None else [],
                            "column": [exc.column] if exc.column else []}) from None
    created = []
    for person in pool.people:
        r = Registration(
            id=str(uuid.uuid4()), campaign_id=campaign.id, organisation_id=campaign.organisation_id,
            person_id=None,
            contact_ref=person.id[:100] if values["id_column"] else f"row {person.id}",
            answers=campaigns.answers_from_features(
                campaign.categories, dict(zip(pool.features, person.values, strict=True))),
            household_key=household_key(key, campaign.id, person.household),
            consent_contact=True, consent_selection=True, source="import", created_at=now())
        session.add(r)
        created.append(r)
    session.flush()
    for r in created:
        _event(record_event, session, r)
    return {"imported": len(created), "campaign_id": campaign.id}


def pool_registrations(session, campaign_id: str) -> list[Registration]:
    return list(session.scalars(
        select(Registration).where(Registration.campaign_id == campaign_id,
                                   Registration.consent_selection.is_(True))
        .order_by(Registration.created_at, Registration.id)))


SPREADSHEET_ID = "spreadsheet_id"


def export_csv(session, campaign) -> str:
    """Respondents in the Sortition Foundation format: id (the registration reference), the
    imported spreadsheet's own id (to match people in it), one column per feature (a
    multi-choice category as yes/no columns), household."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    features = [f for f, _ in campaigns.selection_features(campaign.categories,
                                                            campaign.panel_size)]
    writer.writerow(["id", SPREADSHEET_ID] + features + ["household"])
    for r in pool_registrations(session, campaign.id):
        row = campaigns.feature_answers(campaign.categories, r.answers)
        writer.writerow([r.id, r.contact_ref or ""] + [row.get(f) or "" for f in features]
                        + [r.household_key or ""])
    return out.getvalue()


def spreadsheet_ids(session, registration_ids) -> dict[str, str]:
    """{registration id: the imported spreadsheet's id} for those that came from one."""
    ids = [i for i in dict.fromkeys(registration_ids or ()) if isinstance(i, str)]
    if not ids:
        return {}
    rows = session.execute(select(Registration.id, Registration.contact_ref).where(
        Registration.id.in_(ids), Registration.contact_ref.is_not(None))).all()
    return dict(rows)  # .all(): a Result itself has keys(), which dict() would misread


def count(session, campaign_id: str) -> int:
    return session.scalar(select(func.count()).select_from(Registration).where(
        Registration.campaign_id == campaign_id)) or 0


def forget_person(session, person_id: str) -> int:
    """``person.erased``: delete their registrations and drop their answers from job inputs."""
    ids = list(session.scalars(select(Registration.id).where(Registration.person_id == person_id)))
    if not ids:
        return 0
    gone = set(ids)
    for job in session.scalars(select(SelectionJob).where(
            SelectionJob.campaign_id.in_(select(Registration.campaign_id).where(
                Registration.id.in_(ids))))):
        people = job.input.get("people", [])
        if any(p["id"] in gone for p in people):
            job.input = dict(job.input, people=[p for p in people if p["id"] not in gone],
                             erased=sorted(set(job.input.get("erased", [])) | (
                                 gone & {p["id"] for p in people})))
    session.execute(delete(Registration).where(Registration.id.in_(ids)))
    return len(ids)
