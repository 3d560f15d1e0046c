"""Care services: the services that are shopped, commented on and commissioned."""
from __future__ import annotations

import uuid

from sqlalchemy import select

from involve.kernel.db import now
from involve.kernel.errors import Conflict, NotFound
from involve.kernel.schemas import validate

from . import contract
from .models import CareService, Organisation, name_key

_create = contract.CareServiceCreate()
_update = contract.CareServiceUpdate()
_output = contract.CareService()


def _organisation(session, organisation_id):
    if session.get(Organisation, organisation_id) is None:
        raise NotFound("We could not find that organisation.", {"organisation_id": ["Unknown id."]})


def _free_name(session, organisation_id: str, name: str, except_id: str | None = None) -> str:
    """The name with spaces tidied, or Conflict if the organisation already uses it."""
    name = " ".join(name.split())
    query = select(CareService.id).where(CareService.organisation_id == organisation_id,
                                         CareService.name_key == name_key(name))
    if except_id:
        query = query.where(CareService.id != except_id)
    if session.scalar(query):
        raise Conflict("This organisation already has a care service with that name.",
                       {"name": ["Already used in this organisation."]})
    return name


def _saved(session, record_event, service: CareService, event_type: str) -> dict:
    session.flush()
    record_event(session, event_type,
                 {"care_service_id": service.id, "name": service.name, "kind": service.kind,
                  "region": service.region},
                 subject=service.id, organisation=service.organisation_id, classification="public")
    return _output.dump(service)


def create(session, record_event, organisation_id: str, data: dict) -> dict:
    _organisation(session, organisation_id)
    values = validate(_create, data)
    values["name"] = _free_name(session, organisation_id, values["name"])
    service = CareService(id=str(uuid.uuid4()), organisation_id=organisation_id, created_at=now(),
                          name_key=name_key(values["name"]), **values)
    session.add(service)
    return _saved(session, record_event, service, "care_service.created")


def get(session, organisation_id: str, care_service_id: str) -> dict:
    service = session.get(CareService, care_service_id)
    if service is None or service.organisation_id != organisation_id:
        raise NotFound("We could not find that care service.", {"care_service_id": ["Unknown id."]})
    return _output.dump(service)


def list_for(session, organisation_id: str) -> list[dict]:
    _organisation(session, organisation_id)
    rows = session.scalars(select(CareService).where(CareService.organisation_id == organisation_id)
                           .order_by(CareService.name))
    return [_output.dump(s) for s in rows]


def update(session, record_event, organisation_id: str, care_service_id: str, data: dict) -> dict:
    get(session, organisation_id, care_service_id)
    values = validate(_update, data)
    service = session.get(CareService, care_service_id)
    if "name" in values:
        values["name"] = _free_name(session, organisation_id, values["name"], care_service_id)
        service.name_key = name_key(values["name"])
    for key, value in values.items():
        setattr(service, key, value)
    return _saved(session, record_event, service, "care_service.updated")
