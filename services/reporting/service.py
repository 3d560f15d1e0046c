"""The reporting service (Nameko): read models built only from events, the metrics defined once,
the co-produced 4PI and leadership-spectrum self-assessments, "you said, we did", CSV and PDF
downloads and the operational gauges (issue 13). A thin shell around the plain modules beside
it; see docs/reporting-service.md.

It listens to every service's events exchange with a '#' binding (one durable queue per source
service), so it records every event, even of a type it does not know yet. Every method taking a
``principal`` checks the shared policy for the organisation first: ``reporting.read``
(dashboards), ``reporting.assess`` (scoring from your own side), ``reporting.manage``
(starting assessments, agreeing scores, choosing what the public page shows).
"""
from __future__ import annotations

import logging
import time
from pathlib import Path

from eventlet import tpool
from nameko.extensions import DependencyProvider
from nameko.timer import timer

from involve.kernel import settings
from involve.kernel.db import now
from involve.kernel.errors import InvalidInput
from involve.kernel.nameko_parts import Database, ServiceBase, api, on_event
from involve.kernel.policy import allowed, require

from . import assessments, criteria, dashboard, export, gauges, public
from . import log as event_log

log = logging.getLogger(__name__)
READ = "reporting.read"
ASSESS = "reporting.assess"
MANAGE = "reporting.manage"
SOURCES = ("identity", "panels", "mystery_shopping", "feedback", "commissioning")


def _person(principal):
    return (principal or {}).get("person_id")


def _require_any(principal, organisation_id, *actions):
    if not any(allowed(principal, action, organisation_id) for action in actions):
        require(principal, actions[0], organisation_id)


def queue_of(source: str) -> str:
    """The durable queue reporting reads ``source``'s events from (Nameko's naming), which
    ``involve reporting backfill`` asks each service to replay into."""
    return f"evt-{source}-#--reporting.{handler_name(source)}"


def handler_name(source: str) -> str:
    return f"on_{source}_event"


class Pace(DependencyProvider):
    """Paces the 1-second timer: gauges are recomputed every REPORTING_GAUGE_SECONDS."""

    def setup(self):
        self.last = None

    def due(self) -> bool:
        moment = time.monotonic()
        if self.last is not None and moment - self.last < float(
                settings.get("REPORTING_GAUGE_SECONDS")):
            return False
        self.last = moment
        return True

    def get_dependency(self, worker_ctx):
        return self


class ReportingService(ServiceBase):
    name = "reporting"
    db = Database(migrations=Path(__file__).parent / "migrations")
    pace = Pace()

    # --- helpers ------------------------------------------------------------------------------
    def _criteria(self):
        loaded, problems, functions = criteria.load(self.plugins)
        return loaded, problems, functions

    def _ingest(self, event):
        with self.db.transaction() as session:
            status = event_log.ingest(session, event)
        gauges.count(status)

    # --- events: every service's, recorded and projected ---------------------------------------
    @on_event("identity", "#")
    def on_identity_event(self, event):
        self._ingest(event)

    @on_event("panels", "#")
    def on_panels_event(self, event):
        self._ingest(event)

    @on_event("mystery_shopping", "#")
    def on_mystery_shopping_event(self, event):
        self._ingest(event)

    @on_event("feedback", "#")
    def on_feedback_event(self, event):
        self._ingest(event)

    @on_event("commissioning", "#")
    def on_commissioning_event(self, event):
        self._ingest(event)

    @timer(interval=1)
    def update_gauges(self):
        if not self.pace.due():
            return
        with self.db.sessions() as session:
            gauges.update(session, now())

    # --- dashboards -------------------------------------------------------------------------------
    @api
    def dashboard(self, principal, organisation_id, filters=None):
        require(principal, READ, organisation_id)
        with self.db.sessions() as session:
            return dashboard.build(session, dashboard.scope_from(session, organisation_id,
                                                                 filters))

    @api
    def metric_definitions(self, principal, organisation_id):
        require(principal, READ, organisation_id)
        from .metrics import OPERATIONAL, definitions

        return {"metrics": definitions(),
                "operational": [{"key": f.key, "name": f.name, "definition": f.definition,
                                 "gauge": f.gauge} for f in OPERATIONAL]}

    @api
    def export_dashboard_csv(self, principal, organisation_id, filters=None):
        require(principal, READ, organisation_id)
        with self.db.sessions() as session:
            built = dashboard.build(session, dashboard.scope_from(session, organisation_id,
                                                                  filters))
        return export.dashboard_csv(built)

    @api
    def export_dashboard_pdf(self, principal, organisation_id, filters=None):
        require(principal, READ, organisation_id)
        with self.db.sessions() as session:
            built = dashboard.build(session, dashboard.scope_from(session, organisation_id,
                                                                  filters))
        return tpool.execute(export.dashboard_pdf, built)

    # --- self-assessment ---------------------------------------------------------------------------
    @api
    def list_criteria(self, principal, organisation_id):
        _require_any(principal, organisation_id, ASSESS, READ)
        loaded, problems, _ = self._criteria()
        return {"frameworks": criteria.frameworks(loaded),
                "criteria": [{k: c[k] for k in ("framework", "id", "area", "text", "guidance",
                                                "stage", "evidence", "plugin")}
                             for c in loaded],
                "problems": problems if allowed(principal, MANAGE, organisation_id) else []}

    @api
    def list_assessments(self, principal, organisation_id):
        _require_any(principal, organisation_id, ASSESS, READ)
        with self.db.sessions() as session:
            return assessments.list_for(session, organisation_id)

    @api
    def create_assessment(self, principal, organisation_id, data):
        require(principal, MANAGE, organisation_id)
        loaded, _, _ = self._criteria()
        with self.db.transaction() as session:
            made = assessments.create(session, organisation_id, data, _person(principal), loaded)
        return self._view(principal, organisation_id, made["id"])

    def _view(self, viewer, organisation_id, assessment_id):
        _, _, functions = self._criteria()
        with self.db.sessions() as session:
            return assessments.view(session, organisation_id, assessment_id,
                                    assessments.perspectives_of(viewer, organisation_id),
                                    functions)

    @api
    def get_assessment(self, principal, organisation_id, assessment_id):
        _require_any(principal, organisation_id, ASSESS, READ)
        return self._view(principal, organisation_id, assessment_id)

    @api
    def score_criterion(self, principal, organisation_id, assessment_id, data):
        require(principal, ASSESS, organisation_id)
        with self.db.transaction() as session:
            assessments.score(session, organisation_id, assessment_id, data, _person(principal),
                              assessments.perspectives_of(principal, organisation_id))
        return self._view(principal, organisation_id, assessment_id)

    @api
    def agree_criterion(self, principal, organisation_id, assessment_id, data):
        require(principal, MANAGE, organisation_id)
        _, _, functions = self._criteria()

        def evidence_of(assessment, criterion):
            values = assessments.metric_values(session, assessment)
            return criteria.suggest(criterion, values, functions)

        with self.db.transaction() as session:
            assessments.agree(session, organisation_id, assessment_id, data, _person(principal),
                              evidence_of)
        return self._view(principal, organisation_id, assessment_id)

    @api
    def export_assessment_csv(self, principal, organisation_id, assessment_id):
        _require_any(principal, organisation_id, ASSESS, READ)
        return export.assessment_csv(self._view(principal, organisation_id, assessment_id))

    @api
    def export_assessment_pdf(self, principal, organisation_id, assessment_id):
        _require_any(principal, organisation_id, ASSESS, READ)
        view = self._view(principal, organisation_id, assessment_id)
        return tpool.execute(export.assessment_pdf, view)

    # --- "you said, we did" -------------------------------------------------------------------------
    @api
    def rounds_to_publish(self, principal, organisation_id):
        require(principal, MANAGE, organisation_id)
        with self.db.sessions() as session:
            return public.rounds_to_publish(session, organisation_id)

    @api
    def publish_round(self, principal, organisation_id, round_id, data):
        require(principal, MANAGE, organisation_id)
        show = public.check_show(data)
        with self.db.transaction() as session:
            return public.publish_round(session, organisation_id, round_id, _person(principal),
                                        show)

    @api
    def public_you_said_we_did(self, organisation_id, filters=None):
        """Public: only public facts (see public.py)."""
        with self.db.sessions() as session:
            return public.you_said_we_did(session, organisation_id, filters)

    @api
    def public_round(self, organisation_id, round_id):
        with self.db.sessions() as session:
            return public.public_round(session, organisation_id, round_id)

    @api
    def public_bulletin(self, organisation_id, bulletin_id):
        with self.db.sessions() as session:
            return public.public_bulletin(session, organisation_id, bulletin_id)

    @api
    def jobs(self, principal, organisation_id):
        """How far a rebuild of the read models, or a backfill from the outboxes, has got."""
        require(principal, READ, organisation_id)
        with self.db.sessions() as session:
            return event_log.jobs(session)

    # --- for operators --------------------------------------------------------------------------------
    @api
    def log_summary(self):
        """How many events the log holds (applied, skipped by type) and whether a rebuild runs."""
        with self.db.sessions() as session:
            return event_log.summary(session)

    @api
    def note_backfill(self, source, sent, remaining, finished=False):
        """Called by ``involve reporting backfill`` after each batch, for the progress shown."""
        if source not in SOURCES:
            raise InvalidInput("Choose one of the services.", {"source": [
                f"Choose one of: {', '.join(SOURCES)}."]})
        with self.db.transaction() as session:
            return event_log.note_backfill(session, source, int(sent), int(remaining),
                                           bool(finished))
