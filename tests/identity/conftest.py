"""Identity's plain modules on a fresh database (SQLite and PostgreSQL): an organisation with a
care service, people in it, and keys for their contact details."""
import pytest
from cryptography.fernet import Fernet

from involve.identity import care_services, organisations
from involve.identity.crypto import Keys
from tests.support.databases import event_recorder, service_sessions


@pytest.fixture
def keys():
    return Keys([Fernet.generate_key().decode()], "lookup-key-for-identity-tests")


@pytest.fixture
def identity_db(database_url):
    with service_sessions(database_url, "identity") as sessions:
        yield sessions


@pytest.fixture
def record():
    return event_recorder("identity")


@pytest.fixture
def organisation(identity_db, record):
    from involve.kernel.db import transaction

    with transaction(identity_db) as session:
        org_id = organisations.create(session, record, {"name": "Riverside Recovery"})["id"]
        care_services.create(session, record, org_id, {"name": "Riverside Drug and Alcohol "
                                                       "Service", "kind": "addiction"})
    return org_id
