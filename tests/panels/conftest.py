"""Fixtures for the panels service: its database on SQLite and PostgreSQL, and quota rules."""
import pytest

from tests.support.databases import event_recorder, service_sessions


@pytest.fixture
def panels_sessions(database_url):
    with service_sessions(database_url, "panels") as sessions:
        yield sessions


@pytest.fixture
def events_recorded():
    """A record_event stand-in for plain-module tests: collects (type, data, envelope args)."""
    return event_recorder("panels")


@pytest.fixture(scope="session")
def rules():
    from involve.kernel.plugins import load
    from involve.panels import quota_rules

    loaded = quota_rules.load(load())
    assert "combined" in loaded, ("the involve-quota-rules plugin is not installed "
                                  "(make test installs every plugin in plugins/)")
    return loaded
