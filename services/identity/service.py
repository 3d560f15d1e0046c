"""The identity service (Nameko): a thin shell around the plain modules beside it.

Every method that acts for a caller takes the ``principal`` the gateway resolved, and checks the
shared policy again here for the organisation concerned.
"""
from pathlib import Path

from nameko.extensions import DependencyProvider

from involve.kernel import mail, settings
from involve.kernel.errors import NotAuthenticated
from involve.kernel.nameko_parts import Database, ServiceBase, api
from involve.kernel.policy import require, require_platform_admin

from . import (
    accounts,
    audit,
    care_services,
    directory,
    invitations,
    messages,
    names,
    organisations,
    people,
    privacy,
    tokens,
    volunteers,
)
from .crypto import load_keys
from .models import Person


class ContactKeys(DependencyProvider):
    def setup(self):
        self.keys = load_keys()

    def get_dependency(self, worker_ctx):
        return self.keys


def _access_changed(db, session, reason: str, **ids) -> dict:
    """Record that what someone may do changed (ids only), in the change's own transaction;
    publish the envelope with ``db.publish_now`` after commit, before answering, so every
    gateway drops its cached principal before the caller hears back."""
    return db.record_event(session, "access.changed", {"reason": reason, **ids})


def _me(principal):
    if not principal or not principal.get("person_id"):
        raise NotAuthenticated("Please sign in first.")
    return principal["person_id"]


class IdentityService(ServiceBase):
    name = "identity"
    db = Database(migrations=Path(__file__).parent / "migrations")
    keys = ContactKeys()

    # --- organisations ------------------------------------------------------------------
    @api
    def create_organisation(self, principal, data):
        require_platform_admin(principal)
        with self.db.transaction() as session:
            return organisations.create(session, self.db.record_event, data)

    @api
    def get_organisation(self, principal, organisation_id):
        require(principal, "organisations.read", organisation_id)
        with self.db.sessions() as session:
            return organisations.get(session, organisation_id)

    @api
    def list_organisations(self, principal):
        if not principal:
            raise NotAuthenticated("Please sign in first.")
        with self.db.sessions() as session:
            return organisations.list_visible(session, principal)

    @api
    def organisation_directory(self):
        """Public: the organisations someone may register with (ids and names only)."""
        with self.db.sessions() as session:
            return organisations.directory(session)

    # --- care services ------------------------------------------------------------------
    @api
    def create_care_service(self, principal, organisation_id, data):
        require(principal, "care_services.manage", organisation_id)
        with self.db.transaction() as session:
            return care_services.create(session, self.db.record_event, organisation_id, data)

    @api
    def list_care_services(self, principal, organisation_id):
        require(principal, "care_services.read", organisation_id)
        with self.db.sessions() as session:
            return care_services.list_for(session, organisation_id)

    @api
    def get_care_service(self, principal, organisation_id, care_service_id):
        require(principal, "care_services.read", organisation_id)
        with self.db.sessions() as session:
            return care_services.get(session, organisation_id, care_service_id)

    @api
    def update_care_service(self, principal, organisation_id, care_service_id, data):
        require(principal, "care_services.manage", organisation_id)
        with self.db.transaction() as session:
            return care_services.update(session, self.db.record_event, organisation_id,
                                        care_service_id, data)

    # --- people and roles ---------------------------------------------------------------
    @api
    def create_person(self, principal, organisation_id, data):
        require(principal, "people.manage", organisation_id)
        with self.db.transaction() as session:
            return people.create(session, self.keys, self.db.record_event, principal,
                                 organisation_id, data)

    @api
    def list_people(self, principal, organisation_id):
        require(principal, "people.read", organisation_id)
        with self.db.sessions() as session:
            return people.list_for(session, organisation_id)

    @api
    def read_person(self, principal, organisation_id, person_id, reason):
        require(principal, "people.read", organisation_id)
        with self.db.transaction() as session:
            return people.read_contact(session, self.keys, principal, organisation_id, person_id,
                                       reason)

    @api
    def set_roles(self, principal, organisation_id, person_id, data):
        require(principal, "roles.manage", organisation_id)
        with self.db.transaction() as session:
            result = people.set_roles(session, self.db.record_event, principal, organisation_id,
                                      person_id, data)
            changed = _access_changed(self.db, session, "roles_changed", person_id=person_id)
        self.db.publish_now("access.changed", changed)
        return result

    @api
    def people_names(self, principal, organisation_id, person_ids,
                     reason="showing people by name on a page"):
        """{id: name} for members of the organisation among ``person_ids`` ("Erased person"
        for erased ones; others left out). Needs "people.names"; audited once per call."""
        require(principal, "people.names", organisation_id)
        with self.db.transaction() as session:
            return names.names_of(session, self.keys, principal, organisation_id, person_ids,
                                  reason)

    @api
    def people_directory(self, principal, organisation_id, query,
                         reason="choosing people by name"):
        """Members by name: [{id, name, roles, agreed}], filtered by ``query`` (roles, purpose,
        q, ids). Needs "people.names"; audited once per call."""
        require(principal, "people.names", organisation_id)
        with self.db.transaction() as session:
            return names.directory_of(session, self.keys, principal, organisation_id, query,
                                      reason)

    # --- invitations --------------------------------------------------------------------
    @api
    def invite(self, principal, organisation_id, data):
        require(principal, "people.manage", organisation_id)
        with self.db.transaction() as session:
            return invitations.invite(session, self.keys, mail.send, principal, organisation_id,
                                      data, settings.get("GATEWAY_URL"))

    @api
    def list_invitations(self, principal, organisation_id):
        require(principal, "people.manage", organisation_id)
        with self.db.transaction() as session:
            return invitations.pending(session, self.keys, principal, organisation_id)

    @api
    def resend_invitation(self, principal, organisation_id, invitation_id):
        require(principal, "people.manage", organisation_id)
        with self.db.transaction() as session:
            return invitations.resend(session, self.keys, mail.send, principal, organisation_id,
                                      invitation_id, settings.get("GATEWAY_URL"))

    @api
    def cancel_invitation(self, principal, organisation_id, invitation_id):
        require(principal, "people.manage", organisation_id)
        with self.db.transaction() as session:
            return invitations.cancel(session, self.keys, principal, organisation_id,
                                      invitation_id)

    @api
    def invitation_details(self, token):
        """For the sign-up page: the organisation, role, name and email of an invitation, to
        whoever holds its (secret, single-use) link."""
        with self.db.sessions() as session:
            return invitations.details(session, self.keys, token)

    @api
    def audit_log(self, principal, organisation_id):
        require(principal, "audit.read", organisation_id)
        with self.db.sessions() as session:
            return audit.entries(session, organisation_id)

    # --- accounts and sessions ----------------------------------------------------------
    @api
    def register(self, data):
        with self.db.transaction() as session:
            return accounts.register(session, self.keys, self.db.record_event, data)

    @api
    def sign_in(self, data, client=None):
        values = accounts.sign_in_values(data)
        with self.db.transaction() as session:
            accounts.check_throttle(session, self.keys, values["email"], client)
            person = accounts.verify_password(session, self.keys, values["email"],
                                              values["password"])
            if person is None:
                accounts.record_failure(session, self.keys, values["email"], client)
            else:
                return accounts.start_session(session, person.id)
        raise NotAuthenticated("That email address and password do not match an account.",
                               {"password": ["Check your email address and password."]})

    @api
    def sign_out(self, session_token):
        changed = None
        with self.db.transaction() as session:
            person_id = accounts.end_session(session, session_token)
            if person_id:
                changed = _access_changed(self.db, session, "session_ended", person_id=person_id)
        if changed:
            self.db.publish_now("access.changed", changed)
        return {"signed_out": True}

    @api
    def authenticate_session(self, session_token, header=False):
        """The principal of a session. ``header``: add what every page's header shows
        ({"name", "unread_messages"}), so a page view needs one call for both."""
        with self.db.sessions() as session:
            principal = accounts.authenticate_session(session, session_token)
            if header:
                person = session.get(Person, principal["person_id"])
                principal["header"] = {
                    "name": self.keys.decrypt(person.contact).get("name"),
                    "unread_messages": messages.unread_count(session, person.id)}
            return principal

    @api
    def authenticate_token(self, secret):
        with self.db.transaction() as session:
            return tokens.authenticate(session, secret)

    @api
    def request_password_reset(self, data):
        with self.db.transaction() as session:
            return accounts.request_password_reset(session, self.keys, mail.send, data,
                                                   settings.get("GATEWAY_URL"))

    @api
    def reset_password(self, data):
        changed = []
        with self.db.transaction() as session:
            result = accounts.reset_password(session, data, lambda person_id: changed.append(
                _access_changed(self.db, session, "password_reset", person_id=person_id)))
        for message in changed:
            self.db.publish_now("access.changed", message)
        return result

    # --- the signed-in person's own data ------------------------------------------------
    @api
    def me(self, principal):
        person_id = _me(principal)
        with self.db.sessions() as session:
            person = session.get(Person, person_id)
            return {"id": person_id, "name": self.keys.decrypt(person.contact).get("name"),
                    "platform_admin": bool(person.platform_admin),
                    "roles": people.roles_of(session, person_id),
                    "consents": people.consents_of(session, person_id),
                    "notifications": person.notifications,
                    "unread_messages": messages.unread_count(session, person_id)}

    @api
    def set_my_notifications(self, principal, data):
        """{"notifications": "email_and_inbox" | "inbox_only"}."""
        person_id = _me(principal)
        with self.db.transaction() as session:
            return messages.set_choice(session, person_id, data)

    @api
    def my_messages(self, principal):
        """The signed-in person's messages, newest first."""
        person_id = _me(principal)
        with self.db.sessions() as session:
            return messages.list_for(session, self.keys, person_id)

    @api
    def read_my_message(self, principal, message_id):
        """One of my messages, marked read."""
        person_id = _me(principal)
        with self.db.transaction() as session:
            return messages.read(session, self.keys, person_id, message_id)

    @api
    def mark_my_messages_read(self, principal):
        person_id = _me(principal)
        with self.db.transaction() as session:
            return messages.mark_all_read(session, person_id)

    @api
    def set_my_consent(self, principal, data):
        person_id = _me(principal)
        with self.db.transaction() as session:
            return people.record_consent(session, self.db.record_event, principal, person_id, data)

    @api
    def export_me(self, principal):
        person_id = _me(principal)
        with self.db.transaction() as session:
            return privacy.export(session, self.keys, person_id)

    @api
    def erase_me(self, principal, data):
        person_id = _me(principal)
        with self.db.transaction() as session:
            result = privacy.erase(session, self.db.record_event, principal, person_id, data)
            changed = _access_changed(self.db, session, "person_erased", person_id=person_id)
        self.db.publish_now("access.changed", changed)
        return result

    # --- tokens -------------------------------------------------------------------------
    @api
    def create_token(self, principal, organisation_id, data):
        require(principal, "tokens.manage", organisation_id)
        with self.db.transaction() as session:
            return tokens.create(session, principal, organisation_id, data)

    @api
    def list_tokens(self, principal, organisation_id):
        require(principal, "tokens.manage", organisation_id)
        with self.db.sessions() as session:
            return tokens.list_for(session, organisation_id)

    @api
    def revoke_token(self, principal, organisation_id, token_id):
        require(principal, "tokens.manage", organisation_id)
        with self.db.transaction() as session:
            result = tokens.revoke(session, principal, organisation_id, token_id)
            changed = _access_changed(self.db, session, "token_revoked", token_id=token_id)
        self.db.publish_now("access.changed", changed)
        return result

    # --- for other services -------------------------------------------------------------
    @api
    def has_consent(self, person_id, purpose):
        with self.db.sessions() as session:
            return people.has_consent(session, person_id, purpose)

    @api
    def public_care_services(self, organisation_id):
        with self.db.sessions() as session:
            return directory.public_care_services(session, organisation_id)

    @api
    def create_story_author(self, organisation_id, data):
        with self.db.transaction() as session:
            return directory.create_author(session, self.keys, organisation_id, data)

    @api
    def public_organisation(self, organisation_id):
        """Public: an organisation's name and kind and its care services' public facts."""
        with self.db.sessions() as session:
            return directory.public_organisation(session, organisation_id)

    @api
    def notify_person(self, person_id, data):
        """Tell a person something: {"subject", "body", "link" (a path here), "organisation_id"}.
        Stored in their Involve inbox if they have an account; emailed unless they chose
        "inbox_only" (or have no email). Returns {"sent": bool, "stored": bool}."""
        with self.db.transaction() as session:
            return messages.notify(session, self.keys, mail.send, person_id, data)

    @api
    def notify_people(self, items):
        """``notify_person`` for a batch ([{"person_id", "subject", "body", "link",
        "organisation_id"}], at most 500): one result per item, in order ({"sent", "stored"},
        or {"failed": reason} for an email that could not be sent: try that one again)."""
        with self.db.transaction() as session:
            return messages.notify_many(session, self.keys, mail.send, items)

    @api
    def people_with_role(self, organisation_id, role):
        with self.db.sessions() as session:
            return directory.holders_of(session, organisation_id, role)

    @api
    def roles_of_people(self, organisation_id, person_ids):
        with self.db.sessions() as session:
            return directory.roles_in(session, organisation_id, list(person_ids))

    @api
    def people_consenting(self, person_ids, purpose):
        with self.db.sessions() as session:
            return directory.consenting(session, list(person_ids), purpose)

    # --- for the panels service (volunteers.py) -----------------------------------------
    @api
    def register_panel_volunteer(self, organisation_id, data):
        """A pseudonymous person holding a panel volunteer's name and email/phone (encrypted),
        or a signed-in person linked by id; a member of the organisation, agreeing to be
        contacted. Returns {"person_id", "email", "phone", "account"} (which ways exist)."""
        with self.db.transaction() as session:
            return volunteers.register(session, self.keys, self.db.record_event,
                                       organisation_id, data)
