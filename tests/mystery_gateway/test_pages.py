"""The mystery-shopping pages answer through the real services: each role sees its own pages and
is refused the others, and every page renders from the service's real answers."""
from datetime import date, timedelta

from tests.integration.test_identity_api import PASSWORD, invite_and_register
from tests.support.running import Client

from .test_api import Phoenix


def test_pages_render_for_each_role_and_refuse_the_others(platform, admin, service_config):
    phoenix = Phoenix(platform, admin, service_config["DATA_DIR"])
    base, lead = phoenix.base, phoenix.lead
    pages = f"/organisations/{phoenix.org}/mystery-shopping"
    for who in phoenix.shoppers.values():
        assert lead.post(f"{base}/shoppers", {"person_id": who.person_id})[0] == 201
    today = date.today()
    round_ = phoenix.schedule("Autumn", today - timedelta(days=3), today + timedelta(days=30),
                              seed=5)
    set_id = phoenix.first_contact_set()["id"]
    for path in ("", "/shoppers", "/question-sets", f"/question-sets/{set_id}",
                 f"/rounds/{round_['id']}", f"/rounds/{round_['id']}/report"):
        status, html = lead.get(pages + path)
        assert status == 200, (path, html[-3000:])
        assert "<h1>" in html
    ann = phoenix.shoppers["ann"]
    mine = phoenix.mine("ann")
    for path in ("/my-calls", f"/my-calls/{mine[0]['id']}"):
        status, html = ann.get(pages + path)
        assert status == 200, (path, html[-3000:])
    assert "How welcome did you feel?" in html
    # shoppers are refused the coordinator's pages; coordinators have no calls to make
    assert ann.get(pages + "/shoppers")[0] == 403
    assert lead.get(pages + "/my-calls")[0] == 403
    invite_and_register(admin, platform, service_config["DATA_DIR"], phoenix.org,
                        "val@phoenix.example", "volunteer", name="Val")
    volunteer = Client(platform).sign_in("val@phoenix.example", PASSWORD)
    assert volunteer.get(pages + f"/rounds/{round_['id']}/report")[0] == 403
    # the shoppers page says who can be added, and refuses someone who has not agreed
    status, html = lead.get(pages + "/shoppers")
    assert status == 200 and "Only people who have agreed to be asked to mystery shop" in html
    status, html = post_form(lead, pages + "/shoppers", {"person_id": volunteer.person_id,
                                                        "personas": ["potential_client"]})
    assert status == 422, html[-3000:]
    # beside the field, with how to put it right (the page's own quotes are HTML-escaped)
    assert "They have not agreed to be asked to mystery shop. They can say yes on their My " \
        "account page" in html
    # another's call is not found among mine
    bobs = phoenix.mine("bob")[0]
    assert ann.get(pages + f"/my-calls/{bobs['id']}")[0] == 404


def post_form(client, path, fields):
    from urllib.parse import urlencode

    return client.request("POST", path, raw=urlencode({"csrf_token": client.csrf, **fields},
                                                      doseq=True).encode(),
                          headers={"Content-Type": "application/x-www-form-urlencoded"})


def test_coordinators_adapt_a_set_in_use_and_reassign_a_call_on_the_pages(platform, admin,
                                                                           service_config):
    phoenix = Phoenix(platform, admin, service_config["DATA_DIR"])
    base, lead = phoenix.base, phoenix.lead
    pages = f"/organisations/{phoenix.org}/mystery-shopping"
    # Shoppers are added on the page; the first uses the Sheffield service.
    for who, client in phoenix.shoppers.items():
        fields = {"person_id": client.person_id, "personas": ["potential_client", "referrer"]}
        if who == "ann":
            fields["services_used"] = [phoenix.services["Primary"]]
        status, html = post_form(lead, pages + "/shoppers", fields)
        assert status == 200 and "The shopper has been added." in html
    roster = {s["person_id"]: s for s in lead.get(f"{base}/shoppers")[1]}
    assert roster[phoenix.shoppers["ann"].person_id]["services_used"] == [
        phoenix.services["Primary"]]
    assert roster[phoenix.shoppers["bob"].person_id]["personas"] == ["potential_client",
                                                                     "referrer"]
    # A round scheduled on the page, with only those two personas.
    original = phoenix.first_contact_set()
    today = date.today()
    status, html = post_form(lead, pages, {
        "name": "Spring", "question_set_id": original["id"],
        "care_service_ids": list(phoenix.services.values()),
        "personas": ["potential_client", "referrer"], "calls_per_service": "2",
        "starts_on": today.isoformat(), "ends_on": (today + timedelta(days=30)).isoformat(),
        "information_allowed": "Only what the service's public website says."})
    assert status == 200 and "calls have been shared out" in html, html[-2000:]
    [round_] = lead.get(f"{base}/rounds")[1]
    round_ = lead.get(f"{base}/rounds/{round_['id']}")[1]
    assert {a["persona"] for a in round_["assignments"]} <= {"potential_client", "referrer"}

    # The set is in use: saving the form with a new question makes version 2.
    fields = {"title": "Phoenix first contact", "description": original["description"],
              "new_text": "Did they offer to send written information?", "new_kind": "yes_no",
              "new_measures": "efficiency", "new_weight": "", "new_guidance": ""}
    for i, q in enumerate(original["questions"]):
        fields.update({f"text-{i}": q["text"], f"guidance-{i}": q.get("guidance") or "",
                       f"weight-{i}": str(q["weight"])})
    status, html = post_form(lead, f"{pages}/question-sets/{original['id']}", fields)
    assert status == 200 and "saved as a new version" in html, html[-2000:]
    newest = phoenix.first_contact_set()
    assert newest["version"] == original["version"] + 1 and newest["title"] == (
        "Phoenix first contact")
    assert newest["questions"][-1] == {
        "id": "did-they-offer-to-send-written", "kind": "yes_no",
        "measures": "efficiency", "weight": 1.0, "guidance": "",
        "text": "Did they offer to send written information?"}
    # a wrong weight is explained beside its field, and nothing is saved
    status, html = post_form(lead, f"{pages}/question-sets/{newest['id']}",
                             dict(fields, **{"weight-0": "heavy", "new_text": ""}))
    assert status == 422 and "Question 1: enter a weight above 0" in html
    assert 'href="#set-weight-0"' in html

    # A coordinator passes a call on from the round page.
    moving = next(a for a in round_["assignments"] if a["status"] == "assigned")
    status, html = post_form(lead, f"{pages}/assignments/{moving['id']}/reassign",
                             {"round_id": round_["id"]})
    assert status == 200 and "The call has been given to another shopper." in html
    after = {a["id"]: a for a in lead.get(f"{base}/rounds/{round_['id']}")[1]["assignments"]}
    assert after[moving["id"]]["shopper_id"] != moving["shopper_id"]
