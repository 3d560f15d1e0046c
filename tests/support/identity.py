"""Making people in identity's plain modules: members with a role, with or without an account."""
from __future__ import annotations

from involve.identity import accounts, people
from involve.kernel.db import transaction

ADMIN = {"person_id": None, "token_id": None, "platform_admin": True, "roles": {}}
PASSWORD = "a long enough password"


def member(sessions, keys, record, organisation_id, name, roles, *, email=None, account=False,
           consents=()):
    """A person in the organisation; ``account``: registered with a password (and may sign
    in), else added by staff. Returns their id."""
    email = email or name.lower().replace(" ", ".") + "@example.org"
    with transaction(sessions) as session:
        if not account:
            return people.create(session, keys, record, ADMIN, organisation_id,
                                 {"name": name, "email": email, "roles": list(roles)})["id"]
        made = accounts.register(session, keys, record, {
            "name": name, "email": email, "password": PASSWORD,
            "organisation_id": organisation_id, "consents": list(consents)})
        if set(roles) != {"service_user"}:
            people.set_roles(session, record, ADMIN, organisation_id, made["id"],
                             {"roles": list(roles)})
        return made["id"]
