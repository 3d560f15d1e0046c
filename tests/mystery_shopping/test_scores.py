"""Scores: efficiency and feeling apart; highlights and gaps; agreement between shoppers."""
import pytest

from involve.mystery_shopping import agreement, scores

from .helpers import small_set

QUESTIONS = small_set()["questions"]  # answered-60s (w1), crisis-numbers (w3), felt-welcome


def test_efficiency_is_the_weighted_share_of_yes_and_feeling_the_weighted_mean_kept_apart():
    efficiency, feeling = scores.call_scores(QUESTIONS, {
        "answered-60s": "yes", "crisis-numbers": "no", "felt-welcome": 5, "notes": "Kind."})
    assert efficiency == 25.0  # 1 of 4 weighted points
    assert feeling == 5.0
    efficiency, feeling = scores.call_scores(QUESTIONS, {"answered-60s": "no",
                                                        "crisis-numbers": "yes"})
    assert (efficiency, feeling) == (75.0, None)  # no feeling answered: none, never a blend


def test_mixed_kinds_count_on_their_own_scale():
    questions = [
        {"id": "clear", "kind": "scale_1_5", "measures": "efficiency", "weight": 1, "text": "?"},
        {"id": "listened", "kind": "yes_no", "measures": "feeling", "weight": 1, "text": "?"},
        {"id": "warm", "kind": "scale_1_5", "measures": "feeling", "weight": 3, "text": "?"}]
    assert scores.call_scores(questions, {"clear": 4, "listened": "no", "warm": 5}) == (75.0, 4.0)


def call(i, service, efficiency, feeling, notes=None, shopper="p1", **answers):
    return {"id": f"c{i}", "care_service_id": service, "shopper_id": shopper,
            "persona": "potential_client", "answers": answers, "notes": notes,
            "seconds_to_answer": 20 + i, "callback_promised": i % 2 == 0,
            "callback_happened": i % 4 == 0, "efficiency": efficiency, "feeling": feeling}


def test_service_scores_highlights_and_gaps():
    calls = [call(0, "a", 100.0, 5.0, notes="They asked how I was and really listened.",
                  **{"answered-60s": "yes", "crisis-numbers": "yes", "felt-welcome": 5}),
             call(1, "a", 50.0, 3.0, notes="Fine.",
                  **{"answered-60s": "yes", "crisis-numbers": "no", "felt-welcome": 3}),
             call(2, "b", 0.0, 2.0, notes="Rushed; no numbers given.",
                  **{"answered-60s": "no", "crisis-numbers": "no", "felt-welcome": 2})]
    by_service = scores.by_service(["a", "b", "c"], {"a": "Alpha", "b": "Beta"}, calls)
    assert [(s["name"], s["calls"], s["efficiency"], s["feeling"]) for s in by_service] == [
        ("Alpha", 2, 75.0, 4.0), ("Beta", 1, 0.0, 2.0), ("c", 0, None, None)]
    assert by_service[0]["answered_within_seconds_median"] == 20.5
    assert (by_service[0]["callbacks_promised"], by_service[0]["callbacks_kept"]) == (1, 1)
    rows = scores.by_question(QUESTIONS, calls)
    assert [(r["id"], r.get("yes_rate"), r.get("mean")) for r in rows[:3]] == [
        ("answered-60s", 66.7, None), ("crisis-numbers", 33.3, None), ("felt-welcome", None, 3.33)]
    assert scores.highlights(QUESTIONS, calls) == [{
        "care_service_id": "a", "call_id": "c0", "feeling": 5.0, "efficiency": 100.0,
        "quote": "They asked how I was and really listened."}]
    assert [g["question_id"] for g in scores.gaps(rows)] == ["crisis-numbers"]


# Krippendorff (2011), "Computing Krippendorff's Alpha-Reliability", section C: four observers,
# twelve units, values 1-5, some missing. Published: nominal 0.743, ordinal 0.815.
TEXTBOOK = [
    [1, 2, 3, 3, 2, 1, 4, 1, 2, None, None, None],
    [1, 2, 3, 3, 2, 2, 4, 1, 2, 5, None, 3],
    [None, 3, 3, 3, 2, 3, 4, 2, 2, 5, 1, None],
    [1, 2, 3, 3, 2, 4, 4, 1, 2, 5, 1, None],
]


def test_alpha_matches_krippendorffs_published_example():
    assert agreement.alpha(TEXTBOOK, "nominal") == 0.743
    assert agreement.alpha(TEXTBOOK, "ordinal") == 0.815


def test_agreement_between_shoppers_uses_services_and_questions_as_units():
    """The textbook data as four shoppers' ratings: 3 services x 4 rating questions = 12 units."""
    questions = [{"id": f"q{j}", "kind": "scale_1_5", "measures": "feeling", "weight": 1,
                  "text": "?"} for j in range(4)]
    calls = []
    for coder, row in enumerate(TEXTBOOK):
        for s, service in enumerate("abc"):
            answers = {f"q{j}": row[s * 4 + j] for j in range(4) if row[s * 4 + j] is not None}
            if answers:
                calls.append({"id": f"c{coder}{s}", "care_service_id": service,
                              "shopper_id": f"shopper-{coder}", "answers": answers})
    out = agreement.between_shoppers(questions, calls)
    assert out["feeling_alpha"] == pytest.approx(0.815, abs=0.001)
    assert out["alpha"] == out["feeling_alpha"] and out["efficiency_alpha"] is None
    assert (out["shoppers"], out["scale_units"]) == (4, 11)  # unit 12 has one value only


def test_agreement_is_not_measured_with_one_shopper_per_service():
    calls = [call(0, "a", 100.0, 5.0, shopper="p1", **{"answered-60s": "yes"}),
             call(1, "b", 0.0, 1.0, shopper="p2", **{"answered-60s": "no"})]
    out = agreement.between_shoppers(QUESTIONS, calls)
    assert out["alpha"] is None and out["units"] == 0 and "Fewer than two" in out["note"]


def test_yes_no_answers_are_compared_as_categories():
    calls = [call(0, "a", 0, 0, shopper="p1", **{"answered-60s": "yes", "crisis-numbers": "no"}),
             call(1, "a", 0, 0, shopper="p2", **{"answered-60s": "yes", "crisis-numbers": "no"}),
             call(2, "b", 0, 0, shopper="p1", **{"answered-60s": "no", "crisis-numbers": "yes"}),
             call(3, "b", 0, 0, shopper="p2", **{"answered-60s": "no", "crisis-numbers": "no"})]
    out = agreement.between_shoppers(QUESTIONS, calls)
    # 4 units, 3 agree: by hand, D_o = 2/8, D_e = 2*(5*3)/(8*7) -> alpha = 1 - 0.25/0.5357
    assert out["efficiency_alpha"] == pytest.approx(1 - 0.25 / (30 / 56), abs=0.001)
    assert out["yes_no_units"] == 4
