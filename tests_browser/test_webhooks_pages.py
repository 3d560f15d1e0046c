"""An organisation administrator manages webhooks through the pages: plain errors linked to the
fields, the secret shown once, change, turn off, a new secret, delete; in headless Chromium,
checked with axe (WCAG 2.2 AA)."""
import pytest
from journeys import assert_accessible, create_admin, error_summary_links, unique

PASSWORD = "correct horse battery"


@pytest.fixture(scope="module")
def admin(browser, site, site_data_dir):
    email = unique("hooks-admin") + "@example.org"
    create_admin(site_data_dir, email, "Hana Hooks", PASSWORD)
    context = browser.new_context(locale="en-GB")
    page = context.new_page()
    page.goto(site + "/sign-in")
    page.get_by_label("Email address").fill(email)
    page.get_by_label("Password", exact=True).fill(PASSWORD)
    page.get_by_role("button", name="Sign in", exact=True).click()
    page.goto(site + "/admin/organisations")
    page.get_by_label("Name of the organisation").fill(unique("Harbour Trust "))
    page.get_by_label("What kind of organisation is it?").select_option("charity")
    page.get_by_role("button", name="Create the organisation").click()
    yield {"page": page, "url": page.url.split("?")[0]}
    context.close()


def test_an_admin_adds_changes_and_deletes_a_webhook(admin, site):
    page = admin["page"]
    page.goto(admin["url"])
    # the organisation's page lists its areas as cards, each a link with a line on what it does
    assert "Send this organisation's events to your other systems." in page.inner_text("main")
    page.get_by_role("link", name="Webhooks", exact=True).click()
    assert page.locator("h1").inner_text() == "Webhooks"
    assert "No webhooks yet." in page.inner_text("main")
    assert_accessible(page)

    # nothing filled in: each problem is named in plain words and linked to its field
    page.get_by_role("button", name="Add the webhook").click()
    links = error_summary_links(page)
    assert [text for text, _ in links] == ["Enter the web address to send events to",
                                           "Choose at least one kind of event"]
    url_field = page.get_by_label("Web address to send events to")
    assert links[0][1] == "#" + url_field.get_attribute("id")
    assert url_field.get_attribute("aria-invalid") == "true"
    assert page.locator(links[1][1]).count() == 1  # the first event type's box
    assert_accessible(page)

    # an address that is not a web address is refused beside the field, nothing typed is lost
    url_field.fill("ftp://files.example.org/in")
    page.get_by_label("A care service was added (care_service.created)").check()
    page.get_by_role("button", name="Add the webhook").click()
    assert error_summary_links(page)[0][0].startswith("Use an address starting with https://")
    assert page.get_by_label("A care service was added (care_service.created)").is_checked()
    assert_accessible(page)

    url_field = page.get_by_label("Web address to send events to")
    url_field.fill("http://127.0.0.1:9/involve")
    page.get_by_label("What is it for? (optional)").fill("Case-management system")
    page.get_by_role("button", name="Add the webhook").click()
    assert page.locator("h1").inner_text() == "Your webhook's secret"
    secret = page.get_by_label("The secret for http://127.0.0.1:9/involve").input_value()
    assert secret.startswith("whsec_")
    assert_accessible(page)

    page.get_by_role("link", name="Go to the webhook").click()
    assert page.locator("h1").inner_text() == "Webhook"
    assert "Nothing has been sent yet." in page.inner_text("main")
    assert secret not in page.content()
    assert_accessible(page)

    change = page.locator("section[aria-labelledby='change']")
    change.get_by_label("A story was published (story.published)").check()
    change.get_by_role("button", name="Save the changes").click()
    assert page.get_by_role("status").inner_text() == "The webhook has been changed."

    page.get_by_role("button", name="Turn the webhook off").click()
    assert "Turned off by an administrator" in page.locator(".summary-list").inner_text()
    page.get_by_role("button", name="Turn the webhook on").click()
    assert page.get_by_role("status").inner_text().startswith("The webhook is on.")

    page.get_by_role("button", name="Make a new secret").click()
    assert page.locator("h1").inner_text() == "Your webhook's new secret"
    new = page.locator("#new-secret").input_value()
    assert new.startswith("whsec_") and new != secret
    assert "signed with both the old and the new secret" in page.inner_text("main")
    assert_accessible(page)

    page.get_by_role("link", name="Go to the webhook").click()
    page.get_by_role("button", name="Delete the webhook").click()
    assert page.get_by_role("status").inner_text() == "The webhook has been deleted."
    assert "No webhooks yet." in page.inner_text("main")
