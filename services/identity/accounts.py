"""Accounts: registration, sign-in with throttling, sessions, invitations and password resets.

Passwords are hashed with argon2id. Session tokens, invitation and reset links are random and
stored only as SHA-256 hashes; links are single-use and expire.
"""
from __future__ import annotations

import secrets
from datetime import timedelta

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import delete, func, select

from involve.kernel import settings
from involve.kernel.db import now
from involve.kernel.errors import BadRequest, InvalidInput, NotAuthenticated, TooManyRequests
from involve.kernel.schemas import validate

from . import audit, invitations, links, people
from .contract import EmailOnly, PasswordReset, Register, SignIn
from .crypto import Keys
from .links import token_hash
from .models import Account, Organisation, Person, Role, Session, SignInFailure

hasher = PasswordHasher()  # argon2id with the library's recommended parameters
_DUMMY_HASH = hasher.hash("not a real password; evens out timing for unknown emails")
INVITATION_DAYS = invitations.DAYS
RESET_HOURS = 1


def invite(session, keys: Keys, mailer, principal, organisation_id: str, data: dict,
           base_url: str) -> dict:
    return invitations.invite(session, keys, mailer, principal, organisation_id, data, base_url)


def register(session, keys: Keys, record_event, data: dict) -> dict:
    values = validate(Register(), data)
    link = None
    if values.get("invitation"):
        link = links.use(session, "invitation", values["invitation"])
        organisation_id, role = link.organisation_id, link.role
    else:
        organisation_id, role = values["organisation_id"], "service_user"
        if session.get(Organisation, organisation_id) is None:
            raise InvalidInput("Choose the organisation you are joining.",
                               {"organisation_id": ["Unknown organisation."]})
    contact = {k: values.get(k) for k in ("name", "email", "phone", "address")}
    person = people.new_person(session, keys, contact)
    if link is not None:
        invitations.accepted(session, link, person.id)
    session.add(Account(person_id=person.id, password_hash=hasher.hash(values["password"]),
                        created_at=now()))
    session.add(Role(person_id=person.id, organisation_id=organisation_id, role=role))
    for purpose in sorted(set(values["consents"])):
        people.record_consent(session, record_event, {"person_id": person.id}, person.id,
                              {"purpose": purpose, "given": True})
    record_event(session, "person.registered", {"person_id": person.id, "roles": [role]},
                 subject=person.id, organisation=organisation_id, classification="pseudonymous")
    return {"id": person.id, "organisation_id": organisation_id, "roles": [role]}


def _recent_failures(session, key: str) -> int:
    window = now() - timedelta(minutes=int(settings.get("SIGN_IN_WINDOW_MINUTES")))
    return session.scalar(select(func.count()).select_from(SignInFailure)
                          .where(SignInFailure.key == key, SignInFailure.at > window))


def check_throttle(session, keys: Keys, email: str, client: str | None) -> None:
    """Refuse further tries for an email (or from one client) after too many failures."""
    limit = int(settings.get("SIGN_IN_MAX_FAILURES"))
    minutes = int(settings.get("SIGN_IN_WINDOW_MINUTES"))
    if _recent_failures(session, "email:" + keys.email_lookup(email)) >= limit or (
            client and _recent_failures(session, "ip:" + client) >= limit * 4):
        raise TooManyRequests(f"Too many tries to sign in. For your safety, please wait {minutes} "
                              "minutes and try again, or reset your password.")


def record_failure(session, keys: Keys, email: str, client: str | None) -> None:
    session.add(SignInFailure(key="email:" + keys.email_lookup(email), at=now()))
    if client:
        session.add(SignInFailure(key="ip:" + client, at=now()))


def verify_password(session, keys: Keys, email: str, password: str) -> Person | None:
    person = session.scalar(select(Person).where(Person.email_lookup == keys.email_lookup(email),
                                                 Person.erased_at.is_(None)))
    account = session.get(Account, person.id) if person else None
    try:
        hasher.verify(account.password_hash if account else _DUMMY_HASH, password)
    except (VerificationError, InvalidHashError):
        return None
    if account is None:
        return None
    if hasher.check_needs_rehash(account.password_hash):
        account.password_hash = hasher.hash(password)
    return person


def start_session(session, person_id: str) -> dict:
    token = secrets.token_urlsafe(32)
    csrf = secrets.token_urlsafe(24)
    hours = int(settings.get("SESSION_HOURS"))
    session.add(Session(token_hash=token_hash(token), person_id=person_id, csrf_token=csrf,
                        created_at=now(), expires_at=now() + timedelta(hours=hours)))
    return {"session_token": token, "csrf_token": csrf, "person_id": person_id,
            "expires_in_seconds": hours * 3600}


def sign_in_values(data: dict) -> dict:
    return validate(SignIn(), data)


def end_session(session, token: str) -> str | None:
    """Sign out; returns whose session it was (None: no such session)."""
    row = session.get(Session, token_hash(token or ""))
    if row is None:
        return None
    session.delete(row)
    return row.person_id


def principal_for_person(session, person: Person) -> dict:
    return {"person_id": person.id, "token_id": None, "platform_admin": bool(person.platform_admin),
            "roles": people.roles_of(session, person.id)}


def authenticate_session(session, token: str) -> dict:
    row = session.get(Session, token_hash(token or ""))
    if row is None or row.expires_at < now():
        raise NotAuthenticated("Your session has ended. Please sign in again.")
    person = session.get(Person, row.person_id)
    if person is None or person.erased_at is not None:
        raise NotAuthenticated("Your session has ended. Please sign in again.")
    # how long the answer holds (the gateway keeps it no longer)
    return {**principal_for_person(session, person), "csrf_token": row.csrf_token,
            "valid_for_seconds": max(0.0, (row.expires_at - now()).total_seconds())}


def request_password_reset(session, keys: Keys, mailer, data: dict, base_url: str) -> dict:
    """Always answers the same, so nobody can find out who has an account."""
    values = validate(EmailOnly(), data)
    person = session.scalar(select(Person).where(
        Person.email_lookup == keys.email_lookup(values["email"]), Person.erased_at.is_(None)))
    if person is not None and session.get(Account, person.id) is not None:
        token = links.make(session, "password_reset", timedelta(hours=RESET_HOURS),
                           person_id=person.id)
        mailer(values["email"], "Reset your Involve password",
               "Someone asked to reset the password for your Involve account.\n"
               f"Choose a new password here (the link works once, for {RESET_HOURS} hour):\n\n"
               f"{base_url}/reset-password?token={token}\n\n"
               "If it was not you, ignore this email: your password has not changed.\n")
    return {"sent": True}


def reset_password(session, data: dict, changed=None) -> dict:
    """``changed(person_id)``: told whose sessions all ended (identity's access.changed)."""
    values = validate(PasswordReset(), data)
    link = links.use(session, "password_reset", values["token"])
    account = session.get(Account, link.person_id)
    if account is None:
        raise BadRequest("This link has expired or has already been used.", {"token": ["Unknown."]})
    account.password_hash = hasher.hash(values["password"])
    # Every existing session ends: whoever knew the old password is signed out.
    session.execute(delete(Session).where(Session.person_id == link.person_id))
    if changed is not None:
        changed(link.person_id)
    audit.record(session, {"person_id": link.person_id}, "password.reset", "reset by email link",
                 link.person_id)
    return {"reset": True}


def make_platform_admin(session, keys: Keys, name: str, email: str, password: str) -> str:
    """Bootstrap: the first administrator, created from the command line."""
    person = session.scalar(select(Person).where(Person.email_lookup == keys.email_lookup(email)))
    if person is None:
        person = people.new_person(session, keys, {"name": name, "email": email, "phone": None,
                                                   "address": None})
        session.add(Account(person_id=person.id, password_hash=hasher.hash(password),
                            created_at=now()))
    person.platform_admin = True
    return person.id
