"""What identity tells other services (feedback, mystery shopping) without handing over anyone's
contact details: public facts about organisations and care services, who holds a role, and who
agrees. (Telling a person something, by id, is messages.notify.)

These RPCs take no principal: they are for services on the private broker, never exposed by the
gateway as they are (see docs/security.md).
"""
from __future__ import annotations

import uuid

from marshmallow import fields
from sqlalchemy import select

from involve.kernel.db import now
from involve.kernel.errors import InvalidInput, NotFound
from involve.kernel.schemas import StrictSchema, validate

from . import people
from .contract import CONSENT_PURPOSES
from .crypto import Keys
from .models import CareService, Consent, Organisation, Person, Role

PUBLIC_CARE_SERVICE_FIELDS = ("id", "name", "kind", "region", "website", "public_phone",
                              "public_email")


class AuthorInput(StrictSchema):
    email = fields.Email(load_default=None, allow_none=True)


_author_input = AuthorInput()


def _organisation(session, organisation_id: str) -> Organisation:
    organisation = session.get(Organisation, organisation_id)
    if organisation is None:
        raise NotFound("We could not find that organisation.", {"organisation_id": ["Unknown id."]})
    return organisation


def public_care_services(session, organisation_id: str) -> list[dict]:
    """What the organisation publishes about its services anyway (name, kind, website...)."""
    _organisation(session, organisation_id)
    rows = session.scalars(select(CareService).where(CareService.organisation_id == organisation_id)
                           .order_by(CareService.name_key))
    return [{name: getattr(row, name) for name in PUBLIC_CARE_SERVICE_FIELDS} for row in rows]


def public_organisation(session, organisation_id: str) -> dict:
    """An organisation's public page: its name and kind, and its care services' public facts."""
    organisation = _organisation(session, organisation_id)
    return {"id": organisation.id, "name": organisation.name, "kind": organisation.kind,
            "care_services": public_care_services(session, organisation_id)}


def create_author(session, keys: Keys, organisation_id: str, data: dict) -> dict:
    """A pseudonymous person for someone who tells a story without an account.

    The optional email (for replies) is encrypted like any contact detail, with no lookup hash,
    so giving it never reveals whether that address also has an account. Giving it records
    consent to receive replies.
    """
    _organisation(session, organisation_id)
    values = validate(_author_input, data)
    person = Person(id=str(uuid.uuid4()), contact=keys.encrypt({"email": values["email"]}),
                    email_lookup=None, platform_admin=False, created_at=now())
    session.add(person)
    session.flush()
    if values["email"]:
        session.add(Consent(person_id=person.id, purpose="story_replies", given=True,
                            recorded_at=now(), recorded_by=None))
    return {"person_id": person.id, "can_reply": bool(values["email"])}


def holders_of(session, organisation_id: str, role: str) -> list[str]:
    """Ids of the people who hold ``role`` in the organisation (not erased), oldest first."""
    rows = session.scalars(
        select(Role.person_id).join(Person, Person.id == Role.person_id)
        .where(Role.organisation_id == organisation_id, Role.role == role,
               Person.erased_at.is_(None))
        .order_by(Person.created_at, Person.id))
    return list(dict.fromkeys(rows))


def roles_in(session, organisation_id: str, person_ids: list[str]) -> dict[str, list[str]]:
    """For each given person id, their roles in this organisation ([] if none or unknown)."""
    out: dict[str, list[str]] = {person_id: [] for person_id in person_ids}
    if not person_ids:
        return out
    rows = session.execute(
        select(Role.person_id, Role.role).join(Person, Person.id == Role.person_id)
        .where(Role.organisation_id == organisation_id, Role.person_id.in_(list(person_ids)),
               Person.erased_at.is_(None)).order_by(Role.role))
    for person_id, role in rows:
        out[person_id].append(role)
    return out


def consenting(session, person_ids: list[str], purpose: str) -> list[str]:
    """The given person ids (in the given order, once each) whose latest consent for ``purpose``
    is given and who are not erased. Unknown ids are simply left out."""
    if purpose not in CONSENT_PURPOSES:
        raise InvalidInput("That is not something people can agree to.",
                           {"purpose": [f"Choose one of: {', '.join(CONSENT_PURPOSES)}."]})
    out = []
    for person_id in dict.fromkeys(p for p in person_ids if isinstance(p, str)):
        person = session.get(Person, person_id)
        if person is None or person.erased_at is not None:
            continue
        if people.has_consent(session, person_id, purpose):
            out.append(person_id)
    return out
