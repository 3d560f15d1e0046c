"""The commissioning gateway on a real RabbitMQ: the shared integration platform (identity,
panels, feedback, mystery_shopping, commissioning and the gateway) with a fast release timer,
and the seed 003 county with everyone signed in."""
import pytest

from tests.support.commissioning import County


@pytest.fixture
def fast_timer(service_config):
    """Confidential items due for release are looked for every 0.3 s instead of 30 s."""
    with service_config.patch({"COMMISSIONING_TIMER_SECONDS": 0.3}):
        yield


@pytest.fixture
def platform(fast_timer, platform):
    return platform


@pytest.fixture
def database_url(tmp_path):
    """HTTP-level tests run on SQLite only: the same flows run on SQLite and PostgreSQL one layer
    down (tests/commissioning), and the gateway holds no data (docs/decisions.md)."""
    yield f"sqlite:///{tmp_path}/{{service}}.db"


@pytest.fixture
def county(platform, admin, service_config):
    return County(platform, admin, service_config["DATA_DIR"])


@pytest.fixture
def commissioning_events(amqp_uri_for_clients):
    from tests.support.events import listening

    with listening(amqp_uri_for_clients, "commissioning") as wait_for:
        yield wait_for
