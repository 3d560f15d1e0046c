"""The home page in a real headless Chromium: WCAG 2.2 AA by axe-core, keyboard use, small screens."""
from tests.support.browser import axe_violations


def test_home_page_has_no_wcag_violations(site, page):
    page.goto(site + "/")
    assert page.title() == "Involve"
    assert page.locator("h1").inner_text().startswith("Involve")
    assert axe_violations(page) == []


def test_keyboard_users_can_skip_to_the_content(site, page):
    page.goto(site + "/")
    page.keyboard.press("Tab")
    focused = page.evaluate("document.activeElement.textContent")
    assert focused == "Skip to main content"
    box = page.locator(".skip-link").bounding_box()
    assert box is not None and box["x"] >= 0  # visible when focused
    page.keyboard.press("Enter")
    assert page.evaluate("location.hash") == "#main"


def test_page_reflows_on_a_small_phone_without_sideways_scrolling(site, browser):
    context = browser.new_context(viewport={"width": 320, "height": 640})
    page = context.new_page()
    page.goto(site + "/")
    assert page.evaluate("document.documentElement.scrollWidth") <= 320
    context.close()


def _organisation_with_a_service(browser, site, site_data_dir):
    """An organisation with a care service and an open panel, made through the JSON API."""
    from journeys import create_admin, unique

    email = unique("owner") + "@example.org"
    create_admin(site_data_dir, email, "Olu Owner", "a long admin password")
    context = browser.new_context()
    signed_in = context.request.post(site + "/api/v1/auth/sign-in",
                                     data={"email": email, "password": "a long admin password"})
    csrf = {"X-CSRF-Token": signed_in.json()["csrf_token"]}
    name = unique("Seaside Recovery ")
    org = context.request.post(site + "/api/v1/organisations", data={"name": name},
                               headers=csrf).json()
    context.request.post(site + f"/api/v1/organisations/{org['id']}/care-services",
                         data={"name": "Seaside Drop-in", "kind": "addiction"}, headers=csrf)
    panel = context.request.post(site + f"/api/v1/organisations/{org['id']}/panels/campaigns",
                                 data={"purpose": "Help plan the new drop-in", "panel_size": 4,
                                       "categories": [{"name": "age", "values": [
                                           {"value": "under 30"}, {"value": "30 or over"}]}]},
                                 headers=csrf)
    assert panel.status == 201, panel.text()
    context.close()
    return org


def test_a_member_of_the_public_goes_from_home_to_an_organisation_and_its_story_form(
        site, page, browser, site_data_dir):
    org = _organisation_with_a_service(browser, site, site_data_dir)
    missing = []
    page.on("response", lambda r: missing.append(r.url) if r.status == 404 else None)
    page.goto(site + "/")
    assert page.locator("header").get_by_role("link", name="API for developers").count() == 0
    assert page.locator("footer").get_by_role("link", name="API for developers").is_visible()
    page.get_by_role("link", name="Tell your story").click()
    assert page.locator("h1").inner_text() == "Choose an organisation"
    assert axe_violations(page) == []
    page.get_by_role("link", name=org["name"]).click()
    assert page.locator("h1").inner_text() == org["name"]
    main = page.locator("main").inner_text()
    assert "Seaside Drop-in" in main and "Help plan the new drop-in" in main
    assert axe_violations(page) == []
    assert page.get_by_role("link", name="Help plan the new drop-in").get_attribute(
        "href").endswith("/register")
    page.get_by_role("link", name="Tell your story", exact=True).click()
    assert page.url == f"{site}/organisations/{org['id']}/stories/new"
    assert page.locator("h1").inner_text().startswith("Tell your story")
    assert missing == []  # no page asked for anything that is not there, the favicon included


def test_cards_lead_somewhere_and_the_home_page_lists_organisations(site, page, browser,
                                                                    site_data_dir):
    org = _organisation_with_a_service(browser, site, site_data_dir)
    page.goto(site + "/")
    cards = page.locator(".cards")
    for name, href in (("Join a panel", "/organisations"), ("Tell your story", "/organisations"),
                       ("Mystery shop a service", "/account")):
        assert cards.get_by_role("link", name=name).get_attribute("href") == href
    page.goto(site + "/")
    if page.get_by_role("link", name=org["name"]).count() == 0:  # many organisations: see all
        page.get_by_role("link", name="See all organisations").click()
    page.get_by_role("link", name=org["name"]).click()
    assert page.locator("h1").inner_text() == org["name"]


def test_an_unknown_address_gets_a_plain_page_with_a_way_back(site, page):
    page.goto(site + "/")
    response = page.goto(site + "/this/page/does/not/exist", referer=site + "/")  # as a link
    assert response.status == 404
    assert page.locator("h1").inner_text() == "Page not found"
    assert axe_violations(page) == []
    page.get_by_role("link", name="Go back to the page you were on").click()
    assert page.url == site + "/"
    assert page.locator("link[rel=icon]").get_attribute("href") == "/static/favicon.svg"
    favicon = page.request.get(site + "/favicon.ico")
    assert favicon.status == 200 and favicon.headers["content-type"].startswith("image/svg+xml")


def test_the_organisation_page_reflows_at_320_pixels(site, browser, site_data_dir):
    org = _organisation_with_a_service(browser, site, site_data_dir)
    context = browser.new_context(viewport={"width": 320, "height": 640})
    page = context.new_page()
    for path in (f"/organisations/{org['id']}", "/organisations", "/nowhere"):
        page.goto(site + path)
        assert page.evaluate("document.documentElement.scrollWidth") <= 320, path
    context.close()
