"""The identity service (Nameko): a thin shell around the plain modules beside it."""
from pathlib import Path

from involve.kernel.nameko_parts import Database, ServiceBase, api

from . import organisations


class IdentityService(ServiceBase):
    name = "identity"
    db = Database(migrations=Path(__file__).parent / "migrations")

    @api
    def create_organisation(self, data):
        with self.db.transaction() as session:
            return organisations.create(session, self.db.record_event, data)

    @api
    def get_organisation(self, organisation_id):
        with self.db.sessions() as session:
            return organisations.get(session, organisation_id)

    @api
    def list_organisations(self):
        with self.db.sessions() as session:
            return organisations.list_all(session)
