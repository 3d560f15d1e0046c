"""The mystery_shopping service (Nameko): benchmark question sets from plugins, rounds, fair
assignments, call records, scores and reports (issue 5). A thin shell around the plain modules
beside it; see docs/mystery-shopping-service.md.

Every method takes the ``principal`` the gateway resolved and checks the shared policy again
here: ``mystery_shopping.manage`` (coordinators), ``.shop`` (shoppers: their own calls only),
``.read`` (reports).
"""
from __future__ import annotations

import logging
from pathlib import Path

from eventlet import tpool

from involve.kernel import idempotency, settings
from involve.kernel.errors import Conflict
from involve.kernel.nameko_parts import Database, ServiceBase, api, on_event
from involve.kernel.policy import allowed, require
from involve.kernel.rpc import RpcClient, call

from . import calls, notices, question_sets, report_csv, rounds, shoppers

log = logging.getLogger(__name__)
MANAGE = "mystery_shopping.manage"
SHOP = "mystery_shopping.shop"
READ = "mystery_shopping.read"


def _person(principal):
    return (principal or {}).get("person_id")


class MysteryShoppingService(ServiceBase):
    name = "mystery_shopping"
    db = Database(migrations=Path(__file__).parent / "migrations")
    rpc = RpcClient()

    # --- helpers --------------------------------------------------------------------------
    def _roles_of(self, organisation_id):
        return lambda person_ids: call(self.rpc.identity.roles_of_people, organisation_id,
                                       list(person_ids))

    def _consenting(self):
        return lambda person_ids: call(self.rpc.identity.people_consenting, list(person_ids),
                                       "mystery_shopping")

    def _eligible(self, organisation_id):
        """Narrows a roster to shoppers who still hold a shopper role and still agree."""
        roles_of, consenting = self._roles_of(organisation_id), self._consenting()
        return lambda roster: rounds.able(roster, roles_of, consenting)

    def _sync_sets(self) -> list[dict]:
        """Store the plugins' sets once per process (plugins change only on restart)."""
        done = getattr(self.plugins, "_mystery_shopping_synced", None)
        if done is not None:
            return list(done)
        try:
            with self.db.transaction() as session:
                found = question_sets.sync(session, self.plugins)
        except Conflict:  # another worker stored the same sets at the same moment
            return question_sets.problems(self.plugins)
        self.plugins._mystery_shopping_synced = found
        return list(found)

    # --- question sets --------------------------------------------------------------------
    @api
    def list_question_sets(self, principal, organisation_id):
        if not allowed(principal, SHOP, organisation_id):
            require(principal, READ, organisation_id)
        self._sync_sets()
        with self.db.sessions() as session:
            return question_sets.list_for(session, organisation_id)

    @api
    def get_question_set(self, principal, organisation_id, question_set_id):
        if not allowed(principal, SHOP, organisation_id):
            require(principal, READ, organisation_id)
        self._sync_sets()
        with self.db.sessions() as session:
            return question_sets.get(session, organisation_id, question_set_id)

    @api
    def edit_question_set(self, principal, organisation_id, question_set_id, data):
        require(principal, MANAGE, organisation_id)
        self._sync_sets()
        with self.db.transaction() as session:
            return question_sets.edit(session, organisation_id, question_set_id, data)

    @api
    def question_set_problems(self, principal, organisation_id):
        require(principal, MANAGE, organisation_id)
        return self._sync_sets()

    # --- shoppers -------------------------------------------------------------------------
    @api
    def list_shoppers(self, principal, organisation_id):
        require(principal, MANAGE, organisation_id)
        with self.db.sessions() as session:
            return shoppers.list_for(session, organisation_id)

    @api
    def add_shopper(self, principal, organisation_id, data):
        require(principal, MANAGE, organisation_id)
        with self.db.transaction() as session:
            out = shoppers.add(session, organisation_id, data, self._roles_of(organisation_id),
                               self._consenting())
            rounds.release(session, organisation_id, out["person_id"],
                           "A service they use was added.", set(out["services_used"]),
                           eligible=self._eligible(organisation_id),
                           record_event=self.db.record_event)
            return shoppers.as_dict(shoppers.load(session, organisation_id, out["id"]),
                                    out["assignments"])

    @api
    def update_shopper(self, principal, organisation_id, shopper_id, data):
        require(principal, MANAGE, organisation_id)
        with self.db.transaction() as session:
            out = shoppers.update(session, organisation_id, shopper_id, data)
            moved = rounds.release(session, organisation_id, out["person_id"],
                                   "A service they use was added.", set(out["services_used"]),
                                   eligible=self._eligible(organisation_id),
                                   record_event=self.db.record_event)
            return dict(out, assignments=out["assignments"] - moved)

    @api
    def remove_shopper(self, principal, organisation_id, shopper_id):
        require(principal, MANAGE, organisation_id)
        with self.db.transaction() as session:
            shopper = shoppers.load(session, organisation_id, shopper_id)
            shopper.active = False
            session.flush()
            moved = rounds.release(session, organisation_id, shopper.person_id,
                                   "Taken off the roster.",
                                   eligible=self._eligible(organisation_id),
                                   record_event=self.db.record_event)
            return {"removed": True, "id": shopper.id, "reassigned": moved}

    # --- rounds ---------------------------------------------------------------------------
    @api
    def schedule_round(self, principal, organisation_id, data):
        require(principal, MANAGE, organisation_id)
        values = rounds.check_input(data)
        care_services = call(self.rpc.identity.public_care_services, organisation_id)
        self._sync_sets()
        with self.db.transaction() as session:
            return rounds.schedule(session, self.db.record_event, organisation_id, values,
                                   care_services, self._roles_of(organisation_id),
                                   self._consenting())

    @api
    def list_rounds(self, principal, organisation_id):
        require(principal, READ, organisation_id)
        with self.db.sessions() as session:
            return rounds.list_for(session, organisation_id)

    @api
    def get_round(self, principal, organisation_id, round_id):
        require(principal, READ, organisation_id)
        with self.db.sessions() as session:
            return rounds.get(session, organisation_id, round_id)

    @api
    def close_round(self, principal, organisation_id, round_id):
        require(principal, MANAGE, organisation_id)
        with self.db.transaction() as session:
            return rounds.close(session, self.db.record_event, organisation_id, round_id)

    @api
    def reassign(self, principal, organisation_id, assignment_id, data):
        manager = allowed(principal, MANAGE, organisation_id)
        if not manager:
            require(principal, SHOP, organisation_id)
        with self.db.transaction() as session:
            return rounds.reassign(session, organisation_id, assignment_id, data,
                                   _person(principal), manager,
                                   self._eligible(organisation_id), self.db.record_event)

    # --- calls ----------------------------------------------------------------------------
    @api
    def my_assignments(self, principal, organisation_id):
        require(principal, SHOP, organisation_id)
        with self.db.sessions() as session:
            return rounds.my_assignments(session, organisation_id, _person(principal))

    @api
    def get_call(self, principal, organisation_id, assignment_id):
        require(principal, SHOP, organisation_id)
        with self.db.sessions() as session:
            return calls.get_own(session, organisation_id, assignment_id, _person(principal))

    @api
    def save_call(self, principal, organisation_id, assignment_id, data):
        require(principal, SHOP, organisation_id)
        with self.db.transaction() as session:
            return calls.record(session, self.db.record_event, organisation_id, assignment_id,
                                _person(principal), data, submit=False)

    @api
    def submit_call(self, principal, organisation_id, assignment_id, data):
        require(principal, SHOP, organisation_id)
        with self.db.transaction() as session:
            return calls.record(session, self.db.record_event, organisation_id, assignment_id,
                                _person(principal), data, submit=True)

    # --- reports --------------------------------------------------------------------------
    def _download(self, organisation_id, round_id) -> dict:
        """The report as the downloads need it: with the organisation's public name (from
        identity) and the address of its report page, which the PDF points to."""
        with self.db.sessions() as session:
            report = rounds.report(session, organisation_id, round_id)
        public = call(self.rpc.identity.public_organisation, organisation_id)
        report["organisation"] = {"id": organisation_id, "name": public.get("name")}
        report["web_link"] = (str(settings.get("GATEWAY_URL")).rstrip("/")
                              + f"/organisations/{organisation_id}/mystery-shopping/rounds/"
                              f"{round_id}/report")
        return report

    @api
    def round_report(self, principal, organisation_id, round_id):
        require(principal, READ, organisation_id)
        with self.db.sessions() as session:
            return rounds.report(session, organisation_id, round_id)

    @api
    def export_round_csv(self, principal, organisation_id, round_id):
        require(principal, READ, organisation_id)
        return report_csv.render(self._download(organisation_id, round_id))

    @api
    def export_round_pdf(self, principal, organisation_id, round_id):
        require(principal, READ, organisation_id)
        report = self._download(organisation_id, round_id)
        from . import report_pdf  # fpdf2 and Pillow: loaded by the first PDF, not at start

        return tpool.execute(report_pdf.render, report)

    # --- events ---------------------------------------------------------------------------
    def _tell(self, event, handler, build) -> None:
        """Send the messages ``build(session)`` gives, then record the event as handled (a
        crash in between sends them twice rather than never). Identity not answering raises,
        and the broker delivers the event again later."""
        with self.db.sessions() as session:
            if notices.handled(session, event["id"], handler):
                return
            messages = build(session)
        for message in messages:
            call(self.rpc.identity.notify_person, message["person_id"],
                 {key: message[key] for key in ("subject", "body", "link", "organisation_id")})
        with self.db.transaction() as session:
            idempotency.first_time(session, event["id"], handler)
        if messages:
            log.info("told %d shopper(s) about their mystery-shopping calls", len(messages))

    @on_event("mystery_shopping", "round.scheduled")
    def tell_shoppers_their_calls(self, event):
        round_id = (event.get("data") or {}).get("round_id") or ""
        self._tell(event, "mystery_shopping.tell_shoppers_their_calls",
                   lambda session: notices.round_scheduled(session, round_id))

    @on_event("mystery_shopping", "call.reassigned")
    def tell_shoppers_of_a_passed_call(self, event):
        data = event.get("data") or {}
        self._tell(event, "mystery_shopping.tell_shoppers_of_a_passed_call",
                   lambda session: notices.call_reassigned(session, data))

    @on_event("identity", "person.erased")
    def forget_person(self, event):
        person_id = (event.get("data") or {}).get("person_id")
        with self.db.transaction() as session:
            if not idempotency.first_time(session, event["id"], "mystery_shopping.forget_person"):
                return
            if person_id:
                touched = rounds.forget_person(session, person_id, self.db.record_event)
                if touched:
                    log.info("forgot an erased person in %d mystery-shopping record(s)", touched)
