"""The commissioning pages in a real headless Chromium, checked with axe (WCAG 2.2 AA) on a
desktop and a 320 pixel wide screen: a commissioner walks a seed 003 project (overview, groups,
meetings with a jargon-heavy paper flagged, briefings, evaluation), the involvement lead the
payments; a service user reads "My involvement", signs her working agreement and sends the
claim a meeting started for her with the keyboard alone, fixing the field named in the error."""
import os
import urllib.parse
from datetime import UTC, date, datetime, timedelta

import pytest
from journeys import assert_accessible, create_admin, emails_to, error_summary_links, link_in, sign_in, unique

from tests.support.commissioning import JARGON_PAPER, PLAIN_PAPER, PROJECT, TERMS
from tests.support.running import Client

PASSWORD = "commissioning password"
SHOTS = os.environ.get("COMMISSIONING_SCREENSHOTS")  # a folder to save screenshots in, if set


def shot(page, name):
    if SHOTS:
        os.makedirs(SHOTS, exist_ok=True)
        page.screenshot(path=os.path.join(SHOTS, f"{name}.png"), full_page=True)


def later(days):
    return (datetime.now(UTC) + timedelta(days=days)).isoformat()


def invitee(admin, site, data_dir, org, role, name):
    email = unique(name.split()[0].lower()) + "@example.org"
    status, body = admin.post(f"/api/v1/organisations/{org}/invitations",
                              {"email": email, "name": name, "role": role})
    assert status == 202, body
    [message] = emails_to(data_dir, email, "invited")
    query = urllib.parse.parse_qs(urllib.parse.urlsplit(link_in(message, site)).query)
    status, person = Client(site).post("/api/v1/auth/register", {
        "invitation": next(iter(query.values()))[0], "name": name, "email": email,
        "password": PASSWORD, "consents": ["being_contacted"]})
    assert status == 201, person
    return email, Client(site).sign_in(email, PASSWORD)


@pytest.fixture(scope="module")
def shire(browser, site, site_data_dir):
    """A county council with a seed 003 project: a steering group with Sue on it, a meeting
    held (so Sue has a claim to send), one coming up with a jargon-heavy paper, a briefing with
    one item released and one kept until the contract is awarded, Sue's agreement to sign, and
    Raj on the group with no agreement yet."""
    email = unique("admin") + "@example.org"
    create_admin(site_data_dir, email, "Ada Admin", PASSWORD)
    admin = Client(site).sign_in(email, PASSWORD)
    org = admin.post("/api/v1/organisations", {"name": unique("Shire County Council ")})[1]["id"]
    services = [admin.post(f"/api/v1/organisations/{org}/care-services",
                           {"name": n, "kind": "mental_health"})[1]["id"]
                for n in ("Riverside Day Centre", "Pathways Vocational Service")]
    people = {}
    for key, role, name in (("officer", "commissioner", "Olu Officer"),
                            ("lead", "involvement_lead", "Lee Lead"),
                            ("sue", "service_user", "Sue Smith"),
                            ("raj", "service_user", "Raj Patel")):
        people[key] = invitee(admin, site, site_data_dir, org, role, name)
    officer, lead, sue = (people[k][1] for k in ("officer", "lead", "sue"))
    api, pay = (f"/api/v1/organisations/{org}/commissioning",
                f"/api/v1/organisations/{org}/payments")
    project = officer.post(f"{api}/projects", {**PROJECT, "care_service_ids": services,
                                               "lead_officer_id": officer.person_id})[1]
    pid = project["id"]
    officer.post(f"{api}/projects/{pid}/principles", {
        "text": "Nobody loses a service before what replaces it is open.",
        "agreed_on": date.today().isoformat(), "agreed_by": [sue.person_id],
        "how_agreed": "First reference group meeting"})
    steering = officer.post(f"{api}/projects/{pid}/groups", {"kind": "steering",
                                                             "name": "Steering group"})[1]
    raj = people["raj"][1]  # joins with no agreement yet: the commissioner writes it on a page
    for person, capacity in ((sue.person_id, "service_user"), (raj.person_id, "service_user"),
                             (officer.person_id, "commissioner")):
        officer.post(f"{api}/groups/{steering['id']}/members",
                     {"person_id": person, "capacity": capacity})
    lead.post(f"{pay}/policies", {"effective_from": "2025-04-06", "rates": [
        {"activity_kind": "commissioning_meeting", "unit": "hour", "amount": "25.00"}]})
    held = officer.post(f"{api}/projects/{pid}/meetings", {
        "title": "First steering group", "group_id": steering["id"],
        "starts_at": later(-2)})[1]
    officer.post(f"{api}/meetings/{held['id']}/held", {"attendance": [
        {"person_id": sue.person_id, "status": "attended"},
        {"person_id": officer.person_id, "status": "attended"}]})
    coming = officer.post(f"{api}/projects/{pid}/meetings", {
        "title": "Steering group: the options", "group_id": steering["id"],
        "starts_at": later(7), "location": "Town Hall, room 2 (step-free)"})[1]
    officer.post(f"{api}/meetings/{coming['id']}/papers", {"title": "Options appraisal",
                                                            "body": JARGON_PAPER})
    briefing = officer.post(f"{api}/meetings/{held['id']}/briefings", {"items": [
        {"title": "Three options are being looked at",
         "detail": "The steering group is looking at three options for the day centre.",
         "until_event": "options published"},
        {"title": "The preferred provider",
         "detail": "The steering group prefers a user-led charity to run community hubs.",
         "until_event": "contract awarded"}]})[1]
    officer.post(f"{api}/meetings/{held['id']}/papers", {
        "title": "The three options", "body": PLAIN_PAPER,
        "confidential_item_id": briefing["items"][1]["id"]})
    officer.post(f"{api}/projects/{pid}/release-events", {"event": "options published"})
    officer.post(f"{api}/projects/{pid}/agreements", {**TERMS, "person_id": sue.person_id})
    return {"org": org, "pid": pid, "meeting": coming["id"], "people": people}


def walk(page, site, paths, name, width=None):
    if width:
        page.set_viewport_size({"width": width, "height": 900})
    for label, path in paths:
        page.goto(site + path)
        assert page.locator("h1").count() == 1, path
        assert_accessible(page)
        if width:  # nothing wider than the screen: no sideways scrolling of the page itself
            assert page.evaluate("document.documentElement.scrollWidth") <= width + 1, path
        shot(page, f"{name}-{label}" + (f"-{width}" if width else ""))


def test_the_commissioner_and_the_lead_walk_their_pages(page, new_page, site, shire):
    base = f"/organisations/{shire['org']}/commissioning"
    project = f"{base}/projects/{shire['pid']}"
    sign_in(page, site, shire["people"]["officer"][0], PASSWORD)
    paths = [("home", base), ("project", project), ("groups", project + "/groups"),
             ("meetings", project + "/meetings"), ("meeting", f"{base}/meetings/"
                                                              f"{shire['meeting']}"),
             ("briefings", project + "/briefings"), ("evaluation", project + "/evaluation"),
             ("people", project + "/people"), ("bulletins", project + "/bulletins")]
    walk(page, site, paths, "commissioner")
    page.goto(site + f"{base}/meetings/{shire['meeting']}")
    assert page.get_by_text("needs changes before it goes out").is_visible()
    page.goto(site + project + "/briefings")
    assert page.get_by_text("Keep this confidential until contract awarded.").is_visible()
    walk(page, site, paths, "commissioner", width=320)

    lead = new_page()
    sign_in(lead, site, shire["people"]["lead"][0], PASSWORD)
    walk(lead, site, [("payments", f"/organisations/{shire['org']}/payments")], "lead")
    walk(lead, site, [("payments", f"/organisations/{shire['org']}/payments")], "lead",
         width=320)


def test_a_service_user_signs_and_claims_with_the_keyboard(page, site, shire):
    page.set_viewport_size({"width": 320, "height": 900})
    sign_in(page, site, shire["people"]["sue"][0], PASSWORD)
    page.goto(site + "/account")
    page.get_by_role("link", name="My involvement in commissioning").click()
    assert_accessible(page)
    shot(page, "sue-my-involvement-320")
    assert page.get_by_text("Keep this confidential until contract awarded.").is_visible()
    assert page.get_by_text("You may share this now.").is_visible()
    assert page.get_by_text("Steering group: the options").is_visible()

    page.get_by_role("link", name="Read and sign it").click()
    assert_accessible(page)
    shot(page, "sue-sign-320")
    assert page.get_by_text(TERMS["complaints_process"]).is_visible()
    page.get_by_role("button", name="I agree: sign it").focus()
    with page.expect_navigation():
        page.keyboard.press("Enter")
    assert page.get_by_text("You have signed your working agreement.").is_visible()
    assert page.get_by_text("There is nothing for you to sign.").is_visible()

    page.get_by_role("link", name="Check and send this claim").first.click()
    assert_accessible(page)
    shot(page, "sue-claim-320")
    page.get_by_label("Travel costs (optional), in pounds").fill("4.80")
    with page.expect_navigation():  # no receipt yet
        page.get_by_label("Travel costs (optional), in pounds").press("Enter")
    assert page.title().startswith("Error:")
    assert_accessible(page)
    shot(page, "sue-claim-error-320")
    [(words, href)] = error_summary_links(page)
    assert href == "#claim-receipt" and "receipt" in words
    assert page.get_by_label("Travel costs (optional), in pounds").input_value() == "4.80"
    page.locator(".error-summary a").first.focus()
    page.keyboard.press("Enter")
    assert page.evaluate("document.activeElement.id") == "claim-receipt"
    page.keyboard.type("bus ticket")
    with page.expect_navigation():
        page.keyboard.press("Enter")
    assert page.get_by_text("Your claim has been sent.").is_visible()
    assert page.get_by_text("Waiting to be approved").is_visible()
    assert_accessible(page)
    page.set_viewport_size({"width": 1280, "height": 900})
    shot(page, "sue-my-involvement-desktop")


def test_the_commissioner_writes_an_agreement_signs_for_the_organisation_and_records_training(
        page, site, shire):
    """Raj joined the steering group with no agreement: the commissioner writes it (every part
    asked for by name when left empty), signs Sue's for the organisation after a confirmation,
    and records Raj's training, fixing a missing date; the project's page links there."""
    project = f"/organisations/{shire['org']}/commissioning/projects/{shire['pid']}"
    sign_in(page, site, shire["people"]["officer"][0], PASSWORD)
    page.goto(site + project)
    page.get_by_role("link", name="Write and sign working agreements, and record training").click()
    assert_accessible(page)
    shot(page, "commissioner-people")
    raj_row = page.get_by_role("row").filter(has_text="Raj Patel")
    assert "None yet." in raj_row.inner_text()
    raj_row.get_by_role("link", name="Write their agreement").click()
    assert page.locator("h1").inner_text() == "Write Raj Patel’s working agreement"
    page.locator("#agreement-role").fill(TERMS["role"])
    with page.expect_navigation():
        page.get_by_role("button", name="Save the agreement").click()
    assert page.title().startswith("Error:")
    assert_accessible(page)
    shot(page, "commissioner-agreement-error")
    links = error_summary_links(page)
    assert len(links) == 11 and ("Write what the agreement says about complaints process",
                                 "#agreement-complaints-process") in links
    assert page.locator("#agreement-role").input_value() == TERMS["role"]  # what was typed is kept
    for field, text in TERMS.items():
        page.locator(f"#agreement-{field.replace('_', '-')}").fill(text)
    with page.expect_navigation():
        page.get_by_role("button", name="Save the agreement").click()
    assert page.get_by_text("The working agreement has been written.").is_visible()
    raj_row = page.get_by_role("row").filter(has_text="Raj Patel")
    assert "Version 1: waiting for both signatures." in raj_row.inner_text()

    sue_row = page.get_by_role("row").filter(has_text="Sue Smith")
    sue_row.get_by_role("link", name="Sign for the organisation").click()
    assert page.locator("h1").inner_text() == "Sign Sue Smith’s working agreement for the organisation?"
    assert_accessible(page)
    with page.expect_navigation():
        page.get_by_role("button", name="Sign for the organisation").click()
    assert page.get_by_text("You have signed the agreement for the organisation.").is_visible()
    assert "Sign for the organisation" not in \
        page.get_by_role("row").filter(has_text="Sue Smith").inner_text()

    page.get_by_label("Who had the training?").select_option(label="Raj Patel")
    page.get_by_label("Interviewing potential providers").check()
    with page.expect_navigation():
        page.get_by_role("button", name="Record the training").click()
    assert error_summary_links(page) == [("Enter the date they finished the training",
                                          "#training-completed-on")]
    assert_accessible(page)
    page.get_by_label("When did they finish it?").fill(date.today().isoformat())
    with page.expect_navigation():
        page.get_by_role("button", name="Record the training").click()
    assert page.get_by_text("The training has been recorded.").is_visible()
    assert "Interviewing potential providers" in \
        page.get_by_role("row").filter(has_text="Raj Patel").inner_text()
    page.set_viewport_size({"width": 320, "height": 900})
    for path in (project + "/people",
                 f"{project}/people/{shire['people']['raj'][1].person_id}/agreement"):
        page.goto(site + path)
        assert_accessible(page)
        assert page.evaluate("document.documentElement.scrollWidth") <= 321, path
        shot(page, "commissioner-" + path.rsplit("/", 1)[-1] + "-320")
