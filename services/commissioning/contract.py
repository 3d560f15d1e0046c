"""The field rules of the commissioning API, written once: what the service accepts over RPC and
what the gateway's HTTP API will accept (the same classes, documented in /openapi.json under
these names). Plain marshmallow: the gateway area imports this module.

Errors name the field in plain English. What only the service can know (whether a person is a
member of the organisation, whether a care service is the organisation's, whether a paper may be
read by the caller) is checked by the service's modules, not here
(docs/commissioning-service.md). Money is given as a string or a whole number of pounds and pence
("15.00", "12.5", 15), never more than two decimal places, and comes back as a string.
"""
from __future__ import annotations

import re
from decimal import Decimal, InvalidOperation

from marshmallow import ValidationError, fields, validate, validates_schema

from involve.kernel.schemas import Partial, StrictSchema

PHASES = ("analyse", "plan", "do", "review")
GROUP_KINDS = ("reference", "steering", "evaluation_panel", "peer")
# The capacity in which someone sits on a group; the service-user share counts service_user.
CAPACITIES = ("service_user", "carer", "staff", "commissioner", "provider", "other")
BUDGET_KINDS = ("project_management", "training_and_support", "reimbursement", "other")
BUILTIN_TRAINING = {
    "interviewing_providers": "Interviewing potential providers",
    "options_appraisal": "Options appraisal",
    "quality_assessment": "Quality assessment of services",
    "confidential_information": "Handling confidential information",
}
SELECTIONS = ("coordinator", "panel")
MEETING_KINDS = ("meeting", "interview", "visit", "consultation", "other")
ATTENDANCE = ("attended", "apologies", "absent")
CONFLICT_KINDS = ("uses_service", "works_for_bidder", "family_at_bidder", "other")
CONFLICT_DECISIONS = ("may_score", "may_not_score")
CATEGORIES = ("quality", "price", "social_value")
DEFAULT_WEIGHTS = {"quality": 70, "price": 20, "social_value": 10}
ACTIVITY_KINDS = ("commissioning_meeting", "panel_session", "mystery_shopping_round", "other")
RATE_UNITS = ("hour", "session")
METHODS = ("bank", "voucher", "cash")
PAYMENT_CHOICES = ("full", "reduced", "declined")
EXPENSE_KINDS = ("travel", "mileage", "childcare", "carer_cover", "other")
JARGON_KINDS = ("jargon", "acronym")

MAX_PERSON_ID = 36
MAX_ID = 100
TITLE = (3, 200)
LONG_TEXT = 5000
MAX_PAPER = 100_000
MAX_MONEY = Decimal("1000000")
TRAINING_KEY = r"^[a-z][a-z0-9_]{1,59}$"
CLAIM_KEY = r"^[A-Za-z0-9][A-Za-z0-9:._-]{7,199}$"
SCORE = (0, 5)


def _between(low: int, high: int) -> validate.Length:
    return validate.Length(min=low, max=high, error=f"Use between {low} and {high} characters.")


def _at_most(high: int) -> validate.Length:
    return validate.Length(max=high, error=f"Use at most {high} characters.")


def _choice(choices) -> validate.OneOf:
    return validate.OneOf(choices, error="Choose one of: {choices}.")


def _text(low=1, high=LONG_TEXT, **kw) -> fields.String:
    return fields.String(validate=_between(low, high), **kw)


def _optional_text(high=LONG_TEXT, **kw) -> fields.String:
    return fields.String(load_default="", validate=_at_most(high), **kw)


def _person(**kw) -> fields.String:
    return fields.String(validate=validate.Length(
        min=1, max=MAX_PERSON_ID, error="Use the person's id from the people list."), **kw)


def _people(**kw) -> fields.List:
    return fields.List(_person(), validate=validate.Length(
        max=200, error="Give at most 200 people."), **kw)


def _id(**kw) -> fields.String:
    return fields.String(validate=validate.Length(
        min=1, max=MAX_ID, error=f"Use between 1 and {MAX_ID} characters."), **kw)


class Money(fields.Decimal):
    """Pounds and pence: at least 0, at most two decimal places, never a float's noise."""

    def __init__(self, *, maximum: Decimal = MAX_MONEY, **kwargs):
        self.maximum = maximum
        super().__init__(places=None, allow_nan=False, as_string=True, **kwargs)

    def _deserialize(self, value, attr, data, **kwargs):
        if isinstance(value, bool) or not isinstance(value, (str, int, float, Decimal)):
            raise ValidationError("Give an amount in pounds, such as 15.00.")
        try:
            amount = Decimal(str(value).strip())
        except (InvalidOperation, ValueError):
            raise ValidationError("Give an amount in pounds, such as 15.00.") from None
        if not amount.is_finite():
            raise ValidationError("Give an amount in pounds, such as 15.00.")
        if amount < 0:
            raise ValidationError("The amount cannot be negative.")
        if amount > self.maximum:
            raise ValidationError(f"The amount can be at most {self.maximum:,}.")
        if amount.as_tuple().exponent < -2:
            raise ValidationError("Use pounds and pence: at most two decimal places.")
        return amount.quantize(Decimal("0.01"))


class Hours(fields.Decimal):
    """A number of hours in quarters of an hour at most (e.g. 1.5 or 2.25)."""

    def __init__(self, *, maximum: int = 24, **kwargs):
        self.maximum = maximum
        super().__init__(places=None, allow_nan=False, as_string=True, **kwargs)

    def _deserialize(self, value, attr, data, **kwargs):
        if isinstance(value, bool) or not isinstance(value, (str, int, float, Decimal)):
            raise ValidationError("Give a number of hours, such as 1.5.")
        try:
            hours = Decimal(str(value).strip())
        except (InvalidOperation, ValueError):
            raise ValidationError("Give a number of hours, such as 1.5.") from None
        if not hours.is_finite() or hours < 0 or hours > self.maximum:
            raise ValidationError(f"Give a number of hours from 0 to {self.maximum}.")
        if (hours * 4) % 1 != 0:
            raise ValidationError("Give hours in quarters of an hour (such as 1.25 or 1.5).")
        return hours.quantize(Decimal("0.01"))


def _training_list(**kw) -> fields.List:
    return fields.List(fields.String(validate=validate.Regexp(
        TRAINING_KEY, error="Use a training kind's key, such as interviewing_providers.")),
        load_default=list, validate=validate.Length(max=20, error="Give at most 20."), **kw)


# --- projects ------------------------------------------------------------------------------------
class CommissioningWeights(StrictSchema):
    """Quality / price / social value weights in per cent; they must add up to 100."""
    quality = fields.Integer(required=True, strict=True, validate=validate.Range(
        min=0, max=100, error="Use a whole number from 0 to 100."))
    price = fields.Integer(required=True, strict=True, validate=validate.Range(
        min=0, max=100, error="Use a whole number from 0 to 100."))
    social_value = fields.Integer(required=True, strict=True, validate=validate.Range(
        min=0, max=100, error="Use a whole number from 0 to 100."))

    @validates_schema
    def _sum(self, data, **kwargs):
        if len(data) == 3 and sum(data.values()) != 100:
            raise ValidationError(f"The weights must add up to 100 (they add up to "
                                  f"{sum(data.values())}).", "quality")


class CommissioningProjectCreate(StrictSchema):
    """A re-commissioning project, with the clarity of purpose the commissioner's guide asks
    for: what is negotiable and what is not, where formal responsibility lies, how decisions
    are made."""
    title = _text(*TITLE, required=True, metadata={"example": "Re-commissioning day services"})
    purpose = _text(3, LONG_TEXT, required=True)
    care_service_ids = fields.List(_id(), required=True, validate=validate.Length(
        min=1, max=50, error="Choose between 1 and 50 care services."))
    negotiable = _optional_text(metadata={"description": "What service users can change"})
    not_negotiable = _optional_text(metadata={"description": "What is fixed, and why"})
    formal_responsibility = _optional_text(metadata={
        "description": "Where formal responsibility for the decisions ultimately lies"})
    how_decisions_are_made = _optional_text()
    project_manager_id = _person(load_default=None, allow_none=True)
    lead_officer_id = _person(load_default=None, allow_none=True, metadata={
        "description": "A senior member of staff who can make decisions and attends meetings"})
    deputy_id = _person(load_default=None, allow_none=True)
    evaluation_weights = fields.Nested(CommissioningWeights,
                                       load_default=lambda: dict(DEFAULT_WEIGHTS))
    price_scored_separately = fields.Boolean(load_default=False, metadata={
        "description": "Price is scored by named price evaluators, apart from quality"})

    @validates_schema
    def _deputy(self, data, **kwargs):
        lead, deputy = data.get("lead_officer_id"), data.get("deputy_id")
        if lead and deputy and lead == deputy:
            raise ValidationError("The deputy must be someone other than the lead officer.",
                                  "deputy_id")


class CommissioningProjectUpdate(Partial, CommissioningProjectCreate):
    """Only the fields sent are changed."""


class CommissioningPhaseChange(StrictSchema):
    phase = fields.String(required=True, validate=_choice(PHASES))
    note = _optional_text(1000)


class CommissioningPrinciple(StrictSchema):
    """A principle agreed with service users at the start, with who agreed it."""
    text = _text(3, 2000, required=True,
                 metadata={"example": "Nobody loses a service before its replacement is open."})
    agreed_on = fields.Date(required=True)
    agreed_by = fields.List(_person(), required=True, validate=validate.Length(
        min=1, max=200, error="Name at least one service user who agreed this principle."))
    how_agreed = _optional_text(500, metadata={"example": "Reference group meeting"})


class CommissioningBudgetLine(StrictSchema):
    kind = fields.String(required=True, validate=_choice(BUDGET_KINDS))
    description = _optional_text(300)
    amount = Money(required=True)


class CommissioningSpend(StrictSchema):
    amount = Money(required=True)
    spent_on = fields.Date(required=True)
    description = _optional_text(300)


# --- groups and opportunities -------------------------------------------------------------------
class CommissioningGroupCreate(StrictSchema):
    kind = fields.String(required=True, validate=_choice(GROUP_KINDS), metadata={
        "description": "peer: service users only, where they can talk confidentially"})
    name = _text(*TITLE, required=True)
    required_training = _training_list(metadata={
        "description": "Training kinds every member needs before taking part"})


class CommissioningMembership(StrictSchema):
    person_id = _person(required=True)
    capacity = fields.String(required=True, validate=_choice(CAPACITIES))
    role = fields.String(load_default="member", validate=_between(1, 100))
    starts_on = fields.Date(load_default=None, allow_none=True,
                            metadata={"description": "Default: today"})
    ends_on = fields.Date(load_default=None, allow_none=True)

    @validates_schema
    def _dates(self, data, **kwargs):
        if data.get("starts_on") and data.get("ends_on") and data["ends_on"] < data["starts_on"]:
            raise ValidationError("The membership must end on or after the day it starts.",
                                  "ends_on")


class CommissioningMembershipEnd(StrictSchema):
    ends_on = fields.Date(required=True)


class CommissioningOpportunityCreate(StrictSchema):
    """An involvement opportunity, described as the guide asks: what it is, the time it takes,
    the payment offered, the training and support given, and how it is made accessible."""
    title = _text(*TITLE, required=True)
    activity = _text(3, LONG_TEXT, required=True)
    time_commitment = _text(3, 1000, required=True,
                            metadata={"example": "Two hours a month for six months"})
    payment_offered = _text(3, 1000, required=True,
                            metadata={"example": "£25 an hour, travel paid"})
    training_and_support = _text(3, LONG_TEXT, required=True)
    accessibility = _text(3, LONG_TEXT, required=True)
    places = fields.Integer(required=True, strict=True, validate=validate.Range(
        min=1, max=100, error="Use a whole number from 1 to 100."))
    group_id = _id(load_default=None, allow_none=True, metadata={
        "description": "The group the people selected join"})
    selection = fields.String(load_default="coordinator", validate=_choice(SELECTIONS), metadata={
        "description": "coordinator: chosen by a coordinator; panel: drawn fairly by the "
                       "panels service from a campaign"})
    closes_on = fields.Date(load_default=None, allow_none=True)


class CommissioningPanelCampaign(StrictSchema):
    """Asks the panels service to open a campaign for an opportunity; the categories and quotas
    are the panels service's (docs/panels-service.md), checked there."""
    categories = fields.List(fields.Dict(), required=True, validate=validate.Length(
        min=1, max=30, error="Give between 1 and 30 categories."))
    quota_rule = fields.Dict(load_default=None, allow_none=True)
    household_rule = fields.Boolean(load_default=True)
    closes_at = fields.AwareDateTime(load_default=None, allow_none=True,
                                     error_messages={"naive": "Give a time zone, e.g. Z."})


class CommissioningInterest(StrictSchema):
    """Someone expresses interest. For an opportunity selected through a panel, the answers to
    the campaign's questions go to the panels service and are not kept here."""
    note = _optional_text(1000, metadata={"description": "Why you are interested (optional)"})
    answers = fields.Dict(keys=fields.String(validate=_at_most(100)),
                          values=fields.String(validate=_at_most(100)), load_default=None,
                          allow_none=True)
    household_address = fields.String(load_default=None, allow_none=True,
                                      validate=_at_most(400), load_only=True)
    consent_to_contact = fields.Boolean(load_default=True)
    consent_to_selection = fields.Boolean(load_default=None, allow_none=True)


class CommissioningSelection(StrictSchema):
    """A coordinator's choice: these people are selected, everyone else who expressed interest
    is told they were not this time."""
    person_ids = fields.List(_person(), required=True, validate=validate.Length(
        min=1, max=100, error="Choose between 1 and 100 people."))
    capacity = fields.String(load_default="service_user", validate=_choice(CAPACITIES),
                             metadata={"description": "How they join the opportunity's group"})


# --- working agreements and training ------------------------------------------------------------
AGREEMENT_FIELDS = ("role", "remit", "responsibilities", "time_commitment", "support",
                    "supervision", "training", "ground_rules", "accountability",
                    "equal_opportunities", "complaints_process", "reimbursement_terms")


class CommissioningAgreementTerms(StrictSchema):
    """Everything the guide's working agreement sets out."""
    role = _text(1, 1000, required=True)
    remit = _text(1, 3000, required=True)
    responsibilities = _text(1, 3000, required=True)
    time_commitment = _text(1, 1000, required=True)
    support = _text(1, 3000, required=True)
    supervision = _text(1, 3000, required=True)
    training = _text(1, 3000, required=True)
    ground_rules = _text(1, 3000, required=True,
                         metadata={"description": "Core principles and ground rules of meetings"})
    accountability = _text(1, 3000, required=True)
    equal_opportunities = _text(1, 3000, required=True)
    complaints_process = _text(1, 3000, required=True)
    reimbursement_terms = _text(1, 3000, required=True)


class CommissioningAgreementCreate(CommissioningAgreementTerms):
    person_id = _person(required=True)


class CommissioningAgreementChange(Partial, CommissioningAgreementTerms):
    """The fields sent change; a new version is made that both must sign again."""


class CommissioningTrainingKind(StrictSchema):
    key = fields.String(required=True, validate=validate.Regexp(
        TRAINING_KEY, error="Use 2 to 60 lower-case letters, digits or _, starting with a "
                            "letter."), metadata={"example": "safeguarding"})
    label = _text(3, 200, required=True)


class CommissioningTrainingRecord(StrictSchema):
    person_id = _person(required=True)
    kind = fields.String(required=True, validate=validate.Regexp(
        TRAINING_KEY, error="Use a training kind's key, such as interviewing_providers."))
    completed_on = fields.Date(required=True)
    provider = _optional_text(200)


# --- meetings -----------------------------------------------------------------------------------
class CommissioningAgendaItem(StrictSchema):
    title = _text(1, 200, required=True)
    description = _optional_text(2000)


class CommissioningMeetingCreate(StrictSchema):
    title = _text(*TITLE, required=True)
    kind = fields.String(load_default="meeting", validate=_choice(MEETING_KINDS), metadata={
        "description": "interview: an interview or evaluation panel with providers"})
    group_id = _id(load_default=None, allow_none=True)
    starts_at = fields.AwareDateTime(required=True,
                                     error_messages={"naive": "Give a time zone, e.g. Z."})
    hours = Hours(load_default=Decimal("2"), maximum=12)
    preparation_hours = Hours(load_default=Decimal("0"), maximum=20)
    location = _optional_text(300)
    accessibility = _optional_text(2000)
    agenda = fields.List(fields.Nested(CommissioningAgendaItem), load_default=list,
                         validate=validate.Length(max=50, error="Give at most 50 items."))
    required_training = _training_list()


class CommissioningPaper(StrictSchema):
    title = _text(*TITLE, required=True)
    body = _text(1, MAX_PAPER, required=True)
    confidential_item_id = _id(load_default=None, allow_none=True, metadata={
        "description": "Confidential until that item of a briefing is released"})


class CommissioningPaperIssue(StrictSchema):
    issue_anyway = fields.Boolean(load_default=False, metadata={
        "description": "Send it out although the plain-English check found problems"})
    reason = _optional_text(500)

    @validates_schema
    def _reason(self, data, **kwargs):
        if data.get("issue_anyway") and not data.get("reason", "").strip():
            raise ValidationError("Say why the paper goes out as it is.", "reason")


class CommissioningAttendee(StrictSchema):
    person_id = _person(required=True)
    status = fields.String(required=True, validate=_choice(ATTENDANCE))


class CommissioningMeetingHeld(StrictSchema):
    """The meeting took place: who attended (the lead officer and deputy too) and the minutes."""
    attendance = fields.List(fields.Nested(CommissioningAttendee), required=True,
                             validate=validate.Length(min=1, max=300,
                                                      error="Give between 1 and 300 people."))
    minutes = _optional_text(MAX_PAPER)
    held_at = fields.AwareDateTime(load_default=None, allow_none=True,
                                   error_messages={"naive": "Give a time zone, e.g. Z."})

    @validates_schema
    def _unique(self, data, **kwargs):
        ids = [a["person_id"] for a in data.get("attendance") or []]
        if len(ids) != len(set(ids)):
            raise ValidationError("Each person is listed once.", "attendance")


class CommissioningDecision(StrictSchema):
    text = _text(3, LONG_TEXT, required=True)
    reasons = _text(3, LONG_TEXT, required=True, error_messages={
        "required": "Say why this was decided."})
    confidential_item_id = _id(load_default=None, allow_none=True)


class CommissioningJargonTerm(StrictSchema):
    term = _text(2, 100, required=True, metadata={"example": "QIPP"})
    plain = _optional_text(300, metadata={"example": "a national savings programme"})
    kind = fields.String(load_default="jargon", validate=_choice(JARGON_KINDS))


class CommissioningTextCheck(StrictSchema):
    text = _text(1, MAX_PAPER, required=True)


# --- confidentiality -----------------------------------------------------------------------------
class CommissioningConfidentialItem(StrictSchema):
    """Kept confidential until a time (``until``) or an event (``until_event``), not both."""
    title = _text(3, 200, required=True, metadata={
        "description": "What it is about, as members will see it"})
    detail = _text(1, LONG_TEXT, required=True)
    until = fields.AwareDateTime(load_default=None, allow_none=True,
                                 error_messages={"naive": "Give a time zone, e.g. Z."})
    until_event = fields.String(load_default=None, allow_none=True, validate=_between(3, 200),
                                metadata={"example": "contract awarded"})

    @validates_schema
    def _one(self, data, **kwargs):
        if (data.get("until") is None) == (data.get("until_event") is None):
            raise ValidationError("Give either a time (until) or an event (until_event) for "
                                  "when this may be shared.", "until")


class CommissioningBriefing(StrictSchema):
    """The commissioner's briefing at the end of a meeting: what is confidential, until when."""
    group_id = _id(load_default=None, allow_none=True, metadata={
        "description": "Who may know (default: the meeting's group)"})
    items = fields.List(fields.Nested(CommissioningConfidentialItem), required=True,
                        validate=validate.Length(min=1, max=50,
                                                 error="Give between 1 and 50 items."))


class CommissioningReleaseEvent(StrictSchema):
    event = _text(3, 200, required=True, metadata={"example": "contract awarded"})


# --- conflicts and evaluation --------------------------------------------------------------------
class CommissioningConflict(StrictSchema):
    kind = fields.String(required=True, validate=_choice(CONFLICT_KINDS))
    description = _optional_text(2000)
    care_service_id = _id(load_default=None, allow_none=True)
    bidder_id = _id(load_default=None, allow_none=True)
    person_id = _person(load_default=None, allow_none=True, metadata={
        "description": "Default: yourself (a coordinator may record someone's declaration)"})


class CommissioningConflictDecision(StrictSchema):
    """The steering group's decision on a declared conflict."""
    decision = fields.String(required=True, validate=_choice(CONFLICT_DECISIONS))
    reason = _text(3, 2000, required=True)
    meeting_id = _id(load_default=None, allow_none=True)


class CommissioningTenderCreate(StrictSchema):
    title = _text(*TITLE, required=True)
    description = _optional_text()
    weights = fields.Nested(CommissioningWeights, load_default=None, allow_none=True, metadata={
        "description": "Default: the project's evaluation weights"})
    price_scored_separately = fields.Boolean(load_default=None, allow_none=True)
    evaluation_group_id = _id(required=True, metadata={
        "description": "The interview/evaluation panel whose members score"})
    price_evaluator_ids = _people(load_default=list)
    value_amount = Money(load_default=None, allow_none=True, maximum=Decimal("1000000000"))
    currency = fields.String(load_default="GBP", validate=validate.Regexp(
        r"^[A-Z]{3}$", error="Use a three-letter currency code, such as GBP."))


class CommissioningBidder(StrictSchema):
    name = _text(2, 200, required=True)
    care_service_ids = fields.List(_id(), load_default=list, validate=validate.Length(
        max=50, error="Give at most 50."), metadata={"description": "Services it runs now"})
    bid_value = Money(load_default=None, allow_none=True, maximum=Decimal("1000000000"))


class CommissioningQuestion(StrictSchema):
    category = fields.String(required=True, validate=_choice(CATEGORIES))
    text = _text(3, 2000, required=True)
    weight = fields.Decimal(load_default=Decimal("1"), places=2, allow_nan=False, as_string=True,
                            validate=validate.Range(min=Decimal("0.01"), max=100,
                                                    error="Use a number above 0, at most 100."))


class CommissioningScore(StrictSchema):
    question_id = _id(required=True)
    score = fields.Integer(required=True, strict=True, validate=validate.Range(
        min=SCORE[0], max=SCORE[1], error="Score from 0 to 5."))
    justification = _text(3, 3000, required=True, error_messages={
        "required": "Say why you gave this score."})


class CommissioningScores(StrictSchema):
    scores = fields.List(fields.Nested(CommissioningScore), required=True,
                         validate=validate.Length(min=1, max=200,
                                                  error="Give between 1 and 200 scores."))


class CommissioningModeration(StrictSchema):
    bidder_id = _id(required=True)
    question_id = _id(required=True)
    score = fields.Integer(required=True, strict=True, validate=validate.Range(
        min=SCORE[0], max=SCORE[1], error="Score from 0 to 5."))
    rationale = _text(3, 3000, required=True)


class CommissioningAward(StrictSchema):
    bidder_id = _id(required=True)
    value = Money(load_default=None, allow_none=True, maximum=Decimal("1000000000"))


# --- payments ------------------------------------------------------------------------------------
class PaymentRate(StrictSchema):
    activity_kind = fields.String(required=True, validate=_choice(ACTIVITY_KINDS))
    unit = fields.String(required=True, validate=_choice(RATE_UNITS))
    amount = Money(required=True, maximum=Decimal("10000"))


class PaymentPolicyCreate(StrictSchema):
    """A new version of the organisation's payment policy: rates are data, not code."""
    effective_from = fields.Date(required=True)
    rates = fields.List(fields.Nested(PaymentRate), required=True, validate=validate.Length(
        min=1, max=len(ACTIVITY_KINDS), error="Give a rate for each kind of activity, once."))
    mileage_rate = Money(load_default=Decimal("0.45"), maximum=Decimal("10"))
    yearly_threshold = Money(load_default=Decimal("1000.00"), metadata={
        "description": "Warn when a person's payments in a tax year reach this"})
    target_days_to_pay = fields.Integer(load_default=14, strict=True, validate=validate.Range(
        min=1, max=90, error="Use a whole number of days from 1 to 90."))
    notes = _optional_text(2000)

    @validates_schema
    def _unique(self, data, **kwargs):
        kinds = [r["activity_kind"] for r in data.get("rates") or []]
        if len(kinds) != len(set(kinds)):
            raise ValidationError("Give each kind of activity one rate.", "rates")


class BenefitsAdviceRecord(StrictSchema):
    """Benefits advice was offered to this person (before their first payment)."""
    person_id = _person(required=True)
    offered_on = fields.Date(required=True)
    taken_up = fields.Boolean(load_default=False)


class PaymentExpense(StrictSchema):
    kind = fields.String(required=True, validate=_choice(EXPENSE_KINDS))
    description = _optional_text(300)
    miles = fields.Decimal(load_default=None, allow_none=True, places=1, allow_nan=False,
                           as_string=True, validate=validate.Range(
                               min=Decimal("0.1"), max=1000,
                               error="Give the miles travelled, from 0.1 to 1000."))
    amount = Money(load_default=None, allow_none=True, maximum=Decimal("5000"))
    receipt = _optional_text(200, metadata={
        "description": "The receipt's reference (a ticket number, a photo's file name)"})

    @validates_schema
    def _shape(self, data, **kwargs):
        if data.get("kind") == "mileage":
            if data.get("miles") is None:
                raise ValidationError("Give the miles travelled.", "miles")
            if data.get("amount") is not None:
                raise ValidationError("Mileage is paid at the policy's rate: give the miles, "
                                      "not an amount.", "amount")
        elif data.get("kind"):
            if data.get("amount") is None:
                raise ValidationError("Give the amount spent.", "amount")
            if not data.get("receipt", "").strip():
                raise ValidationError("Give the receipt's reference (a ticket number or the "
                                      "photo's file name).", "receipt")


class PaymentClaimCreate(StrictSchema):
    """A claim for time and expenses for any involvement activity. ``claim_key`` makes it
    idempotent: sending the same claim again returns the one already made."""
    claim_key = fields.String(required=True, validate=validate.Regexp(
        CLAIM_KEY, error="Use 8 to 200 letters, digits or : . _ -, e.g. a form's id."))
    person_id = _person(load_default=None, allow_none=True, metadata={
        "description": "Default: yourself (a coordinator may claim for someone)"})
    activity_kind = fields.String(required=True, validate=_choice(ACTIVITY_KINDS))
    activity_ref = _optional_text(100, metadata={
        "description": "The meeting, campaign or round this was for"})
    project_id = _id(load_default=None, allow_none=True)
    role = _optional_text(100)
    activity_date = fields.Date(required=True)
    preparation_hours = Hours(load_default=Decimal("0"))
    attendance_hours = Hours(load_default=Decimal("0"))
    payment_choice = fields.String(load_default="full", validate=_choice(PAYMENT_CHOICES),
                                   metadata={"description": "People may decline or reduce "
                                                            "their payment"})
    reduced_fee = Money(load_default=None, allow_none=True)
    method = fields.String(required=True, validate=_choice(METHODS))
    expenses = fields.List(fields.Nested(PaymentExpense), load_default=list,
                           validate=validate.Length(max=20, error="Give at most 20 expenses."))

    @validates_schema
    def _choice(self, data, **kwargs):
        reduced = data.get("reduced_fee")
        if data.get("payment_choice") == "reduced" and reduced is None:
            raise ValidationError("Give the reduced amount you would like.", "reduced_fee")
        if data.get("payment_choice") != "reduced" and reduced is not None:
            raise ValidationError("Only a reduced payment has a reduced amount.", "reduced_fee")


class PaymentClaimReject(StrictSchema):
    reason = _text(3, 1000, required=True)


class PaymentMade(StrictSchema):
    payment_reference = _optional_text(100, metadata={
        "description": "The bank, voucher or cash book reference"})


CLAIM_STATUSES = ("draft", "submitted", "authorised", "paid", "rejected")


class PaymentClaimFilters(StrictSchema):
    status = fields.String(load_default=None, allow_none=True, validate=_choice(CLAIM_STATUSES))
    person_id = _person(load_default=None, allow_none=True)


class PaymentExportFilters(StrictSchema):
    paid_from = fields.Date(load_default=None, allow_none=True)
    paid_to = fields.Date(load_default=None, allow_none=True)


# --- bulletins -----------------------------------------------------------------------------------
class CommissioningBulletinCreate(StrictSchema):
    """A progress bulletin built only from released information."""
    title = _text(*TITLE, required=True)
    introduction = _text(1, 20_000, required=True)
    item_ids = fields.List(_id(), load_default=list, validate=validate.Length(
        max=50, error="Give at most 50."), metadata={
        "description": "Released briefing items to include"})
    decision_ids = fields.List(_id(), load_default=list, validate=validate.Length(
        max=50, error="Give at most 50."))


class CommissioningBulletinPublish(StrictSchema):
    publish_anyway = fields.Boolean(load_default=False, metadata={
        "description": "Publish although the plain-English check found problems"})
    reason = _optional_text(500)

    @validates_schema
    def _reason(self, data, **kwargs):
        if data.get("publish_anyway") and not data.get("reason", "").strip():
            raise ValidationError("Say why the bulletin goes out as it is.", "reason")


def case_key(text: str) -> str:
    """How names and terms compare: case-folded, with runs of spaces made one."""
    return re.sub(r"\s+", " ", text).strip().casefold()
