"""What the mystery_shopping service accepts over RPC (the gateway checks the same shapes first)
and what a question-set plugin must give."""
from marshmallow import ValidationError, fields, validate, validates_schema

from involve.kernel.schemas import StrictSchema

PERSONAS = ("potential_client", "family_member", "referrer")
KINDS = ("yes_no", "scale_1_5", "text")
MEASURES = ("efficiency", "feeling")
DEFAULT_INFORMATION = "Only what the service's public website says."
MAX_TEXT_ANSWER = 2000
_persona = validate.OneOf(PERSONAS, error="Choose one of: {choices}.")
_id = validate.Length(min=1, max=100, error="Use between 1 and 100 characters.")
QUESTION_ID = r"^[a-z0-9][a-z0-9_-]{0,63}$"
SET_KEY = r"^[a-z0-9][a-z0-9._-]{1,99}$"


class QuestionInput(StrictSchema):
    id = fields.String(required=True, validate=validate.Regexp(
        QUESTION_ID, error="Use up to 64 lower-case letters, digits, - or _, starting with a "
                           "letter or digit."))
    text = fields.String(required=True, validate=validate.Length(
        min=3, max=500, error="Use between 3 and 500 characters."))
    kind = fields.String(required=True, validate=validate.OneOf(
        KINDS, error="Choose one of: {choices}."))
    measures = fields.String(required=True, validate=validate.OneOf(
        MEASURES, error="Choose one of: {choices}."))
    weight = fields.Float(load_default=1.0, allow_nan=False, validate=validate.Range(
        min=0, max=100, error="Use a number from 0 to 100 (0 only for text questions)."))
    guidance = fields.String(load_default="", allow_none=False, validate=validate.Length(
        max=1000, error="Use at most 1000 characters."))

    @validates_schema
    def _weight(self, data, **kwargs):
        if data.get("kind") in ("yes_no", "scale_1_5") and data.get("weight", 1.0) <= 0:
            raise ValidationError("A scored question needs a weight above 0.", "weight")


def _unique_questions(data):
    ids = [q["id"] for q in data.get("questions") or []]
    repeated = sorted({i for i in ids if ids.count(i) > 1})
    if repeated:
        raise ValidationError(f"Each question needs its own id: {', '.join(repeated)} is used "
                              "more than once.", "questions")


class QuestionSetEdit(StrictSchema):
    title = fields.String(validate=validate.Length(min=3, max=200,
                                                   error="Use between 3 and 200 characters."))
    description = fields.String(validate=validate.Length(max=2000,
                                                         error="Use at most 2000 characters."))
    questions = fields.List(fields.Nested(QuestionInput), validate=validate.Length(
        min=1, max=100, error="Give between 1 and 100 questions."))

    @validates_schema
    def _unique(self, data, **kwargs):
        _unique_questions(data)


class ShopperInput(StrictSchema):
    person_id = fields.String(required=True, validate=validate.Length(
        min=1, max=36, error="Use the person's id from the people list."))
    services_used = fields.List(fields.String(validate=_id), load_default=list,
                                validate=validate.Length(max=200))
    personas = fields.List(fields.String(validate=_persona), load_default=lambda: list(PERSONAS),
                           validate=validate.Length(min=1, max=3,
                                                    error="Choose at least one persona."))


class ShopperUpdate(StrictSchema):
    services_used = fields.List(fields.String(validate=_id), validate=validate.Length(max=200))
    personas = fields.List(fields.String(validate=_persona), validate=validate.Length(
        min=1, max=3, error="Choose at least one persona."))


class RoundInput(StrictSchema):
    name = fields.String(required=True, validate=validate.Length(
        min=3, max=200, error="Use between 3 and 200 characters."))
    question_set_id = fields.String(required=True, validate=_id)
    care_service_ids = fields.List(fields.String(validate=_id), required=True,
                                   validate=validate.Length(
                                       min=1, max=200, error="Choose at least one care service."))
    personas = fields.List(fields.String(validate=_persona), load_default=lambda: list(PERSONAS),
                           validate=validate.Length(min=1, max=3,
                                                    error="Choose at least one persona."))
    calls_per_service = fields.Integer(load_default=2, strict=True, validate=validate.Range(
        min=1, max=10, error="Use a whole number from 1 to 10."))
    starts_on = fields.Date(required=True)
    ends_on = fields.Date(required=True)
    information_allowed = fields.String(load_default=DEFAULT_INFORMATION, validate=validate.Length(
        min=3, max=2000, error="Use between 3 and 2000 characters."))
    seed = fields.Integer(load_default=None, allow_none=True, strict=True, validate=validate.Range(
        min=0, max=2**63 - 1, error="Use a whole number from 0 to 2^63-1."))

    @validates_schema
    def _dates(self, data, **kwargs):
        if data.get("starts_on") and data.get("ends_on") and data["ends_on"] < data["starts_on"]:
            raise ValidationError("The round must end on or after the day it starts.", "ends_on")


class ReassignInput(StrictSchema):
    reason = fields.String(load_default="", validate=validate.Length(
        max=500, error="Use at most 500 characters."))


class CallInput(StrictSchema):
    """The shape of a call record; answers are checked against their questions in calls.py."""
    called_at = fields.AwareDateTime(allow_none=True,
                                     error_messages={"naive": "Give a time zone, e.g. Z."})
    persona = fields.String(allow_none=True, validate=_persona)
    seconds_to_answer = fields.Integer(allow_none=True, strict=True, validate=validate.Range(
        min=0, max=3600, error="Use a whole number of seconds from 0 to 3600."))
    answers = fields.Dict(keys=fields.String(), values=fields.Raw(allow_none=True))
    notes = fields.String(allow_none=True, validate=validate.Length(
        max=5000, error="Use at most 5000 characters."))
    callback_promised = fields.Boolean(allow_none=True)
    callback_happened = fields.Boolean(allow_none=True)
    # Optional: the service the shopper says they called; must be the assignment's
    care_service_id = fields.String(allow_none=True, validate=_id)
