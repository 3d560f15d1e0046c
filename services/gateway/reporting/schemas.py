"""The reporting part of the HTTP API: request bodies from the reporting service's contract, and
the answers (documented in /openapi.json). Answers carry figures and ids only: never a name, and
the public page only public facts."""
from marshmallow import fields

from involve.kernel.schemas import StrictSchema
from involve.reporting.contract import (
    ReportingAgreement,
    ReportingAssessmentCreate,
    ReportingRoundPublication,
    ReportingScore,
)

__all__ = [
    "ReportingAgreement",
    "ReportingAssessment",
    "ReportingAssessmentCreate",
    "ReportingAssessmentSummary",
    "ReportingCriteria",
    "ReportingDashboard",
    "ReportingJobs",
    "ReportingMetricDefinitions",
    "ReportingPublicPage",
    "ReportingRound",
    "ReportingRoundPublication",
    "ReportingScore",
]

_any = fields.Raw


class ReportingDashboard(StrictSchema):
    organisation = fields.Dict()
    period = fields.Dict(metadata={"description": "from and to, both days included"})
    care_service = fields.Dict(allow_none=True)
    care_services = fields.List(fields.Dict())
    months = fields.List(fields.String())
    sections = fields.List(fields.Dict(), metadata={
        "description": "Each section's metrics: key, name, definition, computation, unit, "
                       "value, display and (over time) series of month, value and display"})
    operational = fields.List(fields.Dict(), metadata={
        "description": "Figures as they stand now (also Prometheus gauges)"})
    rebuilding = fields.Boolean()
    generated_at = fields.String()


class ReportingMetricDefinitions(StrictSchema):
    metrics = fields.List(fields.Dict(), metadata={
        "description": "Every metric, defined once: key, section, name, definition, computation"})
    operational = fields.List(fields.Dict())


class ReportingCriteria(StrictSchema):
    frameworks = fields.List(fields.Dict())
    criteria = fields.List(fields.Dict())
    problems = fields.List(fields.Dict(), metadata={
        "description": "Malformed criteria, by plugin and id (shown to involvement leads)"})


class ReportingAssessmentSummary(StrictSchema):
    id = fields.String()
    title = fields.String()
    framework = fields.String()
    level = fields.String(allow_none=True)
    period_start = fields.String()
    period_end = fields.String()
    care_service_id = fields.String(allow_none=True)
    framework_title = fields.String()
    level_name = fields.String(allow_none=True)
    criteria = fields.Integer(metadata={"description": "How many criteria it has"})
    agreed = fields.Integer(metadata={"description": "How many have an agreed score"})
    stage_name = fields.String(allow_none=True)
    overall = _any(allow_none=True)


class ReportingAssessment(StrictSchema):
    id = fields.String()
    title = fields.String()
    framework = fields.String()
    framework_title = fields.String()
    level = fields.String(allow_none=True)
    level_name = fields.String(allow_none=True)
    period_start = fields.String()
    period_end = fields.String()
    care_service = fields.Dict(allow_none=True)
    created_at = fields.String()
    your_perspectives = fields.List(fields.String())
    criteria = fields.List(fields.Dict(), metadata={
        "description": "Each criterion with both sides' independent scores (the other side's "
                       "once both have scored), the suggested evidence and the agreed score"})
    status = fields.Dict()
    position = fields.Dict(allow_none=True)
    previous = fields.Dict(allow_none=True)
    movement = _any(allow_none=True)


class ReportingJobs(StrictSchema):
    rebuild = fields.Dict(allow_none=True, metadata={
        "description": "running, events, done, started_at, finished_at"})
    backfill = fields.List(fields.Dict(), metadata={
        "description": "Per service: sent, total, finished, updated_at"})


class ReportingPublicPage(StrictSchema):
    organisation = fields.Dict()
    care_service = fields.Dict(allow_none=True)
    care_services = fields.List(fields.Dict())
    entries = fields.List(fields.Dict(), metadata={
        "description": "Changes made from people's involvement, each with its public source"})


class ReportingRound(StrictSchema):
    round_id = fields.String()
    name = fields.String(allow_none=True)
    closed_at = fields.String(allow_none=True)
    published = fields.Boolean()
    improved = fields.List(fields.Dict())
    compared = fields.Integer()
