"""Signing in, registering and resetting a password through the forms, in a real headless
Chromium: plain errors tied to their fields, kept answers, CSRF refusals, keyboard use, axe."""
import urllib.error
import urllib.parse
import urllib.request

import pytest
from journeys import assert_accessible, create_admin, emails_to, error_summary_links, link_in, sign_in, unique

PASSWORD = "a long enough password"


@pytest.fixture(scope="module")
def person(site_data_dir):
    """Someone with an account (a platform administrator, made with the CLI)."""
    email = unique("kim") + "@example.org"
    create_admin(site_data_dir, email, "Kim Lee", PASSWORD)
    return {"email": email, "name": "Kim Lee"}


@pytest.fixture(scope="module")
def organisation(browser, site, person):
    """An organisation people can choose when they register (made through the JSON API)."""
    context = browser.new_context()
    signed_in = context.request.post(site + "/api/v1/auth/sign-in",
                                     data={"email": person["email"], "password": PASSWORD})
    assert signed_in.ok
    name = unique("Riverside Care ")
    created = context.request.post(site + "/api/v1/organisations", data={"name": name},
                                   headers={"X-CSRF-Token": signed_in.json()["csrf_token"]})
    assert created.status == 201
    body = created.json()
    context.close()
    return body


def test_wrong_password_shows_a_plain_error_tied_to_the_password(site, page, person):
    page.goto(site + "/sign-in")
    assert_accessible(page)
    page.get_by_label("Email address").fill(person["email"])
    page.get_by_label("Password", exact=True).fill("not my password")
    with page.expect_response(site + "/sign-in") as response:
        page.get_by_role("button", name="Sign in", exact=True).click()
    assert response.value.status == 401
    assert page.title() == "Error: Sign in – Involve"
    summary = page.locator(".error-summary")
    assert "That email address and password do not match an account." in summary.inner_text()
    assert error_summary_links(page) == [("Check your email address and password", "#password")]
    password = page.locator("#password")
    assert password.get_attribute("aria-invalid") == "true"
    assert page.locator("#" + password.get_attribute("aria-describedby")).inner_text() == (
        "Error: Check your email address and password")
    assert password.input_value() == ""  # never sent back
    assert page.get_by_label("Email address").input_value() == person["email"]
    assert person["email"] in page.content() and "not my password" not in page.content()
    assert_accessible(page)


def test_the_sign_in_form_works_with_the_keyboard_alone(site, page, person):
    page.goto(site + "/sign-in?next=/account")
    focused = []
    for _ in range(20):
        page.keyboard.press("Tab")
        focused.append(page.evaluate("document.activeElement.id || document.activeElement.textContent"))
        if focused[-1] == "email":
            break
    assert focused[-1] == "email", focused
    page.keyboard.type(person["email"])
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.id") == "password"
    page.keyboard.type(PASSWORD)
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.textContent") == "Sign in"
    outline = page.evaluate("getComputedStyle(document.activeElement).outlineStyle")
    assert outline == "solid"  # focus is visible
    page.keyboard.press("Enter")
    page.wait_for_url(site + "/account")
    assert page.locator("h1").inner_text() == "My account"
    assert "Kim Lee" in page.locator(".signed-in").inner_text()


def test_signing_out_and_pages_that_need_signing_in(site, page, person):
    page.goto(site + "/account")
    assert page.url == site + "/sign-in?next=/account"
    sign_in(page, site, person["email"], PASSWORD, path="/sign-in?next=//evil.example/steal")
    assert page.url == site + "/account"  # never sent to another site
    assert_accessible(page)
    page.goto(site + "/")
    assert "Signed in as Kim Lee" in page.locator("header").inner_text()
    assert page.get_by_role("link", name="My account").is_visible()
    page.get_by_role("button", name="Sign out").click()
    assert page.url == site + "/sign-in?done=signed-out"
    assert page.get_by_role("status").inner_text() == "You have signed out."
    assert "You are not signed in" in page.locator("header").inner_text()
    page.goto(site + "/account")
    assert "/sign-in?next=/account" in page.url


def test_register_errors_are_summarised_with_links_and_answers_are_kept(site, page, organisation):
    page.goto(site + "/register")
    assert_accessible(page)
    page.get_by_label("Which organisation are you joining?").select_option(organisation["id"])
    page.get_by_label("Email address").fill("not-an-email")
    page.get_by_label("Choose a password").fill("short")
    page.get_by_label("Being chosen for panels").check()
    with page.expect_response(site + "/register") as response:
        page.get_by_role("button", name="Create my account").click()
    assert response.value.status == 422
    assert error_summary_links(page) == [
        ("Enter your name", "#name"),
        ("Enter an email address in the right format, like name@example.com", "#email"),
        ("Your password needs at least 10 characters", "#password")]
    for field in ("#name", "#email", "#password"):
        assert page.locator(field).get_attribute("aria-invalid") == "true"
        assert f"{field[1:]}-error" in page.locator(field).get_attribute("aria-describedby")
    assert page.locator("#email").input_value() == "not-an-email"
    assert page.locator("#password").input_value() == ""
    assert page.locator("#organisation-id").input_value() == organisation["id"]
    assert page.get_by_label("Being chosen for panels").is_checked()
    assert not page.get_by_label("Hearing about ways to take part").is_checked()
    assert page.evaluate("document.activeElement.className") == "error-summary"
    assert_accessible(page)

    # The summary's links take you to the field.
    page.get_by_role("link", name="Enter your name").click()
    assert page.evaluate("location.hash") == "#name"

    # Fixed: the person joins the organisation they chose, and is signed in.
    email = unique("alex") + "@example.org"
    page.get_by_label("Your name").fill("Alex Morgan")
    page.get_by_label("Email address").fill(email)
    page.get_by_label("Choose a password").fill("alex's long password")
    page.get_by_role("button", name="Create my account").click()
    assert page.url == site + "/account?done=registered"
    main = page.locator("main").inner_text()
    assert f"{organisation['name']}: Person who uses services" in main
    assert "You have agreed" in page.locator(".consents li",
                                             has_text="Being chosen for panels").inner_text()

    # The same email cannot register twice: said plainly, beside the email field.
    other = page.context.browser.new_context().new_page()
    other.goto(site + "/register")
    other.get_by_label("Which organisation are you joining?").select_option(organisation["id"])
    other.get_by_label("Your name").fill("Alex Again")
    other.get_by_label("Email address").fill(email)
    other.get_by_label("Choose a password").fill("alex's long password")
    with other.expect_response(site + "/register") as response:
        other.get_by_role("button", name="Create my account").click()
    assert response.value.status == 409
    assert error_summary_links(other)[0][1] == "#email"
    assert other.get_by_label("Your name").input_value() == "Alex Again"
    other.context.close()


def test_a_password_reset_link_works_once_and_not_twice(site, site_data_dir, page, new_page):
    email = unique("robin") + "@example.org"
    create_admin(site_data_dir, email, "Robin Shaw", PASSWORD)
    page.goto(site + "/sign-in")
    page.get_by_role("link", name="I have forgotten my password").click()
    assert_accessible(page)
    page.get_by_label("Email address").fill(email)
    page.get_by_role("button", name="Email me a link").click()
    assert page.locator("h1").inner_text() == "Check your email"
    assert_accessible(page)

    [message] = emails_to(site_data_dir, email, "Reset")
    link = link_in(message, site)
    page.goto(link)
    assert page.locator("h1").inner_text() == "Choose a new password"
    assert_accessible(page)
    page.get_by_label("New password").fill("my brand new password")
    page.get_by_role("button", name="Save my new password").click()
    assert page.url == site + "/sign-in?done=password-changed"
    sign_in(page, site, email, "my brand new password")
    assert page.url == site + "/account"

    second = new_page()
    second.goto(link)
    second.get_by_label("New password").fill("someone else's password")
    with second.expect_response(site + "/reset-password") as response:
        second.get_by_role("button", name="Save my new password").click()
    assert response.value.status == 400
    assert second.locator("h1").inner_text() == "This link cannot be used"
    assert "has not been changed" in second.locator("main").inner_text()
    assert_accessible(second)
    sign_in(second, site, email, "someone else's password")
    assert second.locator(".error-summary").is_visible()


def _post(url, fields, cookie=None):
    request = urllib.request.Request(url, data=urllib.parse.urlencode(fields).encode(),
                                     headers={"Cookie": cookie} if cookie else {}, method="POST")
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            return response.status, response.read().decode()
    except urllib.error.HTTPError as exc:
        return exc.code, exc.read().decode()


def test_posts_without_the_csrf_token_are_refused(site, page, person):
    # A form used before signing in: no double-submit cookie and field, no sign-in.
    status, body = _post(site + "/sign-in", {"email": person["email"], "password": PASSWORD})
    assert status == 403
    assert "This form has expired. Please go back, reload the page and try again." in body
    status, _ = _post(site + "/sign-in", {"email": person["email"], "password": PASSWORD,
                                          "csrf_token": "x" * 43}, cookie="involve_csrf=" + "y" * 43)
    assert status == 403
    response = page.request.post(site + "/register", form={"name": "Mallory"})
    assert response.status == 403

    # Signed in: the session's token is required on every change.
    sign_in(page, site, person["email"], PASSWORD)
    assert page.url == site + "/account"
    response = page.request.post(site + "/account/consents",
                                 form={"purpose": "being_contacted", "given": "yes"})
    assert response.status == 403
    assert "This form has expired" in response.text()
    response = page.request.post(site + "/account/delete",
                                 form={"confirm": "yes", "csrf_token": "wrong"})
    assert response.status == 403
    response = page.request.post(site + "/sign-out", form={})
    assert response.status == 403
    page.goto(site + "/account")
    assert page.locator("h1").inner_text() == "My account"  # still signed in, nothing changed
    assert "You have agreed" not in page.locator(".consents").inner_text()

    # The 403 page itself is plain and accessible.
    page.context.clear_cookies()
    page.goto(site + "/sign-in")
    page.context.clear_cookies()  # as if the form had sat open for too long
    page.get_by_label("Email address").fill(person["email"])
    page.get_by_label("Password", exact=True).fill(PASSWORD)
    with page.expect_response(site + "/sign-in") as answer:
        page.get_by_role("button", name="Sign in", exact=True).click()
    assert answer.value.status == 403
    assert page.locator("h1").inner_text() == "This form has expired"
    assert_accessible(page)


def test_someone_with_no_organisation_to_look_after_is_told_plainly(site, page, organisation):
    email = unique("jo") + "@example.org"
    page.goto(site + "/register")
    page.get_by_label("Which organisation are you joining?").select_option(organisation["id"])
    page.get_by_label("Your name").fill("Jo Green")
    page.get_by_label("Email address").fill(email)
    page.get_by_label("Choose a password").fill("jo's long password")
    page.get_by_role("button", name="Create my account").click()
    assert page.locator("header").get_by_role("link", name="Organisations").count() == 0
    response = page.goto(site + "/admin/organisations")
    assert response.status == 403
    assert page.locator("h1").inner_text() == "You cannot do that"
    response = page.goto(site + f"/admin/organisations/{organisation['id']}")
    assert response.status == 403
    assert_accessible(page)


def test_account_page_reflows_at_320_pixels(site, browser, person):
    context = browser.new_context(viewport={"width": 320, "height": 640})
    page = context.new_page()
    sign_in(page, site, person["email"], PASSWORD)
    assert page.locator("h1").inner_text() == "My account"
    assert page.evaluate("document.documentElement.scrollWidth") <= 320
    page.goto(site + "/register")
    assert page.evaluate("document.documentElement.scrollWidth") <= 320
    context.close()


def test_too_many_wrong_passwords_ask_you_to_wait(site, site_data_dir, page):
    email = unique("lee") + "@example.org"
    create_admin(site_data_dir, email, "Lee Park", PASSWORD)
    for _ in range(5):
        sign_in(page, site, email, "a wrong guess")
        assert error_summary_links(page) == [("Check your email address and password",
                                              "#password")]
    page.get_by_label("Password", exact=True).fill(PASSWORD)
    with page.expect_response(site + "/sign-in") as response:
        page.get_by_role("button", name="Sign in", exact=True).click()
    assert response.value.status == 429
    assert "Too many tries to sign in" in page.locator(".error-summary").inner_text()
    assert page.get_by_label("Email address").input_value() == email
    assert_accessible(page)
