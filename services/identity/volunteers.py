"""Panel volunteers: someone who registers interest in an organisation's panel and says how to
reach them if they are chosen. Their name and email or phone stay here, encrypted like every
contact detail; the panels service keeps only the pseudonymous id this returns.

Called by the panels service (``register_panel_volunteer``, no principal: the private broker).
Either a new pseudonymous person is made from ``{"name", "email", "phone"}`` (no email lookup
hash, as for story authors, so registering never reveals whether an address has an account), or
a signed-in person is linked by ``{"person_id"}``. Either way:

* they become a member of the organisation as "service_user" unless they already hold a role
  there, so the organisation's people with "people.names" see them by name (audited) and those
  with "people.read" can read how to reach them (audited), as for any member;
* their consent "being_contacted" is recorded as given when they ticked "you may contact me
  about this panel" (always, for someone giving contact details); withdrawing it, downloading
  and erasing work as for anyone.
"""
from __future__ import annotations

import uuid

from marshmallow import ValidationError, fields, validates_schema
from marshmallow import validate as check
from sqlalchemy import select

from involve.kernel.db import now
from involve.kernel.errors import InvalidInput, NotFound
from involve.kernel.schemas import StrictSchema, validate

from . import audit
from .crypto import Keys
from .models import Account, Consent, Organisation, Person, Role

ROLE = "service_user"


class VolunteerInput(StrictSchema):
    person_id = fields.String(load_default=None, allow_none=True, validate=check.Length(max=36))
    name = fields.String(load_default=None, allow_none=True, validate=check.Length(min=1, max=200))
    email = fields.Email(load_default=None, allow_none=True)
    phone = fields.String(load_default=None, allow_none=True, validate=check.Length(max=40))
    # they ticked "you may contact me about this panel" (always, with contact details)
    consent_to_contact = fields.Boolean(load_default=True)

    @validates_schema
    def _either(self, data, **kwargs):
        if data.get("person_id"):
            if data.get("name") or data.get("email") or data.get("phone"):
                raise ValidationError("Send a person_id or contact details, not both.", "person_id")
        elif not data.get("name"):
            raise ValidationError("Give the volunteer's name.", "name")
        elif not data.get("email") and not data.get("phone"):
            raise ValidationError("Give an email address or a phone number.", "email")


_input = VolunteerInput()


def register(session, keys: Keys, record_event, organisation_id: str, data: dict) -> dict:
    """{"person_id", "email": bool, "phone": bool, "account": bool}: who the panels service
    records, and which ways of reaching them identity holds (never the details themselves)."""
    if not isinstance(organisation_id, str) or session.get(Organisation, organisation_id) is None:
        raise NotFound("We could not find that organisation.", {"organisation_id": ["Unknown id."]})
    values = validate(_input, data)
    if values["person_id"]:
        person = session.get(Person, values["person_id"])
        if person is None or person.erased_at is not None:
            raise InvalidInput("We could not find that person.", {"person_id": ["Unknown id."]})
        new = False
    else:
        contact = {"name": " ".join(values["name"].split()), "email": values["email"],
                   "phone": " ".join(values["phone"].split()) if values["phone"] else None}
        person = Person(id=str(uuid.uuid4()), contact=keys.encrypt(contact), email_lookup=None,
                        platform_admin=False, created_at=now())
        session.add(person)
        session.flush()
        new = True
    roles = []
    member = session.scalar(select(Role.id).where(Role.person_id == person.id,
                                                  Role.organisation_id == organisation_id))
    if member is None:
        session.add(Role(person_id=person.id, organisation_id=organisation_id, role=ROLE))
        roles = [ROLE]
    if values["consent_to_contact"] or new:
        session.add(Consent(person_id=person.id, purpose="being_contacted", given=True,
                            recorded_at=now(), recorded_by=None))
    if new:
        audit.record(session, None, "person.created", "registered interest in a panel",
                     person.id, organisation_id)
        record_event(session, "person.registered", {"person_id": person.id, "roles": roles},
                     subject=person.id, organisation=organisation_id,
                     classification="pseudonymous")
    elif roles:
        audit.record(session, None, "roles.changed", "registered interest in a panel: now a "
                     "member as a person who uses services", person.id, organisation_id)
        record_event(session, "roles.changed", {"person_id": person.id, "roles": roles},
                     subject=person.id, organisation=organisation_id,
                     classification="pseudonymous")
    session.flush()
    held = keys.decrypt(person.contact) if person.contact else {}
    return {"person_id": person.id, "email": bool(held.get("email")),
            "phone": bool(held.get("phone")),
            "account": session.get(Account, person.id) is not None}

