"""The questions and quotas forms in words: what a coordinator types (questions with their
answers; for each question "no quota", "a share like 60:40", "at least N who ticked each" or
numbers for each answer) turned into the panels service's categories and quota rule, and back.

Shares become the ``proportional`` quota rule and "at least N" the ``at_least`` rule (from the
built-in plugin, offered on the page in words); several together are ``combined``. Any other
rule a plugin gives is kept as it is. The service checks everything again.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field

import involve.panels.contract as contract

NONE, SHARE, AT_LEAST, NUMBERS = "none", "share", "at_least", "numbers"
BUILT_IN = ("proportional", "at_least", "combined")
MAX_QUESTIONS = 30
MAX_ANSWERS = 50
_SHARE_PARTS = re.compile(r"[:/\s,;]+")


# --- the questions of a new campaign ------------------------------------------------------------
@dataclass
class Question:
    index: int
    name: str = ""
    question: str = ""
    answers: str = ""  # one per line, as typed
    multiple: bool = False

    @property
    def blank(self) -> bool:
        return not (self.name or self.question or self.answers.strip())

    @property
    def answer_list(self) -> list[str]:
        return [" ".join(line.split()) for line in self.answers.splitlines() if line.strip()]


def questions_from(form, count: int) -> list[Question]:
    return [Question(i, " ".join(form.get(f"q-{i}-name").split()),
                     " ".join(form.get(f"q-{i}-question").split()),
                     form.values.get(f"q-{i}-answers", ""),
                     form.get(f"q-{i}-kind") == "several") for i in range(count)]


def check_questions(form, questions: list[Question]) -> list[dict]:
    """The categories (no quotas yet) from the filled-in question blocks, errors on the form."""
    categories, seen = [], {}
    for q in questions:
        if q.blank:
            continue
        if not q.name:
            form.fail(f"q-{q.index}-name", f"Question {q.index + 1}: give it a short name, like "
                                           "gender")
        elif len(q.name) > contract.NAME_MAX:
            form.fail(f"q-{q.index}-name", f"Question {q.index + 1}: use at most "
                                           f"{contract.NAME_MAX} characters for the short name")
        elif contract.same_name(q.name) in seen:
            form.fail(f"q-{q.index}-name", f"Question {q.index + 1}: the short name “{q.name}” is "
                                           f"already used by question {seen[contract.same_name(q.name)] + 1}")
        else:
            seen[contract.same_name(q.name)] = q.index
        if not q.question:
            form.fail(f"q-{q.index}-question", f"Question {q.index + 1}: write the question "
                                               "volunteers will read")
        elif len(q.question) > contract.QUESTION_MAX:
            form.fail(f"q-{q.index}-question", f"Question {q.index + 1}: use at most "
                                               f"{contract.QUESTION_MAX} characters")
        answers = q.answer_list
        if len(answers) < (1 if q.multiple else 2):
            form.fail(f"q-{q.index}-answers", f"Question {q.index + 1}: give at least "
                      + ("one answer" if q.multiple else "two answers") + ", one on each line")
        elif len(answers) > MAX_ANSWERS:
            form.fail(f"q-{q.index}-answers", f"Question {q.index + 1}: give at most "
                                              f"{MAX_ANSWERS} answers")
        else:
            twice = [a for n, a in enumerate(answers) if contract.same_name(a) in
                     {contract.same_name(b) for b in answers[:n]}]
            long = [a for a in answers if len(a) > contract.NAME_MAX]
            if twice:
                form.fail(f"q-{q.index}-answers", f"Question {q.index + 1}: the answer "
                                                  f"“{twice[0]}” is listed twice")
            elif long:
                form.fail(f"q-{q.index}-answers", f"Question {q.index + 1}: use at most "
                                                  f"{contract.NAME_MAX} characters for each answer")
        categories.append({"name": q.name, "question": q.question, "multiple": q.multiple,
                           "values": [{"value": a} for a in answers]})
    if not categories:
        form.fail("q-0-name", "Add at least one question for volunteers to answer")
    return categories


# --- quotas: from the campaign to the form ----------------------------------------------------------
@dataclass
class QuotaState:
    """One question's quota as the form shows it."""
    index: int
    name: str
    question: str | None
    multiple: bool
    values: list[dict]                 # [{"value", "min", "max"}]: the places allowed now
    mode: str = NONE
    share: str = ""                    # "60:40", in the order of the values
    at_least: str = ""                 # "4"
    counts: dict = field(default_factory=dict)

    def field(self, part: str) -> str:
        return f"q-{self.index}-{part}"


def _rules_in(rule) -> list[dict]:
    if not rule:
        return []
    if rule.get("rule") == "combined":
        return [r for sub in (rule.get("parameters") or {}).get("rules") or []
                for r in _rules_in(sub)]
    return [rule]


def _share_text(shares: dict, values: list[str]) -> str:
    parts = []
    for v in values:
        number = shares.get(v, 0)
        parts.append(f"{number:g}" if isinstance(number, (int, float)) else str(number))
    return ":".join(parts)


def quota_states(campaign: dict) -> tuple[list[QuotaState], list[dict]]:
    """(each question's quota, the plugin rules other than the built-in ones, kept as they are)."""
    shares, minimums, others = {}, {}, []
    for rule in _rules_in(campaign.get("quota_rule")):
        parameters = rule.get("parameters") or {}
        if rule.get("rule") == "proportional":
            shares.update(parameters.get("shares") or {})
        elif rule.get("rule") == "at_least":
            minimums.update(parameters.get("minimums") or {})
        else:
            others.append(rule)
    k = campaign["panel_size"]
    counts = campaign.get("answer_counts") or {}
    states = []
    for i, cat in enumerate(campaign["categories"]):
        values = [{"value": v["value"], "min": v["min"], "max": v["max"]} for v in cat["values"]]
        state = QuotaState(i, cat["name"], cat.get("question"), bool(cat.get("multiple")), values,
                           counts=counts.get(cat["name"], {}))
        if cat["name"] in shares and not state.multiple:
            state.mode = SHARE
            state.share = _share_text(shares[cat["name"]], [v["value"] for v in values])
        elif state.multiple and isinstance(minimums.get(cat["name"]), int):
            state.mode, state.at_least = AT_LEAST, str(minimums[cat["name"]])
        elif any(v["min"] > 0 or v["max"] < k for v in values):
            state.mode = NUMBERS
        states.append(state)
    return states, others


# --- quotas: from the form to the service -----------------------------------------------------------
def parse_share(text: str, count: int) -> list[float] | None:
    """ "60:40", "60/40", "60% 40%", "3:2" -> [60, 40]; None if it is not ``count`` numbers."""
    parts = [p for p in _SHARE_PARTS.split(text.replace("%", " ").strip()) if p]
    if len(parts) != count:
        return None
    try:
        numbers = [float(p) for p in parts]
    except ValueError:
        return None
    if any(n < 0 or n != n or n > 1e6 for n in numbers) or sum(numbers) <= 0:
        return None
    return numbers


def _whole(text: str):
    text = text.strip()
    return int(text) if text.isdigit() and len(text) <= 6 else None


def read_quota_form(form, campaign: dict) -> tuple[list[QuotaState], dict | None]:
    """The quotas typed on the form, checked as far as a page can (errors on ``form``), and the
    PATCH body for the panels service (None when something needs fixing first)."""
    states, others = quota_states(campaign)
    k = campaign["panel_size"]
    for s in states:
        s.mode = form.get(s.field("mode")) or NONE
        if s.mode not in ((NONE, AT_LEAST, NUMBERS) if s.multiple else (NONE, SHARE, NUMBERS)):
            form.fail(s.field("mode"), f"“{s.name}”: choose how its places are shared",
                      anchor=form.id(s.field("mode")) + "-0")
            continue
        s.share = form.get(s.field("share"))
        s.at_least = form.get(s.field("at-least"))
        for j, v in enumerate(s.values):
            v["min_text"] = form.get(s.field(f"{j}-min"))
            v["max_text"] = form.get(s.field(f"{j}-max"))
        if s.mode == SHARE and parse_share(s.share, len(s.values)) is None:
            order = ", ".join(v["value"] for v in s.values)
            form.fail(s.field("share"), f"“{s.name}”: give one share for each answer, in the "
                      f"order {order}, like " + ":".join(["50"] * len(s.values)
                                                         if len(s.values) > 2 else ["60", "40"]))
        elif s.mode == AT_LEAST:
            n = _whole(s.at_least)
            if n is None:
                form.fail(s.field("at-least"), f"“{s.name}”: enter how many at least, as a whole "
                                               "number like 4")
            elif n > k:
                form.fail(s.field("at-least"), f"“{s.name}”: at least {n} is more than the panel's "
                                               f"{k} places")
        elif s.mode == NUMBERS:
            for j, v in enumerate(s.values):
                low = _whole(v["min_text"]) if v["min_text"] else 0
                high = _whole(v["max_text"]) if v["max_text"] else k
                where = f"“{s.name}: {v['value']}”"
                if low is None:
                    form.fail(s.field(f"{j}-min"), f"{where}: enter the least as a whole number, "
                                                   "like 4, or leave it empty for none")
                elif high is None:
                    form.fail(s.field(f"{j}-max"), f"{where}: enter the most as a whole number, "
                                                   f"like 8, or leave it empty for up to {k}")
                elif low > k:
                    form.fail(s.field(f"{j}-min"), f"{where}: at least {low} is more than the "
                                                   f"panel's {k} places")
                elif low > high:
                    form.fail(s.field(f"{j}-min"), f"{where}: the least ({low}) is more than the "
                                                   f"most ({high})")
                else:
                    v["min"], v["max"] = low, high
    if not form.ok:
        return states, None
    return states, body_from(states, others, k)


def body_from(states: list[QuotaState], others: list[dict], panel_size: int) -> dict:
    """{"categories", "quota_rule"} for the panels service."""
    categories, shares, minimums = [], {}, {}
    for s in states:
        own = s.mode == NUMBERS
        categories.append({"name": s.name, "question": s.question, "multiple": s.multiple,
                           "values": [{"value": v["value"],
                                       "min": v["min"] if own else None,
                                       "max": v["max"] if own else None} for v in s.values]})
        if s.mode == SHARE:
            numbers = parse_share(s.share, len(s.values))
            shares[s.name] = {v["value"]: n for v, n in zip(s.values, numbers, strict=True)}
        elif s.mode == AT_LEAST:
            minimums[s.name] = int(s.at_least)
    rules = list(others)
    if shares:
        rules.append({"rule": "proportional", "parameters": {"shares": shares}})
    if minimums:
        rules.append({"rule": "at_least", "parameters": {"minimums": minimums}})
    rule = None if not rules else rules[0] if len(rules) == 1 else {
        "rule": "combined", "parameters": {"rules": rules}}
    return {"categories": categories, "quota_rule": rule}


def with_change(campaign: dict, feature: str, value: str, new_min: int, new_max: int) -> dict | None:
    """The PATCH body that makes one suggested change (feasibility's "lower the minimum from 3
    to 2"): that question's places become numbers for each answer, as they are now, with the
    change made. None if the change names no question of the campaign."""
    states, others = quota_states(campaign)
    for s in states:
        for v in s.values:
            name = (f"{s.name}{contract.OPTION_SEPARATOR}{v['value']}" if s.multiple else s.name)
            wanted = contract.TICKED if s.multiple else v["value"]
            if name == feature and wanted == value:
                s.mode = NUMBERS
                v["min"], v["max"] = new_min, new_max
                return body_from(states, others, campaign["panel_size"])
    return None


def feature_words(campaign: dict) -> dict[tuple[str, str], str]:
    """How a selection feature and value read on the page: ("services used: counselling",
    "yes") -> "services used: counselling (ticked)", ("gender", "woman") -> "gender: woman"."""
    out = {}
    for cat in campaign["categories"]:
        for v in cat["values"]:
            if cat.get("multiple"):
                feature = f"{cat['name']}{contract.OPTION_SEPARATOR}{v['value']}"
                out[(feature, contract.TICKED)] = f"{cat['name']}: ticked “{v['value']}”"
                out[(feature, contract.NOT_TICKED)] = f"{cat['name']}: did not tick “{v['value']}”"
            else:
                out[(cat["name"], v["value"])] = f"{cat['name']}: {v['value']}"
    return out


def hidden_quota(campaign: dict, feature: str, value: str) -> bool:
    """A multi-choice answer's "not ticked" side (0 to the panel size): not worth a line."""
    return (feature, value) in {
        (f"{c['name']}{contract.OPTION_SEPARATOR}{v['value']}", contract.NOT_TICKED)
        for c in campaign["categories"] if c.get("multiple") for v in c["values"]}


def reasons_in_words(feasibility: dict, campaign: dict) -> list[str]:
    """Why the quotas cannot be met, worded with the campaign's own questions and answers (a
    multi-choice answer as "ticked"), from the selection core's facts; its sentences if the
    facts are missing (a selection stored before they existed)."""
    facts = feasibility.get("reason_facts")
    if not facts:
        return list(feasibility.get("reasons") or [])
    single, ticked = {}, {}
    for cat in campaign["categories"]:
        question = cat.get("question") or cat["name"]
        if cat.get("multiple"):
            for v in cat["values"]:
                ticked[f"{cat['name']}{contract.OPTION_SEPARATOR}{v['value']}"] = (
                    question, v["value"])
        else:
            single[cat["name"]] = question

    def about(feature):
        if feature in ticked:
            question, answer = ticked[feature]
            return f"“{answer}” in “{question}”"
        return f"“{single.get(feature, feature)}”"

    def who(feature, value):
        if feature in ticked:
            question, answer = ticked[feature]
            if value == contract.NOT_TICKED:
                return f"did not tick “{answer}” for “{question}”"
            return f"ticked “{answer}” for “{question}”"
        return f"answered “{value}” to “{single.get(feature, feature)}”"

    def people(n):
        return f"{n} {'person' if n == 1 else 'people'}"

    out = []
    for f in facts:
        kind = f.get("kind")
        if kind == "minimums_above_panel":
            out.append(f"The minimums for {about(f['feature'])} add up to {f['total']}, but the "
                       f"panel has only {f['panel_size']} places.")
        elif kind == "maximums_below_panel":
            out.append(f"The maximums for {about(f['feature'])} add up to {f['total']}, so they "
                       f"cannot fill the panel's {f['panel_size']} places.")
        elif kind == "too_few_people":
            out.append(f"The quotas ask for at least {people(f['minimum'])} who "
                       f"{who(f['feature'], f['value'])}, but only {f['people']} of the people "
                       "who registered did.")
        elif kind == "too_few_households":
            out.append(f"The quotas ask for at least {people(f['minimum'])} who "
                       f"{who(f['feature'], f['value'])}, but they live in only "
                       f"{f['households']} different households, and at most one person is "
                       "chosen from each household.")
        elif kind == "too_few_households_in_pool":
            out.append(f"The {people(f['people'])} who registered live in only "
                       f"{f['households']} different households: fewer than the "
                       f"{f['panel_size']} places, as at most one person is chosen from each "
                       "household.")
        elif kind == "household_rule":
            out.append(f"Even with no quotas, no panel of {f['panel_size']} can be chosen, as "
                       "at most one person is chosen from each household.")
    return out
