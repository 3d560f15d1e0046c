"""The panels part of the public API's bodies (documented in /openapi.json).

The panels service validates the same rules again at its RPC boundary (docs/decisions.md).
"""
from marshmallow import Schema, ValidationError, fields, validate, validates_schema

from involve.kernel.schemas import StrictSchema

ALGORITHMS = ("leximin", "maximin", "nash", "legacy")
_count = validate.Range(min=0, max=100_000, error="Use a whole number from 0 to 100000.")
_seed = validate.Range(min=0, max=2**63 - 1, error="Use a whole number from 0 to 2^63-1.")


class PanelQuotaValue(StrictSchema):
    value = fields.String(required=True, validate=validate.Length(
        min=1, max=100, error="Use between 1 and 100 characters."),
        metadata={"example": "postgraduate"})
    min = fields.Integer(load_default=None, allow_none=True, strict=True, validate=_count)
    max = fields.Integer(load_default=None, allow_none=True, strict=True, validate=_count)
    min_flex = fields.Integer(load_default=None, allow_none=True, strict=True, validate=_count)
    max_flex = fields.Integer(load_default=None, allow_none=True, strict=True, validate=_count)

    @validates_schema
    def _order(self, data, **kwargs):
        if data.get("min") is not None and data.get("max") is not None and data["min"] > data["max"]:
            raise ValidationError("The minimum is larger than the maximum.", "min")


class PanelCategory(StrictSchema):
    name = fields.String(required=True, validate=validate.Length(
        min=1, max=100, error="Use between 1 and 100 characters."),
        metadata={"example": "level of study"})
    values = fields.List(fields.Nested(PanelQuotaValue), required=True,
                         validate=validate.Length(min=1, max=50,
                                                  error="Give between 1 and 50 values."))


class PanelQuotaRule(StrictSchema):
    rule = fields.String(required=True, validate=validate.Length(min=1, max=100),
                         metadata={"example": "proportional"})
    parameters = fields.Dict(load_default=dict, metadata={
        "example": {"shares": {"level of study": {"postgraduate": 60, "undergraduate": 40}}}})


class PanelCampaignCreate(StrictSchema):
    purpose = fields.String(required=True, validate=validate.Length(
        min=3, max=500, error="Use between 3 and 500 characters."))
    panel_size = fields.Integer(required=True, strict=True, validate=validate.Range(
        min=1, max=10_000, error="Use a whole number from 1 to 10000."))
    closes_at = fields.AwareDateTime(load_default=None, allow_none=True,
                                     error_messages={"naive": "Give a time zone, e.g. Z."})
    categories = fields.List(fields.Nested(PanelCategory), required=True,
                             validate=validate.Length(min=1, max=30,
                                                      error="Give between 1 and 30 categories."))
    quota_rule = fields.Nested(PanelQuotaRule, load_default=None, allow_none=True)
    household_rule = fields.Boolean(load_default=True, metadata={
        "description": "At most one person per household may be selected"})


class PanelCampaignUpdate(StrictSchema):
    """Only the fields sent are changed. New categories replace the quota rule too."""
    purpose = fields.String(validate=validate.Length(
        min=3, max=500, error="Use between 3 and 500 characters."))
    panel_size = fields.Integer(strict=True, validate=validate.Range(
        min=1, max=10_000, error="Use a whole number from 1 to 10000."))
    closes_at = fields.AwareDateTime(allow_none=True,
                                     error_messages={"naive": "Give a time zone, e.g. Z."})
    categories = fields.List(fields.Nested(PanelCategory),
                             validate=validate.Length(min=1, max=30,
                                                      error="Give between 1 and 30 categories."))
    quota_rule = fields.Nested(PanelQuotaRule, allow_none=True)
    household_rule = fields.Boolean()


class PanelCampaign(Schema):
    id = fields.String()
    organisation_id = fields.String()
    purpose = fields.String()
    panel_size = fields.Integer()
    status = fields.String(metadata={"enum": ["open", "closed"]})
    closes_at = fields.String(allow_none=True)
    categories = fields.List(fields.Dict())
    quota_rule = fields.Dict(allow_none=True)
    household_rule = fields.Boolean()
    created_at = fields.String()
    closed_at = fields.String(allow_none=True)
    registrations = fields.Integer()


class PanelPublicCampaign(Schema):
    id = fields.String()
    purpose = fields.String()
    status = fields.String()
    closes_at = fields.String(allow_none=True)
    household_rule = fields.Boolean(metadata={"description": "Whether a home address is asked, "
                                                             "so at most one per household is chosen"})
    questions = fields.List(fields.Dict())


class PanelRegistrationCreate(StrictSchema):
    answers = fields.Dict(keys=fields.String(validate=validate.Length(max=100)),
                          values=fields.String(validate=validate.Length(max=100)), required=True,
                          metadata={"example": {"gender": "woman",
                                                "level of study": "postgraduate"}})
    household_address = fields.String(load_default=None, allow_none=True,
                                      validate=validate.Length(max=400), metadata={
        "description": "Only a keyed hash of it is kept, to select at most one person per "
                       "household"})
    person_id = fields.String(load_default=None, allow_none=True,
                              validate=validate.Length(max=36))
    consent_to_contact = fields.Boolean(required=True)
    consent_to_selection = fields.Boolean(required=True, validate=validate.Equal(
        True, error="We can only consider you for the panel if you agree to us using these "
                    "answers for the selection."))


class PanelRegistrationReceived(Schema):
    id = fields.String()
    campaign_id = fields.String()
    received = fields.Boolean()
    message = fields.String()


class PanelImport(StrictSchema):
    people_csv = fields.String(required=True, validate=validate.Length(
        min=1, max=5_000_000, error="Send the spreadsheet as CSV text (at most 5 MB)."),
        metadata={"description": "Respondents file: one row per person, one column per "
                                 "category (Sortition Foundation format)"})
    id_column = fields.String(load_default=None, allow_none=True, validate=validate.Length(max=100))
    address_columns = fields.List(fields.String(validate=validate.Length(max=100)),
                                  load_default=list, validate=validate.Length(max=10))


class PanelImported(Schema):
    imported = fields.Integer()
    campaign_id = fields.String()


class PanelSelectionStart(StrictSchema):
    algorithm = fields.String(load_default="leximin", validate=validate.OneOf(
        ALGORITHMS, error="Choose one of: {choices}."))
    seed = fields.Integer(load_default=None, allow_none=True, strict=True, validate=_seed,
                          metadata={"description": "Leave out for a random seed (recorded)"})


class PanelSelection(Schema):
    id = fields.String()
    campaign_id = fields.String()
    organisation_id = fields.String()
    algorithm = fields.String()
    seed = fields.Integer()
    status = fields.String(metadata={"enum": ["queued", "running", "done", "failed",
                                              "cancelled"]})
    progress = fields.Float()
    message = fields.String()
    cancel_requested = fields.Boolean()
    created_at = fields.String()
    started_at = fields.String(allow_none=True)
    finished_at = fields.String(allow_none=True)
    pool_size = fields.Integer()
    panel_size = fields.Integer()
    panel = fields.List(fields.String(), allow_none=True)
    algorithm_used = fields.String(allow_none=True)
    fallback = fields.Dict(allow_none=True)
    error = fields.Dict(allow_none=True)


class PanelFeasibility(Schema):
    feasible = fields.Boolean()
    panel_size = fields.Integer()
    pool_size = fields.Integer()
    reasons = fields.List(fields.String())
    conflicting_quotas = fields.List(fields.Dict())
    suggested_changes = fields.List(fields.Dict())
    suggested_changes_text = fields.List(fields.String())
    within_flex = fields.Boolean(allow_none=True)
    relaxation_feasible = fields.Boolean(allow_none=True)
    message = fields.String()


class PanelReplacementCreate(StrictSchema):
    dropped_id = fields.String(required=True, validate=validate.Length(min=1, max=36))
    seed = fields.Integer(load_default=None, allow_none=True, strict=True, validate=_seed)


class PanelReplacement(Schema):
    dropped_id = fields.String()
    replacement_id = fields.String(allow_none=True)
    seed = fields.Integer()
    candidates = fields.Integer()
    panel = fields.List(fields.String())
    message = fields.String()
    quotas = fields.List(fields.Dict())
    quotas_met = fields.Boolean()


class PanelQuotaRuleInfo(Schema):
    name = fields.String()
    title = fields.String()
    description = fields.String()
    parameters = fields.Dict()
    plugin = fields.String()
