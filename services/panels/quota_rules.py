"""Quota rules from plugins (hook ``involve_quota_rules``): policy in, min/max quotas out."""
from __future__ import annotations

import logging

from involve.kernel.errors import InvalidInput

log = logging.getLogger(__name__)


def load(plugins) -> dict[str, dict]:
    """Every well-formed rule by name. A malformed rule is logged and skipped."""
    rules: dict[str, dict] = {}
    if plugins is None:
        return rules
    for plugin_name, rule in plugins.call("involve_quota_rules"):
        if not isinstance(rule, dict) or not isinstance(rule.get("name"), str) \
                or not callable(rule.get("apply")):
            log.error("plugin '%s' gave a quota rule without a name or apply function", plugin_name)
            continue
        if rule["name"] in rules:
            log.error("plugin '%s' gave quota rule '%s', which another plugin already gave",
                      plugin_name, rule["name"])
            continue
        rules[rule["name"]] = dict(rule, plugin=plugin_name)
    return rules


def describe(rules: dict[str, dict]) -> list[dict]:
    return [{"name": r["name"], "title": r.get("title", r["name"]),
             "description": r.get("description", ""), "parameters": r.get("parameters", {}),
             "plugin": r["plugin"]} for r in sorted(rules.values(), key=lambda r: r["name"])]


def apply(rules: dict[str, dict], rule: dict, categories: dict[str, list[str]],
          panel_size: int) -> dict[str, dict[str, list[int]]]:
    """Run one rule; any failure is the caller's bad input (422 naming the field)."""
    name = rule["rule"]
    if name not in rules:
        known = ", ".join(sorted(rules)) or "none are installed"
        raise InvalidInput(f"There is no quota rule called '{name}' (rules: {known}).",
                           {"quota_rule": {"rule": [f"Choose one of: {known}."]}})
    applies = {n: r["apply"] for n, r in rules.items()}
    try:
        bounds = rules[name]["apply"](categories, panel_size, rule.get("parameters") or {}, applies)
        if not isinstance(bounds, dict):
            raise TypeError("the rule returned something other than a mapping")
        checked = {}
        for category, values in bounds.items():
            if category not in categories:
                raise TypeError(f"the rule returned unknown category {category!r}")
            checked[category] = {}
            for value, pair in values.items():
                low, high = (int(pair[0]), int(pair[1]))
                if value not in categories[category]:
                    raise TypeError(f"the rule returned unknown value {value!r}")
                checked[category][value] = [low, high]
        return checked
    except ValueError as exc:
        raise InvalidInput(f"The quota rule '{name}' cannot use those parameters: {exc}.",
                           {"quota_rule": {"parameters": [str(exc)]}}) from None
    except Exception as exc:  # a plugin's bug is reported plainly, never a 500
        log.error("quota rule '%s' failed: %r", name, exc)
        raise InvalidInput(f"The quota rule '{name}' could not work out quotas from those "
                           "parameters.", {"quota_rule": {"parameters": [
                               "The rule could not use these parameters."]}}) from None
