"""The reporting API over HTTP, on a real RabbitMQ with the real services: the dashboard moves
when the services' events arrive, exports of the same figures, a co-produced assessment scored
independently by each side and agreed, the public 'you said, we did' page, precise 4xx."""
import csv
import io

from tests.support.accounts import PASSWORD, invite_and_register, make_org
from tests.support.running import Client

from .helpers import activity, download, figures, publish, wait_for


def _org_with_service(admin, name="Phoenix Futures"):
    org = make_org(admin, name)
    made = []
    for name in ("Day centre", "Helpline"):
        status, cs = admin.post(f"/api/v1/organisations/{org}/care-services",
                                {"name": name, "kind": "housing"})
        assert status == 201, cs
        made.append(cs["id"])
    return org, made


def _dashboard(client, org, query=""):
    status, body = client.get(f"/api/v1/organisations/{org}/reporting/dashboard{query}")
    assert status == 200, body
    return body


def test_the_dashboard_moves_with_the_events_and_every_export_says_the_same(
        reporting, admin, amqp_uri_for_clients):
    org, (cs, other) = _org_with_service(admin)
    # identity's own events (organisation and care service created) reach reporting
    wait_for(lambda: _dashboard(admin, org)["care_services"], what="the care service")
    before = figures(_dashboard(admin, org))
    assert before["stories_published"] == 0 and before["mystery_calls"] == 0
    events = activity(org, [cs, other])
    publish(amqp_uri_for_clients, events)
    expected_stories = len({e["data"]["story_id"] for e in events
                            if e["type"] == "involve.feedback.story.published.v1"})
    expected_calls = sum(e["type"] == "involve.mystery_shopping.call.recorded.v1"
                         for e in events)
    expected_meetings = sum(e["type"] == "involve.commissioning.meeting.held.v2"
                            for e in events)

    def arrived():  # each service's events come on their own queue, in their own time
        f = figures(_dashboard(admin, org))
        done = (f["mystery_calls"], f["stories_published"], f["panels_selected"],
                f["meetings_held"], f["payment_policy_in_place"]) == (
            expected_calls, expected_stories, 1, expected_meetings, True)
        return f if done else None

    now = wait_for(arrived)
    assert now["changes_confirmed"] >= 1 and now["people_involved"] >= 1
    # the care-service filter and the metric definitions come from the same place
    only = _dashboard(admin, org, f"?care_service_id={cs}")
    assert only["care_service"]["id"] == cs
    status, defs = admin.get(f"/api/v1/organisations/{org}/reporting/metrics")
    assert status == 200
    assert [d["key"] for d in defs["metrics"]] == [
        m["key"] for s in _dashboard(admin, org)["sections"] for m in s["metrics"]]
    # CSV: the whole-period rows hold the dashboard's figures
    status, text, kind = download(admin, f"/api/v1/organisations/{org}/reporting/dashboard.csv")
    assert status == 200 and kind.startswith("text/csv")
    rows = list(csv.reader(io.StringIO(text.decode())))
    whole = {r[1]: r[3] for r in rows[1:] if r[2] == "all"}
    assert whole["Stories published"] == str(expected_stories)
    assert whole["Mystery-shopping calls"] == str(expected_calls)
    status, pdf, kind = download(admin, f"/api/v1/organisations/{org}/reporting/dashboard.pdf")
    assert status == 200 and kind == "application/pdf" and pdf.startswith(b"%PDF")
    from pypdf import PdfReader

    text_of_pdf = " ".join(p.extract_text() for p in PdfReader(io.BytesIO(pdf)).pages)
    assert "Stories published" in text_of_pdf
    # the public page lists the confirmed change, linked to its public source
    status, public = Client(reporting).get(f"/api/v1/organisations/{org}/you-said-we-did")
    assert status == 200
    dids = [e["did"] for e in public["entries"]]
    assert "We now answer the phone within five rings." in dids
    mine = next(e for e in public["entries"]
                if e["did"] == "We now answer the phone within five rings.")
    assert mine["source"]["path"].startswith(f"/organisations/{org}/stories/")
    assert "author and a panel" in mine["confirmed_by"] or mine["confirmed_by"]
    # the jobs' progress is there (nothing rebuilt yet)
    status, jobs = admin.get(f"/api/v1/organisations/{org}/reporting/jobs")
    assert status == 200 and jobs["backfill"] == []


def test_an_assessment_is_scored_by_each_side_then_agreed_with_the_evidence(
        reporting, admin, service_config, amqp_uri_for_clients):
    org, (cs, other) = _org_with_service(admin)
    publish(amqp_uri_for_clients, activity(org, [cs, other], seed=9))
    data_dir = service_config["DATA_DIR"]
    invite_and_register(admin, reporting, data_dir, org, "user@phoenix.example", "service_user",
                        name="Una")
    invite_and_register(admin, reporting, data_dir, org, "staff@phoenix.example", "staff",
                        name="Stef")
    invite_and_register(admin, reporting, data_dir, org, "lead@phoenix.example",
                        "involvement_lead", name="Lee")
    user = Client(reporting).sign_in("user@phoenix.example", PASSWORD)
    staff = Client(reporting).sign_in("staff@phoenix.example", PASSWORD)
    lead = Client(reporting).sign_in("lead@phoenix.example", PASSWORD)
    base = f"/api/v1/organisations/{org}/reporting"
    wait_for(lambda: figures(_dashboard(admin, org))["changes_confirmed"] >= 1)
    status, criteria = user.get(base + "/criteria")
    assert status == 200
    assert {f["id"] for f in criteria["frameworks"]} >= {"nsun-4pi", "leadership-spectrum"}
    # only the involvement lead starts one; the level is needed for 4PI
    body = {"framework": "nsun-4pi", "level": "services_and_communities",
            "title": "Our first 4PI review", "period_start": "2025-01-01",
            "period_end": "2027-12-31"}
    assert user.post(base + "/assessments", body)[0] == 403
    status, made = lead.post(base + "/assessments", {**body, "period_start": "2028-01-01"})
    assert status == 422 and "period_end" in made["error"]["fields"]
    status, made = lead.post(base + "/assessments", body)
    assert status == 201, made
    one = f"{base}/assessments/{made['id']}"
    imp4 = next(c for c in made["criteria"] if c["id"] == "IMP-4")
    assert imp4["suggestion"]["score"] in (2, 3)  # changes confirmed are the evidence
    assert {e["key"] for e in imp4["suggestion"]["evidence"]} >= {"changes_confirmed"}
    # each side scores on its own and cannot score for the other
    status, refused = user.post(one + "/scores", {"criterion_id": "IMP-4",
                                                  "perspective": "staff", "score": 3})
    assert status == 422 and "perspective" in refused["error"]["fields"]
    status, seen = user.post(one + "/scores", {"criterion_id": "IMP-4",
                                               "perspective": "service_users", "score": 2,
                                               "comment": "We saw the phone change."})
    assert status == 200, seen
    status, as_staff = staff.get(one)
    mine = next(c for c in as_staff["criteria"] if c["id"] == "IMP-4")
    assert mine["independent"]["service_users"] == {"given": True}  # not swayed by it
    staff.post(one + "/scores", {"criterion_id": "IMP-4", "perspective": "staff", "score": 3})
    status, both = staff.get(one)
    mine = next(c for c in both["criteria"] if c["id"] == "IMP-4")
    assert mine["independent"]["service_users"]["score"] == 2
    assert mine["independent"]["staff"]["score"] == 3 and mine["both_scored"]
    # the lead records the agreed score with a rationale; both sides' scores are kept
    status, bad = lead.post(one + "/agreements", {"criterion_id": "IMP-4", "score": 5,
                                                  "rationale": "x"})
    assert status == 422 and set(bad["error"]["fields"]) >= {"score", "rationale"}
    assert staff.post(one + "/agreements", {"criterion_id": "IMP-4", "score": 2,
                                            "rationale": "We agreed."})[0] == 403
    status, agreed = lead.post(one + "/agreements", {
        "criterion_id": "IMP-4", "score": 2, "rationale": "Changes confirmed, few told."})
    assert status == 200, agreed
    row = next(c for c in agreed["criteria"] if c["id"] == "IMP-4")
    assert row["agreed"]["score"] == 2 and row["independent"]["staff"]["score"] == 3
    assert agreed["position"]["agreed"] == 1
    status, text, _ = download(lead, one + "/export.csv")
    assert status == 200 and "IMP-4" in text.decode() and "Changes confirmed, few told." in \
        text.decode()
    status, pdf, _kind = download(lead, one + "/export.pdf")
    assert status == 200 and pdf.startswith(b"%PDF")
    status, listed = user.get(base + "/assessments")
    assert [a["id"] for a in listed] == [made["id"]] and listed[0]["agreed"] == 1


def test_bad_filters_and_bodies_get_a_4xx_naming_the_field(reporting, admin):
    org, (_cs, _other) = _org_with_service(admin)
    base = f"/api/v1/organisations/{org}/reporting"
    status, body = admin.get(base + "/dashboard?from=2026-05-01&to=2026-01-01")
    assert status == 422 and "to" in body["error"]["fields"]
    status, body = admin.get(base + "/dashboard?from=yesterday")
    assert status == 422 and "from" in body["error"]["fields"]
    status, body = admin.get(base + "/dashboard?care_service_id=not-ours")
    assert status == 422 and "care_service_id" in body["error"]["fields"]
    status, body = admin.post(base + "/assessments", {"framework": "nsun-4pi", "title": "x",
                                                      "period_start": "2026-01-01",
                                                      "period_end": "2026-02-01",
                                                      "surprise": 1})
    assert status == 422 and {"title", "surprise"} <= set(body["error"]["fields"])
    status, body = admin.post(base + "/assessments", {"framework": "no-such-framework",
                                                      "title": "A review",
                                                      "period_start": "2026-01-01",
                                                      "period_end": "2026-02-01"})
    assert status in (404, 422) and "framework" in body["error"]["fields"]
    status, body = admin.get(base + "/assessments/not-there")
    assert status == 404
    status, body = admin.put(base + "/rounds/not-there/publication", {"published": "maybe"})
    assert status == 422 and "published" in body["error"]["fields"], body
    status, body = Client(reporting).get(f"/api/v1/organisations/{org}/you-said-we-did"
                                         "?care_service_id=nope")
    assert status == 404 and "care_service_id" in body["error"]["fields"]
    # reading needs the organisation's reporting permission
    assert Client(reporting).get(base + "/dashboard")[0] == 401
