"""The mystery-shopping gateway's own logic, without a broker: the API's body checks, the call
form (drafts, submitting, errors beside the right fields), the charts and the report page."""
import pytest
from werkzeug.datastructures import MultiDict

from involve.gateway.mystery_shopping import schemas as s
from involve.gateway.mystery_shopping.charts import bar_chart, line_chart
from involve.gateway.mystery_shopping.pages import call_values, read_call_form, service_errors_on_call_form
from involve.gateway.mystery_shopping.words import alpha_explained
from involve.gateway.web import rendering
from involve.gateway.web.forms import Form
from involve.kernel.errors import InvalidInput, InvolveError
from involve.kernel.schemas import validate
from involve.mystery_shopping.contract import DEFAULT_INFORMATION

QUESTIONS = [
    {"id": "answered-60s", "kind": "yes_no", "measures": "efficiency", "weight": 1,
     "text": "Was the call answered within 60 seconds?"},
    {"id": "felt-welcome", "kind": "scale_1_5", "measures": "feeling", "weight": 1,
     "text": "How welcome did you feel?"},
    {"id": "notes", "kind": "text", "measures": "feeling", "weight": 0,
     "text": "In your own words, how did the call feel?"},
]


def fields_of(exc) -> dict:
    return exc.value.fields


# --- the API's bodies ----------------------------------------------------------------------------
def test_an_answer_of_the_wrong_shape_is_named_by_its_question():
    with pytest.raises(InvalidInput) as exc:
        validate(s.MysteryCall(), {"answers": {"felt-welcome": [4], "answered-60s": True,
                                               "notes": "x" * 2001, "follow-up": "yes"}})
    assert set(fields_of(exc)) == {"answers.felt-welcome", "answers.answered-60s",
                                   "answers.notes"}


def test_a_draft_may_hold_any_part_of_a_call_and_nothing_more():
    assert validate(s.MysteryCall(), {"answers": {"felt-welcome": 7}}) == {
        "answers": {"felt-welcome": 7}}  # the service knows 7 is out of range for a 1-5 scale
    with pytest.raises(InvalidInput) as exc:
        validate(s.MysteryCall(), {"seconds_to_answer": 4000, "persona": "inspector",
                                   "called_at": "2026-01-12T10:00:00", "mood": "good"})
    assert set(fields_of(exc)) == {"seconds_to_answer", "persona", "called_at", "mood"}


def test_a_round_must_end_after_it_starts_and_name_real_personas():
    body = {"name": "Jan-Feb", "question_set_id": "1", "care_service_ids": ["a"],
            "starts_on": "2026-02-01", "ends_on": "2026-01-01", "personas": ["referrer", "spy"]}
    with pytest.raises(InvalidInput) as exc:
        validate(s.MysteryRoundCreate(), body)
    assert set(fields_of(exc)) == {"personas"}
    with pytest.raises(InvalidInput) as exc:
        validate(s.MysteryRoundCreate(), dict(body, personas=["referrer"]))
    assert set(fields_of(exc)) == {"ends_on"}
    body.update(ends_on="2026-02-27", personas=["referrer"])
    loaded = validate(s.MysteryRoundCreate(), body)
    assert loaded["calls_per_service"] == 2 and loaded["information_allowed"] == DEFAULT_INFORMATION


def test_an_edited_question_set_needs_unique_ids_and_weights_for_scored_questions():
    question = {"id": "felt-welcome", "text": "How welcome did you feel?", "kind": "scale_1_5",
                "measures": "feeling", "weight": 0}
    with pytest.raises(InvalidInput) as exc:
        validate(s.MysteryQuestionSetEdit(), {"questions": [question, dict(question, weight=1)]})
    assert "questions" in fields_of(exc)


# --- the call form ----------------------------------------------------------------------------------
def form(**values):
    return Form(MultiDict(values), anchors={"called_on": "called-on", "persona": "persona-0"})


def test_a_draft_sends_only_what_was_given():
    f = form(**{"q-answered-60s": "yes", "called_on": "2026-01-12", "called_time": "14:30"})
    data = read_call_form(f, QUESTIONS, complete=False)
    assert f.ok
    assert data == {"answers": {"answered-60s": "yes"},
                    "called_at": "2026-01-12T14:30:00+00:00"}  # London is on GMT in January


def test_submitting_asks_for_every_scored_answer_and_the_calls_details():
    f = form(**{"q-answered-60s": "yes", "q-felt-welcome": "7", "callback_promised": "yes"})
    read_call_form(f, QUESTIONS, complete=True)
    assert [href for href, _ in f.summary()] == [
        "#called-on", "#seconds-to-answer", "#q-felt-welcome-0", "#callback-happened-0"]
    assert f.errors["q-felt-welcome"] == "Choose a rating from 1 to 5"
    assert "q-notes" not in f.errors  # words are optional


def test_a_complete_call_becomes_the_services_call_data():
    f = form(**{"called_on": "2026-07-01", "called_time": "09:05", "persona": "family_member",
                "seconds_to_answer": "45", "q-answered-60s": "no", "q-felt-welcome": "4",
                "q-notes": "Kind and patient.", "notes": "Good.", "callback_promised": "yes",
                "callback_happened": "not_yet"})
    data = read_call_form(f, QUESTIONS, complete=False)
    assert f.ok
    assert data == {"called_at": "2026-07-01T08:05:00+00:00",  # British Summer Time
                    "persona": "family_member", "seconds_to_answer": 45,
                    "answers": {"answered-60s": "no", "felt-welcome": 4,
                                "notes": "Kind and patient."},
                    "notes": "Good.", "callback_promised": True, "callback_happened": None}
    assert call_values(dict(data, called_at="2026-07-01T08:05:00+00:00")) == {
        "called_on": "2026-07-01", "called_time": "09:05", "persona": "family_member",
        "seconds_to_answer": "45", "q-answered-60s": "no", "q-felt-welcome": "4",
        "q-notes": "Kind and patient.", "notes": "Good.", "callback_promised": "yes"}


def test_the_services_refusals_appear_beside_the_forms_fields():
    f = form()
    f.from_error(InvolveError("Some answers need checking.", {
        "answers.felt-welcome": ["Choose a whole number from 1 to 5."],
        "called_at": ["The call must be within the round."]}))
    service_errors_on_call_form(f)
    assert dict(f.summary()) == {"#q-felt-welcome-0": "Choose a whole number from 1 to 5",
                                 "#called-on": "The call must be within the round"}


TIMED = [dict(QUESTIONS[0], answered_within_seconds=60), *QUESTIONS[1:]]


def test_answered_within_60_seconds_is_asked_once_as_the_seconds_to_answer():
    f = form(**{"called_on": "2026-01-12", "called_time": "14:30", "persona": "referrer",
                "seconds_to_answer": "75", "q-felt-welcome": "4", "callback_promised": "no",
                "q-answered-60s": "yes"})  # even if a stale form still sends it
    data = read_call_form(f, TIMED, complete=True)
    assert f.ok and data["seconds_to_answer"] == 75
    assert data["answers"] == {"felt-welcome": 4}  # the service works out "no" from 75 s
    f = form(**{"q-felt-welcome": "4"})
    read_call_form(f, TIMED, complete=True)
    assert "#seconds-to-answer" in dict(f.summary()) and "q-answered-60s" not in f.errors
    # the service's word about that question is shown beside the seconds
    f = form()
    f.from_error(InvolveError("Some answers need checking.", {
        "answers.answered-60s": ["This is worked out from the seconds to answer."]}))
    service_errors_on_call_form(f, TIMED)
    assert dict(f.summary()) == {
        "#seconds-to-answer": "This is worked out from the seconds to answer"}


# --- charts and the report ----------------------------------------------------------------------
def test_the_bar_chart_draws_efficiency_and_feeling_on_their_own_scales():
    chart = bar_chart([{"name": "A", "efficiency": 50.0, "feeling": 5.0},
                       {"name": "B", "efficiency": None, "feeling": 1.0}])
    a, b = chart["rows"]
    assert a["efficiency"] == chart["panel"] / 2 and a["feeling"] == chart["panel"]
    assert b["efficiency"] is None and b["efficiency_text"] == "Not scored"
    assert b["feeling"] == chart["panel"] / 5


def test_the_trend_chart_orders_rounds_by_date_and_draws_one_line_per_service_and_measure():
    trends = [{"name": "A", "points": [
        {"round_id": "r2", "round_name": "Mar-Apr", "ends_on": "2026-04-30", "efficiency": 100.0,
         "feeling": 5.0},
        {"round_id": "r1", "round_name": "Jan-Feb", "ends_on": "2026-02-27", "efficiency": 0.0,
         "feeling": 1.0}]}]
    chart = line_chart(trends)
    assert [t["name"] for t in chart["ticks"]] == ["Jan-Feb", "Mar-Apr"]
    efficiency = next(line for line in chart["lines"] if line["measure"] == "efficiency")
    (x1, y1), (x2, y2) = efficiency["points"]
    assert x1 < x2 and y1 == chart["bottom"] and y2 == chart["top"]  # 0% low, 100% high


def test_agreement_is_explained_for_calibration():
    assert alpha_explained({"alpha": None, "note": "Only one shopper called each service."}) == {
        "value": "Not enough calls to tell", "level": "unknown",
        "meaning": "Only one shopper called each service."}
    assert alpha_explained({"alpha": 0.91})["level"] == "good"
    low = alpha_explained({"alpha": 0.2})
    assert low["value"] == "0.20" and "go through the questions" in low["meaning"]


class FakeViewer:
    name, csrf_token, administers_any, principal = "Cat", "token", False, {}

    def can(self, action, organisation_id):
        return action != "mystery_shopping.shop"

    def administers(self, organisation_id):
        return False


def test_the_report_page_shows_efficiency_and_feeling_apart_and_escapes_what_people_wrote():
    hostile = '<script>alert("x")</script>'
    services = [{"care_service_id": "s1", "name": hostile, "calls": 2, "efficiency": 80.0,
                 "feeling": 4.5, "answered_within_seconds_median": 20, "callbacks_promised": 1,
                 "callbacks_kept": 1}]
    html = rendering._env.get_template("mystery_shopping/report.html").render(
        viewer=FakeViewer(), csrf_token="token", path="/x", notice=None, failed=False,
        organisation={"id": "o", "name": "Phoenix Futures"}, base="/organisations/o/mystery-shopping",
        persona_names={}, kind_names={}, measure_names={}, assignment_status={},
        round_status={"closed": "Closed"}, date_text=str, mystery_notice=None, can_manage=True,
        can_shop=False, can_read=True, report={"calls": [{}, {}], "highlights": [
            {"care_service_id": "s1", "feeling": 5, "quote": hostile}], "gaps": [],
            "questions": []},
        round={"name": "Jan-Feb", "status": "closed"}, question_set={"title": "First contact"},
        services=services, bars=bar_chart(services), trends=[], lines=line_chart([]),
        trend_rounds=[], trend_table=[], names={"s1": hostile},
        agreement=alpha_explained({"alpha": 0.9}), agreement_raw={"alpha": 0.9, "shoppers": 2},
        efficiency_text=lambda v: f"{v:.0f}%", feeling_text=lambda v: f"{v:.1f} out of 5",
        question_result_text=str, csv_link="/r.csv", pdf_link="/r.pdf")
    assert "<script>" not in html and "&lt;script&gt;" in html
    row = html.split('<caption id="services-caption">')[1].split("</tr>")[1]
    assert "80%" in row and "4.5 out of 5" in row and "1 of 1 promised" in row
    assert 'role="img"' in html and 'aria-labelledby="bars-title bars-desc"' in html
    assert "Trends appear once a second round" in html
