"""The panels pages in a real headless Chromium, checked with axe (WCAG 2.2 AA): the seed 004
student panel from opening the campaign to the finished selection and a replacement, volunteers
registering on the public page (also by keyboard and at 320px), an impossible quota explained in
plain English, and form errors with a linked summary."""
import json
import os
import re
import time
import urllib.error
import urllib.request

import pytest

from journeys import assert_accessible, create_admin, error_summary_links, unique
from tests.panels_service.helpers import SERVICES, seed004_volunteers

PASSWORD = "panel coordinator password"
SHOTS = os.environ.get("PANELS_SCREENSHOTS")  # a folder to save screenshots in, if set

SEED004_CATEGORIES = "\n".join(
    ["feature,value,min,max", "gender,woman,6,6", "gender,man,6,6",
     "level of study,postgraduate,7,8", "level of study,undergraduate,4,5"]
    + [f"used {s},{v}" for s in SERVICES for v in ("yes,4,12", "no,0,12")])


def shot(page, name):
    if SHOTS:
        os.makedirs(SHOTS, exist_ok=True)
        page.screenshot(path=os.path.join(SHOTS, f"{name}.png"), full_page=True)


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
    page.get_by_role("link", name="Panels: choose people fairly for a panel").click()
    assert page.locator("h1").inner_text() == "Panels"
    yield {"page": page, "url": page.url, "context": context}
    context.close()


def open_campaign(page, purpose, categories, size="12"):
    page.get_by_label("What is the panel for?").fill(purpose)
    page.get_by_label("How many people should the panel have?").fill(size)
    page.get_by_label("Categories and quotas").fill(categories)
    page.get_by_role("button", name="Open the campaign").click()
    assert page.locator("h1").inner_text() == purpose
    return page.url.split("?")[0]


def register_on_page(page, answers, address=None):
    """A volunteer answers every question with the mouse and sends the form."""
    for question, answer in answers.items():
        group = page.get_by_role("group", name=question[:1].upper() + question[1:], exact=True)
        group.get_by_label(answer[:1].upper() + answer[1:].lower(), exact=True).check()
    if address:
        page.get_by_label("Your home address (optional)").fill(address)
    page.get_by_label("I agree to you using my answers to choose the panel").check()
    page.get_by_role("button", name="Register my interest").click()


def test_seed_004_panel_from_campaign_to_finished_selection(coordinator, site, new_page):
    page = coordinator["page"]
    page.goto(coordinator["url"])
    assert_accessible(page)

    # Forgetting everything: a summary linked to each field.
    page.get_by_role("button", name="Open the campaign").click()
    assert page.title().startswith("Error: ")
    assert [href for _, href in error_summary_links(page)] == [
        "#campaign-purpose", "#campaign-panel-size", "#campaign-categories-csv"]
    assert_accessible(page)
    # A broken row is named.
    page.get_by_label("What is the panel for?").fill("Student panel")
    page.get_by_label("How many people should the panel have?").fill("12")
    page.get_by_label("Categories and quotas").fill("feature,value,min,max\ngender,woman,six,6")
    page.get_by_role("button", name="Open the campaign").click()
    assert error_summary_links(page) == [
        ("Row 2: min must be a whole number, like 4", "#campaign-categories-csv")]
    assert page.get_by_label("What is the panel for?").input_value() == "Student panel"

    purpose = "Student Wellbeing Service Panel: shape student-facing services"
    campaign_url = open_campaign(page, purpose, SEED004_CATEGORIES)
    assert "The campaign is open" in page.get_by_role("status").first.inner_text()
    rows = page.locator("section[aria-labelledby='quotas'] tbody tr")
    assert rows.count() == 12
    assert rows.nth(2).inner_text().split("\t") == ["level of study", "postgraduate", "7", "8"]
    assert_accessible(page)
    link = page.locator(".share-link a").inner_text()
    campaign_id = link.split("/")[-2]
    assert link == f"{site}/panels/{campaign_id}/register"

    # 43 students register through the public API, two on the public page.
    volunteers = seed004_volunteers()
    for person in volunteers[:43]:
        status, body = post_json(f"{site}/api/v1/panels/campaigns/{campaign_id}/registrations",
                                 person)
        assert status == 201, body
    student = new_page()
    student.goto(link)
    assert student.locator("h1").inner_text() == "Register your interest in a panel"
    assert purpose in student.locator(".panel-purpose").inner_text()
    assert "not store your address" in student.locator("main").inner_text()
    assert_accessible(student)
    shot(student, "register")
    student.get_by_role("button", name="Register my interest").click()
    links = error_summary_links(student)
    assert links[0] == ("Choose an answer for “Gender”", "#answer-0-0")
    assert links[-1][1] == "#consent-to-selection"
    assert len(links) == 7
    assert_accessible(student)
    register_on_page(student, volunteers[43]["answers"], volunteers[43]["household_address"])
    assert student.locator("h1").inner_text() == "Thank you, you have registered your interest"
    reference = student.locator(".reference code").inner_text()
    assert re.fullmatch(r"[0-9a-f-]{36}", reference)
    assert_accessible(student)
    student.goto(link)
    register_on_page(student, volunteers[44]["answers"], volunteers[44]["household_address"])
    assert student.locator("h1").inner_text() == "Thank you, you have registered your interest"

    # The quotas can be met.
    page.goto(campaign_url)
    assert "45 people have registered" in page.locator("#registrations + p").inner_text()
    page.get_by_role("button", name="Check the quotas").click()
    assert page.locator(".result--ok").inner_text().startswith("Yes.")
    assert "from the 45 people who registered" in page.locator(".result--ok").inner_text()
    assert_accessible(page)
    shot(page, "campaign")

    # A bad seed is refused beside the field; then LEXIMIN (the default) with a seed.
    assert page.get_by_label("LEXIMIN (recommended)").is_checked()
    page.get_by_label("Seed (optional)").fill("twenty")
    page.get_by_role("button", name="Start the selection").click()
    assert error_summary_links(page) == [
        ("Enter the seed as a whole number, like 2024, or leave it empty", "#selection-seed")]
    assert_accessible(page)
    page.get_by_label("Seed (optional)").fill("2024")
    page.get_by_role("button", name="Start the selection").click()
    assert page.locator("h1").inner_text() == "Panel selection"
    # A worker process takes a moment to start, so the page first shows the selection running:
    # the bar, a way to check and Cancel.
    assert page.locator("#selection-status").inner_text() in ("Waiting to start", "Running")
    assert page.get_by_role("button", name="Cancel the selection").is_visible()
    assert page.get_by_label("How far the selection has got").count() == 1
    assert page.locator("[aria-live='polite']").count() == 1
    assert_accessible(page)
    shot(page, "selection-running")
    # The page script polls the status API and shows the result when it is done.
    page.wait_for_selector("#panel", timeout=60_000)
    assert page.locator("#selection-status").inner_text() == "Finished"
    members = page.locator("section[aria-labelledby='panel'] tbody tr")
    assert members.count() == 12
    for i in range(12):
        assert re.fullmatch(r"\d+\.\d%", members.nth(i).locator("td").nth(1).inner_text())
    chart = page.locator("figure.chart svg[role='img']")
    assert chart.count() == 1
    assert "volunteers, 12 places" in chart.locator("desc").text_content()
    quotas = page.locator("section[aria-labelledby='quota-check'] tbody tr")
    assert quotas.count() == 12
    assert all(r.split("\t")[-1] == "Yes" for r in quotas.all_inner_texts())
    assert page.locator("section[aria-labelledby='chances'] tbody tr").count() == 45
    fairness = page.locator("section[aria-labelledby='fairness'] dl").inner_text()
    assert "Lowest chance" in fairness and "Gini coefficient" in fairness
    assert_accessible(page)
    shot(page, "selection-done")
    record = page.get_by_role("link", name="public draw record").get_attribute("href")
    with urllib.request.urlopen(site + record, timeout=10) as response:
        assert json.loads(response.read())["record"]["seed"] == 2024

    # Someone drops out: forgetting to say who is explained; then a replacement keeps quotas.
    page.get_by_role("button", name="Find a replacement").click()
    assert error_summary_links(page) == [("Choose the panel member who dropped out",
                                          "#replace-dropped-id")]
    assert_accessible(page)
    dropped = members.first.locator("code").inner_text()
    page.get_by_label("Who dropped out?").select_option(dropped)
    page.get_by_role("button", name="Find a replacement").click()
    notice = page.get_by_role("status").first.inner_text()
    assert notice.startswith(f"{dropped} has been replaced by ") or "Nobody could" in notice
    assert all(r.split("\t")[-1] == "Yes" for r in page.locator(
        "section[aria-labelledby='quota-check'] tbody tr").all_inner_texts())
    assert_accessible(page)

    # Without JavaScript: the running explanation and "Check progress" work the same.
    page.goto(campaign_url)
    page.get_by_label("MAXIMIN", exact=True).check()
    page.get_by_role("button", name="Start the selection").click()
    selection_url = page.url
    plain = new_page(java_script_enabled=False,
                     storage_state=coordinator["context"].storage_state())
    plain.goto(selection_url)
    deadline = time.monotonic() + 60
    while plain.locator("#panel").count() == 0:
        assert time.monotonic() < deadline, "the selection did not finish"
        assert "does not update by itself" in plain.locator("main").inner_text()
        plain.get_by_role("link", name="Check progress").click()
    assert plain.locator("section[aria-labelledby='panel'] tbody tr").count() == 12

    # Cancelling a selection that has just started.
    page.goto(campaign_url)
    page.get_by_role("button", name="Start the selection").click()
    plain.goto(page.url)
    plain.get_by_role("button", name="Cancel the selection").click()
    deadline = time.monotonic() + 30
    while plain.locator("#selection-status").inner_text() != "Cancelled":
        assert time.monotonic() < deadline, "the selection was not cancelled"
        time.sleep(0.3)
        plain.reload()
    assert "Nobody was chosen" in plain.locator("main").inner_text()
    page.goto(plain.url)  # axe needs JavaScript: check the cancelled page in the other browser
    assert page.locator("#selection-status").inner_text() == "Cancelled"
    assert_accessible(page)


def test_impossible_quota_is_explained_and_imports_name_the_bad_row(coordinator, tmp_path):
    page = coordinator["page"]
    page.goto(coordinator["url"])
    impossible = SEED004_CATEGORIES.replace("used counselling,yes,4,12",
                                            "used counselling,yes,7,12").replace(
        "used counselling,no,0,12", "used counselling,no,6,12")
    open_campaign(page, unique("Impossible panel "), impossible)

    header = ["id", "name", "gender", "level of study"] + [f"used {s}" for s in SERVICES]
    rows = [",".join(header)]
    for n, person in enumerate(seed004_volunteers(), start=1):
        a = person["answers"]
        rows.append(",".join([f"s{n}", f"Student {n}", a["Gender"], a["level of study"]]
                             + [a[f"used {s}"] for s in SERVICES]))
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

    page.get_by_role("button", name="Check the quotas").click()
    result = page.locator(".result--problem").inner_text()
    assert result.startswith("No, not with the people registered so far.")
    assert "used counselling" in result
    assert "The smallest change that would make it possible:" in result
    assert re.search(r"used counselling = (yes|no): lower the minimum", result)
    assert_accessible(page)

    # Closing registration: the public page says so plainly.
    page.get_by_role("button", name="Close registration").click()
    assert "Registration has closed" in page.get_by_role("status").first.inner_text()
    campaign_id = page.url.split("?")[0].rsplit("/", 1)[1]
    response = page.goto(page.url.split("/admin/")[0] + f"/panels/{campaign_id}/register")
    assert response.status == 410
    assert page.locator("h1").inner_text() == "Registration for this panel has closed"
    assert_accessible(page)


def test_public_page_works_at_320_pixels_and_by_keyboard(coordinator, site, browser):
    page = coordinator["page"]
    page.goto(coordinator["url"])
    campaign_url = open_campaign(page, unique("Keyboard panel "), SEED004_CATEGORIES)
    link = page.locator(".share-link a").inner_text()

    context = browser.new_context(viewport={"width": 320, "height": 640}, locale="en-GB")
    volunteer = context.new_page()
    volunteer.goto(link)
    assert volunteer.evaluate("document.documentElement.scrollWidth") <= 320
    # Tab from the top of the page to the first answer, then answer everything by keyboard.
    for _ in range(20):
        volunteer.keyboard.press("Tab")
        if volunteer.evaluate("document.activeElement.id") == "answer-0-0":
            break
    else:
        raise AssertionError("Tab never reached the first question")
    for question in range(6):
        assert volunteer.evaluate("document.activeElement.id") == f"answer-{question}-0"
        volunteer.keyboard.press("ArrowDown" if question == 1 else "Space")  # 2nd: undergraduate
        volunteer.keyboard.press("Tab")
    assert volunteer.evaluate("document.activeElement.id") == "household-address"
    volunteer.keyboard.type("1 Houghton Street, London")
    volunteer.keyboard.press("Tab")
    assert volunteer.evaluate("document.activeElement.id") == "consent-to-selection"
    volunteer.keyboard.press("Space")
    volunteer.keyboard.press("Tab")
    volunteer.keyboard.press("Space")  # happy to be contacted
    volunteer.keyboard.press("Tab")
    assert volunteer.evaluate("document.activeElement.textContent") == "Register my interest"
    assert volunteer.evaluate("document.documentElement.scrollWidth") <= 320
    volunteer.keyboard.press("Enter")
    volunteer.wait_for_load_state()
    assert volunteer.locator("h1").inner_text() == "Thank you, you have registered your interest"
    assert "If you are chosen, we will contact you" in volunteer.locator("main").inner_text()
    assert volunteer.evaluate("document.documentElement.scrollWidth") <= 320

    page.goto(campaign_url)
    assert "1 person has registered" in page.locator("#registrations + p").inner_text()
    context.close()


def test_unknown_campaign_is_a_plain_404(site, page):
    response = page.goto(site + "/panels/no-such-campaign/register")
    assert response.status == 404
    assert page.locator("h1").inner_text() == "We could not find this panel"
    assert_accessible(page)
