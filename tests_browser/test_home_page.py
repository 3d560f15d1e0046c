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
