"""The mystery_shopping plain modules on a real database (SQLite and PostgreSQL), no broker:
rounds, calls, scores, reports, reassignment and erasure."""
import base64
import csv
import io
from datetime import UTC, datetime, timedelta

import pytest
from pypdf import PdfReader
from sqlalchemy import select

from involve.kernel.db import transaction
from involve.kernel.errors import Conflict, Forbidden, InvalidInput, NotFound
from involve.mystery_shopping import calls, question_sets, report_csv, report_pdf, rounds, shoppers
from involve.mystery_shopping.models import Assignment, Call

from .helpers import ORG, SERVICES, answers_for, fake_plugins, small_set

CARE = [{"id": k, "name": v} for k, v in SERVICES.items()]
SHOPPERS = {"p-ann": ["cs-sheffield"], "p-bo": ["cs-rotherham"], "p-cy": [], "p-di": ["cs-stoke"]}


def roles(ids):
    return {i: ["council_member"] if i.startswith("p-") else ["staff"] for i in ids}


def agreed(ids):
    """Stands in for identity's people_consenting: everyone here agreed to be asked to shop."""
    return list(ids)


@pytest.fixture
def org(ms_sessions):
    with transaction(ms_sessions) as s:
        question_sets.sync(s, fake_plugins(acme=[small_set()]))
        for person, used in SHOPPERS.items():
            shoppers.add(s, ORG, {"person_id": person, "services_used": used}, roles, agreed)
        return question_sets.list_for(s, ORG)[0]


def schedule(sessions, record, set_id, name="January round", seed=7, consenting=agreed, **extra):
    body = {"name": name, "question_set_id": set_id,
            "care_service_ids": ["cs-sheffield", "cs-rotherham", "cs-stoke"],
            "calls_per_service": 2, "starts_on": "2026-01-05", "ends_on": "2026-02-27",
            "seed": seed, **extra}
    with transaction(sessions) as s:
        return rounds.schedule(s, record, ORG, rounds.check_input(body), CARE, roles, consenting)


def when(days=1):
    return (datetime(2026, 1, 5, 10, tzinfo=UTC) + timedelta(days=days)).isoformat()


def submit(sessions, record, a, questions, yes=True, feeling=4, **extra):
    body = {"called_at": when(), "persona": a["persona"], "seconds_to_answer": 30,
            "answers": answers_for(questions, yes=yes, feeling=feeling),
            "notes": "They listened.", "callback_promised": False, **extra}
    with transaction(sessions) as s:
        return calls.record(s, record, ORG, a["id"], a["shopper_id"], body, submit=True)


def test_scheduling_assigns_fairly_and_respects_what_shoppers_use(ms_sessions, events_recorded,
                                                                  org):
    r = schedule(ms_sessions, events_recorded, org["id"])
    assert r["status"] == "scheduled" and r["seed"] == 7 and len(r["assignments"]) == 6
    assert r["information_allowed"] == "Only what the service's public website says."
    for a in r["assignments"]:
        assert a["care_service_id"] not in SHOPPERS[a["shopper_id"]]
    loads = [sum(a["shopper_id"] == p for a in r["assignments"]) for p in SHOPPERS]
    assert max(loads) - min(loads) <= 1
    again = schedule(ms_sessions, events_recorded, org["id"], name="Same seed")
    assert [(a["care_service_id"], a["shopper_id"], a["persona"]) for a in again["assignments"]] \
        == [(a["care_service_id"], a["shopper_id"], a["persona"]) for a in r["assignments"]]
    event_type, data, kw = events_recorded.seen[0]
    assert event_type == "round.scheduled" and data["question_set"] == {
        "key": "acme.first-contact", "version": 1} and kw["organisation"] == ORG
    assert data["care_service_ids"] == ["cs-sheffield", "cs-rotherham", "cs-stoke"]


def test_scheduling_refuses_bad_input_naming_the_field(ms_sessions, events_recorded, org):
    cases = [({"care_service_ids": ["cs-elsewhere"]}, "care_service_ids", InvalidInput),
             ({"question_set_id": "nope"}, "question_set_id", InvalidInput),
             ({"personas": ["inspector"]}, "personas", InvalidInput),
             ({"calls_per_service": 11}, "calls_per_service", InvalidInput),
             ({"ends_on": "2026-01-01"}, "ends_on", InvalidInput)]
    for extra, field, error in cases:
        with pytest.raises(error) as caught:
            schedule(ms_sessions, events_recorded, org["id"], **extra)
        assert field in caught.value.fields, (extra, caught.value.fields)
    # everyone uses Wirral Family Support: refused, the service named in plain English
    with transaction(ms_sessions) as s:
        for person in SHOPPERS:
            shoppers.update(s, ORG, _shopper_id(s, person),
                            {"services_used": SHOPPERS[person] + ["cs-wirral"]})
    with pytest.raises(Conflict) as caught:
        schedule(ms_sessions, events_recorded, org["id"],
                 care_service_ids=["cs-sheffield", "cs-wirral"])
    assert "Wirral Family Support" in caught.value.message
    assert "Sheffield" not in caught.value.message


def _shopper_id(session, person):
    return next(x["id"] for x in shoppers.list_for(session, ORG) if x["person_id"] == person)


def test_only_council_members_and_volunteers_can_shop(ms_sessions, org):
    with transaction(ms_sessions) as s, pytest.raises(InvalidInput) as caught:
        shoppers.add(s, ORG, {"person_id": "staff-1"}, roles, agreed)
    assert "person_id" in caught.value.fields


def test_only_people_who_agreed_to_be_asked_can_be_added(ms_sessions, org):
    asked = []

    def nobody(ids):
        asked.append(list(ids))
        return []

    with transaction(ms_sessions) as s, pytest.raises(InvalidInput) as caught:
        shoppers.add(s, ORG, {"person_id": "p-eve"}, roles, nobody)
    assert asked == [["p-eve"]]
    assert list(caught.value.fields) == ["person_id"]
    assert "not agreed to be asked to mystery shop" in str(caught.value)
    assert "My account" in str(caught.value)
    with transaction(ms_sessions) as s:
        assert "p-eve" not in {x["person_id"] for x in shoppers.list_for(s, ORG)}
        # someone taken off the roster who has since withdrawn cannot be put back either
        shoppers.load(s, ORG, _shopper_id(s, "p-cy")).active = False
    with transaction(ms_sessions) as s, pytest.raises(InvalidInput) as again:
        shoppers.add(s, ORG, {"person_id": "p-cy"}, roles, nobody)
    assert list(again.value.fields) == ["person_id"]
    with transaction(ms_sessions) as s:
        assert "p-cy" not in {x["person_id"] for x in shoppers.list_for(s, ORG)}
        assert shoppers.add(s, ORG, {"person_id": "p-cy"}, roles, agreed)["active"] is True


def test_a_shopper_who_withdrew_consent_is_left_out_of_the_next_round(ms_sessions,
                                                                     events_recorded, org):
    seen = []

    def all_but_cy(ids):
        seen.append(sorted(ids))
        return [i for i in ids if i != "p-cy"]

    r = schedule(ms_sessions, events_recorded, org["id"], consenting=all_but_cy)
    assert seen == [sorted(SHOPPERS)]
    given = {a["shopper_id"] for a in r["assignments"]}
    assert "p-cy" not in given and given <= set(SHOPPERS) - {"p-cy"}
    assert all(a["status"] == "assigned" for a in r["assignments"])
    with transaction(ms_sessions) as s:  # still on the roster: they may agree again later
        assert "p-cy" in {x["person_id"] for x in shoppers.list_for(s, ORG)}
    again = schedule(ms_sessions, events_recorded, org["id"], name="After agreeing again")
    assert "p-cy" in {a["shopper_id"] for a in again["assignments"]}


BAD_CALLS = [
    ({"answers": {"answered-60s": "maybe"}}, "answers.answered-60s"),
    ({"answers": {"felt-welcome": 6}}, "answers.felt-welcome"),
    ({"answers": {"felt-welcome": 0}}, "answers.felt-welcome"),
    ({"answers": {"felt-welcome": "very"}}, "answers.felt-welcome"),
    ({"answers": {"felt-welcome": True}}, "answers.felt-welcome"),
    ({"answers": {"notes": 5}}, "answers.notes"),
    ({"answers": {"notes": "x" * 2001}}, "answers.notes"),
    ({"answers": {"no-such-question": "yes"}}, "answers.no-such-question"),
    ({"seconds_to_answer": -1}, "seconds_to_answer"),
    ({"seconds_to_answer": 3601}, "seconds_to_answer"),
    ({"persona": "inspector"}, "persona"),
    ({"called_at": "2025-12-01T10:00:00Z"}, "called_at"),
    ({"called_at": "2099-01-01T10:00:00Z"}, "called_at"),
    ({"care_service_id": "cs-wirral"}, "care_service_id"),
    ({"notes": "x" * 5001}, "notes"),
    ({"mood": "good"}, "mood"),
]


def test_bad_answers_are_refused_naming_the_field(ms_sessions, events_recorded, org):
    a = schedule(ms_sessions, events_recorded, org["id"])["assignments"][0]
    for body, field in BAD_CALLS:
        with transaction(ms_sessions) as s, pytest.raises(InvalidInput) as caught:
            calls.record(s, events_recorded, ORG, a["id"], a["shopper_id"], body, submit=True)
        assert list(caught.value.fields) == [field], (body, caught.value.fields)
    with transaction(ms_sessions) as s:  # nothing was saved
        assert calls.get_own(s, ORG, a["id"], a["shopper_id"])["status"] == "not_started"


def test_only_the_assigned_shopper_may_record_and_drafts_build_up(ms_sessions, events_recorded,
                                                                 org):
    r = schedule(ms_sessions, events_recorded, org["id"])
    a = r["assignments"][0]
    other = next(p for p in SHOPPERS if p != a["shopper_id"])
    with transaction(ms_sessions) as s, pytest.raises(Forbidden) as caught:
        calls.record(s, events_recorded, ORG, a["id"], other, {}, submit=False)
    assert "assignment_id" in caught.value.fields
    with transaction(ms_sessions) as s, pytest.raises(NotFound):
        calls.record(s, events_recorded, "org-other", a["id"], a["shopper_id"], {}, submit=False)
    # drafts: any part, as the shopper goes
    with transaction(ms_sessions) as s:
        first = calls.record(s, events_recorded, ORG, a["id"], a["shopper_id"],
                             {"seconds_to_answer": 45, "answers": {"answered-60s": "Yes"}},
                             submit=False)
    assert first["status"] == "draft" and first["answers"] == {"answered-60s": "yes"}
    with transaction(ms_sessions) as s:
        second = calls.record(s, events_recorded, ORG, a["id"], a["shopper_id"],
                              {"answers": {"felt-welcome": "4"}}, submit=False)
    assert second["answers"] == {"answered-60s": "yes", "felt-welcome": 4}
    assert second["seconds_to_answer"] == 45 and second["feeling"] == 4.0
    # submitting an incomplete record names every missing field
    with transaction(ms_sessions) as s, pytest.raises(InvalidInput) as caught:
        calls.record(s, events_recorded, ORG, a["id"], a["shopper_id"], {}, submit=True)
    assert set(caught.value.fields) == {"called_at", "callback_promised",
                                        "answers.crisis-numbers"}
    assert second["persona"] == a["persona"]  # the assigned persona unless they say otherwise
    # ... and nothing of that failed submission was kept beyond the draft
    with transaction(ms_sessions) as s:
        assert calls.get_own(s, ORG, a["id"], a["shopper_id"])["status"] == "draft"
    done = submit(ms_sessions, events_recorded, a, org["questions"],
                  callback_promised=True, callback_happened=None)
    assert done["status"] == "submitted" and done["efficiency"] == 100.0
    assert [e[0] for e in events_recorded.seen] == ["round.scheduled", "call.recorded"]
    event = events_recorded.seen[-1][1]
    assert set(event) == {"round_id", "call_id", "care_service_id", "shopper_id", "persona",
                          "efficiency", "feeling"}  # no notes, no names
    # once submitted, only whether the promised call-back happened may still change
    with transaction(ms_sessions) as s:
        later = calls.record(s, events_recorded, ORG, a["id"], a["shopper_id"],
                             {"callback_happened": True}, submit=False)
    assert later["callback_happened"] is True
    with transaction(ms_sessions) as s, pytest.raises(Conflict):
        calls.record(s, events_recorded, ORG, a["id"], a["shopper_id"],
                     {"answers": {"answered-60s": "no"}}, submit=False)


def test_reassignment_goes_to_the_least_loaded_eligible_shopper(ms_sessions, events_recorded,
                                                                org):
    r = schedule(ms_sessions, events_recorded, org["id"])
    a = r["assignments"][0]
    with transaction(ms_sessions) as s:
        calls.record(s, events_recorded, ORG, a["id"], a["shopper_id"], {"notes": "draft"},
                     submit=False)
    # another shopper cannot decline it for them; they can decline their own
    other = next(p for p in SHOPPERS if p != a["shopper_id"])
    with transaction(ms_sessions) as s, pytest.raises(Forbidden):
        rounds.reassign(s, ORG, a["id"], {"reason": "busy"}, other, manager=False)
    with transaction(ms_sessions) as s:
        moved = rounds.reassign(s, ORG, a["id"], {"reason": "I cannot make calls this month"},
                                a["shopper_id"], manager=False)
        after = rounds.get(s, ORG, r["id"])["assignments"]
        assert s.scalar(select(Call).where(Call.assignment_id == a["id"])) is None  # draft gone
    assert moved["shopper_id"] not in (a["shopper_id"], None)
    assert moved["care_service_id"] not in SHOPPERS[moved["shopper_id"]]
    others = [x for x in after if x["id"] != a["id"]]
    eligible = [p for p in SHOPPERS if p != a["shopper_id"]
                and a["care_service_id"] not in SHOPPERS[p]]
    load = {p: sum(x["shopper_id"] == p for x in others) for p in eligible}
    at_service = {x["shopper_id"] for x in others if x["care_service_id"] == a["care_service_id"]}
    best = min((p in at_service, load[p]) for p in eligible)
    assert (moved["shopper_id"] in at_service, load[moved["shopper_id"]]) == best
    # a coordinator can keep passing it on until nobody eligible is left
    with transaction(ms_sessions) as s:
        for _ in range(4):
            last = rounds.reassign(s, ORG, a["id"], {}, "lead", manager=True)
    assert last["status"] == "unassigned" and last["shopper_id"] is None


def test_a_call_passed_on_never_goes_to_someone_who_withdrew(ms_sessions, events_recorded, org):
    """Reassignment narrows the roster as scheduling does: a shopper who no longer agrees (or
    lost the role) is not given the call, even if they would be the least loaded."""
    r = schedule(ms_sessions, events_recorded, org["id"])
    a = r["assignments"][0]
    offered = []

    def nobody_else_agrees(roster):
        offered.append(sorted(s["id"] for s in roster))
        return [s for s in roster if s["id"] == a["shopper_id"]]

    with transaction(ms_sessions) as s:
        moved = rounds.reassign(s, ORG, a["id"], {"reason": "busy"}, "lead", manager=True,
                                eligible=nobody_else_agrees)
    assert offered == [sorted(SHOPPERS)]  # asked about the whole active roster
    assert moved["status"] == "unassigned" and moved["shopper_id"] is None


def test_seed_000_round_closes_with_efficiency_and_feeling_apart_and_trends(
        ms_sessions, events_recorded, org):
    first = schedule(ms_sessions, events_recorded, org["id"])
    for a in first["assignments"]:
        good = a["care_service_id"] == "cs-sheffield"
        submit(ms_sessions, events_recorded, a, org["questions"], yes=not good,
               feeling=5 if good else 1)
    with transaction(ms_sessions) as s:
        closed = rounds.close(s, events_recorded, ORG, first["id"])
        report = rounds.report(s, ORG, first["id"])
        with pytest.raises(Conflict):
            rounds.close(s, events_recorded, ORG, first["id"])
    assert closed["status"] == "closed"
    by_name = {x["name"]: x for x in report["services"]}
    sheffield = by_name["Sheffield Primary Care Addiction Service"]
    # efficient is not the same as therapeutic: all "no" but felt very welcome
    assert (sheffield["efficiency"], sheffield["feeling"]) == (0.0, 5.0)
    assert (by_name["Rotherham Recovery Hub"]["efficiency"],
            by_name["Rotherham Recovery Hub"]["feeling"]) == (100.0, 1.0)
    assert all(h["care_service_id"] == "cs-sheffield" for h in report["highlights"])
    assert report["highlights"][0]["quote"] == "They listened. Warm and unhurried."
    # yes for 4 of 6 calls is no gap; feeling welcome at 2.33 on average is
    assert [(g["question_id"], g["mean"]) for g in report["gaps"]] == [("felt-welcome", 2.33)]
    event_type, data, _ = events_recorded.seen[-1]
    assert event_type == "round.closed"
    assert {s["care_service_id"]: (s["calls"], s["efficiency"], s["feeling"])
            for s in data["services"]} == {"cs-sheffield": (2, 0.0, 5.0),
                                           "cs-rotherham": (2, 100.0, 1.0),
                                           "cs-stoke": (2, 100.0, 1.0)}
    # the next round, two months on: Sheffield improves its efficiency
    second = schedule(ms_sessions, events_recorded, org["id"], name="March round",
                      starts_on="2026-03-02", ends_on="2026-04-24", seed=8)
    for a in second["assignments"]:
        submit(ms_sessions, events_recorded, a, org["questions"], yes=True,
               feeling=5 if a["care_service_id"] == "cs-sheffield" else 3,
               called_at="2026-03-03T09:00:00+00:00")
    with transaction(ms_sessions) as s:
        rounds.close(s, events_recorded, ORG, second["id"])
        report = rounds.report(s, ORG, second["id"])
    trend = {t["name"]: t["points"] for t in report["trends"]}
    assert [(p["round_name"], p["efficiency"], p["feeling"])
            for p in trend["Sheffield Primary Care Addiction Service"]] == [
        ("January round", 0.0, 5.0), ("March round", 100.0, 5.0)]

    exported = report_csv.render(report)
    assert exported["filename"] == "mystery-shopping-march-round.csv"
    rows = list(csv.reader(io.StringIO(exported["csv"])))
    header = rows.index(["service", "calls", "efficiency (0-100)", "feeling (1-5)",
                         "median seconds to answer", "call-backs promised", "call-backs kept"])
    assert rows[header + 1][:4] == ["Sheffield Primary Care Addiction Service", "2", "100", "5"]
    assert ["Sheffield Primary Care Addiction Service", "January round", "2026-02-27", "0",
            "5"] in rows

    pdf = report_pdf.render(report)
    assert pdf["filename"] == "mystery-shopping-march-round.pdf"
    text = "\n".join(page.extract_text() for page in
                     PdfReader(io.BytesIO(base64.b64decode(pdf["pdf_base64"]))).pages)
    for service in SERVICES.values():
        if service != "Wirral Family Support":
            assert f"{service}: efficiency" in text
    assert "Sheffield Primary Care Addiction Service: efficiency 100, feeling 5 " in text
    assert "Efficiency by service" in text and "Feeling by service" in text
    assert "Efficiency across rounds" in text and "Feeling across rounds" in text


def test_trends_leave_out_rounds_whose_questions_differ(ms_sessions, events_recorded, org):
    first = schedule(ms_sessions, events_recorded, org["id"])
    for a in first["assignments"]:
        submit(ms_sessions, events_recorded, a, org["questions"])
    with transaction(ms_sessions) as s:
        rounds.close(s, events_recorded, ORG, first["id"])
        changed = question_sets.edit(s, ORG, org["id"], {"questions": org["questions"][:2]})
    second = schedule(ms_sessions, events_recorded, changed["id"], name="With fewer questions")
    with transaction(ms_sessions) as s:
        report = rounds.report(s, ORG, second["id"])
    assert all(t["points"] == [] for t in report["trends"])  # nothing submitted, nothing older


def _report(services, trends=(), organisation="Phoenix Futures"):
    """A round report as the service builds it, for the CSV and PDF alone."""
    return {
        "organisation": {"id": ORG, "name": organisation},
        "web_link": f"http://involve.example/organisations/{ORG}/mystery-shopping/rounds/r1/report",
        "round": {"name": "Winter round", "starts_on": "2026-12-01", "ends_on": "2027-01-29",
                  "status": "closed", "assignments_total": 8, "assignments_recorded": 8},
        "question_set": {"title": "First contact", "version": 2},
        "services": [{"care_service_id": f"cs-{i}", "name": name, "calls": 2, "efficiency": e,
                      "feeling": f, "answered_within_seconds_median": 20,
                      "callbacks_promised": 0, "callbacks_kept": 0}
                     for i, (name, e, f) in enumerate(services)],
        "questions": [{"id": "felt-welcome", "text": "How welcome did you feel?",
                       "kind": "scale_1_5", "measures": "feeling", "answered": 4, "mean": 2.25}],
        "highlights": [], "gaps": [], "trends": list(trends),
        "agreement": {"efficiency_alpha": None, "feeling_alpha": None, "units": 0,
                      "shoppers": 2, "note": "Only one shopper called each service."}}


LONG = "Sheffield Community Drug and Alcohol Service for Families and Carers"


def test_the_pdf_names_the_organisation_keeps_long_names_whole_and_says_what_it_can_do():
    trends = [{"care_service_id": "cs-0", "name": LONG, "points": [
        {"round_id": "r0", "round_name": "Autumn round for the whole county", "ends_on":
         "2026-10-30", "efficiency": 50.0, "feeling": 3.25},
        {"round_id": "r1", "round_name": "Winter round", "ends_on": "2027-01-29",
         "efficiency": 87.5, "feeling": 4.75}]}]
    report = _report([(LONG, 87.5, 4.75), ("Phoenix Wirral", 60.0, 2.25)], trends)
    reader = PdfReader(io.BytesIO(base64.b64decode(report_pdf.render(report)["pdf_base64"])))
    text = " ".join(" ".join(page.extract_text().split()) for page in reader.pages)
    assert text.startswith("Phoenix Futures Mystery shopping report: Winter round")
    assert "1 December 2026 to 29 January 2027 (closed)" in text
    # the whole name, in the bar charts' labels (wrapped) and in the trend chart's key
    assert text.count("Sheffield Community Drug and Alcohol Service for") >= 4
    assert f"1: {LONG} (Autumn round for the whole county 50, Winter round 87.5)" in text
    assert "Alcoh " not in text
    # what a reader (and a screen reader) is told about the document
    catalog = reader.trailer["/Root"]
    assert catalog["/Lang"] == "en-GB"
    assert bool(catalog["/ViewerPreferences"]["/DisplayDocTitle"]) is True
    assert reader.metadata.title == "Phoenix Futures: Mystery shopping report: Winter round"
    assert reader.metadata.author == "Phoenix Futures"
    assert [o.title for o in reader.outline if not isinstance(o, list)][:2] == [
        "Mystery shopping report: Winter round", "Scores by service"]
    assert "/MarkInfo" not in catalog  # not claimed to be tagged: fpdf2 cannot tag text
    assert "This PDF is not tagged for screen readers" in text and report["web_link"] in text


def test_the_page_the_csv_and_the_pdf_round_the_same_way():
    """4.75 is 4.75 everywhere (the web page once said 4.8 and the downloads 4.75)."""
    from involve.mystery_shopping.contract import score_text

    report = _report([("Phoenix Glasgow", 87.25, 4.75), ("Phoenix Wirral", 60.0, 2.25),
                      ("Phoenix Stoke", 100.0, 3.25)])
    rows = list(csv.reader(io.StringIO(report_csv.render(report)["csv"])))
    assert rows[1][0] == "Phoenix Futures"
    names = {s["name"] for s in report["services"]}
    by_service = {row[0]: row[2:4] for row in rows if row and row[0] in names}
    assert by_service == {"Phoenix Glasgow": ["87.3", "4.75"], "Phoenix Wirral": ["60", "2.25"],
                          "Phoenix Stoke": ["100", "3.25"]}
    text = " ".join(PdfReader(io.BytesIO(base64.b64decode(
        report_pdf.render(report)["pdf_base64"]))).pages[0].extract_text().split())
    for name, (efficiency, feeling) in by_service.items():
        assert f"{name}: efficiency {efficiency}, feeling {feeling} (2 calls)" in text
    assert "How welcome did you feel? - mean 2.25" in text
    assert [score_text(v, 2) for v in (4.75, 2.25, 3.25, 4.745, 5.0)] == [
        "4.75", "2.25", "3.25", "4.75", "5"]
    assert [score_text(v, 1) for v in (87.25, 87.5, 60.0, 2 / 3 * 100)] == [
        "87.3", "87.5", "60", "66.7"]


def test_pdf_prints_any_name_safely(ms_sessions, events_recorded, org):
    r = schedule(ms_sessions, events_recorded, org["id"], name="Ŵinter round — “calls” ☎")
    for a in r["assignments"]:
        submit(ms_sessions, events_recorded, a, org["questions"], notes="Très bien ☺ — thank you")
    with transaction(ms_sessions) as s:
        report = rounds.report(s, ORG, r["id"])
    text = PdfReader(io.BytesIO(base64.b64decode(
        report_pdf.render(report)["pdf_base64"]))).pages[0].extract_text()
    assert 'Winter round - "calls"' in text


def test_an_erased_shopper_leaves_the_roster_and_their_scores_stay_anonymous(
        ms_sessions, events_recorded, org):
    r = schedule(ms_sessions, events_recorded, org["id"])
    mine = [a for a in r["assignments"] if a["shopper_id"] == "p-cy"]
    assert len(mine) >= 2
    submit(ms_sessions, events_recorded, mine[0], org["questions"])
    with transaction(ms_sessions) as s:
        calls.record(s, events_recorded, ORG, mine[1]["id"], "p-cy", {"notes": "half done"},
                     submit=False)
    with transaction(ms_sessions) as s:
        assert rounds.forget_person(s, "p-cy") > 0
    with transaction(ms_sessions) as s:
        assert "p-cy" not in {x["person_id"] for x in shoppers.list_for(s, ORG)}
        rows = s.scalars(select(Assignment).where(Assignment.round_id == r["id"])).all()
        assert "p-cy" not in {a.shopper_id for a in rows}
        assert all("p-cy" not in str(a.history) for a in rows)
        recorded = s.get(Assignment, mine[0]["id"])
        assert recorded.shopper_id == "erased" and recorded.status == "recorded"
        moved = s.get(Assignment, mine[1]["id"])
        assert moved.status in ("assigned", "unassigned")
        kept = s.scalars(select(Call).where(Call.round_id == r["id"])).all()
        assert [(c.shopper_id, c.status) for c in kept] == [("erased", "submitted")]
        assert kept[0].efficiency == 100.0
        assert rounds.my_assignments(s, ORG, "p-cy") == []


def test_a_shopper_who_now_uses_a_service_is_taken_off_its_calls(ms_sessions, events_recorded,
                                                                  org):
    r = schedule(ms_sessions, events_recorded, org["id"])
    a = next(x for x in r["assignments"] if x["shopper_id"] == "p-cy")
    with transaction(ms_sessions) as s:
        shoppers.update(s, ORG, _shopper_id(s, "p-cy"), {"services_used": [a["care_service_id"]]})
        moved = rounds.release(s, ORG, "p-cy", "Now uses it.", {a["care_service_id"]})
        after = {x["id"]: x for x in rounds.get(s, ORG, r["id"])["assignments"]}
    assert moved == 1
    assert after[a["id"]]["shopper_id"] not in ("p-cy", None)
    assert a["care_service_id"] not in SHOPPERS[after[a["id"]]["shopper_id"]]
    # their other calls stay theirs
    assert [x["id"] for x in r["assignments"] if x["shopper_id"] == "p-cy" and x["id"] != a["id"]
            ] == [x["id"] for x in after.values() if x["shopper_id"] == "p-cy"]


def timed_set(**changes):
    """The small set, its "answered within 60 seconds?" worked out from the seconds."""
    data = small_set(key="acme.timed")
    data["questions"][0] = dict(data["questions"][0], answered_within_seconds=60)
    data.update(changes)
    return data


def test_answered_within_60_seconds_is_worked_out_from_the_seconds(ms_sessions,
                                                                    events_recorded, org):
    with transaction(ms_sessions) as s:
        question_sets.sync(s, fake_plugins(acme=[small_set(), timed_set()]))
        timed = next(x for x in question_sets.list_for(s, ORG) if x["key"] == "acme.timed")
    r = schedule(ms_sessions, events_recorded, timed["id"], name="Timed round")
    a, b = r["assignments"][:2]

    def save(assignment, data, submit=False):
        with transaction(ms_sessions) as s:
            return calls.record(s, events_recorded, ORG, assignment["id"],
                                assignment["shopper_id"], data, submit=submit)

    # asked once: the seconds alone answer the question, and change it when they change
    assert save(a, {"seconds_to_answer": 45})["answers"] == {"answered-60s": "yes"}
    assert save(a, {"seconds_to_answer": 61})["answers"] == {"answered-60s": "no"}
    assert save(a, {"seconds_to_answer": 60})["answers"] == {"answered-60s": "yes"}
    # a contradiction is refused, naming the question; an agreeing answer is fine
    with pytest.raises(InvalidInput) as caught:
        save(a, {"seconds_to_answer": 90, "answers": {"answered-60s": "yes"}})
    assert list(caught.value.fields) == ["answers.answered-60s"]
    assert "90 seconds is more than 60, so the answer is no" in caught.value.fields[
        "answers.answered-60s"][0]
    assert save(a, {"seconds_to_answer": 20, "answers": {"answered-60s": "y"}})["answers"] == {
        "answered-60s": "yes"}
    # cleared seconds clear what came from them; submitting then asks for the seconds
    assert save(a, {"seconds_to_answer": None})["answers"] == {}
    save(a, {"called_at": when(), "callback_promised": False,
             "answers": {"crisis-numbers": "yes", "felt-welcome": 4}})
    with pytest.raises(InvalidInput) as caught:
        save(a, {}, submit=True)
    assert {"seconds_to_answer", "answers.answered-60s"} <= set(caught.value.fields)
    done = save(a, {"seconds_to_answer": 75}, submit=True)
    assert done["status"] == "submitted" and done["answers"]["answered-60s"] == "no"
    assert done["efficiency"] == 75.0  # crisis numbers (weight 3) yes, answered in time no
    # without the seconds, an answer given directly is kept (a draft, as before)
    assert save(b, {"answers": {"answered-60s": "yes"}})["answers"] == {"answered-60s": "yes"}
    # a set that does not say so asks both, as it always did
    plain = schedule(ms_sessions, events_recorded, org["id"], name="Plain round")
    c = plain["assignments"][0]
    assert save(c, {"seconds_to_answer": 90, "answers": {"answered-60s": "yes"}})[
        "answers"] == {"answered-60s": "yes"}
