"""The mystery-shopping pages in a real headless Chromium, checked with axe (WCAG 2.2 AA): a
coordinator adds shoppers and schedules a round (seed 000, Phoenix Futures); a council member
fills in the call form (errors linked to their fields, a draft kept, then submitted); another
does it with the keyboard alone on a 320 pixel wide screen; the coordinator closes the round and
reads the report, whose charts have their data tables, and the trends after a second round."""
import os
import urllib.error
import urllib.parse
import urllib.request
from datetime import UTC, date, datetime, timedelta

import pytest
from journeys import assert_accessible, create_admin, emails_to, error_summary_links, link_in, sign_in, unique

from tests.support.running import Client

PASSWORD = "mystery shopping password"
SHOTS = os.environ.get("MYSTERY_SCREENSHOTS")  # a folder to save screenshots in, if set
SHOPPER_NAMES = ("Alex Morgan", "Bea Shah", "Cal Reid")
YES_NO = ["answered-60s", "told-name-service", "asked-without-judgement", "self-referral",
          "waiting-time", "family-information", "crisis-numbers", "access-needs",
          "accurate-information", "follow-up"]


def shot(page, name):
    if SHOTS:
        os.makedirs(SHOTS, exist_ok=True)
        page.screenshot(path=os.path.join(SHOTS, f"{name}.png"), full_page=True)




def register_invitee(admin, site, site_data_dir, organisation_id, role, name="Shopper"):
    """Someone invited by email who registers through the API; returns (email, client)."""
    email = unique("shopper") + "@example.org"
    status, body = admin.post(f"/api/v1/organisations/{organisation_id}/invitations",
                              {"email": email, "name": name, "role": role})
    assert status == 202, body
    [message] = emails_to(site_data_dir, email, "invited")
    query = urllib.parse.parse_qs(urllib.parse.urlsplit(link_in(message, site)).query)
    token = next(iter(query.values()))[0]
    status, person = Client(site).post("/api/v1/auth/register", {
        "invitation": token, "name": name, "email": email, "password": PASSWORD,
        "consents": ["being_contacted"]})
    assert status == 201, person
    return email, Client(site).sign_in(email, PASSWORD)


@pytest.fixture(scope="module")
def phoenix(browser, site, site_data_dir):
    """Phoenix Futures with two services and three council members (the first uses the
    Sheffield service; the first two have agreed to be asked to mystery shop), and a coordinator
    signed in to the mystery-shopping pages."""
    email = unique("coordinator") + "@example.org"
    create_admin(site_data_dir, email, "Chris Coordinator", PASSWORD)
    admin = Client(site).sign_in(email, PASSWORD)
    status, organisation = admin.post("/api/v1/organisations",
                                      {"name": unique("Phoenix Futures ")})
    assert status == 201, organisation
    org = organisation["id"]
    services = {}
    for name in ("Sheffield Primary Care Addiction Service", "Phoenix Glasgow Residential"):
        status, body = admin.post(f"/api/v1/organisations/{org}/care-services",
                                  {"name": name, "kind": "addiction",
                                   "public_phone": "0114 000 0000"})
        assert status == 201, body
        services[name] = body["id"]
    shoppers = [register_invitee(admin, site, site_data_dir, org, "council_member", name)
                for name in SHOPPER_NAMES]
    for _, client in shoppers[:2]:  # the third says yes on their My account page, in the first test
        status, consent = client.put("/api/v1/me/consents", {"purpose": "mystery_shopping",
                                                              "given": True})
        assert status == 200 and consent["given"] is True, consent
    context = browser.new_context(locale="en-GB")
    page = context.new_page()
    sign_in(page, site, email, PASSWORD, path=f"/sign-in?next=/organisations/{org}/mystery-shopping")
    assert page.locator("h1").inner_text() == "Mystery shopping"
    yield {"page": page, "admin": admin, "org": org, "services": services, "shoppers": shoppers,
           "base": f"{site}/organisations/{org}/mystery-shopping",
           "api": f"/api/v1/organisations/{org}/mystery-shopping"}
    context.close()


def shopper_page(new_page, site, email, **options):
    page = new_page(**options)
    sign_in(page, site, email, PASSWORD)
    return page


def complete_call(yes, welcome, when):
    answers = {qid: "yes" if i < yes else "no" for i, qid in enumerate(YES_NO)}
    answers.update({"felt-welcome": welcome, "would-call-back": welcome,
                    "notes": "They took time to listen."})
    return {"called_at": when.isoformat(), "seconds_to_answer": 30, "answers": answers,
            "callback_promised": False}


def submit_all(phoenix, skip=()):
    """Every shopper submits their remaining calls through the API."""
    when = datetime.now(UTC) - timedelta(hours=3)
    for index, (_, client) in enumerate(phoenix["shoppers"]):
        status, mine = client.get(phoenix["api"] + "/my-assignments")
        assert status == 200, mine
        for assignment in mine:
            if assignment["id"] in skip or assignment["status"] == "recorded":
                continue
            status, body = client.post(f"{phoenix['api']}/assignments/{assignment['id']}/call",
                                       complete_call(8 - index, 3 + index % 3, when))
            assert status == 201, body


def test_seed_000_coordinator_shopper_and_report_pages(phoenix, site, new_page, browser):
    page, base = phoenix["page"], phoenix["base"]
    glasgow_id = phoenix["services"]["Phoenix Glasgow Residential"]  # first by name
    assert_accessible(page)

    # The roster: the first council member uses the Sheffield service.
    page.get_by_role("link", name="Shoppers").click()
    assert page.locator("h1").inner_text() == "Shoppers"
    assert_accessible(page)
    page.get_by_role("button", name="Add the shopper").click()
    assert error_summary_links(page) == [("Choose the council member or volunteer to add",
                                          "#person-id-q")]
    assert_accessible(page)
    add = page.locator("section[aria-labelledby='add']")
    assert "Only people who have agreed to be asked to mystery shop can be added" in add.inner_text()
    # Shoppers are chosen by name; the third council member, who has not yet agreed to be asked,
    # is shown apart, without a box to tick.
    assert "Cal Reid (Has not agreed to mystery shop yet)" in add.locator(
        ".picker__none").inner_text()
    assert page.get_by_label("Cal Reid").count() == 0
    assert page.locator("section[aria-labelledby='roster']").inner_text().count("Cal Reid") == 0
    # They say yes on their My account page.
    third_email, _third = phoenix["shoppers"][2]
    account = shopper_page(new_page, site, third_email)
    account.goto(f"{site}/account")
    account.get_by_role("button", name="I agree to: Being asked to mystery shop").click()
    choice = account.locator("ul.consents > li").filter(
        has=account.get_by_role("heading", name="Being asked to mystery shop"))
    assert "You have agreed" in choice.inner_text()
    page.get_by_role("link", name="Shoppers").click()
    # The search narrows the list by name, keeping the form as it is.
    page.get_by_label("Search by name").fill("bea")
    page.get_by_role("button", name="Search").click()
    assert page.get_by_label("Bea Shah").count() == 1 and page.get_by_label("Alex Morgan").count() == 0
    assert_accessible(page)
    page.get_by_label("Search by name").fill("")
    page.get_by_role("button", name="Search").click()
    for index, name in enumerate(SHOPPER_NAMES):
        page.get_by_label(name).check()
        if index == 0:
            page.get_by_label("Sheffield Primary Care Addiction Service").check()
        page.get_by_role("button", name="Add the shopper").click()
        assert page.get_by_role("status").inner_text() == "The shopper has been added."
    rows = page.locator("section[aria-labelledby='roster'] tbody tr")
    assert rows.count() == 3
    assert "Sheffield Primary Care" in rows.filter(has_text="Alex Morgan").inner_text()
    # everyone is on the list: no form to fill in for nothing
    assert "Everyone who can be added is on the list." in page.locator(
        "section[aria-labelledby='add']").inner_text()
    assert page.get_by_role("button", name="Add the shopper").count() == 0
    assert_accessible(page)
    shot(page, "shoppers")

    # The question sets, from the plugin.
    page.get_by_role("link", name="Question sets").click()
    assert_accessible(page)
    page.get_by_role("link", name="First contact with a service").first.click()
    assert "How welcome did you feel?" in page.locator("section[aria-labelledby='questions']"
                                                       ).inner_text()
    assert_accessible(page)

    # Scheduling: forgetting things is explained, then the round is scheduled.
    page.get_by_role("link", name="Rounds").click()
    page.get_by_role("link", name="Schedule a round").click()
    assert page.locator("h1").inner_text() == "Schedule a round"
    assert_accessible(page)
    page.get_by_label("Name of the round").fill("November and December")
    page.get_by_role("button", name="Schedule the round").click()
    assert page.title().startswith("Error: ")
    assert [href for _, href in error_summary_links(page)] == [
        "#round-question-set-id", "#round-starts-on", "#round-ends-on",
        f"#round-care-service-ids-{glasgow_id}"]
    assert page.get_by_label("Name of the round").input_value() == "November and December"
    assert_accessible(page)
    today = date.today()
    page.get_by_label("Question set").select_option(label="First contact with a service "
                                                          "(version 1)")
    for name in phoenix["services"]:
        page.get_by_label(name).check()
    page.get_by_label("First day of the round").fill((today - timedelta(days=7)).isoformat())  # picked
    page.get_by_label("Last day of the round").fill((today + timedelta(days=20)).isoformat())
    page.get_by_role("button", name="Schedule the round").click()
    assert page.locator("h1").inner_text() == "November and December"
    assert "calls have been shared out" in page.get_by_role("status").inner_text()
    assignments = page.locator("section[aria-labelledby='assignments'] tbody tr")
    assert assignments.count() == 4
    for row in assignments.all_inner_texts():
        assert not (row.startswith("Sheffield") and "Alex Morgan" in row)  # not their own service
    assert any(name in "".join(assignments.all_inner_texts()) for name in SHOPPER_NAMES)
    assert_accessible(page)
    shot(page, "round")
    round_url = page.url.split("?")[0]

    # The first council member records a call on the form.
    shopper = shopper_page(new_page, site, phoenix["shoppers"][0][0])
    shopper.goto(base + "/my-calls")
    assert shopper.locator("h1").inner_text() == "My calls"
    assert_accessible(shopper)
    shopper.locator(".mystery-calls a").first.click()
    assert shopper.locator("h1").inner_text() == "Record your call to Phoenix Glasgow Residential"
    brief = shopper.locator(".mystery-brief").inner_text()
    assert "Only what the service's public website says." in brief and "0114 000 0000" in brief
    assert_accessible(shopper)
    shot(shopper, "call-form")

    shopper.get_by_role("button", name="Submit the call record").click()
    links = error_summary_links(shopper)
    assert links[:3] == [("Enter the date of the call", "#called-on"),
                         ("Enter how many seconds it took them to answer", "#seconds-to-answer"),
                         ("Answer “Did they tell you their name and the name of the service?”",
                          "#q-told-name-service-0")]
    # "answered within 60 seconds?" is worked out from the seconds, never asked twice
    assert shopper.get_by_role("group", name="Was the call answered within 60 seconds?").count() == 0
    assert links[-1] == ("Say whether they promised to call you back", "#callback-promised-0")
    assert shopper.locator("#seconds-to-answer").get_attribute("aria-invalid") == "true"
    assert_accessible(shopper)
    shot(shopper, "call-form-errors")

    # A draft keeps what was given so far; a wrong time is pointed out.
    yesterday = (today - timedelta(days=1)).isoformat()
    shopper.get_by_label("Date of the call").fill(yesterday)
    shopper.get_by_label("Time of the call").fill("half ten")
    shopper.get_by_label("How many seconds did it take them to answer?").fill("45")
    shopper.get_by_role("group", name="How welcome did you feel?").get_by_label("4").check()
    shopper.get_by_role("button", name="Save draft").click()
    assert error_summary_links(shopper) == [("Enter the time of the call like 14:30",
                                             "#called-time")]
    assert shopper.get_by_label("How many seconds did it take them to answer?").input_value() == "45"
    assert_accessible(shopper)
    shopper.get_by_label("Time of the call").fill("10:30")
    shopper.get_by_role("button", name="Save draft").click()
    assert "Your draft has been saved" in shopper.get_by_role("status").inner_text()
    shopper.reload()
    assert shopper.get_by_label("Date of the call").input_value() == yesterday
    assert shopper.get_by_label("Time of the call").input_value() == "10:30"
    assert shopper.get_by_role("group", name="How welcome did you feel?").get_by_label(
        "4").is_checked()
    assert_accessible(shopper)

    # The rest, then submit.
    for qid in YES_NO[1:]:  # the first is worked out from the seconds
        shopper.locator(f"#q-{qid}-0").check()
    shopper.get_by_role("group", name="How likely would you be to call back?").get_by_label(
        "5 (highest)").check()
    shopper.get_by_label("In your own words, how did the call feel? (optional)").fill(
        "Warm and unhurried; they asked how I was.")
    shopper.get_by_role("group", name="Did they promise to call you back?").get_by_label(
        "No").check()
    shopper.get_by_role("button", name="Submit the call record").click()
    # it cannot be changed once sent, so a page says so first; the draft is kept meanwhile
    assert shopper.locator("h1").inner_text() == (
        "Send your record of the call to Phoenix Glasgow Residential?")
    assert_accessible(shopper)
    shot(shopper, "call-confirm")
    shopper.get_by_role("button", name="Send the call record").click()
    assert "Your call record has been sent" in shopper.get_by_role("status").inner_text()
    done = shopper.locator(".mystery-calls li", has_text="Phoenix Glasgow Residential").first
    assert "Call recorded" in done.inner_text()
    assert_accessible(shopper)

    # Everyone else's calls arrive; the coordinator closes the round and reads the report.
    submit_all(phoenix)
    page.goto(round_url)
    page.get_by_role("link", name="Close the round").click()
    assert page.locator("h1").inner_text() == "Close the round “November and December”?"
    assert_accessible(page)
    shot(page, "close-confirm")
    page.get_by_role("button", name="Close the round").click()
    assert page.locator("h1").inner_text() == "Report: November and December"
    assert "The round is closed" in page.get_by_role("status").inner_text()
    header = page.locator("section[aria-labelledby='by-service'] thead").inner_text()
    assert "Efficiency" in header and "Feeling" in header
    table = page.locator("section[aria-labelledby='by-service'] tbody tr")
    assert table.count() == 2
    glasgow = table.filter(has_text="Phoenix Glasgow Residential").inner_text().split("\t")
    assert glasgow[2].endswith("%") and glasgow[3].endswith("out of 5")
    chart = page.locator("section[aria-labelledby='by-service'] figure svg[role='img']")
    assert chart.count() == 1
    assert "Phoenix Glasgow Residential: efficiency" in chart.locator("desc").text_content()
    assert "Warm and unhurried" in page.locator("section[aria-labelledby='highlights']"
                                                ).inner_text()
    agreement = page.locator("section[aria-labelledby='agreement']").inner_text()
    assert "Krippendorff's alpha" in agreement and "1 means they always agreed" in agreement
    assert page.get_by_role("link", name="Download the report (PDF)").get_attribute(
        "href").endswith("/report.pdf")
    assert_accessible(page)
    shot(page, "report")

    # A second round gives trend lines, with their table.
    admin, api = phoenix["admin"], phoenix["api"]
    status, sets = admin.get(api + "/question-sets")
    set_id = next(s["id"] for s in sets if s["key"] == "involve.first-contact"
                  and not s.get("superseded"))
    status, second = admin.post(api + "/rounds", {
        "name": "January and February", "question_set_id": set_id,
        "care_service_ids": list(phoenix["services"].values()),
        "starts_on": (today - timedelta(days=2)).isoformat(),
        "ends_on": (today + timedelta(days=40)).isoformat()})
    assert status == 201, second
    submit_all(phoenix)
    assert admin.post(f"{api}/rounds/{second['id']}/close")[0] == 200
    page.goto(f"{base}/rounds/{second['id']}/report")
    trend = page.locator("section[aria-labelledby='trends']")
    assert trend.locator("svg[role='img']").count() == 1
    assert trend.locator("thead").inner_text().strip().split("\t")[1:] == ["November and December",
                                                                   "January and February"]
    assert trend.locator("tbody tr").count() == 2
    assert_accessible(page)
    shot(page, "report-trends")


def test_the_call_form_works_by_keyboard_alone_at_320_pixels(phoenix, site, browser):
    """The third council member, on a small screen, without a mouse."""
    base, admin, api = phoenix["base"], phoenix["admin"], phoenix["api"]
    today = date.today()
    status, sets = admin.get(api + "/question-sets")
    set_id = next(s["id"] for s in sets if s["key"] == "involve.first-contact"
                  and not s.get("superseded"))
    status, round_ = admin.post(api + "/rounds", {
        "name": unique("Keyboard round "), "question_set_id": set_id,
        "care_service_ids": list(phoenix["services"].values()), "calls_per_service": 2,
        "starts_on": (today - timedelta(days=3)).isoformat(),
        "ends_on": (today + timedelta(days=30)).isoformat()})
    assert status == 201, round_
    email, client = phoenix["shoppers"][2]
    mine = [a for a in client.get(api + "/my-assignments")[1] if a["round_id"] == round_["id"]]
    assert mine, "the third shopper was given no call"

    context = browser.new_context(viewport={"width": 320, "height": 640}, locale="en-GB")
    shopper = context.new_page()
    sign_in(shopper, site, email, PASSWORD)
    shopper.goto(f"{base}/my-calls/{mine[0]['id']}")
    assert shopper.evaluate("document.documentElement.scrollWidth") <= 320

    def tab_to(element_id, limit=40):
        for _ in range(limit):
            shopper.keyboard.press("Tab")
            if shopper.evaluate("document.activeElement.id") == element_id:
                return
        raise AssertionError(f"Tab never reached #{element_id}")

    tab_to("called-on")
    # the date picker's boxes: typing moves along them, in the order of the browser's language
    # (day first in a British one; this machine's Chromium may put the month first)
    yesterday = today - timedelta(days=1)
    shopper.keyboard.type(yesterday.strftime("%d%m%Y"))
    if shopper.locator("#called-on").input_value() != yesterday.isoformat():
        shopper.keyboard.press("Shift+Tab")
        shopper.keyboard.press("Shift+Tab")
        shopper.keyboard.type(yesterday.strftime("%m%d%Y"))
    assert shopper.locator("#called-on").input_value() == yesterday.isoformat()
    tab_to("called-time", limit=3)  # past the picker's calendar button
    shopper.keyboard.type("09:15")
    shopper.keyboard.press("Tab")
    shopper.keyboard.type("12")
    for qid in YES_NO[1:]:  # each yes/no group: Tab in, Space picks "Yes" (not the first,
        # "answered within 60 seconds?", which the seconds answer)
        shopper.keyboard.press("Tab")
        assert shopper.evaluate("document.activeElement.id") == f"q-{qid}-0"
        shopper.keyboard.press("Space")
    for qid in ("felt-welcome", "would-call-back"):  # a rating: arrows move along the scale
        shopper.keyboard.press("Tab")
        assert shopper.evaluate("document.activeElement.id") == f"q-{qid}-0"
        for _ in range(3):
            shopper.keyboard.press("ArrowRight")
        assert shopper.evaluate("document.activeElement.id") == f"q-{qid}-3"
    tab_to("callback-promised-0", limit=5)
    shopper.keyboard.press("ArrowDown")  # "No"
    assert shopper.locator("#callback-promised-1").is_checked()
    tab_to("callback-happened-0", limit=3)
    shopper.keyboard.press("Tab")
    shopper.keyboard.press("Tab")
    assert shopper.evaluate("document.activeElement.textContent") == "Submit the call record"
    assert shopper.evaluate("document.documentElement.scrollWidth") <= 320
    with shopper.expect_navigation():  # the next page (not the one loaded)
        shopper.keyboard.press("Enter")
    assert shopper.locator("h1").inner_text().startswith("Send your record of the call to ")
    assert shopper.evaluate("document.documentElement.scrollWidth") <= 320
    for _ in range(40):  # the confirmation page: Tab to its button, Enter sends
        shopper.keyboard.press("Tab")
        if shopper.evaluate("document.activeElement.textContent") == "Send the call record":
            break
    else:
        raise AssertionError("Tab never reached “Send the call record”")
    shot(shopper, "call-confirm-320")
    with shopper.expect_navigation():  # the next page (not the one loaded)
        shopper.keyboard.press("Enter")
    assert "Your call record has been sent" in shopper.get_by_role("status").inner_text()
    assert shopper.evaluate("document.documentElement.scrollWidth") <= 320
    shot(shopper, "my-calls-320")
    record = next(a for a in client.get(api + "/my-assignments")[1] if a["id"] == mine[0]["id"])
    assert record["status"] == "recorded"
    assert record["call"]["answers"]["felt-welcome"] == 4 and record["call"][
        "seconds_to_answer"] == 12
    context.close()
