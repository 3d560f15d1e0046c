"""Seed 003 end to end through the gateway's HTTP API, as the commissioner, the involvement lead
and the service users each signed in with their own session: a project with principles agreed,
a reference group whose three members also sit on the steering group, working agreements
signed both ways, training recorded before an interview panel (and the warning when it was
not), a jargon-heavy paper flagged, a briefing released by the timer with its paper refused
on download before, a conflict honoured in scoring, independent scores then moderation,
the weighted ranking, a valid OCDS export, claims paid once with benefits advice first and the
yearly threshold warning, and a bulletin that cannot carry a still-confidential item."""
import json
import time
from datetime import UTC, date, datetime, timedelta

from tests.support.commissioning import JARGON_PAPER, PLAIN_PAPER, PROJECT, TERMS, ocds_errors


def wait_until(check, timeout=20):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = check()
        if value:
            return value
        time.sleep(0.2)
    raise AssertionError("it did not happen in time")


def in_seconds(seconds):
    return (datetime.now(UTC) + timedelta(seconds=seconds)).isoformat()


def ok(answer, status=200):
    got, body = answer
    assert got == status, (got, body)
    return body


def test_seed_003_through_the_api(county, commissioning_events):
    api, pay, ids, who = county.api, county.pay, county.ids, county.clients
    officer, lead = who["officer"], who["lead"]
    day_centre, pathways = county.services

    # a project with the guide's clarity of purpose; it cannot leave Analyse without
    # principles agreed with service users
    project = ok(officer.post(f"{api}/projects", {
        **PROJECT, "care_service_ids": [day_centre, pathways],
        "lead_officer_id": ids["officer"], "deputy_id": ids["deputy"]}), 201)
    pid = project["id"]
    assert project["phase"] == "analyse"
    assert project["clarity_of_purpose"]["not_negotiable"] == PROJECT["not_negotiable"]
    status, refused = officer.post(f"{api}/projects/{pid}/phase", {"phase": "plan"})
    assert status == 409 and "principle" in refused["error"]["message"]
    ok(officer.post(f"{api}/projects/{pid}/principles", {
        "text": "Nobody loses a service before what replaces it is open.",
        "agreed_on": date.today().isoformat(), "agreed_by": [ids["sue"], ids["raj"]],
        "how_agreed": "First reference group meeting"}), 201)
    moved = ok(officer.post(f"{api}/projects/{pid}/phase", {"phase": "plan"}))
    assert moved["phase"] == "plan" and moved["principles"][0]["agreed_by"] == [
        ids["sue"], ids["raj"]]
    assert [h["to_phase"] for h in moved["phase_history"]] == ["analyse", "plan"]

    # a reference group of five; three of them also join the steering group
    reference = ok(officer.post(f"{api}/projects/{pid}/groups", {
        "kind": "reference", "name": "Service user reference group"}), 201)
    steering = ok(officer.post(f"{api}/projects/{pid}/groups", {
        "kind": "steering", "name": "Project steering group"}), 201)
    for name in ("sue", "raj", "amy", "tom", "eve"):
        ok(officer.post(f"{api}/groups/{reference['id']}/members", {
            "person_id": ids[name], "capacity": "service_user"}), 201)
    for name in ("sue", "raj", "amy"):
        added = ok(officer.post(f"{api}/groups/{steering['id']}/members", {
            "person_id": ids[name], "capacity": "service_user", "role": "steering member"}),
            201)
        assert added["warnings"][0]["code"] == "no_signed_agreement"
    for name in ("officer", "deputy"):
        ok(officer.post(f"{api}/groups/{steering['id']}/members", {
            "person_id": ids[name], "capacity": "commissioner"}), 201)
    groups = {g["kind"]: g for g in ok(officer.get(f"{api}/projects/{pid}/groups"))}
    assert groups["steering"]["service_user_share"]["text"] == \
        "3 of 5 members are service users"
    both = ({m["person_id"] for m in groups["reference"]["members"]}
            & {m["person_id"] for m in groups["steering"]["members"]})
    assert both == {ids["sue"], ids["raj"], ids["amy"]}

    # working agreements signed both ways; nobody signs another member's side
    for name in ("sue", "raj", "amy"):
        agreement = ok(officer.post(f"{api}/projects/{pid}/agreements",
                                    {**TERMS, "person_id": ids[name]}), 201)
        signed = ok(who[name].post(f"{api}/agreements/{agreement['id']}/sign"))
        assert signed["member_signed_at"] and not signed["fully_signed"]
        if name != "amy":
            assert ok(officer.post(f"{api}/agreements/{agreement['id']}/sign"))["fully_signed"]
    assert who["raj"].post(f"{api}/agreements/{agreement['id']}/sign")[0] == 403
    to_sign = ok(who["amy"].get(f"{api}/my-involvement"))["to_sign"]
    assert to_sign == []  # Amy has signed; it waits for the commissioner
    warnings = ok(officer.get(f"{api}/projects/{pid}/warnings"))
    assert {(w["person_id"], w["code"]) for w in warnings} == {
        (ids[n], "no_signed_agreement") for n in ("amy", "tom", "eve")}

    # training recorded before an interview panel; the warning for Raj, who has not had it
    panel = ok(officer.post(f"{api}/projects/{pid}/groups", {
        "kind": "evaluation_panel", "name": "Interview panel",
        "required_training": ["interviewing_providers"]}), 201)
    for name in ("sue", "officer"):
        ok(lead.post(f"{api}/training", {"person_id": ids[name],
                                         "kind": "interviewing_providers",
                                         "completed_on": date.today().isoformat(),
                                         "provider": "Mind"}), 201)
    ok(officer.post(f"{api}/groups/{panel['id']}/members",
                    {"person_id": ids["sue"], "capacity": "service_user"}), 201)
    added = ok(officer.post(f"{api}/groups/{panel['id']}/members",
                            {"person_id": ids["raj"], "capacity": "service_user"}), 201)
    assert [w["code"] for w in added["warnings"]] == ["training_missing"]
    ok(officer.post(f"{api}/groups/{panel['id']}/members",
                    {"person_id": ids["officer"], "capacity": "commissioner"}), 201)
    interview = ok(officer.post(f"{api}/projects/{pid}/meetings", {
        "title": "Interviews with bidders", "kind": "interview", "group_id": panel["id"],
        "starts_at": in_seconds(7 * 86400)}), 201)
    lacking = [w for w in ok(officer.get(f"{api}/meetings/{interview['id']}"))["warnings"]
               if w["code"] == "training_missing"]
    assert [w["person_id"] for w in lacking] == [ids["raj"]]
    coming = ok(who["raj"].get(f"{api}/my-involvement"))["upcoming"]
    assert coming[0]["before_you_go"][0]["code"] == "training_missing"
    assert not ok(who["sue"].get(f"{api}/my-involvement"))["upcoming"][0]["before_you_go"]

    # a steering meeting whose jargon-heavy paper is flagged, and not sent out as it is
    meeting = ok(officer.post(f"{api}/projects/{pid}/meetings", {
        "title": "Steering group: the options", "group_id": steering["id"],
        "starts_at": in_seconds(-1), "hours": "2", "preparation_hours": "1"}), 201)
    paper = ok(officer.post(f"{api}/meetings/{meeting['id']}/papers", {
        "title": "Options appraisal", "body": JARGON_PAPER}), 201)
    check = paper["check"]
    assert not check["ok"] and check["advice"]
    assert {"facilitate", "going forward"} & {j["term"] for j in check["jargon"]}
    assert {"QIPP", "CQUIN"} <= {a["acronym"] for a in check["acronyms"]}
    assert check["long_sentences"]
    status, held_back = officer.post(f"{api}/papers/{paper['id']}/issue", {})
    assert status == 409 and held_back["error"]["fields"]["body"]

    # a confidentiality briefing: one item released by the timer in a moment, one at an event
    briefing = ok(officer.post(f"{api}/meetings/{meeting['id']}/briefings", {"items": [
        {"title": "Three options are being looked at",
         "detail": "The steering group is looking at three options for the day centre.",
         "until": in_seconds(10)},
        {"title": "The preferred provider",
         "detail": "The steering group prefers a user-led charity to run community hubs.",
         "until_event": "contract awarded"}]}), 201)
    soon_item = next(i for i in briefing["items"] if i["until"] == "date")
    event_item = next(i for i in briefing["items"] if i["until"] == "event")
    confidential = ok(officer.post(f"{api}/meetings/{meeting['id']}/papers", {
        "title": "The three options", "body": PLAIN_PAPER,
        "confidential_item_id": soon_item["id"]}), 201)
    download = f"{api}/papers/{confidential['id']}/download"
    status, refused = who["eve"].get(download)  # reference group, not steering
    assert status == 403 and "confidential until" in refused["error"]["message"]
    assert PLAIN_PAPER not in json.dumps(refused)
    assert who["finance"].get(download)[0] == 403  # staff outside the group
    assert who["eve"].get(f"{api}/papers/{confidential['id']}")[0] == 403
    assert who["eve"].get(f"{api}/confidential-items/{soon_item['id']}")[0] == 403
    assert PLAIN_PAPER in ok(who["sue"].get(download))  # in the group
    assert who["sue"].post(f"{api}/confidential-items/{soon_item['id']}/release")[0] == 403
    text = wait_until(lambda: (lambda answer: answer[1] if answer[0] == 200 else None)(
        who["eve"].get(download)))
    assert PLAIN_PAPER in text  # released by the timer, not by anyone
    mine = ok(who["sue"].get(f"{api}/my-involvement"))
    assert {i["title"]: i["say"] for i in mine["may_share_now"]} == {
        "Three options are being looked at": "You may share this now."}
    assert [i["say"] for i in mine["keep_confidential"]] == [
        "Keep this confidential until contract awarded."]

    # a conflict declared and honoured in scoring
    tender = ok(officer.post(f"{api}/projects/{pid}/tenders", {
        "title": "Community day opportunities", "evaluation_group_id": panel["id"],
        "value_amount": "450000"}), 201)
    tid = tender["id"]
    incumbent = ok(officer.post(f"{api}/tenders/{tid}/bidders", {
        "name": "Riverside Care Ltd", "care_service_ids": [day_centre],
        "bid_value": "420000.00"}), 201)
    charity = ok(officer.post(f"{api}/tenders/{tid}/bidders", {
        "name": "Hubs Together", "bid_value": "439500.00"}), 201)
    questions = [ok(officer.post(f"{api}/tenders/{tid}/questions", q), 201) for q in (
        {"category": "quality", "text": "How will people who use the service shape it?"},
        {"category": "price", "text": "Is the price good value for money?"},
        {"category": "social_value", "text": "What will you do for the local community?"})]
    conflict = ok(who["sue"].post(f"{api}/projects/{pid}/conflicts", {
        "kind": "uses_service", "care_service_id": day_centre,
        "description": "I use the day centre."}), 201)
    assert who["sue"].post(f"{api}/conflicts/{conflict['id']}/decision", {
        "decision": "may_score", "reason": "I say so."})[0] == 403
    ok(officer.post(f"{api}/conflicts/{conflict['id']}/decision", {
        "decision": "may_not_score",
        "reason": "Agreed at the start: members do not score the service they use."}))
    ok(officer.post(f"{api}/tenders/{tid}/start-scoring"))

    def score(name, bidder, values):
        scores = f"{api}/tenders/{tid}/bidders/{bidder['id']}/scores"
        answer = who[name].put(scores, {"scores": [
            {"question_id": q["id"], "score": v, "justification": f"I gave {v} because..."}
            for q, v in zip(questions, values, strict=True)]})
        if answer[0] != 200:
            return answer
        return who[name].post(scores + "/submit")

    status, blocked = score("sue", incumbent, [5, 5, 5])
    assert status == 409 and "decided you do not score" in blocked["error"]["message"]
    ok(score("sue", charity, [4, 4, 4]))
    hidden = ok(who["raj"].get(f"{api}/tenders/{tid}/bidders/{charity['id']}/scores"))
    assert hidden["others_visible"] is False and "others" not in hidden
    assert hidden["others_submitted"] == 1
    seen = ok(score("raj", charity, [3, 4, 4]))
    assert seen["others_visible"]
    ok(score("raj", incumbent, [3, 3, 2]))
    ok(score("officer", incumbent, [3, 3, 2]))
    ok(score("officer", charity, [4, 4, 5]))
    assert officer.get(f"{api}/tenders/{tid}/results")[0] == 409  # not before moderation
    ok(officer.post(f"{api}/tenders/{tid}/start-moderation"))
    for bidder, consensus in ((incumbent, [3, 3, 2]), (charity, [4, 4, 4])):
        for q, value in zip(questions, consensus, strict=True):
            agreed = ok(officer.post(f"{api}/tenders/{tid}/moderation", {
                "bidder_id": bidder["id"], "question_id": q["id"], "score": value,
                "rationale": "Agreed by the panel."}))
            assert agreed["independent_scores"]  # kept beside the consensus
    ranking = ok(officer.get(f"{api}/tenders/{tid}/results"))["ranking"]
    assert [(r["bidder"], r["rank"]) for r in ranking] == [("Hubs Together", 1),
                                                          ("Riverside Care Ltd", 2)]
    # 75/20/5: quality 4/5 of 75, price 4/5 of 20, social value 4/5 of 5
    assert float(ranking[0]["total"]) == 80.0
    ok(officer.post(f"{api}/tenders/{tid}/award", {"bidder_id": charity["id"]}))
    package = ok(officer.get(f"{api}/tenders/{tid}/ocds"))
    assert ocds_errors(package) == []
    exported = json.dumps(package)
    assert "I gave" not in exported and ids["sue"] not in exported
    assert who["sue"].get(f"{api}/tenders/{tid}/ocds")[0] == 403
    assert who["sue"].post(f"{api}/projects/{pid}/release-events",
                           {"event": "Contract awarded"})[0] == 403
    released = ok(officer.post(f"{api}/projects/{pid}/release-events",
                               {"event": "Contract awarded"}))
    assert released["released"] == [event_item["id"]]
    assert not ok(who["sue"].get(f"{api}/my-involvement"))["keep_confidential"]

    # payments: the policy first; the meeting starts draft claims for the service users there
    assert officer.post(f"{pay}/policies", {"effective_from": "2025-04-06", "rates": [
        {"activity_kind": "panel_session", "unit": "session", "amount": "15.00"}]})[0] == 403
    ok(lead.post(f"{pay}/policies", {
        "effective_from": "2025-04-06", "yearly_threshold": "80.00", "rates": [
            {"activity_kind": "commissioning_meeting", "unit": "hour", "amount": "25.00"},
            {"activity_kind": "panel_session", "unit": "session", "amount": "15.00"}]}), 201)
    held = ok(officer.post(f"{api}/meetings/{meeting['id']}/held", {"attendance": [
        {"person_id": ids["sue"], "status": "attended"},
        {"person_id": ids["raj"], "status": "attended"},
        {"person_id": ids["amy"], "status": "apologies"},
        {"person_id": ids["deputy"], "status": "attended"}],
        "minutes": "We looked at three options."}))
    assert held["attendance_summary"]["decision_maker_present"]
    draft = wait_until(lambda: [c for c in ok(who["sue"].get(f"{api}/my-involvement"))
                                ["payments"]["claims"] if c["status"] == "draft"])[0]
    assert draft["fee"] == "75.00"  # (1 preparation + 2 meeting hours) x £25
    body = {"claim_key": draft["claim_key"], "activity_kind": "commissioning_meeting",
            "activity_ref": meeting["id"], "project_id": pid,
            "activity_date": draft["activity_date"], "preparation_hours": "1",
            "attendance_hours": "2", "method": "bank", "role": "steering member",
            "expenses": [{"kind": "travel", "amount": "4.80", "receipt": "bus 1142"}]}
    sent = ok(who["sue"].post(f"{pay}/claims", body), 201)
    assert sent["id"] == draft["id"] and sent["total"] == "79.80"
    assert sent["yearly_total"]["warning"] is None
    assert "benefits advice" in sent["notice"]
    again = ok(who["sue"].post(f"{pay}/claims", body))  # the request replayed: 200, same claim
    assert again["replayed"] and again["id"] == sent["id"]
    voucher = ok(who["sue"].post(f"{pay}/claims", {
        "claim_key": "form:sue-panel-0001", "activity_kind": "panel_session",
        "activity_date": date.today().isoformat(), "method": "voucher"}), 201)
    assert "reaches £80.00" in voucher["yearly_total"]["warning"]  # 75 + 15
    assert who["sue"].post(f"{pay}/claims/{sent['id']}/authorise")[0] == 403
    assert who["sue"].get(f"{pay}/claims")[0] == 403  # only her own, below
    ok(lead.post(f"{pay}/claims/{sent['id']}/authorise"))
    status, first = lead.post(f"{pay}/claims/{sent['id']}/pay", {"payment_reference": "BACS 31"})
    assert status == 409 and "benefits advice" in first["error"]["message"]
    ok(lead.post(f"{pay}/benefits-advice", {"person_id": ids["sue"],
                                            "offered_on": date.today().isoformat(),
                                            "taken_up": True}), 201)
    paid = ok(lead.post(f"{pay}/claims/{sent['id']}/pay", {"payment_reference": "BACS 31"}))
    assert paid["status"] == "paid" and paid["days_to_pay"] is not None
    assert ok(lead.post(f"{pay}/claims/{sent['id']}/pay", {}))["already_paid"]
    mine = ok(who["sue"].get(f"{pay}/people/{ids['sue']}"))
    assert mine["this_tax_year"]["paid"] == "75.00"
    assert who["raj"].get(f"{pay}/people/{ids['sue']}")[0] == 403
    assert who["raj"].get(f"{pay}/claims/{sent['id']}")[0] == 403
    exported = lead.get(f"{pay}/export.csv")
    assert exported[0] == 200 and exported[1].splitlines()[0].startswith("claim_id,person_id")
    assert sum(1 for row in exported[1].splitlines() if sent["id"] in row) == 1
    made = wait_until(lambda: [e for e in commissioning_events(60, timeout=2)
                               if e["type"].endswith("payment.made.v1")])
    assert len(made) == 1 and made[0]["data"]["amount"] == "79.80"

    # a bulletin from released information only: a still-confidential item is refused
    ok(officer.post(f"{api}/meetings/{meeting['id']}/briefings", {"items": [
        {"title": "The new day centre site", "detail": "The new hub will be in Elm Street.",
         "until_event": "lease signed"}]}), 201)
    still = next(i for i in ok(officer.get(f"{api}/meetings/{meeting['id']}"))["briefings"][-1]
                 ["items"])
    status, refused = officer.post(f"{api}/projects/{pid}/bulletins", {
        "title": "News", "introduction": "Our news.", "item_ids": [soon_item["id"],
                                                                 still["id"]]})
    assert status == 422 and list(refused["error"]["fields"]) == ["item_ids"]
    assert list(refused["error"]["fields"]["item_ids"]) == ["1"]  # the second item named
    bulletin = ok(officer.post(f"{api}/projects/{pid}/bulletins", {
        "title": "News from the steering group",
        "introduction": "We met in March. Thank you to everyone who came to talk to us.",
        "item_ids": [soon_item["id"], event_item["id"]]}), 201)
    assert "Elm Street" not in json.dumps(bulletin)
    published = ok(officer.post(f"{api}/bulletins/{bulletin['id']}/publish", {
        "publish_anyway": not bulletin["check"]["ok"], "reason": "Short news"}))
    assert published["status"] == "published"
    listed = ok(who["eve"].get(f"{api}/projects/{pid}/bulletins"))
    assert [b["id"] for b in listed] == [bulletin["id"]]
    assert "Elm Street" not in json.dumps(listed)
