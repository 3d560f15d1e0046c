"""Fixtures for the feedback service: its database on SQLite and PostgreSQL for the plain
modules, and identity + feedback on a real RabbitMQ for the service tests."""

import pytest

from tests.support.databases import event_recorder, service_sessions


@pytest.fixture
def feedback_sessions(database_url):
    with service_sessions(database_url, "feedback") as sessions:
        yield sessions


@pytest.fixture
def events_recorded():
    """A record_event stand-in for plain-module tests: collects (type, data, envelope args)."""
    return event_recorder("feedback")


@pytest.fixture
def feedback_platform(service_config, container_factory):
    """Identity and feedback, each in its own container on a real broker, with fast timers."""
    from involve.feedback.service import FeedbackService
    from involve.identity.service import IdentityService
    from tests.support.running import start_service

    with service_config.patch({"FEEDBACK_TIMER_SECONDS": 0.5,
                               "FEEDBACK_ESCALATION_SECONDS": 2.0,
                               "FEEDBACK_TRUSTED_AFTER": 1}):
        start_service(container_factory, IdentityService)
        start_service(container_factory, FeedbackService)
        yield service_config


@pytest.fixture
def rpc(feedback_platform):
    from nameko.standalone.rpc import ClusterRpcClient

    with ClusterRpcClient(uri=feedback_platform["AMQP_URI"]) as client:
        yield client


@pytest.fixture
def feedback_events(amqp_uri_for_clients):
    """A plain kombu consumer bound to feedback.events ('#'): call it with a count to wait for."""
    from tests.support.events import listening

    with listening(amqp_uri_for_clients, "feedback") as wait_for:
        yield wait_for
