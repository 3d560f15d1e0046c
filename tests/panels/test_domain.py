"""The panels service's plain modules on a real database (SQLite and PostgreSQL), no broker.

Selections run in-process here through ``worker.run_job``; test_api.py runs them in worker
processes through the service.
"""
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import func, select

from involve.kernel.db import transaction
from involve.kernel.errors import Conflict, InvalidInput
from involve.kernel.outbox import outbox
from involve.panels import campaigns, jobs, registrations, worker
from involve.panels.models import Registration, SelectionJob
from involve.panels.selection import verify
from tests.support.panels import (
    KEY,
    ORG,
    check_quotas,
    make_campaign,
    register_all,
    run,
    seed004_campaign,
    seed004_volunteers,
)


def test_quota_rules_compute_the_seed_004_quotas(panels_sessions, events_recorded, rules):
    c = make_campaign(panels_sessions, events_recorded, rules)
    bounds = {(cat["name"], v["value"]): (v["min"], v["max"]) for cat in c["categories"]
              for v in cat["values"]}
    assert bounds[("gender", "woman")] == bounds[("gender", "man")] == (6, 6)
    assert bounds[("level of study", "postgraduate")] == (7, 8)
    assert bounds[("level of study", "undergraduate")] == (4, 5)
    assert bounds[("used counselling", "yes")] == (4, 12)
    assert bounds[("used counselling", "no")] == (0, 12)
    assert events_recorded.seen[0][0] == "campaign.opened"
    assert set(events_recorded.seen[0][1]) == {"campaign_id", "organisation_id", "panel_size"}


BAD_CAMPAIGNS = [
    ({"quota_rule": {"rule": "no-such-rule"}}, "quota_rule"),
    ({"quota_rule": {"rule": "proportional", "parameters": {"shares": {"colour": {"red": 1}}}}},
     "quota_rule"),
    ({"quota_rule": {"rule": "at_least", "parameters": {"minimums": {"gender": -2}}}},
     "quota_rule"),
    ({"panel_size": "twelve"}, "panel_size"),
    ({"categories": [{"name": "gender", "values": [{"value": "a", "min": 3, "max": 1}]}]},
     "categories"),
]


def test_bad_campaigns_name_the_field(panels_sessions, events_recorded, rules):
    for change, field in BAD_CAMPAIGNS:
        with pytest.raises(InvalidInput) as caught:
            make_campaign(panels_sessions, events_recorded, rules,
                          dict(seed004_campaign(), **change))
        assert field in caught.value.fields, (change, caught.value.fields)
    with panels_sessions() as s:
        assert s.scalar(select(func.count()).select_from(outbox)) == 0


def test_registration_matches_answers_and_keeps_no_address(panels_sessions, events_recorded,
                                                           rules):
    c = make_campaign(panels_sessions, events_recorded, rules)
    person = seed004_volunteers(1)[0]
    [rid] = register_all(panels_sessions, events_recorded, c["id"], [person])
    with panels_sessions() as s:
        r = s.get(Registration, rid)
        assert r.answers["gender"] == "woman" and r.answers["level of study"] == "postgraduate"
        assert len(r.household_key) == 64 and "Houghton" not in str(vars(r))
    with pytest.raises(InvalidInput) as caught:
        register_all(panels_sessions, events_recorded, c["id"], [dict(person, answers={
            "gender": "other", "level of study": "postgraduate", "shoe size": "9"})])
    assert set(caught.value.fields["answers"]) == {"gender", "shoe size", "used wellbeing",
                                                  "used mental health", "used disability",
                                                  "used counselling"}
    with pytest.raises(InvalidInput) as caught:
        register_all(panels_sessions, events_recorded, c["id"],
                     [dict(person, consent_to_selection=False)])
    assert "consent_to_selection" in caught.value.fields
    event = [e for e in events_recorded.seen if e[0] == "registration.received"]
    assert len(event) == 1 and set(event[0][1]) == {"campaign_id", "registration_id",
                                                    "organisation_id"}
    with transaction(panels_sessions) as s:
        campaigns.close(s, ORG, c["id"])
    with pytest.raises(Conflict):
        register_all(panels_sessions, events_recorded, c["id"], [person])
    past = (datetime.now(UTC) - timedelta(minutes=1)).isoformat()
    c = make_campaign(panels_sessions, events_recorded, rules, seed004_campaign(closes_at=past))
    assert c["status"] == "closed"
    with pytest.raises(Conflict):
        register_all(panels_sessions, events_recorded, c["id"], seed004_volunteers(1))


PEOPLE_CSV = """student_no,name,email,gender,level of study,used wellbeing,used mental health,\
used disability,used counselling,address,postcode
s1,Ann,ann@example.org,woman,postgraduate,yes,no,no,yes,1 High St,AB1 2CD
s2,Bob,bob@example.org,man,undergraduate,no,yes,yes,no,1 High St,AB1 2CD
s3,Cat,cat@example.org,woman,undergraduate,no,no,yes,yes,2 High St,AB1 2CD
"""


def test_csv_import_keeps_only_answers_and_refuses_bad_rows_whole(panels_sessions,
                                                                  events_recorded, rules):
    c = make_campaign(panels_sessions, events_recorded, rules)
    bad = PEOPLE_CSV.replace("s3,Cat,cat@example.org,woman", "s3,Cat,cat@example.org,wombat")
    with pytest.raises(InvalidInput) as caught, transaction(panels_sessions) as s:
        registrations.import_csv(s, events_recorded, KEY, campaigns.load(s, ORG, c["id"]),
                                 {"people_csv": bad, "id_column": "student_no",
                                  "address_columns": ["address", "postcode"]})
    assert caught.value.fields["row"] == ["4"] and caught.value.fields["column"] == ["gender"]
    assert "row 4" in caught.value.message and "'gender'" in caught.value.message
    missing = PEOPLE_CSV.replace(",used counselling,", ",counselling,")
    with pytest.raises(InvalidInput) as caught, transaction(panels_sessions) as s:
        registrations.import_csv(s, events_recorded, KEY, campaigns.load(s, ORG, c["id"]),
                                 {"people_csv": missing})
    assert caught.value.fields["row"] == ["1"]
    assert caught.value.fields["column"] == ["used counselling"]
    with panels_sessions() as s:
        assert registrations.count(s, c["id"]) == 0
    with transaction(panels_sessions) as s:
        out = registrations.import_csv(s, events_recorded, KEY, campaigns.load(s, ORG, c["id"]),
                                       {"people_csv": PEOPLE_CSV, "id_column": "student_no",
                                        "address_columns": ["address", "postcode"]})
    assert out["imported"] == 3
    with panels_sessions() as s:
        rows = list(s.scalars(select(Registration).order_by(Registration.contact_ref)))
        assert [r.contact_ref for r in rows] == ["s1", "s2", "s3"]
        assert rows[0].household_key == rows[1].household_key != rows[2].household_key
        stored = " ".join(str(vars(r)) for r in rows)
        for secret in ("Ann", "ann@example.org", "High St", "AB1"):
            assert secret not in stored
        exported = registrations.export_csv(s, campaigns.load(s, ORG, c["id"]))
    # the spreadsheet's own id column is exported beside the registration reference, so the
    # coordinator can match the people chosen in their spreadsheet
    assert exported.splitlines()[0] == ("id,spreadsheet_id,gender,level of study,used wellbeing,"
                                        "used mental health,used disability,used counselling,"
                                        "household")
    assert sorted(line.split(",")[1] for line in exported.splitlines()[1:]) == ["s1", "s2", "s3"]
    assert len(exported.splitlines()) == 4 and "ann@" not in exported


def test_seeded_selection_is_reproducible_verifiable_and_meets_quotas(panels_sessions,
                                                                      events_recorded, rules):
    c = make_campaign(panels_sessions, events_recorded, rules)
    register_all(panels_sessions, events_recorded, c["id"], seed004_volunteers())
    first = run(panels_sessions, c["id"], algorithm="leximin", seed=2026)
    second = run(panels_sessions, c["id"], algorithm="leximin", seed=2026)
    assert first.status == second.status == "done", first.message
    assert first.result["panel"] == second.result["panel"] and len(first.result["panel"]) == 12
    assert first.audit["seed"] == 2026 and first.audit["algorithm"] == "leximin"
    pool = jobs.make_pool_from(first.input)
    assert verify(first.audit, pool).ok
    answers = {p["id"]: p["features"] for p in first.input["people"]}
    check_quotas(c["categories"], answers, first.result["panel"])
    report = jobs.report(first)
    assert len(report["probabilities"]) == 45
    assert abs(sum(report["probabilities"].values()) - 12) < 1e-6
    assert 0 < report["minimum_probability"] <= 12 / 45 + 1e-9
    assert report["chart_svg"].startswith("<svg") and 'role="img"' in report["chart_svg"]
    assert "<title" in report["chart_svg"] and "<desc" in report["chart_svg"]
    assert "<table" in report["chart_table_html"] and all(q["met"] for q in report["quotas"])
    with panels_sessions() as s:
        completed = [r.envelope for r in s.execute(select(outbox.c.envelope)).all()
                     if r.envelope["type"].endswith("selection.completed.v2")]
    assert len(completed) == 2
    assert set(completed[0]["data"]) == {"selection_id", "campaign_id", "organisation_id",
                                         "algorithm", "panel_size", "pool_size", "quotas"}
    # v2: the panel's make-up per category value against its quota, counts only (for reporting)
    by_value = {(q["feature"], q["value"]): q for q in completed[0]["data"]["quotas"]}
    assert {k: (v["selected"], v["min"] <= v["selected"] <= v["max"]) for k, v in
            by_value.items()} == {(q["feature"], q["value"]): (q["selected"], True)
                                  for q in report["quotas"]}
    for feature in {k[0] for k in by_value}:  # everyone has one value of each category
        assert sum(v["pool"] for k, v in by_value.items() if k[0] == feature) == 45
        assert sum(v["selected"] for k, v in by_value.items() if k[0] == feature) == 12


def test_at_most_one_person_per_household_is_selected(panels_sessions, events_recorded, rules):
    body = {"purpose": "Households test", "panel_size": 3, "categories": [
        {"name": "area", "values": [{"value": "north"}, {"value": "south"}]}]}
    c = make_campaign(panels_sessions, events_recorded, rules, body)
    people = [{"answers": {"area": "north" if i % 2 else "south"}, "consent_to_contact": False,
               "consent_to_selection": True, "household_address": f"Flat {i // 2}, 1 Road"}
              for i in range(8)]  # four households of two
    register_all(panels_sessions, events_recorded, c["id"], people)
    for seed in range(4):
        job = run(panels_sessions, c["id"], algorithm="maximin", seed=seed)
        households = {p["id"]: p["household"] for p in job.input["people"]}
        chosen = [households[i] for i in job.result["panel"]]
        assert len(set(chosen)) == 3
    # without the household rule the same pool may put both members of a household on a panel
    with transaction(panels_sessions) as s:
        campaigns.update(s, rules, ORG, c["id"], {"household_rule": False})
    job = run(panels_sessions, c["id"], algorithm="maximin", seed=1)
    assert all(p["household"] is None for p in job.input["people"])


def test_impossible_quotas_are_explained_with_a_relaxation(panels_sessions, events_recorded,
                                                           rules):
    body = seed004_campaign()
    # Each bound is possible on its own (11 of 12 places), but only 10 of the 45 used both
    # services, and 7 of those 10 are women: with 6 women at most, no panel fits.
    minimums = body["quota_rule"]["parameters"]["rules"][1]["parameters"]["minimums"]
    minimums["used disability"] = {"yes": 11}
    minimums["used counselling"] = {"yes": 11}
    c = make_campaign(panels_sessions, events_recorded, rules, body)
    register_all(panels_sessions, events_recorded, c["id"], seed004_volunteers())
    with panels_sessions() as s:
        result = jobs.feasibility(jobs.pool_input(s, campaigns.load(s, ORG, c["id"])))
    assert result["feasible"] is False
    assert "used disability" in result["message"]
    assert result["suggested_changes"] and result["suggested_changes_text"]
    job = run(panels_sessions, c["id"], algorithm="maximin", seed=1)
    assert job.status == "failed" and "cannot all be met" in job.message
    assert job.error["code"] == "infeasible" and job.error["feasibility"]["suggested_changes"]


def test_leximin_that_runs_out_of_time_falls_back_to_maximin(panels_sessions, events_recorded,
                                                             rules):
    c = make_campaign(panels_sessions, events_recorded, rules)
    register_all(panels_sessions, events_recorded, c["id"], seed004_volunteers())
    with transaction(panels_sessions) as s:
        job = jobs.create(s, campaigns.load(s, ORG, c["id"]), {"seed": 7}, leximin_seconds=1e-6)
        job_id = job.id
    assert worker.run_job(panels_sessions, job_id) == "done"
    with panels_sessions() as s:
        job = s.get(SelectionJob, job_id)
    assert job.result["algorithm_used"] == "maximin" and job.result["fallback"]["used"] == "maximin"
    assert job.audit["fallback"]["requested"] == "leximin" and job.audit["algorithm"] == "maximin"
    assert verify(job.audit, jobs.make_pool_from(job.input)).ok


def test_replacement_keeps_every_quota(panels_sessions, events_recorded, rules):
    c = make_campaign(panels_sessions, events_recorded, rules)
    register_all(panels_sessions, events_recorded, c["id"], seed004_volunteers())
    job = run(panels_sessions, c["id"], algorithm="maximin", seed=3)
    dropped = job.result["panel"][0]
    with transaction(panels_sessions) as s:
        out = jobs.replace(s, s.get(SelectionJob, job.id), {"dropped_id": dropped, "seed": 5})
    assert out["replacement_id"] and out["replacement_id"] not in job.result["panel"]
    assert dropped not in out["panel"] and len(out["panel"]) == 12 and out["quotas_met"]
    answers = {p["id"]: p["features"] for p in job.input["people"]}
    check_quotas(c["categories"], answers, out["panel"])
    with transaction(panels_sessions) as s:
        again = jobs.replace(s, s.get(SelectionJob, job.id),
                             {"dropped_id": out["replacement_id"], "seed": 5})
    assert dropped not in again["panel"] and out["replacement_id"] not in again["panel"]
    with pytest.raises(InvalidInput), transaction(panels_sessions) as s:
        jobs.replace(s, s.get(SelectionJob, job.id), {"dropped_id": dropped})


def test_the_same_answers_and_seed_draw_a_panel_of_the_same_make_up(panels_sessions,
                                                                   events_recorded, rules):
    """Registration ids are random, so they must not steer the lottery: the same volunteers'
    answers and the same seed give a panel made of the same kinds of people."""
    makeups = []
    for _ in range(3):
        c = make_campaign(panels_sessions, events_recorded, rules)
        register_all(panels_sessions, events_recorded, c["id"], seed004_volunteers())
        job = run(panels_sessions, c["id"], algorithm="maximin", seed=3)
        answers = {p["id"]: sorted(p["features"].items()) for p in job.input["people"]}
        makeups.append(sorted(answers[i] for i in job.result["panel"]))
    assert makeups[0] == makeups[1] == makeups[2]


def test_erasure_forgets_registrations_and_job_inputs(panels_sessions, events_recorded, rules):
    c = make_campaign(panels_sessions, events_recorded, rules)
    people = seed004_volunteers()
    people[0]["person_id"] = "person-to-erase"
    ids = register_all(panels_sessions, events_recorded, c["id"], people)
    job = run(panels_sessions, c["id"], algorithm="maximin", seed=3)
    with transaction(panels_sessions) as s:
        assert registrations.forget_person(s, "person-to-erase") == 1
    with panels_sessions() as s:
        assert s.get(Registration, ids[0]) is None and registrations.count(s, c["id"]) == 44
        job = s.get(SelectionJob, job.id)
        assert ids[0] not in {p["id"] for p in job.input["people"]}
        assert verify(job.audit).ok  # the record alone still checks out


def test_jobs_left_running_without_a_worker_fail_plainly(panels_sessions, events_recorded,
                                                         rules):
    c = make_campaign(panels_sessions, events_recorded, rules)
    register_all(panels_sessions, events_recorded, c["id"], seed004_volunteers(15))
    with transaction(panels_sessions) as s:
        job = jobs.create(s, campaigns.load(s, ORG, c["id"]), {}, 60)
        job.status, job.worker_host, job.worker_pid = "running", "this-host", 999999
        other = jobs.create(s, campaigns.load(s, ORG, c["id"]), {}, 60)
        other.status, other.worker_host, other.worker_pid = "running", "other-host", 1
        other.heartbeat_at = datetime.now(UTC)
        ids = job.id, other.id
    with transaction(panels_sessions) as s:
        failed = jobs.recover(s, "this-host", lambda pid: False)
    assert failed == [ids[0]]
    with panels_sessions() as s:
        job = s.get(SelectionJob, ids[0])
        assert job.status == "failed" and "start the selection again" in job.message
        assert s.get(SelectionJob, ids[1]).status == "running"


def test_a_cancelled_job_whose_worker_is_gone_ends_cancelled_not_failed(
        panels_sessions, events_recorded, rules):
    """The watcher terminates a worker that ignores a cancel; if the periodic recovery sees the
    dead worker first, the job still ends as the coordinator asked: cancelled."""
    c = make_campaign(panels_sessions, events_recorded, rules)
    register_all(panels_sessions, events_recorded, c["id"], seed004_volunteers(15))
    with transaction(panels_sessions) as s:
        job = jobs.create(s, campaigns.load(s, ORG, c["id"]), {}, 60)
        job.status, job.worker_host, job.worker_pid = "running", "this-host", 999999
        job.cancel_requested = True
        job_id = job.id
    with transaction(panels_sessions) as s:
        assert jobs.recover(s, "this-host", lambda pid: False) == []
    with panels_sessions() as s:
        job = s.get(SelectionJob, job_id)
        assert job.status == "cancelled" and "Cancelled at your request" in job.message


def test_open_campaigns_lists_only_what_takes_registrations_now(panels_sessions, events_recorded,
                                                                rules):
    """The public organisation page's list: open campaigns of this organisation only, closing
    soonest first, with nothing but what the public registration page shows anyway."""
    soon = (datetime.now(UTC) + timedelta(days=3)).isoformat()
    later = (datetime.now(UTC) + timedelta(days=30)).isoformat()
    no_date = make_campaign(panels_sessions, events_recorded, rules)
    closing_later = make_campaign(panels_sessions, events_recorded, rules, seed004_campaign(later))
    closing_soon = make_campaign(panels_sessions, events_recorded, rules, seed004_campaign(soon))
    closed = make_campaign(panels_sessions, events_recorded, rules)
    with transaction(panels_sessions) as s:
        campaigns.close(s, ORG, closed["id"])
        other = campaigns.create(s, events_recorded, rules, "org-2", seed004_campaign())
    with panels_sessions() as s:
        listed = campaigns.open_for(s, ORG)
        assert campaigns.open_for(s, "org-2") == [
            {"id": other["id"], "purpose": other["purpose"], "closes_at": None}]
        assert campaigns.open_for(s, "no-such-organisation") == []
    assert [c["id"] for c in listed] == [closing_soon["id"], closing_later["id"], no_date["id"]]
    assert set(listed[0]) == {"id", "purpose", "closes_at"}  # never quotas or counts
    assert listed[0]["closes_at"].startswith(soon[:10])
