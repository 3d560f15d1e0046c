"""The field rules of the reporting API, written once: what the service accepts over RPC and what
the gateway's HTTP API accepts (the same classes, documented in /openapi.json under these
names). Errors name the field. Plain marshmallow: the gateway imports this module.

What only the service can know (whether a framework's plugin is installed, whether a care
service or criterion exists) is checked by the service's modules (docs/reporting-service.md).
"""
from datetime import date, timedelta

from marshmallow import ValidationError, fields, validate, validates_schema

from involve.kernel.schemas import StrictSchema

PERSPECTIVES = ("service_users", "staff")
LEVELS = ("own_care", "services_and_communities", "governance_and_strategy")
SCORES = (0, 1, 2, 3)
MAX_ID = 64
MAX_PERIOD_DAYS = 366 * 5  # a dashboard or an assessment covers at most five years
TITLE = (3, 200)
MAX_COMMENT = 2000
RATIONALE = (3, 2000)
FRAMEWORK = r"^[a-z0-9][a-z0-9._-]{1,63}$"
CRITERION = r"^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$"

_id = validate.Length(min=1, max=MAX_ID, error=f"Use between 1 and {MAX_ID} characters.")


def _period(data, start_field, end_field):
    start, end = data.get(start_field), data.get(end_field)
    if start and end:
        if start > end:
            raise ValidationError("The end comes before the start.", end_field)
        if (end - start) > timedelta(days=MAX_PERIOD_DAYS):
            raise ValidationError("Choose a period of at most five years.", end_field)
    if start and start < date(2000, 1, 1):
        raise ValidationError("Choose a date from 2000 on.", start_field)


class ReportingFilters(StrictSchema):
    """A dashboard's period (both days included; the default is the last twelve months) and,
    optionally, one care service."""
    from_ = fields.Date(data_key="from", load_default=None,
                        metadata={"description": "First day of the period (YYYY-MM-DD)."})
    to = fields.Date(load_default=None,
                     metadata={"description": "Last day of the period (YYYY-MM-DD)."})
    care_service_id = fields.String(load_default=None, allow_none=True, validate=_id)

    @validates_schema
    def _check(self, data, **kwargs):
        _period(data, "from_", "to")


class ReportingPublicFilters(StrictSchema):
    care_service_id = fields.String(load_default=None, allow_none=True, validate=_id)


class ReportingAssessmentCreate(StrictSchema):
    """A self-assessment: which framework (and for 4PI which level), the period it looks at, and
    optionally one care service."""
    framework = fields.String(required=True, validate=validate.Regexp(
        FRAMEWORK, error="Choose one of the frameworks listed."))
    level = fields.String(load_default=None, allow_none=True, validate=validate.OneOf(
        LEVELS, error="Choose one of: {choices}."))
    title = fields.String(required=True, validate=validate.Length(
        min=TITLE[0], max=TITLE[1], error=f"Use between {TITLE[0]} and {TITLE[1]} characters."))
    period_start = fields.Date(required=True)
    period_end = fields.Date(required=True)
    care_service_id = fields.String(load_default=None, allow_none=True, validate=_id)

    @validates_schema
    def _check(self, data, **kwargs):
        if data.get("title") is not None and not data["title"].strip():
            raise ValidationError("Give the assessment a title.", "title")
        _period(data, "period_start", "period_end")


class ReportingScore(StrictSchema):
    """One side's independent score of one criterion."""
    criterion_id = fields.String(required=True, validate=validate.Regexp(
        CRITERION, error="Choose a criterion of this assessment."))
    perspective = fields.String(required=True, validate=validate.OneOf(
        PERSPECTIVES, error="Choose one of: {choices}."))
    score = fields.Integer(required=True, strict=True, validate=validate.OneOf(
        SCORES, error="Choose 0, 1, 2 or 3."))
    comment = fields.String(load_default="", validate=validate.Length(
        max=MAX_COMMENT, error=f"Use at most {MAX_COMMENT} characters."))


class ReportingAgreement(StrictSchema):
    """The score both sides agreed for one criterion, and why."""
    criterion_id = fields.String(required=True, validate=validate.Regexp(
        CRITERION, error="Choose a criterion of this assessment."))
    score = fields.Integer(required=True, strict=True, validate=validate.OneOf(
        SCORES, error="Choose 0, 1, 2 or 3."))
    rationale = fields.String(required=True, validate=validate.Length(
        min=RATIONALE[0], max=RATIONALE[1],
        error=f"Say why, in {RATIONALE[0]} to {RATIONALE[1]} characters."))

    @validates_schema
    def _check(self, data, **kwargs):
        if data.get("rationale") is not None and not data["rationale"].strip():
            raise ValidationError("Say why this score was agreed.", "rationale")


class ReportingRoundPublication(StrictSchema):
    """Whether a closed mystery-shopping round's results show on the public 'You said, we did'
    page."""
    published = fields.Boolean(required=True, strict=True)
