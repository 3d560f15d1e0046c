"""The mystery-shopping part of the public API's bodies (documented in /openapi.json).

The gateway checks the shape of what is sent; the mystery_shopping service checks it again at
its RPC boundary, together with what only it knows (for example whether an answer fits its
question's kind: yes/no, a 1-5 rating or words). Errors name the field, answers as
``answers.<question id>`` (docs/mystery-shopping-service.md).
"""
from marshmallow import Schema, ValidationError, fields, validate, validates_schema

from involve.kernel.schemas import StrictSchema

PERSONAS = ("potential_client", "family_member", "referrer")
KINDS = ("yes_no", "scale_1_5", "text")
MEASURES = ("efficiency", "feeling")
MAX_ANSWER_CHARACTERS = 2000
_id = validate.Length(min=1, max=100, error="Use between 1 and 100 characters.")
_persona = validate.OneOf(PERSONAS, error="Choose one of: {choices}.")


# --- question sets --------------------------------------------------------------------------------
class MysteryQuestion(StrictSchema):
    id = fields.String(required=True, validate=validate.Regexp(
        r"^[a-z0-9][a-z0-9_-]{0,63}$",
        error="Use up to 64 lower-case letters, digits, - or _, starting with a letter or digit."),
        metadata={"example": "felt-welcome"})
    text = fields.String(required=True, validate=validate.Length(
        min=3, max=500, error="Use between 3 and 500 characters."),
        metadata={"example": "How welcome did you feel?"})
    kind = fields.String(required=True, validate=validate.OneOf(
        KINDS, error="Choose one of: {choices}."))
    measures = fields.String(required=True, validate=validate.OneOf(
        MEASURES, error="Choose one of: {choices}."))
    weight = fields.Float(load_default=1.0, allow_nan=False, validate=validate.Range(
        min=0, max=100, error="Use a number from 0 to 100 (0 only for text questions)."))
    guidance = fields.String(load_default="", validate=validate.Length(
        max=1000, error="Use at most 1000 characters."))

    @validates_schema
    def _weight(self, data, **kwargs):
        if data.get("kind") in ("yes_no", "scale_1_5") and data.get("weight", 1.0) <= 0:
            raise ValidationError("A scored question needs a weight above 0.", "weight")


class MysteryQuestionSetEdit(StrictSchema):
    """Only the fields sent are changed. A set already used by a round is not changed: a new
    version is stored for the organisation instead."""
    title = fields.String(validate=validate.Length(min=3, max=200,
                                                   error="Use between 3 and 200 characters."))
    description = fields.String(validate=validate.Length(max=2000,
                                                         error="Use at most 2000 characters."))
    questions = fields.List(fields.Nested(MysteryQuestion), validate=validate.Length(
        min=1, max=100, error="Give between 1 and 100 questions."))

    @validates_schema
    def _unique(self, data, **kwargs):
        ids = [q["id"] for q in data.get("questions") or []]
        repeated = sorted({i for i in ids if ids.count(i) > 1})
        if repeated:
            raise ValidationError(f"Each question needs its own id: {', '.join(repeated)} "
                                  "is used more than once.", "questions")


class MysteryQuestionSet(Schema):
    id = fields.String(metadata={"description": "The stored version's id"})
    key = fields.String(metadata={"example": "involve.first-contact"})
    version = fields.Integer()
    title = fields.String()
    description = fields.String()
    source = fields.String(metadata={"description": "The plugin's name, or organisation"})
    frozen = fields.Boolean(metadata={"description": "Used by a round: editing makes a new "
                                                     "version"})
    superseded = fields.Boolean()
    questions = fields.List(fields.Dict())


class MysteryQuestionSetProblem(Schema):
    plugin = fields.String()
    set = fields.String(allow_none=True)
    question = fields.String(allow_none=True)
    message = fields.String()


# --- shoppers ---------------------------------------------------------------------------------------
class MysteryShopperCreate(StrictSchema):
    person_id = fields.String(required=True, validate=validate.Length(
        min=1, max=36, error="Use the person's id from the people list."))
    services_used = fields.List(fields.String(validate=_id), load_default=list,
                                validate=validate.Length(max=200), metadata={
        "description": "Care services they use or have used: never assigned to those"})
    personas = fields.List(fields.String(validate=_persona), load_default=lambda: list(PERSONAS),
                           validate=validate.Length(min=1, max=3,
                                                    error="Choose at least one persona."))


class MysteryShopperUpdate(StrictSchema):
    services_used = fields.List(fields.String(validate=_id), validate=validate.Length(max=200))
    personas = fields.List(fields.String(validate=_persona), validate=validate.Length(
        min=1, max=3, error="Choose at least one persona."))


class MysteryShopper(Schema):
    id = fields.String()
    person_id = fields.String()
    services_used = fields.List(fields.String())
    personas = fields.List(fields.String())
    active = fields.Boolean()
    assignments = fields.Integer()


# --- rounds and assignments ------------------------------------------------------------------------
class MysteryRoundCreate(StrictSchema):
    name = fields.String(required=True, validate=validate.Length(
        min=3, max=200, error="Use between 3 and 200 characters."),
        metadata={"example": "January-February first contact"})
    question_set_id = fields.String(required=True, validate=_id)
    care_service_ids = fields.List(fields.String(validate=_id), required=True,
                                   validate=validate.Length(
                                       min=1, max=200, error="Choose at least one care service."))
    personas = fields.List(fields.String(validate=_persona), load_default=lambda: list(PERSONAS),
                           validate=validate.Length(min=1, max=3,
                                                    error="Choose at least one persona."))
    calls_per_service = fields.Integer(load_default=2, strict=True, validate=validate.Range(
        min=1, max=10, error="Use a whole number from 1 to 10."))
    starts_on = fields.Date(required=True, metadata={"example": "2026-01-05"})
    ends_on = fields.Date(required=True, metadata={"example": "2026-02-27"})
    information_allowed = fields.String(
        load_default="Only what the service's public website says.",
        validate=validate.Length(min=3, max=2000, error="Use between 3 and 2000 characters."))
    seed = fields.Integer(load_default=None, allow_none=True, strict=True, validate=validate.Range(
        min=0, max=2**63 - 1, error="Use a whole number from 0 to 2^63-1."))

    @validates_schema
    def _dates(self, data, **kwargs):
        if data.get("starts_on") and data.get("ends_on") and data["ends_on"] < data["starts_on"]:
            raise ValidationError("The round must end on or after the day it starts.", "ends_on")


class MysteryAssignment(Schema):
    id = fields.String()
    round_id = fields.String()
    care_service_id = fields.String()
    shopper_id = fields.String(allow_none=True, metadata={"description": "Pseudonymous person id"})
    persona = fields.String()
    status = fields.String(metadata={"enum": ["assigned", "unassigned", "recorded"]})


class MysteryRound(Schema):
    id = fields.String()
    organisation_id = fields.String()
    name = fields.String()
    question_set_id = fields.String()
    question_set = fields.Dict()
    care_service_ids = fields.List(fields.String())
    personas = fields.List(fields.String())
    calls_per_service = fields.Integer()
    starts_on = fields.String()
    ends_on = fields.String()
    information_allowed = fields.String()
    seed = fields.Integer(allow_none=True)
    status = fields.String(metadata={"enum": ["scheduled", "closed"]})
    assignments = fields.List(fields.Nested(MysteryAssignment))


class MysteryReassign(StrictSchema):
    reason = fields.String(load_default="", validate=validate.Length(
        max=500, error="Use at most 500 characters."),
        metadata={"description": "Why (kept with the assignment; do not put health details "
                                 "here)"})


# --- calls --------------------------------------------------------------------------------------------
class MysteryCall(StrictSchema):
    """A call record. Saving a draft accepts any part of it; submitting checks it is complete.
    ``answers``: question id → "yes"/"no", a whole number 1-5, or words (at most 2000 characters),
    as the question's kind says."""
    called_at = fields.AwareDateTime(allow_none=True, metadata={"example": "2026-01-12T10:15:00Z"},
                                     error_messages={"naive": "Give a time zone, e.g. Z."})
    persona = fields.String(allow_none=True, validate=_persona)
    seconds_to_answer = fields.Integer(allow_none=True, strict=True, validate=validate.Range(
        min=0, max=3600, error="Use a whole number of seconds from 0 to 3600."))
    answers = fields.Dict(keys=fields.String(), values=fields.Raw(allow_none=True), metadata={
        "example": {"answered-60s": "yes", "felt-welcome": 4,
                    "notes": "Warm and unhurried; they asked how I was."}})
    notes = fields.String(allow_none=True, validate=validate.Length(
        max=5000, error="Use at most 5000 characters."))
    callback_promised = fields.Boolean(allow_none=True)
    callback_happened = fields.Boolean(allow_none=True)
    care_service_id = fields.String(allow_none=True, validate=_id, metadata={
        "description": "Optional: the service you called; it must be the assignment's"})

    @validates_schema(skip_on_field_errors=False)
    def _answer_shapes(self, data, **kwargs):
        answers = data.get("answers") or {}
        errors = {}
        if len(answers) > 200:
            errors["answers"] = ["Send at most 200 answers."]
        for key, value in answers.items():
            name = f"answers.{key}"
            if not isinstance(key, str) or not 1 <= len(key) <= 100:
                errors["answers"] = ["Each answer needs its question's id (at most 100 "
                                     "characters)."]
            elif value is None:
                continue
            elif isinstance(value, bool) or not isinstance(value, (str, int, float)):
                errors[name] = ["Answer with yes or no, a whole number from 1 to 5, or words."]
            elif isinstance(value, str) and len(value) > MAX_ANSWER_CHARACTERS:
                errors[name] = [f"Use at most {MAX_ANSWER_CHARACTERS} characters."]
        if errors:
            raise ValidationError(errors)


class MysteryCallRecord(Schema):
    id = fields.String(allow_none=True)
    assignment_id = fields.String()
    status = fields.String(metadata={"enum": ["draft", "submitted"]})
    called_at = fields.String(allow_none=True)
    persona = fields.String(allow_none=True)
    seconds_to_answer = fields.Integer(allow_none=True)
    answers = fields.Dict()
    notes = fields.String(allow_none=True)
    callback_promised = fields.Boolean(allow_none=True)
    callback_happened = fields.Boolean(allow_none=True)
    efficiency = fields.Float(allow_none=True)
    feeling = fields.Float(allow_none=True)


class MysteryMyAssignment(Schema):
    id = fields.String()
    round_id = fields.String()
    round_name = fields.String()
    care_service_id = fields.String()
    persona = fields.String()
    status = fields.String()


# --- reports --------------------------------------------------------------------------------------------
class MysteryReport(Schema):
    round = fields.Dict()
    question_set = fields.Dict()
    services = fields.List(fields.Dict(), metadata={
        "description": "Per service: efficiency (0-100) and feeling (1-5) apart, never merged"})
    questions = fields.List(fields.Dict())
    calls = fields.List(fields.Dict())
    highlights = fields.List(fields.Dict())
    gaps = fields.List(fields.Dict())
    agreement = fields.Dict(metadata={"description": "Krippendorff's alpha between shoppers"})
    trends = fields.List(fields.Dict())
