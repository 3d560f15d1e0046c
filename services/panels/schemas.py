"""What the panels service accepts over RPC. The gateway validates the same rules first."""
from marshmallow import ValidationError, fields, validate, validates_schema

from involve.kernel.schemas import StrictSchema

ALGORITHMS = ("leximin", "maximin", "nash", "legacy")
_count = validate.Range(min=0, max=100_000, error="Use a whole number from 0 to 100000.")


def _key(text) -> str:
    return " ".join(str(text).split()).casefold()


class ValueInput(StrictSchema):
    value = fields.String(required=True, validate=validate.Length(
        min=1, max=100, error="Use between 1 and 100 characters."))
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


class CategoryInput(StrictSchema):
    name = fields.String(required=True, validate=validate.Length(
        min=1, max=100, error="Use between 1 and 100 characters."))
    values = fields.List(fields.Nested(ValueInput), required=True, validate=validate.Length(
        min=1, max=50, error="Give between 1 and 50 values."))

    @validates_schema
    def _unique(self, data, **kwargs):
        seen = set()
        for n, v in enumerate(data.get("values", [])):
            if _key(v["value"]) in seen:
                raise ValidationError({n: {"value": ["This value is listed twice."]}}, "values")
            seen.add(_key(v["value"]))


class QuotaRuleInput(StrictSchema):
    rule = fields.String(required=True, validate=validate.Length(min=1, max=100))
    parameters = fields.Dict(load_default=dict)


class CampaignInput(StrictSchema):
    purpose = fields.String(required=True, validate=validate.Length(
        min=3, max=500, error="Use between 3 and 500 characters."))
    panel_size = fields.Integer(required=True, strict=True, validate=validate.Range(
        min=1, max=10_000, error="Use a whole number from 1 to 10000."))
    closes_at = fields.AwareDateTime(load_default=None, allow_none=True,
                                     error_messages={"naive": "Give a time zone, e.g. Z."})
    categories = fields.List(fields.Nested(CategoryInput), required=True, validate=validate.Length(
        min=1, max=30, error="Give between 1 and 30 categories."))
    quota_rule = fields.Nested(QuotaRuleInput, load_default=None, allow_none=True)
    household_rule = fields.Boolean(load_default=True)

    @validates_schema
    def _unique(self, data, **kwargs):
        seen = set()
        for n, c in enumerate(data.get("categories", [])):
            if _key(c["name"]) in seen:
                raise ValidationError({n: {"name": ["This category is listed twice."]}},
                                      "categories")
            seen.add(_key(c["name"]))


class RegistrationInput(StrictSchema):
    answers = fields.Dict(keys=fields.String(validate=validate.Length(max=100)),
                          values=fields.String(validate=validate.Length(max=100)), required=True)
    # Used only to make a keyed hash; the address itself is never stored.
    household_address = fields.String(load_default=None, allow_none=True,
                                      validate=validate.Length(max=400), load_only=True)
    person_id = fields.String(load_default=None, allow_none=True,
                              validate=validate.Length(max=36))
    consent_to_contact = fields.Boolean(required=True)
    consent_to_selection = fields.Boolean(required=True, validate=validate.Equal(
        True, error="We can only consider you for the panel if you agree to us using these "
                    "answers for the selection."))


class ImportInput(StrictSchema):
    people_csv = fields.String(required=True, validate=validate.Length(
        min=1, max=5_000_000, error="Send the spreadsheet as CSV text (at most 5 MB)."))
    id_column = fields.String(load_default=None, allow_none=True, validate=validate.Length(max=100))
    address_columns = fields.List(fields.String(validate=validate.Length(max=100)),
                                  load_default=list, validate=validate.Length(max=10))


class SelectionInput(StrictSchema):
    algorithm = fields.String(load_default="leximin", validate=validate.OneOf(
        ALGORITHMS, error="Choose one of: {choices}."))
    seed = fields.Integer(load_default=None, allow_none=True, strict=True,
                          validate=validate.Range(min=0, max=2**63 - 1,
                                                  error="Use a whole number from 0 to 2^63-1."))


class ReplacementInput(StrictSchema):
    dropped_id = fields.String(required=True, validate=validate.Length(min=1, max=36))
    seed = fields.Integer(load_default=None, allow_none=True, strict=True,
                          validate=validate.Range(min=0, max=2**63 - 1,
                                                  error="Use a whole number from 0 to 2^63-1."))
