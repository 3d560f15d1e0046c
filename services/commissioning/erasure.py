"""``person.erased``: forget a person, keeping only what tax law requires (the amounts and dates
of what they were paid), and record that this was done.

Claims keep their amounts, dates, method and status but lose the person, the claim key (which
may name them), role, reference and receipts; their drafts and benefits-advice records go.
Working agreements, training records, expressions of interest go. Where a count matters to
others (meeting attendance, group membership, an evaluator's independent scores, which
moderation keeps), the row stays without the person: the id is replaced by nothing, or by a
fresh stand-in key that links to no one. Everywhere the person is named as the one who did
something (recorded, signed, decided), the name goes."""
from __future__ import annotations

import uuid

from sqlalchemy import delete, select, update

from . import models
from .models import (
    Agreement,
    Attendance,
    BenefitsAdvice,
    Claim,
    ClaimExpense,
    ConflictOfInterest,
    Erasure,
    Interest,
    Membership,
    Principle,
    Project,
    Score,
    TrainingRecord,
)

# (model, column) where a person appears as the one who did something
ACTOR_COLUMNS = [
    (models.Project, "created_by"), (models.PhaseChange, "changed_by"),
    (models.Principle, "recorded_by"), (models.Spend, "recorded_by"),
    (models.Agreement, "created_by"), (models.Agreement, "commissioner_signed_by"),
    (models.TrainingRecord, "recorded_by"), (models.Paper, "author_id"),
    (models.Decision, "recorded_by"), (models.Briefing, "created_by"),
    (models.ConfidentialItem, "released_by"), (models.ConflictOfInterest, "decided_by"),
    (models.Moderation, "moderated_by"), (models.EvaluationAudit, "actor_id"),
    (models.PaymentPolicy, "created_by"), (models.BenefitsAdvice, "recorded_by"),
    (models.Claim, "submitted_by"), (models.Claim, "authorised_by"), (models.Claim, "paid_by"),
    (models.Interest, "decided_by"), (models.Bulletin, "created_by"),
]
PROJECT_ROLES = ("project_manager_id", "lead_officer_id", "deputy_id")


def _count(result) -> int:
    return max(result.rowcount or 0, 0)


def forget(session, event_id: str, person_id: str, now) -> dict:
    removed: dict[str, int] = {}
    claims = list(session.scalars(select(Claim).where(Claim.person_id == person_id)))
    drafts = [c for c in claims if c.status == "draft"]
    kept = [c for c in claims if c.status != "draft"]
    for claim in drafts:
        session.execute(delete(ClaimExpense).where(ClaimExpense.claim_id == claim.id))
        session.delete(claim)
    removed["draft_claims"] = len(drafts)
    for claim in kept:
        claim.person_id, claim.claim_key = None, f"erased:{claim.id}"
        claim.role = claim.activity_ref = claim.payment_reference = claim.rejected_reason = ""
        claim.request_hash, claim.erased = None, True
        session.execute(update(ClaimExpense).where(ClaimExpense.claim_id == claim.id)
                        .values(description="", receipt=""))
    removed["benefits_advice"] = _count(session.execute(
        delete(BenefitsAdvice).where(BenefitsAdvice.person_id == person_id)))
    removed["agreements"] = _count(session.execute(
        delete(Agreement).where(Agreement.person_id == person_id)))
    removed["training_records"] = _count(session.execute(
        delete(TrainingRecord).where(TrainingRecord.person_id == person_id)))
    removed["interests"] = _count(session.execute(
        delete(Interest).where(Interest.person_id == person_id)))
    removed["memberships_anonymised"] = _count(session.execute(
        update(Membership).where(Membership.person_id == person_id).values(person_id=None)))
    attendance = list(session.scalars(select(Attendance).where(Attendance.person_id == person_id)))
    for row in attendance:
        row.person_id, row.person_key = None, str(uuid.uuid4())
    removed["attendance_anonymised"] = len(attendance)
    removed["conflicts_anonymised"] = _count(session.execute(
        update(ConflictOfInterest).where(ConflictOfInterest.person_id == person_id)
        .values(person_id=None, description="")))
    stand_in = str(uuid.uuid4())
    removed["scores_anonymised"] = _count(session.execute(
        update(Score).where(Score.evaluator_id == person_id)
        .values(evaluator_id=None, evaluator_key=stand_in)))
    for principle in session.scalars(select(Principle)):
        if person_id in principle.agreed_by:
            principle.agreed_by = [p for p in principle.agreed_by if p != person_id]
    for column in PROJECT_ROLES:
        session.execute(update(Project).where(getattr(Project, column) == person_id)
                        .values({column: None}))
    for model, column in ACTOR_COLUMNS:
        session.execute(update(model).where(getattr(model, column) == person_id)
                        .values({column: None}).execution_options(synchronize_session=False))
    record = {"claims": len(kept),
              "what": "amounts and dates of payments, for tax (HMRC)" if kept else "nothing"}
    session.add(Erasure(event_id=event_id, person_id=person_id, erased_at=now, kept=record,
                        removed=removed))
    session.flush()
    return {"kept": record, "removed": removed}


def record_of(session, person_id: str) -> list[dict]:
    return [{"event_id": e.event_id, "erased_at": e.erased_at.isoformat(), "kept": e.kept,
             "removed": e.removed}
            for e in session.scalars(select(Erasure).where(Erasure.person_id == person_id))]
