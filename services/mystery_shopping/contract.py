"""The field rules of the mystery_shopping API, written once: what the service accepts over RPC,
what the gateway's HTTP API accepts (the same classes, documented in /openapi.json under these
names), what a question-set plugin's questions must be, and the numbers the pages' forms check.

Errors name the field, answers as ``answers.<question id>``. What only the service can know (for
example whether an answer fits its question's kind: yes/no, a 1-5 rating or words, or whether a
care service is the organisation's) is checked by the service's modules, not here
(docs/mystery-shopping-service.md). Plain marshmallow: the gateway imports this module.
"""
from decimal import ROUND_HALF_UP, Decimal

from marshmallow import ValidationError, fields, validate, validates_schema

from involve.kernel.schemas import Partial, StrictSchema

PERSONAS = ("potential_client", "family_member", "referrer")
KINDS = ("yes_no", "scale_1_5", "text")
SCORED_KINDS = ("yes_no", "scale_1_5")
MEASURES = ("efficiency", "feeling")
DEFAULT_INFORMATION = "Only what the service's public website says."
QUESTION_ID = r"^[a-z0-9][a-z0-9_-]{0,63}$"
SET_KEY = r"^[a-z0-9][a-z0-9._-]{1,99}$"
MAX_ID = 100  # a question set's, a care service's id
MAX_PERSON_ID = 36
SET_TITLE = (3, 200)  # characters, fewest and most
MAX_DESCRIPTION = 2000
MAX_QUESTIONS = 100
QUESTION_TEXT = (3, 500)
MAX_GUIDANCE = 1000
MAX_WEIGHT = 100  # a scored question's weight is above 0 and at most this
MAX_SERVICES = 200  # care services in a round, or used by a shopper
ROUND_NAME = (3, 200)
CALLS_PER_SERVICE = (1, 10)
DEFAULT_CALLS_PER_SERVICE = 2
INFORMATION = (3, 2000)
MAX_REASON = 500
MAX_SECONDS_TO_ANSWER = 3600
MAX_NOTES = 5000
MAX_ANSWERS = 200
MAX_TEXT_ANSWER = 2000
# Worked out from other fields of the call, never asked (MysteryQuestion.answered_within_seconds).
DERIVED = ("answered_within_seconds",)


def derived_answer(question: dict, seconds_to_answer):
    """The answer a question's ``answered_within_seconds`` gives for these seconds, or None
    (the question is asked as usual, or the seconds are not known yet)."""
    limit = question.get("answered_within_seconds")
    if limit is None or seconds_to_answer is None:
        return None
    return "yes" if seconds_to_answer <= limit else "no"

# How the report's numbers are rounded, once, by the service (half up: 4.75 stays 4.75, 87.25 is
# 87.3): the report page, the CSV and the PDF all show the numbers as the service gives them.
EFFICIENCY_DECIMALS = 1  # efficiency and the share of yes answers, 0-100
FEELING_DECIMALS = 2  # feeling and mean ratings, 1-5


def rounded(value, decimals: int):
    """``value`` rounded half up to ``decimals`` places (None stays None)."""
    if value is None:
        return None
    step = Decimal(1).scaleb(-decimals)
    return float(Decimal(repr(float(value))).quantize(step, rounding=ROUND_HALF_UP))


def score_text(value, decimals: int, missing: str = "Not scored") -> str:
    """A reported number as people read it, the same on the page, in the CSV and the PDF:
    rounded as above, without trailing zeros (4.75, 4.5, 60)."""
    if value is None:
        return missing
    text = f"{rounded(value, decimals):.{decimals}f}"
    return text.rstrip("0").rstrip(".") if "." in text else text


_id = validate.Length(min=1, max=MAX_ID, error=f"Use between 1 and {MAX_ID} characters.")
_persona = validate.OneOf(PERSONAS, error="Choose one of: {choices}.")


def _between(limits: tuple[int, int]) -> validate.Length:
    low, high = limits
    return validate.Length(min=low, max=high, error=f"Use between {low} and {high} characters.")


def _at_most(high: int) -> validate.Length:
    return validate.Length(max=high, error=f"Use at most {high} characters.")


def _personas(**kwargs) -> fields.List:
    return fields.List(fields.String(validate=_persona), validate=validate.Length(
        min=1, max=len(PERSONAS), error="Choose at least one persona."), **kwargs)


# --- question sets --------------------------------------------------------------------------------
class MysteryQuestion(StrictSchema):
    """One question of a set (an organisation's edit, or a plugin's set)."""
    id = fields.String(required=True, validate=validate.Regexp(
        QUESTION_ID, error="Use up to 64 lower-case letters, digits, - or _, starting with a "
                           "letter or digit."), metadata={"example": "felt-welcome"})
    text = fields.String(required=True, validate=_between(QUESTION_TEXT),
                         metadata={"example": "How welcome did you feel?"})
    kind = fields.String(required=True, validate=validate.OneOf(
        KINDS, error="Choose one of: {choices}."))
    measures = fields.String(required=True, validate=validate.OneOf(
        MEASURES, error="Choose one of: {choices}."))
    weight = fields.Float(load_default=1.0, allow_nan=False, validate=validate.Range(
        min=0, max=MAX_WEIGHT,
        error=f"Use a number from 0 to {MAX_WEIGHT} (0 only for text questions)."))
    guidance = fields.String(load_default="", validate=_at_most(MAX_GUIDANCE))
    answered_within_seconds = fields.Integer(strict=True, validate=validate.Range(
        min=1, max=MAX_SECONDS_TO_ANSWER,
        error=f"Use a whole number of seconds from 1 to {MAX_SECONDS_TO_ANSWER}."), metadata={
        "description": "Optional, for a yes/no question such as \"Was the call answered within "
                       "60 seconds?\": its answer is worked out from the call's "
                       "seconds_to_answer (yes when it is this many or fewer), so the shopper "
                       "is asked once"})

    @validates_schema
    def _weight(self, data, **kwargs):
        if data.get("kind") in SCORED_KINDS and data.get("weight", 1.0) <= 0:
            raise ValidationError("A scored question needs a weight above 0.", "weight")
        if "answered_within_seconds" in data and data.get("kind") != "yes_no":
            raise ValidationError("Only a yes/no question can be worked out from the seconds "
                                  "to answer.", "answered_within_seconds")


class MysteryQuestionSetEdit(StrictSchema):
    """Only the fields sent are changed. A set already used by a round is not changed: a new
    version is stored for the organisation instead."""
    title = fields.String(validate=_between(SET_TITLE))
    description = fields.String(validate=_at_most(MAX_DESCRIPTION))
    questions = fields.List(fields.Nested(MysteryQuestion), validate=validate.Length(
        min=1, max=MAX_QUESTIONS, error=f"Give between 1 and {MAX_QUESTIONS} questions."))

    @validates_schema
    def _unique(self, data, **kwargs):
        ids = [q["id"] for q in data.get("questions") or []]
        repeated = sorted({i for i in ids if ids.count(i) > 1})
        if repeated:
            raise ValidationError(f"Each question needs its own id: {', '.join(repeated)} "
                                  "is used more than once.", "questions")


# --- shoppers ---------------------------------------------------------------------------------------
class _ShopperChoices(StrictSchema):
    services_used = fields.List(fields.String(validate=_id), load_default=list,
                                validate=validate.Length(max=MAX_SERVICES), metadata={
        "description": "Care services they use or have used: never assigned to those"})
    personas = _personas(load_default=lambda: list(PERSONAS))


class MysteryShopperCreate(_ShopperChoices):
    person_id = fields.String(required=True, validate=validate.Length(
        min=1, max=MAX_PERSON_ID, error="Use the person's id from the people list."))


class MysteryShopperUpdate(Partial, _ShopperChoices):
    """Only the fields sent are changed."""


# --- rounds and assignments ------------------------------------------------------------------------
class MysteryRoundCreate(StrictSchema):
    name = fields.String(required=True, validate=_between(ROUND_NAME),
                         metadata={"example": "January-February first contact"})
    question_set_id = fields.String(required=True, validate=_id)
    care_service_ids = fields.List(fields.String(validate=_id), required=True,
                                   validate=validate.Length(
                                       min=1, max=MAX_SERVICES,
                                       error="Choose at least one care service."))
    personas = _personas(load_default=lambda: list(PERSONAS))
    calls_per_service = fields.Integer(
        load_default=DEFAULT_CALLS_PER_SERVICE, strict=True, validate=validate.Range(
            min=CALLS_PER_SERVICE[0], max=CALLS_PER_SERVICE[1],
            error=f"Use a whole number from {CALLS_PER_SERVICE[0]} to {CALLS_PER_SERVICE[1]}."))
    starts_on = fields.Date(required=True, metadata={"example": "2026-01-05"})
    ends_on = fields.Date(required=True, metadata={"example": "2026-02-27"})
    information_allowed = fields.String(load_default=DEFAULT_INFORMATION,
                                        validate=_between(INFORMATION))
    seed = fields.Integer(load_default=None, allow_none=True, strict=True, validate=validate.Range(
        min=0, max=2**63 - 1, error="Use a whole number from 0 to 2^63-1."))

    @validates_schema
    def _dates(self, data, **kwargs):
        if data.get("starts_on") and data.get("ends_on") and data["ends_on"] < data["starts_on"]:
            raise ValidationError("The round must end on or after the day it starts.", "ends_on")


class MysteryReassign(StrictSchema):
    reason = fields.String(load_default="", validate=_at_most(MAX_REASON), metadata={
        "description": "Why (kept with the assignment; do not put health details here)"})


# --- calls --------------------------------------------------------------------------------------------
class MysteryCall(StrictSchema):
    """A call record. Saving a draft accepts any part of it; submitting checks it is complete.
    ``answers``: question id → "yes"/"no", a whole number 1-5, or words (at most 2000 characters),
    as the question's kind says (the service checks each answer against its question)."""
    called_at = fields.AwareDateTime(allow_none=True, metadata={"example": "2026-01-12T10:15:00Z"},
                                     error_messages={"naive": "Give a time zone, e.g. Z."})
    persona = fields.String(allow_none=True, validate=_persona)
    seconds_to_answer = fields.Integer(allow_none=True, strict=True, validate=validate.Range(
        min=0, max=MAX_SECONDS_TO_ANSWER,
        error=f"Use a whole number of seconds from 0 to {MAX_SECONDS_TO_ANSWER}."))
    answers = fields.Dict(keys=fields.String(), values=fields.Raw(allow_none=True), metadata={
        "example": {"answered-60s": "yes", "felt-welcome": 4,
                    "notes": "Warm and unhurried; they asked how I was."}})
    notes = fields.String(allow_none=True, validate=_at_most(MAX_NOTES))
    callback_promised = fields.Boolean(allow_none=True)
    callback_happened = fields.Boolean(allow_none=True)
    care_service_id = fields.String(allow_none=True, validate=_id, metadata={
        "description": "Optional: the service you called; it must be the assignment's"})

    @validates_schema(skip_on_field_errors=False)
    def _answer_shapes(self, data, **kwargs):
        answers = data.get("answers") or {}
        errors = {}
        if len(answers) > MAX_ANSWERS:
            errors["answers"] = [f"Send at most {MAX_ANSWERS} answers."]
        for key, value in answers.items():
            name = f"answers.{key}"
            if not isinstance(key, str) or not 1 <= len(key) <= MAX_ID:
                errors["answers"] = [f"Each answer needs its question's id (at most {MAX_ID} "
                                     "characters)."]
            elif value is None:
                continue
            elif isinstance(value, bool) or not isinstance(value, (str, int, float)):
                errors[name] = ["Answer with yes or no, a whole number from 1 to 5, or words."]
            elif isinstance(value, str) and len(value) > MAX_TEXT_ANSWER:
                errors[name] = [f"Use at most {MAX_TEXT_ANSWER} characters."]
        if errors:
            raise ValidationError(errors)
