"""Fixtures for the panels API: gateway, identity and panels on a real RabbitMQ, the panels
database (to check what was stored) and a panels event listener."""
import pytest

from tests.support.databases import service_sessions


@pytest.fixture
def panels_sessions(database_url):
    with service_sessions(database_url, "panels") as sessions:
        yield sessions


@pytest.fixture
def platform(service_config, container_factory):
    """Gateway, identity and panels, each in its own container on a real broker."""
    from involve.gateway.service import GatewayService
    from involve.identity.service import IdentityService
    from involve.panels.service import PanelsService
    from tests.support.running import start_service

    with service_config.patch({"PANELS_CANCEL_GRACE_SECONDS": 1.0,
                               "PANELS_RECOVERY_SECONDS": 1.0}):
        start_service(container_factory, IdentityService)
        start_service(container_factory, PanelsService)
        port = start_service(container_factory, GatewayService)
    return f"http://127.0.0.1:{port}"


@pytest.fixture
def panels_events(amqp_uri_for_clients):
    """A plain kombu consumer bound to panels.events ('#'): call it with a count to wait for."""
    from tests.support.events import listening

    with listening(amqp_uri_for_clients, "panels") as wait_for:
        yield wait_for
