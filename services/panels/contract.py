"""The field rules of the panels API, written once. The panels service checks every RPC call with
them; the gateway checks and documents the public API's request bodies with the same classes
(the OpenAPI component names are these class names). Plain marshmallow: the gateway reads it."""
from marshmallow import ValidationError, fields, validate, validates_schema

from involve.kernel.schemas import Partial, StrictSchema

ALGORITHMS = ("leximin", "maximin", "nash", "legacy")
NAME_MAX = 100  # a category, a value, an answer, a CSV column's name
QUESTION_MAX = 300  # the question text volunteers read
CONTACT_NAME_MAX = 200
PHONE_MAX = 40
MESSAGE_MAX = 2000  # the coordinator's note in an invitation
# A multi-choice category ("which services have you used?", tick all that apply) reaches the
# selection as one yes/no feature per option, named "<category>: <option>"; see campaigns.py.
OPTION_SEPARATOR = ": "
TICKED, NOT_TICKED = "yes", "no"
INVITATION_ANSWERS = ("accept", "decline")
PURPOSE_MIN = 3
PANEL_SIZE_MIN, PANEL_SIZE_MAX = 1, 10_000
ADDRESS_MAX = 400
PEOPLE_CSV_MAX = 5_000_000  # characters of a respondents CSV
ADDRESS_COLUMNS_MAX = 10
SEED_MAX = 2**63 - 1
_count = validate.Range(min=0, max=100_000, error="Use a whole number from 0 to 100000.")
_name = validate.Length(min=1, max=NAME_MAX, error=f"Use between 1 and {NAME_MAX} characters.")
_seed = validate.Range(min=0, max=SEED_MAX, error="Use a whole number from 0 to 2^63-1.")


def same_name(text) -> str:
    """Names that differ only in case or spacing are the same name."""
    return " ".join(str(text).split()).casefold()


class PanelQuotaValue(StrictSchema):
    value = fields.String(required=True, validate=_name, metadata={"example": "postgraduate"})
    min = fields.Integer(load_default=None, allow_none=True, strict=True, validate=_count)
    max = fields.Integer(load_default=None, allow_none=True, strict=True, validate=_count)
    min_flex = fields.Integer(load_default=None, allow_none=True, strict=True, validate=_count)
    max_flex = fields.Integer(load_default=None, allow_none=True, strict=True, validate=_count)

    @validates_schema
    def _order(self, data, **kwargs):
        lo, hi = data.get("min"), data.get("max")
        if lo is not None and hi is not None and lo > hi:
            raise ValidationError("The minimum is larger than the maximum.", "min")
        if data.get("min_flex") is not None and lo is not None and data["min_flex"] > lo:
            raise ValidationError("min_flex must not be larger than min.", "min_flex")
        if data.get("max_flex") is not None and hi is not None and data["max_flex"] < hi:
            raise ValidationError("max_flex must not be smaller than max.", "max_flex")


class PanelCategory(StrictSchema):
    name = fields.String(required=True, validate=_name, metadata={"example": "level of study"})
    question = fields.String(load_default=None, allow_none=True, validate=validate.Length(
        max=QUESTION_MAX, error=f"Use at most {QUESTION_MAX} characters."), metadata={
        "description": "What volunteers read (the name is used if left out)",
        "example": "Are you a postgraduate or an undergraduate student?"})
    multiple = fields.Boolean(load_default=False, metadata={
        "description": "Volunteers may tick several answers (for example every service they "
                       "have used); each value's min/max then counts the panel members who "
                       "ticked it"})
    values = fields.List(fields.Nested(PanelQuotaValue), required=True, validate=validate.Length(
        min=1, max=50, error="Give between 1 and 50 values."))

    @validates_schema
    def _unique(self, data, **kwargs):
        seen = set()
        for n, v in enumerate(data.get("values", [])):
            if "value" in v and same_name(v["value"]) in seen:
                raise ValidationError({n: {"value": ["This value is listed twice."]}}, "values")
            seen.add(same_name(v.get("value")))


class PanelQuotaRule(StrictSchema):
    rule = fields.String(required=True, validate=validate.Length(min=1, max=100),
                         metadata={"example": "proportional"})
    parameters = fields.Dict(load_default=dict, metadata={
        "example": {"shares": {"level of study": {"postgraduate": 60, "undergraduate": 40}}}})


class PanelCampaignCreate(StrictSchema):
    purpose = fields.String(required=True, validate=validate.Length(
        min=PURPOSE_MIN, max=500, error=f"Use between {PURPOSE_MIN} and 500 characters."))
    panel_size = fields.Integer(required=True, strict=True, validate=validate.Range(
        min=PANEL_SIZE_MIN, max=PANEL_SIZE_MAX,
        error=f"Use a whole number from {PANEL_SIZE_MIN} to {PANEL_SIZE_MAX}."))
    closes_at = fields.AwareDateTime(load_default=None, allow_none=True,
                                     error_messages={"naive": "Give a time zone, e.g. Z."})
    categories = fields.List(fields.Nested(PanelCategory), required=True, validate=validate.Length(
        min=1, max=30, error="Give between 1 and 30 categories."))
    quota_rule = fields.Nested(PanelQuotaRule, load_default=None, allow_none=True)
    household_rule = fields.Boolean(load_default=True, metadata={
        "description": "At most one person per household may be selected"})

    @validates_schema
    def _unique(self, data, **kwargs):
        seen = set()
        for n, c in enumerate(data.get("categories", [])):
            if "name" in c and same_name(c["name"]) in seen:
                raise ValidationError({n: {"name": ["This category is listed twice."]}},
                                      "categories")
            seen.add(same_name(c.get("name")))


class PanelCampaignUpdate(Partial, PanelCampaignCreate):
    """Only the fields sent are changed. New categories replace the quota rule too. (The service
    checks the change merged with the stored campaign as a whole, by PanelCampaignCreate.)"""


class Answer(fields.Field):
    """One answer: a value, or for a multi-choice question a list of the values ticked."""

    default_error_messages = {"invalid": "Give an answer as text, or a list of answers for a "
                                         "question where several can be ticked.",
                              "long": f"Use at most {NAME_MAX} characters for an answer."}

    def _deserialize(self, value, attr, data, **kwargs):
        items = value if isinstance(value, list) else [value]
        if not isinstance(value, (str, list)) or len(items) > 50 or not all(
                isinstance(item, str) for item in items):
            raise self.make_error("invalid")
        if any(len(item) > NAME_MAX for item in items):
            raise self.make_error("long")
        return list(value) if isinstance(value, list) else value


class PanelContact(StrictSchema):
    """How to reach a volunteer if they are chosen. Passed straight to identity, which keeps it
    encrypted; the panels service never stores it."""

    name = fields.String(required=True, validate=validate.Length(
        min=1, max=CONTACT_NAME_MAX, error=f"Use between 1 and {CONTACT_NAME_MAX} characters."))
    email = fields.Email(load_default=None, allow_none=True,
                         validate=validate.Length(max=254, error="Use at most 254 characters."))
    phone = fields.String(load_default=None, allow_none=True, validate=validate.Regexp(
        rf"^(?=(?:\D*\d){{6}})[0-9+() .-]{{6,{PHONE_MAX}}}$",
        error="Give a phone number of digits, spaces and + ( ) - only, like 020 7946 0000."))

    @validates_schema
    def _one_way(self, data, **kwargs):
        if not data.get("email") and not data.get("phone"):
            raise ValidationError("Give an email address or a phone number (or both), so we can "
                                  "tell you if you are chosen.", "email")


class PanelRegistrationCreate(StrictSchema):
    answers = fields.Dict(keys=fields.String(validate=validate.Length(max=NAME_MAX)),
                          values=Answer(), required=True, metadata={"example": {
                              "gender": "woman", "level of study": "postgraduate",
                              "services used": ["wellbeing", "counselling"]}})
    contact = fields.Nested(PanelContact, load_default=None, allow_none=True, load_only=True,
                            metadata={"description": "Name and email and/or phone: kept "
                                                     "encrypted by identity, never by panels"})
    # Used only to make a keyed hash; the address itself is never stored.
    household_address = fields.String(load_default=None, allow_none=True,
                                      validate=validate.Length(max=ADDRESS_MAX), load_only=True,
                                      metadata={"description": "Only a keyed hash of it is kept, "
                                                "to select at most one person per household"})
    person_id = fields.String(load_default=None, allow_none=True,
                              validate=validate.Length(max=36))
    consent_to_contact = fields.Boolean(required=True)
    consent_to_selection = fields.Boolean(required=True, validate=validate.Equal(
        True, error="We can only consider you for the panel if you agree to us using these "
                    "answers for the selection."))

    @validates_schema
    def _contact(self, data, **kwargs):
        if data.get("contact") and data.get("person_id"):
            raise ValidationError("Send either contact details or the person_id of a signed-in "
                                  "person, not both.", "contact")
        if data.get("contact") and not data.get("consent_to_contact"):
            raise ValidationError("We can only keep your contact details if you agree to us "
                                  "contacting you about this panel.", "consent_to_contact")


class PanelImport(StrictSchema):
    people_csv = fields.String(required=True, validate=validate.Length(
        min=1, max=PEOPLE_CSV_MAX, error="Send the spreadsheet as CSV text (at most 5 MB)."),
        metadata={"description": "Respondents file: one row per person, one column per "
                                 "category (Sortition Foundation format)"})
    id_column = fields.String(load_default=None, allow_none=True, validate=validate.Length(max=100))
    address_columns = fields.List(fields.String(validate=validate.Length(max=100)),
                                  load_default=list, validate=validate.Length(max=ADDRESS_COLUMNS_MAX))


class PanelSelectionStart(StrictSchema):
    algorithm = fields.String(load_default="leximin", validate=validate.OneOf(
        ALGORITHMS, error="Choose one of: {choices}."))
    accuracy = fields.Float(load_default=1e-5, allow_nan=False, validate=validate.Range(
        min=1e-9, max=0.01, error="Use a number from 1e-9 to 0.01 (the default is 1e-5)."))
    lottery_panels = fields.Integer(load_default=None, allow_none=True, strict=True,
                                    validate=validate.Range(
                                        min=2, max=100_000,
                                        error="Use a whole number of panels from 2 to 100000 "
                                              "(for example 1000)."))
    seed = fields.Integer(load_default=None, allow_none=True, strict=True,
                          validate=_seed, metadata={"description": "Leave out for a random seed "
                                                                   "(recorded)"})


class PanelReplacementCreate(StrictSchema):
    dropped_id = fields.String(required=True, validate=validate.Length(min=1, max=36))
    seed = fields.Integer(load_default=None, allow_none=True, strict=True, validate=_seed)


class PanelInvite(StrictSchema):
    message = fields.String(load_default=None, allow_none=True, validate=validate.Length(
        max=MESSAGE_MAX, error=f"Use at most {MESSAGE_MAX} characters."), metadata={
        "description": "A note added to every invitation (for example the first meeting's date)"})


class PanelInvitationAnswer(StrictSchema):
    answer = fields.String(required=True, validate=validate.OneOf(
        INVITATION_ANSWERS, error="Choose one of: {choices}."))


class PanelMemberAnswer(StrictSchema):
    """The coordinator records the answer of someone they contacted themselves (a spreadsheet's
    people, or someone who gave a phone number only)."""

    registration_id = fields.String(required=True, validate=validate.Length(min=1, max=36))
    answer = fields.String(required=True, validate=validate.OneOf(
        INVITATION_ANSWERS, error="Choose one of: {choices}."))
