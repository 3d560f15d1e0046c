"""The commissioning pages through a running gateway: the commissioner's project, groups,
meetings (the plain-English check shown to the author), briefings, evaluation and payments; a
service user's "My involvement" (what to sign, what is coming up, what they may share now or
must keep until when, their claims); errors beside the fields with what was typed kept; a
confidential paper refused on download; releasing only through its confirmation page."""
from datetime import UTC, date, datetime, timedelta
from urllib.parse import urlencode

from tests.support.commissioning import JARGON_PAPER, PLAIN_PAPER, PROJECT, TERMS


def form_post(client, path, fields):
    data = urlencode({"csrf_token": client.csrf, **fields}, doseq=True).encode()
    return client.request("POST", path, raw=data, csrf=False, headers={
        "Content-Type": "application/x-www-form-urlencoded"})


def later(days):
    return (datetime.now(UTC) + timedelta(days=days)).isoformat()


def test_commissioner_and_service_user_pages(county):
    api, ids, who = county.api, county.ids, county.clients
    officer, sue, eve = who["officer"], who["sue"], who["eve"]
    pages = f"/organisations/{county.org}/commissioning"

    # starting a project: a missing answer is named beside its field, the rest is kept
    status, html = form_post(officer, pages + "/projects", {
        "title": "Day services", "purpose": "", "care_service_ids": county.services[0],
        "negotiable": "Where", "not_negotiable": "The budget",
        "formal_responsibility": "The cabinet member", "how_decisions_are_made": "Together",
        "quality": "70", "price": "20", "social_value": "5"})
    assert status == 422
    assert 'href="#project-purpose"' in html and "Say what the project is for" in html
    assert 'href="#project-quality"' in html and "add up to 100" in html
    assert 'value="Day services"' in html and "The cabinet member" in html
    assert officer.get(api + "/projects")[1] == []  # nothing stored

    project = officer.post(f"{api}/projects", {**PROJECT, "care_service_ids": county.services,
                                               "lead_officer_id": ids["officer"]})[1]
    pid = project["id"]
    steering = officer.post(f"{api}/projects/{pid}/groups", {"kind": "steering",
                                                             "name": "Steering group"})[1]
    officer.post(f"{api}/projects/{pid}/groups", {"kind": "reference",
                                                  "name": "Reference group"})
    status, html = officer.get(f"{pages}/projects/{pid}")
    assert status == 200 and "What is already decided" in html
    assert PROJECT["not_negotiable"] in html and "cannot leave Analyse" in html
    # moving on without principles: the page says why, it does not break
    status, html = form_post(officer, f"{pages}/projects/{pid}/phase", {"confirmed": "yes",
                                                                         "phase": "plan"})
    assert status == 409 and "cannot move on yet" in html

    # adding people by name through the picker
    status, html = form_post(officer, f"{pages}/projects/{pid}/members", {
        "group_id": steering["id"], "capacity": "service_user", "person_ids": [ids["sue"],
                                                                                ids["raj"]]})
    assert status == 200 and "The people have been added to the group." in html
    status, html = officer.get(f"{pages}/projects/{pid}/groups")
    assert "Sue" in html and "Raj" in html and "2 of 2 members are service users" in html
    status, html = officer.get(f"{pages}/projects/{pid}")
    assert "Sue" in html and "working agreement" in html  # not ready yet, by name

    # a meeting; the jargon paper shows the author what to fix
    meeting = officer.post(f"{api}/projects/{pid}/meetings", {
        "title": "Steering group: the options", "group_id": steering["id"],
        "starts_at": later(7)})[1]
    status, html = form_post(officer, f"{pages}/meetings/{meeting['id']}/papers", {
        "title": "Options appraisal", "body": JARGON_PAPER})
    assert status == 200 and "Look at the plain-English check below." in html
    assert "needs changes before it goes out" in html and "QIPP" in html
    paper = next(p for p in officer.get(f"{api}/meetings/{meeting['id']}")[1]["papers"])
    status, html = form_post(officer, f"{pages}/papers/{paper['id']}/issue",
                             {"meeting_id": meeting["id"]})
    assert status == 409 and "has not gone out" in html

    # a briefing: a confidential paper refused on download outside the group
    status, html = form_post(officer, f"{pages}/meetings/{meeting['id']}/briefings", {
        "title": "The preferred provider", "detail": "A user-led charity.",
        "until_kind": "event", "until_event": ""})
    assert status == 422 and 'href="#briefing-until-event"' in html
    assert "A user-led charity." in html  # kept
    briefing = officer.post(f"{api}/meetings/{meeting['id']}/briefings", {"items": [
        {"title": "The preferred provider", "detail": "A user-led charity.",
         "until_event": "contract awarded"}]})[1]
    item = briefing["items"][0]
    secret = officer.post(f"{api}/meetings/{meeting['id']}/papers", {
        "title": "The three options", "body": PLAIN_PAPER,
        "confidential_item_id": item["id"]})[1]
    finance = who["finance"]  # staff who read every project, outside the steering group
    status, body = finance.get(f"{pages}/papers/{secret['id']}/download")
    assert status == 403 and PLAIN_PAPER not in body
    assert eve.get(f"{pages}/papers/{secret['id']}/download")[0] == 403
    status, body = sue.get(f"{pages}/papers/{secret['id']}/download")
    assert status == 200 and PLAIN_PAPER in body
    status, html = officer.get(f"{pages}/projects/{pid}/briefings")
    assert "Keep this confidential until contract awarded." in html
    assert f"/items/{item['id']}/release" in html
    assert sue.get(f"{pages}/items/{item['id']}/release")[0] == 403
    status, html = officer.get(f"{pages}/items/{item['id']}/release")
    assert status == 200 and "This cannot be undone." in html
    status, html = form_post(officer, f"{pages}/items/{item['id']}/release", {})
    assert "This cannot be undone." in html  # a POST without the confirmation: the question
    assert finance.get(f"{pages}/papers/{secret['id']}/download")[0] == 403
    assert "The item has been released." in form_post(
        officer, f"{pages}/items/{item['id']}/release", {"confirmed": "yes"})[1]
    assert PLAIN_PAPER in finance.get(f"{pages}/papers/{secret['id']}/download")[1]

    # a bulletin from released information only: a still-confidential item is refused by name
    kept = officer.post(f"{api}/meetings/{meeting['id']}/briefings", {"items": [
        {"title": "The budget for next year", "detail": "Four hundred thousand pounds.",
         "until_event": "budget set"}]})[1]["items"][0]
    bulletins = f"{pages}/projects/{pid}/bulletins"
    status, html = officer.get(bulletins)
    assert status == 200 and "The preferred provider" in html  # released: may be used
    assert "The budget for next year" not in html  # still confidential: not even offered
    status, html = form_post(officer, bulletins, {
        "title": "Day services: where we are", "introduction": PLAIN_PAPER,
        "item_ids": [item["id"], kept["id"]]})
    assert status == 422 and 'href="#bulletin-item-ids"' in html
    assert officer.get(f"{api}/projects/{pid}/bulletins")[1] == []  # nothing stored
    status, html = form_post(officer, bulletins, {
        "title": "Day services: where we are", "introduction": JARGON_PAPER,
        "item_ids": [item["id"]]})
    assert "The bulletin has been saved as a draft." in html, (status, html[html.find("<main"):][:2000])
    assert "needs changes before it goes out" in html and "A user-led charity." in html
    [draft] = officer.get(f"{api}/projects/{pid}/bulletins")[1]
    publish = f"{pages}/bulletins/{draft['id']}/publish"
    status, html = form_post(officer, publish, {"project_id": pid})
    assert status == 409 and "The bulletin has not been published" in html
    assert sue.get(bulletins)[1].count("Day services: where we are") == 0  # a draft: not shown
    status, html = form_post(officer, publish, {"project_id": pid, "publish_anyway": "yes",
                                                "reason": "The board asked for it today."})
    assert "The bulletin has been published." in html
    status, html = sue.get(bulletins)
    assert status == 200 and "Day services: where we are" in html and "A user-led charity." in html
    assert f"/bulletins/{draft['id']}/publish" not in html  # a service user cannot publish
    assert form_post(sue, publish, {"project_id": pid})[0] == 403

    # Sue's "My involvement": what to sign, what is coming up, what she may share
    agreement = officer.post(f"{api}/projects/{pid}/agreements",
                             {**TERMS, "person_id": ids["sue"]})[1]
    status, html = sue.get(f"{pages}/my-involvement")
    assert status == 200 and "Read and sign it" in html
    assert "Steering group: the options" in html and "You may share this now." in html
    status, html = sue.get(f"{pages}/agreements/{agreement['id']}/sign")
    assert status == 200 and TERMS["complaints_process"] in html
    status, html = form_post(sue, f"{pages}/agreements/{agreement['id']}/sign",
                             {"confirmed": "yes"})
    assert "You have signed" in html and "There is nothing for you to sign." in html
    assert eve.get(f"{pages}/agreements/{agreement['id']}/sign")[0] == 403

    # the commissioner's side: Raj's agreement written on a page, Sue's signed for the council
    people = f"{pages}/projects/{pid}/people"
    assert sue.get(people)[0] == 403
    status, html = officer.get(people)
    assert status == 200 and "signed by Sue; waiting for the organisation." in html
    assert f"/agreements/{agreement['id']}/countersign" in html and "None yet." in html
    status, html = form_post(officer, f"{people}/{ids['raj']}/agreement",
                             {**TERMS, "remit": ""})
    assert status == 422 and 'href="#agreement-remit"' in html and TERMS["role"] in html
    assert all(a["person_id"] != ids["raj"]
               for a in officer.get(f"{api}/projects/{pid}/agreements")[1])  # nothing stored
    status, html = form_post(officer, f"{people}/{ids['raj']}/agreement", TERMS)
    assert status == 200 and "The working agreement has been written." in html
    status, html = form_post(officer, f"{people}/{ids['raj']}/agreement",
                             {**TERMS, "support": "A buddy at every meeting."})
    assert "Both sides need to sign the new version." in html
    raj = next(a for a in officer.get(f"{api}/projects/{pid}/agreements")[1]
               if a["person_id"] == ids["raj"])
    assert raj["version"] == 2 and raj["terms"]["support"] == "A buddy at every meeting."
    countersign = f"{pages}/projects/{pid}/agreements/{agreement['id']}/countersign"
    assert sue.get(countersign)[0] == 403
    html = form_post(officer, countersign, {})[1]
    assert "Sign for the organisation" in html, html[html.find("<main"):][:1500]  # the question
    status, html = form_post(officer, countersign, {"confirmed": "yes"})
    assert "You have signed the agreement for the organisation." in html
    assert "signed by both sides" in html
    status, html = form_post(officer, f"{pages}/projects/{pid}/training", {
        "person_id": ids["raj"], "kind": "interviewing_providers", "completed_on": ""})
    assert status == 422 and 'href="#training-completed-on"' in html
    status, html = form_post(officer, f"{pages}/projects/{pid}/training", {
        "person_id": ids["raj"], "kind": "interviewing_providers",
        "completed_on": date.today().isoformat()})
    assert "The training has been recorded." in html and "Interviewing potential providers" in html

    # the evaluation page and payments for staff; a service user is refused both
    assert officer.get(f"{pages}/projects/{pid}/evaluation")[0] == 200
    assert sue.get(f"{pages}/projects/{pid}/evaluation")[0] == 403
    assert sue.get(f"/organisations/{county.org}/payments")[0] == 403


def test_a_service_user_completes_the_claim_a_meeting_started(county):
    api, pay, ids, who = county.api, county.pay, county.ids, county.clients
    officer, lead, sue = who["officer"], who["lead"], who["sue"]
    pages = f"/organisations/{county.org}/commissioning"
    lead.post(f"{pay}/policies", {"effective_from": "2025-04-06", "rates": [
        {"activity_kind": "commissioning_meeting", "unit": "hour", "amount": "25.00"}]})
    project = officer.post(f"{api}/projects", {**PROJECT,
                                               "care_service_ids": county.services})[1]
    group = officer.post(f"{api}/projects/{project['id']}/groups",
                         {"kind": "reference", "name": "Reference group"})[1]
    officer.post(f"{api}/groups/{group['id']}/members", {"person_id": ids["sue"],
                                                         "capacity": "service_user"})
    meeting = officer.post(f"{api}/projects/{project['id']}/meetings", {
        "title": "First meeting", "group_id": group["id"], "starts_at": later(-1)})[1]
    officer.post(f"{api}/meetings/{meeting['id']}/held", {"attendance": [
        {"person_id": ids["sue"], "status": "attended"}]})
    import time
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:
        claims = sue.get(f"{api}/my-involvement")[1]["payments"]["claims"]
        if claims:
            break
        time.sleep(0.3)
    draft = claims[0]
    status, html = sue.get(f"{pages}/my-involvement")
    assert f"/claims/{draft['id']}" in html and "benefits advice" in html
    # travel without saying what receipt: named beside the field, the amount kept
    status, html = form_post(sue, f"{pages}/claims/{draft['id']}", {
        "payment_choice": "full", "method": "bank", "travel": "4.80", "receipt": "",
        "attendance_hours": "2", "preparation_hours": "0"})
    assert status == 422 and 'href="#claim-receipt"' in html and 'value="4.80"' in html
    status, html = form_post(sue, f"{pages}/claims/{draft['id']}", {
        "payment_choice": "full", "method": "bank", "travel": "4.80", "receipt": "bus ticket",
        "attendance_hours": "2", "preparation_hours": "0"})
    assert status == 200 and "Your claim has been sent." in html
    claim = sue.get(f"{pay}/claims/{draft['id']}")[1]
    assert claim["status"] == "submitted" and claim["total"] == "54.80"
    status, html = lead.get(f"/organisations/{county.org}/payments")
    assert status == 200 and "Sue" in html and "£54.80" in html
    assert f"/claims/{draft['id']}/authorise" in html
    status, html = lead.get(f"/organisations/{county.org}/payments/claims/{draft['id']}"
                            "/authorise")
    assert status == 200 and "Approve Sue’s claim for £54.80?" in html
    status, html = form_post(lead, f"/organisations/{county.org}/payments/claims/"
                                   f"{draft['id']}/authorise", {"confirmed": "yes"})
    assert "The claim has been approved." in html and "Offer benefits advice first" in html
    lead.post(f"{pay}/benefits-advice", {"person_id": ids["sue"],
                                         "offered_on": date.today().isoformat()})
    for _ in range(2):  # twice: still paid once
        status, html = form_post(lead, f"/organisations/{county.org}/payments/claims/"
                                       f"{draft['id']}/pay", {"confirmed": "yes"})
        assert status == 200 and "The payment has been recorded." in html
    assert "Paid on" in sue.get(f"{pages}/my-involvement")[1]
    csv = lead.get(f"{pay}/export.csv")[1]
    assert sum(1 for row in csv.splitlines() if draft["id"] in row) == 1


def test_scoring_on_your_own_then_moderation_then_the_ranking(county):
    """An evaluator's scoring form: others' scores hidden until one's own are submitted (said on
    the page), a declared conflict blocking one bidder (said on the page), a missing reason named
    beside its field with the score kept, submitting only through its confirmation page; then
    moderation with the independent scores beside each agreed score, and the ranking."""
    api, ids, who = county.api, county.ids, county.clients
    officer, sue = who["officer"], who["sue"]
    pages = f"/organisations/{county.org}/commissioning"
    day_centre = county.services[0]
    pid = officer.post(f"{api}/projects", {**PROJECT, "care_service_ids": county.services})[1][
        "id"]
    panel = officer.post(f"{api}/projects/{pid}/groups", {"kind": "evaluation_panel",
                                                          "name": "Evaluation panel"})[1]
    for name, capacity in (("sue", "service_user"), ("officer", "commissioner")):
        officer.post(f"{api}/groups/{panel['id']}/members", {"person_id": ids[name],
                                                             "capacity": capacity})
    tid = officer.post(f"{api}/projects/{pid}/tenders", {
        "title": "Day opportunities", "evaluation_group_id": panel["id"],
        "value_amount": "450000"})[1]["id"]
    incumbent = officer.post(f"{api}/tenders/{tid}/bidders", {
        "name": "Riverside Care Ltd", "care_service_ids": [day_centre],
        "bid_value": "420000.00"})[1]
    charity = officer.post(f"{api}/tenders/{tid}/bidders", {"name": "Hubs Together",
                                                            "bid_value": "439500.00"})[1]
    questions = [officer.post(f"{api}/tenders/{tid}/questions", {"category": c, "text": t})[1]
                 for c, t in (("quality", "How will people shape the service?"),
                              ("price", "Is the price good value?"),
                              ("social_value", "What will you do for the community?"))]
    conflict = sue.post(f"{api}/projects/{pid}/conflicts", {
        "kind": "uses_service", "care_service_id": day_centre,
        "description": "I use the day centre."})[1]
    officer.post(f"{api}/conflicts/{conflict['id']}/decision", {
        "decision": "may_not_score", "reason": "Members do not score the service they use."})
    assert officer.post(f"{api}/tenders/{tid}/start-scoring")[0] == 200

    status, html = sue.get(f"{pages}/tenders/{tid}")
    assert status == 200 and "because of a conflict of interest you declared" in html
    status, html = sue.get(f"{pages}/tenders/{tid}/bidders/{incumbent['id']}/score")
    assert status == 200 and "You do not score Riverside Care Ltd" in html
    assert "Save and submit" not in html
    score_page = f"{pages}/tenders/{tid}/bidders/{charity['id']}/score"
    status, html = sue.get(score_page)
    assert "hidden until you submit your own" in html
    fields = {f"score_{q['id']}": "4" for q in questions}
    fields |= {f"justification_{q['id']}": "Clear and well evidenced." for q in questions}
    q0 = questions[0]["id"]
    status, html = form_post(sue, score_page, {**fields, f"justification_{q0}": "",
                                               "then": "submit"})
    assert status == 422 and f'href="#score-justification-{q0}"' in html
    assert "Say why you gave this score" in html
    assert f'id="score-score-{q0}-4" name="score_{q0}" type="radio" value="4" checked' in html
    assert sue.get(f"{api}/tenders/{tid}/bidders/{charity['id']}/scores")[1]["mine"] == []
    status, html = form_post(sue, score_page, {**fields, "then": "submit"})
    assert status == 200 and "Your scores are locked" in html  # the question, not yet done
    assert sue.get(f"{api}/tenders/{tid}/bidders/{charity['id']}/scores")[1][
        "submitted"] is False
    status, html = form_post(sue, f"{pages}/tenders/{tid}/bidders/{charity['id']}/submit",
                             {"confirmed": "yes"})
    assert status == 200 and "Your scores have been submitted." in html
    assert "Nobody else has submitted scores for this yet." in html

    # the officer does not see Sue's reasons until they have submitted their own
    status, html = officer.get(score_page)
    assert "hidden until you submit your own" in html and "well evidenced" not in html
    officer_fields = {f"score_{q['id']}": "3" for q in questions}
    officer_fields |= {f"justification_{q['id']}": "Adequate." for q in questions}
    form_post(officer, score_page, {**officer_fields, "then": "submit"})
    status, html = form_post(officer, f"{pages}/tenders/{tid}/bidders/{charity['id']}/submit",
                             {"confirmed": "yes"})
    assert "Sue" in html and "Clear and well evidenced." in html  # now shown
    incumbent_page = f"{pages}/tenders/{tid}/bidders/{incumbent['id']}/score"
    form_post(officer, incumbent_page, {**officer_fields, "then": "submit"})
    form_post(officer, f"{pages}/tenders/{tid}/bidders/{incumbent['id']}/submit",
              {"confirmed": "yes"})

    # moderation: started through its question, the independent scores beside each answer
    moderation = f"{pages}/tenders/{tid}/moderation"
    assert sue.get(moderation)[0] == 403
    status, html = officer.get(f"{pages}/tenders/{tid}/start-moderation")
    assert status == 200 and "nobody can change or add scores" in html
    status, html = form_post(officer, f"{pages}/tenders/{tid}/start-moderation",
                             {"confirmed": "yes"})
    assert status == 200 and "Moderation has started." in html
    assert "Clear and well evidenced." in html and "Adequate." in html
    key = f"{charity['id']}-{q0}"
    status, html = form_post(officer, moderation, {"bidder_id": charity["id"],
                                                   "question_id": q0, "score": "4",
                                                   "rationale": ""})
    assert status == 422 and f'href="#m-{key}-rationale"' in html
    assert "Say why the group agreed this score" in html
    for bidder, value in ((charity, "4"), (incumbent, "3")):
        for q in questions:
            status, html = form_post(officer, moderation, {
                "bidder_id": bidder["id"], "question_id": q["id"], "score": value,
                "rationale": "Agreed by the panel."})
            assert status == 200 and "The agreed score has been recorded." in html
    assert "Agreed score: <strong>4 out of 5</strong>" in html and "See the ranking" in html
    status, html = officer.get(f"{pages}/projects/{pid}/evaluation")
    assert "Ranking after moderation" in html
    assert html.index("Hubs Together") < html.index("Riverside Care Ltd")


def test_declaring_a_conflict_and_the_steering_group_deciding(county):
    """A service user declares a conflict from My involvement (a missing choice named beside its
    field, what was typed kept); the steering group records its decision with a reason, and she
    reads it; she cannot decide herself."""
    api, ids, who = county.api, county.ids, county.clients
    officer, sue = who["officer"], who["sue"]
    pages = f"/organisations/{county.org}/commissioning"
    pid = officer.post(f"{api}/projects", {**PROJECT, "care_service_ids": county.services})[1][
        "id"]
    group = officer.post(f"{api}/projects/{pid}/groups", {"kind": "steering",
                                                          "name": "Steering group"})[1]
    officer.post(f"{api}/groups/{group['id']}/members", {"person_id": ids["sue"],
                                                         "capacity": "service_user"})
    conflicts = f"{pages}/projects/{pid}/conflicts"
    assert f'href="{conflicts}"' in sue.get(f"{pages}/my-involvement")[1]
    status, html = sue.get(conflicts)
    assert status == 200 and "It is not a bad mark" in html
    status, html = form_post(sue, conflicts, {"kind": "uses_service", "care_service_id": "",
                                              "description": "I go to the day centre."})
    assert status == 422 and 'href="#conflict-care-service-id"' in html
    assert "Choose the service you use" in html and "I go to the day centre." in html
    assert sue.get(f"{api}/projects/{pid}/conflicts")[1] == []
    status, html = form_post(sue, conflicts, {"kind": "uses_service",
                                              "care_service_id": county.services[0],
                                              "description": "I go to the day centre."})
    assert status == 200 and "sent to the steering group" in html
    assert "Waiting for the steering group to decide." in html
    conflict = sue.get(f"{api}/projects/{pid}/conflicts")[1][0]
    decide = f"{pages}/conflicts/{conflict['id']}/decision"
    assert form_post(sue, decide, {"project_id": pid, "decision": "may_score",
                                   "reason": "I say so."})[0] == 403

    status, html = officer.get(conflicts)
    assert "Sue" in html and "I go to the day centre." in html and decide in html
    status, html = form_post(officer, decide, {"project_id": pid, "decision": "may_not_score",
                                               "reason": ""})
    assert status == 422 and f'href="#d-{conflict["id"]}-reason"' in html
    status, html = form_post(officer, decide, {
        "project_id": pid, "decision": "may_not_score",
        "reason": "Members do not score the service they use."})
    assert status == 200 and "The steering group’s decision has been recorded." in html
    status, html = sue.get(conflicts)
    assert ("The steering group decided you do not score the bids this touches. Why: Members "
            "do not score the service they use.") in html
