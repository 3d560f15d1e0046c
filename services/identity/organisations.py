"""Organisations: the tenants every other record belongs to. Plain functions, no Nameko."""
from __future__ import annotations

import uuid

from sqlalchemy import select

from involve.kernel.db import now
from involve.kernel.errors import Conflict, NotFound
from involve.kernel.schemas import validate

from . import contract
from .models import Organisation, name_key

_input = contract.OrganisationCreate()
_output = contract.Organisation()


def as_dict(org: Organisation) -> dict:
    return _output.dump(org)


def create(session, record_event, data: dict) -> dict:
    values = validate(_input, data)
    name = " ".join(values["name"].split())
    clash = session.scalar(select(Organisation.id).where(Organisation.name_key == name_key(name)))
    if clash:
        raise Conflict(
            "An organisation with this name already exists.",
            {"name": ["An organisation with this name already exists."]},
        )
    org = Organisation(
        id=str(uuid.uuid4()), name=name, name_key=name_key(name), kind=values["kind"],
        created_at=now(),
    )
    session.add(org)
    session.flush()
    record_event(
        session,
        "organisation.created",
        {"organisation_id": org.id, "name": org.name, "kind": org.kind},
        subject=org.id,
        organisation=org.id,
        classification="public",
    )
    return as_dict(org)


def get(session, organisation_id: str) -> dict:
    org = session.get(Organisation, organisation_id)
    if org is None:
        raise NotFound("We could not find that organisation.", {"organisation_id": ["Unknown id."]})
    return as_dict(org)


def list_visible(session, principal: dict) -> list[dict]:
    """Every organisation for a platform admin; otherwise those the caller belongs to."""
    query = select(Organisation).order_by(Organisation.name)
    if not principal.get("platform_admin"):
        scope = principal.get("token_scope")
        ids = [scope["organisation_id"]] if scope else list(principal.get("roles", {}))
        query = query.where(Organisation.id.in_(ids))
    return [as_dict(o) for o in session.scalars(query)]


def directory(session) -> list[dict]:
    """The public list of organisations people can join: ids and names only."""
    rows = session.execute(select(Organisation.id, Organisation.name).order_by(Organisation.name))
    return [{"id": row.id, "name": row.name} for row in rows]
