"""Services load plugins when they start: a broken one is reported by name, and strict mode
refuses to start with it."""
import pytest

from involve.kernel.plugins import PluginError
from involve.reporting.service import ReportingService
from tests.support.plugins import BROKEN_IMPORT, make_distribution


@pytest.fixture
def broken_plugin_installed(tmp_path, monkeypatch):
    folder = tmp_path / "site"
    folder.mkdir()
    make_distribution(folder, "acme-broken", "acme_broken", "acme_broken_mod", BROKEN_IMPORT)
    monkeypatch.syspath_prepend(str(folder))


def test_a_broken_plugin_is_named_at_start_up_and_the_service_runs(
        service_config, container_factory, broken_plugin_installed, caplog):
    container = container_factory(ReportingService)
    container.start()
    assert "plugin 'acme_broken' (from acme-broken) could not be loaded" in caplog.text
    from nameko.standalone.rpc import ClusterRpcClient

    with ClusterRpcClient(uri=service_config["AMQP_URI"]) as rpc:
        health = rpc.reporting.health()
    assert health["status"] == "ok" and health["broken_plugins"] == ["acme_broken"]


def test_strict_mode_refuses_to_start_with_a_broken_plugin(
        service_config, container_factory, broken_plugin_installed):
    from nameko import config

    with config.patch({"PLUGINS_STRICT": True}):
        container = container_factory(ReportingService)
        with pytest.raises(PluginError, match="acme_broken"):
            container.start()
