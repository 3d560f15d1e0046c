"""Benchmark question sets as plugins: checked at load, stored by version, frozen when used."""
import copy
from datetime import date
from importlib.metadata import distributions

import pytest
from sqlalchemy import select

from involve.kernel import plugins as plugin_loader
from involve.kernel.db import transaction
from involve.kernel.errors import InvalidInput, NotFound
from involve.mystery_shopping import question_sets, rounds, shoppers
from involve.mystery_shopping.models import QuestionSet

from .helpers import ORG, SERVICES, fake_plugins, small_set


def test_the_builtin_first_contact_set_is_the_design_s_benchmark(installed_plugins):
    sets, problems = question_sets.load(installed_plugins)
    assert problems == []
    by_key = {s["id"]: (plugin, s) for plugin, s in sets}
    plugin, first = by_key["involve.first-contact"]
    assert plugin == "first_contact" and first["version"] == 1
    kinds = [(q["kind"], q["measures"]) for q in first["questions"]]
    assert kinds.count(("yes_no", "efficiency")) == 10
    assert kinds.count(("scale_1_5", "feeling")) == 2
    ids = [q["id"] for q in first["questions"]]
    assert {"answered-60s", "crisis-numbers", "felt-welcome", "would-call-back"} <= set(ids)
    # the example written as an organisation would write one loads too
    assert by_key["example.family-contact"][0] == "family_contact"


def _bad(question_changes=None, **set_changes):
    data = small_set(**set_changes)
    if question_changes:
        index, changes = question_changes
        question = data["questions"][index]
        for key, value in changes.items():
            if value is ...:
                question.pop(key)
            else:
                question[key] = value
    return data


@pytest.mark.parametrize("raw, question, words", [
    (_bad((2, {"kind": "stars"})), "felt-welcome", "kind: Choose one of: yes_no, scale_1_5, text"),
    (_bad((2, {"weight": 0})), "felt-welcome", "weight: A scored question needs a weight above 0"),
    (_bad((0, {"text": ...})), "answered-60s", "text: Missing data for required field"),
    (_bad((1, {"measures": "speed"})), "crisis-numbers", "measures: Choose one of"),
    (_bad((1, {"id": ...})), "number 2", "id: Missing data for required field"),
    (_bad((1, {"id": "answered-60s"})), "answered-60s", "already uses this id"),
    (_bad(version="one"), None, "'version' that is a whole number"),
    (_bad(questions=[]), None, "a list of 1 to 100 questions"),
])
def test_a_malformed_set_is_refused_naming_plugin_set_and_question(raw, question, words, caplog):
    good = small_set(key="other.set")
    found = fake_plugins(acme_questions=[raw], good_plugin=[good])
    sets, problems = question_sets.load(found)
    assert [s["id"] for _, s in sets] == ["other.set"]  # the others still load
    assert len(problems) >= 1
    problem = problems[0]
    assert problem["plugin"] == "acme_questions" and problem["set"] == "acme.first-contact"
    assert problem["question"] == question
    assert words in problem["message"]
    line = question_sets.describe_problem(problem)
    assert line.startswith("plugin 'acme_questions', question set 'acme.first-contact'")
    assert "acme_questions" in caplog.text  # logged at load


def test_not_a_set_at_all_and_a_repeated_version_are_named():
    found = fake_plugins(first=[small_set()], second=[small_set(), "nonsense"])
    sets, problems = question_sets.load(found)
    assert [s["id"] for _, s in sets] == ["acme.first-contact"]  # once, from one plugin
    messages = [question_sets.describe_problem(p) for p in problems]
    assert any("not a question set" in m for m in messages)
    assert any("version 1 is already given by plugin" in m for m in messages)


def test_a_third_party_set_installed_as_a_distribution_shows_up(third_party_installed):
    in_folder = [ep for dist in distributions(path=[str(third_party_installed)])
                 for ep in dist.entry_points if ep.group == plugin_loader.GROUP]
    assert {ep.name for ep in in_folder} == {"acme_referrers", "acme_broken_set"}
    found = plugin_loader.load()  # the ordinary loader: every installed entry point
    sets, _problems = question_sets.load(found)
    keys = {s["id"]: plugin for plugin, s in sets}
    assert keys["acme.referrers"] == "acme_referrers"
    assert "involve.first-contact" in keys  # the built-in sets are still there
    assert "broken.set" not in keys
    assert [question_sets.describe_problem(p) for p in question_sets.problems(found)] == [
        "plugin 'acme_broken_set', question set 'broken.set', question 'rate-it': kind: Choose "
        "one of: yes_no, scale_1_5, text."]


def test_plugin_sets_are_stored_by_version_and_unused_ones_follow_the_plugin(ms_sessions):
    with transaction(ms_sessions) as s:
        assert question_sets.sync(s, fake_plugins(acme=[small_set()])) == []
        listed = question_sets.list_for(s, ORG)
    assert [(x["key"], x["version"], x["source"], x["frozen"]) for x in listed] == [
        ("acme.first-contact", 1, "acme", False)]
    changed = small_set(title="Acme first contact (revised)")
    with transaction(ms_sessions) as s:
        question_sets.sync(s, fake_plugins(acme=[changed]))  # not used yet: updated in place
        question_sets.sync(s, fake_plugins(acme=[changed]))  # and idempotent
        listed = question_sets.list_for(s, ORG)
    assert [(x["id"], x["title"]) for x in listed] == [(listed[0]["id"],
                                                        "Acme first contact (revised)")]
    with transaction(ms_sessions) as s:
        question_sets.sync(s, fake_plugins(acme=[changed, small_set(version=2)]))
        listed = question_sets.list_for(s, ORG)
    assert [(x["version"], x["superseded"]) for x in listed] == [(2, False), (1, True)]


def _schedule(sessions, record, set_id, seed=1):
    with transaction(sessions) as s:
        shoppers.add(s, ORG, {"person_id": "p-1"}, lambda ids: {i: ["volunteer"] for i in ids}, list)
    with transaction(sessions) as s:
        values = rounds.check_input({
            "name": "January round", "question_set_id": set_id,
            "care_service_ids": ["cs-sheffield"], "calls_per_service": 1,
            "starts_on": "2026-01-05", "ends_on": "2026-02-27", "seed": seed})
        return rounds.schedule(s, record, ORG, values,
                               [{"id": k, "name": v} for k, v in SERVICES.items()],
                               lambda ids: {i: ["volunteer"] for i in ids}, list)


def test_a_set_used_by_a_round_is_frozen_and_editing_makes_a_new_version(ms_sessions,
                                                                        events_recorded):
    with transaction(ms_sessions) as s:
        question_sets.sync(s, fake_plugins(acme=[small_set()]))
        plugin_set = question_sets.list_for(s, ORG)[0]
    # an unused plugin set adapted by the organisation: a new version of its own
    new_questions = copy.deepcopy(plugin_set["questions"])
    new_questions[0]["text"] = "Was it answered within a minute?"
    with transaction(ms_sessions) as s:
        own = question_sets.edit(s, ORG, plugin_set["id"], {"questions": new_questions})
    assert (own["key"], own["version"], own["source"]) == ("acme.first-contact", 2, "organisation")
    assert own["based_on_id"] == plugin_set["id"]
    # the organisation's own unused version is edited in place
    with transaction(ms_sessions) as s:
        same = question_sets.edit(s, ORG, own["id"], {"title": "Our first contact"})
    assert (same["id"], same["version"], same["title"]) == (own["id"], 2, "Our first contact")

    round_ = _schedule(ms_sessions, events_recorded, own["id"])
    assert round_["question_set"]["version"] == 2
    with transaction(ms_sessions) as s:
        assert question_sets.get(s, ORG, own["id"])["frozen"] is True
        newer = question_sets.edit(s, ORG, own["id"], {"title": "Our first contact, 2027"})
    assert newer["id"] != own["id"] and newer["version"] == 3 and newer["frozen"] is False
    with transaction(ms_sessions) as s:
        kept = question_sets.get(s, ORG, own["id"])
        assert (kept["title"], kept["superseded"]) == ("Our first contact", True)
        assert rounds.get(s, ORG, round_["id"])["question_set"]["version"] == 2
        # another organisation sees the plugin's set but not this organisation's versions
        assert [x["version"] for x in question_sets.list_for(s, "org-other")] == [1]
        with pytest.raises(NotFound):
            question_sets.get(s, "org-other", own["id"])
    # a plugin that changes a version a round uses is told to give it a new number
    with transaction(ms_sessions) as s:
        frozen_plugin = small_set(title="Sneaky change")
        used = _schedule_plugin_round(s, events_recorded, plugin_set["id"])
        assert used["question_set"]["version"] == 1
        problems = question_sets.sync(s, fake_plugins(acme=[frozen_plugin]))
        assert question_sets.get(s, ORG, plugin_set["id"])["title"] == "Acme first contact"
    assert "give the changed set a new version number" in problems[0]["message"]


def _schedule_plugin_round(session, record, set_id):
    values = rounds.check_input({
        "name": "Plugin round", "question_set_id": set_id, "care_service_ids": ["cs-stoke"],
        "calls_per_service": 1, "starts_on": "2026-03-02", "ends_on": "2026-04-24", "seed": 5})
    return rounds.schedule(session, record, ORG, values,
                           [{"id": k, "name": v} for k, v in SERVICES.items()],
                           lambda ids: {i: ["volunteer"] for i in ids}, list)


BAD_EDITS = [
    ({"questions": [{"id": "x", "text": "Was it?", "kind": "maybe", "measures": "feeling"}]},
     "questions"),
    ({"title": "ab"}, "title"),
    ({"questions": [{"id": "same", "text": "One?", "kind": "yes_no", "measures": "efficiency"},
                    {"id": "same", "text": "Two?", "kind": "yes_no", "measures": "efficiency"}]},
     "questions"),
    ({"colour": "blue"}, "colour"),
]


def test_a_bad_edit_names_the_field(ms_sessions):
    with transaction(ms_sessions) as s:
        question_sets.sync(s, fake_plugins(acme=[small_set()]))
        set_id = question_sets.list_for(s, ORG)[0]["id"]
    for body, field in BAD_EDITS:
        with transaction(ms_sessions) as s, pytest.raises(InvalidInput) as caught:
            question_sets.edit(s, ORG, set_id, body)
        assert list(caught.value.fields) == [field], (body, caught.value.fields)
    with transaction(ms_sessions) as s:
        assert [x["id"] for x in question_sets.list_for(s, ORG)] == [set_id]  # nothing stored


def test_dates_are_kept_as_dates():
    values = rounds.check_input({"name": "Round", "question_set_id": "x",
                                 "care_service_ids": ["a"], "starts_on": "2026-01-05",
                                 "ends_on": "2026-02-27"})
    assert values["starts_on"] == date(2026, 1, 5) and values["calls_per_service"] == 2


def test_for_the_cli_a_hook_that_raises_is_left_to_the_broken_plugins_list():
    """``involve plugins check`` prints the broken plugins, then the malformed sets."""
    from involve.kernel.plugins import hookimpl

    found = fake_plugins(acme=[_bad((2, {"kind": "stars"}))])

    class Raises:
        @hookimpl
        def involve_benchmark_sets(self):
            raise ValueError("bad data file")

    found.manager.register(Raises(), name="acme_raises")
    invalid = question_sets.problems(found, include_broken=False)
    assert [question_sets.describe_problem(p) for p in invalid] == [
        "plugin 'acme', question set 'acme.first-contact', question 'felt-welcome': kind: "
        "Choose one of: yes_no, scale_1_5, text."]
    assert [b.name for b in found.broken] == ["acme_raises"]
    # the coordinators' list (question_set_problems) names both
    everything = question_sets.problems(found)
    assert {p["plugin"] for p in everything} == {"acme", "acme_raises"}


def test_an_organisation_s_own_plugin_made_from_the_example_installs_with_pip(tmp_path,
                                                                              monkeypatch):
    """The README's steps: copy the example, rename it, change the set, pip install, load."""
    import shutil
    import subprocess
    import sys
    from pathlib import Path

    example = Path(__file__).resolve().parents[2] / "plugins" / "example-family-contact"
    mine = tmp_path / "acme-questions"
    shutil.copytree(example, mine, ignore=shutil.ignore_patterns("*.egg-info", "build",
                                                                  "__pycache__"))
    (mine / "example_family_contact").rename(mine / "acme_questions")
    project = (mine / "pyproject.toml").read_text()
    project = project.replace('name = "example-family-contact"', 'name = "acme-questions"')
    project = project.replace('family_contact = "example_family_contact"',
                              'acme_questions = "acme_questions"')
    (mine / "pyproject.toml").write_text(project.replace("example_family_contact",
                                                         "acme_questions"))
    data = mine / "acme_questions" / "family_contact.yaml"
    data.write_text(data.read_text().replace("id: example.family-contact",
                                             "id: acme.family-contact"))
    site = tmp_path / "site"
    installed = subprocess.run(
        [sys.executable, "-m", "pip", "install", "--quiet", "--no-deps", "--no-build-isolation",
         "--target", str(site), str(mine)], capture_output=True, text=True, timeout=300)
    assert installed.returncode == 0, installed.stderr
    monkeypatch.syspath_prepend(str(site))
    sets, problems = question_sets.load(plugin_loader.load())
    assert problems == []
    assert ("acme_questions", "acme.family-contact") in [(p, s["id"]) for p, s in sets]


def _with_limit(data, seconds):
    data["questions"][0] = dict(data["questions"][0], answered_within_seconds=seconds)
    return data


def test_a_set_a_round_uses_may_learn_that_an_answer_is_worked_out_and_nothing_else(
        ms_sessions):
    """Rounds already using the first-contact set stop asking "answered within 60 seconds?"
    twice; any other change to a frozen set still needs a new version."""
    with transaction(ms_sessions) as s:
        question_sets.sync(s, fake_plugins(acme=[small_set()]))
        row = s.scalar(select(QuestionSet).where(QuestionSet.key == "acme.first-contact"))
        question_sets.freeze(row)
    with transaction(ms_sessions) as s:
        assert question_sets.sync(s, fake_plugins(acme=[_with_limit(small_set(), 60)])) == []
        row = s.scalar(select(QuestionSet).where(QuestionSet.key == "acme.first-contact"))
        assert row.frozen and row.version == 1
        assert row.questions[0]["answered_within_seconds"] == 60
    with transaction(ms_sessions) as s:
        found = question_sets.sync(s, fake_plugins(acme=[_with_limit(small_set(), 30)]))
        assert [p["message"] for p in found] == [
            "version 1 has changed but a round already uses it; give the changed set a new "
            "version number (the stored one is kept)"]
        row = s.scalar(select(QuestionSet).where(QuestionSet.key == "acme.first-contact"))
        assert row.questions[0]["answered_within_seconds"] == 60


def test_only_a_yes_no_question_can_be_worked_out_from_the_seconds():
    data = small_set()
    data["questions"][2] = dict(data["questions"][2], answered_within_seconds=60)
    clean, found = question_sets.check_set("acme", data)
    assert clean is None and [(p["question"], p["message"]) for p in found] == [
        ("felt-welcome", "answered_within_seconds: Only a yes/no question can be worked out "
                         "from the seconds to answer.")]
