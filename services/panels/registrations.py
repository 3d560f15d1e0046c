"""Registrations of interest: public sign-up, CSV import and export, erasure. Plain functions.

Answers are matched to the campaign's categories ignoring case and spaces and stored as the
campaign spells them. Several people from one household may register; at most one of them can
be selected (the household key goes into the selection pool).
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
from .households import household_key
from .models import Registration, SelectionJob
from .schemas import ImportInput, RegistrationInput
from .selection import PoolError, load_pool

_input = RegistrationInput()
_import = ImportInput()


def _key(text) -> str:
    return " ".join(str(text).split()).casefold()


def match_answers(campaign, answers: dict) -> dict:
    """{category: value} in the campaign's spelling, or InvalidInput naming each answer."""
    given = {}
    problems = {}
    known = {_key(c["name"]): c for c in campaign.categories}
    for name, value in answers.items():
        if _key(name) not in known:
            problems[name] = ["This is not one of the campaign's questions."]
            continue
        given[_key(name)] = value
    result = {}
    for category in campaign.categories:
        value = given.get(_key(category["name"]))
        choices = {_key(v["value"]): v["value"] for v in category["values"]}
        if value is None or not _key(value):
            problems[category["name"]] = ["Please answer this question."]
        elif _key(value) not in choices:
            problems[category["name"]] = ["Choose one of: " + ", ".join(choices.values()) + "."]
        else:
            result[category["name"]] = choices[_key(value)]
    if problems:
        raise InvalidInput("Some answers need checking: " + ", ".join(sorted(problems)) + ".",
                           {"answers": problems})
    return result


def as_dict(r: Registration) -> dict:
    return {"id": r.id, "campaign_id": r.campaign_id, "person_id": r.person_id,
            "contact_ref": r.contact_ref, "answers": r.answers,
            "household": r.household_key is not None,
            "consent_to_contact": r.consent_contact, "consent_to_selection": r.consent_selection,
            "source": r.source, "created_at": r.created_at.isoformat()}


def _require_open(campaign) -> None:
    if campaign.status != "open" or campaign.closes_at is not None and campaign.closes_at <= now():
        raise Conflict("Registration for this panel has closed.")


def _event(record_event, session, r: Registration) -> None:
    record_event(session, "registration.received",
                 {"campaign_id": r.campaign_id, "registration_id": r.id,
                  "organisation_id": r.organisation_id},
                 subject=r.id, organisation=r.organisation_id, classification="internal")


def register(session, record_event, key: bytes, campaign_id: str, data: dict) -> dict:
    """A volunteer registers their interest (public: the campaign must be open)."""
    campaign = campaigns.load(session, None, campaign_id)
    _require_open(campaign)
    values = validate(_input, data)
    answers = match_answers(campaign, values["answers"])
    r = Registration(
        id=str(uuid.uuid4()), campaign_id=campaign.id, organisation_id=campaign.organisation_id,
        person_id=values["person_id"], contact_ref=None, answers=answers,
        household_key=household_key(key, campaign.id, values["household_address"]),
        consent_contact=values["consent_to_contact"],
        consent_selection=values["consent_to_selection"], source="public", created_at=now())
    session.add(r)
    session.flush()
    _event(record_event, session, r)
    return {"id": r.id, "campaign_id": campaign.id, "received": True,
            "message": "Thank you: your interest is registered. Keep this reference; the public "
                       "draw record will list the references of the people selected."}


def features_csv(campaign) -> str:
    """The campaign's categories in the Sortition Foundation format."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(["feature", "value", "min", "max", "min_flex", "max_flex"])
    for c in campaign.categories:
        for v in c["values"]:
            writer.writerow([c["name"], v["value"], v["min"], v["max"],
                             "" if v.get("min_flex") is None else v["min_flex"],
                             "" if v.get("max_flex") is None else v["max_flex"]])
    return out.getvalue()


def import_csv(session, record_event, key: bytes, campaign, data: dict) -> dict:
    """Import a respondents file (one row per person, one column per category).

    Validated whole by the selection core's loader first: a bad row is refused with its row
    and column and nothing is stored. Only the answers, the id column (as ``contact_ref``) and a
    keyed hash of the address columns are kept; every other column (names, emails...) is
    dropped.
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
            person_id=None, contact_ref=person.id[:100] if values["id_column"] else None,
            answers=dict(zip(pool.features, person.values, strict=True)),
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


def export_csv(session, campaign) -> str:
    """Respondents in the Sortition Foundation format: id, one column per category, household."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    names = [c["name"] for c in campaign.categories]
    writer.writerow(["id"] + names + ["household"])
    for r in pool_registrations(session, campaign.id):
        writer.writerow([r.id] + [r.answers.get(n, "") for n in names] + [r.household_key or ""])
    return out.getvalue()


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
