"""The built-in quota rules plugin (plugins/involve-quota-rules), as the service loads it."""
import pytest

from involve.kernel.errors import InvalidInput
from involve.panels import quota_rules

CATEGORIES = {"gender": ["woman", "man"], "level": ["postgraduate", "undergraduate"],
              "used counselling": ["yes", "no"]}


def test_proportional_rounds_the_minimum_down_and_the_maximum_up(rules):
    out = quota_rules.apply(rules, {"rule": "proportional", "parameters": {"shares": {
        "Gender": {"WOMAN": 1, "man": 1}, "level": {"postgraduate": 0.6, "undergraduate": 0.4}}}},
        CATEGORIES, 12)
    assert out == {"gender": {"woman": [6, 6], "man": [6, 6]},
                   "level": {"postgraduate": [7, 8], "undergraduate": [4, 5]}}


def test_at_least_and_combined_intersect(rules):
    out = quota_rules.apply(rules, {"rule": "combined", "parameters": {"rules": [
        {"rule": "at_least", "parameters": {"minimums": {"used counselling": {"yes": 4}}}},
        {"rule": "at_least", "parameters": {"minimums": {"gender": 5}}},
        {"rule": "proportional", "parameters": {"shares": {"gender": {"woman": 50, "man": 50}}}},
    ]}}, CATEGORIES, 12)
    assert out["used counselling"] == {"yes": [4, 12]}
    assert out["gender"] == {"woman": [6, 6], "man": [6, 6]}


@pytest.mark.parametrize("rule", [
    {"rule": "nonsense"},
    {"rule": "proportional", "parameters": {}},
    {"rule": "proportional", "parameters": {"shares": {"gender": {"woman": -1}}}},
    {"rule": "proportional", "parameters": {"shares": {"age": {"old": 1}}}},
    {"rule": "at_least", "parameters": {"minimums": {"gender": 2.5}}},
    {"rule": "at_least", "parameters": {"minimums": {"gender": {"robot": 1}}}},
    {"rule": "combined", "parameters": {"rules": [{"rule": "combined"}]}},
    {"rule": "combined", "parameters": {"rules": [
        {"rule": "at_least", "parameters": {"minimums": {"gender": {"woman": 8}}}},
        {"rule": "proportional", "parameters": {"shares": {"gender": {"woman": 1, "man": 1}}}},
    ]}},
])
def test_unknown_rules_and_bad_parameters_are_invalid_input(rules, rule):
    with pytest.raises(InvalidInput) as caught:
        quota_rules.apply(rules, rule, CATEGORIES, 12)
    assert "quota_rule" in caught.value.fields


def test_rules_are_described_for_the_api(rules):
    described = {r["name"]: r for r in quota_rules.describe(rules)}
    assert set(described) >= {"proportional", "at_least", "combined"}
    assert described["proportional"]["plugin"] == "quota_rules"
    assert "apply" not in described["proportional"]
