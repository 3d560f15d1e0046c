"""The dashboard fed by the real services, not by generated events: a story told and published
through feedback, a payment policy and a commissioning meeting held with its attendance through
commissioning, mystery-shopping calls recorded in a round, a panel selected by lottery, all
through the gateway as their users would; the dashboard then moves by exactly those, and
another organisation's not at all."""
import time
from datetime import UTC, datetime, timedelta

from tests.gateway.mystery_shopping.helpers import Phoenix, complete_call
from tests.support.accounts import make_org
from tests.support.commissioning import PROJECT
from tests.support.feedback import make_setting, moderate_and_publish, submit
from tests.support.panels import seed004_campaign, seed004_volunteers
from tests.support.running import Client

from .helpers import figures, wait_for


def _dashboard(client, org):
    status, body = client.get(f"/api/v1/organisations/{org}/reporting/dashboard")
    assert status == 200, body
    return body


def _figures(client, org):
    return figures(_dashboard(client, org))


def test_the_seed_journeys_move_the_dashboard_by_exactly_what_was_done(reporting, admin,
                                                                      service_config):
    setting = make_setting(reporting, admin, service_config["DATA_DIR"])
    lee = setting.people["lee"]  # the involvement lead: reads the dashboard, sets the policy
    wait_for(lambda: len(_dashboard(lee, setting.org)["care_services"]) == 2,
             what="the two care services")  # identity's events have reached reporting
    before = _figures(lee, setting.org)
    assert before["stories_published"] == 0 and before["meetings_held"] == 0
    assert before["payment_policy_in_place"] is False

    # feedback: two stories told, one of them moderated and published
    published = submit(setting)
    submit(setting, title="Still with the moderator")
    moderate_and_publish(setting, published["story_id"])

    # payments and commissioning: a policy in place, a meeting held with two people there
    pay = f"/api/v1/organisations/{setting.org}/payments"
    status, body = lee.post(f"{pay}/policies", {"effective_from": "2025-04-06", "rates": [
        {"activity_kind": "commissioning_meeting", "unit": "hour", "amount": "25.00"}]})
    assert status == 201, body
    api = f"/api/v1/organisations/{setting.org}/commissioning"
    status, project = lee.post(f"{api}/projects", {**PROJECT,
                                                   "care_service_ids": [setting.riverside]})
    assert status == 201, project
    status, group = lee.post(f"{api}/projects/{project['id']}/groups",
                             {"kind": "reference", "name": "Reference group"})
    assert status == 201, group
    people = [setting.people["sam"].person_id, setting.people["hal"].person_id]
    for person in people:
        assert lee.post(f"{api}/groups/{group['id']}/members",
                        {"person_id": person, "capacity": "service_user"})[0] == 201
    held_at = (datetime.now(UTC) - timedelta(days=1)).isoformat()
    status, meeting = lee.post(f"{api}/projects/{project['id']}/meetings", {
        "title": "First reference group", "group_id": group["id"], "starts_at": held_at})
    assert status == 201, meeting
    status, body = lee.post(f"{api}/meetings/{meeting['id']}/held", {"attendance": [
        {"person_id": p, "status": "attended"} for p in people]})
    assert status == 200, body

    def arrived():
        f = _figures(lee, setting.org)
        return f if (f["stories_published"], f["meetings_held"],
                     f["payment_policy_in_place"]) == (1, 1, True) else None

    wait_for(arrived, timeout=30, what="the journeys on the dashboard")
    # the 4PI self-assessment suggests from exactly that: a policy in place, no claim paid yet
    today = datetime.now(UTC).date()
    status, made = lee.post(f"/api/v1/organisations/{setting.org}/reporting/assessments", {
        "framework": "nsun-4pi", "level": "services_and_communities", "title": "This year",
        "period_start": (today - timedelta(days=30)).isoformat(),
        "period_end": (today + timedelta(days=1)).isoformat()})
    assert status == 201, made
    proc5 = next(c for c in made["criteria"] if c["id"] == "PROC-5")
    assert proc5["suggestion"]["score"] == 1, proc5  # "in place", but nothing paid on time yet
    assert "payment_policy_in_place" in {e["key"] for e in proc5["suggestion"]["evidence"]}
    # another organisation's dashboard saw none of it
    other = make_org(admin, "Somewhere Else")
    quiet = _figures(admin, other)
    assert (quiet["stories_published"], quiet["meetings_held"]) == (0, 0)


def test_a_mystery_shopping_round_moves_the_dashboard_by_the_calls_recorded(reporting, admin,
                                                                            service_config):
    phoenix = Phoenix(reporting, admin, service_config["DATA_DIR"])
    for client in phoenix.shoppers.values():
        assert phoenix.lead.post(f"{phoenix.base}/shoppers",
                                 {"person_id": client.person_id})[0] == 201
    today = datetime.now(UTC).date()
    round_ = phoenix.schedule("Winter round", today - timedelta(days=10),
                              today + timedelta(days=10), seed=7)
    assert len(round_["assignments"]) == 6
    when, recorded = datetime.now(UTC) - timedelta(days=1), 0
    for who, client in phoenix.shoppers.items():
        for assignment in phoenix.mine(who)[:1]:  # one call each: 3 of the 6
            status, body = client.post(
                f"{phoenix.base}/assignments/{assignment['id']}/call",
                complete_call(yes=7, welcome=4, call_back=4, words="Kind and quick.", when=when))
            assert status == 201, body
            recorded += 1
    wait_for(lambda: _figures(phoenix.lead, phoenix.org)["mystery_calls"] == recorded,
             timeout=30, what="the recorded calls on the dashboard")
    assert recorded == 3


def test_a_panel_selected_by_the_panels_service_is_counted_with_its_quotas(reporting, admin):
    org = make_org(admin, "LSE Student Wellbeing Service")
    base = f"/api/v1/organisations/{org}/panels"
    status, campaign = admin.post(f"{base}/campaigns", seed004_campaign())
    assert status == 201, campaign
    public = Client(reporting)
    for person in seed004_volunteers():
        assert public.post(f"/api/v1/panels/campaigns/{campaign['id']}/registrations",
                           person)[0] == 201
    assert admin.post(f"{base}/campaigns/{campaign['id']}/close")[0] == 200
    status, job = admin.post(f"{base}/campaigns/{campaign['id']}/selections",
                             {"algorithm": "maximin", "seed": 2026})
    assert status == 202, job
    deadline = time.monotonic() + 120
    while job["status"] not in ("done", "failed", "cancelled"):
        assert time.monotonic() < deadline, job
        time.sleep(0.2)
        job = admin.get(f"{base}/selections/{job['id']}")[1]
    assert job["status"] == "done", job

    found = wait_for(lambda: (f := _figures(admin, org))["panels_selected"] == 1 and f,
                     timeout=30, what="the selection on the dashboard")
    assert found["panel_quotas_met"] == 1.0  # every quota of seed 004 was met
