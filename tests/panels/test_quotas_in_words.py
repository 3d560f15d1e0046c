"""Quotas as coordinators now set them (issue 11): question text, multi-choice questions whose
"at least N who ticked each" quotas the selection honours, plain-English checks of impossible
numbers, and quotas that can be changed until a selection has chosen a panel. Plain modules on
SQLite and PostgreSQL; selections in-process through worker.run_job."""
import csv
import io

import pytest

from involve.kernel.db import transaction
from involve.kernel.errors import Conflict, InvalidInput
from involve.kernel.schemas import validate
from involve.panels import campaigns, jobs, registrations
from involve.panels.contract import PanelCampaignCreate, PanelRegistrationCreate
from involve.panels.models import Registration
from tests.support.panels import (
    KEY,
    ORG,
    SERVICES,
    SERVICES_QUESTION,
    make_campaign,
    register_all,
    run,
    seed004_multi_campaign,
    seed004_multi_volunteers,
)


def test_a_multi_choice_question_is_honoured_by_the_selection(panels_sessions, events_recorded,
                                                              rules):
    c = make_campaign(panels_sessions, events_recorded, rules, seed004_multi_campaign())
    services = c["categories"][2]
    assert services["multiple"] is True and services["question"] == SERVICES_QUESTION
    assert [(v["value"], v["min"], v["max"]) for v in services["values"]] == [
        (s, 4, 12) for s in SERVICES]
    with panels_sessions() as s:
        view = campaigns.public_view(campaigns.load(s, None, c["id"]))
    assert view["questions"][2] == {"category": "services used", "question": SERVICES_QUESTION,
                                    "multiple": True, "choices": list(SERVICES)}
    assert view["questions"][0]["question"] == "What is your gender?"

    volunteers = seed004_multi_volunteers()
    ids = register_all(panels_sessions, events_recorded, c["id"], volunteers)
    with panels_sessions() as s:
        stored = s.get(Registration, ids[0]).answers
    assert stored["services used"] == volunteers[0]["answers"]["services used"]
    assert stored["gender"] == "woman"  # the campaign's spelling

    for seed in (1, 2):
        job = run(panels_sessions, c["id"], algorithm="maximin", seed=seed)
        assert job.status == "done", job.message
        people = {p["id"]: p["features"] for p in job.input["people"]}
        assert set(people[ids[0]]) == {"gender", "level of study"} | {
            f"services used: {s}" for s in SERVICES}
        for service in SERVICES:
            ticked = sum(1 for i in job.result["panel"]
                         if service in set(stored_answers(panels_sessions, i)))
            assert ticked >= 4, (service, ticked)
        report = jobs.report(job)
        assert all(q["met"] for q in report["quotas"])


def stored_answers(sessions, registration_id):
    with sessions() as s:
        return s.get(Registration, registration_id).answers["services used"]


def test_multi_choice_answers_are_checked_and_spreadsheets_use_yes_no_columns(
        panels_sessions, events_recorded, rules):
    c = make_campaign(panels_sessions, events_recorded, rules, seed004_multi_campaign())
    person = seed004_multi_volunteers(1)[0]
    with pytest.raises(InvalidInput) as caught:
        register_all(panels_sessions, events_recorded, c["id"], [dict(person, answers=dict(
            person["answers"], **{"services used": ["wellbeing", "astrology"],
                                  "gender": ["woman", "man"]}))])
    assert set(caught.value.fields["answers"]) == {"services used", "gender"}
    assert "wellbeing" in caught.value.fields["answers"]["services used"][0]
    # none ticked is an answer; leaving the question out is not
    [rid] = register_all(panels_sessions, events_recorded, c["id"], [dict(person, answers=dict(
        person["answers"], **{"services used": []}))])
    answers = {k: v for k, v in person["answers"].items() if k != "services used"}
    with pytest.raises(InvalidInput) as caught:
        register_all(panels_sessions, events_recorded, c["id"], [dict(person, answers=answers)])
    assert list(caught.value.fields["answers"]) == ["services used"]

    with panels_sessions() as s:
        campaign = campaigns.load(s, ORG, c["id"])
        features = registrations.features_csv(campaign)
        exported = list(csv.reader(io.StringIO(registrations.export_csv(s, campaign))))
    assert "services used: wellbeing,yes,4,12" in features
    assert "services used: wellbeing,no,0,12" in features
    assert exported[0][:4] == ["id", "spreadsheet_id", "gender", "level of study"]
    assert exported[0][4:8] == [f"services used: {s}" for s in SERVICES]
    assert exported[1][0] == rid and exported[1][4:8] == ["no"] * 4

    header = "student,gender,level of study," + ",".join(f"services used: {s}" for s in SERVICES)
    sheet = header + "\nA1,woman,postgraduate,yes,no,no,yes\nA2,man,undergraduate,no,no,no,no\n"
    with transaction(panels_sessions) as s:
        out = registrations.import_csv(s, events_recorded, KEY, campaigns.load(s, ORG, c["id"]),
                                       {"people_csv": sheet, "id_column": "student"})
    assert out["imported"] == 2
    with panels_sessions() as s:
        rows = {r.contact_ref: r.answers for r in s.query(Registration).filter(
            Registration.source == "import")}
    assert rows["A1"]["services used"] == ["wellbeing", "counselling"]
    assert rows["A2"]["services used"] == []


def test_impossible_numbers_are_refused_in_plain_english(panels_sessions, events_recorded,
                                                         rules):
    def refused(change):
        body = dict(seed004_multi_campaign(), **change)
        with pytest.raises(InvalidInput) as caught:
            make_campaign(panels_sessions, events_recorded, rules, body)
        return caught.value

    gender_8_8 = seed004_multi_campaign()["categories"]
    gender_8_8[0]["values"] = [{"value": "woman", "min": 8}, {"value": "man", "min": 8}]
    error = refused({"categories": gender_8_8, "quota_rule": None})
    assert error.message == ("The minimums for “gender” add up to 16, but the panel has only 12 "
                             "places. Lower some of them.")
    assert error.fields == {"categories": {0: {"values": [
        "The minimums add up to 16, more than the 12 places."]}}}

    too_few = seed004_multi_campaign()["categories"]
    too_few[0]["values"] = [{"value": "woman", "max": 5}, {"value": "man", "max": 5}]
    error = refused({"categories": too_few, "quota_rule": None})
    assert "maximums for “gender” add up to 10" in error.message

    above_panel = seed004_multi_campaign()["categories"]
    above_panel[2]["values"][1]["min"] = 13
    error = refused({"categories": above_panel})
    assert error.message == ("“services used: mental health” needs at least 13 places, but the "
                             "panel has only 12.")
    assert error.fields["categories"][2]["values"][1]["min"] == [
        "This is more than the panel's 12 places."]

    with pytest.raises(InvalidInput) as caught:
        validate(PanelCampaignCreate(), dict(seed004_multi_campaign(), panel_size=100000))
    assert caught.value.fields["panel_size"] == ["Use a whole number from 1 to 10000."]

    # ticking several answers may add up to more than the panel: no sum check there
    many = seed004_multi_campaign()["categories"]
    for v in many[2]["values"]:
        v["min"] = 6
    assert make_campaign(panels_sessions, events_recorded, rules,
                         dict(seed004_multi_campaign(), categories=many))["id"]

    clash = seed004_multi_campaign()["categories"]
    clash.append({"name": "services used: wellbeing", "values": [{"value": "x"}]})
    error = refused({"categories": clash})
    assert "same name as the category “services used: wellbeing”" in error.message


def test_quotas_can_change_until_a_selection_has_chosen_a_panel(panels_sessions,
                                                                events_recorded, rules):
    c = make_campaign(panels_sessions, events_recorded, rules, seed004_multi_campaign())
    register_all(panels_sessions, events_recorded, c["id"], seed004_multi_volunteers())
    with transaction(panels_sessions) as s:
        campaigns.close(s, ORG, c["id"])
    with panels_sessions() as s:
        counts = campaigns.answer_counts(s, campaigns.load(s, ORG, c["id"]))
    assert counts["gender"] == {"woman": 23, "man": 22}
    assert sum(counts["services used"].values()) > 45  # people ticked several

    # closed, but nothing chosen yet: the quotas may still change (a suggested relaxation)
    categories = seed004_multi_campaign()["categories"]
    categories[2]["values"][0]["min"] = 3
    with transaction(panels_sessions) as s:
        changed = campaigns.update(s, rules, ORG, c["id"], {"categories": categories})
    assert changed["categories"][2]["values"][0]["min"] == 3
    assert changed["quota_rule"] is None and changed["categories"][0]["values"][0]["min"] == 0

    # an answer people gave cannot disappear, nor can a question change kind
    fewer = seed004_multi_campaign()["categories"]
    fewer[2]["values"] = fewer[2]["values"][:3]
    with pytest.raises(Conflict) as caught, transaction(panels_sessions) as s:
        campaigns.update(s, rules, ORG, c["id"], {"categories": fewer})
    assert "answered “counselling” to “services used”" in caught.value.message
    single = seed004_multi_campaign()["categories"]
    single[2]["multiple"] = False
    with pytest.raises(Conflict) as caught, transaction(panels_sessions) as s:
        campaigns.update(s, rules, ORG, c["id"], {"categories": single})
    assert caught.value.fields == {"categories": {2: {"multiple": ["This must stay as it is."]}}}

    job = run(panels_sessions, c["id"], algorithm="maximin", seed=5)
    assert job.status == "done", job.message
    for change in ({"categories": categories}, {"panel_size": 10},
                   {"quota_rule": seed004_multi_campaign()["quota_rule"]}):
        with pytest.raises(Conflict) as caught, transaction(panels_sessions) as s:
            campaigns.update(s, rules, ORG, c["id"], change)
        assert "can no longer be changed" in caught.value.message
        assert set(caught.value.fields) == set(change)
    with transaction(panels_sessions) as s:  # the purpose is only words: it may still change
        assert campaigns.update(s, rules, ORG, c["id"], {"purpose": "Student panel"})[
            "purpose"] == "Student panel"


def test_contact_details_are_checked_and_never_kept_by_panels(panels_sessions, events_recorded,
                                                              rules):
    person = seed004_multi_volunteers(1)[0]

    def fields_refused(**change):
        with pytest.raises(InvalidInput) as caught:
            validate(PanelRegistrationCreate(), dict(person, **change))
        return caught.value.fields

    assert fields_refused(contact={"name": "Ann"}) == {"contact": {"email": [
        "Give an email address or a phone number (or both), so we can tell you if you are "
        "chosen."]}}
    assert "phone" in fields_refused(contact={"name": "Ann", "phone": "call me"})["contact"]
    assert "email" in fields_refused(contact={"name": "Ann", "email": "ann@"})["contact"]
    assert "consent_to_contact" in fields_refused(
        contact={"name": "Ann", "phone": "020 7946 0000"}, consent_to_contact=False)
    assert "contact" in fields_refused(contact={"name": "Ann", "phone": "020 7946 0000"},
                                       person_id="p-1")

    c = make_campaign(panels_sessions, events_recorded, rules, seed004_multi_campaign())
    body = dict(person, contact={"name": "Ann Student", "email": "ann@example.org",
                                 "phone": "020 7946 0000"})
    with panels_sessions() as s:
        organisation_id, details = registrations.check(s, c["id"], body)
    assert organisation_id == ORG and details == {"name": "Ann Student", "email": "ann@example.org",
                                                  "phone": "020 7946 0000"}
    with transaction(panels_sessions) as s:
        out = registrations.register(s, events_recorded, KEY, c["id"], body, {
            "person_id": "pseudonym-1", "email": True, "phone": True, "account": False})
    assert out["contact_ways"] == ["email", "phone"]
    with panels_sessions() as s:
        stored = s.get(Registration, out["id"])
        assert stored.person_id == "pseudonym-1" and stored.contact_ways == "email phone"
        assert "Ann" not in str(vars(stored)) and "7946" not in str(vars(stored))
