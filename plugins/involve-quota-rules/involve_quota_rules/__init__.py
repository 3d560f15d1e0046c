"""Built-in quota rules for panel campaigns (Involve DESIGN.md section 4, after seed 004).

A quota rule turns an organisation's policy ("match the student body's 60:40 split", "at least
four people who used each service") into minimum and maximum places per category value. Each
rule is a dict:

    {"name": "proportional", "title": "...", "description": "...", "parameters": {...},
     "apply": apply(categories, panel_size, parameters, rules) -> {category: {value: [min, max]}}}

* ``categories``: ``{category name: [value, ...]}`` of the campaign.
* ``panel_size``: how many places the panel has.
* ``parameters``: what the campaign's coordinator gave for this rule.
* ``rules``: every loaded rule's ``apply`` by name (so that "combined" can use the others).

``apply`` returns bounds only for the values it constrains; the panels service intersects them
with the campaign's own bounds. Bad parameters raise ``ValueError`` with a plain message; the
service turns that into a 422 naming ``quota_rule.parameters``. Category and value names are
matched ignoring case and surrounding spaces.
"""
from __future__ import annotations

import math

try:  # the hook marker is optional: pluggy matches hooks by name
    from involve.kernel.plugins import hookimpl
except ImportError:  # pragma: no cover - installed without Involve
    def hookimpl(fn):
        return fn


def _key(text) -> str:
    return " ".join(str(text).split()).casefold()


def _category(categories: dict, name) -> tuple[str, dict[str, str]]:
    """(the campaign's spelling of the category, {value key: value spelling})."""
    by_key = {_key(c): c for c in categories}
    if not isinstance(name, str) or _key(name) not in by_key:
        known = ", ".join(categories) or "none"
        raise ValueError(f"'{name}' is not a category of this campaign (categories: {known})")
    real = by_key[_key(name)]
    return real, {_key(v): v for v in categories[real]}


def _value(values: dict[str, str], category: str, name) -> str:
    if not isinstance(name, str) or _key(name) not in values:
        known = ", ".join(values.values())
        raise ValueError(f"'{name}' is not a value of '{category}' (values: {known})")
    return values[_key(name)]


def _whole(n, what: str) -> int:
    if isinstance(n, bool) or not isinstance(n, (int, float)) or n != int(n) or n < 0:
        raise ValueError(f"{what} must be a whole number of 0 or more, not {n!r}")
    return int(n)


def proportional(categories, panel_size, parameters, rules=None):
    """Places in proportion to population shares: minimum rounded down, maximum rounded up.

    parameters: {"shares": {category: {value: share}}}. Shares are any non-negative numbers
    (percentages, head counts or fractions); they are scaled to add up to 1 per category.
    Values of the category left out get a share of 0.
    """
    shares = (parameters or {}).get("shares")
    if not isinstance(shares, dict) or not shares:
        raise ValueError('give "shares": {category: {value: share, ...}}')
    result = {}
    for cname, given in shares.items():
        category, values = _category(categories, cname)
        if not isinstance(given, dict) or not given:
            raise ValueError(f"the shares for '{category}' must be a mapping of value to share")
        numbers = {}
        for vname, share in given.items():
            value = _value(values, category, vname)
            if isinstance(share, bool) or not isinstance(share, (int, float)) or share < 0 \
                    or math.isnan(share) or math.isinf(share):
                raise ValueError(f"the share of '{value}' in '{category}' must be a number of 0 "
                                 f"or more, not {share!r}")
            numbers[value] = float(share)
        total = sum(numbers.values())
        if total <= 0:
            raise ValueError(f"the shares for '{category}' add up to 0")
        bounds = {}
        for value in values.values():
            exact = panel_size * numbers.get(value, 0.0) / total
            low, high = math.floor(exact + 1e-9), math.ceil(exact - 1e-9)
            bounds[value] = [low, high]
        result[category] = bounds
    return result


def at_least(categories, panel_size, parameters, rules=None):
    """At least N places for values of a category.

    parameters: {"minimums": {category: N}} (N for every value of the category) or
    {"minimums": {category: {value: N}}}.
    """
    minimums = (parameters or {}).get("minimums")
    if not isinstance(minimums, dict) or not minimums:
        raise ValueError('give "minimums": {category: N} or {category: {value: N}}')
    result = {}
    for cname, given in minimums.items():
        category, values = _category(categories, cname)
        if isinstance(given, dict):
            wanted = {_value(values, category, v): _whole(n, f"the minimum for '{v}'")
                      for v, n in given.items()}
        else:
            n = _whole(given, f"the minimum for '{category}'")
            wanted = dict.fromkeys(values.values(), n)
        result[category] = {v: [n, panel_size] for v, n in wanted.items()}
    return result


def combined(categories, panel_size, parameters, rules=None):
    """Several rules at once; where they overlap, the tightest bounds win.

    parameters: {"rules": [{"rule": name, "parameters": {...}}, ...]}.
    """
    listed = (parameters or {}).get("rules")
    if not isinstance(listed, list) or not listed:
        raise ValueError('give "rules": [{"rule": name, "parameters": {...}}, ...]')
    rules = rules or RULES
    result: dict[str, dict[str, list[int]]] = {}
    for n, item in enumerate(listed, start=1):
        if not isinstance(item, dict) or not isinstance(item.get("rule"), str):
            raise ValueError(f"rule {n} must be {{\"rule\": name, \"parameters\": {{...}}}}")
        name = item["rule"]
        if name == "combined" or name not in rules:
            raise ValueError(f"rule {n}: '{name}' is not a rule that can be combined (choose from: "
                             f"{', '.join(r for r in rules if r != 'combined')})")
        for category, bounds in rules[name](categories, panel_size, item.get("parameters") or {},
                                            rules).items():
            into = result.setdefault(category, {})
            for value, (low, high) in bounds.items():
                old = into.get(value, [0, panel_size])
                into[value] = [max(old[0], low), min(old[1], high)]
                if into[value][0] > into[value][1]:
                    raise ValueError(f"the rules contradict each other for {category}={value}: "
                                     f"at least {into[value][0]} but at most {into[value][1]}")
    return result


RULES = {"proportional": proportional, "at_least": at_least, "combined": combined}


@hookimpl
def involve_quota_rules():
    return [
        {"name": "proportional", "title": "Match population shares",
         "description": "Places in proportion to each value's share of the population, minimum "
                        "rounded down and maximum rounded up (12 places at 60:40 gives 7-8 and "
                        "4-5).",
         "parameters": {"shares": "{category: {value: share}}"}, "apply": proportional},
        {"name": "at_least", "title": "At least N per value",
         "description": "At least N places for each value of a category (or for named values), "
                        "e.g. at least four people who used each service.",
         "parameters": {"minimums": "{category: N} or {category: {value: N}}"},
         "apply": at_least},
        {"name": "combined", "title": "Several rules together",
         "description": "Applies several rules; where they overlap the tightest bounds win.",
         "parameters": {"rules": "[{rule, parameters}, ...]"}, "apply": combined},
    ]
