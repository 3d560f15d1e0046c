"""The reporting area on a real RabbitMQ: the platform with the reporting service running."""
import pytest

from involve.reporting.service import ReportingService
from tests.support.running import start_service


@pytest.fixture
def database_url(tmp_path):
    """HTTP-level tests run on SQLite only: the event log and read models run on SQLite and
    PostgreSQL one layer down (tests/reporting), and the gateway holds no data."""
    yield f"sqlite:///{tmp_path}/{{service}}.db"


@pytest.fixture
def reporting(platform, container_factory):
    """The platform URL, with reporting listening before anything happens (its queues exist)."""
    start_service(container_factory, ReportingService)
    return platform
