"""Working agreements: per member of a project, everything the guide lists (role, remit,
responsibilities, time, support, supervision, training, ground rules, accountability, equal
opportunities, complaints, reimbursement), signed by the member and by a commissioner, each
signature timestamped. A change makes a new version, which needs both signatures again; only a
fully signed current version counts, and anyone without one is flagged wherever they are asked
to take part."""
from __future__ import annotations

import uuid

from sqlalchemy import func, select

from involve.kernel.errors import Conflict, Forbidden, NotFound
from involve.kernel.schemas import validate

from . import common
from .contract import AGREEMENT_FIELDS, CommissioningAgreementChange, CommissioningAgreementCreate
from .models import Agreement

_create_input = CommissioningAgreementCreate()
_change_input = CommissioningAgreementChange()


def check_create(data) -> dict:
    return validate(_create_input, data)


def create(session, organisation_id: str, project_id: str, values: dict, actor, now) -> dict:
    """Version 1 of a member's agreement (``values`` from check_create; the person was checked
    to be the organisation's by the service)."""
    project = common.project(session, organisation_id, project_id)
    if latest(session, project.id, values["person_id"]) is not None:
        raise Conflict("This person already has a working agreement for the project: change it "
                       "instead, which makes a new version.", {"person_id": ["Already has one."]})
    terms = {f: values[f].strip() for f in AGREEMENT_FIELDS}
    row = Agreement(id=str(uuid.uuid4()), project_id=project.id, person_id=values["person_id"],
                    version=1, terms=terms, created_by=actor, created_at=now)
    session.add(row)
    session.flush()
    return as_dict(row, True)


def change(session, organisation_id: str, agreement_id: str, data, actor, now) -> dict:
    values = validate(_change_input, data)
    current = load(session, organisation_id, agreement_id)
    newest = latest(session, current.project_id, current.person_id)
    if newest.id != current.id:
        raise Conflict("This is not the current version of the agreement: change the newest one.")
    terms = {**current.terms, **{k: v.strip() for k, v in values.items()}}
    if terms == current.terms:
        raise Conflict("Nothing in the agreement would change.")
    row = Agreement(id=str(uuid.uuid4()), project_id=current.project_id,
                    person_id=current.person_id, version=current.version + 1, terms=terms,
                    created_by=actor, created_at=now)
    session.add(row)
    session.flush()
    return as_dict(row, True)


def load(session, organisation_id: str, agreement_id) -> Agreement:
    row = session.get(Agreement, agreement_id) if isinstance(agreement_id, str) else None
    if row is None:
        raise NotFound("We could not find that agreement.", {"agreement_id": ["Unknown id."]})
    common.project(session, organisation_id, row.project_id)
    return row


def latest(session, project_id: str, person_id: str | None) -> Agreement | None:
    if not person_id:
        return None
    return session.scalar(select(Agreement).where(
        Agreement.project_id == project_id, Agreement.person_id == person_id)
        .order_by(Agreement.version.desc()).limit(1))


def fully_signed(row: Agreement | None) -> bool:
    return bool(row and row.member_signed_at and row.commissioner_signed_at)


def signed_current(session, project_id: str, person_id: str) -> bool:
    return fully_signed(latest(session, project_id, person_id))


def sign(session, record_event, organisation_id: str, agreement_id: str, party: str,
         signer: str, now) -> dict:
    """``party`` is "member" (the signer must be the member) or "commissioner" (the signer may
    manage commissioning and must not be the member)."""
    row = load(session, organisation_id, agreement_id)
    newest = latest(session, row.project_id, row.person_id)
    if newest.id != row.id:
        raise Conflict("This version has been replaced: sign the newest version.")
    if party == "member":
        if signer != row.person_id:
            raise Forbidden("Only the member can sign their side of their agreement.")
        if row.member_signed_at:
            raise Conflict("You have already signed this version.")
        row.member_signed_at = now
    else:
        if signer == row.person_id:
            raise Forbidden("A commissioner other than the member signs for the organisation.")
        if row.commissioner_signed_at:
            raise Conflict("A commissioner has already signed this version.")
        row.commissioner_signed_at, row.commissioner_signed_by = now, signer
    project = common.project(session, organisation_id, row.project_id)
    record_event(session, "agreement.signed", {
        "agreement_id": row.id, "project_id": row.project_id, "person_id": row.person_id,
        "version": row.version, "party": party, "fully_signed": fully_signed(row),
        "signed_at": now.isoformat()},
        subject=row.id, organisation=project.organisation_id, classification="pseudonymous")
    return as_dict(row, True)


def as_dict(row: Agreement, is_current: bool) -> dict:
    return {"id": row.id, "project_id": row.project_id, "person_id": row.person_id,
            "version": row.version, "current": is_current, "terms": dict(row.terms),
            "member_signed_at": common.iso(row.member_signed_at),
            "commissioner_signed_at": common.iso(row.commissioner_signed_at),
            "commissioner_signed_by": row.commissioner_signed_by,
            "fully_signed": fully_signed(row), "created_at": common.iso(row.created_at)}


def history(session, organisation_id: str, project_id: str, person_id: str) -> list[dict]:
    common.project(session, organisation_id, project_id)
    rows = list(session.scalars(select(Agreement).where(
        Agreement.project_id == project_id, Agreement.person_id == person_id)
        .order_by(Agreement.version)))
    return [as_dict(r, i == len(rows) - 1) for i, r in enumerate(rows)]


def for_project(session, organisation_id: str, project_id: str) -> list[dict]:
    """The current version of every member's agreement."""
    common.project(session, organisation_id, project_id)
    newest = select(Agreement.person_id, func.max(Agreement.version).label("v")).where(
        Agreement.project_id == project_id).group_by(Agreement.person_id).subquery()
    rows = session.scalars(select(Agreement).join(
        newest, (Agreement.person_id == newest.c.person_id) & (Agreement.version == newest.c.v))
        .where(Agreement.project_id == project_id).order_by(Agreement.created_at))
    return [as_dict(r, True) for r in rows]


def to_sign(session, person_id: str) -> list[Agreement]:
    """Current versions this member has not signed yet, across projects."""
    rows = session.scalars(select(Agreement).where(Agreement.person_id == person_id))
    by_project: dict[str, Agreement] = {}
    for row in rows:
        if row.project_id not in by_project or row.version > by_project[row.project_id].version:
            by_project[row.project_id] = row
    return [r for r in by_project.values() if not r.member_signed_at]


def warning(person_id: str) -> dict:
    return {"person_id": person_id, "code": "no_signed_agreement",
            "message": "This person has no working agreement signed by both sides (the current "
                       "version). Agree and sign it before they take part."}
