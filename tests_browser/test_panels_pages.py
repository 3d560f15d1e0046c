"""The panels pages in a real headless Chromium, checked with axe (WCAG 2.2 AA), as the people
of seed 004 use them: the coordinator opens a student panel with questions in words (one of them
multi-choice), sets the quotas in words (50:50, 60:40 like the student body, at least 4 who used
each service), students register on the public page with their contact details, the coordinator
is asked before the draw and before inviting, is told when the selection has finished, invites
the panel, sees who said yes or no and replaces a decline; a student answers the invitation by
the link in the email and reads the public draw record with their reference highlighted.
Also: the volunteer's pages by keyboard only at 320 pixels, an impossible quota explained in
plain English with its suggested change taken in one click, and closing registration asked
first."""
import json
import os
import re
import time
import urllib.error
import urllib.request

import pytest
from journeys import assert_accessible, create_admin, emails_to, error_summary_links, link_in, unique

from tests.support.panels import SERVICES, seed004_multi_volunteers

PASSWORD = "panel coordinator password"
SHOTS = os.environ.get("PANELS_SCREENSHOTS")  # a folder to save screenshots in, if set

QUESTIONS = [("What is your gender?", "gender", ["woman", "man"], "One answer only"),
             ("What level are you studying at?", "level of study",
              ["postgraduate", "undergraduate"], "One answer only"),
             ("Which of these services have you used?", "services used", list(SERVICES),
              "As many answers as apply")]


def shot(page, name):
    if SHOTS:
        os.makedirs(SHOTS, exist_ok=True)
        page.screenshot(path=os.path.join(SHOTS, f"{name}.png"), full_page=True)


def fits(page, width):
    """No sideways scrolling of the page itself (wide tables scroll inside their own box); if
    there is, the elements reaching past the edge are named."""
    wide = page.evaluate("""w => [...document.querySelectorAll('body *')]
        .filter(e => e.getBoundingClientRect().right > w)
        .slice(0, 12).map(e => e.tagName + '.' + e.className + ' ' + e.id + ' '
                        + Math.round(e.getBoundingClientRect().right))""", width)
    assert page.evaluate("document.documentElement.scrollWidth") <= width, (page.url, wide)


def post_json(url, body):
    request = urllib.request.Request(url, data=json.dumps(body).encode(), method="POST",
                                     headers={"Content-Type": "application/json"})
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            return response.status, json.loads(response.read())
    except urllib.error.HTTPError as exc:
        return exc.code, json.loads(exc.read())


@pytest.fixture(scope="module")
def coordinator(browser, site, site_data_dir):
    """A platform administrator who has created an organisation and opened its panels page
    from the organisation page."""
    email = unique("coordinator") + "@example.org"
    create_admin(site_data_dir, email, "Chris Coordinator", PASSWORD)
    context = browser.new_context(locale="en-GB")
    page = context.new_page()
    page.goto(site + "/admin/organisations")
    page.get_by_label("Email address").fill(email)
    page.get_by_label("Password", exact=True).fill(PASSWORD)
    page.get_by_role("button", name="Sign in", exact=True).click()
    page.get_by_label("Name of the organisation").fill(unique("LSE Student Wellbeing "))
    page.get_by_label("What kind of organisation is it?").select_option("provider")
    page.get_by_role("button", name="Create the organisation").click()
    page.get_by_role("link", name="Panels", exact=True).click()
    assert page.locator("h1").inner_text() == "Panels"
    yield {"page": page, "url": page.url, "context": context, "email": email}
    context.close()


def fill_questions(page):
    for i, (text, name, answers, kind) in enumerate(QUESTIONS):
        block = page.locator("fieldset.question-block").nth(i)
        block.get_by_label("The question volunteers read").fill(text)
        block.get_by_label("A short name for it").fill(name)
        block.get_by_label("The answers they can choose, one on each line").fill(
            "\n".join(answers))
        block.get_by_label(kind).check()


def open_campaign(page, purpose, size="12"):
    """Open a campaign with the three seed 004 questions; lands on its quotas page."""
    page.get_by_label("What is the panel for?").fill(purpose)
    page.get_by_label("How many people should the panel have?").fill(size)
    fill_questions(page)
    page.get_by_role("button", name="Open the campaign").click()
    assert page.locator("h1").inner_text() == "Questions and quotas"
    return page.url.split("?")[0].rsplit("/quotas", 1)[0]


def set_seed004_quotas(page, at_least="4"):
    questions = page.locator(".quota-question")
    questions.nth(0).get_by_label("A share of the places, like 60:40").check()
    questions.nth(0).get_by_label("The share", exact=True).fill("50:50")
    questions.nth(1).get_by_label("A share of the places, like 60:40").check()
    questions.nth(1).get_by_label("The share", exact=True).fill("60:40")
    questions.nth(2).get_by_label("At least this many who ticked each answer").check()
    questions.nth(2).get_by_label("The number for each answer").fill(at_least)
    page.get_by_role("button", name="Save the quotas").click()


def register_through_api(site, campaign_id, people, start=0):
    for n, person in enumerate(people, start=start):
        contact = ({"name": f"Student {n}", "phone": f"020 7946 {n:04}"} if n % 3 == 2 else
                   {"name": f"Student {n}", "email": f"student{n}@example.org"})
        status, body = post_json(f"{site}/api/v1/panels/campaigns/{campaign_id}/registrations",
                                 dict(person, contact=contact))
        assert status == 201, body


def register_on_page(page, answers, name, email=None, phone=None, address=None):
    """A volunteer answers every question with the mouse and sends the form."""
    page.get_by_role("group", name="What is your gender?").get_by_label(
        answers["Gender"].capitalize(), exact=True).check()
    page.get_by_role("group", name="What level are you studying at?").get_by_label(
        answers["level of study"].capitalize(), exact=True).check()
    services = page.get_by_role("group", name="Which of these services have you used?")
    for service in answers["services used"]:
        services.get_by_label(service.capitalize(), exact=True).check()
    if address:
        page.get_by_label("Your home address (optional)").fill(address)
    page.get_by_label("Your name").fill(name)
    if email:
        page.get_by_label("Email address").fill(email)
    if phone:
        page.get_by_label("Phone number").fill(phone)
    page.get_by_label("I agree to you using my answers to choose the panel").check()
    page.get_by_label("You may contact me about this panel").check()
    page.get_by_role("button", name="Register my interest").click()


def test_seed_004_from_questions_in_words_to_an_invited_panel(coordinator, site, site_data_dir,
                                                              new_page):
    page = coordinator["page"]
    page.goto(coordinator["url"])
    assert_accessible(page)
    shot(page, "01-panels")

    # Forgetting everything: a summary linked to each field.
    page.get_by_role("button", name="Open the campaign").click()
    assert page.title().startswith("Error: ")
    assert [href for _, href in error_summary_links(page)] == [
        "#campaign-purpose", "#campaign-panel-size", "#campaign-q-0-name"]
    assert_accessible(page)
    # A panel of 100000 is told the real limit, and what was typed is kept.
    page.get_by_label("What is the panel for?").fill("Student panel")
    page.get_by_label("How many people should the panel have?").fill("100000")
    fill_questions(page)
    page.get_by_role("button", name="Open the campaign").click()
    assert error_summary_links(page) == [
        ("A panel can have from 1 to 10,000 places: enter a number in that range, like 12",
         "#campaign-panel-size")]
    assert page.locator("fieldset.question-block").nth(2).get_by_label(
        "The question volunteers read").input_value() == QUESTIONS[2][0]

    purpose = "Student Wellbeing Service Panel: shape student-facing services"
    page.get_by_label("How many people should the panel have?").fill("12")
    page.get_by_label("What is the panel for?").fill(purpose)
    page.get_by_role("button", name="Open the campaign").click()
    campaign_url = page.url.split("?")[0].rsplit("/quotas", 1)[0]
    campaign_id = campaign_url.rsplit("/", 1)[1]
    assert "The campaign is open" in page.get_by_role("status").first.inner_text()
    assert "Which of these services have you used?" in page.locator("main").inner_text()
    assert_accessible(page)
    shot(page, "02-quotas-new")

    # The quotas in words; a share that does not fit is named beside its question.
    questions = page.locator(".quota-question")
    questions.nth(1).get_by_label("A share of the places, like 60:40").check()
    questions.nth(1).get_by_label("The share", exact=True).fill("60")
    page.get_by_role("button", name="Save the quotas").click()
    [(message, href)] = error_summary_links(page)
    assert href == "#quotas-q-1-share" and "like 60:40" in message
    assert_accessible(page)
    set_seed004_quotas(page)
    assert page.get_by_role("status").first.inner_text() == "The quotas have been saved."
    words = page.locator("main").inner_text()
    assert "exactly 6" in words and "7 to 8" in words and "4 to 12" in words
    assert_accessible(page)
    shot(page, "03-quotas-saved")

    # Students register: 42 through the API, three on the public page.
    volunteers = seed004_multi_volunteers()
    register_through_api(site, campaign_id, volunteers[:42])
    page.goto(campaign_url)
    link = page.locator(".share-link a").inner_text()
    assert link == f"{site}/panels/{campaign_id}/register"
    assert_accessible(page)
    student = new_page()
    student.goto(link)
    assert student.locator("h1").inner_text() == "Register your interest in a panel"
    assert purpose in student.locator(".panel-purpose").inner_text()
    assert_accessible(student)
    shot(student, "04-register")
    student.get_by_role("button", name="Register my interest").click()
    links = error_summary_links(student)
    assert links[0] == ("Choose an answer for “What is your gender?”", "#answer-0-0")
    assert [href for _, href in links][2:] == ["#name", "#email", "#consent-to-selection",
                                               "#consent-to-contact"]
    assert_accessible(student)
    shot(student, "05-register-errors")
    register_on_page(student, volunteers[42]["answers"], "Student 42",
                     email="student42@example.org", address="42 Houghton Street")
    assert student.locator("h1").inner_text() == "Thank you, you have registered your interest"
    reference = student.locator(".reference code").inner_text()
    assert "we will email you a link" in student.locator("main").inner_text()
    assert_accessible(student)
    shot(student, "06-registered")
    draw_link = student.get_by_role("link", name="The public draw record for this panel")
    assert draw_link.get_attribute("href").endswith(f"#ref-{reference}")
    draw_link.click()
    assert student.locator("h1").inner_text() == "The draw has not happened yet"
    assert_accessible(student)
    for n in (43, 44):
        other = new_page()
        other.goto(link)
        register_on_page(other, volunteers[n]["answers"], f"Student {n}",
                         email=f"student{n}@example.org", address=f"{n} Houghton Street")
        assert other.locator("h1").inner_text() == "Thank you, you have registered your interest"

    # The quotas can be met.
    page.goto(campaign_url + "/quotas")
    page.get_by_role("button", name="Check the quotas").click()
    assert page.locator(".result--ok").inner_text().startswith("Yes.")
    assert_accessible(page)

    # Starting the draw asks first: registration is still open.
    page.get_by_role("link", name="Select the panel").first.click()
    assert page.get_by_label("LEXIMIN (recommended)").is_checked()
    assert_accessible(page)
    shot(page, "07-select")
    page.get_by_label("Seed (optional)").fill("twenty")
    page.get_by_role("button", name="Start the selection").click()
    assert error_summary_links(page) == [
        ("Enter the seed as a whole number, like 2024, or leave it empty", "#selection-seed")]
    page.get_by_label("Seed (optional)").fill("2024")
    page.get_by_role("button", name="Start the selection").click()
    assert page.locator("h1").inner_text() == ("Registration is still open. Close it and start "
                                               "the selection?")
    assert "chooses 12 people from the 45 who registered" in page.locator("main").inner_text()
    assert_accessible(page)
    shot(page, "08-start-question")
    page.get_by_role("button", name="Close registration and start the selection").click()
    assert page.locator("#selection-status").inner_text() in ("Waiting to start", "Running",
                                                              "Finished")
    assert_accessible(page)
    page.wait_for_selector("#panel", timeout=90_000)
    assert page.locator("#selection-status").inner_text() == "Finished"
    page.reload()
    members = page.locator("table.panel-members tbody tr")
    assert members.count() == 12
    assert_accessible(page)
    shot(page, "09-panel-chosen")

    # The coordinator is told, in their Involve messages (and by email).
    assert emails_to(site_data_dir, coordinator["email"], "Your panel selection has finished")
    messages = new_page(storage_state=coordinator["context"].storage_state())
    messages.goto(site + "/account/messages")
    assert "Your panel selection has finished" in messages.locator("main").inner_text()
    assert_accessible(messages)
    shot(messages, "10-coordinator-messages")

    # Inviting asks first, then shows where everyone stands.
    page.get_by_label("A note for the invitation (optional)").fill(
        "We first meet on 3 March at 5pm in the Saw Swee Hock Centre.")
    page.get_by_role("button", name="Invite the panel").click()
    assert page.locator("h1").inner_text() == "Invite the 12 people chosen?"
    assert "Invitations cannot be taken back." in page.locator("main").inner_text()
    assert_accessible(page)
    shot(page, "11-invite-question")
    page.get_by_role("button", name="Invite the panel").click()
    assert page.get_by_role("status").first.inner_text().startswith("The panel has been invited.")
    table = page.locator("table.panel-members").inner_text()
    assert re.search(r"Student \d+", table), "the administrator sees names"
    assert "Sent a link" in table or "Sending a link" in table
    assert_accessible(page)
    shot(page, "12-panel-invited")

    # Two chosen students answer by the link in their email: one yes, one no.
    invited = [m for n in range(45) if n % 3 != 2
               for m in emails_to(site_data_dir, f"student{n}@example.org",
                                  "You have been chosen", wait=0.1)]
    deadline = time.monotonic() + 20
    while len(invited) < 2:
        assert time.monotonic() < deadline, "fewer than two invitations were emailed"
        time.sleep(0.5)
        invited = [m for n in range(45) if n % 3 != 2
                   for m in emails_to(site_data_dir, f"student{n}@example.org",
                                      "You have been chosen", wait=0)]
    yes, no = (link_in(m, site).rstrip("?") for m in invited[:2])
    chosen = new_page()
    chosen.goto(yes)
    assert chosen.locator("h1").inner_text() == "You have been chosen for a panel"
    assert "We first meet on 3 March" in chosen.locator("main").inner_text()
    assert_accessible(chosen)
    shot(chosen, "13-invitation")
    chosen.get_by_role("button", name="Yes, I will take part").click()
    assert chosen.locator("h1").inner_text() == "Thank you: you will take part"
    assert_accessible(chosen)
    chosen.get_by_role("link", name="the public draw record").click()
    assert chosen.locator("h1").inner_text() == "Public draw record"
    highlighted = chosen.locator("tr:target")
    assert highlighted.count() == 1 and "Yes, chosen" in highlighted.inner_text()
    assert_accessible(chosen)
    shot(chosen, "14-draw-record")
    cannot = new_page()
    cannot.goto(no)
    cannot.get_by_role("link", name="No, I cannot take part").click()
    assert cannot.locator("h1").inner_text() == "Tell the organisers you cannot take part?"
    assert_accessible(cannot)
    shot(cannot, "15-decline-question")
    cannot.get_by_role("button", name="I cannot take part").click()
    assert cannot.locator("h1").inner_text() == "Thank you for letting us know"
    assert_accessible(cannot)

    # The coordinator sees who said yes and no, and that the decline was replaced.
    assert emails_to(site_data_dir, coordinator["email"], "A panel member cannot take part")
    page.reload()
    table = page.locator("table.panel-members").inner_text()
    assert "Will take part" in table and "Cannot take part" in table and "Replaced by" in table
    # A student who gave only a phone number: the coordinator phones and records the answer.
    phoned = page.locator("table.panel-members tbody tr", has_text="Contact them yourself by "
                                                                   "phone").first
    phoned.get_by_role("link", name=re.compile("^They said no")).click()
    assert page.locator("h1").inner_text().startswith("Record that ")
    assert_accessible(page)
    page.get_by_role("button", name="Record that they cannot take part").click()
    assert page.get_by_role("status").first.inner_text() == "Their answer has been recorded."
    assert page.locator("table.panel-members").inner_text().count("Replaced by") == 2
    assert_accessible(page)
    shot(page, "16-panel-answers")

    # The draw record as anyone reads it: no names, no contact details.
    anyone = new_page()
    anyone.goto(f"{site}/panels/{campaign_id}/draw#ref-{reference}")
    text = anyone.locator("main").inner_text()
    assert "Yes: the people chosen in this draw were invited" in text
    assert "services used: ticked “wellbeing”" in text
    assert not re.search(r"Student \d", text) and "example.org" not in text
    assert anyone.locator("tr:target").count() == 1
    json_link = anyone.get_by_role("link", name="Download the record (JSON)")
    assert json_link.get_attribute("href").endswith("/draw-record")  # the data stays available


def test_the_volunteers_pages_by_keyboard_at_320_pixels(coordinator, site, browser, new_page):
    page = coordinator["page"]
    page.goto(coordinator["url"])
    campaign_url = open_campaign(page, unique("Keyboard panel "))
    set_seed004_quotas(page, at_least="0")
    page.goto(campaign_url)
    link = page.locator(".share-link a").inner_text()

    context = browser.new_context(viewport={"width": 320, "height": 640}, locale="en-GB")
    volunteer = context.new_page()
    volunteer.goto(link)
    fits(volunteer, 320)
    assert_accessible(volunteer)
    shot(volunteer, "20-register-320")

    def tab_to(element_id, most=40):
        for _ in range(most):
            volunteer.keyboard.press("Tab")
            if volunteer.evaluate("document.activeElement.id") == element_id:
                return
        raise AssertionError(f"Tab never reached #{element_id}")

    tab_to("answer-0-0")
    volunteer.keyboard.press("Space")  # woman
    volunteer.keyboard.press("Tab")
    assert volunteer.evaluate("document.activeElement.id") == "answer-1-0"
    volunteer.keyboard.press("ArrowDown")  # undergraduate
    volunteer.keyboard.press("Tab")
    assert volunteer.evaluate("document.activeElement.id") == "answer-2-0"
    volunteer.keyboard.press("Space")  # wellbeing
    volunteer.keyboard.press("Tab")
    volunteer.keyboard.press("Tab")
    volunteer.keyboard.press("Space")  # disability
    tab_to("household-address")
    volunteer.keyboard.type("1 Houghton Street, London")
    tab_to("name")
    volunteer.keyboard.type("Sam Student")
    volunteer.keyboard.press("Tab")
    assert volunteer.evaluate("document.activeElement.id") == "email"
    volunteer.keyboard.type("sam.student@example.org")
    tab_to("consent-to-selection")
    volunteer.keyboard.press("Space")
    tab_to("consent-to-contact")
    volunteer.keyboard.press("Space")
    volunteer.keyboard.press("Tab")
    assert volunteer.evaluate("document.activeElement.textContent") == "Register my interest"
    with volunteer.expect_navigation():  # the next page (not the one loaded)
        volunteer.keyboard.press("Enter")
    assert volunteer.locator("h1").inner_text() == "Thank you, you have registered your interest"
    fits(volunteer, 320)
    assert_accessible(volunteer)
    shot(volunteer, "21-registered-320")
    # the draw record link, by keyboard
    for _ in range(60):
        volunteer.keyboard.press("Tab")
        if volunteer.evaluate("document.activeElement.textContent") == (
                "The public draw record for this panel"):
            break
    else:
        raise AssertionError("Tab never reached the draw record link")
    with volunteer.expect_navigation():  # the next page (not the one loaded)
        volunteer.keyboard.press("Enter")
    assert volunteer.locator("h1").inner_text() == "The draw has not happened yet"
    fits(volunteer, 320)
    assert_accessible(volunteer)

    # The coordinator's pages at 320 pixels too.
    narrow = context.browser.new_context(viewport={"width": 320, "height": 640},
                                         locale="en-GB",
                                         storage_state=coordinator["context"].storage_state())
    staff = narrow.new_page()
    for path, name in (("", "22-campaign-320"), ("/quotas", "23-quotas-320"),
                       ("/select", "24-select-320")):
        staff.goto(campaign_url + path)
        fits(staff, 320)
        assert_accessible(staff)
        shot(staff, name)
    # by keyboard: check the quotas from the quotas page
    staff.goto(campaign_url + "/quotas")
    for _ in range(120):
        staff.keyboard.press("Tab")
        if staff.evaluate("document.activeElement.textContent") == "Check the quotas":
            break
    else:
        raise AssertionError("Tab never reached “Check the quotas”")
    with staff.expect_navigation():  # the next page (not the one loaded)
        staff.keyboard.press("Enter")
    result = staff.locator("#feasibility + .result").inner_text()
    assert result.startswith("Not yet.")
    assert "Only 1 person has registered so far, and the panel has 12 places." in result
    fits(staff, 320)
    assert_accessible(staff)
    shot(staff, "25-check-320")
    staff.goto(campaign_url)
    assert "1 person has registered" in staff.locator("main").inner_text()
    narrow.close()
    context.close()


def test_impossible_quota_is_explained_and_the_change_is_one_click(coordinator, site, tmp_path):
    page = coordinator["page"]
    page.goto(coordinator["url"])
    campaign_url = open_campaign(page, unique("Impossible panel "))
    campaign_id = campaign_url.rsplit("/", 1)[1]
    set_seed004_quotas(page)
    # Minimums that add up to more than the panel: said in plain English.
    questions = page.locator(".quota-question")
    questions.nth(0).get_by_label("Numbers for each answer", exact=True).check()
    questions.nth(0).get_by_label("At least, for woman").fill("8")
    questions.nth(0).get_by_label("At least, for man").fill("8")
    questions.nth(0).get_by_label("At most, for woman").fill("12")
    questions.nth(0).get_by_label("At most, for man").fill("12")
    page.get_by_role("button", name="Save the quotas").click()
    assert error_summary_links(page)[0][0] == (
        "The minimums for “gender” add up to 16, but the panel has only 12 places. Lower some "
        "of them.")
    assert_accessible(page)
    shot(page, "30-quotas-error")
    page.reload()

    # A spreadsheet import with a bad row names it, and nothing is imported.
    volunteers = seed004_multi_volunteers()
    header = ["id", "name", "gender", "level of study"] + [
        f"services used: {s}" for s in SERVICES]
    rows = [",".join(header)]
    for n, person in enumerate(volunteers, start=1):
        a = person["answers"]
        rows.append(",".join([f"s{n}", f"Student {n}", a["Gender"], a["level of study"]]
                             + ["yes" if s in a["services used"] else "no" for s in SERVICES]))
    page.goto(campaign_url)
    columns = page.locator("section[aria-labelledby='import'] p code").all_inner_texts()
    assert columns[:2] == ["gender", "level of study"] and len(columns) == 6
    header[4:] = columns[2:]
    rows[0] = ",".join(header)
    bad = tmp_path / "bad.csv"
    bad.write_text("\n".join(rows[:3] + [rows[3].replace(",Woman,", ",Robot,")]) + "\n")
    page.get_by_label("The registrations (CSV file)").set_input_files(str(bad))
    page.get_by_label("Column with each person's id (optional)").fill("id")
    page.get_by_role("button", name="Import the registrations").click()
    [(message, href)] = error_summary_links(page)
    assert href == "#import-people-file" and "row 4" in message and "Nothing was imported" in message
    assert_accessible(page)
    good = tmp_path / "people.csv"
    good.write_text("\n".join(rows) + "\n")
    page.get_by_label("The registrations (CSV file)").set_input_files(str(good))
    page.get_by_label("Column with each person's id (optional)").fill("id")
    page.get_by_role("button", name="Import the registrations").click()
    assert page.get_by_role("status").first.inner_text() == "45 registrations imported."
    assert "Student 1" not in page.content()

    # At least 11 who used disability and 11 who used counselling: too many for 12 places.
    page.goto(campaign_url + "/quotas")
    questions = page.locator(".quota-question")
    questions.nth(2).get_by_label("Numbers for each answer", exact=True).check()
    for service in SERVICES:
        questions.nth(2).get_by_label(f"At least, for {service}").fill(
            "11" if service in ("disability", "counselling") else "4")
    page.get_by_role("button", name="Save the quotas").click()
    assert page.get_by_role("status").first.inner_text() == "The quotas have been saved."
    page.get_by_role("button", name="Check the quotas").click()
    result = page.locator(".result--problem").inner_text()
    assert result.startswith("No, not with the people registered so far.")
    assert "The smallest change that would make it possible:" in result
    assert "services used: ticked “" in result
    assert "=yes" not in result and "place(s)" not in result
    assert_accessible(page)
    shot(page, "31-quotas-impossible")
    page.locator(".suggested-changes button").first.click()
    assert "The quota has been changed." in page.get_by_role("status").first.inner_text()
    assert_accessible(page)

    # Closing registration asks first; then the public page says so plainly.
    page.goto(campaign_url)
    page.get_by_role("link", name="Close registration").click()
    assert page.locator("h1").inner_text().startswith("Close registration for")
    assert_accessible(page)
    page.get_by_role("button", name="Close registration").click()
    assert "Registration has closed" in page.get_by_role("status").first.inner_text()
    response = page.goto(f"{site}/panels/{campaign_id}/register")
    assert response.status == 410
    assert page.locator("h1").inner_text() == "Registration for this panel has closed"
    assert_accessible(page)


def test_unknown_campaign_is_a_plain_404(site, page):
    response = page.goto(site + "/panels/no-such-campaign/register")
    assert response.status == 404
    assert page.locator("h1").inner_text() == "We could not find this panel"
    assert_accessible(page)
