"""People by name, for those whose role allows it ("people.names": administrators, involvement
leads, commissioners; platform administrators always).

Names are contact details: each call that reads any is recorded in the audit log, once per call,
with the ids of the people read and what it was for, so each person finds it in their download.
Only people who hold a role in the organisation (and, in ``names_of``, platform administrators,
who act in every organisation) are named; an erased person is "Erased person"; anyone else
(unknown, or not a member) is left out and the caller keeps showing an id.
"""
from __future__ import annotations

from marshmallow import fields
from marshmallow import validate as check
from sqlalchemy import select

from involve.kernel.errors import InvalidInput
from involve.kernel.schemas import StrictSchema, validate

from . import audit
from .contract import NAMES_AT_ONCE, PeopleDirectoryQuery
from .crypto import Keys
from .models import Consent, Person, Role, name_key

ERASED = "Erased person"
UNNAMED = "A member without a name"


class _Reason(StrictSchema):
    reason = fields.String(required=True, validate=check.Length(
        min=3, max=200, error="Say what the names are for, in 3 to 200 characters."))


class _Ids(StrictSchema):
    person_ids = fields.List(fields.String(validate=check.Length(max=36)), required=True,
                             validate=check.Length(max=NAMES_AT_ONCE, error=(
                                 f"Ask for at most {NAMES_AT_ONCE} people at once.")))


_query = PeopleDirectoryQuery()


def _counted(why: str, count: int) -> str:
    return f"{why} ({count} {'person' if count == 1 else 'people'})"


def _reason(reason) -> str:
    return validate(_Reason(), {"reason": reason})["reason"]


def _members(session, organisation_id: str, ids=None) -> dict[str, list[str]]:
    """{person id: roles in the organisation} for the members who are not erased."""
    query = (select(Role.person_id, Role.role).join(Person, Person.id == Role.person_id)
             .where(Role.organisation_id == organisation_id, Person.erased_at.is_(None))
             .order_by(Role.role))
    if ids is not None:
        query = query.where(Role.person_id.in_(list(ids)))
    members: dict[str, list[str]] = {}
    for person_id, role in session.execute(query):
        members.setdefault(person_id, []).append(role)
    return members


def _names(session, keys: Keys, person_ids) -> dict[str, str]:
    if not person_ids:
        return {}
    rows = session.execute(select(Person.id, Person.contact).where(Person.id.in_(list(person_ids))))
    return {pid: (keys.decrypt(contact).get("name") or UNNAMED) for pid, contact in rows}


def names_of(session, keys: Keys, principal, organisation_id: str, person_ids, reason) -> dict:
    """{id: name} for the given ids that are members (or erased); the rest are left out."""
    why = _reason(reason)
    wanted = list(dict.fromkeys(validate(_Ids(), {"person_ids": person_ids})["person_ids"]))
    if not wanted:
        return {}
    members = _members(session, organisation_id, wanted)
    # platform administrators act in every organisation (the audit log names them too)
    members.update({pid: [] for pid in session.scalars(select(Person.id).where(
        Person.id.in_(wanted), Person.platform_admin.is_(True), Person.erased_at.is_(None)))})
    named = _names(session, keys, members)
    erased = session.scalars(select(Person.id).where(Person.id.in_(wanted),
                                                     Person.erased_at.is_not(None)))
    out = {pid: named[pid] for pid in wanted if pid in named}
    out.update(dict.fromkeys(erased, ERASED))
    if named:
        audit.record(session, principal, "names.read", _counted(why, len(named)),
                     None, organisation_id, subjects=list(named))
    return out


def _agreements(session, person_ids, purpose: str) -> dict[str, bool]:
    """The latest consent for ``purpose`` of each person (False when none was ever given)."""
    latest: dict[str, bool] = {}
    if person_ids:
        for person_id, given in session.execute(
                select(Consent.person_id, Consent.given)
                .where(Consent.person_id.in_(list(person_ids)), Consent.purpose == purpose)
                .order_by(Consent.id)):
            latest[person_id] = bool(given)
    return {pid: latest.get(pid, False) for pid in person_ids}


def directory_of(session, keys: Keys, principal, organisation_id: str, query: dict,
                 reason) -> list[dict]:
    """Members by name, sorted by name: [{id, name, roles, agreed}].

    ``query``: ``roles`` (holding any of them; all members if empty), ``purpose`` (then
    ``agreed`` is their latest consent for it, else None), ``q`` (part of the name, any case),
    ``ids`` (only these people). Names are decrypted to be searched, so only the ones returned
    count as read.
    """
    why = _reason(reason)
    if not isinstance(query, dict):
        raise InvalidInput("Please send the search as an object.", {"query": ["Expected an object."]})
    values = validate(_query, query)
    members = _members(session, organisation_id, values["ids"])
    if values["roles"]:
        wanted = set(values["roles"])
        members = {pid: roles for pid, roles in members.items() if wanted & set(roles)}
    names = _names(session, keys, members)
    needle = name_key(values["q"]) if values["q"].strip() else ""
    found = sorted((pid for pid in members if needle in name_key(names[pid])),
                   key=lambda pid: (name_key(names[pid]), pid))
    agreed = (_agreements(session, found, values["purpose"]) if values["purpose"]
              else dict.fromkeys(found))
    if found:
        audit.record(session, principal, "names.read", _counted(why, len(found)),
                     None, organisation_id, subjects=found)
    return [{"id": pid, "name": names[pid], "roles": members[pid], "agreed": agreed[pid]}
            for pid in found]
