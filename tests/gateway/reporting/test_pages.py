"""The reporting pages over HTTP: the dashboard with each chart beside its data table and the
figures in plain English, filters refused beside the field, an assessment scored from each side
and agreed through the forms, downloads, and the public 'you said, we did' page."""
import re
from urllib.parse import urlencode

from tests.support.accounts import PASSWORD, invite_and_register, make_org
from tests.support.running import Client

from .helpers import activity, download, figures, publish, wait_for

FORM = {"Content-Type": "application/x-www-form-urlencoded"}


def _post_form(client, path, fields):
    return client.request("POST", path, raw=urlencode({"csrf_token": client.csrf,
                                                        **fields}).encode(), headers=FORM)


def _setup(admin, amqp_uri):
    org = make_org(admin, "Phoenix Futures")
    ids = [admin.post(f"/api/v1/organisations/{org}/care-services",
                      {"name": name, "kind": "housing"})[1]["id"]
           for name in ("Day centre", "Helpline")]
    publish(amqp_uri, activity(org, ids, seed=11))
    wait_for(lambda: (lambda f: f["meetings_held"] and f["panels_selected"]
                      and f["changes_confirmed"])(figures(admin.get(
                          f"/api/v1/organisations/{org}/reporting/dashboard")[1])))
    return org, ids


def test_the_dashboard_shows_each_chart_beside_its_table_and_refuses_bad_filters(
        reporting, admin, amqp_uri_for_clients):
    org, (day_centre, _) = _setup(admin, amqp_uri_for_clients)
    status, html = admin.get(f"/organisations/{org}/reporting")
    assert status == 200
    pairs = re.findall(r'<div class="reporting-pair">\s*<figure class="chart reporting-chart">'
                       r'.*?</svg>.*?</figure>\s*<div class="table-wrap"[^>]*>\s*'
                       r'<table class="reporting-table">', html, re.S)
    charts = html.count("<svg xmlns")
    assert charts >= 10 and len(pairs) == charts  # every chart has its data table beside it
    assert "Stories published" in html and "Mystery-shopping calls" in html
    assert "Download the figures (CSV)" in html and "Rebuilds and backfills" in html
    dashboard = admin.get(f"/api/v1/organisations/{org}/reporting/dashboard")[1]
    stories = figures(dashboard)["stories_published"]
    assert re.search(rf"Stories published</h3>.*?<strong>{stories}</strong>", html, re.S)
    # one care service
    status, html = admin.get(f"/organisations/{org}/reporting?care_service_id={day_centre}")
    assert status == 200 and f'<option value="{day_centre}" selected>Day centre' in html
    # a period ending before it starts: said beside the field, the default period shown
    status, html = admin.get(f"/organisations/{org}/reporting?from=2026-05-01&to=2026-01-01")
    assert status == 422
    assert 'href="#to"' in html and "The end comes before the start" in html
    assert "Stories published" in html
    status, body, kind = download(admin, f"/organisations/{org}/reporting/dashboard.csv")
    assert status == 200 and kind.startswith("text/csv") and b"Stories published" in body
    status, body, kind = download(admin, f"/organisations/{org}/reporting/dashboard.pdf")
    assert status == 200 and body.startswith(b"%PDF")
    status, html = admin.get(f"/organisations/{org}/reporting/metrics")
    assert status == 200 and "How it is worked out" in html


def test_an_assessment_is_co_produced_through_the_forms(reporting, admin, service_config,
                                                        amqp_uri_for_clients):
    org, _ = _setup(admin, amqp_uri_for_clients)
    data_dir = service_config["DATA_DIR"]
    invite_and_register(admin, reporting, data_dir, org, "user@p.example", "service_user")
    invite_and_register(admin, reporting, data_dir, org, "lead@p.example", "involvement_lead")
    user = Client(reporting).sign_in("user@p.example", PASSWORD)
    lead = Client(reporting).sign_in("lead@p.example", PASSWORD)
    base = f"/organisations/{org}/reporting/assessments"
    status, html = _post_form(lead, base, {"framework": "leadership-spectrum", "title": "",
                                           "period_start": "1 January 2026",
                                           "period_end": "31 December 2026"})
    assert status == 422 and "Give the assessment a title" in html
    status, html = _post_form(lead, base, {"framework": "leadership-spectrum",
                                           "title": "Where are we on the spectrum?",
                                           "period_start": "1 January 2026",
                                           "period_end": "31 December 2026"})
    assert status == 200 and "The self-assessment has started" in html
    assessment = lead.get(f"/api/v1/organisations/{org}/reporting/assessments")[1][0]["id"]
    page = f"{base}/{assessment}"
    first = lead.get(f"/api/v1{page}")[1]["criteria"][0]["id"]
    # a score left out is said beside the radios
    status, html = _post_form(user, f"{page}/scores", {"criterion_id": first,
                                                        "perspective": "service_users"})
    assert status == 422 and f'href="#score-{first}-service_users-score-0"' in html
    status, html = _post_form(user, f"{page}/scores", {
        "criterion_id": first, "perspective": "service_users", "score": "1",
        "comment": "Some of us are asked."})
    assert status == 200 and "Your score has been saved" in html
    # the lead scores from the staff side, then both see both and agree
    _post_form(lead, f"{page}/scores", {"criterion_id": first, "perspective": "staff",
                                        "score": "2"})
    status, html = lead.get(page)
    assert "Some of us are asked." in html and "Record the agreed score for " + first in html
    status, html = _post_form(lead, f"{page}/agreements", {"criterion_id": first,
                                                            "score": "1", "rationale": ""})
    assert status == 422 and "Say why this score was agreed" in html
    status, html = _post_form(lead, f"{page}/agreements", {
        "criterion_id": first, "score": "1", "rationale": "Only a few are asked so far."})
    assert status == 200 and "Only a few are asked so far." in html
    assert "On the spectrum:" in html
    status, html = user.get(page)
    assert status == 200 and "Save your score for " + first not in html  # agreed: kept


def test_the_public_page_lists_changes_with_their_sources_and_no_one_by_name(
        reporting, admin, amqp_uri_for_clients):
    org, (_day_centre, helpline) = _setup(admin, amqp_uri_for_clients)
    anyone = Client(reporting)
    # each service's events reach reporting on their own queue, so the commissioning decision
    # may land a moment after the figures _setup waited for
    status, html = wait_for(lambda: (lambda r: r[0] == 200 and "Read the bulletin" in r[1] and r)(
        anyone.get(f"/organisations/{org}/you-said-we-did")), what="the released bulletin")
    assert status == 200 and "We now answer the phone within five rings." in html
    assert f'href="/organisations/{org}/stories/' in html
    assert "Read the bulletin" in html  # the released commissioning decision
    bulletin = re.search(rf'href="(/organisations/{org}/you-said-we-did/bulletins/[^"]+)"',
                         html).group(1)
    status, page = anyone.get(bulletin)
    assert status == 200 and "Keep the day centre open on Saturdays." in page
    status, html = anyone.get(f"/organisations/{org}/you-said-we-did?care_service_id={helpline}")
    assert status == 200 and '<option value="' + helpline + '" selected>' in html
    # a round shows only once the lead chooses to show it
    rounds = admin.get(f"/api/v1/organisations/{org}/reporting/rounds")[1]
    assert rounds and not any(r["published"] for r in rounds)
    status, _ = _post_form(admin, f"/organisations/{org}/reporting/rounds/{rounds[0]['round_id']}",
                           {"published": "yes"})
    assert status == 200
    status, page = anyone.get(f"/organisations/{org}/you-said-we-did/rounds/"
                              f"{rounds[0]['round_id']}")
    assert status == 200 and "Efficiency" in page
    assert anyone.get(f"/organisations/{org}/reporting")[0] in (200, 303)  # sign-in first
    status, html = anyone.get(f"/organisations/{org}/reporting")
    assert "Involvement dashboard" not in html
