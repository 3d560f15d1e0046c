"""Provider evaluation: a tender with bidders and one set of questions for every bidder, grouped
under quality / price / social value with weights per project. Evaluators (the interview or
evaluation panel, service users among them) score each answer 0-5 with a justification,
independently: nobody sees another evaluator's scores for a bidder before submitting their own.
A moderation meeting then agrees a consensus score per answer with a rationale, keeping the
independent scores; the weighted totals and ranking appear only once moderation is complete.
Price can be scored apart from quality, by named price evaluators. Every step is in the audit
trail."""
from __future__ import annotations

import uuid
from decimal import ROUND_HALF_UP, Decimal

from sqlalchemy import func, select

from involve.kernel.db import now as clock
from involve.kernel.errors import Conflict, Forbidden, InvalidInput, NotFound
from involve.kernel.schemas import validate

from . import common, conflicts, groups
from .contract import (
    CATEGORIES,
    CommissioningAward,
    CommissioningBidder,
    CommissioningModeration,
    CommissioningQuestion,
    CommissioningScores,
    CommissioningTenderCreate,
    case_key,
)
from .models import Bidder, EvaluationAudit, Moderation, Question, Score, Tender

_tender_input = CommissioningTenderCreate()
_bidder_input = CommissioningBidder()
_question_input = CommissioningQuestion()
_scores_input = CommissioningScores()
_moderation_input = CommissioningModeration()
_award_input = CommissioningAward()
REVEALED = ("moderation", "moderated", "awarded")
HUNDREDTH = Decimal("0.01")


def _audit(session, tender: Tender, action: str, actor, detail: dict, now) -> None:
    seq = (session.scalar(select(func.max(EvaluationAudit.seq)).where(
        EvaluationAudit.tender_id == tender.id)) or 0) + 1
    session.add(EvaluationAudit(id=str(uuid.uuid4()), tender_id=tender.id, seq=seq,
                                action=action, actor_id=actor, detail=detail, at=now))


# --- setting up -------------------------------------------------------------------------------------
def check_tender(data) -> dict:
    return validate(_tender_input, data)


def create(session, organisation_id: str, project_id: str, values: dict, actor, now) -> dict:
    """``values`` from check_tender (the price evaluators were checked with identity)."""
    project = common.project(session, organisation_id, project_id)
    group = common.group(session, organisation_id, values["evaluation_group_id"], project.id)
    if group.kind != "evaluation_panel":
        raise InvalidInput("Scoring is done by the project's interview/evaluation panel.",
                           {"evaluation_group_id": ["Choose an interview/evaluation panel."]})
    separate = project.price_scored_separately if values["price_scored_separately"] is None \
        else values["price_scored_separately"]
    if separate and not values["price_evaluator_ids"]:
        raise InvalidInput("Price is scored apart: name who scores it.",
                           {"price_evaluator_ids": ["Name at least one price evaluator."]})
    tender = Tender(id=str(uuid.uuid4()), project_id=project.id,
                    title=" ".join(values["title"].split()),
                    description=values["description"].strip(), status="open",
                    weights=dict(values["weights"] or project.evaluation_weights),
                    price_scored_separately=separate, evaluation_group_id=group.id,
                    price_evaluator_ids=list(dict.fromkeys(values["price_evaluator_ids"])),
                    value_amount=values["value_amount"], currency=values["currency"],
                    created_at=now)
    session.add(tender)
    session.flush()
    _audit(session, tender, "tender_created", actor, {"weights": tender.weights,
                                                      "price_scored_separately": separate}, now)
    return view(session, tender, actor, True)


def _open(tender: Tender) -> None:
    if tender.status != "open":
        raise Conflict("Scoring has started: bidders and questions can no longer change, so "
                       "every bidder is scored on the same questions.")


def add_bidder(session, organisation_id: str, tender_id: str, data, actor, now) -> dict:
    values = validate(_bidder_input, data)
    tender = common.tender(session, organisation_id, tender_id)
    _open(tender)
    name = " ".join(values["name"].split())
    if session.scalar(select(Bidder.id).where(Bidder.tender_id == tender.id,
                                              Bidder.name_key == case_key(name))):
        raise Conflict("That bidder is already on this tender.", {"name": ["Already added."]})
    bidder = Bidder(id=str(uuid.uuid4()), tender_id=tender.id, name=name, name_key=case_key(name),
                    care_service_ids=list(dict.fromkeys(values["care_service_ids"])),
                    bid_value=values["bid_value"], created_at=now)
    session.add(bidder)
    session.flush()
    _audit(session, tender, "bidder_added", actor, {"bidder_id": bidder.id}, now)
    return bidder_dict(bidder)


def add_question(session, organisation_id: str, tender_id: str, data, actor, now) -> dict:
    values = validate(_question_input, data)
    tender = common.tender(session, organisation_id, tender_id)
    _open(tender)
    position = (session.scalar(select(func.max(Question.position)).where(
        Question.tender_id == tender.id)) or 0) + 1
    question = Question(id=str(uuid.uuid4()), tender_id=tender.id, category=values["category"],
                        text=values["text"].strip(), weight=values["weight"], position=position)
    session.add(question)
    session.flush()
    _audit(session, tender, "question_added", actor, {"question_id": question.id,
                                                      "category": question.category}, now)
    return question_dict(question)


def start_scoring(session, organisation_id: str, tender_id: str, actor, now) -> dict:
    tender = common.tender(session, organisation_id, tender_id)
    _open(tender)
    if not bidders_of(session, tender.id):
        raise Conflict("Add the bidders before scoring starts.")
    questions = questions_of(session, tender.id)
    for category in CATEGORIES:
        if tender.weights.get(category) and not [q for q in questions
                                                 if q.category == category]:
            raise Conflict(f"{_label(category)} carries {tender.weights[category]}% of the "
                           "weight but has no questions yet.")
    if not _evaluators(session, tender, "quality", now):
        raise Conflict("The evaluation panel has no members yet.")
    tender.status, tender.scoring_started_at = "scoring", now
    _audit(session, tender, "scoring_started", actor, {}, now)
    return view(session, tender, actor, True)


def _label(category: str) -> str:
    return {"quality": "Quality", "price": "Price", "social_value": "Social value"}[category]


# --- who scores what ------------------------------------------------------------------------------------
def _evaluators(session, tender: Tender, category: str, now) -> list[str]:
    if category == "price" and tender.price_scored_separately:
        return list(tender.price_evaluator_ids)
    return [m.person_id for m in groups.current_members(session, tender.evaluation_group_id,
                                                        now.date())]


def categories_for(session, tender: Tender, person_id: str | None, now) -> list[str]:
    return [c for c in CATEGORIES if person_id and person_id in _evaluators(session, tender, c,
                                                                            now)]


def _expected(session, tender: Tender, person_id: str, now) -> list[Question]:
    mine = set(categories_for(session, tender, person_id, now))
    return [q for q in questions_of(session, tender.id) if q.category in mine]


def _bidder(session, tender: Tender, bidder_id) -> Bidder:
    bidder = session.get(Bidder, bidder_id) if isinstance(bidder_id, str) else None
    if bidder is None or bidder.tender_id != tender.id:
        raise NotFound("We could not find that bidder.", {"bidder_id": ["Unknown id."]})
    return bidder


def _scores(session, bidder_id: str, evaluator: str | None = None) -> list[Score]:
    query = select(Score).where(Score.bidder_id == bidder_id)
    if evaluator is not None:
        query = query.where(Score.evaluator_id == evaluator)
    return list(session.scalars(query))


def submitted(session, bidder_id: str, evaluator: str) -> bool:
    mine = _scores(session, bidder_id, evaluator)
    return bool(mine) and all(s.submitted for s in mine)


def save_scores(session, organisation_id: str, tender_id: str, bidder_id: str, data,
                evaluator: str, now) -> dict:
    """An evaluator's draft scores for one bidder (sent again, they replace the draft)."""
    values = validate(_scores_input, data)
    tender = common.tender(session, organisation_id, tender_id)
    if tender.status != "scoring":
        raise Conflict("This tender is not being scored now.")
    bidder = _bidder(session, tender, bidder_id)
    expected = {q.id: q for q in _expected(session, tender, evaluator, now)}
    if not expected:
        raise Forbidden("You are not an evaluator on this tender.")
    allowed = conflicts.check_may_score(session, tender.project_id, evaluator, bidder)
    if submitted(session, bidder.id, evaluator):
        raise Conflict("You have submitted your scores for this bidder; they can no longer "
                       "change (moderation agrees the final scores).")
    problems = {}
    for n, item in enumerate(values["scores"]):
        if item["question_id"] not in expected:
            problems[n] = {"question_id": ["Not a question you score on this tender."]}
    if problems:
        raise InvalidInput("Some scores need checking: scores.", {"scores": problems})
    existing = {s.question_id: s for s in _scores(session, bidder.id, evaluator)}
    for item in values["scores"]:
        row = existing.get(item["question_id"])
        if row is None:
            row = Score(id=str(uuid.uuid4()), tender_id=tender.id, bidder_id=bidder.id,
                        question_id=item["question_id"], evaluator_key=evaluator,
                        evaluator_id=evaluator, submitted=False)
            session.add(row)
            existing[item["question_id"]] = row
        row.score, row.justification = item["score"], item["justification"].strip()
        row.conflict_ids, row.saved_at = allowed, now
    session.flush()
    _audit(session, tender, "scores_saved", evaluator,
           {"bidder_id": bidder.id, "questions": len(values["scores"])}, now)
    return scores_view(session, organisation_id, tender.id, bidder.id, evaluator, False, now)


def submit_scores(session, organisation_id: str, tender_id: str, bidder_id: str, evaluator: str,
                  now) -> dict:
    tender = common.tender(session, organisation_id, tender_id)
    if tender.status != "scoring":
        raise Conflict("This tender is not being scored now.")
    bidder = _bidder(session, tender, bidder_id)
    expected = _expected(session, tender, evaluator, now)
    if not expected:
        raise Forbidden("You are not an evaluator on this tender.")
    allowed = conflicts.check_may_score(session, tender.project_id, evaluator, bidder)
    mine = {s.question_id: s for s in _scores(session, bidder.id, evaluator)}
    if mine and all(s.submitted for s in mine.values()):
        raise Conflict("You have already submitted your scores for this bidder.")
    missing = [q.id for q in expected if q.id not in mine]
    if missing:
        raise InvalidInput(f"Score every question before submitting ({len(missing)} to go).",
                           {"scores": [f"No score yet for question {q}." for q in missing]})
    for row in mine.values():
        row.submitted, row.submitted_at, row.conflict_ids = True, now, allowed
    _audit(session, tender, "scores_submitted", evaluator,
           {"bidder_id": bidder.id, "conflict_decisions": allowed}, now)
    return scores_view(session, organisation_id, tender.id, bidder.id, evaluator, False, now)


def score_dict(s: Score) -> dict:
    return {"question_id": s.question_id, "evaluator_id": s.evaluator_id, "score": s.score,
            "justification": s.justification, "submitted": s.submitted,
            "conflict_decisions": list(s.conflict_ids), "submitted_at": common.iso(s.submitted_at)}


def scores_view(session, organisation_id: str, tender_id: str, bidder_id: str, viewer: str | None,
                manager: bool, now) -> dict:
    """The caller's own scores, and others' only once the caller has submitted theirs for this
    bidder (a coordinator who does not score sees them once moderation starts)."""
    tender = common.tender(session, organisation_id, tender_id)
    bidder = _bidder(session, tender, bidder_id)
    everyone = _scores(session, bidder.id)
    mine = [s for s in everyone if viewer and s.evaluator_id == viewer]
    evaluator = bool(viewer and categories_for(session, tender, viewer, now))
    if not evaluator and not manager:
        raise Forbidden("Only the evaluators and the coordinators see a bidder's scores.")
    done = bool(mine) and all(s.submitted for s in mine)
    sees_others = (evaluator and done) or (manager and tender.status in REVEALED)
    others = [s for s in everyone if s.submitted and s.evaluator_key != (viewer or "")]
    out = {"tender_id": tender.id, "bidder_id": bidder.id, "bidder": bidder.name,
           "mine": [score_dict(s) for s in mine], "submitted": done,
           "others_submitted": len({s.evaluator_key for s in others}),
           "others_visible": sees_others}
    if sees_others:
        out["others"] = [score_dict(s) for s in others]
    else:
        out["message"] = ("Other evaluators' scores are hidden until you submit your own."
                          if evaluator else
                          "Evaluators' scores are shown once moderation starts.")
    return out


# --- moderation and results -------------------------------------------------------------------
def waiting_for(session, tender: Tender, now) -> list[dict]:
    """Who still has to submit, bidder by bidder (people blocked by a conflict excused)."""
    out = []
    for bidder in bidders_of(session, tender.id):
        for category in CATEGORIES:
            if not [q for q in questions_of(session, tender.id) if q.category == category]:
                continue
            for person_id in _evaluators(session, tender, category, now):
                if conflicts.blocked(session, tender.project_id, person_id, bidder):
                    continue
                if not submitted(session, bidder.id, person_id):
                    out.append({"bidder_id": bidder.id, "person_id": person_id})
    return [dict(t) for t in {tuple(sorted(d.items())) for d in out}]


def start_moderation(session, organisation_id: str, tender_id: str, actor, now) -> dict:
    tender = common.tender(session, organisation_id, tender_id)
    if tender.status != "scoring":
        raise Conflict("Moderation follows scoring: this tender is not being scored.")
    missing = waiting_for(session, tender, now)
    if missing:
        raise Conflict(f"{len(missing)} evaluator-bidder pairs have not submitted their "
                       "scores yet.", {"waiting_for": missing})
    for bidder in bidders_of(session, tender.id):
        for q in questions_of(session, tender.id):
            if not [s for s in _scores(session, bidder.id) if s.question_id == q.id
                    and s.submitted]:
                raise Conflict("Every answer needs at least one independent score before "
                               "moderation.", {"bidder_id": [bidder.id], "question_id": [q.id]})
    tender.status = "moderation"
    _audit(session, tender, "moderation_started", actor, {}, now)
    return view(session, tender, actor, True)


def moderate(session, record_event, organisation_id: str, tender_id: str, data, actor,
             now) -> dict:
    """The consensus score of one answer, with the rationale; the independent scores stay."""
    values = validate(_moderation_input, data)
    tender = common.tender(session, organisation_id, tender_id)
    if tender.status != "moderation":
        raise Conflict("This tender is not in moderation.")
    bidder = _bidder(session, tender, values["bidder_id"])
    question = session.get(Question, values["question_id"])
    if question is None or question.tender_id != tender.id:
        raise NotFound("We could not find that question.", {"question_id": ["Unknown id."]})
    independent = [s.score for s in _scores(session, bidder.id)
                   if s.question_id == question.id and s.submitted]
    row = session.scalar(select(Moderation).where(Moderation.bidder_id == bidder.id,
                                                  Moderation.question_id == question.id))
    if row is None:
        row = Moderation(id=str(uuid.uuid4()), tender_id=tender.id, bidder_id=bidder.id,
                         question_id=question.id)
        session.add(row)
    row.score, row.rationale = values["score"], values["rationale"].strip()
    row.moderated_by, row.moderated_at = actor, now
    session.flush()
    _audit(session, tender, "moderated", actor, {
        "bidder_id": bidder.id, "question_id": question.id, "consensus": row.score,
        "independent_scores": sorted(independent)}, now)
    total = len(bidders_of(session, tender.id)) * len(questions_of(session, tender.id))
    done = session.scalar(select(func.count()).select_from(Moderation).where(
        Moderation.tender_id == tender.id))
    if done == total:
        tender.status, tender.moderated_at = "moderated", now
        _audit(session, tender, "moderation_completed", actor, {}, now)
        evaluators = session.scalar(select(func.count(func.distinct(Score.evaluator_key))).where(
            Score.tender_id == tender.id, Score.submitted.is_(True)))
        record_event(session, "evaluation.moderated", {
            "tender_id": tender.id, "project_id": tender.project_id,
            "bidders": len(bidders_of(session, tender.id)),
            "questions": len(questions_of(session, tender.id)), "evaluators": evaluators,
            "service_user_evaluators": _service_user_evaluators(session, tender, now),
            "moderated_at": now.isoformat()},
            subject=tender.id, organisation=organisation_id, classification="internal")
    return {"bidder_id": bidder.id, "question_id": question.id, "score": row.score,
            "rationale": row.rationale, "independent_scores": sorted(independent),
            "tender_status": tender.status}


def _service_user_evaluators(session, tender: Tender, now) -> int:
    scorers = set(session.scalars(select(Score.evaluator_id).where(
        Score.tender_id == tender.id, Score.submitted.is_(True))))
    return sum(1 for m in groups.members(session, tender.evaluation_group_id)
               if m.person_id in scorers and m.capacity in groups.SERVICE_USER_CAPACITIES)


def _consensus(session, tender_id: str) -> dict[tuple[str, str], int]:
    return {(m.bidder_id, m.question_id): m.score for m in session.scalars(
        select(Moderation).where(Moderation.tender_id == tender_id))}


def totals(session, tender: Tender) -> list[dict]:
    """Weighted totals out of 100 and the ranking, from the consensus scores: within each
    category, questions count by their weight; each category counts by the tender's weights."""
    consensus = _consensus(session, tender.id)
    questions = questions_of(session, tender.id)
    rows = []
    for bidder in bidders_of(session, tender.id):
        by_category, total = {}, Decimal("0")
        for category in CATEGORIES:
            qs = [q for q in questions if q.category == category]
            weight = Decimal(tender.weights.get(category, 0))
            if not qs:
                by_category[category] = common.money(Decimal("0"))
                continue
            got = sum((Decimal(q.weight) * consensus[(bidder.id, q.id)] for q in qs), Decimal(0))
            best = sum((Decimal(q.weight) * 5 for q in qs), Decimal(0))
            part = (weight * got / best).quantize(HUNDREDTH, rounding=ROUND_HALF_UP)
            by_category[category] = str(part)
            total += part
        rows.append({"bidder_id": bidder.id, "bidder": bidder.name, "by_category": by_category,
                     "total": str(total.quantize(HUNDREDTH))})
    rows.sort(key=lambda r: (-Decimal(r["total"]), r["bidder"]))
    rank, previous = 0, None
    for n, row in enumerate(rows, start=1):
        if row["total"] != previous:
            rank, previous = n, row["total"]
        row["rank"] = rank
    return rows


def results(session, organisation_id: str, tender_id: str) -> dict:
    tender = common.tender(session, organisation_id, tender_id)
    if tender.status not in ("moderated", "awarded"):
        raise Conflict("The weighted totals and ranking appear once moderation is complete, "
                       "so nobody sees a result before the panel has agreed it.")
    return {"tender_id": tender.id, "weights": dict(tender.weights),
            "price_scored_separately": tender.price_scored_separately,
            "ranking": totals(session, tender),
            "awarded_bidder_id": tender.awarded_bidder_id}


def award(session, organisation_id: str, tender_id: str, data, actor, now) -> dict:
    values = validate(_award_input, data)
    tender = common.tender(session, organisation_id, tender_id)
    if tender.status != "moderated":
        raise Conflict("A tender is awarded after its moderation is complete.")
    bidder = _bidder(session, tender, values["bidder_id"])
    tender.status, tender.awarded_bidder_id, tender.awarded_at = "awarded", bidder.id, now
    tender.award_value = values["value"] if values["value"] is not None else bidder.bid_value
    _audit(session, tender, "awarded", actor, {"bidder_id": bidder.id,
                                               "value": common.money(tender.award_value)}, now)
    return view(session, tender, actor, True)


def audit_trail(session, organisation_id: str, tender_id: str) -> list[dict]:
    tender = common.tender(session, organisation_id, tender_id)
    rows = session.scalars(select(EvaluationAudit).where(EvaluationAudit.tender_id == tender.id)
                           .order_by(EvaluationAudit.seq))
    hide = tender.status not in REVEALED
    return [{"seq": r.seq, "action": r.action, "actor_id": r.actor_id, "at": common.iso(r.at),
             "detail": {k: v for k, v in r.detail.items()
                        if not (hide and k in ("consensus", "independent_scores"))}}
            for r in rows]


# --- reading ------------------------------------------------------------------------------------
def bidders_of(session, tender_id: str) -> list[Bidder]:
    return list(session.scalars(select(Bidder).where(Bidder.tender_id == tender_id)
                                .order_by(Bidder.created_at, Bidder.name_key)))


def questions_of(session, tender_id: str) -> list[Question]:
    return list(session.scalars(select(Question).where(Question.tender_id == tender_id)
                                .order_by(Question.position)))


def bidder_dict(b: Bidder) -> dict:
    return {"id": b.id, "name": b.name, "care_service_ids": list(b.care_service_ids),
            "bid_value": common.money(b.bid_value)}


def question_dict(q: Question) -> dict:
    return {"id": q.id, "category": q.category, "text": q.text, "weight": str(q.weight),
            "position": q.position}


def view(session, tender: Tender, person_id, manager: bool, now=None) -> dict:
    """The tender as the caller may see it: a quality evaluator does not see price questions
    (nor bid values) where price is scored apart."""
    moment = now or clock()
    mine = categories_for(session, tender, person_id, moment)
    visible = set(CATEGORIES) if manager or not tender.price_scored_separately else set(mine)
    show_price = manager or not tender.price_scored_separately or "price" in mine
    out = {"id": tender.id, "project_id": tender.project_id, "title": tender.title,
           "description": tender.description, "status": tender.status,
           "weights": dict(tender.weights),
           "price_scored_separately": tender.price_scored_separately,
           "evaluation_group_id": tender.evaluation_group_id,
           "bidders": [bidder_dict(b) | ({} if show_price else {"bid_value": None})
                       for b in bidders_of(session, tender.id)],
           "questions": [question_dict(q) for q in questions_of(session, tender.id)
                         if q.category in visible],
           "you_score": mine, "awarded_bidder_id": tender.awarded_bidder_id,
           "awarded_at": common.iso(tender.awarded_at)}
    if manager:
        out |= {"price_evaluator_ids": list(tender.price_evaluator_ids),
                "value_amount": common.money(tender.value_amount), "currency": tender.currency}
        if tender.status == "scoring":
            out["waiting_for"] = waiting_for(session, tender, moment)
        if tender.status in REVEALED:  # the agreed scores, for the moderation page
            out["moderation"] = [
                {"bidder_id": m.bidder_id, "question_id": m.question_id, "score": m.score,
                 "rationale": m.rationale} for m in session.scalars(
                    select(Moderation).where(Moderation.tender_id == tender.id))]
    if person_id and mine:
        out["my_progress"] = [{"bidder_id": b.id, "submitted": submitted(session, b.id,
                                                                          person_id),
                               "blocked_by_conflict": conflicts.blocked(
                                   session, tender.project_id, person_id, b)}
                              for b in bidders_of(session, tender.id)]
    return out


def get(session, organisation_id: str, tender_id: str, person_id, manager: bool, now) -> dict:
    tender = common.tender(session, organisation_id, tender_id)
    if not manager and not categories_for(session, tender, person_id, now):
        raise Forbidden("Only the evaluators and the coordinators see this tender.")
    return view(session, tender, person_id, manager, now)


def list_for(session, organisation_id: str, project_id: str) -> list[dict]:
    project = common.project(session, organisation_id, project_id)
    rows = session.scalars(select(Tender).where(Tender.project_id == project.id)
                           .order_by(Tender.created_at))
    return [{"id": t.id, "title": t.title, "status": t.status} for t in rows]
