"""Fixtures for the feedback gateway tests: the integration platform (identity, panels, feedback,
mystery shopping and the gateway on a real RabbitMQ, on SQLite and PostgreSQL), a signed-in
platform administrator, and an organisation with staff in the roles the seed 002 flow needs."""
import pytest

from tests.support.feedback import make_setting


@pytest.fixture
def setting(request, service_config):
    """An addiction-service provider with two care services, a moderator, a responder, two
    staff members who each follow one service, and an involvement lead."""
    return make_setting(request.getfixturevalue("platform"), request.getfixturevalue("admin"),
                        service_config["DATA_DIR"])


@pytest.fixture
def database_url(tmp_path):
    """HTTP-level tests run on SQLite only: the same flows run on SQLite and PostgreSQL one layer
    down (the service tests), and the gateway holds no data (docs/decisions.md)."""
    yield f"sqlite:///{tmp_path}/{{service}}.db"
