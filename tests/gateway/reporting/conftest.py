"""The reporting area on a real RabbitMQ: the platform with the reporting service running."""
import pytest

from involve.reporting.service import ReportingService
from tests.support.running import event_queues, start_container, wait_until_consumed


@pytest.fixture
def database_url(tmp_path):
    """HTTP-level tests run on SQLite only: the event log and read models run on SQLite and
    PostgreSQL one layer down (tests/reporting), and the gateway holds no data."""
    yield f"sqlite:///{tmp_path}/{{service}}.db"


@pytest.fixture
def reporting(platform, container_factory, amqp_uri_for_clients):
    """The platform URL, with reporting listening before anything happens: every one of its
    event queues bound and consumed (an event published to a queue declared but not yet bound
    is lost, and the dashboard then waits for it in vain)."""
    container, _ = start_container(container_factory, ReportingService)
    queues = event_queues(container)
    assert len(queues) >= 5, queues  # one for each service whose events it reads
    wait_until_consumed(amqp_uri_for_clients, queues)
    return platform
