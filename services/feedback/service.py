"""The feedback service (Nameko): anonymous stories about care that reach the right staff, get
answered in public and lead to change (issue 4). A thin shell around the plain modules beside it.

Staff methods take the ``principal`` the gateway resolved and check the shared policy again here
for the organisation concerned. Story authors have no account: identity holds their pseudonymous
record and optional email; this service keeps only the person id and a hash of the tracking code.
See docs/feedback-service.md.
"""
from __future__ import annotations

import logging
import time
from pathlib import Path

from nameko.extensions import DependencyProvider
from nameko.timer import timer

from involve.kernel import idempotency, mail, settings
from involve.kernel.db import now
from involve.kernel.errors import InvalidInput, NotFound, ServiceUnavailable
from involve.kernel.nameko_parts import Database, ServiceBase, api, on_event
from involve.kernel.policy import allowed, require
from involve.kernel.rpc import RpcClient, call

from . import alerts, digests, escalation, responses, routing, stories, subscriptions, tags
from .postman import Postman

log = logging.getLogger(__name__)


class Pacer(DependencyProvider):
    """Paces the 1-second timer: the due work runs every FEEDBACK_TIMER_SECONDS (read at run
    time, so configuration can change it)."""

    def setup(self):
        self.last = None

    def due(self) -> bool:
        interval = float(settings.get("FEEDBACK_TIMER_SECONDS"))
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
    person_id = _person(principal)
    if not person_id:
        raise InvalidInput("This needs a signed-in person, not an API token.",
                           {"person_id": ["Sign in as a person to do this."]})
    return person_id


class FeedbackService(ServiceBase):
    name = "feedback"
    db = Database(migrations=Path(__file__).parent / "migrations")
    rpc = RpcClient()
    pacer = Pacer()
    postman = Postman()

    # --- helpers ------------------------------------------------------------------------
    def _care_services(self, organisation_id):
        return call(self.rpc.identity.public_care_services, organisation_id)

    def _deliver(self, message):
        if message.get("person_id"):
            call(self.rpc.identity.notify_person, message["person_id"],
                 alerts.notification(message))
        elif message.get("team_email"):
            mail.send(message["team_email"], message["subject"], message["body"])

    def _send_quietly(self, message):
        """Best effort (a message to an author, a digest): the change itself is saved."""
        if not message:
            return
        try:
            self._deliver(message)
        except Exception as exc:  # noqa: BLE001
            log.warning("a feedback message could not be sent (%s)", type(exc).__name__)

    def _send_alerts(self, ids):
        if ids:
            self.postman.wake()

    def _moderators(self, organisation_id) -> list[str]:
        """Who is told a story is waiting: the moderators, or else the involvement leads, or
        else the admins (alerts.MODERATION_ROLES)."""
        for role in alerts.MODERATION_ROLES:
            people = call(self.rpc.identity.people_with_role, organisation_id, role)
            if people:
                return list(people)
        return []

    def _submit(self, organisation_id, data, assisted_by):
        values = stories.check_submission(data)
        services = stories.check_care_services(values, self._care_services(organisation_id))
        with self.db.sessions() as session:
            stories.check_form_unused(session, organisation_id, values.get("form_id"))
        email = values.pop("email", None)
        author = call(self.rpc.identity.create_story_author, organisation_id, {"email": email})
        moderators = self._moderators(organisation_id)
        with self.db.transaction() as session:
            received = stories.create(session, self.db.record_event, organisation_id, values,
                                      services, author, assisted_by, now(), moderators)
        self._send_alerts(received.pop("alert_ids"))
        return received

    # --- public -------------------------------------------------------------------------
    @api
    def submit_story(self, organisation_id, data):
        return self._submit(organisation_id, data, None)

    @api
    def public_stories(self, organisation_id, filters=None):
        with self.db.sessions() as session:
            return stories.public_list(session, organisation_id, filters)

    @api
    def public_story(self, organisation_id, story_id):
        with self.db.sessions() as session:
            return stories.public_one(session, organisation_id, story_id)

    @api
    def public_service_summary(self, organisation_id, care_service_id):
        known = {s["id"]: s for s in self._care_services(organisation_id)}
        if care_service_id not in known:
            raise NotFound("We could not find that care service.",
                           {"care_service_id": ["Unknown id."]})
        with self.db.sessions() as session:
            return stories.service_summary(session, organisation_id, known[care_service_id])

    @api
    def public_tags(self, organisation_id):
        with self.db.sessions() as session:
            return tags.list_for(session, organisation_id, with_id=False)

    @api
    def track_story(self, data):
        with self.db.sessions() as session:
            return stories.track(session, data)

    @api
    def record_verdict(self, data):
        with self.db.transaction() as session:
            return responses.record_verdict(session, self.db.record_event, data, now())

    @api
    def changes_to_check(self, principal, organisation_id):
        require(principal, "feedback.verify", organisation_id)
        with self.db.sessions() as session:
            return responses.changes_to_check(session, organisation_id)

    @api
    def record_panel_verdict(self, principal, organisation_id, response_id, data):
        require(principal, "feedback.verify", organisation_id)
        with self.db.transaction() as session:
            return responses.record_panel_verdict(session, self.db.record_event, organisation_id,
                                                  response_id, data, _person(principal), now())

    # --- submission on someone's behalf and moderation ----------------------------------
    @api
    def submit_assisted_story(self, principal, organisation_id, data):
        require(principal, "feedback.assist", organisation_id)
        return self._submit(organisation_id, data, _me(principal))

    @api
    def moderation_queue(self, principal, organisation_id):
        require(principal, "feedback.moderate", organisation_id)
        with self.db.sessions() as session:
            return stories.moderation_queue(session, organisation_id)

    @api
    def moderation_count(self, principal, organisation_id):
        """{"stories": n, "responses": n} waiting for a moderator."""
        require(principal, "feedback.moderate", organisation_id)
        with self.db.sessions() as session:
            return stories.moderation_count(session, organisation_id)

    @api
    def story_for_moderation(self, principal, organisation_id, story_id):
        require(principal, "feedback.moderate", organisation_id)
        with self.db.sessions() as session:
            return stories.for_moderation(session, organisation_id, story_id)

    @api
    def moderate_story(self, principal, organisation_id, story_id, data):
        require(principal, "feedback.moderate", organisation_id)
        with self.db.transaction() as session:
            return stories.moderate(session, organisation_id, story_id, data,
                                    _person(principal), now())

    @api
    def publish_story(self, principal, organisation_id, story_id, data=None):
        require(principal, "feedback.moderate", organisation_id)
        with self.db.transaction() as session:
            return stories.publish(session, self.db.record_event, organisation_id, story_id,
                                   data, _person(principal), now())

    @api
    def reject_story(self, principal, organisation_id, story_id, data):
        require(principal, "feedback.moderate", organisation_id)
        with self.db.transaction() as session:
            result, notice = stories.reject(session, self.db.record_event, organisation_id,
                                            story_id, data, _person(principal), now())
        self._send_quietly(notice)
        return result

    @api
    def list_tags(self, principal, organisation_id):
        require(principal, "feedback.read", organisation_id)
        with self.db.sessions() as session:
            return tags.list_for(session, organisation_id)

    @api
    def create_tag(self, principal, organisation_id, data):
        require(principal, "feedback.moderate", organisation_id)
        with self.db.transaction() as session:
            return tags.create(session, organisation_id, data)

    @api
    def staff_stories(self, principal, organisation_id, filters=None):
        require(principal, "feedback.read", organisation_id)
        with self.db.sessions() as session:
            return stories.staff_list(session, organisation_id, filters)

    @api
    def staff_story(self, principal, organisation_id, story_id):
        require(principal, "feedback.read", organisation_id)
        with self.db.sessions() as session:
            story = stories.load(session, organisation_id, story_id)
            if story.status not in stories.PUBLIC + ("held",):
                raise NotFound("We could not find that story.", {"story_id": ["Unknown id."]})
            return stories.staff_view(session, story)

    # --- subscriptions and the inbox ----------------------------------------------------
    @api
    def list_subscriptions(self, principal, organisation_id):
        require(principal, "feedback.read", organisation_id)
        everyone = allowed(principal, "feedback.route", organisation_id)
        with self.db.sessions() as session:
            return subscriptions.list_for(session, organisation_id,
                                          None if everyone else _me(principal))

    @api
    def create_subscription(self, principal, organisation_id, data):
        require(principal, "feedback.read", organisation_id)
        values = subscriptions.check(data)
        me = _person(principal)
        if values["team_name"] or (values["person_id"] and values["person_id"] != me):
            require(principal, "feedback.route", organisation_id)
        if not values["team_name"]:
            values["person_id"] = values["person_id"] or _me(principal)
            if values["person_id"] != me:
                roles = call(self.rpc.identity.roles_of_people, organisation_id,
                             [values["person_id"]])
                if not roles.get(values["person_id"]):
                    raise InvalidInput("That person is not part of this organisation.",
                                       {"person_id": ["Not a member of this organisation."]})
        subscriptions.check_care_services(values, self._care_services(organisation_id))
        with self.db.transaction() as session:
            return subscriptions.create(session, organisation_id, values, me, now())

    @api
    def delete_subscription(self, principal, organisation_id, subscription_id):
        require(principal, "feedback.read", organisation_id)
        may_route = allowed(principal, "feedback.route", organisation_id)
        with self.db.transaction() as session:
            return subscriptions.delete_one(session, organisation_id, subscription_id,
                                            _person(principal), may_route)

    @api
    def inbox(self, principal, organisation_id):
        require(principal, "feedback.read", organisation_id)
        with self.db.sessions() as session:
            return alerts.inbox(session, organisation_id, _me(principal))

    @api
    def mark_alert_read(self, principal, organisation_id, alert_id):
        require(principal, "feedback.read", organisation_id)
        with self.db.transaction() as session:
            return alerts.mark_read(session, organisation_id, _me(principal), alert_id, now())

    # --- responses ----------------------------------------------------------------------
    @api
    def respond(self, principal, organisation_id, story_id, data):
        require(principal, "feedback.respond", organisation_id)
        with self.db.transaction() as session:
            result, notice = responses.respond(
                session, self.db.record_event, organisation_id, story_id, data,
                _me(principal), settings.get("FEEDBACK_TRUSTED_AFTER"), now())
        self._send_quietly(notice)
        return result

    @api
    def response_queue(self, principal, organisation_id):
        require(principal, "feedback.moderate", organisation_id)
        with self.db.sessions() as session:
            return responses.queue(session, organisation_id)

    @api
    def publish_response(self, principal, organisation_id, response_id):
        require(principal, "feedback.moderate", organisation_id)
        with self.db.transaction() as session:
            result, notice = responses.publish(session, self.db.record_event, organisation_id,
                                               response_id, now())
        self._send_quietly(notice)
        return result

    @api
    def reject_response(self, principal, organisation_id, response_id, data):
        require(principal, "feedback.moderate", organisation_id)
        with self.db.transaction() as session:
            return responses.reject(session, organisation_id, response_id, data, now())

    # --- routing, timers and erasure ----------------------------------------------------
    @on_event("feedback", "story.published")
    def route_story(self, event):
        story_id = (event.get("data") or {}).get("story_id")
        with self.db.transaction() as session:
            if not idempotency.first_time(session, event["id"], "feedback.route_story"):
                return
            due = routing.route(session, story_id, now()) if story_id else []
        self._send_alerts(due)

    @timer(interval=1)
    def tick(self):
        if self.pacer.due():
            self.due_work()

    def due_work(self):
        moment = now()
        with self.db.transaction() as session:
            stories.release_held(session, self.db.record_event, moment)
        level = settings.get("FEEDBACK_ESCALATION_CRITICALITY")
        seconds = settings.get("FEEDBACK_ESCALATION_SECONDS")
        # no RPC inside a write transaction: look the leads up first
        with self.db.sessions() as session:
            organisations = escalation.organisations_for_second_stage(session, moment, level,
                                                                      seconds)
        try:
            leads = {org: call(self.rpc.identity.people_with_role, org, "involvement_lead")
                     for org in organisations}
        except ServiceUnavailable:  # the escalations wait for the next round; the rest goes on
            log.warning("identity is not answering: second-stage escalations wait a round")
        else:
            with self.db.transaction() as session:
                due = escalation.run(session, self.db.record_event, moment, level, seconds,
                                     leads)
            self._send_alerts(due)
        with self.db.transaction() as session:
            messages = digests.run(session, moment, settings.get("FEEDBACK_DIGEST_SECONDS"))
        for message in messages:
            self._send_quietly(message)
        self.postman.wake()  # and anything left unsent before

    @on_event("identity", "person.erased")
    def forget_person(self, event):
        person_id = (event.get("data") or {}).get("person_id")
        with self.db.transaction() as session:
            if not idempotency.first_time(session, event["id"], "feedback.forget_person"):
                return
            if person_id:
                removed = stories.forget_author(session, person_id)
                removed += subscriptions.forget_person(session, person_id)
                if removed:
                    log.info("forgot %d feedback record(s) of an erased person", removed)
