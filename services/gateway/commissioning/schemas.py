"""The commissioning part of the public API (documented in /openapi.json): the request bodies are
the commissioning service's contract (involve.commissioning.contract, the field rules written
once); this module adds only what HTTP alone has, the shapes of the main answers. Money is
always a string with two decimals ("15.00"), never a number."""
from marshmallow import Schema, fields

from involve.commissioning.contract import (
    BenefitsAdviceRecord,
    CommissioningAgreementChange,
    CommissioningAgreementCreate,
    CommissioningAward,
    CommissioningBidder,
    CommissioningBriefing,
    CommissioningBudgetLine,
    CommissioningBulletinCreate,
    CommissioningBulletinPublish,
    CommissioningConflict,
    CommissioningConflictDecision,
    CommissioningDecision,
    CommissioningGroupCreate,
    CommissioningInterest,
    CommissioningJargonTerm,
    CommissioningMeetingCreate,
    CommissioningMeetingHeld,
    CommissioningMembership,
    CommissioningMembershipEnd,
    CommissioningModeration,
    CommissioningOpportunityCreate,
    CommissioningPanelCampaign,
    CommissioningPaper,
    CommissioningPaperIssue,
    CommissioningPhaseChange,
    CommissioningPrinciple,
    CommissioningProjectCreate,
    CommissioningProjectUpdate,
    CommissioningQuestion,
    CommissioningReleaseEvent,
    CommissioningScores,
    CommissioningSelection,
    CommissioningSpend,
    CommissioningTenderCreate,
    CommissioningTextCheck,
    CommissioningTrainingKind,
    CommissioningTrainingRecord,
    PaymentClaimCreate,
    PaymentClaimFilters,
    PaymentClaimReject,
    PaymentExportFilters,
    PaymentMade,
    PaymentPolicyCreate,
)

__all__ = [
    "BenefitsAdviceRecord", "CommissioningAgreementChange", "CommissioningAgreementCreate",
    "CommissioningAward", "CommissioningBidder", "CommissioningBriefing",
    "CommissioningBudgetLine", "CommissioningBulletinCreate", "CommissioningBulletinPublish",
    "CommissioningConflict", "CommissioningConflictDecision", "CommissioningDecision",
    "CommissioningGroupCreate", "CommissioningInterest", "CommissioningJargonTerm",
    "CommissioningMeetingCreate", "CommissioningMeetingHeld", "CommissioningMembership",
    "CommissioningMembershipEnd", "CommissioningModeration", "CommissioningOpportunityCreate",
    "CommissioningPanelCampaign", "CommissioningPaper", "CommissioningPaperIssue",
    "CommissioningPhaseChange", "CommissioningPrinciple", "CommissioningProjectCreate",
    "CommissioningProjectUpdate", "CommissioningQuestion", "CommissioningReleaseEvent",
    "CommissioningScores", "CommissioningSelection", "CommissioningSpend",
    "CommissioningTenderCreate", "CommissioningTextCheck", "CommissioningTrainingKind",
    "CommissioningTrainingRecord", "PaymentClaimCreate", "PaymentClaimFilters",
    "PaymentClaimReject", "PaymentExportFilters", "PaymentMade", "PaymentPolicyCreate"]

MONEY = {"description": "Pounds, a string with two decimals", "example": "15.00"}


class CommissioningProjectSummary(Schema):
    id = fields.String()
    title = fields.String()
    phase = fields.String(metadata={"enum": ["analyse", "plan", "do", "review"]})
    care_service_ids = fields.List(fields.String())
    created_at = fields.String()


class CommissioningPrincipleView(Schema):
    id = fields.String()
    text = fields.String()
    agreed_on = fields.String()
    agreed_by = fields.List(fields.String(), metadata={"description": "Person ids"})
    how_agreed = fields.String()
    recorded_at = fields.String()


class CommissioningPhaseStep(Schema):
    from_phase = fields.String(allow_none=True)
    to_phase = fields.String()
    note = fields.String(allow_none=True)
    changed_by = fields.String(allow_none=True)
    changed_at = fields.String()


class CommissioningBudgetLineView(Schema):
    id = fields.String()
    kind = fields.String()
    description = fields.String()
    amount = fields.String(metadata=MONEY)
    spent = fields.String(metadata=MONEY)
    spent_from_claims = fields.String(metadata=MONEY)
    remaining = fields.String(metadata=MONEY)
    overspent = fields.Boolean()


class CommissioningBudget(Schema):
    lines = fields.List(fields.Nested(CommissioningBudgetLineView))
    total = fields.String(metadata=MONEY)
    spent = fields.String(metadata=MONEY)


class CommissioningProject(CommissioningProjectSummary):
    purpose = fields.String()
    clarity_of_purpose = fields.Dict(metadata={
        "description": "negotiable, not_negotiable, formal_responsibility, "
                       "how_decisions_are_made"})
    project_manager_id = fields.String(allow_none=True)
    lead_officer_id = fields.String(allow_none=True)
    deputy_id = fields.String(allow_none=True)
    evaluation_weights = fields.Dict()
    price_scored_separately = fields.Boolean()
    phase_history = fields.List(fields.Nested(CommissioningPhaseStep))
    principles = fields.List(fields.Nested(CommissioningPrincipleView))
    budget = fields.Nested(CommissioningBudget)


class CommissioningWarning(Schema):
    person_id = fields.String()
    code = fields.String(metadata={"enum": ["no_signed_agreement", "training_missing"]})
    message = fields.String()
    group_id = fields.String()
    meeting_id = fields.String()


class CommissioningMember(Schema):
    id = fields.String()
    person_id = fields.String(allow_none=True)
    capacity = fields.String()
    role = fields.String()
    starts_on = fields.String()
    ends_on = fields.String(allow_none=True)
    current = fields.Boolean()


class CommissioningShare(Schema):
    service_users = fields.Integer()
    members = fields.Integer()
    share = fields.Float(allow_none=True)
    text = fields.String(metadata={"example": "3 of 5 members are service users"})


class CommissioningGroup(Schema):
    id = fields.String()
    project_id = fields.String()
    kind = fields.String(metadata={"enum": ["reference", "steering", "evaluation_panel",
                                            "peer"]})
    name = fields.String()
    required_training = fields.List(fields.String())
    members = fields.List(fields.Nested(CommissioningMember))
    service_user_share = fields.Nested(CommissioningShare)


class CommissioningAgreement(Schema):
    id = fields.String()
    project_id = fields.String()
    person_id = fields.String()
    version = fields.Integer()
    current = fields.Boolean()
    terms = fields.Dict()
    member_signed_at = fields.String(allow_none=True)
    commissioner_signed_at = fields.String(allow_none=True)
    fully_signed = fields.Boolean()
    created_at = fields.String()


class CommissioningCheck(Schema):
    ok = fields.Boolean()
    words = fields.Integer()
    sentences = fields.Integer()
    readability = fields.Dict(metadata={"description": "flesch_reading_ease, "
                                                       "flesch_kincaid_grade, target, ok"})
    jargon = fields.List(fields.Dict(), metadata={"description": "{term, plain, count}"})
    acronyms = fields.List(fields.Dict(), metadata={"description": "{acronym, count, known, "
                                                                   "plain}"})
    long_sentences = fields.List(fields.Dict(), metadata={"description": "{sentence, words}"})
    advice = fields.List(fields.String(), metadata={"description": "What to fix, in plain "
                                                                   "sentences"})


class CommissioningItem(Schema):
    id = fields.String()
    project_id = fields.String()
    briefing_id = fields.String()
    status = fields.String(metadata={"enum": ["confidential", "released"]})
    until = fields.String(metadata={"enum": ["date", "event"]})
    release_at = fields.String(allow_none=True)
    release_event = fields.String(allow_none=True)
    released_at = fields.String(allow_none=True)
    released_how = fields.String(allow_none=True)
    may_share = fields.Boolean()
    say = fields.String(metadata={"example": "Keep this confidential until contract awarded."})
    title = fields.String()
    detail = fields.String()


class CommissioningBidderScores(Schema):
    mine = fields.List(fields.Dict())
    submitted = fields.Boolean()
    others_submitted = fields.Integer()
    others_visible = fields.Boolean()
    others = fields.List(fields.Dict(), metadata={
        "description": "Only once your own scores for this bidder are submitted"})


class CommissioningRanked(Schema):
    bidder_id = fields.String()
    bidder = fields.String()
    by_category = fields.Dict()
    total = fields.String(metadata={"description": "Out of 100"})
    rank = fields.Integer()


class CommissioningResults(Schema):
    ranking = fields.List(fields.Nested(CommissioningRanked))


class PaymentYearlyTotal(Schema):
    tax_year = fields.String(metadata={"example": "2025-26"})
    paid = fields.String(metadata=MONEY)
    waiting = fields.String(metadata=MONEY)
    total = fields.String(metadata=MONEY)
    threshold = fields.String(metadata=MONEY)
    warning = fields.String(allow_none=True)


class PaymentClaim(Schema):
    id = fields.String()
    claim_key = fields.String()
    person_id = fields.String(allow_none=True)
    activity_kind = fields.String()
    activity_ref = fields.String(allow_none=True)
    project_id = fields.String(allow_none=True)
    role = fields.String()
    activity_date = fields.String()
    preparation_hours = fields.String()
    attendance_hours = fields.String()
    rate = fields.String(metadata=MONEY)
    rate_unit = fields.String()
    rate_version = fields.Integer(allow_none=True)
    fee_due = fields.String(metadata=MONEY)
    payment_choice = fields.String()
    fee = fields.String(metadata=MONEY)
    method = fields.String()
    expenses = fields.List(fields.Dict())
    expenses_total = fields.String(metadata=MONEY)
    total = fields.String(metadata=MONEY)
    status = fields.String(metadata={"enum": ["draft", "submitted", "authorised", "paid",
                                              "rejected"]})
    submitted_at = fields.String(allow_none=True)
    authorised_by = fields.String(allow_none=True)
    authorised_at = fields.String(allow_none=True)
    rejected_reason = fields.String(allow_none=True)
    paid_at = fields.String(allow_none=True)
    payment_reference = fields.String(allow_none=True)
    days_to_pay = fields.Float(allow_none=True)
    erased = fields.Boolean()
    flags = fields.Dict(metadata={"description": "tax and benefits: 'get advice', never a "
                                                 "decision"})
    yearly_total = fields.Nested(PaymentYearlyTotal)
    benefits_advice_recorded = fields.Boolean()
    notice = fields.String()
    replayed = fields.Boolean(metadata={"description": "The same claim_key and body again"})
    already_paid = fields.Boolean()


class PaymentPerson(Schema):
    person_id = fields.String()
    claims = fields.List(fields.Nested(PaymentClaim))
    this_tax_year = fields.Nested(PaymentYearlyTotal)
    tax_years = fields.List(fields.String())
    benefits_advice = fields.List(fields.Dict())
    median_days_to_pay = fields.Float(allow_none=True)


class CommissioningMyInvolvement(Schema):
    person_id = fields.String()
    groups = fields.List(fields.Dict())
    to_sign = fields.List(fields.Nested(CommissioningAgreement))
    upcoming = fields.List(fields.Dict(), metadata={
        "description": "Meetings coming up, each with before_you_go warnings"})
    may_share_now = fields.List(fields.Nested(CommissioningItem))
    keep_confidential = fields.List(fields.Nested(CommissioningItem))
    interests = fields.List(fields.Dict())
    payments = fields.Nested(PaymentPerson)
