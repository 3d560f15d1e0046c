"""Call records: drafts saved as the shopper goes, submitted when complete. Plain functions.

Only the shopper an assignment is given to may record it. Every answer is checked against its
question's kind; errors name the field (``answers.<question id>``).
"""
from __future__ import annotations

import uuid
from datetime import UTC, datetime, time, timedelta

from sqlalchemy import select

from involve.kernel.db import now
from involve.kernel.errors import Conflict, Forbidden, InvalidInput, NotFound
from involve.kernel.schemas import validate

from . import scores
from .contract import MAX_TEXT_ANSWER, MysteryCall, derived_answer
from .models import Assignment, Call, QuestionSet, Round

_input = MysteryCall()
YES = {"yes", "y", "true"}
NO = {"no", "n", "false"}
FUTURE_SLACK = timedelta(minutes=10)


def check_answers(questions: list[dict], answers: dict) -> tuple[dict, dict]:
    """(clean answers, errors): "yes"/"no", a whole number 1-5, or words, as each kind says.
    A missing or empty answer is simply unanswered (None)."""
    by_id = {q["id"]: q for q in questions}
    clean, errors = {}, {}
    for key, value in (answers or {}).items():
        field = f"answers.{key}"
        question = by_id.get(key)
        if question is None:
            errors[field] = ["There is no question with this id in the round's question set."]
            continue
        if value is None or (isinstance(value, str) and not value.strip()):
            clean[key] = None
            continue
        kind = question["kind"]
        if kind == "yes_no":
            word = value.strip().lower() if isinstance(value, str) else None
            if word in YES:
                clean[key] = "yes"
            elif word in NO:
                clean[key] = "no"
            else:
                errors[field] = ["Answer yes or no."]
        elif kind == "scale_1_5":
            number = None
            if isinstance(value, int) and not isinstance(value, bool):
                number = value
            elif isinstance(value, float) and value.is_integer():
                number = int(value)
            elif isinstance(value, str) and value.strip().isdigit():
                number = int(value.strip())
            if number is None or not 1 <= number <= 5:
                errors[field] = ["Give a whole number from 1 to 5."]
            else:
                clean[key] = number
        else:
            if not isinstance(value, str):
                errors[field] = ["Answer in words."]
            elif len(value) > MAX_TEXT_ANSWER:
                errors[field] = [f"Use at most {MAX_TEXT_ANSWER} characters."]
            else:
                clean[key] = value.strip()
    return clean, errors


def derive_answers(questions: list[dict], answers: dict, values: dict, call: Call | None,
                   errors: dict) -> None:
    """Questions whose answer is worked out from the seconds to answer (for example "Was the
    call answered within 60 seconds?") are answered from them, so the record always agrees with
    itself. An answer sent that contradicts the seconds is refused, naming the question; with
    no seconds known, an answer sent is kept as it is."""
    seconds = values.get("seconds_to_answer",
                         call.seconds_to_answer if call is not None else None)
    for question in questions:
        if question.get("answered_within_seconds") is None:
            continue
        qid, worked_out = question["id"], derived_answer(question, seconds)
        given = answers.get(qid)
        if worked_out is None:
            if "seconds_to_answer" in values and qid not in answers:
                answers[qid] = None  # the seconds were cleared: so is what came from them
            continue
        if given is not None and given != worked_out:
            errors[f"answers.{qid}"] = [
                f"This is worked out from the seconds to answer: {seconds} seconds is "
                f"{'within' if worked_out == 'yes' else 'more than'} "
                f"{question['answered_within_seconds']}, so the answer is {worked_out}."]
        else:
            answers[qid] = worked_out


def as_dict(call: Call | None, assignment: Assignment) -> dict:
    if call is None:
        return {"id": None, "assignment_id": assignment.id, "status": "not_started",
                "called_at": None, "persona": assignment.persona, "seconds_to_answer": None,
                "answers": {}, "notes": None, "callback_promised": None,
                "callback_happened": None, "efficiency": None, "feeling": None}
    return {"id": call.id, "assignment_id": call.assignment_id, "status": call.status,
            "round_id": call.round_id, "care_service_id": call.care_service_id,
            "called_at": call.called_at.isoformat() if call.called_at else None,
            "persona": call.persona, "seconds_to_answer": call.seconds_to_answer,
            "answers": dict(call.answers or {}), "notes": call.notes,
            "callback_promised": call.callback_promised,
            "callback_happened": call.callback_happened,
            "efficiency": call.efficiency, "feeling": call.feeling,
            "submitted_at": call.submitted_at.isoformat() if call.submitted_at else None}


def for_scores(call: Call) -> dict:
    return {"id": call.id, "care_service_id": call.care_service_id, "shopper_id": call.shopper_id,
            "persona": call.persona, "answers": call.answers or {}, "notes": call.notes,
            "seconds_to_answer": call.seconds_to_answer,
            "callback_promised": call.callback_promised,
            "callback_happened": call.callback_happened, "efficiency": call.efficiency,
            "feeling": call.feeling,
            "submitted_at": call.submitted_at.isoformat() if call.submitted_at else None}


def load_assignment(session, organisation_id: str, assignment_id) -> Assignment:
    assignment = session.get(Assignment, assignment_id) if isinstance(assignment_id, str) else None
    if assignment is None or assignment.organisation_id != organisation_id:
        raise NotFound("We could not find that call in your list.",
                       {"assignment_id": ["Unknown id."]})
    return assignment


def own_assignment(session, organisation_id: str, assignment_id, person_id) -> Assignment:
    assignment = load_assignment(session, organisation_id, assignment_id)
    if not person_id or assignment.shopper_id != person_id:
        raise Forbidden("This call is not assigned to you, so you cannot record it.",
                        {"assignment_id": ["Assigned to another shopper."]})
    return assignment


def _check_time(values: dict, round_: Round, errors: dict) -> None:
    called_at = values.get("called_at")
    if called_at is None:
        return
    starts = datetime.combine(round_.starts_on, time.min, tzinfo=UTC)
    if called_at < starts - timedelta(hours=14):  # the round's first day, in any time zone
        errors["called_at"] = [f"The round starts on {round_.starts_on.isoformat()}: give the "
                               "time of a call made since then."]
    elif called_at > now() + FUTURE_SLACK:
        errors["called_at"] = ["This time is in the future: give the time you made the call."]


def _missing(questions: list[dict], call: Call) -> dict:
    missing = {}
    for field in ("called_at", "persona", "seconds_to_answer", "callback_promised"):
        if getattr(call, field) is None:
            missing[field] = ["Please fill this in before submitting."]
    for question in questions:
        if question["kind"] != "text" and (call.answers or {}).get(question["id"]) is None:
            missing[f"answers.{question['id']}"] = ["Please answer this question before "
                                                    "submitting."]
    return missing


def record(session, record_event, organisation_id: str, assignment_id, person_id, data: dict,
           submit: bool) -> dict:
    """Save a draft (any part) or submit the call (it must be complete)."""
    assignment = own_assignment(session, organisation_id, assignment_id, person_id)
    round_ = session.get(Round, assignment.round_id)
    if round_.status != "scheduled":
        raise Conflict("This round is closed, so calls can no longer be recorded.",
                       {"assignment_id": ["The round is closed."]})
    values = validate(_input, data)
    call = session.scalar(select(Call).where(Call.assignment_id == assignment.id))
    if call is not None and call.status == "submitted":
        return _after_submission(session, call, assignment, values, submit)
    questions = session.get(QuestionSet, round_.question_set_id).questions
    errors: dict = {}
    service = values.pop("care_service_id", None)
    if service is not None and service != assignment.care_service_id:
        errors["care_service_id"] = [
            "This call is for another service: record each call against its own assignment."
            if service in round_.care_service_ids else "This service is not part of this round."]
    if values.get("persona") is not None and values["persona"] not in round_.personas:
        errors["persona"] = ["This round does not use that persona: choose one of "
                             + ", ".join(round_.personas) + "."]
    _check_time(values, round_, errors)
    answers, answer_errors = check_answers(questions, values.pop("answers", None) or {})
    errors.update(answer_errors)
    derive_answers(questions, answers, values, call, errors)
    if errors:
        raise InvalidInput("Some answers need checking: " + ", ".join(sorted(errors)) + ".", errors)
    stamp = now()
    if call is None:
        call = Call(id=str(uuid.uuid4()), assignment_id=assignment.id, round_id=round_.id,
                    organisation_id=organisation_id, care_service_id=assignment.care_service_id,
                    shopper_id=person_id, status="draft", persona=assignment.persona,
                    answers={}, created_at=stamp, updated_at=stamp)
        session.add(call)
    for field, value in values.items():
        setattr(call, field, value.strip() if field == "notes" and value else value)
    merged = dict(call.answers or {})
    merged.update(answers)
    call.answers = {k: v for k, v in merged.items() if v is not None}
    if call.callback_promised is False:
        call.callback_happened = None
    call.efficiency, call.feeling = scores.call_scores(questions, call.answers)
    call.updated_at = stamp
    if submit:
        missing = _missing(questions, call)
        if missing:
            raise InvalidInput("Please complete the call record before submitting: "
                               + ", ".join(sorted(missing)) + ".", missing)
        call.status = "submitted"
        call.submitted_at = stamp
        assignment.status = "recorded"
        session.flush()
        record_event(session, "call.recorded", {
            "round_id": round_.id, "call_id": call.id, "care_service_id": call.care_service_id,
            "shopper_id": call.shopper_id, "persona": call.persona,
            "efficiency": call.efficiency, "feeling": call.feeling},
            subject=call.id, organisation=organisation_id, classification="pseudonymous")
    session.flush()
    return as_dict(call, assignment)


def _after_submission(session, call: Call, assignment: Assignment, values: dict,
                      submit: bool) -> dict:
    """A submitted call stays as it was, except whether a promised call-back happened (often
    known only days later)."""
    others = sorted(k for k, v in values.items() if k != "callback_happened" and v is not None
                    and v != {})
    if submit or others:
        raise Conflict("This call has already been submitted, so it cannot be changed (you can "
                       "still say whether a promised call-back happened).",
                       {"assignment_id": ["Already submitted."]})
    if "callback_happened" in values:
        if not call.callback_promised:
            raise InvalidInput("No call-back was promised on this call.",
                               {"callback_happened": ["No call-back was promised."]})
        call.callback_happened = values["callback_happened"]
        call.updated_at = now()
        session.flush()
    return as_dict(call, assignment)


def get_own(session, organisation_id: str, assignment_id, person_id) -> dict:
    assignment = own_assignment(session, organisation_id, assignment_id, person_id)
    call = session.scalar(select(Call).where(Call.assignment_id == assignment.id))
    return as_dict(call, assignment)
