import pytest

from involve.feedback.service import FeedbackService
from involve.gateway.service import GatewayService
from involve.identity.service import IdentityService
from involve.mystery_shopping.service import MysteryShoppingService
from involve.panels.service import PanelsService
from tests.support.events import listening
from tests.support.running import Client, start_service

ADMIN_EMAIL = "admin@involve.test"
ADMIN_PASSWORD = "a long admin password"


@pytest.fixture
def platform(service_config, container_factory):
    start_service(container_factory, IdentityService)
    start_service(container_factory, PanelsService)
    start_service(container_factory, FeedbackService)
    start_service(container_factory, MysteryShoppingService)
    port = start_service(container_factory, GatewayService)
    return f"http://127.0.0.1:{port}"


@pytest.fixture
def identity_sessions(platform, database_url):
    from pathlib import Path

    import involve.identity
    from involve.kernel.db import make_engine, migrate, session_factory

    engine = make_engine(database_url.replace("{service}", "identity"))
    migrate(engine, Path(involve.identity.__file__).parent / "migrations")
    yield session_factory(engine)
    engine.dispose()


@pytest.fixture
def admin(platform, identity_sessions):
    """A platform administrator, created as `involve identity create-admin` would, signed in."""
    from involve.identity.accounts import make_platform_admin
    from involve.identity.crypto import load_keys
    from involve.kernel.db import transaction

    with transaction(identity_sessions) as session:
        make_platform_admin(session, load_keys(), "Ada Admin", ADMIN_EMAIL, ADMIN_PASSWORD)
    return Client(platform).sign_in(ADMIN_EMAIL, ADMIN_PASSWORD)


def new_member(admin, organisation_id, email, roles, password="a long enough password"):
    """Invite-free shortcut: the admin adds a person, then they register via an invitation."""
    status, body = admin.post(f"/api/v1/organisations/{organisation_id}/people",
                              {"name": email.split("@")[0], "email": email, "roles": roles})
    assert status == 201, body
    return body["id"]


@pytest.fixture
def identity_events(amqp_uri_for_clients):
    """A plain kombu consumer bound to identity.events ('#'): call it with a count to wait for."""
    with listening(amqp_uri_for_clients, "identity") as wait_for:
        yield wait_for
