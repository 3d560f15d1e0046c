"""The reporting part of the HTTP API: the involvement dashboard and its downloads, the metrics'
definitions, the co-produced 4PI and leadership-spectrum self-assessments, which
mystery-shopping rounds the public page shows, rebuild and backfill progress, and the public
"you said, we did" page. Every organisation route checks the shared policy here and the
reporting service checks it again; query filters are validated by the service with the
contract's rules (a 422 naming the field)."""
from __future__ import annotations

import base64
from datetime import date, datetime

from werkzeug.wrappers import Response

from involve.kernel.policy import allowed, require
from involve.kernel.rpc import call

from ..web.routes import route
from . import schemas as s

ORG = "/api/v1/organisations/<organisation_id>/reporting"
ASSESSMENT = ORG + "/assessments/<assessment_id>"
PUBLIC = "/api/v1/organisations/<organisation_id>/you-said-we-did"
TAGS = ["reporting"]
READ, ASSESS, MANAGE = "reporting.read", "reporting.assess", "reporting.manage"
FILTERS = ("from", "to", "care_service_id")


def reporting_filters(request) -> dict:
    """The period and care service from the query string, as sent (the service validates)."""
    return {key: request.args[key] for key in FILTERS if request.args.get(key)}


def reporting_require_any(principal, organisation_id, *actions) -> None:
    if not any(allowed(principal, action, organisation_id) for action in actions):
        require(principal, actions[0], organisation_id)


def reporting_plain(body: dict) -> dict:
    """A validated body as it travels over RPC (dates as ISO text: the service validates again)."""
    return {k: v.isoformat() if isinstance(v, (date, datetime)) else v for k, v in body.items()}


def reporting_download(made: dict) -> Response:
    """A CSV or PDF the service made, as a download with a safe file name."""
    name = "".join(ch for ch in made["filename"] if ch.isalnum() or ch in "-_.") or "report"
    if "pdf_base64" in made:
        content, mimetype = base64.b64decode(made["pdf_base64"]), "application/pdf"
    else:
        content, mimetype = made["csv"], "text/csv"
    return Response(content, status=200, mimetype=mimetype, headers={
        "Content-Disposition": f'attachment; filename="{name}"', "Cache-Control": "no-store"})


class ReportingApi:
    """Mixed into GatewayService; every method name here must be unique across the mixins."""

    # --- the dashboard ------------------------------------------------------------------------
    @route("GET", ORG + "/dashboard", summary="The involvement dashboard: every metric for a "
           "period (default the last twelve months) and optionally one care service", tags=TAGS,
           response=s.ReportingDashboard, errors=(404, 422), action=READ, query=FILTERS)
    def reporting_dashboard(self, request, principal, organisation_id):
        return call(self.rpc.reporting.dashboard, principal, organisation_id,
                    reporting_filters(request))

    @route("GET", ORG + "/dashboard.csv", summary="The dashboard as CSV (one row per metric and "
           "month)", tags=TAGS, errors=(404, 422), action=READ, query=FILTERS)
    def reporting_dashboard_csv(self, request, principal, organisation_id):
        return reporting_download(call(self.rpc.reporting.export_dashboard_csv, principal,
                                       organisation_id, reporting_filters(request)))

    @route("GET", ORG + "/dashboard.pdf", summary="The dashboard as PDF, charts and tables",
           tags=TAGS, errors=(404, 422), action=READ, query=FILTERS)
    def reporting_dashboard_pdf(self, request, principal, organisation_id):
        return reporting_download(call(self.rpc.reporting.export_dashboard_pdf, principal,
                                       organisation_id, reporting_filters(request)))

    @route("GET", ORG + "/metrics", summary="What each metric means and how it is computed "
           "(defined once, read by every page, download and this API)", tags=TAGS,
           response=s.ReportingMetricDefinitions, action=READ)
    def reporting_metrics(self, request, principal, organisation_id):
        return call(self.rpc.reporting.metric_definitions, principal, organisation_id)

    @route("GET", ORG + "/jobs", summary="How far a rebuild of the read models, or a backfill "
           "from the services' outboxes, has got", tags=TAGS, response=s.ReportingJobs,
           action=READ)
    def reporting_jobs(self, request, principal, organisation_id):
        return call(self.rpc.reporting.jobs, principal, organisation_id)

    # --- self-assessment ---------------------------------------------------------------------------
    @route("GET", ORG + "/criteria", summary="The self-assessment frameworks and criteria the "
           "installed plugins give (malformed ones named, for involvement leads)", tags=TAGS,
           response=s.ReportingCriteria)
    def reporting_criteria(self, request, principal, organisation_id):
        reporting_require_any(principal, organisation_id, ASSESS, READ)
        return call(self.rpc.reporting.list_criteria, principal, organisation_id)

    @route("GET", ORG + "/assessments", summary="The organisation's self-assessments, newest "
           "first", tags=TAGS, response=s.ReportingAssessmentSummary, many=True)
    def reporting_assessments(self, request, principal, organisation_id):
        reporting_require_any(principal, organisation_id, ASSESS, READ)
        return call(self.rpc.reporting.list_assessments, principal, organisation_id)

    @route("POST", ORG + "/assessments", summary="Start a self-assessment (4PI at one level, or "
           "the leadership spectrum)", tags=TAGS, body=s.ReportingAssessmentCreate,
           response=s.ReportingAssessment, status=201, errors=(404, 422), action=MANAGE)
    def reporting_assessment_create(self, request, principal, body, organisation_id):
        return call(self.rpc.reporting.create_assessment, principal, organisation_id,
                    reporting_plain(body))

    @route("GET", ASSESSMENT, summary="One self-assessment: both sides' scores (the other "
           "side's once both have scored), the suggested evidence, the agreed scores and where "
           "the organisation sits", tags=TAGS, response=s.ReportingAssessment, errors=(404,))
    def reporting_assessment(self, request, principal, organisation_id, assessment_id):
        reporting_require_any(principal, organisation_id, ASSESS, READ)
        return call(self.rpc.reporting.get_assessment, principal, organisation_id,
                    assessment_id)

    @route("POST", ASSESSMENT + "/scores", summary="Score one criterion from your own side "
           "(service users or staff), independently", tags=TAGS, body=s.ReportingScore,
           response=s.ReportingAssessment, errors=(404, 409, 422), action=ASSESS)
    def reporting_assessment_score(self, request, principal, body, organisation_id,
                                   assessment_id):
        return call(self.rpc.reporting.score_criterion, principal, organisation_id,
                    assessment_id, body)

    @route("POST", ASSESSMENT + "/agreements", summary="Record the score both sides agreed for "
           "one criterion, and why", tags=TAGS, body=s.ReportingAgreement,
           response=s.ReportingAssessment, errors=(404, 409, 422), action=MANAGE)
    def reporting_assessment_agree(self, request, principal, body, organisation_id,
                                   assessment_id):
        return call(self.rpc.reporting.agree_criterion, principal, organisation_id,
                    assessment_id, body)

    @route("GET", ASSESSMENT + "/export.csv", summary="A self-assessment as CSV", tags=TAGS,
           errors=(404,))
    def reporting_assessment_csv(self, request, principal, organisation_id, assessment_id):
        reporting_require_any(principal, organisation_id, ASSESS, READ)
        return reporting_download(call(self.rpc.reporting.export_assessment_csv, principal,
                                       organisation_id, assessment_id))

    @route("GET", ASSESSMENT + "/export.pdf", summary="A self-assessment as PDF", tags=TAGS,
           errors=(404,))
    def reporting_assessment_pdf(self, request, principal, organisation_id, assessment_id):
        reporting_require_any(principal, organisation_id, ASSESS, READ)
        return reporting_download(call(self.rpc.reporting.export_assessment_pdf, principal,
                                       organisation_id, assessment_id))

    # --- what the public page shows ------------------------------------------------------------------
    @route("GET", ORG + "/rounds", summary="Closed mystery-shopping rounds, whether the public "
           "page shows their results, and what improved", tags=TAGS,
           response=s.ReportingRound, many=True, action=MANAGE)
    def reporting_rounds(self, request, principal, organisation_id):
        return call(self.rpc.reporting.rounds_to_publish, principal, organisation_id)

    @route("PUT", ORG + "/rounds/<round_id>/publication", summary="Show or hide a closed "
           "round's results on the public 'you said, we did' page", tags=TAGS,
           body=s.ReportingRoundPublication, response=s.ReportingRound, errors=(404, 409, 422),
           action=MANAGE)
    def reporting_round_publication(self, request, principal, body, organisation_id, round_id):
        return call(self.rpc.reporting.publish_round, principal, organisation_id, round_id, body)

    # --- public ---------------------------------------------------------------------------------------
    @route("GET", PUBLIC, summary="Public: changes made from people's involvement, each with its "
           "public source", tags=TAGS, response=s.ReportingPublicPage, errors=(404, 422),
           auth="anonymous", query=("care_service_id",))
    def reporting_public(self, request, principal, organisation_id):
        wanted = {k: request.args[k] for k in ("care_service_id",) if request.args.get(k)}
        return call(self.rpc.reporting.public_you_said_we_did, organisation_id, wanted)
