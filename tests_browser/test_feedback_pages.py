"""The feedback pages in a real headless Chromium, checked with axe (WCAG 2.2 AA): telling a
story on the public form (its error state too, and by keyboard alone at 320px), following it
with the tracking code, the moderation page with identifying details highlighted, and the public
story list showing a story with a <script> in it as plain text, and a panel checking a change.

They run on the shared platform (tests_browser/conftest.py), in an organisation of their own."""
import re

import pytest
from journeys import assert_accessible, create_admin, error_summary_links, sign_in, unique

from tests.support.running import Client

PASSWORD = "feedback moderator password"
PII_STORY = ("I waited two hours in reception. My keyworker John Smith was kind. Call me on "
             "07700 900123 or email jo.bloggs@example.com about it.")
SCRIPT = "<script>window.pwned = 1</script>"


@pytest.fixture(scope="module")
def organisation(platform):
    """A provider with two care services, made through the API by a platform administrator
    (who may also moderate)."""
    email = unique("moderator") + "@example.org"
    create_admin(platform.data_dir, email, "Mo Moderator", PASSWORD)
    admin = Client(platform.url).sign_in(email, PASSWORD)
    status, org = admin.post("/api/v1/organisations", {"name": unique("Phoenix Futures ")})
    assert status == 201, org
    services = {}
    for name in ("Riverside Recovery Service", "Hillside Alcohol Service"):
        status, body = admin.post(f"/api/v1/organisations/{org['id']}/care-services",
                                  {"name": name, "kind": "addiction"})
        assert status == 201, body
        services[name] = body["id"]
    return {"id": org["id"], "services": services, "admin": admin, "email": email,
            "site": platform.url}


def tell(organisation, **changes) -> dict:
    body = {"care_service_ids": [organisation["services"]["Riverside Recovery Service"]],
            "title": "Waiting in reception", "text": PII_STORY, "relationship": "carer"}
    body.update(changes)
    status, received = Client(organisation["site"]).post(
        f"/api/v1/organisations/{organisation['id']}/stories", body)
    assert status == 201, received
    return received


def publish(organisation, story_id, text):
    admin, base = organisation["admin"], f"/api/v1/organisations/{organisation['id']}/feedback"
    story = admin.get(f"{base}/stories/{story_id}/moderation")[1]["edited"]
    status, body = admin.post(f"{base}/stories/{story_id}/moderate", {
        "title": story["title"], "text": text, "criticality": 1, "tag_ids": []})
    assert status == 200, body
    status, body = admin.post(f"{base}/stories/{story_id}/publish",
                              {"identifying_details_checked": True})
    assert status == 200, body


def test_telling_a_story_on_the_public_form(organisation, page):
    site, org = organisation["site"], organisation["id"]
    page.goto(f"{site}/organisations/{org}/stories/new")
    assert page.locator("h1").inner_text() == "Tell your story"
    assert_accessible(page)

    # Sending nothing: a summary linked to each field, and the page still passes axe.
    page.get_by_role("button", name="Send my story").click()
    assert page.title().startswith("Error: ")
    hillside = organisation["services"]["Hillside Alcohol Service"]
    assert error_summary_links(page) == [
        ("Choose the care service your story is about", f"#care-service-ids-{hillside}"),
        ("Give your story a title", "#title"), ("Tell us your story", "#text"),
        ("Choose how you know the service", "#relationship-0")]
    assert_accessible(page)
    page.get_by_role("link", name="Tell us your story").click()
    assert page.evaluate("document.activeElement.id") == "text"

    page.get_by_label("Riverside Recovery Service").check()
    page.get_by_label("Give your story a title").fill("Waiting in reception")
    page.get_by_label("Your story", exact=True).fill(PII_STORY)
    page.get_by_label("What could be improved? (optional)").fill("Tell us how long the wait is.")
    page.get_by_label("I care for someone who uses it").check()
    page.get_by_label("Your email address (optional)").fill("not an email")
    page.get_by_role("button", name="Send my story").click()
    assert error_summary_links(page) == [
        ("Enter an email address in the right format, like name@example.com", "#email")]
    assert page.get_by_label("Riverside Recovery Service").is_checked()
    assert page.get_by_label("Your story", exact=True).input_value() == PII_STORY
    assert_accessible(page)
    page.get_by_label("Your email address (optional)").fill("story.author@example.net")
    page.get_by_role("button", name="Send my story").click()

    assert page.locator("h1").inner_text() == "Thank you for your story"
    code = page.locator(".reference code").inner_text()
    assert len(code) >= 8 and "only time we will show it" in page.locator("main").inner_text()
    assert_accessible(page)

    # Following it with the code (typed into a form, never in the address).
    page.get_by_role("link", name="your story", exact=True).click()
    page.get_by_label("Tracking code").fill(code)
    page.get_by_role("button", name="Show my story").click()
    assert code not in page.url
    assert page.locator("#story-status").inner_text() == "Received: waiting for a moderator"
    assert_accessible(page)


def test_the_story_form_by_keyboard_alone_at_320_pixels(organisation, browser):
    context = browser.new_context(viewport={"width": 320, "height": 640}, locale="en-GB")
    visitor = context.new_page()
    visitor.goto(f"{organisation['site']}/organisations/{organisation['id']}/stories/new")
    assert visitor.evaluate("document.documentElement.scrollWidth") <= 320
    hillside = organisation["services"]["Hillside Alcohol Service"]

    def focused():
        return visitor.evaluate("document.activeElement.id")

    for _ in range(30):
        visitor.keyboard.press("Tab")
        if focused() == f"care-service-ids-{hillside}":
            break
    else:
        raise AssertionError("Tab never reached the first care service")
    visitor.keyboard.press("Space")
    visitor.keyboard.press("Tab")  # Riverside: left unticked
    visitor.keyboard.press("Tab")
    assert focused() == "title"
    visitor.keyboard.type("Kind and quick")
    visitor.keyboard.press("Tab")
    assert focused() == "text"
    visitor.keyboard.type("They answered at once and explained the next steps.")
    visitor.keyboard.press("Tab")
    visitor.keyboard.press("Tab")
    assert focused() == "what-could-be-improved"
    visitor.keyboard.press("Tab")
    assert focused() == "relationship-0"
    visitor.keyboard.press("Space")
    visitor.keyboard.press("Tab")
    assert focused() == "email"
    visitor.keyboard.press("Tab")
    assert visitor.evaluate("document.activeElement.textContent") == "Send my story"
    assert visitor.evaluate("document.documentElement.scrollWidth") <= 320
    with visitor.expect_navigation():  # the next page (not the one loaded)
        visitor.keyboard.press("Enter")
    assert visitor.locator("h1").inner_text() == "Thank you for your story"
    assert visitor.evaluate("document.documentElement.scrollWidth") <= 320
    context.close()


def test_the_moderation_page_highlights_identifying_details(organisation, page):
    story_id = tell(organisation)["story_id"]
    site, org = organisation["site"], organisation["id"]
    sign_in(page, site, organisation["email"], PASSWORD,
            path=f"/sign-in?next=/admin/organisations/{org}/feedback/moderation")
    assert page.locator("h1").inner_text() == "Stories to moderate"
    assert_accessible(page)
    page.locator(f"a[href$='/stories/{story_id}/moderate']").click()
    assert page.locator("h1").inner_text() == "Moderate a story"
    marks = page.locator(".feedback-preview mark")
    texts = marks.all_inner_texts()
    assert "07700 900123 (possible phone number)" in texts
    assert "jo.bloggs@example.com (possible email address)" in texts
    assert_accessible(page)

    # Publishing with details left in needs the tick; the moderator removes them instead.
    page.get_by_role("button", name="Publish the story").click()
    assert page.title().startswith("Error: ")
    assert_accessible(page)
    page.get_by_label("The story", exact=True).fill(
        "I waited two hours in reception. My keyworker was kind.")
    page.get_by_label("5: severely critical").check()
    page.get_by_role("button", name="Save my edits").click()
    assert "Your edits have been saved." in page.get_by_role("status").first.inner_text()
    assert page.locator(".feedback-preview mark").count() == 0
    page.get_by_role("button", name="Publish the story").click()
    # a published story cannot be taken back: a page says what will happen first
    assert page.locator("h1").inner_text().startswith("Publish “")
    assert "It cannot be taken off the public page afterwards." in page.locator(
        "main").inner_text()
    assert_accessible(page)
    page.get_by_role("button", name="Publish the story").click()
    assert "The story has been published" in page.get_by_role("status").first.inner_text()
    assert_accessible(page)


def test_the_public_story_list_shows_a_script_as_text(organisation, page):
    fired = []
    page.on("dialog", lambda dialog: (fired.append(dialog.message), dialog.dismiss()))
    story_id = tell(organisation, title=f"Title {SCRIPT}", text=f"Story {SCRIPT} here.",
                    care_service_ids=[organisation["services"]["Hillside Alcohol Service"]])[
        "story_id"]
    publish(organisation, story_id, f"Story {SCRIPT} here.")
    site, org = organisation["site"], organisation["id"]
    page.goto(f"{site}/organisations/{org}/stories")
    assert page.get_by_role("heading", name=f"Title {SCRIPT}").count() == 1
    assert f"Story {SCRIPT} here." in page.locator("main").inner_text()
    assert page.evaluate("window.pwned") is None and fired == []
    assert_accessible(page)
    # filtered by care service, and the care service's own page
    page.get_by_label("Care service").select_option(label="Hillside Alcohol Service")
    page.get_by_role("button", name="Show stories").click()
    assert re.search(r"\b1 story\b", page.locator("#stories-found").inner_text())
    page.get_by_role("link", name="Hillside Alcohol Service").first.click()
    assert page.locator("h1").inner_text() == "Stories about Hillside Alcohol Service"
    assert "Response rate" in page.locator("main").inner_text()
    assert "critical" not in page.locator("main").inner_text().lower()
    assert page.evaluate("window.pwned") is None
    assert_accessible(page)


def test_subscribing_the_inbox_answering_and_the_author_confirming(organisation, page,
                                                                   new_page):
    site, org = organisation["site"], organisation["id"]
    staff = f"{site}/admin/organisations/{org}/feedback"
    sign_in(page, site, organisation["email"], PASSWORD,
            path=f"/sign-in?next=/admin/organisations/{org}/feedback/subscriptions")
    assert page.locator("h1").inner_text() == "Your subscriptions"
    assert_accessible(page)
    page.get_by_label("Riverside Recovery Service").check()
    page.get_by_role("button", name="Subscribe", exact=True).click()
    assert "You are now subscribed." in page.get_by_role("status").first.inner_text()
    assert_accessible(page)

    told = tell(organisation, title="Nobody said how long", text="I waited and waited.")
    publish(organisation, told["story_id"], "I waited and waited.")
    for _ in range(50):
        page.goto(f"{staff}/inbox")
        if page.get_by_role("link", name="Nobody said how long").count():
            break
        page.wait_for_timeout(200)
    assert "(unread)" in page.locator("main").inner_text()
    assert_accessible(page)
    page.get_by_role("link", name="Respond to “Nobody said how long”").click()
    assert page.locator("h1").inner_text() == "Respond to a story"
    assert_accessible(page)
    page.get_by_label("Your response").fill("Thank you. We now show the waiting time.")
    page.get_by_label("Your job title").fill("Service manager, Riverside")
    page.get_by_label("A change has been made").check()
    page.get_by_role("button", name="Send my response").click()
    assert page.title().startswith("Error: ")  # the change needs describing
    assert error_summary_links(page) == [("Describe the change", "#respond-change-description")]
    assert_accessible(page)
    page.get_by_label("What is the change? (if you are reporting one)").fill(
        "A board in reception shows the waiting time.")
    page.get_by_role("button", name="Send my response").click()
    assert page.locator("h1").inner_text() == "Your response is saved"
    page.goto(f"{staff}/moderation")
    page.get_by_role("link", name="Publish the response from Service manager, Riverside").click()
    assert page.locator("h1").inner_text() == (
        "Publish the response from Service manager, Riverside?")
    assert_accessible(page)
    page.get_by_role("button", name="Publish the response").click()
    assert "The response has been published." in page.get_by_role("status").first.inner_text()
    assert_accessible(page)

    author = new_page()
    author.goto(f"{site}/your-story")
    author.get_by_label("Tracking code").fill(told["tracking_code"])
    author.get_by_role("button", name="Show my story").click()
    assert author.locator("#story-status").inner_text() == "Answered: a change has been made"
    assert_accessible(author)
    author.get_by_role("button", name="Send my answer").click()
    assert error_summary_links(author) == [("Choose whether the change has happened",
                                            "#verdict-0-verdict-0")]
    assert_accessible(author)
    author.get_by_label("Yes, I can see this change").check()
    author.get_by_role("button", name="Send my answer").click()
    assert "We have recorded your answer" in author.get_by_role("status").first.inner_text()
    assert_accessible(author)
    author.goto(f"{site}/organisations/{org}/stories/{told['story_id']}")
    assert "The author confirmed this change" in author.locator("main").inner_text()

    # A panel checks the change too (the administrator may act for the panel here).
    page.goto(f"{staff}/changes")
    assert page.locator("h1").inner_text() == "Changes to check"
    assert_accessible(page)
    save = page.get_by_role("button", name="Save the panel's view of “Nobody said how long”")
    save.click()
    assert page.title().startswith("Error: ")
    assert [text for text, _ in error_summary_links(page)] == [
        "Say whether the change has happened"]
    assert_accessible(page)
    page.get_by_label("Yes, we checked and it has happened").check()
    page.get_by_role("button", name="Save the panel's view of “Nobody said how long”").click()
    assert "The panel's view is now shown" in page.get_by_role("status").first.inner_text()
    assert_accessible(page)
    author.goto(f"{site}/organisations/{org}/stories/{told['story_id']}")
    assert "A service user panel checked and confirmed this change" in author.locator(
        "main").inner_text()
