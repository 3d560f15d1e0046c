"""Fixtures for the commissioning service: its database on SQLite and PostgreSQL for the plain
modules, and identity + commissioning (+ panels where needed) on a real RabbitMQ for the
service tests."""
import pytest

from tests.support.databases import event_recorder, service_sessions


@pytest.fixture
def sessions(database_url):
    with service_sessions(database_url, "commissioning") as factory:
        yield factory


@pytest.fixture
def events_recorded():
    """A record_event stand-in for plain-module tests: collects (type, data, envelope args)."""
    return event_recorder("commissioning")


@pytest.fixture
def commissioning_platform(service_config, container_factory):
    """Identity and commissioning, each in its own container on a real broker, with a fast
    release timer."""
    from involve.commissioning.service import CommissioningService
    from involve.identity.service import IdentityService
    from tests.support.running import start_service

    with service_config.patch({"COMMISSIONING_TIMER_SECONDS": 0.3}):
        start_service(container_factory, IdentityService)
        start_service(container_factory, CommissioningService)
        yield service_config


@pytest.fixture
def rpc(commissioning_platform):
    from nameko.standalone.rpc import ClusterRpcClient

    with ClusterRpcClient(uri=commissioning_platform["AMQP_URI"]) as client:
        yield client


@pytest.fixture
def commissioning_events(amqp_uri_for_clients):
    """A plain kombu consumer bound to commissioning.events ('#')."""
    from tests.support.events import listening

    with listening(amqp_uri_for_clients, "commissioning") as wait_for:
        yield wait_for
