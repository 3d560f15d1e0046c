"""People: a pseudonymous id used everywhere, contact details held only here, encrypted.
Roles per organisation and consent records belong to the person too."""
from __future__ import annotations

import uuid

from sqlalchemy import select

from involve.kernel.db import now
from involve.kernel.errors import Conflict, NotFound
from involve.kernel.schemas import validate

from . import audit
from .contract import ConsentChange, PersonCreate, Roles
from .crypto import Keys
from .models import Consent, Organisation, Person, Role

_person_input = PersonCreate()
_roles_input = Roles()
_consent_input = ConsentChange()


def new_person(session, keys: Keys, contact: dict) -> Person:
    lookup = keys.email_lookup(contact["email"]) if contact.get("email") else None
    if lookup and session.scalar(select(Person.id).where(Person.email_lookup == lookup)):
        raise Conflict("Someone is already registered with this email address.",
                       {"email": ["Already registered."]})
    person = Person(id=str(uuid.uuid4()), contact=keys.encrypt(contact), email_lookup=lookup,
                    platform_admin=False, created_at=now())
    session.add(person)
    session.flush()
    return person


def roles_of(session, person_id: str) -> dict[str, list[str]]:
    roles: dict[str, list[str]] = {}
    for row in session.scalars(select(Role).where(Role.person_id == person_id).order_by(Role.role)):
        roles.setdefault(row.organisation_id, []).append(row.role)
    return roles


def _in_organisation(session, organisation_id: str, person_id: str) -> Person:
    person = session.get(Person, person_id)
    member = session.scalar(select(Role.id).where(Role.person_id == person_id,
                                                  Role.organisation_id == organisation_id))
    if person is None or person.erased_at is not None or member is None:
        raise NotFound("We could not find that person in this organisation.",
                       {"person_id": ["Unknown id."]})
    return person


def create(session, keys: Keys, record_event, principal, organisation_id: str, data: dict) -> dict:
    if session.get(Organisation, organisation_id) is None:
        raise NotFound("We could not find that organisation.", {"organisation_id": ["Unknown id."]})
    values = validate(_person_input, data)
    roles = sorted(set(values.pop("roles")) or {"service_user"})
    person = new_person(session, keys, values)
    for role in roles:
        session.add(Role(person_id=person.id, organisation_id=organisation_id, role=role))
    audit.record(session, principal, "person.created", "added by the organisation",
                 person.id, organisation_id)
    record_event(session, "person.registered", {"person_id": person.id, "roles": roles},
                 subject=person.id, organisation=organisation_id, classification="pseudonymous")
    return {"id": person.id, "roles": roles}


def list_for(session, organisation_id: str) -> list[dict]:
    """Members of an organisation by pseudonymous id and role: no contact details."""
    rows = session.execute(select(Role.person_id, Role.role).join(Person, Person.id == Role.person_id)
                           .where(Role.organisation_id == organisation_id, Person.erased_at.is_(None))
                           .order_by(Role.person_id, Role.role)).all()
    people: dict[str, list[str]] = {}
    for person_id, role in rows:
        people.setdefault(person_id, []).append(role)
    return [{"id": pid, "roles": roles} for pid, roles in people.items()]


def read_contact(session, keys: Keys, principal, organisation_id: str, person_id: str,
                 reason: str) -> dict:
    person = _in_organisation(session, organisation_id, person_id)
    audit.record(session, principal, "contact.read", reason, person_id, organisation_id)
    return {"id": person.id, "contact": keys.decrypt(person.contact),
            "roles": roles_of(session, person_id).get(organisation_id, [])}


def set_roles(session, record_event, principal, organisation_id: str, person_id: str,
              data: dict) -> dict:
    _in_organisation(session, organisation_id, person_id)
    roles = sorted(set(validate(_roles_input, data)["roles"]))
    for row in session.scalars(select(Role).where(Role.person_id == person_id,
                                                  Role.organisation_id == organisation_id)):
        session.delete(row)
    session.flush()
    for role in roles:
        session.add(Role(person_id=person_id, organisation_id=organisation_id, role=role))
    audit.record(session, principal, "roles.changed", "roles set to " + (", ".join(roles) or "none"),
                 person_id, organisation_id)
    record_event(session, "roles.changed", {"person_id": person_id, "roles": roles},
                 subject=person_id, organisation=organisation_id, classification="pseudonymous")
    return {"id": person_id, "roles": roles}


def consents_of(session, person_id: str) -> dict[str, dict]:
    current: dict[str, dict] = {}
    for row in session.scalars(select(Consent).where(Consent.person_id == person_id)
                               .order_by(Consent.id)):
        current[row.purpose] = {"purpose": row.purpose, "given": row.given,
                                "recorded_at": row.recorded_at.isoformat()}
    return current


def record_consent(session, record_event, principal, person_id: str, data: dict) -> dict:
    values = validate(_consent_input, data)
    session.add(Consent(person_id=person_id, purpose=values["purpose"], given=values["given"],
                        recorded_at=now(), recorded_by=principal.get("person_id") if principal else None))
    record_event(session, "consent.changed",
                 {"person_id": person_id, "purpose": values["purpose"], "given": values["given"]},
                 subject=person_id, classification="pseudonymous")
    return consents_of(session, person_id)[values["purpose"]]


def has_consent(session, person_id: str, purpose: str) -> bool:
    latest = consents_of(session, person_id).get(purpose)
    return bool(latest and latest["given"])
