"""Shared test data: seed 000 (Phoenix Futures), fake plugins, call answers."""
import types

import pluggy

from involve.kernel.plugins import HookSpecs, Plugins, hookimpl

ORG = "org-phoenix"
SERVICES = {"cs-sheffield": "Sheffield Primary Care Addiction Service",
            "cs-rotherham": "Rotherham Recovery Hub",
            "cs-stoke": "Stoke Drug and Alcohol Service",
            "cs-wirral": "Wirral Family Support"}


def fake_plugins(**sets_by_plugin):
    """A Plugins whose plugins (by name) give the listed question sets."""
    manager = pluggy.PluginManager("involve")
    manager.add_hookspecs(HookSpecs)
    for name, sets in sets_by_plugin.items():
        module = types.ModuleType(name)

        def involve_benchmark_sets(sets=sets):
            return sets

        module.involve_benchmark_sets = hookimpl(involve_benchmark_sets)
        manager.register(module, name=name)
    return Plugins(manager)


def small_set(key="acme.first-contact", version=1, **changes):
    data = {"id": key, "version": version, "title": "Acme first contact",
            "description": "A small set for tests.",
            "questions": [
                {"id": "answered-60s", "kind": "yes_no", "measures": "efficiency", "weight": 1,
                 "text": "Was the call answered within 60 seconds?"},
                {"id": "crisis-numbers", "kind": "yes_no", "measures": "efficiency", "weight": 3,
                 "text": "Did they give crisis numbers?"},
                {"id": "felt-welcome", "kind": "scale_1_5", "measures": "feeling", "weight": 1,
                 "text": "How welcome did you feel?"},
                {"id": "notes", "kind": "text", "measures": "feeling", "weight": 0,
                 "text": "How did the call feel?"}]}
    data.update(changes)
    return data


def answers_for(questions, yes=True, feeling=4, words="Warm and unhurried."):
    out = {}
    for q in questions:
        if q["kind"] == "yes_no":
            out[q["id"]] = "yes" if yes else "no"
        elif q["kind"] == "scale_1_5":
            out[q["id"]] = feeling
        else:
            out[q["id"]] = words
    return out


THIRD_PARTY = """
from involve.kernel.plugins import hookimpl

@hookimpl
def involve_benchmark_sets():
    return [{"id": "acme.referrers", "version": 3, "title": "Referrers phone us",
             "description": "By a GP surgery's staff.",
             "questions": [
                 {"id": "knew-criteria", "kind": "yes_no", "measures": "efficiency",
                  "weight": 1, "text": "Did they explain who the service is for?"},
                 {"id": "felt-respected", "kind": "scale_1_5", "measures": "feeling",
                  "weight": 1, "text": "How respected did you feel?"}]}]
"""
MALFORMED = """
from involve.kernel.plugins import hookimpl

@hookimpl
def involve_benchmark_sets():
    return [{"id": "broken.set", "version": 1, "title": "Broken",
             "questions": [{"id": "rate-it", "kind": "scale_1_10", "measures": "feeling",
                            "text": "Out of ten?"}]}]
"""
