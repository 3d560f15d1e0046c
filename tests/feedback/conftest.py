"""Fixtures for the feedback service: its database on SQLite and PostgreSQL for the plain
modules, and identity + feedback on a real RabbitMQ for the service tests."""
from pathlib import Path

import pytest


@pytest.fixture
def feedback_sessions(database_url):
    import involve.feedback
    from involve.kernel.db import make_engine, migrate, session_factory

    engine = make_engine(database_url.replace("{service}", "feedback"))
    migrate(engine, Path(involve.feedback.__file__).parent / "migrations")
    yield session_factory(engine)
    engine.dispose()


@pytest.fixture
def events_recorded():
    """A record_event stand-in for plain-module tests: collects (type, data, envelope args)."""
    from involve.kernel import outbox

    seen = []

    def record(session, event_type, data, **kw):
        seen.append((event_type, data, kw))
        return outbox.record(session, "feedback", event_type, data, **kw)

    record.seen = seen
    return record


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
