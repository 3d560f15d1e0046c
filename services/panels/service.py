"""The panels service (Nameko): fair panel selection (issue 6), a thin shell around the plain
modules beside it.

Coordinator methods take the ``principal`` the gateway resolved and check the shared policy
("panels.manage") again here for the organisation concerned. Registering interest and reading a
public draw record need no principal. Selections run in worker processes (runner.py).
"""
from __future__ import annotations

import logging
from pathlib import Path

from eventlet import tpool
from nameko.extensions import DependencyProvider

from involve.kernel import idempotency
from involve.kernel.nameko_parts import Database, ServiceBase, api, on_event
from involve.kernel.policy import require

from . import campaigns, jobs, quota_rules, registrations
from .households import load_key
from .runner import SelectionRunner

log = logging.getLogger(__name__)
ACTION = "panels.manage"


class HouseholdKey(DependencyProvider):
    def setup(self):
        self.key = load_key()

    def get_dependency(self, worker_ctx):
        return self.key


class PanelsService(ServiceBase):
    name = "panels"
    db = Database(migrations=Path(__file__).parent / "migrations")
    household_key = HouseholdKey()
    runner = SelectionRunner()

    def _rules(self):
        return quota_rules.load(self.plugins)

    # --- campaigns ----------------------------------------------------------------------
    @api
    def list_quota_rules(self, principal, organisation_id):
        require(principal, ACTION, organisation_id)
        return quota_rules.describe(self._rules())

    @api
    def create_campaign(self, principal, organisation_id, data):
        require(principal, ACTION, organisation_id)
        rules = self._rules()
        with self.db.transaction() as session:
            return campaigns.create(session, self.db.record_event, rules, organisation_id, data)

    @api
    def update_campaign(self, principal, organisation_id, campaign_id, data):
        require(principal, ACTION, organisation_id)
        rules = self._rules()
        with self.db.transaction() as session:
            return campaigns.update(session, rules, organisation_id, campaign_id, data)

    @api
    def list_campaigns(self, principal, organisation_id):
        require(principal, ACTION, organisation_id)
        with self.db.sessions() as session:
            return campaigns.list_for(session, organisation_id)

    @api
    def get_campaign(self, principal, organisation_id, campaign_id):
        require(principal, ACTION, organisation_id)
        with self.db.sessions() as session:
            out = campaigns.get(session, organisation_id, campaign_id)
            out["registrations"] = registrations.count(session, campaign_id)
            return out

    @api
    def close_campaign(self, principal, organisation_id, campaign_id):
        require(principal, ACTION, organisation_id)
        with self.db.transaction() as session:
            return campaigns.close(session, organisation_id, campaign_id)

    # --- registrations ------------------------------------------------------------------
    @api
    def public_campaign(self, campaign_id):
        with self.db.sessions() as session:
            return campaigns.public_view(campaigns.load(session, None, campaign_id))

    @api
    def register_interest(self, campaign_id, data):
        with self.db.transaction() as session:
            return registrations.register(session, self.db.record_event, self.household_key,
                                          campaign_id, data)

    @api
    def import_registrations_csv(self, principal, organisation_id, campaign_id, data):
        require(principal, ACTION, organisation_id)
        with self.db.transaction() as session:
            campaign = campaigns.load(session, organisation_id, campaign_id)
            return registrations.import_csv(session, self.db.record_event, self.household_key,
                                            campaign, data)

    @api
    def export_registrations_csv(self, principal, organisation_id, campaign_id):
        require(principal, ACTION, organisation_id)
        with self.db.sessions() as session:
            campaign = campaigns.load(session, organisation_id, campaign_id)
            return {"categories_csv": registrations.features_csv(campaign),
                    "people_csv": registrations.export_csv(session, campaign)}

    # --- feasibility and selection ------------------------------------------------------
    @api
    def check_feasibility(self, principal, organisation_id, campaign_id):
        require(principal, ACTION, organisation_id)
        with self.db.sessions() as session:
            campaign = campaigns.load(session, organisation_id, campaign_id)
            data = jobs.pool_input(session, campaign)
        # a MIP or two: in a real thread so the hub (and AMQP heartbeats) keep running
        return tpool.execute(jobs.feasibility, data)

    @api
    def start_selection(self, principal, organisation_id, campaign_id, data):
        require(principal, ACTION, organisation_id)
        with self.db.transaction() as session:
            campaign = campaigns.load(session, organisation_id, campaign_id)
            job = jobs.create(session, campaign, data, self.runner.leximin_seconds)
            job_id = job.id
        try:
            self.runner.start(job_id)
        except Exception:
            log.exception("could not start a selection worker")
            with self.db.transaction() as session:
                jobs.finish(jobs.load(session, None, job_id), "failed",
                            "The selection could not be started. Please try again.")
        with self.db.sessions() as session:
            return jobs.status(jobs.load(session, organisation_id, job_id))

    @api
    def list_selections(self, principal, organisation_id, campaign_id):
        require(principal, ACTION, organisation_id)
        with self.db.sessions() as session:
            return jobs.list_for(session, campaigns.load(session, organisation_id, campaign_id))

    @api
    def selection_status(self, principal, organisation_id, selection_id):
        require(principal, ACTION, organisation_id)
        with self.db.sessions() as session:
            return jobs.status(jobs.load(session, organisation_id, selection_id))

    @api
    def cancel_selection(self, principal, organisation_id, selection_id):
        require(principal, ACTION, organisation_id)
        with self.db.transaction() as session:
            out = jobs.request_cancel(jobs.load(session, organisation_id, selection_id))
        self.runner.cancel(selection_id)
        return out

    @api
    def selection_report(self, principal, organisation_id, selection_id):
        require(principal, ACTION, organisation_id)
        with self.db.sessions() as session:
            return jobs.report(jobs.load(session, organisation_id, selection_id))

    @api
    def verify_selection(self, principal, organisation_id, selection_id):
        require(principal, ACTION, organisation_id)
        with self.db.sessions() as session:
            job = jobs.load(session, organisation_id, selection_id)
        return tpool.execute(jobs.verify_job, job)

    @api
    def public_draw_record(self, selection_id):
        with self.db.sessions() as session:
            job = jobs.load(session, None, selection_id)
            return jobs.public_record(job, campaigns.load(session, None, job.campaign_id))

    @api
    def replace_member(self, principal, organisation_id, selection_id, data):
        require(principal, ACTION, organisation_id)
        with self.db.transaction() as session:
            job = jobs.load(session, organisation_id, selection_id)
            return jobs.replace(session, job, data)

    # --- events -------------------------------------------------------------------------
    @on_event("identity", "person.erased")
    def forget_person(self, event):
        person_id = (event.get("data") or {}).get("person_id")
        with self.db.transaction() as session:
            if not idempotency.first_time(session, event["id"], "panels.forget_person"):
                return
            if person_id:
                removed = registrations.forget_person(session, person_id)
                if removed:
                    log.info("forgot %d panel registration(s) of an erased person", removed)
