"""The plugin loader with real entry points from installed-looking distributions."""
import os
import subprocess
import sys
from importlib.metadata import distributions

import pytest

from involve.kernel import plugins
from tests.support.plugins import BROKEN_IMPORT, make_distribution

GOOD = """
from involve.kernel.plugins import hookimpl

@hookimpl
def involve_quota_rules():
    return [{"id": "acme.at-least-two", "text": "At least two of each"}]
"""
NO_HOOKS = "def something_else():\n    return 1\n"
RAISES = """
from involve.kernel.plugins import hookimpl

@hookimpl
def involve_benchmark_sets():
    raise ValueError("bad data file")
"""


@pytest.fixture
def plugin_folder(tmp_path, monkeypatch):
    make_distribution(tmp_path, "acme-quotas", "acme_quotas", "acme_quotas_mod", GOOD)
    make_distribution(tmp_path, "acme-broken", "acme_broken", "acme_broken_mod", BROKEN_IMPORT)
    make_distribution(tmp_path, "acme-nohooks", "acme_nohooks", "acme_nohooks_mod", NO_HOOKS)
    make_distribution(tmp_path, "acme-raises", "acme_raises", "acme_raises_mod", RAISES)
    monkeypatch.syspath_prepend(str(tmp_path))
    return tmp_path


def entry_points_in(folder):
    return [ep for dist in distributions(path=[str(folder)]) for ep in dist.entry_points
            if ep.group == plugins.GROUP]


def test_a_broken_plugin_is_named_and_the_good_ones_still_load(plugin_folder):
    found = plugins.load(eps=entry_points_in(plugin_folder))
    assert [p.name for p in found.loaded] == ["acme_quotas", "acme_raises"]
    broken = {b.name: b for b in found.broken}
    assert set(broken) == {"acme_broken", "acme_nohooks"}
    assert "this_module_does_not_exist" in broken["acme_broken"].describe()
    assert "acme-broken" in broken["acme_broken"].describe()
    assert "none of the Involve hooks" in broken["acme_nohooks"].error
    rules = found.call("involve_quota_rules")
    assert rules == [("acme_quotas", {"id": "acme.at-least-two", "text": "At least two of each"})]


def test_a_hook_that_raises_is_reported_not_fatal(plugin_folder):
    found = plugins.load(eps=entry_points_in(plugin_folder))
    assert found.call("involve_benchmark_sets") == []
    assert any(b.name == "acme_raises" and "bad data file" in b.error for b in found.broken)


def test_strict_mode_makes_a_broken_plugin_fatal(plugin_folder):
    with pytest.raises(plugins.PluginError, match="acme_broken"):
        plugins.load(strict=True, eps=entry_points_in(plugin_folder))


def test_builtin_plugins_are_installed_and_load_cleanly():
    found = plugins.load(strict=True)
    names = {p.name for p in found.loaded}
    assert {"first_contact", "nsun_4pi"} <= names
    sets = dict(found.call("involve_benchmark_sets"))
    assert sets["first_contact"]["id"] == "involve.first-contact"
    kinds = {q["measures"] for q in sets["first_contact"]["questions"]}
    assert kinds == {"efficiency", "feeling"}
    by_plugin = {}
    for plugin, criterion in found.call("involve_spectrum_criteria"):
        by_plugin.setdefault(plugin, []).append(criterion["id"])
    assert {"nsun_4pi", "leadership_spectrum"} <= names
    assert len(by_plugin["nsun_4pi"]) == 21 and by_plugin["nsun_4pi"][0] == "PRIN-1"
    assert by_plugin["leadership_spectrum"][0].startswith("LS-")


def run_cli(*args, folder):
    env = {**os.environ, "PYTHONPATH": str(folder)}
    return subprocess.run([sys.executable, "-m", "involve.cli.main", "plugins", *args],
                          capture_output=True, text=True, env=env, timeout=60)


def test_cli_lists_plugins_and_names_the_broken_one(plugin_folder):
    listed = run_cli("list", folder=plugin_folder)
    assert listed.returncode == 0, listed.stderr
    assert "first_contact" in listed.stdout and "acme_quotas" in listed.stdout
    assert "BROKEN  plugin 'acme_broken' (from acme-broken)" in listed.stdout
    checked = run_cli("check", folder=plugin_folder)
    assert checked.returncode == 1
    assert "acme_broken" in checked.stderr


def test_cli_check_passes_with_only_good_plugins(tmp_path):
    checked = run_cli("check", folder=tmp_path)
    assert checked.returncode == 0, checked.stderr
    assert "plugins load" in checked.stdout


MALFORMED_SET = """
from involve.kernel.plugins import hookimpl

@hookimpl
def involve_benchmark_sets():
    return [{"id": "acme.first-contact", "version": 1, "title": "Acme first contact",
             "questions": [{"id": "felt-welcome", "text": "How welcome did you feel?",
                            "kind": "stars", "weight": 1, "measures": "feeling",
                            "guidance": "Think about the first minute."}]}]
"""


def test_cli_check_refuses_a_malformed_question_set_naming_plugin_set_and_question(tmp_path):
    make_distribution(tmp_path, "acme-sets", "acme_sets", "acme_sets_mod", MALFORMED_SET)
    listed = run_cli("list", folder=tmp_path)
    assert listed.returncode == 0, listed.stderr
    assert "REFUSED plugin 'acme_sets', question set 'acme.first-contact', question " \
           "'felt-welcome': kind" in listed.stdout
    checked = run_cli("check", folder=tmp_path)
    assert checked.returncode == 1
    assert "'acme_sets'" in checked.stderr and "'felt-welcome'" in checked.stderr
