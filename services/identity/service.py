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

from . import accounts, audit, care_services, directory, organisations, people, privacy, tokens
from .crypto import load_keys
from .models import Person


class ContactKeys(DependencyProvider):
    def setup(self):
        self.keys = load_keys()

    def get_dependency(self, worker_ctx):
        return self.keys


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
            return people.set_roles(session, self.db.record_event, principal, organisation_id,
                                    person_id, data)

    @api
    def invite(self, principal, organisation_id, data):
        require(principal, "people.manage", organisation_id)
        with self.db.transaction() as session:
            return accounts.invite(session, self.keys, mail.send, principal, organisation_id, data,
                                   settings.get("GATEWAY_URL"))

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
        with self.db.transaction() as session:
            accounts.end_session(session, session_token)
        return {"signed_out": True}

    @api
    def authenticate_session(self, session_token):
        with self.db.sessions() as session:
            return accounts.authenticate_session(session, session_token)

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
        with self.db.transaction() as session:
            return accounts.reset_password(session, data)

    # --- the signed-in person's own data ------------------------------------------------
    @api
    def me(self, principal):
        person_id = _me(principal)
        with self.db.sessions() as session:
            person = session.get(Person, person_id)
            return {"id": person_id, "name": self.keys.decrypt(person.contact).get("name"),
                    "platform_admin": bool(person.platform_admin),
                    "roles": people.roles_of(session, person_id),
                    "consents": people.consents_of(session, person_id)}

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
            return privacy.erase(session, self.db.record_event, principal, person_id, data)

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
            return tokens.revoke(session, principal, organisation_id, token_id)

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
    def notify_person(self, person_id, data):
        with self.db.sessions() as session:
            return directory.notify(session, self.keys, mail.send, person_id, data)

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
