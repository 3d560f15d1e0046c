"""Self-assessment criteria from plugins (the ``involve_spectrum_criteria`` hook), checked when
they load, and the scores they suggest from the metrics.

A criterion is a mapping:

* ``framework``: e.g. ``nsun-4pi`` or ``leadership-spectrum`` (a namespaced id); ``framework_title``
  optional;
* ``id`` (unique in its framework), ``area``, ``text`` (plain English); ``guidance`` optional;
* ``stage``: for the leadership spectrum, ``beginnings``, ``good`` or ``led``;
* ``levels``, ``scores``: optional, as the 4PI plugin gives them;
* ``evidence``: the keys of the metrics (metrics.py) that evidence it;
* ``suggest``: how to suggest a score from those metrics: a list of
  ``{"score": 0-3, "when": [{"metric": key, "at_least" | "at_most" | "more_than" | "is": v}]}``
  tried in order (the first whose conditions all hold is suggested), or a Python callable taking
  ``{metric key: value}`` and returning ``(score, reason)`` or None.

A malformed criterion is refused with a message naming the plugin and the criterion; the others
still load (as mystery shopping does with question sets). ``involve plugins check`` lists them.
"""
from __future__ import annotations

import logging
import re

from .metrics import BY_KEY, display

log = logging.getLogger(__name__)
HOOK = "involve_spectrum_criteria"
FRAMEWORK_ID = re.compile(r"^[a-z0-9][a-z0-9._-]{1,63}$")
CRITERION_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$")
SPECTRUM = "leadership-spectrum"
FOUR_PI = "nsun-4pi"
STAGES = ("beginnings", "good", "led")
STAGE_NAMES = {"beginnings": "Beginnings of service user involvement",
               "good": "Good service user involvement", "led": "Service user led"}
FOUR_PI_LEVELS = ("own_care", "services_and_communities", "governance_and_strategy")
LEVEL_NAMES = {"own_care": "Own care", "services_and_communities": "Services and communities",
               "governance_and_strategy": "Governance and strategy"}
FRAMEWORK_TITLES = {FOUR_PI: "NSUN 4PI National Involvement Standards",
                    SPECTRUM: "Service user leadership spectrum"}
SCORES = (0, 1, 2, 3)
FIELDS = ("framework", "framework_title", "id", "area", "text", "guidance", "stage", "levels",
          "scores", "evidence", "suggest")
CONDITIONS = ("at_least", "at_most", "more_than", "is")
MAX_TEXT = 500


def describe_problem(problem: dict) -> str:
    where = f"plugin '{problem['plugin']}'"
    if problem.get("criterion"):
        where += f", criterion '{problem['criterion']}'"
    return f"{where}: {problem['message']}"


def _text(value, limit=MAX_TEXT) -> bool:
    return isinstance(value, str) and 1 <= len(value.strip()) <= limit


def check(plugin: str, raw) -> tuple[dict | None, list[dict]]:
    """A plugin's criterion made clean, or None and its problems (each naming plugin and id)."""
    if not isinstance(raw, dict):
        return None, [{"plugin": plugin, "criterion": None, "message":
                       "gave something that is not a criterion (expected a mapping with "
                       "framework, id, area and text)"}]
    ident = raw.get("id")
    label = ident if isinstance(ident, str) and ident else None
    problems = []

    def problem(message):
        problems.append({"plugin": plugin, "criterion": label, "message": message})

    unknown = sorted(str(k) for k in raw if k not in FIELDS)
    if unknown:
        problem(f"unknown field(s) {', '.join(unknown)} (a criterion has: {', '.join(FIELDS)})")
    framework = raw.get("framework")
    if not isinstance(framework, str) or not FRAMEWORK_ID.match(framework):
        problem("the criterion needs a 'framework' such as 'nsun-4pi' (lower-case letters, "
                "digits, '.', '-' or '_')")
    if not isinstance(ident, str) or not CRITERION_ID.match(ident):
        problem("the criterion needs an 'id' such as 'PROC-5' (letters, digits, '.', '-', '_')")
    for name in ("area", "text"):
        if not _text(raw.get(name)):
            problem(f"the criterion needs '{name}': text of 1 to {MAX_TEXT} characters")
    for name in ("guidance", "framework_title"):
        if raw.get(name) is not None and not _text(raw.get(name), 2000):
            problem(f"'{name}' must be text of at most 2000 characters")
    stage = raw.get("stage")
    if framework == SPECTRUM and stage not in STAGES:
        problem(f"a leadership-spectrum criterion needs a 'stage': one of {', '.join(STAGES)}")
    elif stage is not None and stage not in STAGES:
        problem(f"'stage' must be one of {', '.join(STAGES)}")
    evidence = raw.get("evidence", [])
    if not isinstance(evidence, list) or not all(isinstance(e, str) for e in evidence):
        problem("'evidence' must be a list of metric names")
        evidence = []
    for key in evidence:
        if key not in BY_KEY or BY_KEY[key].unit == "table":
            problem(f"'evidence' names '{key}', which is not a metric Involve knows "
                    f"(see the metric definitions)")
    suggest = raw.get("suggest")
    rules = None
    if suggest is not None and not callable(suggest):
        rules = _check_rules(suggest, problem)
    if problems:
        return None, problems
    clean = {"framework": framework, "id": ident, "area": raw["area"].strip(),
             "text": raw["text"].strip(), "guidance": (raw.get("guidance") or "").strip(),
             "stage": stage, "evidence": list(dict.fromkeys(evidence)), "plugin": plugin,
             "framework_title": (raw.get("framework_title") or
                                 FRAMEWORK_TITLES.get(framework, framework)).strip(),
             "suggest": rules, "suggest_by_plugin": callable(suggest)}
    return clean, []


def _check_rules(suggest, problem) -> list | None:
    if not isinstance(suggest, list) or not suggest:
        problem("'suggest' must be a list of {score, when} rules, or a function")
        return None
    rules = []
    for n, rule in enumerate(suggest, start=1):
        if not isinstance(rule, dict) or set(rule) - {"score", "when"}:
            problem(f"suggest rule {n} must be a mapping with 'score' and 'when'")
            continue
        score = rule.get("score")
        if isinstance(score, bool) or score not in SCORES:
            problem(f"suggest rule {n}: 'score' must be 0, 1, 2 or 3")
        when = rule.get("when")
        if not isinstance(when, list) or not when:
            problem(f"suggest rule {n}: 'when' must be a list of conditions")
            continue
        for condition in when:
            if not isinstance(condition, dict) or "metric" not in condition:
                problem(f"suggest rule {n}: each condition names a 'metric'")
                continue
            key = condition["metric"]
            if key not in BY_KEY or BY_KEY[key].unit == "table":
                problem(f"suggest rule {n} names '{key}', which is not a metric Involve knows")
            tests = [c for c in condition if c != "metric"]
            if len(tests) != 1 or tests[0] not in CONDITIONS:
                problem(f"suggest rule {n}: a condition has one of {', '.join(CONDITIONS)}")
                continue
            value = condition[tests[0]]
            if tests[0] == "is" and not isinstance(value, bool):
                problem(f"suggest rule {n}: 'is' takes true or false")
            elif tests[0] != "is" and (isinstance(value, bool)
                                       or not isinstance(value, (int, float))):
                problem(f"suggest rule {n}: '{tests[0]}' takes a number")
        rules.append({"score": score, "when": when})
    return rules


def _given(plugins):
    cached = getattr(plugins, "_involve_spectrum_criteria", None)
    if cached is None:
        broken_before = len(plugins.broken)
        given = plugins.call(HOOK)
        cached = (given, list(plugins.broken[broken_before:]))
        plugins._involve_spectrum_criteria = cached
    return cached


def load(plugins, include_broken: bool = True) -> tuple[list[dict], list[dict], dict]:
    """Every well-formed criterion, the problems with the others, and each plugin's suggestion
    functions by (framework, id)."""
    if plugins is None:
        return [], [], {}
    given, failed = _given(plugins)
    problems = [{"plugin": b.name, "criterion": None, "message": b.error}
                for b in failed] if include_broken else []
    criteria, taken, functions = [], {}, {}
    for plugin, raw in given:
        clean, found = check(plugin, raw)
        if found:
            problems.extend(found)
            continue
        identity = (clean["framework"], clean["id"])
        if identity in taken:
            problems.append({"plugin": plugin, "criterion": clean["id"], "message":
                             f"{clean['framework']} {clean['id']} is already given by plugin "
                             f"'{taken[identity]}'"})
            continue
        taken[identity] = plugin
        if clean["suggest_by_plugin"]:
            functions[identity] = raw["suggest"]
        criteria.append(clean)
    for found in problems:
        log.error("self-assessment criterion refused: %s", describe_problem(found))
    return criteria, problems, functions


def problems(plugins, include_broken: bool = True) -> list[dict]:
    """For ``involve plugins check``: every refused criterion ([] when all are well formed)."""
    return load(plugins, include_broken)[1]


def frameworks(criteria: list[dict]) -> list[dict]:
    found = {}
    for c in criteria:
        f = found.setdefault(c["framework"], {"id": c["framework"], "title": c["framework_title"],
                                              "criteria": 0, "levels": [], "stages": []})
        f["criteria"] += 1
    for f in found.values():
        if f["id"] == FOUR_PI:
            f["levels"] = [{"id": k, "name": LEVEL_NAMES[k]} for k in FOUR_PI_LEVELS]
        if f["id"] == SPECTRUM:
            f["stages"] = [{"id": k, "name": STAGE_NAMES[k]} for k in STAGES]
    return sorted(found.values(), key=lambda f: f["title"])


# --- suggestions --------------------------------------------------------------------------------------
def _holds(condition: dict, value) -> bool:
    if value is None:
        return False
    if "is" in condition:
        return bool(value) is condition["is"]
    if "at_least" in condition:
        return value >= condition["at_least"]
    if "at_most" in condition:
        return value <= condition["at_most"]
    return value > condition["more_than"]


def _said(condition: dict) -> str:
    metric = BY_KEY[condition["metric"]]
    for test, words in (("at_least", "at least"), ("at_most", "at most"),
                        ("more_than", "more than")):
        if test in condition:
            bound = condition[test]
            shown = display(metric.unit, bound) if metric.unit != "count" else f"{bound:g}"
            return f"{metric.name}: {words} {shown}"
    return f"{metric.name}: {'yes' if condition['is'] else 'no'}"


def suggest(criterion: dict, values: dict, functions: dict | None = None) -> dict:
    """The evidence for a criterion and the score it suggests (None: nothing to go on)."""
    evidence = [{"key": k, "name": BY_KEY[k].name, "definition": BY_KEY[k].definition,
                 "value": values.get(k), "display": display(BY_KEY[k].unit, values.get(k))}
                for k in criterion.get("evidence", [])]
    out = {"evidence": evidence, "score": None, "reason": None}
    function = (functions or {}).get((criterion["framework"], criterion["id"]))
    if criterion.get("suggest_by_plugin"):
        if function is None:
            out["reason"] = "The plugin that suggests this score is not installed now."
            return out
        try:
            said = function(dict(values))
        except Exception as exc:  # a plugin's bug must not break the assessment
            log.error("criterion %s: the plugin's suggestion failed (%s)", criterion["id"],
                      type(exc).__name__)
            out["reason"] = "The plugin could not suggest a score."
            return out
        if said is not None and isinstance(said, (tuple, list)) and len(said) == 2 \
                and said[0] in SCORES:
            out["score"], out["reason"] = int(said[0]), str(said[1])[:500]
        return out
    rules = criterion.get("suggest") or []
    if not rules:
        return out
    if all(values.get(k) is None for k in {c["metric"] for r in rules for c in r["when"]}):
        out["reason"] = "No evidence for this has been recorded in the period yet."
        return out
    for rule in rules:
        if all(_holds(c, values.get(c["metric"])) for c in rule["when"]):
            out["score"] = rule["score"]
            out["reason"] = "Because " + "; ".join(
                f"{_said(c)} (it is {display(BY_KEY[c['metric']].unit, values.get(c['metric']))})"
                for c in rule["when"]) + "."
            return out
    out["reason"] = "The evidence recorded meets none of the plugin's rules for a score."
    return out
