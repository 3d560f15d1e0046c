"""Rounds: scheduled with a frozen question set, the services to call and the personas; calls
assigned fairly; closed by the coordinator, when the scores are final. Plain functions."""
from __future__ import annotations

import random
import uuid
import zlib

from sqlalchemy import select

from involve.kernel.db import now
from involve.kernel.errors import Conflict, Forbidden, InvalidInput, NotFound
from involve.kernel.schemas import validate

from . import agreement, assignments, calls, question_sets, scores, shoppers
from .contract import MysteryReassign, MysteryRoundCreate
from .models import Assignment, Call, QuestionSet, Round

_input = MysteryRoundCreate()
_reassign_input = MysteryReassign()
ERASED = "erased"


def check_input(data: dict) -> dict:
    return validate(_input, data)


def _assignment_dict(a: Assignment) -> dict:
    return {"id": a.id, "round_id": a.round_id, "care_service_id": a.care_service_id,
            "slot": a.slot, "shopper_id": a.shopper_id, "persona": a.persona, "status": a.status,
            "reassigned": len(a.history or [])}


def as_dict(r: Round, set_row: QuestionSet, rows: list[Assignment] | None = None) -> dict:
    out = {"id": r.id, "organisation_id": r.organisation_id, "name": r.name,
           "question_set_id": r.question_set_id,
           "question_set": {"id": set_row.id, "key": set_row.key, "version": set_row.version,
                            "title": set_row.title},
           "care_service_ids": list(r.care_service_ids),
           "care_services": [{"id": c, "name": r.care_service_names.get(c, c)}
                             for c in r.care_service_ids],
           "personas": list(r.personas), "calls_per_service": r.calls_per_service,
           "starts_on": r.starts_on.isoformat(), "ends_on": r.ends_on.isoformat(),
           "information_allowed": r.information_allowed, "seed": int(r.seed), "status": r.status,
           "created_at": r.created_at.isoformat(),
           "closed_at": r.closed_at.isoformat() if r.closed_at else None}
    if rows is not None:
        out["assignments"] = [_assignment_dict(a) for a in rows]
    return out


def _assignments_of(session, round_id: str) -> list[Assignment]:
    return list(session.scalars(select(Assignment).where(Assignment.round_id == round_id)
                                .order_by(Assignment.care_service_id, Assignment.slot)))


def load(session, organisation_id: str, round_id) -> Round:
    r = session.get(Round, round_id) if isinstance(round_id, str) else None
    if r is None or r.organisation_id != organisation_id:
        raise NotFound("We could not find that round.", {"round_id": ["Unknown id."]})
    return r


def able(roster: list[dict], roles_of, consenting) -> list[dict]:
    """The shoppers on ``roster`` who still hold a shopper role and still agree to be asked
    (the others stay on the roster, so they come back if that changes)."""
    if not roster:
        return []
    roles = roles_of([s["id"] for s in roster])
    roster = [s for s in roster if set(roles.get(s["id"]) or ()) & set(shoppers.SHOPPER_ROLES)]
    agreed = set(consenting([s["id"] for s in roster])) if roster else set()
    return [s for s in roster if s["id"] in agreed]


def schedule(session, record_event, organisation_id: str, values: dict,
             care_services: list[dict], roles_of, consenting) -> dict:
    """``values`` from check_input; ``care_services`` the organisation's public services;
    ``roles_of(person_ids)`` -> {id: [roles]} (shoppers must still hold a shopper role);
    ``consenting(person_ids)`` -> the ids among them who still agree to be asked to mystery shop
    (the others stay on the roster but are left out of the round)."""
    try:
        set_row = question_sets.load_row(session, organisation_id, values["question_set_id"])
    except NotFound:
        raise InvalidInput("We could not find that question set.",
                           {"question_set_id": ["Choose one of the question sets listed."]}) from None
    names = {c["id"]: c["name"] for c in care_services}
    wanted = list(dict.fromkeys(values["care_service_ids"]))
    unknown = [c for c in wanted if c not in names]
    if unknown:
        raise InvalidInput("Some of the services are not this organisation's.",
                           {"care_service_ids": [f"Not a service of this organisation: {c}."
                                                 for c in unknown]})
    roster = able(shoppers.roster(session, organisation_id), roles_of, consenting)
    seed = values["seed"] if values.get("seed") is not None else \
        random.SystemRandom().randrange(2**63)
    personas = [p for p in ("potential_client", "family_member", "referrer")
                if p in set(values["personas"])]
    try:
        slots = assignments.assign(wanted, values["calls_per_service"], personas, roster, seed)
    except assignments.Infeasible as exc:
        named = ", ".join(names[c] for c in exc.services)
        raise Conflict(f"No shopper can call {named}: every shopper on the roster uses or has "
                       "used it, or will not play the personas chosen. Add shoppers who have not "
                       "used it, or leave it out of this round.",
                       {"care_service_ids": [f"No eligible shopper for {names[c]}."
                                             for c in exc.services]}) from None
    question_sets.freeze(set_row)
    stamp = now()
    r = Round(id=str(uuid.uuid4()), organisation_id=organisation_id,
              name=" ".join(values["name"].split()), question_set_id=set_row.id,
              care_service_ids=wanted, care_service_names={c: names[c] for c in wanted},
              personas=personas, calls_per_service=values["calls_per_service"],
              starts_on=values["starts_on"], ends_on=values["ends_on"],
              information_allowed=values["information_allowed"].strip(), seed=str(seed),
              status="scheduled", scores=None, created_at=stamp)
    session.add(r)
    session.flush()
    for slot in slots:
        session.add(Assignment(id=str(uuid.uuid4()), round_id=r.id,
                               organisation_id=organisation_id,
                               care_service_id=slot.care_service_id, slot=slot.slot,
                               shopper_id=slot.shopper_id, persona=slot.persona,
                               status="assigned", history=[], created_at=stamp))
    session.flush()
    record_event(session, "round.scheduled", {
        "round_id": r.id, "name": r.name,
        "question_set": {"key": set_row.key, "version": set_row.version},
        "care_service_ids": wanted, "personas": personas,
        "starts_on": r.starts_on.isoformat(), "ends_on": r.ends_on.isoformat()},
        subject=r.id, organisation=organisation_id, classification="internal")
    return as_dict(r, set_row, _assignments_of(session, r.id))


def list_for(session, organisation_id: str) -> list[dict]:
    rows = session.scalars(select(Round).where(Round.organisation_id == organisation_id)
                           .order_by(Round.starts_on.desc(), Round.created_at.desc()))
    return [as_dict(r, session.get(QuestionSet, r.question_set_id)) for r in rows]


def get(session, organisation_id: str, round_id) -> dict:
    r = load(session, organisation_id, round_id)
    return as_dict(r, session.get(QuestionSet, r.question_set_id), _assignments_of(session, r.id))


# --- reassignment ---------------------------------------------------------------------------
def _reassign(session, r: Round, a: Assignment, reason: str, gone: str | None,
              eligible=None, record_event=None, declined: bool = False) -> None:
    """Give ``a`` to the least-loaded other eligible shopper, or leave it unassigned.
    ``eligible(roster)`` narrows the roster (to shoppers who still hold a role and agree).
    ``record_event``: records ``call.reassigned`` (so the shoppers concerned are told);
    ``declined``: the shopper passed it on themselves (they need no message about it)."""
    previous = None if gone else a.shopper_id
    history = list(a.history or [])
    if a.shopper_id:
        history.append({"shopper_id": gone or a.shopper_id, "reason": reason,
                        "at": now().isoformat()})
    excluded = {h["shopper_id"] for h in history} | ({a.shopper_id} if a.shopper_id else set())
    draft = session.scalar(select(Call).where(Call.assignment_id == a.id))
    if draft is not None:
        session.delete(draft)
    others = [x for x in _assignments_of(session, r.id) if x.id != a.id]
    loads: dict[str, int] = {}
    for x in others:
        if x.shopper_id and x.status in ("assigned", "recorded"):
            loads[x.shopper_id] = loads.get(x.shopper_id, 0) + 1
    at_service = {x.shopper_id for x in others
                  if x.care_service_id == a.care_service_id and x.shopper_id}
    roster = shoppers.roster(session, r.organisation_id)
    if eligible is not None:
        roster = eligible(roster)
    picked = assignments.pick_replacement(
        a.care_service_id, a.persona, r.personas, roster,
        loads, at_service, excluded, int(r.seed) ^ zlib.crc32(a.id.encode()) ^ len(history))
    a.history = history
    if picked is None:
        a.shopper_id, a.status = None, "unassigned"
    else:
        a.shopper_id, a.persona = picked
        a.status = "assigned"
    session.flush()
    if record_event is not None:
        record_event(session, "call.reassigned", {
            "round_id": r.id, "assignment_id": a.id, "care_service_id": a.care_service_id,
            "persona": a.persona, "shopper_id": a.shopper_id,
            "previous_shopper_id": previous, "declined": declined},
            subject=a.id, organisation=r.organisation_id, classification="pseudonymous")


def reassign(session, organisation_id: str, assignment_id, data: dict, person_id,
             manager: bool, eligible=None, record_event=None) -> dict:
    """Coordinators may reassign any open call; a shopper may decline their own."""
    a = calls.load_assignment(session, organisation_id, assignment_id)
    if not manager and (not person_id or a.shopper_id != person_id):
        raise Forbidden("Only a coordinator can reassign a call that is not yours.",
                        {"assignment_id": ["Assigned to another shopper."]})
    values = validate(_reassign_input, data)
    r = session.get(Round, a.round_id)
    if r.status != "scheduled":
        raise Conflict("This round is closed.", {"assignment_id": ["The round is closed."]})
    if a.status == "recorded":
        raise Conflict("This call has already been recorded, so it cannot be reassigned.",
                       {"assignment_id": ["Already recorded."]})
    own = bool(person_id) and a.shopper_id == person_id
    _reassign(session, r, a, values["reason"].strip(), None, eligible, record_event,
              declined=own)
    return _assignment_dict(a)


def release(session, organisation_id: str, person_id: str, reason: str,
            only_services: set[str] | None = None, gone: str | None = None,
            eligible=None, record_event=None) -> int:
    """Reassign a shopper's open calls in scheduled rounds (all, or those at ``only_services``)."""
    rows = session.scalars(
        select(Assignment).join(Round, Round.id == Assignment.round_id)
        .where(Assignment.organisation_id == organisation_id, Assignment.shopper_id == person_id,
               Assignment.status == "assigned", Round.status == "scheduled"))
    count = 0
    for a in list(rows):
        if only_services is None or a.care_service_id in only_services:
            _reassign(session, session.get(Round, a.round_id), a, reason, gone, eligible,
                      record_event)
            count += 1
    return count


def my_assignments(session, organisation_id: str, person_id) -> list[dict]:
    if not person_id:
        return []
    rows = session.execute(
        select(Assignment, Round).join(Round, Round.id == Assignment.round_id)
        .where(Assignment.organisation_id == organisation_id, Assignment.shopper_id == person_id,
               Round.status == "scheduled")
        .order_by(Round.starts_on, Assignment.care_service_id, Assignment.slot))
    out = []
    for a, r in rows:
        set_row = session.get(QuestionSet, r.question_set_id)
        call = session.scalar(select(Call).where(Call.assignment_id == a.id))
        out.append({**_assignment_dict(a), "round_name": r.name,
                    "care_service_name": r.care_service_names.get(a.care_service_id),
                    "starts_on": r.starts_on.isoformat(), "ends_on": r.ends_on.isoformat(),
                    "information_allowed": r.information_allowed, "personas": list(r.personas),
                    "question_set": {"id": set_row.id, "key": set_row.key,
                                     "version": set_row.version, "title": set_row.title},
                    "questions": set_row.questions, "call": calls.as_dict(call, a)})
    return out


# --- scores and reports ---------------------------------------------------------------------
def _submitted(session, round_id: str) -> list[dict]:
    return [calls.for_scores(c) for c in session.scalars(
        select(Call).where(Call.round_id == round_id, Call.status == "submitted")
        .order_by(Call.submitted_at, Call.id))]


def _service_scores(r: Round, questions: list[dict], submitted: list[dict]) -> list[dict]:
    return scores.by_service(r.care_service_ids, r.care_service_names, submitted)


def _trends(session, r: Round, set_row: QuestionSet, current: list[dict]) -> list[dict]:
    """Each service's scores in every closed round (and this one) with a comparable set."""
    wanted = scores.scored_ids(set_row.questions)
    points: dict[str, list[dict]] = {c: [] for c in r.care_service_ids}
    candidates = session.execute(
        select(Round, QuestionSet).join(QuestionSet, QuestionSet.id == Round.question_set_id)
        .where(Round.organisation_id == r.organisation_id, QuestionSet.key == set_row.key))
    for other, other_set in candidates:
        if other.id != r.id and (other.status != "closed" or not other.scores):
            continue
        if scores.scored_ids(other_set.questions) != wanted:
            continue
        services = current if other.id == r.id else other.scores["services"]
        for s in services:
            if s["care_service_id"] in points and s["calls"]:
                points[s["care_service_id"]].append({
                    "round_id": other.id, "round_name": other.name,
                    "ends_on": other.ends_on.isoformat(),
                    "efficiency": s["efficiency"], "feeling": s["feeling"]})
    return [{"care_service_id": c, "name": r.care_service_names.get(c, c),
             "points": sorted(points[c], key=lambda p: (p["ends_on"], p["round_name"]))}
            for c in r.care_service_ids]


def report(session, organisation_id: str, round_id) -> dict:
    r = load(session, organisation_id, round_id)
    set_row = session.get(QuestionSet, r.question_set_id)
    questions = set_row.questions
    submitted = _submitted(session, r.id)
    services = _service_scores(r, questions, submitted)
    question_rows = scores.by_question(questions, submitted)
    rows = _assignments_of(session, r.id)
    return {
        "round": {**as_dict(r, set_row),
                  "assignments_total": len(rows),
                  "assignments_recorded": sum(1 for a in rows if a.status == "recorded"),
                  "assignments_unassigned": sum(1 for a in rows if a.status == "unassigned")},
        "question_set": question_sets.as_dict(set_row),
        "services": services,
        "questions": question_rows,
        "calls": [{"id": c["id"], "care_service_id": c["care_service_id"],
                   "persona": c["persona"], "efficiency": c["efficiency"],
                   "feeling": c["feeling"], "seconds_to_answer": c["seconds_to_answer"]}
                  for c in submitted],
        "highlights": scores.highlights(questions, submitted),
        "gaps": scores.gaps(question_rows),
        "agreement": agreement.between_shoppers(questions, submitted),
        "trends": _trends(session, r, set_row, services),
    }


def close(session, record_event, organisation_id: str, round_id) -> dict:
    r = load(session, organisation_id, round_id)
    if r.status == "closed":
        raise Conflict("This round is already closed.", {"round_id": ["Already closed."]})
    set_row = session.get(QuestionSet, r.question_set_id)
    services = _service_scores(r, set_row.questions, _submitted(session, r.id))
    r.status, r.closed_at = "closed", now()
    r.scores = {"services": services}
    drafts = session.scalars(select(Call).where(Call.round_id == r.id, Call.status == "draft"))
    for draft in list(drafts):  # unfinished drafts are not part of the results
        session.delete(draft)
    session.flush()
    record_event(session, "round.closed", {
        "round_id": r.id, "question_set": {"key": set_row.key, "version": set_row.version},
        "services": [{"care_service_id": s["care_service_id"], "calls": s["calls"],
                      "efficiency": s["efficiency"], "feeling": s["feeling"]} for s in services]},
        subject=r.id, organisation=organisation_id, classification="internal")
    return as_dict(r, set_row, _assignments_of(session, r.id))


# --- erasure --------------------------------------------------------------------------------
def forget_person(session, person_id: str, record_event=None) -> int:
    """person.erased: off every roster; open calls reassigned (or left unassigned); drafts
    deleted; recorded calls keep their scores with the shopper shown as "erased"."""
    from .models import Shopper

    touched = 0
    rosters = list(session.scalars(select(Shopper).where(Shopper.person_id == person_id)))
    organisations = {shopper.organisation_id for shopper in rosters}
    for shopper in rosters:
        touched += release(session, shopper.organisation_id, person_id,
                           "The shopper left.", gone=ERASED, record_event=record_event)
        session.delete(shopper)
        touched += 1
    for call in list(session.scalars(select(Call).where(Call.shopper_id == person_id))):
        if call.status == "draft":
            session.delete(call)
        else:
            call.shopper_id = ERASED
        touched += 1
    for a in list(session.scalars(select(Assignment).where(Assignment.shopper_id == person_id))):
        a.shopper_id = ERASED  # recorded calls in any round, and calls in closed rounds
        touched += 1
    for a in list(session.scalars(select(Assignment).where(
            Assignment.organisation_id.in_(organisations)))):  # only shoppers are in histories
        if any(h.get("shopper_id") == person_id for h in a.history or []):
            a.history = [dict(h, shopper_id=ERASED) if h.get("shopper_id") == person_id else h
                         for h in a.history]
            touched += 1
    session.flush()
    return touched
