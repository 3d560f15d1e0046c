"""The roster of shoppers: council members and volunteers, by pseudonymous person id, with the
care services they use or have used (never assigned to those) and the personas they will play."""
from __future__ import annotations

import uuid

from sqlalchemy import func, select

from involve.kernel.db import now
from involve.kernel.errors import InvalidInput, NotFound
from involve.kernel.schemas import validate

from .contract import PERSONAS, MysteryShopperCreate, MysteryShopperUpdate
from .models import Assignment, Round, Shopper

SHOPPER_ROLES = ("council_member", "volunteer")
NO_CONSENT = ("They have not agreed to be asked to mystery shop. They can say yes on their My account "
              "page, under “Being asked to mystery shop”.")
_input = MysteryShopperCreate()
_update = MysteryShopperUpdate()


def as_dict(shopper: Shopper, open_assignments: int = 0) -> dict:
    return {"id": shopper.id, "person_id": shopper.person_id,
            "services_used": list(shopper.services_used or []),
            "personas": list(shopper.personas or []), "active": bool(shopper.active),
            "assignments": open_assignments, "created_at": shopper.created_at.isoformat()}


def _open_counts(session, organisation_id: str) -> dict[str, int]:
    rows = session.execute(
        select(Assignment.shopper_id, func.count()).join(Round, Round.id == Assignment.round_id)
        .where(Assignment.organisation_id == organisation_id, Round.status == "scheduled",
               Assignment.status == "assigned").group_by(Assignment.shopper_id))
    return {person_id: count for person_id, count in rows if person_id}


def list_for(session, organisation_id: str) -> list[dict]:
    counts = _open_counts(session, organisation_id)
    rows = session.scalars(select(Shopper).where(Shopper.organisation_id == organisation_id,
                                                 Shopper.active.is_(True))
                           .order_by(Shopper.created_at, Shopper.id))
    return [as_dict(s, counts.get(s.person_id, 0)) for s in rows]


def roster(session, organisation_id: str) -> list[dict]:
    """The active shoppers as the assignment functions want them."""
    return [{"id": s.person_id, "services_used": list(s.services_used or []),
             "personas": list(s.personas or [])}
            for s in session.scalars(select(Shopper).where(
                Shopper.organisation_id == organisation_id, Shopper.active.is_(True)))]


def load(session, organisation_id: str, shopper_id) -> Shopper:
    shopper = session.get(Shopper, shopper_id) if isinstance(shopper_id, str) else None
    if shopper is None or shopper.organisation_id != organisation_id or not shopper.active:
        raise NotFound("We could not find that shopper.", {"shopper_id": ["Unknown id."]})
    return shopper


def _personas(values: list[str]) -> list[str]:
    return [p for p in PERSONAS if p in set(values)]


def add(session, organisation_id: str, data: dict, roles_of, consenting) -> dict:
    """``roles_of(person_ids)`` -> {id: [roles]} (identity's roles_of_people);
    ``consenting(person_ids)`` -> the ids among them who have agreed to be asked to mystery shop
    (identity's people_consenting for the ``mystery_shopping`` purpose). Adding someone who was
    taken off the roster puts them back, so the same checks apply."""
    values = validate(_input, data)
    roles = roles_of([values["person_id"]]).get(values["person_id"]) or []
    if not set(roles) & set(SHOPPER_ROLES):
        raise InvalidInput("Only council members and volunteers of this organisation can be "
                           "mystery shoppers. Give them one of those roles first.",
                           {"person_id": ["Not a council member or volunteer here."]})
    if values["person_id"] not in set(consenting([values["person_id"]])):
        # the same words beside the field: the pages show the field's message, not the summary
        raise InvalidInput(NO_CONSENT, {"person_id": [NO_CONSENT]})
    services_used = sorted(set(values["services_used"]))
    personas = _personas(values["personas"])
    shopper = session.scalar(select(Shopper).where(Shopper.organisation_id == organisation_id,
                                                   Shopper.person_id == values["person_id"]))
    if shopper is None:
        shopper = Shopper(id=str(uuid.uuid4()), organisation_id=organisation_id,
                          person_id=values["person_id"], created_at=now())
        session.add(shopper)
    shopper.services_used, shopper.personas, shopper.active = services_used, personas, True
    session.flush()
    return as_dict(shopper, _open_counts(session, organisation_id).get(shopper.person_id, 0))


def update(session, organisation_id: str, shopper_id, data: dict) -> dict:
    shopper = load(session, organisation_id, shopper_id)
    values = validate(_update, data)
    if "services_used" in values:
        shopper.services_used = sorted(set(values["services_used"]))
    if "personas" in values:
        shopper.personas = _personas(values["personas"])
    session.flush()
    return as_dict(shopper, _open_counts(session, organisation_id).get(shopper.person_id, 0))
