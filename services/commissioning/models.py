"""The commissioning service's tables (SQLAlchemy 2; the migration is migrations/commissioning_0001).

People appear only by their pseudonymous ``person_id`` from identity: no names, emails or phone
numbers are kept here. Money is ``Numeric(12, 2)`` (read back as ``Decimal``), hours
``Numeric(6, 2)``. Every row carries its ``organisation_id`` (directly or through its project),
and every query is scoped by it.
"""
from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import JSON, Boolean, Date, ForeignKey, Integer, Numeric, String, Text, UniqueConstraint
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from involve.kernel.db import UtcDateTime

MONEY = Numeric(12, 2, asdecimal=True)
HOURS = Numeric(6, 2, asdecimal=True)


class Base(DeclarativeBase):
    pass


# --- projects ----------------------------------------------------------------------------------
class Project(Base):
    __tablename__ = "projects"

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    organisation_id: Mapped[str] = mapped_column(String(36), index=True)
    title: Mapped[str] = mapped_column(String(200))
    purpose: Mapped[str] = mapped_column(Text)
    care_service_ids: Mapped[list] = mapped_column(JSON)
    negotiable: Mapped[str] = mapped_column(Text, default="")
    not_negotiable: Mapped[str] = mapped_column(Text, default="")
    formal_responsibility: Mapped[str] = mapped_column(Text, default="")
    how_decisions_are_made: Mapped[str] = mapped_column(Text, default="")
    phase: Mapped[str] = mapped_column(String(20))
    project_manager_id: Mapped[str | None] = mapped_column(String(36), nullable=True)
    lead_officer_id: Mapped[str | None] = mapped_column(String(36), nullable=True)
    deputy_id: Mapped[str | None] = mapped_column(String(36), nullable=True)
    # {"quality": 75, "price": 20, "social_value": 5}: the default for the project's tenders
    evaluation_weights: Mapped[dict] = mapped_column(JSON)
    price_scored_separately: Mapped[bool] = mapped_column(Boolean, default=False)
    created_by: Mapped[str | None] = mapped_column(String(36), nullable=True)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime)


class PhaseChange(Base):
    __tablename__ = "project_phases"

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    project_id: Mapped[str] = mapped_column(ForeignKey("projects.id"), index=True)
    from_phase: Mapped[str | None] = mapped_column(String(20), nullable=True)
    to_phase: Mapped[str] = mapped_column(String(20))
    note: Mapped[str] = mapped_column(Text, default="")
    changed_by: Mapped[str | None] = mapped_column(String(36), nullable=True)
    changed_at: Mapped[datetime] = mapped_column(UtcDateTime)


class Principle(Base):
    __tablename__ = "principles"

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    project_id: Mapped[str] = mapped_column(ForeignKey("projects.id"), index=True)
    text: Mapped[str] = mapped_column(Text)
    agreed_on: Mapped[date] = mapped_column(Date)
    # the service users who agreed it (person ids) and how, e.g. "reference group, 4 March"
    agreed_by: Mapped[list] = mapped_column(JSON)
    how_agreed: Mapped[str] = mapped_column(Text, default="")
    recorded_by: Mapped[str | None] = mapped_column(String(36), nullable=True)
    recorded_at: Mapped[datetime] = mapped_column(UtcDateTime)


class BudgetLine(Base):
    __tablename__ = "budget_lines"

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    project_id: Mapped[str] = mapped_column(ForeignKey("projects.id"), index=True)
    kind: Mapped[str] = mapped_column(String(30))
    description: Mapped[str] = mapped_column(String(300), default="")
    amount: Mapped[Decimal] = mapped_column(MONEY)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime)


class Spend(Base):
    __tablename__ = "spend"

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    budget_line_id: Mapped[str] = mapped_column(ForeignKey("budget_lines.id"), index=True)
    amount: Mapped[Decimal] = mapped_column(MONEY)
    spent_on: Mapped[date] = mapped_column(Date)
    description: Mapped[str] = mapped_column(String(300), default="")
    recorded_by: Mapped[str | None] = mapped_column(String(36), nullable=True)
    recorded_at: Mapped[datetime] = mapped_column(UtcDateTime)


# --- groups and opportunities ------------------------------------------------------------------
class Group(Base):
    __tablename__ = "groups"

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    project_id: Mapped[str] = mapped_column(ForeignKey("projects.id"), index=True)
    kind: Mapped[str] = mapped_column(String(30))
    name: Mapped[str] = mapped_column(String(200))
    required_training: Mapped[list] = mapped_column(JSON)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime)


class Membership(Base):
    __tablename__ = "memberships"

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    group_id: Mapped[str] = mapped_column(ForeignKey("groups.id"), index=True)
    person_id: Mapped[str | None] = mapped_column(String(36), nullable=True, index=True)
    capacity: Mapped[str] = mapped_column(String(20))
    role: Mapped[str] = mapped_column(String(100), default="member")
    starts_on: Mapped[date] = mapped_column(Date)
    ends_on: Mapped[date | None] = mapped_column(Date, nullable=True)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime)


class Opportunity(Base):
    __tablename__ = "opportunities"

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    project_id: Mapped[str] = mapped_column(ForeignKey("projects.id"), index=True)
    title: Mapped[str] = mapped_column(String(200))
    activity: Mapped[str] = mapped_column(Text)
    time_commitment: Mapped[str] = mapped_column(Text)
    payment_offered: Mapped[str] = mapped_column(Text)
    training_and_support: Mapped[str] = mapped_column(Text)
    accessibility: Mapped[str] = mapped_column(Text)
    places: Mapped[int] = mapped_column(Integer)
    group_id: Mapped[str | None] = mapped_column(ForeignKey("groups.id"), nullable=True)
    selection: Mapped[str] = mapped_column(String(20))  # coordinator / panel
    status: Mapped[str] = mapped_column(String(20))  # draft/published/selecting/selected/closed
    closes_on: Mapped[date | None] = mapped_column(Date, nullable=True)
    panel_campaign_id: Mapped[str | None] = mapped_column(String(36), nullable=True, index=True)
    panel_selection_id: Mapped[str | None] = mapped_column(String(36), nullable=True)
    published_at: Mapped[datetime | None] = mapped_column(UtcDateTime, nullable=True)
    selection_completed_at: Mapped[datetime | None] = mapped_column(UtcDateTime, nullable=True)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime)


class Interest(Base):
    __tablename__ = "interests"

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    opportunity_id: Mapped[str] = mapped_column(ForeignKey("opportunities.id"), index=True)
    person_id: Mapped[str | None] = mapped_column(String(36), nullable=True, index=True)
    note: Mapped[str] = mapped_column(Text, default="")
    panel_registration_id: Mapped[str | None] = mapped_column(String(36), nullable=True)
    status: Mapped[str] = mapped_column(String(20))  # interested/selected/not_selected/withdrawn
    created_at: Mapped[datetime] = mapped_column(UtcDateTime)
    decided_at: Mapped[datetime | None] = mapped_column(UtcDateTime, nullable=True)
    decided_by: Mapped[str | None] = mapped_column(String(36), nullable=True)

    __table_args__ = (UniqueConstraint("opportunity_id", "person_id", name="uq_interest"),)


# --- working agreements and training -----------------------------------------------------------
class Agreement(Base):
    """One version of a member's working agreement for a project; the highest version is the
    current one, and it counts only when both the member and a commissioner have signed it."""

    __tablename__ = "agreements"

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    project_id: Mapped[str] = mapped_column(ForeignKey("projects.id"), index=True)
    person_id: Mapped[str | None] = mapped_column(String(36), nullable=True, index=True)
    version: Mapped[int] = mapped_column(Integer)
    terms: Mapped[dict] = mapped_column(JSON)
    created_by: Mapped[str | None] = mapped_column(String(36), nullable=True)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime)
    member_signed_at: Mapped[datetime | None] = mapped_column(UtcDateTime, nullable=True)
    commissioner_signed_at: Mapped[datetime | None] = mapped_column(UtcDateTime, nullable=True)
    commissioner_signed_by: Mapped[str | None] = mapped_column(String(36), nullable=True)

    __table_args__ = (UniqueConstraint("project_id", "person_id", "version",
                                       name="uq_agreement_version"),)


class TrainingKind(Base):
    """An organisation's own kind of training (the built-in kinds need no row)."""

    __tablename__ = "training_kinds"

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    organisation_id: Mapped[str] = mapped_column(String(36), index=True)
    key: Mapped[str] = mapped_column(String(60))
    label: Mapped[str] = mapped_column(String(200))
    created_at: Mapped[datetime] = mapped_column(UtcDateTime)

    __table_args__ = (UniqueConstraint("organisation_id", "key", name="uq_training_kind"),)


class TrainingRecord(Base):
    __tablename__ = "training_records"

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    organisation_id: Mapped[str] = mapped_column(String(36), index=True)
    person_id: Mapped[str | None] = mapped_column(String(36), nullable=True, index=True)
    kind: Mapped[str] = mapped_column(String(60))
    completed_on: Mapped[date] = mapped_column(Date)
    provider: Mapped[str] = mapped_column(String(200), default="")
    recorded_by: Mapped[str | None] = mapped_column(String(36), nullable=True)
    recorded_at: Mapped[datetime] = mapped_column(UtcDateTime)


# --- meetings, papers, decisions, plain English ------------------------------------------------
class Meeting(Base):
    __tablename__ = "meetings"

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    project_id: Mapped[str] = mapped_column(ForeignKey("projects.id"), index=True)
    group_id: Mapped[str | None] = mapped_column(ForeignKey("groups.id"), nullable=True)
    title: Mapped[str] = mapped_column(String(200))
    kind: Mapped[str] = mapped_column(String(30))
    starts_at: Mapped[datetime] = mapped_column(UtcDateTime, index=True)
    hours: Mapped[Decimal] = mapped_column(HOURS)
    preparation_hours: Mapped[Decimal] = mapped_column(HOURS)
    location: Mapped[str] = mapped_column(String(300), default="")
    accessibility: Mapped[str] = mapped_column(Text, default="")
    agenda: Mapped[list] = mapped_column(JSON)
    required_training: Mapped[list] = mapped_column(JSON)
    status: Mapped[str] = mapped_column(String(20))  # planned / held / cancelled
    minutes: Mapped[str] = mapped_column(Text, default="")
    held_at: Mapped[datetime | None] = mapped_column(UtcDateTime, nullable=True)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime)


class Paper(Base):
    __tablename__ = "papers"

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    meeting_id: Mapped[str] = mapped_column(ForeignKey("meetings.id"), index=True)
    title: Mapped[str] = mapped_column(String(200))
    body: Mapped[str] = mapped_column(Text)
    author_id: Mapped[str | None] = mapped_column(String(36), nullable=True)
    confidential_item_id: Mapped[str | None] = mapped_column(
        ForeignKey("confidential_items.id"), nullable=True)
    check: Mapped[dict] = mapped_column(JSON)
    status: Mapped[str] = mapped_column(String(20))  # draft / issued
    issued_despite_check: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime)
    issued_at: Mapped[datetime | None] = mapped_column(UtcDateTime, nullable=True)


class Attendance(Base):
    __tablename__ = "attendance"

    meeting_id: Mapped[str] = mapped_column(ForeignKey("meetings.id"), primary_key=True)
    # a row of an erased person keeps the count but loses the id (a fresh uuid stands in)
    person_key: Mapped[str] = mapped_column(String(36), primary_key=True)
    person_id: Mapped[str | None] = mapped_column(String(36), nullable=True, index=True)
    status: Mapped[str] = mapped_column(String(20))  # attended / apologies / absent
    capacity: Mapped[str] = mapped_column(String(20))


class Decision(Base):
    __tablename__ = "decisions"

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    meeting_id: Mapped[str] = mapped_column(ForeignKey("meetings.id"), index=True)
    text: Mapped[str] = mapped_column(Text)
    reasons: Mapped[str] = mapped_column(Text)
    confidential_item_id: Mapped[str | None] = mapped_column(
        ForeignKey("confidential_items.id"), nullable=True)
    recorded_by: Mapped[str | None] = mapped_column(String(36), nullable=True)
    decided_at: Mapped[datetime] = mapped_column(UtcDateTime)


class JargonTerm(Base):
    __tablename__ = "jargon_terms"

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    organisation_id: Mapped[str] = mapped_column(String(36), index=True)
    term: Mapped[str] = mapped_column(String(100))
    term_key: Mapped[str] = mapped_column(String(100))
    plain: Mapped[str] = mapped_column(String(300), default="")
    kind: Mapped[str] = mapped_column(String(10))  # jargon / acronym
    created_at: Mapped[datetime] = mapped_column(UtcDateTime)

    __table_args__ = (UniqueConstraint("organisation_id", "term_key", name="uq_jargon_term"),)


class JargonListState(Base):
    """Marks an organisation whose jargon list was seeded with the defaults (so a default term
    the organisation deleted stays deleted)."""

    __tablename__ = "jargon_lists"

    organisation_id: Mapped[str] = mapped_column(String(36), primary_key=True)
    seeded_at: Mapped[datetime] = mapped_column(UtcDateTime)


# --- confidentiality ---------------------------------------------------------------------------
class Briefing(Base):
    __tablename__ = "briefings"

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    meeting_id: Mapped[str] = mapped_column(ForeignKey("meetings.id"), index=True)
    group_id: Mapped[str | None] = mapped_column(ForeignKey("groups.id"), nullable=True)
    created_by: Mapped[str | None] = mapped_column(String(36), nullable=True)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime)


class ConfidentialItem(Base):
    __tablename__ = "confidential_items"

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    organisation_id: Mapped[str] = mapped_column(String(36), index=True)
    project_id: Mapped[str] = mapped_column(ForeignKey("projects.id"), index=True)
    briefing_id: Mapped[str] = mapped_column(ForeignKey("briefings.id"), index=True)
    title: Mapped[str] = mapped_column(String(200))
    detail: Mapped[str] = mapped_column(Text)
    until_kind: Mapped[str] = mapped_column(String(10))  # date / event
    release_at: Mapped[datetime | None] = mapped_column(UtcDateTime, nullable=True, index=True)
    release_event: Mapped[str | None] = mapped_column(String(200), nullable=True)
    release_event_key: Mapped[str | None] = mapped_column(String(200), nullable=True)
    status: Mapped[str] = mapped_column(String(20), index=True)  # confidential / released
    released_at: Mapped[datetime | None] = mapped_column(UtcDateTime, nullable=True)
    released_by: Mapped[str | None] = mapped_column(String(36), nullable=True)
    released_how: Mapped[str | None] = mapped_column(String(20), nullable=True)
    due_at: Mapped[datetime | None] = mapped_column(UtcDateTime, nullable=True)


# --- conflicts of interest and provider evaluation ---------------------------------------------
class ConflictOfInterest(Base):
    __tablename__ = "conflicts"

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    project_id: Mapped[str] = mapped_column(ForeignKey("projects.id"), index=True)
    person_id: Mapped[str | None] = mapped_column(String(36), nullable=True, index=True)
    kind: Mapped[str] = mapped_column(String(30))
    description: Mapped[str] = mapped_column(Text, default="")
    care_service_id: Mapped[str | None] = mapped_column(String(100), nullable=True)
    bidder_id: Mapped[str | None] = mapped_column(String(36), nullable=True)
    declared_at: Mapped[datetime] = mapped_column(UtcDateTime)
    decision: Mapped[str] = mapped_column(String(20))  # pending / may_score / may_not_score
    decision_reason: Mapped[str] = mapped_column(Text, default="")
    decided_by: Mapped[str | None] = mapped_column(String(36), nullable=True)
    decided_at: Mapped[datetime | None] = mapped_column(UtcDateTime, nullable=True)
    decision_meeting_id: Mapped[str | None] = mapped_column(String(36), nullable=True)


class Tender(Base):
    __tablename__ = "tenders"

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    project_id: Mapped[str] = mapped_column(ForeignKey("projects.id"), index=True)
    title: Mapped[str] = mapped_column(String(200))
    description: Mapped[str] = mapped_column(Text, default="")
    # open (setting up) / scoring / moderation / moderated / awarded
    status: Mapped[str] = mapped_column(String(20))
    weights: Mapped[dict] = mapped_column(JSON)
    price_scored_separately: Mapped[bool] = mapped_column(Boolean, default=False)
    evaluation_group_id: Mapped[str | None] = mapped_column(ForeignKey("groups.id"),
                                                            nullable=True)
    price_evaluator_ids: Mapped[list] = mapped_column(JSON)
    value_amount: Mapped[Decimal | None] = mapped_column(MONEY, nullable=True)
    currency: Mapped[str] = mapped_column(String(3), default="GBP")
    awarded_bidder_id: Mapped[str | None] = mapped_column(String(36), nullable=True)
    awarded_at: Mapped[datetime | None] = mapped_column(UtcDateTime, nullable=True)
    award_value: Mapped[Decimal | None] = mapped_column(MONEY, nullable=True)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime)
    scoring_started_at: Mapped[datetime | None] = mapped_column(UtcDateTime, nullable=True)
    moderated_at: Mapped[datetime | None] = mapped_column(UtcDateTime, nullable=True)


class Bidder(Base):
    __tablename__ = "bidders"

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    tender_id: Mapped[str] = mapped_column(ForeignKey("tenders.id"), index=True)
    name: Mapped[str] = mapped_column(String(200))
    name_key: Mapped[str] = mapped_column(String(200))
    # care services this bidder runs now (a member who uses one has a conflict with it)
    care_service_ids: Mapped[list] = mapped_column(JSON)
    bid_value: Mapped[Decimal | None] = mapped_column(MONEY, nullable=True)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime)

    __table_args__ = (UniqueConstraint("tender_id", "name_key", name="uq_bidder_name"),)


class Question(Base):
    __tablename__ = "questions"

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    tender_id: Mapped[str] = mapped_column(ForeignKey("tenders.id"), index=True)
    category: Mapped[str] = mapped_column(String(20))  # quality / price / social_value
    text: Mapped[str] = mapped_column(Text)
    weight: Mapped[Decimal] = mapped_column(Numeric(6, 2, asdecimal=True))
    position: Mapped[int] = mapped_column(Integer)


class Score(Base):
    __tablename__ = "scores"

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    tender_id: Mapped[str] = mapped_column(ForeignKey("tenders.id"), index=True)
    bidder_id: Mapped[str] = mapped_column(ForeignKey("bidders.id"), index=True)
    question_id: Mapped[str] = mapped_column(ForeignKey("questions.id"))
    # an erased evaluator's scores stay (moderation keeps them) under a fresh stand-in key
    evaluator_key: Mapped[str] = mapped_column(String(36))
    evaluator_id: Mapped[str | None] = mapped_column(String(36), nullable=True, index=True)
    score: Mapped[int] = mapped_column(Integer)
    justification: Mapped[str] = mapped_column(Text)
    submitted: Mapped[bool] = mapped_column(Boolean, default=False)
    # the conflict decisions under which this person scored this bidder (ids)
    conflict_ids: Mapped[list] = mapped_column(JSON)
    saved_at: Mapped[datetime] = mapped_column(UtcDateTime)
    submitted_at: Mapped[datetime | None] = mapped_column(UtcDateTime, nullable=True)

    __table_args__ = (UniqueConstraint("bidder_id", "question_id", "evaluator_key",
                                       name="uq_score"),)


class Moderation(Base):
    __tablename__ = "moderations"

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    tender_id: Mapped[str] = mapped_column(ForeignKey("tenders.id"), index=True)
    bidder_id: Mapped[str] = mapped_column(ForeignKey("bidders.id"))
    question_id: Mapped[str] = mapped_column(ForeignKey("questions.id"))
    score: Mapped[int] = mapped_column(Integer)
    rationale: Mapped[str] = mapped_column(Text)
    moderated_by: Mapped[str | None] = mapped_column(String(36), nullable=True)
    moderated_at: Mapped[datetime] = mapped_column(UtcDateTime)

    __table_args__ = (UniqueConstraint("bidder_id", "question_id", name="uq_moderation"),)


class EvaluationAudit(Base):
    __tablename__ = "evaluation_audit"

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    tender_id: Mapped[str] = mapped_column(ForeignKey("tenders.id"), index=True)
    seq: Mapped[int] = mapped_column(Integer)
    action: Mapped[str] = mapped_column(String(40))
    actor_id: Mapped[str | None] = mapped_column(String(36), nullable=True)
    detail: Mapped[dict] = mapped_column(JSON)
    at: Mapped[datetime] = mapped_column(UtcDateTime)


# --- payments and expenses ---------------------------------------------------------------------
class PaymentPolicy(Base):
    __tablename__ = "payment_policies"

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    organisation_id: Mapped[str] = mapped_column(String(36), index=True)
    version: Mapped[int] = mapped_column(Integer)
    effective_from: Mapped[date] = mapped_column(Date)
    # [{"activity_kind", "unit": "hour"|"session", "amount": "25.00"}], amounts as strings
    rates: Mapped[list] = mapped_column(JSON)
    mileage_rate: Mapped[Decimal] = mapped_column(MONEY)
    yearly_threshold: Mapped[Decimal] = mapped_column(MONEY)
    target_days_to_pay: Mapped[int] = mapped_column(Integer)
    notes: Mapped[str] = mapped_column(Text, default="")
    created_by: Mapped[str | None] = mapped_column(String(36), nullable=True)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime)

    __table_args__ = (UniqueConstraint("organisation_id", "version", name="uq_policy_version"),)


class BenefitsAdvice(Base):
    __tablename__ = "benefits_advice"

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    organisation_id: Mapped[str] = mapped_column(String(36), index=True)
    person_id: Mapped[str | None] = mapped_column(String(36), nullable=True, index=True)
    offered_on: Mapped[date] = mapped_column(Date)
    taken_up: Mapped[bool] = mapped_column(Boolean, default=False)
    recorded_by: Mapped[str | None] = mapped_column(String(36), nullable=True)
    recorded_at: Mapped[datetime] = mapped_column(UtcDateTime)


class Claim(Base):
    __tablename__ = "claims"

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    organisation_id: Mapped[str] = mapped_column(String(36), index=True)
    claim_key: Mapped[str] = mapped_column(String(200))
    person_id: Mapped[str | None] = mapped_column(String(36), nullable=True, index=True)
    activity_kind: Mapped[str] = mapped_column(String(30))
    activity_ref: Mapped[str] = mapped_column(String(100), default="")
    project_id: Mapped[str | None] = mapped_column(String(36), nullable=True, index=True)
    role: Mapped[str] = mapped_column(String(100), default="")
    activity_date: Mapped[date] = mapped_column(Date)
    preparation_hours: Mapped[Decimal] = mapped_column(HOURS)
    attendance_hours: Mapped[Decimal] = mapped_column(HOURS)
    rate: Mapped[Decimal] = mapped_column(MONEY)
    rate_unit: Mapped[str] = mapped_column(String(10))
    rate_version: Mapped[int] = mapped_column(Integer)
    fee_due: Mapped[Decimal] = mapped_column(MONEY)  # what the rate gives
    payment_choice: Mapped[str] = mapped_column(String(10))  # full / reduced / declined
    fee: Mapped[Decimal] = mapped_column(MONEY)  # what will be paid for time
    method: Mapped[str] = mapped_column(String(10))  # bank / voucher / cash
    expenses_total: Mapped[Decimal] = mapped_column(MONEY)
    total: Mapped[Decimal] = mapped_column(MONEY)
    # draft (started from a meeting's attendance) / submitted / authorised / paid / rejected
    status: Mapped[str] = mapped_column(String(20), index=True)
    request_hash: Mapped[str | None] = mapped_column(String(64), nullable=True)
    submitted_by: Mapped[str | None] = mapped_column(String(36), nullable=True)
    submitted_at: Mapped[datetime | None] = mapped_column(UtcDateTime, nullable=True)
    authorised_by: Mapped[str | None] = mapped_column(String(36), nullable=True)
    authorised_at: Mapped[datetime | None] = mapped_column(UtcDateTime, nullable=True)
    rejected_reason: Mapped[str] = mapped_column(Text, default="")
    paid_by: Mapped[str | None] = mapped_column(String(36), nullable=True)
    paid_at: Mapped[datetime | None] = mapped_column(UtcDateTime, nullable=True)
    payment_reference: Mapped[str] = mapped_column(String(100), default="")
    erased: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime)

    __table_args__ = (UniqueConstraint("organisation_id", "claim_key", name="uq_claim_key"),)


class ClaimExpense(Base):
    __tablename__ = "claim_expenses"

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    claim_id: Mapped[str] = mapped_column(ForeignKey("claims.id"), index=True)
    kind: Mapped[str] = mapped_column(String(20))  # travel / mileage / childcare / carer_cover / other
    description: Mapped[str] = mapped_column(String(300), default="")
    miles: Mapped[Decimal | None] = mapped_column(Numeric(8, 1, asdecimal=True), nullable=True)
    amount: Mapped[Decimal] = mapped_column(MONEY)
    receipt: Mapped[str] = mapped_column(String(200), default="")


class Erasure(Base):
    """What was done with an erased person's records (kept: amounts and dates for tax)."""

    __tablename__ = "erasures"

    event_id: Mapped[str] = mapped_column(String(36), primary_key=True)
    person_id: Mapped[str] = mapped_column(String(36), index=True)
    erased_at: Mapped[datetime] = mapped_column(UtcDateTime)
    kept: Mapped[dict] = mapped_column(JSON)
    removed: Mapped[dict] = mapped_column(JSON)


# --- bulletins ---------------------------------------------------------------------------------
class Bulletin(Base):
    __tablename__ = "bulletins"

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    project_id: Mapped[str] = mapped_column(ForeignKey("projects.id"), index=True)
    title: Mapped[str] = mapped_column(String(200))
    introduction: Mapped[str] = mapped_column(Text)
    item_ids: Mapped[list] = mapped_column(JSON)
    decision_ids: Mapped[list] = mapped_column(JSON)
    check: Mapped[dict] = mapped_column(JSON)
    status: Mapped[str] = mapped_column(String(20))  # draft / published
    created_by: Mapped[str | None] = mapped_column(String(36), nullable=True)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime)
    published_at: Mapped[datetime | None] = mapped_column(UtcDateTime, nullable=True)
