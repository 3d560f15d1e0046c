"""Care services: the services that are shopped, commented on and commissioned."""
from __future__ import annotations

import uuid

from sqlalchemy import select

from involve.kernel.db import now
from involve.kernel.errors import Conflict, NotFound
from involve.kernel.schemas import validate

from .models import CareService, Organisation, name_key
from .schemas import CareServiceInput, CareServiceOutput

_input = CareServiceInput()
_output = CareServiceOutput()


def _organisation(session, organisation_id):
    if session.get(Organisation, organisation_id) is None:
        raise NotFound("We could not find that organisation.", {"organisation_id": ["Unknown id."]})


def create(session, record_event, organisation_id: str, data: dict) -> dict:
    _organisation(session, organisation_id)
    values = validate(_input, data)
    values["name"] = " ".join(values["name"].split())
    if session.scalar(select(CareService.id).where(
            CareService.organisation_id == organisation_id,
            CareService.name_key == name_key(values["name"]))):
        raise Conflict("This organisation already has a care service with that name.",
                       {"name": ["Already used in this organisation."]})
    service = CareService(id=str(uuid.uuid4()), organisation_id=organisation_id, created_at=now(),
                          name_key=name_key(values["name"]), **values)
    session.add(service)
    session.flush()
    record_event(session, "care_service.created",
                 {"care_service_id": service.id, "name": service.name, "kind": service.kind,
                  "region": service.region},
                 subject=service.id, organisation=organisation_id, classification="public")
    return _output.dump(service)


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
    values = validate(_input, data, partial=True)
    service = session.get(CareService, care_service_id)
    if "name" in values:
        values["name"] = " ".join(values["name"].split())
        clash = session.scalar(select(CareService.id).where(
            CareService.organisation_id == organisation_id, CareService.id != care_service_id,
            CareService.name_key == name_key(values["name"])))
        if clash:
            raise Conflict("This organisation already has a care service with that name.",
                           {"name": ["Already used in this organisation."]})
        service.name_key = name_key(values["name"])
    for key, value in values.items():
        setattr(service, key, value)
    session.flush()
    record_event(session, "care_service.updated",
                 {"care_service_id": service.id, "name": service.name, "kind": service.kind,
                  "region": service.region},
                 subject=service.id, organisation=organisation_id, classification="public")
    return _output.dump(service)
