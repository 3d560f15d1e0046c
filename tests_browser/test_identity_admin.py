"""An administrator looks after an organisation through the web pages, and someone they invite
registers and manages their own data: in a real headless Chromium, checked with axe (WCAG 2.2 AA)."""
import json
import re
import urllib.error
import urllib.request
from pathlib import Path

import pytest
from journeys import assert_accessible, create_admin, emails_to, link_in, sign_in, unique

ADMIN_PASSWORD = "correct horse battery"


@pytest.fixture(scope="module")
def admin(browser, site, site_data_dir):
    """A platform administrator, made with the CLI, signed in through the form, who has just
    created an organisation on the organisations page."""
    email = unique("admin") + "@example.org"
    create_admin(site_data_dir, email, "Ada Admin", ADMIN_PASSWORD)
    context = browser.new_context(locale="en-GB")
    page = context.new_page()

    page.goto(site + "/admin/organisations")
    assert page.url == site + "/sign-in?next=/admin/organisations"
    page.get_by_label("Email address").fill(email)
    page.get_by_label("Password", exact=True).fill(ADMIN_PASSWORD)
    page.get_by_role("button", name="Sign in", exact=True).click()
    assert page.url == site + "/admin/organisations"
    assert "Signed in as Ada Admin" in page.locator(".signed-in").inner_text()
    assert_accessible(page)

    name = unique("Phoenix Futures ")
    page.get_by_label("Name of the organisation").fill(name)
    page.get_by_label("What kind of organisation is it?").select_option("charity")
    page.get_by_role("button", name="Create the organisation").click()
    assert page.locator("h1").inner_text() == name
    assert page.get_by_role("status").inner_text() == "The organisation has been created."
    yield {"page": page, "email": email, "organisation": name, "url": page.url.split("?")[0]}
    context.close()


def test_admin_adds_a_care_service_and_the_page_passes_axe(admin):
    page = admin["page"]
    page.goto(admin["url"])
    assert_accessible(page)
    page.get_by_role("navigation", name=re.compile("^Looking after")).get_by_role(
        "link", name="Care services").click()
    assert page.locator("h1").inner_text() == "Care services"
    assert_accessible(page)
    care = page.locator("main")
    care.get_by_label("Name of the service").fill("Harbour Recovery")
    care.get_by_label("What kind of service is it?").select_option("addiction")
    care.get_by_label("Area (optional)").fill("Dorset")
    care.get_by_role("button", name="Add the care service").click()
    assert page.get_by_role("status").inner_text() == "The care service has been added."
    row = page.locator("main tbody tr")
    assert row.count() == 1
    assert row.first.inner_text().split("\t")[:3] == ["Harbour Recovery", "Addiction", "Dorset"]


def test_admin_form_errors_keep_what_was_typed(admin):
    page = admin["page"]
    page.goto(admin["url"] + "/care-services")
    care = page.locator("main")
    care.get_by_label("Area (optional)").fill("Wessex")
    care.get_by_label("Website (optional)").fill("not a web address")
    response_status = []
    page.once("response", lambda r: response_status.append(r.status))
    care.get_by_role("button", name="Add the care service").click()
    assert response_status == [422]
    assert page.title().startswith("Error: ")
    summary = page.locator(".error-summary")
    assert [a.get_attribute("href") for a in summary.locator("a").all()] == [
        "#care-name", "#care-kind"]
    assert page.locator("#care-name").get_attribute("aria-describedby") == "care-name-error"
    assert page.locator("#care-region").input_value() == "Wessex"
    assert page.locator("#care-website").input_value() == "not a web address"
    assert_accessible(page)

    # Fix the two answers: the service itself refuses the web address, said plainly.
    page.locator("#care-name").fill("Second Step")
    page.locator("#care-kind").select_option("housing")
    page.get_by_role("button", name="Add the care service").click()
    assert page.locator("#care-website-error").inner_text() == (
        "Error: Enter a web address starting with https://")
    assert page.locator(".error-summary a").get_attribute("href") == "#care-website"
    assert_accessible(page)


def test_invited_person_registers_and_looks_after_their_own_data(admin, site, site_data_dir,
                                                                 new_page):
    page = admin["page"]
    page.goto(admin["url"] + "/invitations")
    invitee = unique("sam") + "@example.org"
    page.get_by_label("Their name").fill("Sam Taylor")
    page.get_by_label("Their email address").fill(invitee)
    page.get_by_label("Council member", exact=True).check()
    page.get_by_role("button", name="Send the invitation").click()
    assert page.get_by_role("status").inner_text() == "The invitation has been sent by email."

    # Sam follows the emailed link, in their own browser: the page says where and as what.
    [email] = emails_to(site_data_dir, invitee, "invited")
    assert "as a council member" in email.get_body(preferencelist=("plain",)).get_content()
    sam = new_page()
    sam.goto(link_in(email, site))
    assert sam.locator("h1").inner_text() == "Create an account"
    assert sam.locator("select").count() == 0  # the invitation says which organisation
    assert f"{admin['organisation']} has invited you to join Involve as a council member" in (
        sam.locator(".lead").inner_text())
    assert "Council member" in sam.locator(".summary-list").inner_text()
    assert sam.get_by_label("Your name").input_value() == "Sam Taylor"  # filled in for them
    assert sam.get_by_label("Email address").input_value() == invitee
    assert_accessible(sam)
    sam.get_by_label("Choose a password").fill("sam's long password")
    for consent in sam.get_by_role("checkbox").all():
        assert not consent.is_checked()  # nothing is agreed for them
    sam.get_by_label("Hearing about ways to take part").check()
    sam.get_by_label("Getting replies to your stories").check()
    sam.get_by_role("button", name="Create my account").click()

    assert sam.url == site + "/account?done=registered"
    assert "Signed in as Sam Taylor" in sam.locator(".signed-in").inner_text()
    text = sam.locator("main").inner_text()
    assert "Sam Taylor" in text and f"{admin['organisation']}: Council member" in text
    contacted = sam.locator(".consents li", has_text="Hearing about ways to take part")
    assert "You have agreed" in contacted.inner_text()
    assert "You have not agreed" in sam.locator(
        ".consents li", has_text="Being chosen for panels").inner_text()
    assert_accessible(sam)

    # The link worked once: it cannot make a second account.
    again = new_page()
    again.goto(link_in(email, site))  # said at once, before anyone fills the form in
    assert again.locator("h1").inner_text() == "This invitation cannot be used"
    assert_accessible(again)

    # Withdraw a consent.
    sam.get_by_role("button", name="Withdraw agreement to: Hearing about ways to take part").click()
    assert sam.get_by_role("status").inner_text().startswith("You have withdrawn your consent")
    assert "You have not agreed (you withdrew on" in sam.locator(
        ".consents li", has_text="Hearing about ways to take part").inner_text()
    assert "You have agreed" in sam.locator(
        ".consents li", has_text="Getting replies to your stories").inner_text()

    # Download my data.
    with sam.expect_download() as download:
        sam.get_by_role("link", name="Download my data").click()
    assert download.value.suggested_filename == "my-involve-data.json"
    data = json.loads(Path(download.value.path()).read_text())
    assert data["contact"]["name"] == "Sam Taylor" and data["contact"]["email"] == invitee
    assert [c["given"] for c in data["consents"] if c["purpose"] == "being_contacted"] == [
        True, False]

    # Delete my data: a confirmation page, a checkbox, then signed out with a kind message.
    sam.get_by_role("link", name="Delete my data").click()
    assert sam.locator("h1").inner_text() == "Delete my data"
    assert_accessible(sam)
    sam.get_by_role("button", name="Delete my data").click()  # forgot to tick the box
    assert sam.locator(".error-summary a").inner_text() == (
        "Tick the box to confirm you want everything deleted")
    assert sam.locator(".error-summary a").get_attribute("href") == "#confirm-yes"
    assert_accessible(sam)
    sam.get_by_label("I understand that everything will be deleted").check()
    sam.get_by_role("button", name="Delete my data").click()
    assert sam.url == site + "/account/deleted"
    assert sam.locator("h1").inner_text() == "Your data has been deleted"
    assert "You are not signed in" in sam.locator("header").inner_text()
    assert_accessible(sam)
    sam.goto(site + "/account")
    assert "/sign-in" in sam.url

    sign_in(sam, site, invitee, "sam's long password")
    assert sam.locator(".error-summary").is_visible()
    assert sam.locator("h1").inner_text() == "Sign in"


def api(site, path, token=None, method="GET"):
    request = urllib.request.Request(site + path, method=method, headers={
        "Authorization": f"Bearer {token}"} if token else {})
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            return response.status
    except urllib.error.HTTPError as exc:
        return exc.code


def test_admin_adds_a_person_sees_them_by_name_and_changes_roles(admin):
    page = admin["page"]
    page.goto(admin["url"] + "/people")
    assert page.locator("h1").inner_text() == "People"
    page.get_by_label("Their name").fill("Pat Jones")
    page.get_by_label("Volunteer", exact=True).check()
    page.get_by_role("button", name="Add the person").click()
    assert page.get_by_role("status").inner_text() == "The person has been added."
    row = page.locator("main tbody tr", has_text="Pat Jones")  # the admin sees names
    assert "Volunteer" in row.inner_text()
    assert "recorded in the audit log" in page.locator("main").inner_text()
    person_id = row.locator("code").inner_text()
    assert re.fullmatch(r"[0-9a-f-]{36}", person_id)
    assert_accessible(page)

    row.get_by_role("link", name="Change roles for Pat Jones").click()
    assert page.locator("h1").inner_text() == "Change roles"
    assert "Pat Jones" in page.locator("main").inner_text()
    assert page.get_by_label("Volunteer").is_checked()
    assert_accessible(page)
    page.get_by_label("Staff").check()
    page.get_by_role("button", name="Save their roles").click()
    assert page.get_by_role("status").inner_text() == "Their roles have been changed."
    assert "Staff, Volunteer" in page.locator("tr", has_text="Pat Jones").inner_text()

    page.goto(admin["url"] + "/audit")
    audit = page.locator("main tbody").inner_text()
    for action in ("Added a person", "Changed roles", "Saw people's names"):
        assert action in audit
    assert "the organisation's list of people" in audit and "Pat Jones" in audit
    assert_accessible(page)


def test_revoking_an_api_token_asks_first_on_its_own_page(admin, site):
    page = admin["page"]
    organisation_id = admin["url"].rsplit("/", 1)[1]
    page.goto(admin["url"] + "/tokens")
    page.get_by_label("What is it for?").fill("Rota system")
    page.get_by_label("See the organisation's details").check()
    page.get_by_role("button", name="Create the token").click()
    assert page.locator("h1").inner_text() == "Your new API token"
    assert "This is the only time it will be shown" in page.locator(".warning-box").inner_text()
    secret = page.get_by_label("The token for “Rota system”").input_value()
    assert secret.startswith("inv_")
    assert_accessible(page)
    assert api(site, f"/api/v1/organisations/{organisation_id}", secret) == 200

    page.get_by_role("link", name="Back to the API tokens").click()
    assert secret not in page.content()
    token_row = page.locator("main tbody tr", has_text="Rota system")
    assert "Working" in token_row.inner_text()
    token_row.get_by_role("link", name="Revoke the token Rota system").click()
    assert page.locator("h1").inner_text() == "Revoke the API token “Rota system”?"
    assert "This cannot be undone" in page.locator(".confirm-box").inner_text()
    assert_accessible(page)
    page.get_by_role("link", name="No, keep it working").click()  # changed their mind
    assert "Working" in page.locator("main tbody tr", has_text="Rota system").inner_text()
    assert api(site, f"/api/v1/organisations/{organisation_id}", secret) == 200

    page.locator("main tbody tr", has_text="Rota system").get_by_role("link").click()
    page.get_by_role("button", name="Revoke the token").click()
    assert page.get_by_role("status").inner_text().startswith("The API token has been revoked")
    assert "Revoked on" in page.locator("tr", has_text="Rota system").inner_text()
    assert api(site, f"/api/v1/organisations/{organisation_id}", secret) == 401


@pytest.mark.parametrize("part", ["", "/care-services", "/people", "/invitations", "/tokens",
                                  "/audit", "/people/add-role"])
def test_organisation_pages_reflow_at_320_pixels(admin, browser, part):
    context = browser.new_context(viewport={"width": 320, "height": 640},
                                  storage_state=admin["page"].context.storage_state())
    page = context.new_page()
    page.goto(admin["url"] + part)
    assert page.locator(".breadcrumb").is_visible()
    assert page.evaluate("document.documentElement.scrollWidth") <= 320
    context.close()


def test_the_organisation_page_is_short_and_leads_to_each_part(admin):
    """It used to be about 4,000 pixels of ids: now an overview with a link to each part."""
    page = admin["page"]
    page.goto(admin["url"])
    assert page.evaluate("document.documentElement.scrollHeight") < 1600
    parts = page.get_by_role("navigation", name=re.compile("^Looking after"))
    assert [a.inner_text() for a in parts.get_by_role("link").all()] == [
        "Overview", "Care services", "People", "Invitations", "API tokens", "Audit log"]
    assert parts.get_by_role("link", name="Overview").get_attribute("aria-current") == "page"


def test_unknown_organisation_is_a_plain_404(admin, site):
    page = admin["page"]
    response = page.goto(site + "/admin/organisations/no-such-organisation")
    assert response.status == 404
    assert page.locator("h1").inner_text() == "Page not found"
    assert "We could not find that organisation." in page.locator("main").inner_text()


def test_the_first_administrator_is_shown_where_to_start(site, new_page, site_data_dir):
    """Signed in from the home page, the first administrator lands on My account: it leads to
    the organisations, and a new organisation's page says what to do first."""
    email = unique("first") + "@example.org"
    create_admin(site_data_dir, email, "Fran First", ADMIN_PASSWORD)
    page = new_page()
    sign_in(page, site, email, ADMIN_PASSWORD)
    assert page.url == site + "/account"
    page.get_by_role("link", name="Go to the organisations").click()
    assert page.locator("h1").inner_text() == "Organisations"
    page.get_by_label("Name of the organisation").fill(unique("Northern Lights "))
    page.get_by_label("What kind of organisation is it?").select_option("charity")
    page.get_by_role("button", name="Create the organisation").click()
    start = page.locator(".panel-purpose", has_text="Getting started")
    assert start.get_by_role("link", name="Add its care services").is_visible()
    assert_accessible(page)
    start.get_by_role("link", name="Invite the people who will run it").click()
    assert page.locator("h1").inner_text() == "Invitations"
