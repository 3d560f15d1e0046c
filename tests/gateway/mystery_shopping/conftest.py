"""The mystery-shopping gateway on a real RabbitMQ: the integration platform (identity, panels,
feedback, mystery_shopping and the gateway), a platform administrator, and an event listener."""
import pytest


@pytest.fixture
def mystery_events(amqp_uri_for_clients):
    """A plain kombu consumer bound to mystery_shopping.events: call it with a count to wait for."""
    from tests.support.events import listening

    with listening(amqp_uri_for_clients, "mystery_shopping") as wait_for:
        yield wait_for


@pytest.fixture
def database_url(tmp_path):
    """HTTP-level tests run on SQLite only: the same flows run on SQLite and PostgreSQL one layer
    down (the service tests), and the gateway holds no data (docs/decisions.md)."""
    yield f"sqlite:///{tmp_path}/{{service}}.db"
