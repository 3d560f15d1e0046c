"""The commissioning service (Nameko): service users as equal partners in re-commissioning, from
first principles to paid claims (issue 12). A thin shell around the plain modules beside it; see
docs/commissioning-service.md for every method's arguments, result and errors.

Every method takes the ``principal`` the gateway resolved and the ``organisation_id``, and checks
the shared policy again here before anything else: ``commissioning.read`` (staff),
``commissioning.manage`` (commissioners and involvement leads), ``commissioning.release``
(releasing briefings: never a service user), ``commissioning.take_part`` (anyone, for what they
are a member of), ``payments.claim``, ``payments.authorise``, ``payments.manage``,
``payments.read``. Other services are called only through ``kernel.rpc.call``.
"""
from __future__ import annotations

import logging
import time
from pathlib import Path

from nameko.extensions import DependencyProvider
from nameko.timer import timer

from involve.kernel import idempotency, settings
from involve.kernel.db import now
from involve.kernel.errors import Forbidden
from involve.kernel.nameko_parts import Database, ServiceBase, api, on_event
from involve.kernel.policy import allowed, require
from involve.kernel.rpc import RpcClient, call

from . import (
    agreements,
    briefings,
    bulletins,
    common,
    conflicts,
    erasure,
    evaluation,
    groups,
    involvement,
    meetings,
    ocds,
    opportunities,
    payments,
    plain_english,
    projects,
    readiness,
    training,
)

log = logging.getLogger(__name__)
READ = "commissioning.read"
MANAGE = "commissioning.manage"
RELEASE = "commissioning.release"
TAKE_PART = "commissioning.take_part"
CLAIM = "payments.claim"
AUTHORISE = "payments.authorise"
PAY_MANAGE = "payments.manage"
PAY_READ = "payments.read"


class Pacer(DependencyProvider):
    """Paces the 1-second timer: due releases are looked for every COMMISSIONING_TIMER_SECONDS
    (read at run time, so configuration can change it)."""

    def setup(self):
        self.last = None

    def due(self) -> bool:
        interval = float(settings.get("COMMISSIONING_TIMER_SECONDS"))
        moment = time.monotonic()
        if self.last is not None and moment - self.last < interval:
            return False
        self.last = moment
        return True

    def get_dependency(self, worker_ctx):
        return self


def _person(principal) -> str | None:
    return (principal or {}).get("person_id")


def _me(principal) -> str:
    return common.require_person(_person(principal))


def _tolerance() -> float:
    return float(settings.get("COMMISSIONING_RELEASE_ON_TIME_SECONDS"))


class CommissioningService(ServiceBase):
    name = "commissioning"
    db = Database(migrations=Path(__file__).parent / "migrations")
    rpc = RpcClient()
    pacer = Pacer()

    # --- helpers ----------------------------------------------------------------------------------
    def _roles(self, organisation_id, person_ids) -> dict:
        ids = sorted({p for p in person_ids if p})
        return call(self.rpc.identity.roles_of_people, organisation_id, ids) if ids else {}

    def _check_people(self, organisation_id, person_ids, field):
        common.check_people(self._roles(organisation_id, person_ids), person_ids, field)

    def _see_project(self, session, principal, organisation_id, project_id):
        """Staff and commissioners see every project; anyone else the projects they sit on."""
        project = common.project(session, organisation_id, project_id)
        if allowed(principal, READ, organisation_id):
            return project
        if not groups.in_project(session, project.id, _person(principal)):
            raise common.not_member()
        return project

    def _not_a_service_user_member(self, session, principal, project_id):
        """Releasing a briefing is the commissioners' job: never a service user's, even one who
        also holds a commissioner's role."""
        person = _person(principal)
        if person and "service_user" in groups.capacity_in_project(session, project_id, person,
                                                                   now().date()):
            raise Forbidden("Service users on the project never release confidential items: "
                            "the commissioners do.")

    def _announce(self, messages):
        for message in messages:
            try:
                call(self.rpc.identity.notify_person, message["person_id"],
                     {"subject": message["subject"], "body": message["body"]})
            except Exception as exc:  # noqa: BLE001 - the release itself is saved
                log.warning("a release notice could not be sent (%s)", type(exc).__name__)

    # --- projects ---------------------------------------------------------------------------------
    @api
    def list_projects(self, principal, organisation_id):
        require(principal, TAKE_PART, organisation_id)
        with self.db.sessions() as session:
            if allowed(principal, READ, organisation_id):
                return projects.list_for(session, organisation_id)
            mine = {g.project_id for g, _ in groups.groups_of_person(
                session, _person(principal), now().date())} if _person(principal) else set()
            return projects.list_for(session, organisation_id, mine)

    @api
    def create_project(self, principal, organisation_id, data):
        require(principal, MANAGE, organisation_id)
        values = projects.check_create(data)
        projects.check_care_services(values, call(self.rpc.identity.public_care_services,
                                                  organisation_id))
        for field, person_id in projects.people_named(values).items():
            self._check_people(organisation_id, [person_id], field)
        with self.db.transaction() as session:
            return projects.create(session, self.db.record_event, organisation_id, values,
                                   _person(principal), now())

    @api
    def get_project(self, principal, organisation_id, project_id):
        require(principal, TAKE_PART, organisation_id)
        with self.db.sessions() as session:
            return projects.view(session, self._see_project(session, principal, organisation_id,
                                                            project_id))

    @api
    def update_project(self, principal, organisation_id, project_id, data):
        require(principal, MANAGE, organisation_id)
        values = projects.check_update(data)
        if "care_service_ids" in values:
            projects.check_care_services(values, call(self.rpc.identity.public_care_services,
                                                      organisation_id))
        for field, person_id in projects.people_named(values).items():
            self._check_people(organisation_id, [person_id], field)
        with self.db.transaction() as session:
            return projects.update(session, organisation_id, project_id, values,
                                   self.db.record_event, now())

    @api
    def change_phase(self, principal, organisation_id, project_id, data):
        require(principal, MANAGE, organisation_id)
        with self.db.transaction() as session:
            return projects.change_phase(session, self.db.record_event, organisation_id,
                                         project_id, data, _person(principal), now())

    @api
    def add_principle(self, principal, organisation_id, project_id, data):
        require(principal, MANAGE, organisation_id)
        values = projects.check_principle(data)
        roles = self._roles(organisation_id, values["agreed_by"])
        with self.db.transaction() as session:
            return projects.add_principle(session, organisation_id, project_id, values, roles,
                                          _person(principal), now())

    @api
    def add_budget_line(self, principal, organisation_id, project_id, data):
        require(principal, MANAGE, organisation_id)
        with self.db.transaction() as session:
            return projects.add_budget_line(session, organisation_id, project_id, data, now())

    @api
    def record_spend(self, principal, organisation_id, budget_line_id, data):
        require(principal, MANAGE, organisation_id)
        with self.db.transaction() as session:
            return projects.record_spend(session, organisation_id, budget_line_id, data,
                                         _person(principal), now())

    @api
    def project_warnings(self, principal, organisation_id, project_id):
        require(principal, MANAGE, organisation_id)
        with self.db.sessions() as session:
            return readiness.for_project(session, common.project(session, organisation_id,
                                                                 project_id), now())

    # --- groups -----------------------------------------------------------------------------------
    @api
    def list_groups(self, principal, organisation_id, project_id):
        require(principal, TAKE_PART, organisation_id)
        with self.db.sessions() as session:
            self._see_project(session, principal, organisation_id, project_id)
            return groups.list_for(session, organisation_id, project_id, now().date())

    @api
    def create_group(self, principal, organisation_id, project_id, data):
        require(principal, MANAGE, organisation_id)
        with self.db.transaction() as session:
            return groups.create(session, organisation_id, project_id, data,
                                 training.kinds(session, organisation_id), now())

    @api
    def add_member(self, principal, organisation_id, group_id, data):
        """The membership, and warnings if the person lacks a signed agreement or the group's
        training."""
        require(principal, MANAGE, organisation_id)
        values = groups.check_member(data)
        self._check_people(organisation_id, [values["person_id"]], "person_id")
        moment = now()
        with self.db.transaction() as session:
            membership = groups.add_member(session, organisation_id, group_id, values, moment)
            group = common.group(session, organisation_id, group_id)
            warnings = readiness.warnings_for(
                session, organisation_id, group.project_id, [membership.person_id],
                group.required_training, f"taking part in {group.name}",
                max(membership.starts_on, moment.date()))
            return {"membership": groups.membership_dict(membership),
                    "group": groups.as_dict(session, group, moment.date()),
                    "warnings": warnings}

    @api
    def end_membership(self, principal, organisation_id, membership_id, data):
        require(principal, MANAGE, organisation_id)
        with self.db.transaction() as session:
            return groups.end_membership(session, organisation_id, membership_id, data)

    # --- opportunities ----------------------------------------------------------------------------
    @api
    def list_opportunities(self, principal, organisation_id):
        require(principal, TAKE_PART, organisation_id)
        with self.db.sessions() as session:
            return opportunities.list_for(session, organisation_id,
                                          allowed(principal, MANAGE, organisation_id),
                                          _person(principal))

    @api
    def create_opportunity(self, principal, organisation_id, project_id, data):
        require(principal, MANAGE, organisation_id)
        with self.db.transaction() as session:
            return opportunities.create(session, organisation_id, project_id, data, now())

    @api
    def get_opportunity(self, principal, organisation_id, opportunity_id):
        require(principal, TAKE_PART, organisation_id)
        with self.db.sessions() as session:
            return opportunities.get(session, organisation_id, opportunity_id,
                                     allowed(principal, MANAGE, organisation_id),
                                     _person(principal))

    @api
    def publish_opportunity(self, principal, organisation_id, opportunity_id):
        require(principal, MANAGE, organisation_id)
        with self.db.transaction() as session:
            return opportunities.publish(session, self.db.record_event, organisation_id,
                                         opportunity_id, now())

    @api
    def open_panel_campaign(self, principal, organisation_id, opportunity_id, data):
        """Asks the panels service (with the caller's own rights there: ``panels.manage``) to
        open the campaign that will draw this opportunity's people fairly."""
        require(principal, MANAGE, organisation_id)
        with self.db.sessions() as session:
            _, campaign = opportunities.check_campaign(session, organisation_id, opportunity_id,
                                                       data)
        opened = call(self.rpc.panels.create_campaign, principal, organisation_id, campaign)
        with self.db.transaction() as session:
            return opportunities.link_campaign(session, organisation_id, opportunity_id,
                                               opened["id"])

    @api
    def express_interest(self, principal, organisation_id, opportunity_id, data):
        require(principal, TAKE_PART, organisation_id)
        me, moment = _me(principal), now()
        with self.db.sessions() as session:
            row, values = opportunities.check_interest(session, organisation_id, opportunity_id,
                                                       me, data, moment)
            campaign_id = row.panel_campaign_id if row.selection == "panel" else None
        registration = None
        if campaign_id:
            registration = call(self.rpc.panels.register_interest, campaign_id,
                                opportunities.registration_for_panel(values, me))["id"]
        with self.db.transaction() as session:
            return opportunities.express_interest(session, organisation_id, opportunity_id, me,
                                                  values, registration, moment)

    @api
    def withdraw_interest(self, principal, organisation_id, opportunity_id):
        require(principal, TAKE_PART, organisation_id)
        with self.db.transaction() as session:
            return opportunities.withdraw(session, organisation_id, opportunity_id,
                                          _me(principal), now())

    @api
    def select_people(self, principal, organisation_id, opportunity_id, data):
        require(principal, MANAGE, organisation_id)
        with self.db.transaction() as session:
            return opportunities.select_people(session, organisation_id, opportunity_id, data,
                                               _person(principal), now())

    @api
    def apply_panel_selection(self, principal, organisation_id, opportunity_id):
        """Reads the drawn panel from the panels service (with the caller's rights there) and
        selects the people it drew."""
        require(principal, MANAGE, organisation_id)
        with self.db.sessions() as session:
            row = opportunities.load(session, organisation_id, opportunity_id)
            selection_id = row.panel_selection_id
        if not selection_id:
            with self.db.transaction() as session:  # raises the plain Conflict
                return opportunities.apply_panel(session, organisation_id, opportunity_id, [],
                                                 _person(principal), now())
        drawn = call(self.rpc.panels.selection_status, principal, organisation_id, selection_id)
        with self.db.transaction() as session:
            return opportunities.apply_panel(session, organisation_id, opportunity_id,
                                             list(drawn.get("panel") or []), _person(principal),
                                             now())

    @on_event("panels", "selection.completed")
    def panel_selection_completed(self, event):
        data = event.get("data") or {}
        with self.db.transaction() as session:
            if not idempotency.first_time(session, event["id"],
                                          "commissioning.panel_selection_completed"):
                return
            if data.get("campaign_id") and data.get("selection_id"):
                opportunities.selection_completed(session, data["campaign_id"],
                                                  data["selection_id"],
                                                  data.get("organisation_id"), now())

    # --- working agreements -----------------------------------------------------------------------
    @api
    def create_agreement(self, principal, organisation_id, project_id, data):
        require(principal, MANAGE, organisation_id)
        values = agreements.check_create(data)
        self._check_people(organisation_id, [values["person_id"]], "person_id")
        with self.db.transaction() as session:
            return agreements.create(session, organisation_id, project_id, values,
                                     _person(principal), now())

    @api
    def change_agreement(self, principal, organisation_id, agreement_id, data):
        require(principal, MANAGE, organisation_id)
        with self.db.transaction() as session:
            return agreements.change(session, organisation_id, agreement_id, data,
                                     _person(principal), now())

    @api
    def sign_agreement(self, principal, organisation_id, agreement_id):
        """The member signs their side; a commissioner (not the member) signs the other."""
        require(principal, TAKE_PART, organisation_id)
        me = _me(principal)
        with self.db.transaction() as session:
            row = agreements.load(session, organisation_id, agreement_id)
            if row.person_id == me:
                party = "member"
            else:
                require(principal, MANAGE, organisation_id)
                party = "commissioner"
            return agreements.sign(session, self.db.record_event, organisation_id, agreement_id,
                                   party, me, now())

    @api
    def list_agreements(self, principal, organisation_id, project_id):
        require(principal, MANAGE, organisation_id)
        with self.db.sessions() as session:
            return agreements.for_project(session, organisation_id, project_id)

    @api
    def agreement_history(self, principal, organisation_id, project_id, person_id):
        require(principal, TAKE_PART, organisation_id)
        if person_id != _person(principal):
            require(principal, MANAGE, organisation_id)
        with self.db.sessions() as session:
            return agreements.history(session, organisation_id, project_id, person_id)

    # --- training ---------------------------------------------------------------------------------
    @api
    def list_training_kinds(self, principal, organisation_id):
        require(principal, TAKE_PART, organisation_id)
        with self.db.sessions() as session:
            return training.list_kinds(session, organisation_id)

    @api
    def add_training_kind(self, principal, organisation_id, data):
        require(principal, MANAGE, organisation_id)
        with self.db.transaction() as session:
            return training.add_kind(session, organisation_id, data, now())

    @api
    def record_training(self, principal, organisation_id, data):
        require(principal, MANAGE, organisation_id)
        values = training.check_record(data)
        self._check_people(organisation_id, [values["person_id"]], "person_id")
        with self.db.transaction() as session:
            return training.record(session, self.db.record_event, organisation_id, values,
                                   _person(principal), now())

    @api
    def training_of(self, principal, organisation_id, person_id):
        require(principal, TAKE_PART, organisation_id)
        if person_id != _person(principal):
            require(principal, READ, organisation_id)
        with self.db.sessions() as session:
            return training.records_of(session, organisation_id, person_id)

    # --- meetings, papers and the plain-English check ------------------------------------------------
    @api
    def list_meetings(self, principal, organisation_id, project_id):
        require(principal, TAKE_PART, organisation_id)
        with self.db.sessions() as session:
            self._see_project(session, principal, organisation_id, project_id)
            return meetings.list_for(session, organisation_id, project_id)

    @api
    def create_meeting(self, principal, organisation_id, project_id, data):
        require(principal, MANAGE, organisation_id)
        with self.db.transaction() as session:
            return meetings.create(session, organisation_id, project_id, data, now())

    @api
    def get_meeting(self, principal, organisation_id, meeting_id):
        require(principal, TAKE_PART, organisation_id)
        with self.db.sessions() as session:
            meeting = common.meeting(session, organisation_id, meeting_id)
            self._see_project(session, principal, organisation_id, meeting.project_id)
            return meetings.view(session, organisation_id, meeting, _person(principal),
                                 allowed(principal, MANAGE, organisation_id), now())

    @api
    def cancel_meeting(self, principal, organisation_id, meeting_id):
        require(principal, MANAGE, organisation_id)
        with self.db.transaction() as session:
            return meetings.cancel(session, organisation_id, meeting_id)

    @api
    def add_paper(self, principal, organisation_id, meeting_id, data):
        require(principal, MANAGE, organisation_id)
        with self.db.transaction() as session:
            return meetings.add_paper(session, organisation_id, meeting_id, data,
                                      _person(principal), now())

    @api
    def revise_paper(self, principal, organisation_id, paper_id, data):
        require(principal, MANAGE, organisation_id)
        with self.db.transaction() as session:
            return meetings.revise_paper(session, organisation_id, paper_id, data,
                                         _person(principal), now())

    @api
    def issue_paper(self, principal, organisation_id, paper_id, data):
        require(principal, MANAGE, organisation_id)
        with self.db.transaction() as session:
            return meetings.issue_paper(session, organisation_id, paper_id, data, now())

    @api
    def get_paper(self, principal, organisation_id, paper_id):
        """Refused (403) to anyone outside the group while the paper's item is confidential."""
        require(principal, TAKE_PART, organisation_id)
        with self.db.sessions() as session:
            paper = meetings.load_paper(session, organisation_id, paper_id)
            meeting = common.meeting(session, organisation_id, paper.meeting_id)
            self._see_project(session, principal, organisation_id, meeting.project_id)
            return meetings.get_paper(session, organisation_id, paper_id, _person(principal),
                                      allowed(principal, MANAGE, organisation_id), now())

    @api
    def record_meeting_held(self, principal, organisation_id, meeting_id, data):
        require(principal, MANAGE, organisation_id)
        values = meetings.check_held(data)
        self._check_people(organisation_id, [a["person_id"] for a in values["attendance"]],
                           "attendance")
        with self.db.transaction() as session:
            return meetings.record_held(session, self.db.record_event, organisation_id,
                                        meeting_id, values, now())

    @api
    def record_decision(self, principal, organisation_id, meeting_id, data):
        require(principal, MANAGE, organisation_id)
        with self.db.transaction() as session:
            return meetings.record_decision(session, self.db.record_event, organisation_id,
                                            meeting_id, data, _person(principal), now())

    @api
    def get_decision(self, principal, organisation_id, decision_id):
        require(principal, TAKE_PART, organisation_id)
        moment = now()
        with self.db.sessions() as session:
            decision = meetings.load_decision(session, organisation_id, decision_id)
            meeting = common.meeting(session, organisation_id, decision.meeting_id)
            self._see_project(session, principal, organisation_id, meeting.project_id)
            briefings.guard(session, decision.confidential_item_id, _person(principal),
                            allowed(principal, MANAGE, organisation_id), moment, "This decision")
            return meetings.decision_dict(session, decision, True)

    @api
    def check_text(self, principal, organisation_id, data):
        require(principal, TAKE_PART, organisation_id)
        with self.db.transaction() as session:
            return plain_english.check(session, organisation_id, data, now())

    @api
    def list_jargon(self, principal, organisation_id):
        require(principal, TAKE_PART, organisation_id)
        with self.db.transaction() as session:
            return plain_english.list_terms(session, organisation_id, now())

    @api
    def add_jargon(self, principal, organisation_id, data):
        require(principal, MANAGE, organisation_id)
        with self.db.transaction() as session:
            return plain_english.add_term(session, organisation_id, data, now())

    @api
    def remove_jargon(self, principal, organisation_id, term_id):
        require(principal, MANAGE, organisation_id)
        with self.db.transaction() as session:
            return plain_english.remove_term(session, organisation_id, term_id, now())

    # --- confidentiality briefings ----------------------------------------------------------------
    @api
    def create_briefing(self, principal, organisation_id, meeting_id, data):
        require(principal, MANAGE, organisation_id)
        with self.db.transaction() as session:
            return briefings.create(session, organisation_id, meeting_id, data,
                                    _person(principal), now(), self.db.record_event)

    @api
    def get_confidential_item(self, principal, organisation_id, item_id):
        require(principal, TAKE_PART, organisation_id)
        with self.db.sessions() as session:
            item = briefings.load_item(session, organisation_id, item_id)
            self._see_project(session, principal, organisation_id, item.project_id)
            return briefings.get_item(session, organisation_id, item_id, _person(principal),
                                      allowed(principal, MANAGE, organisation_id), now())

    @api
    def release_item(self, principal, organisation_id, item_id):
        require(principal, RELEASE, organisation_id)
        with self.db.transaction() as session:
            item = briefings.load_item(session, organisation_id, item_id)
            self._not_a_service_user_member(session, principal, item.project_id)
            out = briefings.release(session, self.db.record_event, organisation_id, item_id,
                                    _person(principal), now(), _tolerance())
            notices = briefings.announcements(session, [item_id], now())
        self._announce(notices)
        return out

    @api
    def mark_release_event(self, principal, organisation_id, project_id, data):
        require(principal, RELEASE, organisation_id)
        with self.db.transaction() as session:
            self._not_a_service_user_member(session, principal, project_id)
            out = briefings.mark_event(session, self.db.record_event, organisation_id,
                                       project_id, data, _person(principal), now(),
                                       _tolerance())
            notices = briefings.announcements(session, out["released"], now())
        self._announce(notices)
        return out

    @timer(interval=1)
    def tick(self):
        if self.pacer.due():
            self.release_due()

    def release_due(self):
        moment = now()
        with self.db.transaction() as session:
            released = briefings.release_due(session, self.db.record_event, moment, _tolerance())
            notices = briefings.announcements(session, released, moment)
        if released:
            log.info("released %d confidential item(s) whose time had come", len(released))
        self._announce(notices)

    # --- conflicts of interest --------------------------------------------------------------------
    @api
    def declare_conflict(self, principal, organisation_id, project_id, data):
        require(principal, TAKE_PART, organisation_id)
        values = conflicts.check_declaration(data)
        person_id = values["person_id"] or _me(principal)
        if person_id != _person(principal):
            require(principal, MANAGE, organisation_id)
            self._check_people(organisation_id, [person_id], "person_id")
        with self.db.transaction() as session:
            self._see_project(session, principal, organisation_id, project_id)
            return conflicts.declare(session, self.db.record_event, organisation_id, project_id,
                                     values, person_id, _person(principal), now())

    @api
    def decide_conflict(self, principal, organisation_id, conflict_id, data):
        require(principal, MANAGE, organisation_id)
        with self.db.transaction() as session:
            return conflicts.decide(session, organisation_id, conflict_id, data,
                                    _person(principal), now())

    @api
    def list_conflicts(self, principal, organisation_id, project_id):
        require(principal, TAKE_PART, organisation_id)
        manager = allowed(principal, MANAGE, organisation_id)
        with self.db.sessions() as session:
            return conflicts.list_for(session, organisation_id, project_id,
                                      None if manager else _me(principal))

    # --- provider evaluation ----------------------------------------------------------------------
    @api
    def create_tender(self, principal, organisation_id, project_id, data):
        require(principal, MANAGE, organisation_id)
        values = evaluation.check_tender(data)
        self._check_people(organisation_id, values["price_evaluator_ids"], "price_evaluator_ids")
        with self.db.transaction() as session:
            return evaluation.create(session, organisation_id, project_id, values,
                                     _person(principal), now())

    @api
    def list_tenders(self, principal, organisation_id, project_id):
        require(principal, READ, organisation_id)
        with self.db.sessions() as session:
            return evaluation.list_for(session, organisation_id, project_id)

    @api
    def get_tender(self, principal, organisation_id, tender_id):
        require(principal, TAKE_PART, organisation_id)
        with self.db.sessions() as session:
            return evaluation.get(session, organisation_id, tender_id, _person(principal),
                                  allowed(principal, MANAGE, organisation_id), now())

    @api
    def add_bidder(self, principal, organisation_id, tender_id, data):
        require(principal, MANAGE, organisation_id)
        with self.db.transaction() as session:
            return evaluation.add_bidder(session, organisation_id, tender_id, data,
                                         _person(principal), now())

    @api
    def add_question(self, principal, organisation_id, tender_id, data):
        require(principal, MANAGE, organisation_id)
        with self.db.transaction() as session:
            return evaluation.add_question(session, organisation_id, tender_id, data,
                                           _person(principal), now())

    @api
    def start_scoring(self, principal, organisation_id, tender_id):
        require(principal, MANAGE, organisation_id)
        with self.db.transaction() as session:
            return evaluation.start_scoring(session, organisation_id, tender_id,
                                            _person(principal), now())

    @api
    def save_scores(self, principal, organisation_id, tender_id, bidder_id, data):
        require(principal, TAKE_PART, organisation_id)
        with self.db.transaction() as session:
            return evaluation.save_scores(session, organisation_id, tender_id, bidder_id, data,
                                          _me(principal), now())

    @api
    def submit_scores(self, principal, organisation_id, tender_id, bidder_id):
        require(principal, TAKE_PART, organisation_id)
        with self.db.transaction() as session:
            return evaluation.submit_scores(session, organisation_id, tender_id, bidder_id,
                                            _me(principal), now())

    @api
    def bidder_scores(self, principal, organisation_id, tender_id, bidder_id):
        """Your scores; others' only once you have submitted yours."""
        require(principal, TAKE_PART, organisation_id)
        with self.db.sessions() as session:
            return evaluation.scores_view(session, organisation_id, tender_id, bidder_id,
                                          _person(principal),
                                          allowed(principal, MANAGE, organisation_id), now())

    @api
    def start_moderation(self, principal, organisation_id, tender_id):
        require(principal, MANAGE, organisation_id)
        with self.db.transaction() as session:
            return evaluation.start_moderation(session, organisation_id, tender_id,
                                               _person(principal), now())

    @api
    def moderate(self, principal, organisation_id, tender_id, data):
        require(principal, MANAGE, organisation_id)
        with self.db.transaction() as session:
            return evaluation.moderate(session, self.db.record_event, organisation_id, tender_id,
                                       data, _person(principal), now())

    @api
    def tender_results(self, principal, organisation_id, tender_id):
        require(principal, MANAGE, organisation_id)
        with self.db.sessions() as session:
            return evaluation.results(session, organisation_id, tender_id)

    @api
    def award_tender(self, principal, organisation_id, tender_id, data):
        require(principal, MANAGE, organisation_id)
        with self.db.transaction() as session:
            return evaluation.award(session, organisation_id, tender_id, data,
                                    _person(principal), now())

    @api
    def tender_audit(self, principal, organisation_id, tender_id):
        require(principal, MANAGE, organisation_id)
        with self.db.sessions() as session:
            return evaluation.audit_trail(session, organisation_id, tender_id)

    @api
    def export_ocds(self, principal, organisation_id, tender_id):
        require(principal, MANAGE, organisation_id)
        with self.db.sessions() as session:
            common.tender(session, organisation_id, tender_id)
        organisation = call(self.rpc.identity.get_organisation, principal, organisation_id)
        with self.db.sessions() as session:
            return ocds.release_package(session, organisation_id, tender_id,
                                        organisation["name"], settings.get("GATEWAY_URL"), now())

    # --- payments ---------------------------------------------------------------------------------
    @api
    def set_payment_policy(self, principal, organisation_id, data):
        require(principal, PAY_MANAGE, organisation_id)
        with self.db.transaction() as session:
            return payments.set_policy(session, organisation_id, data, _person(principal), now(),
                                       self.db.record_event)

    @api
    def list_payment_policies(self, principal, organisation_id):
        require(principal, TAKE_PART, organisation_id)
        with self.db.sessions() as session:
            return payments.policies(session, organisation_id)

    @api
    def record_benefits_advice(self, principal, organisation_id, data):
        require(principal, PAY_MANAGE, organisation_id)
        values = payments.check_advice(data)
        self._check_people(organisation_id, [values["person_id"]], "person_id")
        with self.db.transaction() as session:
            return payments.record_advice(session, organisation_id, values, _person(principal),
                                          now())

    @api
    def submit_claim(self, principal, organisation_id, data):
        """Idempotent on ``claim_key``: the same claim sent again returns the first."""
        require(principal, TAKE_PART, organisation_id)
        values = payments.check_claim(data)
        claimant = values["person_id"] or _me(principal)
        require(principal, CLAIM if claimant == _person(principal) else PAY_MANAGE,
                organisation_id)
        self._check_people(organisation_id, [claimant], "person_id")
        with self.db.transaction() as session:
            return payments.submit(session, self.db.record_event, organisation_id, values,
                                   claimant, _person(principal), now())

    @api
    def get_claim(self, principal, organisation_id, claim_id):
        require(principal, TAKE_PART, organisation_id)
        with self.db.sessions() as session:
            return payments.get(session, organisation_id, claim_id, _person(principal),
                                allowed(principal, PAY_READ, organisation_id), now())

    @api
    def list_claims(self, principal, organisation_id, filters=None):
        require(principal, PAY_READ, organisation_id)
        with self.db.sessions() as session:
            return payments.search(session, organisation_id, filters)

    @api
    def authorise_claim(self, principal, organisation_id, claim_id):
        require(principal, AUTHORISE, organisation_id)
        with self.db.transaction() as session:
            return payments.authorise(session, organisation_id, claim_id, _person(principal),
                                      now())

    @api
    def reject_claim(self, principal, organisation_id, claim_id, data):
        require(principal, AUTHORISE, organisation_id)
        with self.db.transaction() as session:
            return payments.reject(session, organisation_id, claim_id, data, _person(principal),
                                   now(), self.db.record_event)

    @api
    def pay_claim(self, principal, organisation_id, claim_id, data=None):
        """Paying a paid claim again changes nothing (``already_paid``)."""
        require(principal, AUTHORISE, organisation_id)
        with self.db.transaction() as session:
            return payments.pay(session, self.db.record_event, organisation_id, claim_id, data,
                                _person(principal), now())

    @api
    def person_payments(self, principal, organisation_id, person_id):
        require(principal, TAKE_PART, organisation_id)
        if person_id != _person(principal):
            require(principal, PAY_READ, organisation_id)
        with self.db.sessions() as session:
            return payments.person_summary(session, organisation_id, person_id, now())

    @api
    def payment_timeliness(self, principal, organisation_id):
        require(principal, PAY_READ, organisation_id)
        with self.db.sessions() as session:
            return payments.timeliness(session, organisation_id)

    @api
    def export_payments_csv(self, principal, organisation_id, filters=None):
        require(principal, PAY_READ, organisation_id)
        with self.db.sessions() as session:
            return {"filename": "payments.csv",
                    "csv": payments.export_csv(session, organisation_id, filters)}

    @on_event("commissioning", "meeting.held")
    def start_meeting_claims(self, event):
        """Our own event: claims started for the service users who attended (once, however
        often the event is delivered)."""
        data = event.get("data") or {}
        with self.db.transaction() as session:
            if not idempotency.first_time(session, event["id"],
                                          "commissioning.start_meeting_claims"):
                return
            if data.get("meeting_id") and event.get("organisation"):
                payments.drafts_for_meeting(session, event["organisation"], data["meeting_id"],
                                            now())

    # --- bulletins --------------------------------------------------------------------------------
    @api
    def bulletin_sources(self, principal, organisation_id, project_id):
        require(principal, MANAGE, organisation_id)
        with self.db.sessions() as session:
            return bulletins.sources(session, organisation_id, project_id)

    @api
    def draft_bulletin(self, principal, organisation_id, project_id, data):
        require(principal, MANAGE, organisation_id)
        with self.db.transaction() as session:
            return bulletins.draft(session, organisation_id, project_id, data,
                                   _person(principal), now())

    @api
    def publish_bulletin(self, principal, organisation_id, bulletin_id, data=None):
        require(principal, MANAGE, organisation_id)
        with self.db.transaction() as session:
            return bulletins.publish(session, self.db.record_event, organisation_id, bulletin_id,
                                     data, now())

    @api
    def list_bulletins(self, principal, organisation_id, project_id):
        """Published bulletins are for everyone in the organisation; drafts for managers."""
        require(principal, TAKE_PART, organisation_id)
        with self.db.sessions() as session:
            return bulletins.list_for(session, organisation_id, project_id,
                                      not allowed(principal, MANAGE, organisation_id))

    # --- my involvement and erasure --------------------------------------------------------------------
    @api
    def my_involvement(self, principal, organisation_id):
        require(principal, TAKE_PART, organisation_id)
        with self.db.sessions() as session:
            return involvement.mine(session, organisation_id, _me(principal), now())

    @on_event("identity", "person.erased")
    def forget_person(self, event):
        person_id = (event.get("data") or {}).get("person_id")
        with self.db.transaction() as session:
            if not idempotency.first_time(session, event["id"], "commissioning.forget_person"):
                return
            if person_id:
                done = erasure.forget(session, event["id"], person_id, now())
                log.info("forgot an erased person's commissioning records; kept %d claim(s) "
                         "as amounts and dates for tax", done["kept"]["claims"])
