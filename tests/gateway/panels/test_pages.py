"""The panels pages through a running gateway (form posts, as a browser without JavaScript
sends them): seed 004 set up with questions in words and the quotas form, volunteers
registering with a multi-choice question and their contact details, the selection started
only after registration is closed (asked on a page of its own), the panel invited, answers by
the link in the email, the public draw record, and a suggested quota change taken in one
click."""
import html as htmllib
import re
import time
from pathlib import Path
from urllib.parse import urlencode

import pytest

from involve.kernel.mail import read_outbox
from tests.support.accounts import make_org
from tests.support.panels import SERVICES, seed004_multi_volunteers
from tests.support.running import Client

FORM = {"Content-Type": "application/x-www-form-urlencoded"}
PURPOSE = "Student Wellbeing Service Panel: shape student-facing services"


@pytest.fixture
def database_url(tmp_path):
    """Page tests run on SQLite only: the same flows run on both databases one layer down
    (tests/panels, and test_invitations_api.py through the API)."""
    yield f"sqlite:///{tmp_path}/{{service}}.db"


def post_form(client, path, fields, token=None):
    data = {"csrf_token": token if token is not None else client.csrf}
    data.update(fields)
    return client.request("POST", path, raw=urlencode(data, doseq=True).encode(), headers=FORM)


def anonymous_token(client, path):
    """An anonymous form's CSRF token (and its cookie, kept by the client)."""
    status, page = client.get(path)
    assert status == 200, page
    return re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)


def text_of(page: str) -> str:
    return htmllib.unescape(re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", page)))


def summary(page: str) -> list[tuple[str, str]]:
    block = page.split('class="error-summary"', 1)[1].split("</div>", 1)[0]
    return [(href, htmllib.unescape(words)) for href, words in
            re.findall(r'<a href="([^"]+)">([^<]+)</a>', block)]


QUESTIONS = {
    "purpose": PURPOSE, "panel_size": "12", "household_rule": "yes", "questions": "3",
    "q-0-question": "What is your gender?", "q-0-name": "gender", "q-0-answers": "woman\nman",
    "q-0-kind": "one",
    "q-1-question": "What level are you studying at?", "q-1-name": "level of study",
    "q-1-answers": "postgraduate\nundergraduate", "q-1-kind": "one",
    "q-2-question": "Which of these services have you used?", "q-2-name": "services used",
    "q-2-answers": "\n".join(SERVICES), "q-2-kind": "several",
}
SEED004_QUOTAS = {"q-0-mode": "share", "q-0-share": "50:50", "q-1-mode": "share",
                  "q-1-share": "60:40", "q-2-mode": "at_least", "q-2-at-least": "4"}


def open_seed004(admin, org):
    base = f"/admin/organisations/{org}/panels"
    status, page = post_form(admin, base, QUESTIONS)
    assert status == 200 and "Next, set the quotas" in page, text_of(page)[:500]
    campaign_id = re.search(rf"{base}/([0-9a-f-]{{36}})/quotas", page).group(1)
    status, page = post_form(admin, f"{base}/{campaign_id}/quotas", SEED004_QUOTAS)
    assert status == 200 and "The quotas have been saved." in page, summary(page)
    return base, campaign_id


def test_questions_and_quotas_are_set_in_words_with_plain_checks(platform, admin):
    org = make_org(admin, "LSE Student Wellbeing Service")
    base = f"/admin/organisations/{org}/panels"

    # Forgetting everything: each missing answer named and linked
    status, page = post_form(admin, base, {"questions": "3"})
    assert status == 422
    assert [h for h, _ in summary(page)] == ["#campaign-purpose", "#campaign-panel-size",
                                             "#campaign-q-0-name"]
    # a panel of 100000 is told the real limit; a question needs a name and two answers
    status, page = post_form(admin, base, dict(QUESTIONS, panel_size="100000",
                                               **{"q-1-name": "", "q-2-answers": ""}))
    assert summary(page) == [
        ("#campaign-panel-size", "A panel can have from 1 to 10,000 places: enter a number in "
                                 "that range, like 12"),
        ("#campaign-q-1-name", "Question 2: give it a short name, like gender"),
        ("#campaign-q-2-answers", "Question 3: give at least one answer, one on each line")]
    assert 'value="What is your gender?"' in page  # what was typed is kept
    # "Add another question" saves nothing and adds a block, keeping what was typed
    status, page = post_form(admin, base, dict(QUESTIONS, more="question"))
    assert status == 200 and "Question 4 (optional)" in page and "woman\nman" in page
    assert "No campaigns yet." in page

    base, campaign_id = open_seed004(admin, org)
    status, page = admin.get(f"{base}/{campaign_id}/quotas")
    words = text_of(page)
    assert "What is your gender?" in words and "Which of these services have you used?" in words
    assert "woman 0 exactly 6" in words and "postgraduate 0 7 to 8" in words
    assert "wellbeing 0 4 to 12" in words and "Fewer than" not in words  # nobody yet
    assert 'value="50:50"' in page and 'value="4"' in page
    assert "A share of the places, like 60:40" in words  # the quota rules in words

    # plain-English checks, beside the question concerned, with what was typed kept
    status, page = post_form(admin, f"{base}/{campaign_id}/quotas", dict(
        SEED004_QUOTAS, **{"q-1-share": "60"}))
    assert summary(page) == [("#quotas-q-1-share", "“level of study”: give one share for each "
                                                   "answer, in the order postgraduate, "
                                                   "undergraduate, like 60:40")]
    assert 'value="60"' in page
    numbers = dict(SEED004_QUOTAS, **{"q-0-mode": "numbers", "q-0-0-min": "8", "q-0-0-max": "",
                                      "q-0-1-min": "8", "q-0-1-max": ""})
    status, page = post_form(admin, f"{base}/{campaign_id}/quotas", numbers)
    assert status == 422 and summary(page) == [(
        "#quotas-q-0-mode-0", "The minimums for “gender” add up to 16, but the panel has only "
                              "12 places. Lower some of them.")]
    assert "woman 0 exactly 6" in text_of(page), "the places now are the saved ones, not typed"
    assert 'value="8"' in page  # what was typed is kept
    status, page = post_form(admin, f"{base}/{campaign_id}/quotas", dict(
        numbers, **{"q-0-0-min": "13"}))
    assert summary(page) == [("#quotas-q-0-0-min", "“gender: woman”: at least 13 is more than "
                                                   "the panel's 12 places")]
    status, page = post_form(admin, f"{base}/{campaign_id}/quotas", dict(
        SEED004_QUOTAS, **{"q-2-at-least": "four"}))
    assert summary(page)[0][0] == "#quotas-q-2-at-least"

    # nobody registered yet: starting a selection or checking says so, not "pool" or "column"
    status, page = post_form(admin, f"{base}/{campaign_id}/selections", {"algorithm": "leximin"})
    assert status == 422 and ("0 people have registered so far, and the panel has 12 places."
                              in text_of(page))
    status, page = admin.get(f"{base}/{campaign_id}/quotas?check=quotas")
    assert "Not yet." in page and "The pool cannot be used" not in page

    # too few who ticked an answer: the check says so in the questions' own words
    for person in seed004_multi_volunteers(12):
        assert Client(platform).post(f"/api/v1/panels/campaigns/{campaign_id}/registrations",
                                     person)[0] == 201
    status, page = post_form(admin, f"{base}/{campaign_id}/quotas", dict(
        SEED004_QUOTAS, **{"q-2-at-least": "12"}))
    assert "The quotas have been saved." in page, summary(page)
    status, page = admin.get(f"{base}/{campaign_id}/quotas?check=quotas")
    words = text_of(page)
    assert "No, not with the people registered so far." in words, words
    assert re.search(r"The quotas ask for at least 12 people who ticked “wellbeing” for “Which "
                     r"of these services have you used\?”, but only \d+ of the people who "
                     r"registered did\.", words), words
    assert "volunteer(s)" not in words and "=yes" not in words


def wait_for_mail(data_dir, address, subject_has, wait=20.0):
    deadline = time.monotonic() + wait
    while True:
        found = [m for m in read_outbox(Path(data_dir) / "mail")
                 if m["To"] == address and subject_has in m["Subject"]]
        if found or time.monotonic() > deadline:
            return found
        time.sleep(0.2)


def test_seed_004_from_registration_to_an_invited_panel(platform, admin, service_config):
    data_dir = service_config["DATA_DIR"]
    org = make_org(admin, "LSE Student Wellbeing Service")
    base, campaign_id = open_seed004(admin, org)
    register = f"/panels/{campaign_id}/register"

    # three students on the public page, the rest through the API
    volunteers = seed004_multi_volunteers()
    students = [Client(platform) for _ in range(3)]
    token = anonymous_token(students[0], register)
    status, page = post_form(students[0], register, {}, token)
    assert status == 422
    assert [h for h, _ in summary(page)] == ["#answer-0-0", "#answer-1-0", "#name", "#email",
                                             "#consent-to-selection", "#consent-to-contact"]
    assert "Tick all that apply" in page and "Which of these services have you used?" in page
    references = {}
    for n, student in enumerate(students):
        a = volunteers[n]["answers"]
        fields = {"answer-0": a["Gender"].lower(), "answer-1": a["level of study"].lower(),
                  "answer-2": [str(SERVICES.index(s)) for s in a["services used"]],
                  "name": f"Student {n}", "consent_to_selection": "yes",
                  "consent_to_contact": "yes", "household_address": f"{n} Houghton Street"}
        fields.update({"phone": "020 7946 0002"} if n == 2 else
                      {"email": f"student{n}@example.org"})
        status, page = post_form(student, register, fields, anonymous_token(student, register))
        assert status == 200 and "Thank you, you have registered your interest" in page
        reference = re.search(r'<p class="reference"><code>([0-9a-f-]{36})</code>', page).group(1)
        references[reference] = fields
        assert f'href="/panels/{campaign_id}/draw#ref-{reference}"' in page
        words = text_of(page)
        if n == 2:
            assert "the organisers will phone you on the number you gave" in words
        else:
            assert "we will email you a link to say whether you can take part" in words
        assert "If you are not chosen, we will not contact you." in words
    status, page = Client(platform).get(f"/panels/{campaign_id}/draw")
    assert status == 200 and "The draw has not happened yet" in page
    for n, person in enumerate(volunteers[3:], start=3):
        contact = ({"name": f"Student {n}", "phone": f"020 7946 {n:04}"} if n % 3 == 2 else
                   {"name": f"Student {n}", "email": f"student{n}@example.org"})
        status, body = Client(platform).post(
            f"/api/v1/panels/campaigns/{campaign_id}/registrations", dict(person, contact=contact))
        assert status == 201, body
    status, page = admin.get(f"{base}/{campaign_id}")
    assert "45 people have registered" in text_of(page)

    # starting while registration is open asks first, on a page of its own
    status, page = post_form(admin, f"{base}/{campaign_id}/selections",
                             {"algorithm": "leximin", "seed": "2026"})
    assert status == 200 and "Registration is still open. Close it and start the selection?" \
        in htmllib.unescape(page)
    assert 'name="confirmed" value="yes"' in page and 'name="seed" value="2026"' in page
    status, page = post_form(admin, f"{base}/{campaign_id}/selections",
                             {"algorithm": "leximin", "seed": "2026", "confirmed": "yes"})
    assert status == 200 and "Panel selection" in page
    selection_id = re.search(r"/panels/selections/([0-9a-f-]{36})", page).group(1)
    status, campaign = admin.get(f"/api/v1/organisations/{org}/panels/campaigns/{campaign_id}")
    assert campaign["status"] == "closed"
    deadline = time.monotonic() + 90
    while "Who was chosen" not in page:
        assert time.monotonic() < deadline, "the selection did not finish"
        time.sleep(0.5)
        status, page = admin.get(f"{base}/selections/{selection_id}")
    assert page.count("Find a replacement<span") == 12
    for part in ("fairness", "chances"):
        status, other = admin.get(f"{base}/selections/{selection_id}/{part}")
        assert status == 200 and 'aria-current="page"' in other
    status, fairness = admin.get(f"{base}/selections/{selection_id}/fairness")
    assert "services used: ticked “counselling”" in htmllib.unescape(fairness)
    assert "did not tick" not in htmllib.unescape(fairness)
    status, quotas = admin.get(f"{base}/{campaign_id}/quotas")
    assert "can no longer be changed" in quotas and "Save the quotas" not in quotas

    # inviting asks first, then links go by email, and the rest are for the coordinator
    status, page = post_form(admin, f"{base}/selections/{selection_id}/invite",
                             {"message": "We first meet on 3 March."})
    assert status == 200 and "Invite the 12 people chosen?" in page
    assert 'name="message" value="We first meet on 3 March."' in page
    status, page = post_form(admin, f"{base}/selections/{selection_id}/invite",
                             {"message": "We first meet on 3 March.", "confirmed": "yes"})
    assert status == 200 and "The panel has been invited." in page
    words = text_of(page)
    assert re.search(r"Student \d+", words), "the platform administrator sees names"
    assert "Contact them yourself by phone" in words and "Sent a link" in words
    links = []
    for n in range(45):
        for email in wait_for_mail(data_dir, f"student{n}@example.org", "You have been chosen",
                                   wait=0.2 if links else 10):
            links.append(re.search(r"(/panels/invitations/[\w-]+)", email.get_content()).group(1))
    assert len(links) >= 2

    volunteer = Client(platform)
    status, page = volunteer.get(links[0])
    assert status == 200 and "You have been chosen for a panel" in page
    assert "We first meet on 3 March." in page
    token = re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)
    status, page = post_form(volunteer, links[0] + "/accept", {}, token)
    assert status == 200 and "Thank you: you will take part" in page
    other = Client(platform)
    status, page = other.get(links[1] + "/decline")
    assert status == 200 and "Tell the organisers you cannot take part?" in page
    token = re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)
    status, page = post_form(other, links[1] + "/decline", {}, token)  # not confirmed: asks
    assert "Tell the organisers you cannot take part?" in page
    status, page = post_form(other, links[1] + "/decline", {"confirmed": "yes"}, token)
    assert status == 200 and "Thank you for letting us know" in page
    assert wait_for_mail(data_dir, "admin@involve.test", "A panel member cannot take part")

    status, page = admin.get(f"{base}/selections/{selection_id}")
    words = text_of(page)
    assert "Will take part" in words and "Cannot take part" in words and "Replaced by" in words
    phone = re.search(rf"{base}/selections/{selection_id}/members/([0-9a-f-]{{36}})/contact",
                      page)
    assert phone, "a member who gave only a phone number can be phoned"
    status, contact = admin.get(phone.group(0))
    assert status == 200 and "020 7946" in contact and "recorded in the organisation's audit log" \
        in contact

    # anyone reads the draw record; a volunteer's reference can be highlighted by its link
    status, page = Client(platform).get(f"/panels/{campaign_id}/draw")
    assert status == 200 and "Public draw record" in page
    for reference in references:
        assert f'<tr id="ref-{reference}">' in page
    assert page.count("Yes, chosen") == 12 and page.count("Not chosen") == 33
    assert "Yes: the people chosen in this draw were invited" in page
    assert "services used: ticked “wellbeing”" in htmllib.unescape(page)
    assert f"/api/v1/panels/selections/{selection_id}/draw-record" in page
    assert not re.search(r"Student \d", page) and "example.org" not in page


def test_a_suggested_change_is_one_click_and_closing_asks_first(platform, admin, service_config):
    org = make_org(admin)
    base, campaign_id = open_seed004(admin, org)
    for person in seed004_multi_volunteers():
        assert Client(platform).post(f"/api/v1/panels/campaigns/{campaign_id}/registrations",
                                     person)[0] == 201
    # 11 of 12 who used disability and 11 who used counselling: only 10 used both
    impossible = dict(SEED004_QUOTAS, **{"q-2-mode": "numbers"})
    for j, service in enumerate(SERVICES):
        impossible[f"q-2-{j}-min"] = "11" if service in ("disability", "counselling") else "4"
        impossible[f"q-2-{j}-max"] = ""
    status, page = post_form(admin, f"{base}/{campaign_id}/quotas", impossible)
    assert "The quotas have been saved." in page, summary(page)
    status, page = admin.get(f"{base}/{campaign_id}/quotas?check=quotas")
    assert "No, not with the people registered so far." in page
    assert "No panel of 12 people can meet all the quotas at once." in page
    assert "=yes" not in page and "place(s)" not in page
    change = re.search(r'action="[^"]+/quotas/change".*?</form>', page, re.S).group(0)
    fields = dict(re.findall(r'name="(feature|value|new_min|new_max)" value="([^"]*)"', change))
    assert fields["feature"].startswith("services used: ") and fields["value"] == "yes"
    assert re.search(r"(Lower the minimum|Raise the maximum)", change)
    status, page = post_form(admin, f"{base}/{campaign_id}/quotas/change",
                             {k: htmllib.unescape(v) for k, v in fields.items()})
    assert status == 200 and "The quota has been changed." in page

    # closing registration asks first; a one-click post only leads to the question
    status, page = admin.get(f"{base}/{campaign_id}/close")
    assert status == 200 and "Close registration for" in page and "This cannot be undone." in page
    status, page = post_form(admin, f"{base}/{campaign_id}/close", {})
    assert "What will happen" in page
    status, campaign = admin.get(f"/api/v1/organisations/{org}/panels/campaigns/{campaign_id}")
    assert campaign["status"] == "open"
    status, page = post_form(admin, f"{base}/{campaign_id}/close", {"confirmed": "yes"})
    assert "Registration has closed. Nobody else can register." in page
    status, page = Client(platform).get(f"/panels/{campaign_id}/register")
    assert status == 410 and "public draw record" in page

    # with registration closed, starting the draw still asks first, saying it is published
    status, page = post_form(admin, f"{base}/{campaign_id}/selections",
                             {"algorithm": "maximin", "seed": "7"})
    words = text_of(page)
    assert status == 200 and "Start the selection?" in words
    assert "chooses 12 people from the 45 who registered, using MAXIMIN with the seed 7." in words
    assert "public draw record" in words and "cannot be taken back" in words
    status, selections = admin.get(
        f"/api/v1/organisations/{org}/panels/campaigns/{campaign_id}/selections")
    assert status == 200 and selections == [], "nothing runs before the question is answered"

    # a selection with quotas nobody can meet stops; the page and the coordinator's message say
    # why in the campaign's own words
    status, page = post_form(admin, f"{base}/{campaign_id}/quotas", impossible)
    assert "The quotas have been saved." in page, summary(page)
    status, page = post_form(admin, f"{base}/{campaign_id}/selections",
                             {"algorithm": "maximin", "seed": "7", "confirmed": "yes"})
    selection_id = re.search(r"/panels/selections/([0-9a-f-]{36})", page).group(1)
    deadline = time.monotonic() + 90
    while "stopped without a result" not in page:
        assert time.monotonic() < deadline, "the selection did not stop"
        time.sleep(0.5)
        status, page = admin.get(f"{base}/selections/{selection_id}")
    words = text_of(page)
    assert "No panel can meet every quota with the people who registered" in words
    assert re.search(r"services used: ticked “(disability|counselling)”: lower the minimum "
                     r"from 11 to 10", words), words
    assert "=yes" not in words and "place(s)" not in words
    [message] = wait_for_mail(service_config["DATA_DIR"], "admin@involve.test",
                              "Your panel selection stopped without a result")
    body = message.get_content()
    assert "No panel can meet every quota with the people who registered." in body
    assert f"/panels/selections/{selection_id}" in body and "=yes" not in body
