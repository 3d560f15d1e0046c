"""Seed 002 (Patient Opinion) end to end through the gateway's HTTP API, on a real RabbitMQ and
on SQLite and PostgreSQL: a story told anonymously, moderated with its identifying details
found, published, routed to the one subscriber who follows that service, answered, a change
made, and the author confirming it with their tracking code."""
import json
import time
from pathlib import Path

from involve.kernel.mail import read_outbox
from tests.support.accounts import PASSWORD, invite_and_register
from tests.support.feedback import AUTHOR_EMAIL, CLEANED, story, tag_ids, wait_for_alerts
from tests.support.running import Client


def emails_to(data_dir, address, timeout=10.0):
    deadline = time.monotonic() + timeout
    while True:
        found = [m for m in read_outbox(Path(data_dir) / "mail") if m["To"] == address]
        if found or time.monotonic() > deadline:
            return found
        time.sleep(0.1)


def test_seed_002_story_reaches_the_right_staff_is_answered_and_leads_to_change(
        setting, service_config):
    mo, rae, sam, hal = (setting.people[n] for n in ("mo", "rae", "sam", "hal"))
    public = Client(setting.platform)

    # Sam follows Riverside, Hal follows Hillside.
    status, sub = sam.post(f"{setting.staff}/subscriptions",
                           {"care_service_ids": [setting.riverside]})
    assert status == 201, sub
    status, other = hal.post(f"{setting.staff}/subscriptions",
                             {"care_service_ids": [setting.hillside]})
    assert status == 201, other
    assert [s["id"] for s in sam.get(f"{setting.staff}/subscriptions")[1]] == [sub["id"]]

    # Someone tells their story without an account, leaving an email for replies.
    status, received = public.post(f"{setting.api}/stories",
                                   story(setting, email=AUTHOR_EMAIL))
    assert status == 201, received
    assert received["status"] == "received" and len(received["tracking_code"]) >= 8
    code = received["tracking_code"]
    story_id = received["story_id"]

    # Nothing is public before moderation.
    assert public.get(f"{setting.api}/stories")[1]["total"] == 0
    assert public.get(f"{setting.api}/stories/{story_id}")[0] == 404

    # The moderator sees the identifying details the computer found.
    status, queue = mo.get(f"{setting.staff}/moderation")
    assert status == 200 and [q["id"] for q in queue] == [story_id]
    assert queue[0]["identifying_count"] >= 2
    status, seen = mo.get(f"{setting.staff}/stories/{story_id}/moderation")
    assert status == 200
    found = {(d["kind"], d["text"]) for d in seen["identifying_details"]}
    assert ("phone", "07700 900123") in found and ("email", "jo.bloggs@example.com") in found
    for detail in seen["identifying_details"]:
        field = seen["edited"][detail["field"]]
        assert field[detail["start"]:detail["end"]] == detail["text"]

    # Publishing with details still in it needs the moderator to say they checked them.
    status, body = mo.post(f"{setting.staff}/stories/{story_id}/moderate", {
        "title": "Waiting in reception", "text": seen["edited"]["text"], "criticality": 3,
        "tag_ids": []})
    assert status == 200, body
    status, body = mo.post(f"{setting.staff}/stories/{story_id}/publish", {})
    assert status == 409 and "identifying_details_checked" in body["error"]["fields"]

    # The moderator removes them, rates and tags the story, and publishes it.
    tags = tag_ids(setting, *[t["name"] for t in mo.get(f"{setting.staff}/tags")[1][:1]])
    status, body = mo.post(f"{setting.staff}/stories/{story_id}/moderate", {
        "title": "Waiting in reception", "text": CLEANED,
        "what_was_good": "My keyworker listened.",
        "what_could_be_improved": "Tell people how long the wait is.",
        "criticality": 3, "tag_ids": tags})
    assert status == 200, body
    status, seen = mo.get(f"{setting.staff}/stories/{story_id}/moderation")
    assert seen["identifying_details"] == [] and seen["criticality"] == 3
    status, body = mo.post(f"{setting.staff}/stories/{story_id}/publish", {})
    assert status == 200, body

    # Exactly the matching subscriber is alerted.
    alerts = wait_for_alerts(sam, setting, story_id)
    assert len(alerts) == 1 and alerts[0]["title"] == "Waiting in reception"
    assert wait_for_alerts(hal, setting, story_id, timeout=1.0) == []
    status, _ = sam.post(f"{setting.staff}/inbox/{alerts[0]['id']}/read")
    assert status == 200
    assert sam.get(f"{setting.staff}/inbox")[1][0]["read_at"]

    # The public sees the moderated text only: no details, no criticality.
    status, listed = public.get(f"{setting.api}/stories?care_service_id={setting.riverside}")
    assert status == 200 and listed["total"] == 1
    shown = listed["stories"][0]
    assert shown["text"] == CLEANED and shown["care_services"][0]["name"] == (
        "Riverside Recovery Service")
    assert public.get(f"{setting.api}/stories?care_service_id={setting.hillside}")[1]["total"] == 0
    everything = json.dumps([listed, public.get(f"{setting.api}/stories/{story_id}")[1]])
    for secret in ("07700", "jo.bloggs", "John Smith", AUTHOR_EMAIL, "criticality"):
        assert secret not in everything

    # A responder answers, claiming a change: it waits for a moderator.
    status, response = rae.post(f"{setting.staff}/stories/{story_id}/responses", {
        "text": "Thank you for telling us. You were right.",
        "responder_title": "Service manager, Riverside", "change_status": "made",
        "change_description": "Reception now shows the waiting time on a board."})
    assert status == 201, response
    assert response["status"] == "pending"
    assert public.get(f"{setting.api}/stories/{story_id}")[1]["responses"] == []
    status, pending = mo.get(f"{setting.staff}/responses")
    assert [r["id"] for r in pending] == [response["id"]]
    status, body = mo.post(f"{setting.staff}/responses/{response['id']}/publish")
    assert status == 200, body

    status, shown = public.get(f"{setting.api}/stories/{story_id}")
    assert shown["status"] == "change_made"
    assert shown["responses"][0]["responder_title"] == "Service manager, Riverside"
    assert shown["responses"][0]["change_description"].startswith("Reception now shows")

    # The author is told (through identity: feedback never sees the address) ...
    assert emails_to(service_config["DATA_DIR"], AUTHOR_EMAIL)
    # ... follows the story with the tracking code, in a POST body, and confirms the change.
    status, mine = public.post("/api/v1/story-tracking", {"tracking_code": code})
    assert status == 200, mine
    assert mine["status"] == "change_made" and mine["awaiting_verdict"] == [response["id"]]
    assert "07700 900123" in mine["text"]  # the author sees what they wrote
    status, body = public.post("/api/v1/story-tracking/verdict", {
        "tracking_code": code, "response_id": response["id"], "verdict": "confirmed"})
    assert status == 200, body
    mine = public.post("/api/v1/story-tracking", {"tracking_code": code})[1]
    assert mine["awaiting_verdict"] == [] and mine["responses"][0]["author_verdict"] == "confirmed"
    assert public.post("/api/v1/story-tracking", {"tracking_code": "not-the-code"})[0] == 404

    # The care service's page counts the answer and the confirmed change.
    status, summary = public.get(
        f"{setting.api}/care-services/{setting.riverside}/feedback-summary")
    assert status == 200, summary
    assert (summary["stories_published"], summary["stories_responded"],
            summary["changes_made"], summary["changes_confirmed"]) == (1, 1, 1, 1)
    assert summary["response_rate"] == 1.0

    # A panel checks the change too: a council member records the panel's view; staff cannot.
    invite_and_register(setting.admin, setting.platform, service_config["DATA_DIR"], setting.org,
                        "cal@phoenix.example.org", "council_member", name="Cal")
    cal = Client(setting.platform).sign_in("cal@phoenix.example.org", PASSWORD)
    panel_url = f"{setting.staff}/responses/{response['id']}/panel-verdict"
    assert setting.people["sam"].post(panel_url, {"verdict": "confirmed"})[0] == 403
    assert cal.post(panel_url, {"verdict": "perhaps"})[0] == 422
    status, body = cal.post(panel_url, {"verdict": "confirmed", "note": "We saw the board."})
    assert status == 200 and body["panel_verdict"] == "confirmed", body
    assert cal.post(panel_url, {"verdict": "disputed"})[0] == 409
    shown = public.get(f"{setting.api}/stories/{story_id}")[1]["responses"][0]
    assert shown["panel_verdict"] == "confirmed" and "We saw the board" not in json.dumps(shown)


def test_moderators_are_told_of_a_new_story_and_see_how_many_wait(setting, service_config):
    """Seed 002's stream of postings only helps if someone reads them: the moderator is told
    (an alert, and a message through identity) and "To moderate" shows how many wait."""
    mo, sam = setting.people["mo"], setting.people["sam"]
    assert mo.get(f"{setting.staff}/moderation-count") == (200, {"stories": 0, "responses": 0})
    public = Client(setting.platform)
    status, received = public.post(f"{setting.api}/stories", story(setting))
    assert status == 201 and set(received) == {"story_id", "status", "tracking_code"}, received
    story_id = received["story_id"]

    [alert] = wait_for_alerts(mo, setting, story_id, kind="moderation")
    assert alert["title"] == "A new story to moderate" and alert["read_at"] is None
    deadline = time.monotonic() + 15
    while True:  # the email goes after commit, from the service's background sender
        found = [m for m in emails_to(service_config["DATA_DIR"], "mo@phoenix.example.org")
                 if m["Subject"] == "A new story is waiting to be moderated"]
        if found or time.monotonic() > deadline:
            break
        time.sleep(0.1)
    [message] = found
    text = message.get_content()
    assert f"/feedback/stories/{story_id}/moderate" in text
    assert "John Smith" not in text and "07700" not in text  # the words are not moderated yet
    # only moderators (here there is one) are told; other staff are not
    assert wait_for_alerts(sam, setting, story_id, kind="moderation", timeout=1.0) == []
    assert [m["Subject"] for m in emails_to(service_config["DATA_DIR"],
                                            "sam@phoenix.example.org")] == [
        m["Subject"] for m in emails_to(service_config["DATA_DIR"], "hal@phoenix.example.org")]
    assert mo.get(f"{setting.staff}/moderation-count") == (200, {"stories": 1, "responses": 0})
    assert sam.get(f"{setting.staff}/moderation-count")[0] == 403

    # the page's menu says how many wait
    status, html = mo.get(f"/admin/organisations/{setting.org}/feedback")
    assert status == 200
    assert "To moderate (1)" in html

    # once it is dealt with, the alert is no longer waiting
    status, body = mo.post(f"{setting.staff}/stories/{story_id}/reject",
                           {"reason": "It names members of staff."})
    assert status == 200, body
    [alert] = wait_for_alerts(mo, setting, story_id, kind="moderation")
    assert alert["read_at"] is not None
    assert mo.get(f"{setting.staff}/moderation-count") == (200, {"stories": 0, "responses": 0})
