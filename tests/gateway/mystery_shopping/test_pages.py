"""The mystery-shopping pages answer through the real services: each role sees its own pages and
is refused the others, and every page renders from the service's real answers."""
from datetime import date, timedelta

from tests.support.accounts import PASSWORD, invite_and_register
from tests.support.running import Client

from .helpers import Phoenix


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

    # A coordinator passes a call on from the round page, after saying yes on the question.
    moving = next(a for a in round_["assignments"] if a["status"] == "assigned")
    status, html = lead.get(f"{pages}/assignments/{moving['id']}/reassign?round_id="
                            f"{round_['id']}")
    assert status == 200 and "Any draft of the call is deleted." in html
    status, html = post_form(lead, f"{pages}/assignments/{moving['id']}/reassign",
                             {"round_id": round_["id"], "confirmed": "yes"})
    assert status == 200 and "The call has been given to another shopper." in html
    after = {a["id"]: a for a in lead.get(f"{base}/rounds/{round_['id']}")[1]["assignments"]}
    assert after[moving["id"]]["shopper_id"] != moving["shopper_id"]


def test_shoppers_are_chosen_and_shown_by_name_and_irreversible_steps_are_confirmed(
        platform, admin, service_config):
    phoenix = Phoenix(platform, admin, service_config["DATA_DIR"])
    base, lead = phoenix.base, phoenix.lead
    pages = f"/organisations/{phoenix.org}/mystery-shopping"
    invite_and_register(admin, platform, service_config["DATA_DIR"], phoenix.org,
                        "val@phoenix.example", "volunteer", name="Val Volunteer")
    val = Client(platform).sign_in("val@phoenix.example", PASSWORD)

    # Before choosing: the council members by name, and Val apart, not yet agreed, no box.
    status, html = lead.get(pages + "/shoppers")
    assert status == 200
    for who in phoenix.shoppers.values():
        assert f'value="{who.person_id}"' in html
    assert "Ann" in html and "Bob" in html and "Cat" in html
    assert f'value="{val.person_id}"' not in html
    assert "Val Volunteer" in html and "Has not agreed to mystery shop yet" in html
    # the search narrows the list and changes nothing
    status, html = post_form(lead, pages + "/shoppers", {"person_id_q": "bo",
                                                        "picker_action": "search"})
    assert status == 200 and "1 person found" in html and "Bob" in html
    assert lead.get(f"{base}/shoppers")[1] == []
    # choosing nobody is pointed out at the search box
    status, html = post_form(lead, pages + "/shoppers", {"personas": ["referrer"]})
    assert status == 422 and 'href="#person-id-q"' in html

    ann = phoenix.shoppers["ann"]
    status, html = post_form(lead, pages + "/shoppers", {"person_id": ann.person_id,
                                                        "personas": ["potential_client"]})
    assert status == 200 and "The shopper has been added." in html
    [shopper] = lead.get(f"{base}/shoppers")[1]
    roster = html.split('aria-labelledby="roster"')[2].split("</table>")[0]
    assert "<td>Ann</td>" in roster and ann.person_id not in roster.replace(
        f"/shoppers/{shopper['id']}/remove", "")

    # Removing her asks first; a one-click POST only leads to the question.
    remove = f"{pages}/shoppers/{shopper['id']}/remove"
    status, html = lead.get(remove)
    assert status == 200 and "Take Ann off the list of shoppers?" in html
    assert 'name="confirmed" value="yes"' in html
    status, html = post_form(lead, remove, {})
    assert "Take Ann off the list of shoppers?" in html
    assert len(lead.get(f"{base}/shoppers")[1]) == 1
    status, html = post_form(lead, remove, {"confirmed": "yes"})
    assert status == 200 and "taken off the list" in html
    assert lead.get(f"{base}/shoppers")[1] == []

    # The round's calls show names to the coordinator, "A shopper" to a council member.
    for who in phoenix.shoppers.values():
        assert lead.post(f"{base}/shoppers", {"person_id": who.person_id})[0] == 201
    today = date.today()
    round_ = phoenix.schedule("Winter", today - timedelta(days=1), today + timedelta(days=30),
                              seed=9)
    status, html = lead.get(f"{pages}/rounds/{round_['id']}")
    table = html.split('aria-labelledby="assignments"')[2].split("</table>")[0]
    assert "<td>Ann</td>" in table or "<td>Bob</td>" in table
    assert not any(who.person_id in table for who in phoenix.shoppers.values())
    status, html = ann.get(f"{pages}/rounds/{round_['id']}")
    table = html.split('aria-labelledby="assignments"')[2].split("</table>")[0]
    assert status == 200 and "A shopper" in table and "Bob" not in table

    # Closing the round asks first, saying it cannot be undone.
    close = f"{pages}/rounds/{round_['id']}/close"
    status, html = lead.get(close)
    assert status == 200 and "This cannot be undone." in html and "0 of 6 calls" in html
    post_form(lead, close, {})
    assert lead.get(f"{base}/rounds/{round_['id']}")[1]["status"] == "scheduled"
    status, html = post_form(lead, close, {"confirmed": "yes"})
    assert status == 200 and "The round is closed" in html
    assert lead.get(f"{base}/rounds/{round_['id']}")[1]["status"] == "closed"


def test_a_round_takes_dates_as_people_type_them(platform, admin, service_config):
    phoenix = Phoenix(platform, admin, service_config["DATA_DIR"])
    base, lead = phoenix.base, phoenix.lead
    pages = f"/organisations/{phoenix.org}/mystery-shopping"
    for who in phoenix.shoppers.values():
        assert lead.post(f"{base}/shoppers", {"person_id": who.person_id})[0] == 201
    fields = {"name": "December", "question_set_id": phoenix.first_contact_set()["id"],
              "care_service_ids": list(phoenix.services.values()),
              "personas": ["potential_client"], "calls_per_service": "2",
              "starts_on": "1 December 2026", "ends_on": "31/12/2026"}
    # the form posts to its own page, so a mistake keeps that address
    status, html = post_form(lead, pages + "/rounds/new",
                             dict(fields, ends_on="31 February 2027"))
    assert status == 422 and "That date does not exist" in html
    assert 'href="#round-ends-on"' in html and 'value="31 February 2027"' in html
    status, html = lead.get(pages + "/rounds/new")
    assert status == 200 and 'type="date"' in html and "For example, 1 December 2026" in html
    assert '/mystery-shopping/rounds/new" novalidate' in html
    status, html = post_form(lead, pages, fields)  # the old address still schedules
    assert status == 200 and "calls have been shared out" in html, html[-2000:]
    [round_] = lead.get(f"{base}/rounds")[1]
    assert (round_["starts_on"], round_["ends_on"]) == ("2026-12-01", "2026-12-31")
    assert "1 December 2026 to 31 December 2026" in html
