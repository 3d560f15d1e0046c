"""The feedback web pages over HTTP (the browser tests check them in Chromium with axe): the
public story form with its errors and its thank-you page, moderation with identifying details
highlighted, subscriptions, the inbox, answering, and the author following their story."""
import html
import re
from urllib.parse import urlencode

from tests.support.feedback import CLEANED, STORY_WITH_DETAILS, wait_for_alerts
from tests.support.running import Client

FORM = {"Content-Type": "application/x-www-form-urlencoded"}


def get(client, path):
    status, page = client.get(path)
    assert isinstance(page, str), page
    return status, page


def hidden(page, name):
    return html.unescape(re.search(rf'name="{name}" value="([^"]*)"', page).group(1))


def send(client, path, fields, token=None):
    """Post a page's form as a browser would (the session's or the form's CSRF token)."""
    items = list(fields.items()) if isinstance(fields, dict) else list(fields)
    items.append(("csrf_token", token if token is not None else client.csrf))
    status, page = client.request("POST", path, raw=urlencode(items).encode(), headers=FORM,
                                  csrf=False)
    return status, page


def summary_links(page):
    block = re.search(r'<div class="error-summary".*?</div>', page, re.S)
    return re.findall(r'<a href="([^"]+)">', block.group(0)) if block else []


def text_of(page):
    return html.unescape(re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", page)))


def test_telling_a_story_on_the_public_form(setting):
    visitor = Client(setting.platform)
    new = f"/organisations/{setting.org}/stories/new"
    status, page = get(visitor, new)
    assert status == 200
    assert "Riverside Recovery Service" in page and "Hillside Alcohol Service" in page
    assert "never published" in page and 'type="email"' in page
    token, form_id = hidden(page, "csrf_token"), hidden(page, "form_id")

    # Sending it empty: every problem is listed and linked to its field.
    status, page = send(visitor, new, {"form_id": form_id}, token)
    assert status == 422
    assert "<title>Error: Tell your story" in page
    # (the services are listed by name: Hillside comes first)
    assert summary_links(page) == [f"#care-service-ids-{setting.hillside}", "#title", "#text",
                                   "#relationship-0"]
    # A bad email is named; what was typed is kept.
    answers = [("care_service_ids", setting.riverside), ("title", "Waiting in reception"),
               ("text", STORY_WITH_DETAILS), ("relationship", "service_user"),
               ("email", "not-an-email"), ("form_id", form_id)]
    status, page = send(visitor, new, answers, token)
    assert status == 422 and summary_links(page) == ["#email"]
    assert 'value="Waiting in reception"' in page and "07700 900123" in page
    assert f'value="{setting.riverside}" checked' in page
    # Fixed: the thank-you page shows the tracking code once.
    answers[4] = ("email", "story.author@example.net")
    status, page = send(visitor, new, answers, token)
    assert status == 200 and "Thank you for your story" in page
    code = re.search(r'<p class="reference"><code>([^<]+)</code>', page).group(1)
    status, mine = visitor.post("/api/v1/story-tracking", {"tracking_code": code})
    assert status == 200 and mine["title"] == "Waiting in reception"
    # Sending the same form again (the back button) stores nothing new.
    status, page = send(visitor, new, answers, token)
    assert status == 409 and "already been sent" in page
    assert len(setting.people["mo"].get(f"{setting.staff}/moderation")[1]) == 1
    # Without the form's cookie the form has expired.
    status, page = send(Client(setting.platform), new, answers, token)
    assert status == 403 and len(setting.people["mo"].get(f"{setting.staff}/moderation")[1]) == 1


def test_moderating_answering_and_the_author_confirming_on_the_pages(setting):
    mo, sam, rae = setting.people["mo"], setting.people["sam"], setting.people["rae"]
    staff = f"/admin/organisations/{setting.org}/feedback"

    # Sam subscribes to Riverside on the subscriptions page.
    status, page = get(sam, f"{staff}/subscriptions")
    assert status == 200 and "Riverside Recovery Service" in page
    status, page = send(sam, f"{staff}/subscriptions", [
        ("care_service_ids", setting.riverside), ("min_criticality", "0"),
        ("delivery", "immediate")])
    assert status == 200 and "You are now subscribed." in page

    # A story arrives; the moderator sees it in the queue with its details highlighted.
    status, told = Client(setting.platform).post(f"/api/v1/organisations/{setting.org}/stories", {
        "care_service_ids": [setting.riverside], "title": "Waiting in reception",
        "text": STORY_WITH_DETAILS, "relationship": "carer"})
    assert status == 201
    story_id, code = told["story_id"], told["tracking_code"]
    status, page = get(mo, f"{staff}/moderation")
    assert status == 200 and f"{staff}/stories/{story_id}/moderate" in page
    status, page = get(mo, f"{staff}/stories/{story_id}/moderate")
    assert status == 200
    assert ('<mark class="feedback-pii">07700 900123<span class="feedback-pii__kind"> '
            "(possible phone number)</span></mark>") in page
    assert "(possible email address)" in page
    # Publishing needs a criticality first, then a tick that the details were checked.
    status, page = send(mo, f"{staff}/stories/{story_id}/publish", {"hold_days": ""})
    assert status == 409 and "Choose how critical the story is and save your edits first" in page
    status, page = send(mo, f"{staff}/stories/{story_id}/moderate", [
        ("title", "Waiting in reception"), ("text", STORY_WITH_DETAILS), ("criticality", "3")])
    assert status == 200 and "(possible phone number)" in page
    status, page = send(mo, f"{staff}/stories/{story_id}/publish", {"hold_days": ""})
    assert status == 409
    assert summary_links(page) == ["#publish-identifying-details-checked"]
    # The moderator removes the details, rates it and publishes it.
    status, page = send(mo, f"{staff}/stories/{story_id}/moderate", [
        ("title", "Waiting in reception"), ("text", CLEANED), ("criticality", "3")])
    assert status == 200 and "Your edits have been saved." in page
    assert "feedback-pii__kind" not in page and "3: moderately critical" in page
    status, page = send(mo, f"{staff}/stories/{story_id}/publish", {"hold_days": ""})
    # it asks first, saying what will happen; nothing is public yet
    assert status == 200 and "Publish “Waiting in reception”?" in page
    assert "It cannot be taken off the public page afterwards." in text_of(page)
    assert mo.get(f"/api/v1/organisations/{setting.org}/stories")[1]["total"] == 0
    status, page = send(mo, f"{staff}/stories/{story_id}/publish",
                        {"hold_days": "0", "identifying_details_checked": "", "confirmed": "yes"})
    assert status == 200 and "The story has been published." in page

    # Sam's inbox has the alert.
    assert wait_for_alerts(sam, setting, story_id)
    status, page = get(sam, f"{staff}/inbox")
    assert status == 200 and "Waiting in reception" in page and "(unread)" in page

    # The responder answers, reporting a change; the moderator publishes the response.
    status, page = get(rae, f"{staff}/stories/{story_id}/respond")
    assert status == 200 and CLEANED[:40] in page
    status, page = send(rae, f"{staff}/stories/{story_id}/respond", [
        ("text", "Thank you. You were right."), ("responder_title", "Service manager"),
        ("change_status", "made"), ("change_description", "")])
    assert status == 422 and summary_links(page) == ["#respond-change-description"]
    status, page = send(rae, f"{staff}/stories/{story_id}/respond", [
        ("text", "Thank you. You were right."), ("responder_title", "Service manager"),
        ("change_status", "made"), ("change_description", "We show the waiting time.")])
    assert status == 200 and "A moderator will check it" in page
    status, page = get(mo, f"{staff}/moderation")
    response_id = re.search(rf"{staff}/responses/([0-9a-f-]+)/publish", page).group(1)
    status, page = send(mo, f"{staff}/responses/{response_id}/publish", {})
    assert status == 200 and "Publish the response from Service manager?" in page
    status, page = send(mo, f"{staff}/responses/{response_id}/publish", {"confirmed": "yes"})
    assert status == 200 and "The response has been published." in page

    # The public story page shows the answer and the change.
    status, page = get(Client(setting.platform),
                       f"/organisations/{setting.org}/stories/{story_id}")
    words = text_of(page)
    assert "Response from Service manager" in words
    assert "A change has been made: We show the waiting time." in words
    assert "07700" not in words and "critical" not in words

    # The author follows the story with the code and confirms the change.
    author = Client(setting.platform)
    status, page = get(author, "/your-story")
    token = hidden(page, "csrf_token")
    status, page = send(author, "/your-story", {"tracking_code": "wrong"}, token)
    assert status == 404 and summary_links(page) == ["#tracking-code"]
    status, page = send(author, "/your-story", {"tracking_code": code}, token)
    assert status == 200 and "Answered: a change has been made" in page
    assert "07700 900123" in page  # their own words, shown only to them
    status, page = send(author, "/your-story/verdict", [
        ("tracking_code", code), ("response_id", response_id)], token)
    assert status == 422 and summary_links(page) == ["#verdict-0-verdict-0"]
    status, page = send(author, "/your-story/verdict", [
        ("tracking_code", code), ("response_id", response_id), ("verdict", "confirmed")], token)
    assert status == 200 and "We have recorded your answer" in page
    assert "You said: this change has happened." in text_of(page)
    status, page = get(Client(setting.platform),
                       f"/organisations/{setting.org}/care-services/{setting.riverside}/stories")
    words = text_of(page)
    assert "Response rate 100%" in words and "Changes confirmed by the author 1" in words


def test_staff_pages_need_the_right_role(setting):
    staff = f"/admin/organisations/{setting.org}/feedback"
    status, page = get(setting.people["sam"], f"{staff}/moderation")
    assert status == 403
    status, page = get(setting.people["sam"], f"{staff}/stories/x/respond")
    assert status == 403
    visitor = Client(setting.platform)
    status, page = get(visitor, f"{staff}/inbox")
    assert status == 200 and "<h1>Sign in</h1>" in page  # sent to the sign-in page


def test_a_story_told_for_someone_is_recorded_as_assisted(setting):
    sam = setting.people["sam"]  # staff may tell a story on someone's behalf
    new = f"/admin/organisations/{setting.org}/feedback/stories/new"
    status, page = get(sam, new)
    assert status == 200 and "<h1>Tell a story for someone</h1>" in page
    form_id = hidden(page, "form_id")
    answers = [("care_service_ids", setting.hillside), ("title", "Told with help"),
               ("text", "They helped me write this down."), ("relationship", "service_user"),
               ("form_id", form_id)]
    status, page = send(sam, new, answers, token="wrong")
    assert status == 403  # the session's CSRF token is needed
    status, page = send(sam, new, answers)
    assert status == 200 and "The story has been sent" in page
    assert "Give it to the person whose story this is" in page
    queue = setting.people["mo"].get(f"{setting.staff}/moderation")[1]
    assert [q["title"] for q in queue] == ["Told with help"]
    seen = setting.people["mo"].get(f"{setting.staff}/stories/{queue[0]['id']}/moderation")[1]
    assert seen["assisted"] is True
    status, page = get(Client(setting.platform), new)
    assert "<h1>Sign in</h1>" in page


def test_a_rejected_story_tells_the_author_why(setting):
    mo = setting.people["mo"]
    staff = f"/admin/organisations/{setting.org}/feedback"
    status, told = Client(setting.platform).post(f"/api/v1/organisations/{setting.org}/stories", {
        "care_service_ids": [setting.riverside], "title": "About my neighbour",
        "text": "This is about my neighbour, not a service.", "relationship": "service_user"})
    assert status == 201
    status, page = send(mo, f"{staff}/stories/{told['story_id']}/reject", {"reason": ""})
    assert status == 422 and summary_links(page) == ["#reject-reason"]
    reason = "Stories need to be about care you (or someone close to you) received <here>."
    status, page = send(mo, f"{staff}/stories/{told['story_id']}/reject", {"reason": reason})
    assert status == 200 and "Reject “About my neighbour”?" in page
    assert "This cannot be undone." in page and hidden(page, "reason") == reason
    assert len(mo.get(f"{setting.staff}/moderation")[1]) == 1  # not yet
    status, page = send(mo, f"{staff}/stories/{told['story_id']}/reject",
                        {"reason": reason, "confirmed": "yes"})
    assert status == 200 and "The story has been rejected." in page
    assert mo.get(f"{setting.staff}/moderation")[1] == []
    assert Client(setting.platform).get(
        f"/api/v1/organisations/{setting.org}/stories/{told['story_id']}")[0] == 404
    author = Client(setting.platform)
    token = hidden(get(author, "/your-story")[1], "csrf_token")
    status, page = send(author, "/your-story", {"tracking_code": told["tracking_code"]}, token)
    assert status == 200 and "Not published" in page
    assert html.escape(reason, quote=False) in page


def test_moderators_add_tags_on_the_moderation_page(setting):
    mo = setting.people["mo"]
    staff = f"/admin/organisations/{setting.org}/feedback"
    status, page = send(mo, f"{staff}/tags", {"name": "Waiting times", "group": ""})
    assert status == 422 and summary_links(page) == ["#tag-group", "#tag-sentiment-0"]
    status, page = send(mo, f"{staff}/tags", {"name": "Waiting times", "group": "Access",
                                              "sentiment": "negative"})
    assert status == 200 and "The tag has been added." in page
    assert "<td>Waiting times</td><td>Access</td><td>negative</td>" in page
    status, tags = Client(setting.platform).get(f"/api/v1/organisations/{setting.org}/story-tags")
    assert {"name": "Waiting times", "group": "Access", "sentiment": "negative"} in tags
    assert send(setting.people["sam"], f"{staff}/tags", {"name": "x", "group": "y",
                                                         "sentiment": "neutral"})[0] == 403


def test_a_council_member_checks_a_claimed_change_for_the_panel(setting, service_config):
    """The 'Changes to check' page: a panel member says whether a claimed change happened; the
    public story shows the panel's view, and the note stays with staff."""
    from tests.support.accounts import PASSWORD, invite_and_register
    from tests.support.feedback import moderate_and_publish, submit

    story_id = submit(setting)["story_id"]
    moderate_and_publish(setting, story_id)
    status, response = setting.people["rae"].post(
        f"{setting.staff}/stories/{story_id}/responses", {
            "text": "Thank you. We have changed this.", "responder_title": "Service manager",
            "change_status": "made", "change_description": "A waiting-time board in reception."})
    assert status == 201, response
    assert setting.people["mo"].post(f"{setting.staff}/responses/{response['id']}/publish")[0] == 200
    invite_and_register(setting.admin, setting.platform, service_config["DATA_DIR"], setting.org,
                        "cara@phoenix.example.org", "council_member", name="Cara")
    cara = Client(setting.platform).sign_in("cara@phoenix.example.org", PASSWORD)
    pages = f"/admin/organisations/{setting.org}/feedback"

    assert get(setting.people["sam"], pages + "/changes")[0] == 403  # staff are not the panel
    status, page = get(cara, pages + "/changes")
    assert status == 200 and "A waiting-time board in reception." in page
    action = f"{pages}/responses/{response['id']}/panel-verdict"
    status, page = send(cara, action, {"note": "x" * 1001})
    assert status == 422
    assert summary_links(page) == [f"#check-{response['id']}-verdict-0",
                                   f"#check-{response['id']}-note"]
    status, page = send(cara, action, {"verdict": "disputed",
                                       "note": "The board is switched off."})
    assert status == 200  # back on the list (the redirect is followed)
    assert "The panel's view is now shown" in text_of(page)
    assert "There are no changes waiting to be checked." in text_of(page)
    status, public = get(Client(setting.platform),
                         f"/organisations/{setting.org}/stories/{story_id}")
    assert "A service user panel checked and says this change has not happened" in text_of(public)
    assert "switched off" not in public
