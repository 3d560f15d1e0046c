"""An involvement lead reads the dashboard (each chart with its data table beside it), starts a
leadership-spectrum self-assessment (after an empty submit) and scores a criterion as staff, and
anyone reads "you said, we did"; in headless Chromium, each page checked with axe (WCAG 2.2 AA) at
desktop width and 320 pixels wide. Screenshots in the test's folder."""
import time
import uuid

import pytest
from journeys import assert_accessible, create_admin, error_summary_links, unique

from involve.kernel.events import envelope
from tests.support.reporting_events import activity, publish

PASSWORD = "correct horse battery"


@pytest.fixture(scope="module")
def lead(browser, site, site_data_dir, rabbit_server):
    email = unique("reporting-admin") + "@example.org"
    create_admin(site_data_dir, email, "Rita Reports", PASSWORD)
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
    org = page.url.split("?")[0].rstrip("/").split("/")[-1]
    services = [str(uuid.uuid4()), str(uuid.uuid4())]
    made = [envelope("identity", "care_service.created", {
        "care_service_id": cs, "name": name, "kind": "housing", "region": "North"},
        organisation=org, classification="public")
        for cs, name in zip(services, ("Day centre", "Helpline"), strict=True)]
    publish(rabbit_server.amqp_uri, made + activity(org, services, seed=21))
    yield {"page": page, "org": org, "logs": site_data_dir / "service-logs"}
    context.close()


def _wait_for_text(page, url, text, logs, timeout=30):
    """Reporting builds its pages from events, which arrive a moment after they are published:
    reload until ``text`` shows. If it never does, say what reporting logged meanwhile."""
    deadline = time.monotonic() + timeout
    while True:
        page.goto(url)
        if text in page.inner_text("main"):
            return
        if time.monotonic() > deadline:
            logged = (logs / "reporting.log").read_text(errors="replace")[-4000:]
            raise AssertionError(f"{text!r} never showed on {url}; reporting logged:\n{logged}")
        time.sleep(0.5)


def _ids_are_unique(page):
    """Axe does not catch two elements sharing an id, but a label's "for" then names the wrong
    one: the field loses its name and an error summary link lands on the wrong element."""
    repeated = page.evaluate("""() => {
        const seen = {};
        for (const e of document.querySelectorAll("[id]")) seen[e.id] = (seen[e.id] || 0) + 1;
        return Object.keys(seen).filter(k => seen[k] > 1);
    }""")
    assert repeated == [], f"{page.url}: ids used more than once: {repeated}"


def _checked(page, shots, name):
    """Axe and unique ids at desktop width, then the same page again 320 pixels wide: no
    sideways scrolling, axe again. Screenshots of both."""
    _ids_are_unique(page)
    assert_accessible(page)
    page.screenshot(path=str(shots / f"{name}.png"), full_page=False)
    page.set_viewport_size({"width": 320, "height": 900})
    try:
        assert page.evaluate("document.documentElement.scrollWidth") <= 321, page.url
        assert_accessible(page)
        page.screenshot(path=str(shots / f"{name}-320.png"), full_page=True)
    finally:
        page.set_viewport_size({"width": 1280, "height": 900})


def test_the_dashboard_assessment_and_public_page(lead, site, tmp_path):
    page, org = lead["page"], lead["org"]
    base = f"{site}/organisations/{org}/reporting"
    _wait_for_text(page, base, "Helpline", lead["logs"])
    assert page.locator("h1").inner_text().startswith("Involvement dashboard")
    charts = page.locator(".reporting-pair figure svg")
    assert charts.count() >= 10
    assert page.locator(".reporting-pair table").count() == charts.count()
    _checked(page, tmp_path, "dashboard")

    # a period that ends before it starts: said, and linked to the field
    page.get_by_label("From", exact=True).fill("2026-05-01")
    page.get_by_label("To", exact=True).fill("2026-01-01")
    page.get_by_role("button", name="Show", exact=True).click()
    links = error_summary_links(page)
    assert links and links[0][0].startswith("The end comes before the start")
    assert_accessible(page)

    page.goto(base + "/assessments")
    _checked(page, tmp_path, "assessments")
    page.get_by_role("button", name="Start the self-assessment").click()
    assert [t for t, _ in error_summary_links(page)][:2] == [
        "Choose what to assess against", "Give the assessment a title"]
    _checked(page, tmp_path, "assessments-refused")
    # the summary's link takes you to the field itself
    page.locator(".error-summary a", has_text="Give the assessment a title").click()
    assert page.evaluate("document.activeElement.name") == "title"
    page.get_by_label("Service user leadership spectrum").check()
    page.get_by_label("Title").fill("Where are we on the spectrum?")
    page.get_by_label("First day of the period it looks at").fill("2026-01-01")
    page.get_by_label("Last day of the period").fill("2026-12-31")
    page.get_by_role("button", name="Start the self-assessment").click()
    assert page.get_by_role("status").inner_text().startswith("The self-assessment has started")
    _checked(page, tmp_path, "assessment-started")
    first = page.locator(".reporting-criterion").first
    criterion = first.get_attribute("id").removeprefix("criterion-")
    first.get_by_label("2: mostly").check()
    first.get_by_label("Comment (optional)").fill("Most meetings have a service user.")
    first.get_by_role("button", name=f"Save your score for {criterion}").click()
    assert page.get_by_role("status").inner_text() == "Your score has been saved."
    _checked(page, tmp_path, "assessment-scored")

    # the story's change, confirmed by its author and a panel (the last events published)
    _wait_for_text(page, f"{site}/organisations/{org}/you-said-we-did",
                   "We now answer the phone within five rings.", lead["logs"])
    _checked(page, tmp_path, "you-said-we-did")
    print("screenshots:", tmp_path)
