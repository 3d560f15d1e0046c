"""Scores: plain functions over question sets and call records (dicts).

Efficiency and feeling are always kept apart, never merged into one number:

* **efficiency** (0-100): the weighted share of "yes" over the answered questions that measure
  efficiency (a 1-5 rating there counts as (rating - 1) x 25);
* **feeling** (1-5): the weighted mean of the answered ratings of questions that measure feeling
  (a yes/no there counts as 5 for yes and 1 for no).

Text questions are never scored; their words (and the call notes) are the quotes.

Every number is rounded here, once, half up (the contract's ``rounded``): efficiency and shares
of yes to EFFICIENCY_DECIMALS places, feeling and mean ratings to FEELING_DECIMALS. The report
page, the CSV and the PDF show them as they are, so they always agree.
"""
from __future__ import annotations

from statistics import mean, median

from .contract import EFFICIENCY_DECIMALS, FEELING_DECIMALS, rounded

HIGHLIGHT_FEELING = 4.0  # calls that felt at least this good are celebrated
HIGHLIGHTS = 5
GAPS = 5
GAP_YES_RATE = 60.0  # a yes/no question answered "yes" less often than this is a gap
GAP_MEAN = 3.0  # a rating below this on average is a gap
QUOTE_CHARACTERS = 400


def _efficiency_value(question: dict, answer) -> float:
    if question["kind"] == "yes_no":
        return 100.0 if answer == "yes" else 0.0
    return (int(answer) - 1) * 25.0


def _feeling_value(question: dict, answer) -> float:
    if question["kind"] == "yes_no":
        return 5.0 if answer == "yes" else 1.0
    return float(answer)


def call_scores(questions: list[dict], answers: dict) -> tuple[float | None, float | None]:
    """(efficiency 0-100, feeling 1-5) of one call; None where nothing of that kind was answered."""
    sums = {"efficiency": [0.0, 0.0], "feeling": [0.0, 0.0]}
    for question in questions:
        answer = answers.get(question["id"])
        if question["kind"] == "text" or answer is None:
            continue
        measure = question["measures"]
        value = (_efficiency_value if measure == "efficiency" else _feeling_value)(question, answer)
        weight = float(question.get("weight", 1.0))
        sums[measure][0] += weight * value
        sums[measure][1] += weight
    efficiency = rounded(sums["efficiency"][0] / sums["efficiency"][1], EFFICIENCY_DECIMALS) \
        if sums["efficiency"][1] else None
    feeling = rounded(sums["feeling"][0] / sums["feeling"][1], FEELING_DECIMALS) \
        if sums["feeling"][1] else None
    return efficiency, feeling


def _mean(values, digits):
    values = [v for v in values if v is not None]
    return rounded(mean(values), digits) if values else None


def by_service(care_service_ids: list[str], names: dict, calls: list[dict]) -> list[dict]:
    """Per service: calls made, efficiency and feeling (means of the calls), time to answer,
    call-backs promised and kept."""
    out = []
    for care_service_id in care_service_ids:
        mine = [c for c in calls if c["care_service_id"] == care_service_id]
        seconds = [c["seconds_to_answer"] for c in mine if c.get("seconds_to_answer") is not None]
        promised = [c for c in mine if c.get("callback_promised")]
        out.append({
            "care_service_id": care_service_id,
            "name": names.get(care_service_id, care_service_id),
            "calls": len(mine),
            "efficiency": _mean([c["efficiency"] for c in mine], EFFICIENCY_DECIMALS),
            "feeling": _mean([c["feeling"] for c in mine], FEELING_DECIMALS),
            "answered_within_seconds_median": median(seconds) if seconds else None,
            "callbacks_promised": len(promised),
            "callbacks_kept": sum(1 for c in promised if c.get("callback_happened") is True),
        })
    return out


def by_question(questions: list[dict], calls: list[dict]) -> list[dict]:
    out = []
    for question in questions:
        answers = [c["answers"].get(question["id"]) for c in calls]
        answers = [a for a in answers if a is not None]
        row = {"id": question["id"], "text": question["text"], "kind": question["kind"],
               "measures": question["measures"], "answered": len(answers)}
        if question["kind"] == "yes_no":
            row["yes_rate"] = rounded(100.0 * sum(a == "yes" for a in answers) / len(answers),
                                      EFFICIENCY_DECIMALS) if answers else None
        elif question["kind"] == "scale_1_5":
            row["mean"] = rounded(mean(int(a) for a in answers), FEELING_DECIMALS) \
                if answers else None
        out.append(row)
    return out


def _quote(questions: list[dict], call: dict) -> str | None:
    parts = [call.get("notes") or ""] + [
        str(call["answers"].get(q["id"]) or "") for q in questions if q["kind"] == "text"]
    text = " ".join(" ".join(p.split()) for p in parts if p and p.strip())
    if not text:
        return None
    return text if len(text) <= QUOTE_CHARACTERS else text[:QUOTE_CHARACTERS - 1].rstrip() + "..."


def highlights(questions: list[dict], calls: list[dict]) -> list[dict]:
    """Quotes from the calls that felt best (feeling at least HIGHLIGHT_FEELING)."""
    best = sorted((c for c in calls if c.get("feeling") is not None
                   and c["feeling"] >= HIGHLIGHT_FEELING),
                  key=lambda c: (-c["feeling"], -(c.get("efficiency") or 0), c["id"]))
    out = []
    for call in best:
        quote = _quote(questions, call)
        if quote:
            out.append({"care_service_id": call["care_service_id"], "call_id": call["id"],
                        "feeling": call["feeling"], "efficiency": call.get("efficiency"),
                        "quote": quote})
        if len(out) == HIGHLIGHTS:
            break
    return out


def gaps(question_rows: list[dict]) -> list[dict]:
    """The weakest questions: yes/no answered "yes" too rarely, ratings low on average."""
    found = []
    for row in question_rows:
        if row.get("yes_rate") is not None and row["yes_rate"] < GAP_YES_RATE:
            found.append((row["yes_rate"] / 100.0, row))
        elif row.get("mean") is not None and row["mean"] < GAP_MEAN:
            found.append(((row["mean"] - 1) / 4.0, row))
    found.sort(key=lambda pair: (pair[0], pair[1]["id"]))
    return [{"question_id": row["id"], "text": row["text"], "measures": row["measures"],
             **({"yes_rate": row["yes_rate"]} if "yes_rate" in row else {"mean": row["mean"]})}
            for _, row in found[:GAPS]]


def scored_ids(questions: list[dict]) -> tuple[str, ...]:
    """What makes two versions of a set comparable across rounds: the same scored questions."""
    return tuple(sorted(q["id"] for q in questions if q["kind"] != "text"))
