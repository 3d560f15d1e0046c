"""Mystery shopping through the gateway's HTTP API, on a real RabbitMQ with the real services, on
SQLite and PostgreSQL: the seed 000 flow (Phoenix Futures) from scheduling a round with the
first-contact plugin's questions to a report with efficiency and feeling apart and trends across
two rounds; CSV and PDF downloads; bad input named by field; the wrong roles refused."""
import io
import json
from collections import Counter
from datetime import UTC, date, datetime, timedelta

import pypdf

from tests.support.accounts import PASSWORD, invite_and_register, make_org
from tests.support.running import Client

from .helpers import Phoenix, agree_to_mystery_shop, complete_call, download


def test_seed_000_round_from_the_plugin_set_to_a_report_with_trends(platform, admin,
                                                                     service_config,
                                                                     mystery_events):
    phoenix = Phoenix(platform, admin, service_config["DATA_DIR"])
    base, lead = phoenix.base, phoenix.lead
    question_set = phoenix.first_contact_set()
    assert question_set["source"] != "organisation" and question_set["version"] == 1
    kinds = {q["id"]: (q["kind"], q["measures"]) for q in question_set["questions"]}
    assert kinds["answered-60s"] == ("yes_no", "efficiency")
    assert kinds["felt-welcome"] == ("scale_1_5", "feeling")

    # Ann uses the Sheffield service: she must never be sent to call it.
    people = {who: client.person_id for who, client in phoenix.shoppers.items()}
    for who, person_id in people.items():
        used = [phoenix.services["Primary"]] if who == "ann" else []
        status, shopper = lead.post(f"{base}/shoppers", {"person_id": person_id,
                                                         "services_used": used})
        assert status == 201, shopper
    status, roster = lead.get(f"{base}/shoppers")
    assert status == 200 and {s["person_id"] for s in roster} == set(people.values())

    today = datetime.now(UTC).date()
    first = phoenix.schedule("November and December", today - timedelta(days=20),
                             today + timedelta(days=10), seed=2026)
    assert first["status"] == "scheduled" and len(first["assignments"]) == 6
    for assignment in first["assignments"]:
        assert not (assignment["shopper_id"] == people["ann"]
                    and assignment["care_service_id"] == phoenix.services["Primary"])
    load = Counter(a["shopper_id"] for a in first["assignments"])
    assert max(load.values()) - min(load.values()) <= 1 and len(load) == 3
    status, listed = lead.get(f"{base}/rounds/{first['id']}")
    assert status == 200 and {a["id"] for a in listed["assignments"]} == {
        a["id"] for a in first["assignments"]}

    # Each shopper saves a draft as they go, then submits. Calls to Glasgow feel warmest.
    when = datetime.now(UTC) - timedelta(days=1)
    for who in people:
        for assignment in phoenix.mine(who):
            path = f"{base}/assignments/{assignment['id']}/call"
            status, draft = phoenix.shoppers[who].put(path, {"answers": {"answered-60s": "yes"}})
            assert status == 200 and draft["status"] == "draft", draft
            warm = assignment["care_service_id"] == phoenix.services["Glasgow"]
            body = complete_call(yes=6 if warm else 9, welcome=5 if warm else 2,
                                 call_back=5 if warm else 2,
                                 words="They made me feel it was worth calling." if warm
                                 else "Quick, but I felt rushed.", when=when)
            status, record = phoenix.shoppers[who].post(path, body)
            assert status == 201, record
            assert record["status"] == "submitted"
    assert all(a["status"] == "recorded" for who in people for a in phoenix.mine(who))

    status, closed = lead.post(f"{base}/rounds/{first['id']}/close")
    assert status == 200 and closed["status"] == "closed", closed
    status, report = lead.get(f"{base}/rounds/{first['id']}/report")
    assert status == 200, report
    by_service = {s["care_service_id"]: s for s in report["services"]}
    glasgow, wirral = by_service[phoenix.services["Glasgow"]], by_service[
        phoenix.services["Wirral"]]
    # efficiency and feeling are reported apart: the efficient call is not the warm one
    assert glasgow["efficiency"] == 60.0 and glasgow["feeling"] == 5.0
    assert wirral["efficiency"] == 90.0 and wirral["feeling"] == 2.0
    assert all(c["efficiency"] is not None and c["feeling"] is not None
               for c in report["calls"]) and len(report["calls"]) == 6
    assert report["highlights"][0]["care_service_id"] == phoenix.services["Glasgow"]
    assert "worth calling" in report["highlights"][0]["quote"]
    assert report["agreement"]["alpha"] is not None  # two shoppers called every service

    events = mystery_events(1 + 6 + 1)
    kinds = Counter(e["type"] for e in events)
    assert kinds["involve.mystery_shopping.call.recorded.v1"] == 6
    closed_event = next(e for e in events if e["type"] == "involve.mystery_shopping.round.closed.v1")
    assert {s["care_service_id"] for s in closed_event["data"]["services"]} == set(
        phoenix.services.values())
    assert "phoenix.example" not in json.dumps(events)

    # CSV and PDF
    status, headers, csv_bytes = download(lead, f"{base}/rounds/{first['id']}/report.csv")
    assert status == 200 and headers["Content-Disposition"].startswith("attachment;")
    assert headers.get_content_type() == "text/csv"
    text = csv_bytes.decode("utf-8-sig")
    assert "Sheffield Primary Care Addiction Service" in text
    status, headers, pdf = download(lead, f"{base}/rounds/{first['id']}/report.pdf")
    assert status == 200 and headers.get_content_type() == "application/pdf"
    assert 'filename="' in headers["Content-Disposition"] and headers[
        "Content-Disposition"].startswith("attachment;")
    assert pdf.startswith(b"%PDF")
    document = pypdf.PdfReader(io.BytesIO(pdf))
    assert "Phoenix Glasgow Residential" in "".join(p.extract_text() for p in document.pages)

    # A second round: the same services, trends across both rounds.
    second = phoenix.schedule("January and February", today - timedelta(days=5),
                              today + timedelta(days=50), seed=7)
    for who in people:
        for assignment in phoenix.mine(who):
            status, record = phoenix.shoppers[who].post(
                f"{base}/assignments/{assignment['id']}/call",
                complete_call(yes=10, welcome=4, call_back=4, words="Much better this time.",
                              when=datetime.now(UTC) - timedelta(hours=2)))
            assert status == 201, record
    assert lead.post(f"{base}/rounds/{second['id']}/close")[0] == 200
    status, report = lead.get(f"{base}/rounds/{second['id']}/report")
    trends = {t["care_service_id"]: t for t in report["trends"]}
    glasgow_points = trends[phoenix.services["Glasgow"]]["points"]
    assert [p["round_id"] for p in glasgow_points] == [first["id"], second["id"]]
    assert [(p["efficiency"], p["feeling"]) for p in glasgow_points] == [(60.0, 5.0),
                                                                         (100.0, 4.0)]
    status, rounds = lead.get(f"{base}/rounds")
    assert status == 200 and {r["id"] for r in rounds} == {first["id"], second["id"]}


def test_bad_input_is_refused_naming_the_field(platform, admin, service_config):
    phoenix = Phoenix(platform, admin, service_config["DATA_DIR"])
    base, lead = phoenix.base, phoenix.lead
    people = {who: client.person_id for who, client in phoenix.shoppers.items()}
    for person_id in people.values():
        assert lead.post(f"{base}/shoppers", {"person_id": person_id})[0] == 201
    today = date.today()
    set_id = phoenix.first_contact_set()["id"]

    # a care service that is not the organisation's
    status, body = lead.post(f"{base}/rounds", {
        "name": "Autumn", "question_set_id": set_id, "starts_on": today.isoformat(),
        "ends_on": (today + timedelta(days=30)).isoformat(),
        "care_service_ids": [phoenix.services["Glasgow"], "no-such-service"]})
    assert 400 <= status < 500 and "care_service_ids" in body["error"]["fields"], body
    status, body = lead.post(f"{base}/rounds", {
        "name": "Autumn", "question_set_id": set_id, "care_service_ids": [],
        "starts_on": "2026-13-01", "ends_on": today.isoformat(), "calls_per_service": 11})
    assert status == 422
    assert set(body["error"]["fields"]) == {"care_service_ids", "starts_on", "calls_per_service"}

    round_ = phoenix.schedule("Autumn", today - timedelta(days=3), today + timedelta(days=30),
                              seed=1)
    ann = phoenix.mine("ann")[0]
    path = f"{base}/assignments/{ann['id']}/call"
    ann_client = phoenix.shoppers["ann"]

    # an answer of the wrong kind, and a rating of 7
    status, body = ann_client.put(path, {"answers": {"felt-welcome": "yes",
                                                     "answered-60s": 3}})
    assert status == 422 and set(body["error"]["fields"]) == {"answers.felt-welcome",
                                                              "answers.answered-60s"}
    status, body = ann_client.post(path, complete_call(9, 7, 4, "ok", datetime.now(
        UTC)))
    assert status == 422 and set(body["error"]["fields"]) == {"answers.felt-welcome"}, body
    # a shape the gateway refuses before asking the service
    status, body = ann_client.put(path, {"answers": {"felt-welcome": {"score": 4}},
                                         "seconds_to_answer": -1})
    assert status == 422 and set(body["error"]["fields"]) == {"answers.felt-welcome",
                                                              "seconds_to_answer"}
    # an incomplete record cannot be submitted; what is missing is named
    status, body = ann_client.post(path, {"answers": {"felt-welcome": 4}})
    assert status == 422 and "answers.answered-60s" in body["error"]["fields"]
    assert "called_at" in body["error"]["fields"]
    # a call for a service that is not the assignment's
    status, body = ann_client.put(path, {"care_service_id": "elsewhere"})
    assert status == 422 and set(body["error"]["fields"]) == {"care_service_id"}

    # a call assigned to someone else
    not_ann = next(a for a in lead.get(f"{base}/rounds/{round_['id']}")[1]["assignments"]
                   if a["shopper_id"] != people["ann"])
    status, body = ann_client.post(f"{base}/assignments/{not_ann['id']}/call",
                                   complete_call(9, 4, 4, "ok", datetime.now(UTC)))
    assert status in (403, 404) and "assignment_id" in body["error"]["fields"], body

    # none of that was submitted
    assert phoenix.mine("ann")[0]["status"] == "assigned"


def test_each_role_does_only_its_part(platform, admin, service_config):
    phoenix = Phoenix(platform, admin, service_config["DATA_DIR"])
    base, lead = phoenix.base, phoenix.lead
    invite_and_register(admin, platform, service_config["DATA_DIR"], phoenix.org,
                        "val@phoenix.example", "volunteer", name="Val")
    volunteer = Client(platform).sign_in("val@phoenix.example", PASSWORD)
    council = phoenix.shoppers["ann"]
    today = date.today()
    for who in phoenix.shoppers.values():
        assert lead.post(f"{base}/shoppers", {"person_id": who.person_id})[0] == 201
    round_ = phoenix.schedule("Spring", today, today + timedelta(days=30), seed=3)

    anonymous = Client(platform)
    assert anonymous.get(f"{base}/rounds")[0] == 401
    assert anonymous.get(f"{base}/my-assignments")[0] == 401
    assert anonymous.get(f"{base}/rounds/{round_['id']}/report.pdf")[0] == 401
    # shoppers cannot schedule, close, manage the roster or edit question sets
    set_id = phoenix.first_contact_set()["id"]
    assert council.post(f"{base}/rounds/{round_['id']}/close")[0] == 403
    assert council.get(f"{base}/shoppers")[0] == 403
    assert volunteer.patch(f"{base}/question-sets/{set_id}", {"title": "Mine now"})[0] == 403
    # council members read reports; volunteers do not
    assert council.get(f"{base}/rounds/{round_['id']}/report")[0] == 200
    assert volunteer.get(f"{base}/rounds/{round_['id']}/report")[0] == 403
    assert volunteer.get(f"{base}/my-assignments") == (200, [])
    # the coordinator manages but does not shop
    assert lead.get(f"{base}/my-assignments")[0] == 403
    # another organisation's coordinator sees nothing here
    other = make_org(admin, "Elsewhere")
    invite_and_register(admin, platform, service_config["DATA_DIR"], other,
                        "lead@elsewhere.example", "involvement_lead")
    stranger = Client(platform).sign_in("lead@elsewhere.example", PASSWORD)
    assert stranger.get(f"{base}/rounds/{round_['id']}")[0] == 403
    assert stranger.get(f"/api/v1/organisations/{other}/mystery-shopping/rounds/"
                        f"{round_['id']}")[0] == 404


def test_a_shopper_who_cannot_take_part_is_replaced_fairly(platform, admin, service_config):
    phoenix = Phoenix(platform, admin, service_config["DATA_DIR"])
    base, lead = phoenix.base, phoenix.lead
    people = {who: client.person_id for who, client in phoenix.shoppers.items()}
    for who, person_id in people.items():
        used = [phoenix.services["Primary"]] if who == "ann" else []
        assert lead.post(f"{base}/shoppers", {"person_id": person_id,
                                              "services_used": used})[0] == 201
    today = date.today()
    round_ = phoenix.schedule("Summer", today, today + timedelta(days=30), seed=11)
    # Bob declines one of his calls: it goes to someone else who may call that service.
    bobs = phoenix.mine("bob")[0]
    status, moved = phoenix.shoppers["bob"].post(
        f"{base}/my-assignments/{bobs['id']}/decline", {"reason": "Away that week"})
    assert status == 200, moved
    assert moved["shopper_id"] not in (people["bob"], None)
    if bobs["care_service_id"] == phoenix.services["Primary"]:
        assert moved["shopper_id"] != people["ann"]
    assert bobs["id"] not in {a["id"] for a in phoenix.mine("bob")}
    # the coordinator moves another; the shopper is told in their list
    cats = phoenix.mine("cat")[0]
    status, moved = lead.post(f"{base}/assignments/{cats['id']}/reassign", {})
    assert status == 200 and moved["shopper_id"] != people["cat"]
    # a shopper cannot move someone else's call
    anns = phoenix.mine("ann")[0]
    assert phoenix.shoppers["bob"].post(f"{base}/my-assignments/{anns['id']}/decline",
                                        {})[0] == 403
    assert phoenix.shoppers["bob"].post(f"{base}/assignments/{anns['id']}/reassign",
                                        {})[0] == 403
    assert len(lead.get(f"{base}/rounds/{round_['id']}")[1]["assignments"]) == 6


def test_a_set_in_use_is_frozen_and_the_roster_can_change(platform, admin, service_config):
    phoenix = Phoenix(platform, admin, service_config["DATA_DIR"])
    base, lead = phoenix.base, phoenix.lead
    added = {}
    for who, client in phoenix.shoppers.items():
        status, added[who] = lead.post(f"{base}/shoppers", {"person_id": client.person_id})
        assert status == 201, added[who]
    original = phoenix.first_contact_set()
    today = date.today()
    round_ = phoenix.schedule("Winter", today, today + timedelta(days=30), seed=4)

    # Adapting the set now makes a new version for this organisation; the round keeps its own.
    questions = [dict(q, guidance=q.get("guidance") or "") for q in original["questions"]]
    questions[0]["text"] = "Was the call answered within a minute?"
    status, edited = lead.patch(f"{base}/question-sets/{original['id']}",
                                {"title": "Our first contact set", "questions": questions})
    assert status == 200, edited
    assert edited["id"] != original["id"] and edited["version"] == original["version"] + 1
    assert edited["source"] == "organisation" and edited["questions"][0]["text"].endswith(
        "within a minute?")
    status, kept = lead.get(f"{base}/question-sets/{original['id']}")
    assert status == 200 and kept["questions"][0]["text"] == original["questions"][0]["text"]
    assert lead.get(f"{base}/rounds/{round_['id']}")[1]["question_set_id"] == original["id"]
    status, body = lead.patch(f"{base}/question-sets/{original['id']}",
                              {"questions": [dict(questions[0], kind="stars")]})
    assert status == 422 and "questions" in body["error"]["fields"]
    status, problems = lead.get(f"{base}/question-set-problems")
    assert status == 200 and isinstance(problems, list)

    # The roster: Bob now uses the Glasgow service, so his Glasgow calls go to others.
    glasgow = phoenix.services["Glasgow"]
    status, bob = lead.patch(f"{base}/shoppers/{added['bob']['id']}",
                             {"services_used": [glasgow]})
    assert status == 200 and bob["services_used"] == [glasgow], bob
    assert all(a["care_service_id"] != glasgow for a in phoenix.mine("bob"))
    # Cat leaves: her open calls are passed on.
    status, removed = lead.delete(f"{base}/shoppers/{added['cat']['id']}")
    assert status == 200, removed
    assert phoenix.mine("cat") == []
    assert {s["person_id"] for s in lead.get(f"{base}/shoppers")[1]
            if s.get("active", True)} == {phoenix.shoppers["ann"].person_id,
                                          phoenix.shoppers["bob"].person_id}


def test_only_people_who_agreed_can_shop_and_a_withdrawal_keeps_them_out(platform, admin,
                                                                        service_config):
    phoenix = Phoenix(platform, admin, service_config["DATA_DIR"])
    base, lead = phoenix.base, phoenix.lead
    invite_and_register(admin, platform, service_config["DATA_DIR"], phoenix.org,
                        "val@phoenix.example", "volunteer", name="Val")
    val = Client(platform).sign_in("val@phoenix.example", PASSWORD)
    status, body = lead.post(f"{base}/shoppers", {"person_id": val.person_id})
    assert status == 422, body
    assert list(body["error"]["fields"]) == ["person_id"]
    assert "not agreed to be asked to mystery shop" in body["error"]["message"]
    assert "My account" in body["error"]["message"]
    assert val.person_id not in {s["person_id"] for s in lead.get(f"{base}/shoppers")[1]}

    agree_to_mystery_shop(val)
    for who in [val, *phoenix.shoppers.values()]:
        status, added = lead.post(f"{base}/shoppers", {"person_id": who.person_id})
        assert status == 201, added
    today = date.today()
    first = phoenix.schedule("Spring", today, today + timedelta(days=30), seed=8)
    assert val.person_id in {a["shopper_id"] for a in first["assignments"]}

    # Val changes her mind: she stays on the list, but the next round leaves her out
    agree_to_mystery_shop(val, given=False)
    assert val.person_id in {s["person_id"] for s in lead.get(f"{base}/shoppers")[1]}
    second = phoenix.schedule("Summer", today + timedelta(days=31), today + timedelta(days=60),
                              seed=8)
    given = Counter(a["shopper_id"] for a in second["assignments"])
    assert val.person_id not in given and sum(given.values()) == 6
    assert set(given) <= {c.person_id for c in phoenix.shoppers.values()}
