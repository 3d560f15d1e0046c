"""Training records per person (the guide's interviewing providers, options appraisal, quality
assessment, handling confidential information, and kinds an organisation adds), and the warning
a coordinator gets *before* an activity when someone on it lacks the training it needs."""
from __future__ import annotations

import uuid
from datetime import date

from sqlalchemy import select

from involve.kernel.errors import Conflict, InvalidInput
from involve.kernel.schemas import validate

from . import common
from .contract import BUILTIN_TRAINING, CommissioningTrainingKind, CommissioningTrainingRecord
from .models import TrainingKind, TrainingRecord

_kind_input = CommissioningTrainingKind()
_record_input = CommissioningTrainingRecord()


def kinds(session, organisation_id: str) -> dict[str, str]:
    """key -> label: the built-in kinds, then the organisation's own."""
    own = session.scalars(select(TrainingKind).where(
        TrainingKind.organisation_id == organisation_id).order_by(TrainingKind.created_at))
    return {**BUILTIN_TRAINING, **{k.key: k.label for k in own}}


def list_kinds(session, organisation_id: str) -> list[dict]:
    return [{"key": key, "label": label, "built_in": key in BUILTIN_TRAINING}
            for key, label in kinds(session, organisation_id).items()]


def add_kind(session, organisation_id: str, data, now) -> dict:
    values = validate(_kind_input, data)
    if values["key"] in kinds(session, organisation_id):
        raise Conflict("That kind of training is already on the list.",
                       {"key": ["Already on the list."]})
    session.add(TrainingKind(id=str(uuid.uuid4()), organisation_id=organisation_id,
                             key=values["key"], label=" ".join(values["label"].split()),
                             created_at=now))
    session.flush()
    return {"key": values["key"], "label": " ".join(values["label"].split()), "built_in": False}


def check_record(data) -> dict:
    return validate(_record_input, data)


def record(session, record_event, organisation_id: str, values: dict, actor, now) -> dict:
    """``values`` from check_record; the service has checked the person is the organisation's."""
    if values["kind"] not in kinds(session, organisation_id):
        raise InvalidInput("That training is not on the organisation's list.",
                           {"kind": ["Choose a kind from the list, or add it first."]})
    if values["completed_on"] > now.date():
        raise InvalidInput("Record training once it has happened.",
                           {"completed_on": ["This date is in the future."]})
    row = TrainingRecord(id=str(uuid.uuid4()), organisation_id=organisation_id,
                         person_id=values["person_id"], kind=values["kind"],
                         completed_on=values["completed_on"], provider=values["provider"],
                         recorded_by=actor, recorded_at=now)
    session.add(row)
    session.flush()
    record_event(session, "training.recorded", {
        "training_id": row.id, "person_id": row.person_id, "kind": row.kind,
        "completed_on": row.completed_on.isoformat(), "recorded_at": now.isoformat()},
        subject=row.id, organisation=organisation_id, classification="pseudonymous")
    return as_dict(row)


def as_dict(row: TrainingRecord) -> dict:
    return {"id": row.id, "person_id": row.person_id, "kind": row.kind,
            "completed_on": common.iso(row.completed_on), "provider": row.provider}


def records_of(session, organisation_id: str, person_id: str) -> list[dict]:
    rows = session.scalars(select(TrainingRecord).where(
        TrainingRecord.organisation_id == organisation_id, TrainingRecord.person_id == person_id)
        .order_by(TrainingRecord.completed_on))
    return [as_dict(r) for r in rows]


def completed(session, organisation_id: str, person_id: str, by: date) -> set[str]:
    return set(session.scalars(select(TrainingRecord.kind).where(
        TrainingRecord.organisation_id == organisation_id, TrainingRecord.person_id == person_id,
        TrainingRecord.completed_on <= by)))


def missing(session, organisation_id: str, person_id: str, needed, by: date) -> list[str]:
    have = completed(session, organisation_id, person_id, by)
    return [k for k in needed if k not in have]


def warning(organisation_kinds: dict, person_id: str, lacking: list[str], activity: str,
            on: date) -> dict:
    labels = [organisation_kinds.get(k, k) for k in lacking]
    return {"person_id": person_id, "code": "training_missing", "training": lacking,
            "message": f"Before {activity} on {common.day(on)} this person needs training "
                       f"they have not had yet: {', '.join(labels)}."}
