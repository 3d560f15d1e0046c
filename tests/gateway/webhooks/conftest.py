"""The platform with the webhooks service, quick retries, and private addresses allowed (the
receivers run on this machine)."""
import pytest

from involve.webhooks.service import WebhooksService
from tests.support.receivers import ExampleReceiver
from tests.support.running import start_service

QUICK = {"WEBHOOKS_ALLOW_PRIVATE": True, "WEBHOOKS_RETRY_SCHEDULE": [0.3, 0.3],
         "WEBHOOKS_RETRY_JITTER": 0.0, "WEBHOOKS_POLL_SECONDS": 0.1,
         "WEBHOOKS_TIMEOUT_SECONDS": 3}


@pytest.fixture
def database_url(tmp_path):
    """HTTP journeys on SQLite (the database code runs on both in tests/webhooks)."""
    return f"sqlite:///{tmp_path}/{{service}}.db"


@pytest.fixture
def hooks(service_config, platform, container_factory):
    """The platform URL, with the webhooks service running and GATEWAY_URL pointing at it."""
    with service_config.patch({**QUICK, "GATEWAY_URL": platform}):
        start_service(container_factory, WebhooksService)
        yield platform


@pytest.fixture
def receivers(tmp_path):
    started = []

    def make():
        receiver = ExampleReceiver(tmp_path)
        started.append(receiver)
        return receiver

    yield make
    for receiver in started:
        receiver.stop()
