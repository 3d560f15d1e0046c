"""The panels service (Nameko): fair panel selection (issue 6), a thin shell around the plain
modules beside it.

Coordinator methods take the ``principal`` the gateway resolved and check the shared policy
("panels.manage") again here for the organisation concerned. Registering interest, reading a
public draw record and answering an invitation need no principal. Selections run in worker
processes (runner.py). Contact details go straight to identity (``register_panel_volunteer``)
and people are told things through identity's ``notify_person``: this service never holds an
address.
"""
from __future__ import annotations

import logging
from pathlib import Path

from eventlet import tpool
from nameko.extensions import DependencyProvider

from involve.kernel import idempotency
from involve.kernel.errors import InvolveError
from involve.kernel.nameko_parts import Database, ServiceBase, api, on_event
from involve.kernel.policy import require
from involve.kernel.rpc import RpcClient, call

from . import campaigns, invitations, jobs, messages, public, quota_rules, registrations
from .households import load_key
from .models import Campaign, SelectionJob
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
    rpc = RpcClient()

    def _rules(self):
        return quota_rules.load(self.plugins)

    def _notify(self, person_id, message) -> bool:
        """Tell someone something through identity; True if it reached them (email or inbox)."""
        if not person_id:
            return False
        answer = call(self.rpc.identity.notify_person, person_id, message) or {}
        return bool(answer.get("sent") or answer.get("stored"))

    def _notify_quietly(self, person_id, message) -> None:
        """Best effort (telling the coordinator): what it is about is already saved."""
        try:
            self._notify(person_id, message)
        except Exception as exc:  # noqa: BLE001
            log.warning("a panels message could not be sent (%s)", type(exc).__name__)

    def _send_links(self, job_id) -> None:
        """Send every invitation link not sent yet (after the commit that made them)."""
        with self.db.transaction() as session:
            job = jobs.load(session, None, job_id)
            purpose = session.get(Campaign, job.campaign_id).purpose
            organisation_id, note = job.organisation_id, job.invitation_message
            due = invitations.links_to_send(session, job)
        for item in due:
            try:
                delivered = self._notify(item["person_id"], messages.invitation(
                    purpose, organisation_id, item["token"], note))
            except InvolveError as exc:
                log.warning("an invitation could not be sent (%s)", type(exc).__name__)
                delivered = None  # identity did not answer: left unsent, tried again later
            if delivered is not None:
                with self.db.transaction() as session:
                    invitations.mark_sent(session, item["invitation_id"], delivered)

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
            campaign = campaigns.load(session, organisation_id, campaign_id)
            out["registrations"] = registrations.count(session, campaign_id)
            out["answer_counts"] = campaigns.answer_counts(session, campaign)
            out["quotas_locked"] = campaigns.selected(session, campaign_id)
            panel = invitations.invited_selection(session, campaign_id)
            out["panel_selection_id"] = panel.id if panel else None
            return out

    @api
    def close_campaign(self, principal, organisation_id, campaign_id):
        require(principal, ACTION, organisation_id)
        with self.db.transaction() as session:
            return campaigns.close(session, organisation_id, campaign_id)

    # --- registrations ------------------------------------------------------------------
    @api
    def open_campaigns(self, organisation_id):
        """Public: [{id, purpose, closes_at}] of the organisation's campaigns taking
        registrations now (the public organisation page lists them)."""
        with self.db.sessions() as session:
            return campaigns.open_for(session, organisation_id)

    @api
    def public_campaign(self, campaign_id):
        with self.db.sessions() as session:
            return campaigns.public_view(campaigns.load(session, None, campaign_id))

    @api
    def register_interest(self, campaign_id, data):
        with self.db.sessions() as session:
            organisation_id, details = registrations.check(session, campaign_id, data)
        # checked first, so identity keeps nobody's details for a registration refused here
        volunteer = (call(self.rpc.identity.register_panel_volunteer, organisation_id, details)
                     if details else None)
        with self.db.transaction() as session:
            return registrations.register(session, self.db.record_event, self.household_key,
                                          campaign_id, data, volunteer)

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
            job.started_by = principal.get("person_id")  # told when it finishes
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
        """The fairness report, with each imported spreadsheet id (to match people)."""
        require(principal, ACTION, organisation_id)
        with self.db.sessions() as session:
            job = jobs.load(session, organisation_id, selection_id)
            out = jobs.report(job)
            out["spreadsheet_ids"] = registrations.spreadsheet_ids(
                session, list(out.get("probabilities") or {}) + jobs.current_panel(session, job))
            return out

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
        """A member dropped out. On an invited panel they are marked so and their replacement
        is invited at once."""
        require(principal, ACTION, organisation_id)
        with self.db.transaction() as session:
            job = jobs.load(session, organisation_id, selection_id)
            out = invitations.drop_out(session, job, data)
            invited = job.invited_at is not None
        if invited:
            self._send_links(selection_id)
        return out

    # --- inviting the chosen ------------------------------------------------------------
    @api
    def invite_panel(self, principal, organisation_id, selection_id, data):
        """Invite the selection's panel: links to those identity can reach, the rest for the
        coordinator to contact. The selection becomes the campaign's panel."""
        require(principal, ACTION, organisation_id)
        with self.db.transaction() as session:
            job = jobs.load(session, organisation_id, selection_id)
            invitations.invite(session, job, principal.get("person_id"), data)
        self._send_links(selection_id)
        with self.db.sessions() as session:
            return invitations.summary(session, jobs.load(session, organisation_id, selection_id))

    @api
    def panel_invitations(self, principal, organisation_id, selection_id):
        require(principal, ACTION, organisation_id)
        with self.db.sessions() as session:
            return invitations.summary(session, jobs.load(session, organisation_id, selection_id))

    @api
    def panel_csv(self, principal, organisation_id, selection_id):
        require(principal, ACTION, organisation_id)
        with self.db.sessions() as session:
            return invitations.panel_csv(session, jobs.load(session, organisation_id,
                                                            selection_id))

    @api
    def record_member_answer(self, principal, organisation_id, selection_id, data):
        """The coordinator records the yes or no of someone they contacted themselves."""
        require(principal, ACTION, organisation_id)
        with self.db.transaction() as session:
            out = invitations.record_answer(
                session, jobs.load(session, organisation_id, selection_id), data)
        self._send_links(selection_id)
        return out

    @api
    def resend_invitation(self, principal, organisation_id, selection_id, registration_id):
        require(principal, ACTION, organisation_id)
        with self.db.transaction() as session:
            invitations.resend(session, jobs.load(session, organisation_id, selection_id),
                               registration_id)
        self._send_links(selection_id)
        with self.db.sessions() as session:
            return invitations.summary(session, jobs.load(session, organisation_id, selection_id))

    @api
    def public_invitation(self, token):
        """Public, by the link's token: the panel's purpose and the person's answer so far."""
        with self.db.sessions() as session:
            return invitations.public_view(session, invitations.by_token(session, token))

    @api
    def answer_invitation(self, token, data):
        """Public, by the link's token: accept, or decline (their replacement is invited and
        the coordinator told)."""
        with self.db.transaction() as session:
            out = invitations.answer(session, token, data)
        if out["declined"]:
            self._send_links(out["selection_id"])
            self._notify_quietly(out["coordinator_id"], messages.member_left(
                out["purpose"], out["organisation_id"], out["selection_id"],
                "has said they cannot take part", bool(out["replacement_id"])))
        return {key: out[key] for key in ("status", "purpose", "campaign_id", "selection_id",
                                          "reference", "answered_at")}

    # --- public draw records -------------------------------------------------------------
    @api
    def public_campaign_draws(self, campaign_id):
        with self.db.sessions() as session:
            return public.campaign_draws(session, campaign_id)

    @api
    def public_draw(self, selection_id):
        with self.db.sessions() as session:
            return public.draw(session, selection_id)

    # --- events -------------------------------------------------------------------------
    def _tell_coordinator(self, event, handler, make_message):
        """Tell whoever started a selection that it ended; once per event."""
        selection_id = (event.get("data") or {}).get("selection_id")
        with self.db.sessions() as session:
            if not selection_id or idempotency.handled(session, event["id"], handler):
                return
            job = session.get(SelectionJob, selection_id)
            if job is None:
                return
            campaign = session.get(Campaign, job.campaign_id)
            person_id, message = job.started_by, make_message(job, campaign)
        if person_id:  # a failure to reach identity raises: the event comes again
            self._notify(person_id, message)
        with self.db.transaction() as session:
            idempotency.first_time(session, event["id"], handler)

    @on_event("panels", "selection.completed")
    def selection_completed(self, event):
        self._tell_coordinator(event, "panels.selection_completed", lambda job, c: (
            messages.selection_done(c.purpose, job.organisation_id, job.id,
                                    len((job.result or {}).get("panel") or []),
                                    len(job.input.get("people", [])))))

    @on_event("panels", "selection.failed")
    def selection_failed(self, event):
        self._tell_coordinator(event, "panels.selection_failed", lambda job, c: (
            messages.selection_failed(c.purpose, job.organisation_id, job.id, (
                "No panel can meet every quota with the people who registered."
                if (job.error or {}).get("code") == "infeasible" else job.message))))

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
