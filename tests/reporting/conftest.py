"""Fixtures for the reporting service: its database on SQLite and PostgreSQL for the plain
modules."""
import pytest

from tests.support.databases import service_sessions


@pytest.fixture
def sessions(database_url):
    with service_sessions(database_url, "reporting") as factory:
        yield factory
