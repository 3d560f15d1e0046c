"""The panels service end to end: through the gateway, on a real RabbitMQ, with selections in
worker processes, on SQLite and PostgreSQL."""
import json
import os
import signal
import time

from involve.panels.models import Registration, SelectionJob
from involve.panels.selection import verify
from tests.support.accounts import PASSWORD, invite_and_register, make_org
from tests.support.panels import check_quotas, seed004_campaign, seed004_volunteers
from tests.support.running import Client


def wait_for_job(client, org, job_id, timeout=60):
    seen = []
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        status, job = client.get(f"/api/v1/organisations/{org}/panels/selections/{job_id}")
        assert status == 200, job
        seen.append((job["status"], job["progress"]))
        if job["status"] in ("done", "failed", "cancelled"):
            return job, seen
        time.sleep(0.1)
    raise AssertionError(f"selection {job_id} did not finish: {seen[-3:]}")


def open_campaign(admin, org, body=None):
    status, campaign = admin.post(f"/api/v1/organisations/{org}/panels/campaigns",
                                  body or seed004_campaign())
    assert status == 201, campaign
    return campaign


def test_seed_004_student_panel_end_to_end(platform, admin, panels_events):
    org = make_org(admin, "LSE Student Wellbeing Service")
    base = f"/api/v1/organisations/{org}/panels"
    campaign = open_campaign(admin, org)
    bounds = {(c["name"], v["value"]): (v["min"], v["max"]) for c in campaign["categories"]
              for v in c["values"]}
    assert bounds[("gender", "woman")] == (6, 6) and bounds[("level of study",
                                                            "postgraduate")] == (7, 8)

    # 45 students register through the public API, no sign-in
    public = Client(platform)
    status, view = public.get(f"/api/v1/panels/campaigns/{campaign['id']}")
    assert status == 200 and [q["category"] for q in view["questions"]][:2] == [
        "gender", "level of study"] and "categories" not in view
    volunteers = seed004_volunteers()
    for person in volunteers:
        status, body = public.post(f"/api/v1/panels/campaigns/{campaign['id']}/registrations",
                                   person)
        assert status == 201, body
    status, body = public.post(f"/api/v1/panels/campaigns/{campaign['id']}/registrations",
                               dict(volunteers[0], answers={"gender": "robot"}))
    assert status == 422 and "gender" in body["error"]["fields"]["answers"]
    assert admin.get(f"{base}/campaigns/{campaign['id']}")[1]["registrations"] == 45

    # minimums that cannot add up are refused at once, in plain words
    too_many = seed004_campaign()["categories"]
    too_many[5]["values"][0].update(min=7)  # used counselling = yes: at least 7...
    too_many[5]["values"][1].update(min=6)  # ...and = no: at least 6, of 12 places
    status, refused = admin.patch(f"{base}/campaigns/{campaign['id']}", {"categories": too_many})
    assert status == 422 and refused["error"]["message"].startswith(
        "The minimums for “used counselling” add up to 13, but the panel has only 12 places.")
    assert refused["error"]["fields"]["categories"] == {"5": {"values": [
        "The minimums add up to 13, more than the 12 places."]}}
    # quotas possible on paper but not with these people are explained, with the smallest
    # change that would work (only 10 used both services, 7 of them women, of 6 places)
    impossible = seed004_campaign()["categories"]  # new categories replace the quota rule
    for value in impossible[0]["values"]:
        value.update(min=6, max=6)  # 6 women, 6 men
    impossible[4]["values"][0].update(min=11)  # used disability = yes: at least 11
    impossible[5]["values"][0].update(min=11)  # used counselling = yes: at least 11
    status, changed = admin.patch(f"{base}/campaigns/{campaign['id']}",
                                  {"categories": impossible})
    assert status == 200, changed
    status, feasibility = admin.get(f"{base}/campaigns/{campaign['id']}/feasibility")
    assert status == 200 and feasibility["feasible"] is False
    assert "used" in feasibility["message"] and feasibility["suggested_changes_text"]
    status, campaign = admin.patch(f"{base}/campaigns/{campaign['id']}",
                                   {"categories": seed004_campaign()["categories"],
                                    "quota_rule": seed004_campaign()["quota_rule"]})
    assert status == 200
    status, feasibility = admin.get(f"{base}/campaigns/{campaign['id']}/feasibility")
    assert feasibility["feasible"] is True, feasibility
    status, _ = admin.post(f"{base}/campaigns/{campaign['id']}/close")
    assert status == 200
    assert public.post(f"/api/v1/panels/campaigns/{campaign['id']}/registrations",
                       volunteers[1])[0] == 409

    # a seeded LEXIMIN selection, in a worker process, with status and progress
    status, job = admin.post(f"{base}/campaigns/{campaign['id']}/selections",
                             {"algorithm": "leximin", "seed": 2026})
    assert status == 202 and job["status"] in ("queued", "running") and job["seed"] == 2026
    job, seen = wait_for_job(admin, org, job["id"])
    assert job["status"] == "done", job
    assert job["progress"] == 1.0 and len(job["panel"]) == 12 and job["algorithm_used"] == "leximin"
    assert all(0 <= p <= 1 for _, p in seen)

    status, report = admin.get(f"{base}/selections/{job['id']}/report")
    assert status == 200 and len(report["probabilities"]) == 45
    assert all(q["met"] for q in report["quotas"]) and report["gini"] >= 0
    assert 'role="img"' in report["chart_svg"] and "<desc" in report["chart_svg"]
    assert report["chart_table"] and "<table" in report["chart_table_html"]

    # anyone can read the draw record and re-check it; it holds no answers or addresses
    status, record = Client(platform).get(f"/api/v1/panels/selections/{job['id']}/draw-record")
    assert status == 200
    assert verify(record["record"]).ok and record["record"]["panel"] == job["panel"]
    text = json.dumps(record)
    assert "Houghton" not in text and '"answers"' not in text and '"features"' not in text
    assert set(record["record"]) >= {"algorithm", "quotas", "pool_sha256", "distribution", "seed"}

    # the same inputs and seed give the same panel
    status, again = admin.post(f"{base}/campaigns/{campaign['id']}/selections",
                               {"algorithm": "leximin", "seed": 2026})
    again, _ = wait_for_job(admin, org, again["id"])
    assert again["panel"] == job["panel"]
    assert [j["id"] for j in admin.get(f"{base}/campaigns/{campaign['id']}/selections")[1]] == [
        again["id"], job["id"]]

    # a drop-out is replaced by someone who keeps every quota
    status, replaced = admin.post(f"{base}/selections/{job['id']}/replacements",
                                  {"dropped_id": job["panel"][0], "seed": 9})
    assert status == 201, replaced
    assert replaced["quotas_met"] and replaced["replacement_id"] not in job["panel"]
    status, exported = admin.get(f"{base}/campaigns/{campaign['id']}/registrations.csv")
    assert status == 200 and len(exported.strip().splitlines()) == 46
    assert exported.startswith("id,spreadsheet_id,gender,")
    answers = {}
    for line in exported.strip().splitlines()[1:]:
        cells = line.split(",")
        answers[cells[0]] = dict(zip([c["name"] for c in campaign["categories"]], cells[2:-1],
                                     strict=True))
    check_quotas(campaign["categories"], answers, replaced["panel"])
    status, categories_csv = admin.get(f"{base}/campaigns/{campaign['id']}/categories.csv")
    assert categories_csv.startswith("feature,value,min,max,min_flex,max_flex")

    # events: ids only, never answers or addresses
    events = panels_events(1 + 45 + 2, timeout=10)
    kinds = [e["type"] for e in events]
    assert kinds.count("involve.panels.campaign.opened.v1") == 1
    assert kinds.count("involve.panels.registration.received.v1") == 45
    assert kinds.count("involve.panels.selection.completed.v2") == 2
    published = json.dumps(events)
    assert "Houghton" not in published
    # a person's answers never leave panels; the panel's make-up does, as counts per quota
    # (selection.completed v2, for reporting's diversity figures), never tied to anyone
    completed = [e for e in events if e["type"].endswith("selection.completed.v2")]
    without_make_up = json.dumps([
        e if e not in completed else {**e, "data": {k: v for k, v in e["data"].items()
                                                    if k != "quotas"}} for e in events])
    for secret in ("postgraduate", "undergraduate", "woman", "counselling"):
        assert secret not in without_make_up
    for e in completed:
        assert {frozenset(q) for q in e["data"]["quotas"]} == {
            frozenset({"feature", "value", "min", "max", "selected", "pool"})}
        assert sum(q["selected"] for q in e["data"]["quotas"]
                   if q["feature"] == "gender") == e["data"]["panel_size"]
    assert all(e["organisation"] == org for e in events)


def test_bad_csv_is_refused_with_row_and_column_and_nothing_stored(platform, admin,
                                                                   panels_sessions):
    org = make_org(admin)
    campaign = open_campaign(admin, org)
    url = f"/api/v1/organisations/{org}/panels/campaigns/{campaign['id']}/registrations/import"
    header = "id,gender,level of study,used wellbeing,used mental health,used disability," \
             "used counselling\n"
    rows = "a,woman,postgraduate,yes,no,no,yes\nb,man,undergraduate,maybe,no,no,yes\n"
    status, body = admin.post(url, {"people_csv": header + rows, "id_column": "id"})
    assert status == 422, body
    assert body["error"]["fields"]["row"] == ["3"]
    assert body["error"]["fields"]["column"] == ["used wellbeing"]
    assert "row 3" in body["error"]["message"]
    with panels_sessions() as s:
        assert s.query(Registration).count() == 0
    status, body = admin.post(url, {"people_csv": header + rows.replace("maybe", "no"),
                                    "id_column": "id"})
    assert status == 201 and body["imported"] == 2


def test_cancelling_a_running_selection(platform, admin, panels_sessions, caplog):
    org = make_org(admin)
    base = f"/api/v1/organisations/{org}/panels"
    campaign = open_campaign(admin, org)
    for person in seed004_volunteers():
        Client(platform).post(f"/api/v1/panels/campaigns/{campaign['id']}/registrations", person)

    def start_paused():
        status, job = admin.post(f"{base}/campaigns/{campaign['id']}/selections", {"seed": 1})
        assert status == 202, job
        with panels_sessions() as s:
            pid = s.get(SelectionJob, job["id"]).worker_pid
        os.kill(pid, signal.SIGSTOP)  # hold the worker still, whatever it is doing
        return job, pid

    # 1. the worker sees the cancel flag and stops by itself
    job, pid = start_paused()
    status, cancelling = admin.post(f"{base}/selections/{job['id']}/cancel")
    assert status == 202 and cancelling["cancel_requested"] is True
    os.kill(pid, signal.SIGCONT)
    job, _ = wait_for_job(admin, org, job["id"], timeout=30)
    assert job["status"] == "cancelled" and job["panel"] is None
    assert "Cancelled at your request" in job["message"]
    assert admin.post(f"{base}/selections/{job['id']}/cancel")[0] == 409
    assert admin.get(f"{base}/selections/{job['id']}/report")[0] == 409

    # 2. a worker that does not stop is terminated after the grace period
    job, pid = start_paused()
    assert admin.post(f"{base}/selections/{job['id']}/cancel")[0] == 202
    job, _ = wait_for_job(admin, org, job["id"], timeout=30)
    assert job["status"] == "cancelled"
    assert any("did not stop" in r.getMessage() for r in caplog.records)
    deadline = time.monotonic() + 5
    while time.monotonic() < deadline:
        try:
            os.kill(pid, 0)
        except ProcessLookupError:
            break
        time.sleep(0.1)
    else:
        raise AssertionError("the stuck worker is still running")


def test_an_erased_person_is_forgotten_by_panels(platform, admin, panels_sessions,
                                                 service_config):
    org = make_org(admin)
    campaign = open_campaign(admin, org)
    person_id, _ = invite_and_register(admin, platform, service_config["DATA_DIR"], org,
                                       "student@example.org", "volunteer")
    volunteer = seed004_volunteers(1)[0]
    # registering with someone's account needs to be them, signed in
    status, refused = Client(platform).post(
        f"/api/v1/panels/campaigns/{campaign['id']}/registrations",
        dict(volunteer, person_id=person_id))
    assert status == 403 and "person_id" in refused["error"]["fields"]
    student = Client(platform).sign_in("student@example.org", PASSWORD)
    status, registered = student.post(
        f"/api/v1/panels/campaigns/{campaign['id']}/registrations",
        dict(volunteer, person_id=person_id))
    assert status == 201, registered
    assert student.post("/api/v1/me/erase", {"confirm": True})[0] == 200
    deadline = time.monotonic() + 15
    while time.monotonic() < deadline:
        with panels_sessions() as s:
            if s.get(Registration, registered["id"]) is None:
                break
        time.sleep(0.2)
    else:
        raise AssertionError("the erased person's registration is still there")


def test_other_organisations_and_anonymous_callers_are_refused(platform, admin):
    a, b = make_org(admin, "Org A"), make_org(admin, "Org B")
    campaign = open_campaign(admin, b)
    anonymous = Client(platform)
    assert anonymous.get(f"/api/v1/organisations/{b}/panels/campaigns")[0] == 401
    # a campaign of B is not found under A, even for a platform admin asking with A's id
    assert admin.get(f"/api/v1/organisations/{a}/panels/campaigns/{campaign['id']}")[0] == 404
    assert admin.get(f"/api/v1/organisations/{a}/panels/campaigns")[1] == []
    status, described = admin.get(f"/api/v1/organisations/{a}/panels/quota-rules")
    assert status == 200 and {"proportional", "at_least", "combined"} <= {
        r["name"] for r in described}
