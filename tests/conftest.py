"""Test set-up. Eventlet is monkey-patched before anything else, or Nameko hangs."""
import warnings

warnings.filterwarnings("ignore", message=r"(?s).*Eventlet is deprecated")

import eventlet  # noqa: E402

eventlet.monkey_patch()

import os  # noqa: E402
import uuid  # noqa: E402

import pytest  # noqa: E402

from involve.kernel.registry import BACKEND  # noqa: E402
from tests.support.servers import start_postgres, start_rabbit  # noqa: E402

# The platform, admin and event-listener fixtures every test folder may use.
pytest_plugins = ["tests.support.fixtures"]


@pytest.fixture(scope="session")
def rabbit_server(request, tmp_path_factory):
    """A real RabbitMQ: RABBIT_URL if given, else Docker if reachable, else the local binary."""
    server = start_rabbit(tmp_path_factory)
    # Nameko's own fixtures (rabbit_config, vhost per test) read these options.
    request.config.option.RABBIT_AMQP_URI = server.amqp_uri
    request.config.option.RABBIT_API_URI = server.management_uri
    yield server
    server.stop()


@pytest.fixture(scope="session")
def rabbit_manager(rabbit_server):
    """Nameko's management-API client, pointed at our broker."""
    from nameko.testing import rabbit

    return rabbit.Client(rabbit_server.management_uri)


@pytest.fixture(scope="session")
def postgres_server():
    """A real PostgreSQL: POSTGRES_URL if given, else a throwaway cluster made with initdb."""
    server = start_postgres()
    yield server
    server.stop()


@pytest.fixture(params=["sqlite", "postgresql"])
def database_url(request, tmp_path):
    """A URL template ("{service}" in it) for fresh, empty databases, one per service."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path}/{{service}}.db"
        return
    server = request.getfixturevalue("postgres_server")
    prefix = "t" + uuid.uuid4().hex[:10]
    names = [f"{prefix}_{s}" for s in [*BACKEND, "testsvc", "listener"]]
    server.create_databases(names)
    yield server.url(prefix + "_{service}")
    server.drop_databases(names)


@pytest.fixture
def service_config(rabbit_config, database_url, tmp_path):
    """Nameko config for services under test: a fresh vhost and fresh databases."""
    from nameko import config

    with config.patch({
        "DATABASE_URL": database_url,
        "DATA_DIR": str(tmp_path),
        "OUTBOX_POLL_SECONDS": 0.1,
        "HEALTH_TIMEOUT_SECONDS": 1.0,
        "RPC_TIMEOUT_SECONDS": 10.0,
        # Every test client is 127.0.0.1; the limit itself is tested with a low value.
        "ANONYMOUS_WRITES_PER_MINUTE": 100000,
    }):
        yield config


@pytest.fixture
def amqp_uri_for_clients(rabbit_config):
    from nameko import config

    return config["AMQP_URI"]


def pytest_report_header(config):
    return "RabbitMQ: " + (os.environ.get("RABBIT_URL") or "started by the tests if needed")


@pytest.fixture(scope="session", autouse=True)
def event_contract():
    """Every event any test publishes is checked against CloudEvents and its catalogue schema."""
    from tests.support import contract

    contract.install()
    yield contract.SEEN


@pytest.fixture(autouse=True)
def events_keep_their_contract(event_contract):
    from tests.support import contract

    contract.take_problems()
    yield
    problems = contract.take_problems()
    assert problems == [], "published events that break their contract"


def pytest_terminal_summary(terminalreporter):
    from involve.kernel import catalogue
    from tests.support import contract

    if contract.SEEN:
        missing = [e.type for e in catalogue.published() if e.type not in contract.SEEN]
        terminalreporter.write_line(
            f"event contract: {sum(contract.SEEN.values())} events of {len(contract.SEEN)} types "
            f"checked against CloudEvents and their schemas"
            + (f"; {len(missing)} published types not seen in this run" if missing else ""))
