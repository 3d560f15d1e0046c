"""Fixtures every test folder may use (loaded by tests/conftest.py): the platform (identity,
panels, feedback, mystery shopping, commissioning and the gateway on a real RabbitMQ), a
signed-in platform administrator, identity's database and an identity event listener."""
import pytest

from involve.commissioning.service import CommissioningService
from involve.feedback.service import FeedbackService
from involve.gateway.service import GatewayService
from involve.identity.service import IdentityService
from involve.mystery_shopping.service import MysteryShoppingService
from involve.panels.service import PanelsService
from tests.support.accounts import ADMIN_EMAIL, ADMIN_PASSWORD
from tests.support.events import listening
from tests.support.running import Client, start_service


@pytest.fixture
def platform(service_config, container_factory):
    start_service(container_factory, IdentityService)
    start_service(container_factory, PanelsService)
    start_service(container_factory, FeedbackService)
    start_service(container_factory, MysteryShoppingService)
    start_service(container_factory, CommissioningService)
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


@pytest.fixture
def identity_events(amqp_uri_for_clients):
    """A plain kombu consumer bound to identity.events ('#'): call it with a count to wait for."""
    with listening(amqp_uri_for_clients, "identity") as wait_for:
        yield wait_for
