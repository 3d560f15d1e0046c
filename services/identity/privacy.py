"""A person's rights: download everything held about them, and erase it.

Erasure removes contact details, the account, sessions, roles, consents, pending links and
messages, keeps a tombstone with the pseudonymous id (so other services' references say "erased"
rather than break), and publishes ``person.erased`` so that every service forgets that person's data.
"""
from __future__ import annotations

from sqlalchemy import delete, select

from involve.kernel.db import now
from involve.kernel.errors import NotFound
from involve.kernel.schemas import validate

from . import audit, messages, people
from .contract import Erase
from .crypto import Keys
from .models import Account, Consent, Message, OneTimeLink, Person, Role, Session


def export(session, keys: Keys, person_id: str) -> dict:
    person = session.get(Person, person_id)
    if person is None or person.erased_at is not None:
        raise NotFound("We could not find that person.", {"person_id": ["Unknown id."]})
    account = session.get(Account, person_id)
    consent_history = [
        {"purpose": c.purpose, "given": c.given, "recorded_at": c.recorded_at.isoformat()}
        for c in session.scalars(select(Consent).where(Consent.person_id == person_id)
                                 .order_by(Consent.id))]
    access = [{"at": a.at.isoformat(), "by": a.actor, "action": a.action, "reason": a.reason}
              for a in audit.about(session, person_id)]
    audit.record(session, {"person_id": person_id}, "data.exported", "subject access download",
                 person_id)
    return {
        "about": "Everything Involve's identity service holds about you. Other parts of Involve "
                 "know you only by the id below.",
        "id": person.id,
        "contact": keys.decrypt(person.contact),
        "created_at": person.created_at.isoformat(),
        "account": {"created_at": account.created_at.isoformat()} if account else None,
        "roles": people.roles_of(session, person_id),
        "consents": consent_history,
        "notifications": person.notifications,
        "messages": messages.list_for(session, keys, person_id, limit=None),
        "who_accessed_your_details": access,
    }


def erase(session, record_event, principal, person_id: str, data: dict) -> dict:
    validate(Erase(), data)
    person = session.get(Person, person_id)
    if person is None or person.erased_at is not None:
        raise NotFound("We could not find that person.", {"person_id": ["Unknown id."]})
    organisations = sorted(people.roles_of(session, person_id))
    for table in (Session, Account, Consent, Role, OneTimeLink, Message):
        session.execute(delete(table).where(table.person_id == person_id))
    person.contact = None
    person.email_lookup = None
    person.platform_admin = False
    person.erased_at = now()
    audit.record(session, principal, "person.erased", "erasure requested", person_id)
    record_event(session, "person.erased", {"person_id": person_id, "organisations": organisations},
                 subject=person_id, classification="pseudonymous")
    return {"erased": True, "id": person_id}
