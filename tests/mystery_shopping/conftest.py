"""Fixtures for the mystery_shopping service: its database on SQLite and PostgreSQL, fake
plugins, and identity + mystery_shopping on a real RabbitMQ."""

import pytest

from tests.support.databases import event_recorder, service_sessions


@pytest.fixture
def ms_sessions(database_url):
    with service_sessions(database_url, "mystery_shopping") as sessions:
        yield sessions


@pytest.fixture
def events_recorded():
    """A record_event stand-in for plain-module tests: collects (type, data, envelope args)."""
    return event_recorder("mystery_shopping")


@pytest.fixture
def installed_plugins():
    """The plugins installed in this environment (make installs every plugins/* folder)."""
    from involve.kernel.plugins import load

    found = load()
    names = {p.name for p in found.loaded}
    assert {"first_contact", "family_contact"} <= names, (
        "the question-set plugins are not installed (make test installs every plugin in plugins/)")
    return found


@pytest.fixture
def ms_platform(service_config, container_factory):
    """Identity and mystery_shopping, each in its own container on a real broker."""
    from involve.identity.service import IdentityService
    from involve.mystery_shopping.service import MysteryShoppingService
    from tests.support.running import start_service

    start_service(container_factory, IdentityService)
    start_service(container_factory, MysteryShoppingService)
    return service_config


@pytest.fixture
def rpc(ms_platform):
    from nameko.standalone.rpc import ClusterRpcClient

    with ClusterRpcClient(uri=ms_platform["AMQP_URI"]) as client:
        yield client


@pytest.fixture
def ms_events(amqp_uri_for_clients):
    """A plain kombu consumer bound to mystery_shopping.events ('#')."""
    from tests.support.events import listening

    with listening(amqp_uri_for_clients, "mystery_shopping") as wait_for:
        yield wait_for


@pytest.fixture
def third_party_installed(tmp_path, monkeypatch):
    """Two question-set plugins installed as pip leaves them (one malformed) on sys.path."""
    from tests.support.plugins import make_distribution

    from .helpers import MALFORMED, THIRD_PARTY

    site = tmp_path / "site"
    site.mkdir()
    make_distribution(site, "acme-referrers", "acme_referrers", "acme_referrers_mod", THIRD_PARTY)
    make_distribution(site, "acme-broken-set", "acme_broken_set", "acme_broken_set_mod", MALFORMED)
    monkeypatch.syspath_prepend(str(site))
    return site
