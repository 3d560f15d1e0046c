"""The journey of issue 11 in a real headless Chromium, checked with axe (WCAG 2.2 AA): an
administrator invites Cara Council as a council member, sees the invitation waiting with her
name and role, sends it again, cancels another after a confirmation page; Cara signs up (the
page says her role), chooses messages on Involve only; a service tells her something; she sees
it counted in the header, reads it, and follows its link. Then people chosen by name with the
searchable picker, by keyboard alone."""
import re

import pytest
from journeys import assert_accessible, create_admin, emails_to, link_in, notify, sign_in, unique

ADMIN_PASSWORD = "correct horse battery"


@pytest.fixture(scope="module")
def admin(browser, site, site_data_dir):
    email = unique("ada") + "@example.org"
    create_admin(site_data_dir, email, "Ada Admin", ADMIN_PASSWORD)
    context = browser.new_context(locale="en-GB")
    page = context.new_page()
    sign_in(page, site, email, ADMIN_PASSWORD)
    page.goto(site + "/admin/organisations")
    name = unique("Harbour Trust ")
    page.get_by_label("Name of the organisation").fill(name)
    page.get_by_label("What kind of organisation is it?").select_option("charity")
    page.get_by_role("button", name="Create the organisation").click()
    assert page.locator("h1").inner_text() == name
    yield {"page": page, "organisation": name, "url": page.url.split("?")[0]}
    context.close()


def invite(page, name, email, role):
    page.get_by_label("Their name").fill(name)
    page.get_by_label("Their email address").fill(email)
    page.get_by_label(role, exact=True).check()
    page.get_by_role("button", name="Send the invitation").click()
    assert page.get_by_role("status").inner_text() == "The invitation has been sent by email."


def test_cara_is_invited_signs_up_chooses_messages_only_and_reads_what_she_is_sent(
        admin, site, site_data_dir, new_page, rabbit_server):
    page = admin["page"]
    page.goto(admin["url"] + "/invitations")
    assert page.locator("h1").inner_text() == "Invitations"
    assert "Nobody is waiting" in page.locator("main").inner_text()
    assert_accessible(page)
    cara_email, dan_email = unique("cara") + "@example.org", unique("dan") + "@example.org"
    invite(page, "Cara Council", cara_email, "Council member")
    invite(page, "Dan Duplicate", dan_email, "Volunteer")
    cara_row = page.locator("main tbody tr", has_text="Cara Council")
    assert cara_email in cara_row.inner_text() and "Council member" in cara_row.inner_text()
    assert "Volunteer" in page.locator("main tbody tr", has_text="Dan Duplicate").inner_text()
    assert_accessible(page)

    # Sent again: a new email, and only its link works.
    [first] = emails_to(site_data_dir, cara_email, "invited")
    cara_row.get_by_role("button", name="Send again to Cara Council").click()
    assert page.get_by_role("status").inner_text().startswith("The invitation has been sent again")
    assert "sent 2 times" in page.locator("main tbody tr", has_text="Cara Council").inner_text()
    latest = emails_to(site_data_dir, cara_email, "invited")[-1]
    assert link_in(latest, site) != link_in(first, site)

    # Cancelled, after a page that says what will happen; keyboard only.
    page.get_by_role("link", name="Cancel the invitation to Dan Duplicate").click()
    assert page.locator("h1").inner_text() == "Cancel the invitation to Dan Duplicate?"
    assert dan_email in page.locator(".confirm-box").inner_text()
    assert_accessible(page)
    page.get_by_role("button", name="Cancel the invitation").focus()
    with page.expect_navigation():
        page.keyboard.press("Enter")
    assert page.get_by_role("status").inner_text().startswith("The invitation has been cancelled")
    assert "Dan Duplicate" not in page.locator("main").inner_text()
    dan = new_page()
    dan.goto(link_in(emails_to(site_data_dir, dan_email, "invited")[-1], site))
    assert dan.locator("h1").inner_text() == "This invitation cannot be used"

    # Cara signs up from the newest email; the page says the organisation and her role.
    cara = new_page()
    cara.goto(link_in(first, site))
    assert cara.locator("h1").inner_text() == "This invitation cannot be used"  # the old link
    cara.goto(link_in(latest, site))
    assert "as a council member" in cara.locator(".lead").inner_text()
    assert admin["organisation"] in cara.locator(".lead").inner_text()
    cara.get_by_label("Choose a password").fill("cara's long password")
    cara.get_by_role("button", name="Create my account").click()
    assert cara.url == site + "/account?done=registered"
    header = cara.locator("header")
    assert header.get_by_role("link", name="Messages", exact=True).is_visible()  # none yet
    cara.get_by_label("As a message on Involve only").check()
    cara.get_by_role("button", name="Save my choice").click()
    assert cara.get_by_role("status").inner_text() == "Your choice has been saved."
    assert cara.get_by_label("As a message on Involve only").is_checked()
    assert_accessible(cara)
    page.goto(admin["url"] + "/invitations")
    assert "Cara Council" not in page.locator("main").inner_text()  # she has answered

    # A service tells her something: kept on Involve, not emailed.
    cara_id = cara.locator(".summary-list code").inner_text()
    told = notify(rabbit_server.amqp_uri, cara_id, {
        "subject": "You have been chosen for the panel",
        "body": "Hello Cara,\n\nPlease tell us whether you can come.", "link": "/account"})
    assert told == {"sent": False, "stored": True}
    assert emails_to(site_data_dir, cara_email, "chosen", wait=0) == []
    cara.goto(site + "/account")
    messages_link = cara.locator("header").get_by_role("link", name="Messages (1 new)")
    assert messages_link.is_visible()
    messages_link.click()
    assert cara.locator("h1").inner_text() == "Messages"
    item = cara.locator(".messages li")
    assert "You have been chosen for the panel" in item.inner_text() and "New" in item.inner_text()
    assert_accessible(cara)
    item.get_by_role("link").click()
    assert cara.locator("h1").inner_text() == "You have been chosen for the panel"
    assert "Please tell us whether you can come." in cara.locator(".message-body").inner_text()
    assert cara.locator("header").get_by_role("link", name="Messages", exact=True).is_visible()
    assert_accessible(cara)
    cara.get_by_role("link", name="Go to the page this is about").click()
    assert cara.url == site + "/account"


def test_people_are_chosen_by_name_with_the_picker_by_keyboard_alone(admin, site, site_data_dir,
                                                                     new_page):
    page = admin["page"]
    page.goto(admin["url"] + "/people")
    for name in ("Ravi Reader", "Rosa Reader", "Theo Other"):
        page.get_by_label("Their name").fill(name)
        page.get_by_label("Volunteer", exact=True).check()
        page.get_by_role("button", name="Add the person").click()
    page.get_by_role("link", name="Give several people a role").click()
    assert page.locator("h1").inner_text() == "Give people a role"
    assert_accessible(page)

    search = page.get_by_label("Search by name")
    search.focus()
    page.keyboard.type("reader")
    with page.expect_navigation():
        page.keyboard.press("Enter")  # Enter in the search box searches; nothing changes
    assert "2 people found for “reader”" in page.locator(".picker").inner_text()
    assert page.get_by_label("Theo Other").count() == 0
    page.get_by_label("Rosa Reader").focus()
    page.keyboard.press("Space")
    search = page.get_by_label("Search by name")
    search.fill("theo")
    with page.expect_navigation():
        search.press("Enter")
    picker = page.locator(".picker")
    assert "Chosen so far" in picker.inner_text()
    assert page.get_by_label("Rosa Reader").is_checked()  # kept across the search
    page.get_by_label("Theo Other").focus()
    page.keyboard.press("Space")
    page.get_by_label("Council member", exact=True).focus()
    page.keyboard.press("Space")
    assert_accessible(page)
    page.get_by_role("button", name="Give them the role").focus()
    with page.expect_navigation():
        page.keyboard.press("Enter")
    assert page.get_by_role("status").inner_text() == "Their roles have been changed."
    assert "Council member, Volunteer" in page.locator("tr", has_text="Rosa Reader").inner_text()
    assert "Council member, Volunteer" in page.locator("tr", has_text="Theo Other").inner_text()
    assert "Council member" not in page.locator("tr", has_text="Ravi Reader").inner_text()

    # Nobody ticked: said plainly, linked to the search box.
    page.goto(admin["url"] + "/people/add-role")
    page.get_by_role("button", name="Give them the role").click()
    summary = page.locator(".error-summary")
    assert "Tick at least one person" in summary.inner_text()
    assert summary.get_by_role("link", name="Tick at least one person").get_attribute(
        "href") == "#person-ids-q"
    assert_accessible(page)


@pytest.mark.parametrize("path", ["/account/messages", "/account"])
def test_messages_and_account_reflow_at_320_pixels(admin, browser, site, path):
    context = browser.new_context(viewport={"width": 320, "height": 640},
                                  storage_state=admin["page"].context.storage_state())
    page = context.new_page()
    page.goto(site + path)
    assert page.evaluate("document.documentElement.scrollWidth") <= 320
    assert re.search(r"Messages|My account", page.locator("h1").inner_text())
    context.close()


def test_on_a_phone_each_invitation_is_a_block_with_its_buttons_in_view(admin, browser):
    """At 320 px the table of invitations must not make the page scroll sideways (its hidden
    words once did), and Send again / Cancel must be on screen, not off to the right."""
    page = admin["page"]
    page.goto(admin["url"] + "/invitations")
    invite(page, "Pia Phone", unique("pia") + "@example.org", "Staff")
    context = browser.new_context(viewport={"width": 320, "height": 640},
                                  storage_state=page.context.storage_state())
    phone = context.new_page()
    phone.goto(admin["url"] + "/invitations")
    assert phone.evaluate("document.documentElement.scrollWidth") <= 320
    row = phone.locator("main tbody tr", has_text="Pia Phone")
    role = row.locator("td[data-label='Role']")  # each value under its column's name
    assert role.inner_text() == "Staff"
    assert role.evaluate("td => getComputedStyle(td, '::before').content") == '"Role"'
    for control in (row.get_by_role("button", name="Send again to Pia Phone"),
                    row.get_by_role("link", name="Cancel the invitation to Pia Phone")):
        box = control.bounding_box()
        assert box["x"] >= 0 and box["x"] + box["width"] <= 320
    assert_accessible(phone)
    context.close()
