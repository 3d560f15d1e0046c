"""The commissioning service on a real RabbitMQ with identity beside it (SQLite and PostgreSQL):
the seed 003 journey from principles to paid claims and a bulletin, the release timer, the
events and what they never carry, access rules a service user meets, a claim and a payment
replayed by request and by event, erasure; and fair selection through the panels service."""
import json
import time
from datetime import UTC, date, datetime, timedelta

import pytest
from kombu import Connection, Exchange

from involve.kernel.errors import Conflict, Forbidden, InvalidInput

from .helpers import ADMIN, JARGON_PAPER, PLAIN_PAPER, PROJECT, TERMS, member, ocds_errors


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


@pytest.fixture
def county(rpc):
    """A county council with two services and the people of seed 003: a lead officer and a
    deputy, an involvement lead, five service users and someone from finance."""
    org = rpc.identity.create_organisation(ADMIN, {"name": "Shire County Council"})["id"]
    services = [rpc.identity.create_care_service(ADMIN, org, {"name": n, "kind": "mental_health"})
                ["id"] for n in ("Riverside Day Centre", "Pathways Vocational Service")]
    roles = {"officer": ["commissioner"], "deputy": ["commissioner"],
             "lead": ["involvement_lead"], "sue": ["service_user"], "raj": ["service_user"],
             "amy": ["service_user"], "tom": ["service_user"], "eve": ["service_user"],
             "finance": ["staff"]}
    ids = {k: rpc.identity.create_person(ADMIN, org, {
        "name": k.title(), "email": f"{k}@shire.test", "roles": r})["id"]
        for k, r in roles.items()}
    who = {k: member(org, ids[k], *roles[k]) for k in roles}
    return org, services, ids, who


def replay(amqp_uri, envelope):
    """Publish an event again, exactly as the outbox relay did (an at-least-once redelivery)."""
    with Connection(amqp_uri) as connection:
        producer = connection.Producer(serializer="json")
        exchange = Exchange("commissioning.events", type="topic", durable=True)
        producer.publish(envelope, exchange=exchange, routing_key=envelope["type"].split(".", 2)
                         [2].rsplit(".v", 1)[0], declare=[exchange], message_id=envelope["id"])


def test_seed_003_from_first_principles_to_paid_claims(rpc, county, commissioning_events,
                                                       commissioning_platform):
    org, (day_centre, pathways), ids, who = county
    c = rpc.commissioning
    officer = who["officer"]

    # a project with the guide's clarity of purpose, which cannot leave Analyse without
    # principles agreed with service users
    project = c.create_project(officer, org, {**PROJECT, "care_service_ids": [day_centre,
                                                                              pathways],
                                              "lead_officer_id": ids["officer"],
                                              "deputy_id": ids["deputy"]})
    pid = project["id"]
    with pytest.raises(InvalidInput) as caught:
        c.create_project(officer, org, {**PROJECT, "care_service_ids": ["somewhere-else"]})
    assert "care_service_ids" in caught.value.fields
    with pytest.raises(Conflict):
        c.change_phase(officer, org, pid, {"phase": "plan"})
    c.add_principle(officer, org, pid, {
        "text": "Nobody loses a service before what replaces it is open.",
        "agreed_on": date.today().isoformat(), "agreed_by": [ids["sue"], ids["raj"]],
        "how_agreed": "First reference group meeting"})
    assert c.change_phase(officer, org, pid, {"phase": "plan"})["phase"] == "plan"

    # a reference group of five; three of them also join the steering group
    reference = c.create_group(officer, org, pid, {"kind": "reference",
                                                   "name": "Service user reference group"})
    steering = c.create_group(officer, org, pid, {"kind": "steering",
                                                  "name": "Project steering group"})
    for name in ("sue", "raj", "amy", "tom", "eve"):
        c.add_member(officer, org, reference["id"], {"person_id": ids[name],
                                                     "capacity": "service_user"})
    for name in ("sue", "raj", "amy"):
        out = c.add_member(officer, org, steering["id"], {"person_id": ids[name],
                                                          "capacity": "service_user",
                                                          "role": "steering member"})
        assert out["warnings"][0]["code"] == "no_signed_agreement"
    for name in ("officer", "deputy"):
        c.add_member(officer, org, steering["id"], {"person_id": ids[name],
                                                    "capacity": "commissioner"})
    groups_now = {g["kind"]: g for g in c.list_groups(officer, org, pid)}
    assert groups_now["steering"]["service_user_share"]["text"] == \
        "3 of 5 members are service users"
    with pytest.raises(InvalidInput):  # someone outside the organisation
        c.add_member(officer, org, steering["id"], {"person_id": "not-a-person",
                                                    "capacity": "service_user"})

    # working agreements signed both ways; the commissioner cannot sign the member's side
    for name in ("sue", "raj", "amy"):
        agreement = c.create_agreement(officer, org, pid, {**TERMS, "person_id": ids[name]})
        c.sign_agreement(who[name], org, agreement["id"])
        if name != "amy":  # Amy's is still waiting for the commissioner
            assert c.sign_agreement(officer, org, agreement["id"])["fully_signed"]
    with pytest.raises(Forbidden):
        c.sign_agreement(who["raj"], org, agreement["id"])  # Raj signing Amy's
    to_sort = c.project_warnings(officer, org, pid)
    assert {(w["person_id"], w["code"]) for w in to_sort} == {
        (ids[n], "no_signed_agreement") for n in ("amy", "tom", "eve")}  # staff need none

    # an interview panel that needs interview training: Sue has had it, Raj has not
    panel = c.create_group(officer, org, pid, {"kind": "evaluation_panel",
                                               "name": "Interview panel",
                                               "required_training": ["interviewing_providers"]})
    for name in ("sue", "officer"):
        c.record_training(who["lead"], org, {"person_id": ids[name],
                                             "kind": "interviewing_providers",
                                             "completed_on": date.today().isoformat(),
                                             "provider": "Mind"})
    c.add_member(officer, org, panel["id"], {"person_id": ids["sue"], "capacity": "service_user"})
    added = c.add_member(officer, org, panel["id"], {"person_id": ids["raj"],
                                                     "capacity": "service_user"})
    assert [w["code"] for w in added["warnings"]] == ["training_missing"]
    c.add_member(officer, org, panel["id"], {"person_id": ids["officer"],
                                             "capacity": "commissioner"})
    interview = c.create_meeting(officer, org, pid, {
        "title": "Interviews with bidders", "kind": "interview", "group_id": panel["id"],
        "starts_at": in_seconds(7 * 86400)})
    before = c.get_meeting(officer, org, interview["id"])["warnings"]
    lacking = [w for w in before if w["code"] == "training_missing"]
    assert [w["person_id"] for w in lacking] == [ids["raj"]]
    assert "Interviewing potential providers" in lacking[0]["message"]
    assert c.my_involvement(who["raj"], org)["upcoming"][0]["before_you_go"][0]["code"] == \
        "training_missing"

    # a steering meeting whose jargon-heavy paper is flagged and not sent out as it is
    meeting = c.create_meeting(officer, org, pid, {
        "title": "Steering group: the options", "group_id": steering["id"],
        "starts_at": in_seconds(-1), "hours": "2", "preparation_hours": "1"})
    paper = c.add_paper(officer, org, meeting["id"], {"title": "Options appraisal",
                                                       "body": JARGON_PAPER})
    assert not paper["check"]["ok"] and paper["check"]["jargon"] and paper["check"]["acronyms"]
    with pytest.raises(Conflict):
        c.issue_paper(officer, org, paper["id"], {})

    # the confidentiality briefing: one item released by the timer in a moment, one at an event
    briefing = c.create_briefing(officer, org, meeting["id"], {"items": [
        {"title": "Three options are being looked at",
         "detail": "The steering group is looking at three options for the day centre.",
         "until": in_seconds(2)},
        {"title": "The preferred provider",
         "detail": "The steering group prefers a user-led charity to run community hubs.",
         "until_event": "contract awarded"}]})
    soon_item = next(i for i in briefing["items"] if i["until"] == "date")
    event_item = next(i for i in briefing["items"] if i["until"] == "event")
    confidential = c.add_paper(officer, org, meeting["id"], {
        "title": "The three options", "body": PLAIN_PAPER,
        "confidential_item_id": soon_item["id"]})
    with pytest.raises(Forbidden) as caught:
        c.get_paper(who["eve"], org, confidential["id"])  # reference group only
    assert "confidential until" in caught.value.message
    assert c.get_paper(who["sue"], org, confidential["id"])["body"] == PLAIN_PAPER
    with pytest.raises(Forbidden):
        c.get_paper(who["finance"], org, confidential["id"])  # staff outside the group
    with pytest.raises(Forbidden):
        c.release_item(who["sue"], org, soon_item["id"])  # never a service user
    released_paper = wait_until(lambda: _readable(c, who["eve"], org, confidential["id"]))
    assert released_paper["body"] == PLAIN_PAPER  # released by the timer, not by anyone
    shared = {i["title"]: i["say"] for i in
              c.my_involvement(who["sue"], org)["may_share_now"]}
    assert shared == {"Three options are being looked at": "You may share this now."}
    kept = c.my_involvement(who["sue"], org)["keep_confidential"]
    assert kept[0]["say"] == "Keep this confidential until contract awarded."

    # a conflict declared and honoured in scoring
    tender = c.create_tender(officer, org, pid, {"title": "Community day opportunities",
                                                 "evaluation_group_id": panel["id"],
                                                 "value_amount": "450000"})
    incumbent = c.add_bidder(officer, org, tender["id"], {"name": "Riverside Care Ltd",
                                                          "care_service_ids": [day_centre],
                                                          "bid_value": "420000.00"})
    charity = c.add_bidder(officer, org, tender["id"], {"name": "Hubs Together",
                                                        "bid_value": "439500.00"})
    questions = [c.add_question(officer, org, tender["id"], q) for q in (
        {"category": "quality", "text": "How will people who use the service shape it?"},
        {"category": "price", "text": "Is the price good value for money?"},
        {"category": "social_value", "text": "What will you do for the local community?"})]
    conflict = c.declare_conflict(who["sue"], org, pid, {
        "kind": "uses_service", "care_service_id": day_centre,
        "description": "I use the day centre."})
    c.decide_conflict(officer, org, conflict["id"], {
        "decision": "may_not_score",
        "reason": "Agreed at the start: members do not score the service they use."})
    c.start_scoring(officer, org, tender["id"])

    def score(person, bidder, values):
        c.save_scores(who[person], org, tender["id"], bidder["id"], {"scores": [
            {"question_id": q["id"], "score": v, "justification": f"I gave {v} because..."}
            for q, v in zip(questions, values, strict=True)]})
        return c.submit_scores(who[person], org, tender["id"], bidder["id"])

    with pytest.raises(Conflict) as caught:
        score("sue", incumbent, [5, 5, 5])
    assert "decided you do not score" in caught.value.message
    score("sue", charity, [4, 4, 4])
    hidden = c.bidder_scores(who["raj"], org, tender["id"], charity["id"])
    assert not hidden["others_visible"] and "others" not in hidden
    assert score("raj", charity, [3, 4, 4])["others_visible"]
    score("raj", incumbent, [3, 3, 2])
    score("officer", incumbent, [3, 3, 2])
    score("officer", charity, [4, 4, 5])
    c.start_moderation(officer, org, tender["id"])
    for bidder, consensus in ((incumbent, [3, 3, 2]), (charity, [4, 4, 4])):
        for q, s in zip(questions, consensus, strict=True):
            c.moderate(officer, org, tender["id"], {"bidder_id": bidder["id"],
                                                    "question_id": q["id"], "score": s,
                                                    "rationale": "Agreed by the panel."})
    ranking = c.tender_results(officer, org, tender["id"])["ranking"]
    assert [(r["bidder"], r["rank"]) for r in ranking] == [("Hubs Together", 1),
                                                          ("Riverside Care Ltd", 2)]
    c.award_tender(officer, org, tender["id"], {"bidder_id": charity["id"]})
    package = c.export_ocds(officer, org, tender["id"])
    assert ocds_errors(package) == []
    assert package["publisher"]["name"] == "Shire County Council"
    assert "I gave" not in json.dumps(package) and ids["sue"] not in json.dumps(package)
    c.mark_release_event(officer, org, pid, {"event": "Contract awarded"})
    assert not c.my_involvement(who["sue"], org)["keep_confidential"]

    # payments: the policy first; the meeting starts claims for the service users who came
    with pytest.raises(Forbidden):
        c.set_payment_policy(officer, org, {})  # a commissioner does not set pay rates
    c.set_payment_policy(who["lead"], org, {
        "effective_from": "2025-04-06", "yearly_threshold": "80.00", "rates": [
            {"activity_kind": "commissioning_meeting", "unit": "hour", "amount": "25.00"},
            {"activity_kind": "panel_session", "unit": "session", "amount": "15.00"}]})
    held = c.record_meeting_held(officer, org, meeting["id"], {"attendance": [
        {"person_id": ids["sue"], "status": "attended"},
        {"person_id": ids["raj"], "status": "attended"},
        {"person_id": ids["amy"], "status": "apologies"},
        {"person_id": ids["deputy"], "status": "attended"}]})
    assert held["attendance_summary"]["decision_maker_present"]
    draft = wait_until(lambda: [x for x in c.my_involvement(who["sue"], org)["payments"]
                                ["claims"] if x["status"] == "draft"])[0]
    assert draft["fee"] == "75.00"
    body = {"claim_key": draft["claim_key"], "activity_kind": "commissioning_meeting",
            "activity_ref": meeting["id"], "project_id": pid,
            "activity_date": draft["activity_date"], "preparation_hours": "1",
            "attendance_hours": "2", "method": "bank", "role": "steering member",
            "expenses": [{"kind": "travel", "amount": "4.80", "receipt": "bus 1142"}]}
    sent = c.submit_claim(who["sue"], org, body)
    assert sent["id"] == draft["id"] and sent["total"] == "79.80"
    assert sent["yearly_total"]["warning"] is None
    assert c.submit_claim(who["sue"], org, body)["replayed"]  # the request replayed
    session_claim = c.submit_claim(who["sue"], org, {
        "claim_key": "form:sue-panel-0001", "activity_kind": "panel_session",
        "activity_date": date.today().isoformat(), "method": "voucher"})
    assert "reaches £80.00" in session_claim["yearly_total"]["warning"]  # 75 + 15
    with pytest.raises(Forbidden):
        c.authorise_claim(who["sue"], org, sent["id"])
    c.authorise_claim(who["lead"], org, sent["id"])
    with pytest.raises(Conflict) as caught:
        c.pay_claim(who["lead"], org, sent["id"], {})
    assert "benefits advice" in caught.value.message
    c.record_benefits_advice(who["lead"], org, {"person_id": ids["sue"],
                                                "offered_on": date.today().isoformat(),
                                                "taken_up": True})
    paid = c.pay_claim(who["lead"], org, sent["id"], {"payment_reference": "BACS 0031"})
    assert paid["status"] == "paid"
    assert c.pay_claim(who["lead"], org, sent["id"], {})["already_paid"]

    # the meeting.held event replayed (same id, then as a new delivery) starts nothing twice
    received = wait_until(lambda: [e for e in commissioning_events(60, timeout=2)
                                   if e["type"].endswith("payment.made.v1")])
    everything = commissioning_events(0)
    held_event = next(e for e in everything if e["type"].endswith("meeting.held.v2"))
    replay(commissioning_platform["AMQP_URI"], held_event)
    replay(commissioning_platform["AMQP_URI"], {**held_event,
                                                 "id": "1b4e28ba-2fa1-11d2-883f-0016d3cca427"})
    time.sleep(1.5)
    claims = c.list_claims(who["lead"], org, {"person_id": ids["sue"]})
    assert len([x for x in claims if x["activity_ref"] == meeting["id"]]) == 1
    raj_claims = c.list_claims(who["lead"], org, {"person_id": ids["raj"]})
    assert len(raj_claims) == 1 and raj_claims[0]["status"] == "draft"
    assert len(received) == 1

    # a bulletin from released information only
    with pytest.raises(InvalidInput):
        c.draft_bulletin(officer, org, pid, {"title": "News", "introduction": "Our news.",
                                             "item_ids": [soon_item["id"], "made-up"]})
    bulletin = c.draft_bulletin(officer, org, pid, {
        "title": "News from the steering group",
        "introduction": "We met in March. Thank you to everyone who came to talk to us.",
        "item_ids": [soon_item["id"], event_item["id"]]})
    published = c.publish_bulletin(officer, org, bulletin["id"], {
        "publish_anyway": not bulletin["check"]["ok"], "reason": "Short news"})
    assert published["status"] == "published"
    assert [b["id"] for b in c.list_bulletins(who["eve"], org, pid)] == [bulletin["id"]]

    # the events: ids, amounts, dates and counts; never names, text or scores by person
    everything = wait_until(lambda: (lambda got: got if any(
        e["type"].endswith("bulletin.published.v2") for e in got) else None)(
        commissioning_events(1000, timeout=1)))
    types = {e["type"].split(".", 2)[2].rsplit(".v", 1)[0] for e in everything}
    assert {"project.phase_changed", "agreement.signed", "training.recorded", "meeting.held",
            "briefing.released", "conflict.declared", "evaluation.moderated",
            "claim.submitted", "payment.made", "bulletin.published"} <= types
    released = [e["data"] for e in everything if e["type"].endswith("briefing.released.v1")]
    assert {r["released_how"] for r in released} == {"timer", "event"}
    assert all(r["on_time"] for r in released)
    payment = received[0]["data"]
    assert payment["claim_id"] == sent["id"] and payment["amount"] == "79.80"
    assert payment["within_target"] is True and payment["activity_kind"] == \
        "commissioning_meeting"
    text = json.dumps(everything)
    for secret in ("Sue", "sue@shire.test", "I use the day centre", "I gave",
                   "BACS 0031", "bus 1142"):
        assert secret not in text
    # a briefing item's text reaches an event only once released, in the public bulletin
    # (bulletin.published v2, classification public), never in any other event
    bulletins = [e for e in everything if e["type"].endswith("bulletin.published.v2")]
    assert bulletins and all(e["dataclassification"] == "public" for e in bulletins)
    assert all(item["released_at"] for e in bulletins for item in e["data"]["released_items"])
    others = json.dumps([e for e in everything if e not in bulletins])
    assert "user-led charity" not in others and "three options for the day centre" not in others


def _readable(c, principal, org, paper_id):
    try:
        return c.get_paper(principal, org, paper_id)
    except Forbidden:
        return None


def test_erasure_keeps_only_what_tax_law_needs(rpc, county, commissioning_platform):
    org, _, ids, who = county
    c = rpc.commissioning
    c.set_payment_policy(who["lead"], org, {"effective_from": "2025-04-06", "rates": [
        {"activity_kind": "panel_session", "unit": "session", "amount": "15.00"}]})
    claim = c.submit_claim(who["tom"], org, {
        "claim_key": "form:tom-panel-0001", "activity_kind": "panel_session",
        "activity_date": date.today().isoformat(), "method": "voucher",
        "role": "Panel member"})
    c.authorise_claim(who["lead"], org, claim["id"])
    c.record_benefits_advice(who["lead"], org, {"person_id": ids["tom"],
                                                "offered_on": date.today().isoformat()})
    c.pay_claim(who["lead"], org, claim["id"], {"payment_reference": "Voucher 88"})
    rpc.identity.erase_me(who["tom"], {"confirm": True})
    erased = wait_until(lambda: [x for x in c.list_claims(who["lead"], org)
                                 if x["id"] == claim["id"] and x["erased"]])[0]
    assert (erased["person_id"], erased["total"], erased["paid_at"] is not None) == (
        None, "15.00", True)
    assert erased["role"] == "" and erased["payment_reference"] == ""
    assert ids["tom"] not in c.export_payments_csv(who["lead"], org, {})["csv"]


@pytest.fixture
def with_panels(commissioning_platform, container_factory):
    from involve.panels.service import PanelsService
    from tests.support.running import start_service

    start_service(container_factory, PanelsService)
    return commissioning_platform


def test_an_opportunity_is_filled_fairly_through_a_panel_campaign(rpc, county, with_panels):
    org, _, ids, who = county
    c, lead = rpc.commissioning, who["lead"]
    project = c.create_project(lead, org, {**PROJECT, "care_service_ids": county[1]})
    reference = c.create_group(lead, org, project["id"], {"kind": "reference",
                                                          "name": "Reference group"})
    opportunity = c.create_opportunity(lead, org, project["id"], {
        "title": "Join the reference group", "activity": "Help shape the new day services.",
        "time_commitment": "Two hours a month", "payment_offered": "£25 an hour and travel",
        "training_and_support": "An induction and a mentor", "places": 2,
        "accessibility": "Step-free venue; papers in easy read", "group_id": reference["id"],
        "selection": "panel"})
    c.publish_opportunity(lead, org, opportunity["id"])
    gender = [{"name": "gender", "values": [{"value": "woman", "min": 1, "max": 1},
                                            {"value": "man", "min": 1, "max": 1}]}]
    with pytest.raises(Forbidden):  # opening a panel campaign needs panels.manage there
        c.open_panel_campaign(who["officer"], org, opportunity["id"], {"categories": gender})
    with pytest.raises(InvalidInput):  # the panels service checks its own rules
        c.open_panel_campaign(lead, org, opportunity["id"], {"categories": [
            {"name": "gender", "values": []}]})
    opened = c.open_panel_campaign(lead, org, opportunity["id"], {"categories": gender})
    assert opened["panel_campaign_id"]
    for name, gender in (("sue", "woman"), ("raj", "man"), ("amy", "woman")):
        c.express_interest(who[name], org, opportunity["id"], {
            "note": "I use the day centre.", "answers": {"gender": gender},
            "consent_to_selection": True})
    with pytest.raises(Conflict):
        c.express_interest(who["sue"], org, opportunity["id"], {
            "answers": {"gender": "woman"}, "consent_to_selection": True})
    rpc.panels.start_selection(lead, org, opened["panel_campaign_id"],
                               {"algorithm": "legacy", "seed": 7})
    wait_until(lambda: c.get_opportunity(lead, org, opportunity["id"])["panel_selection_id"],
               timeout=60)
    applied = c.apply_panel_selection(lead, org, opportunity["id"])
    assert len(applied["selected"]) == 2 and ids["raj"] in applied["selected"]
    assert applied["drawn_elsewhere"] == 0
    members = {m["person_id"] for g in c.list_groups(lead, org, project["id"])
               for m in g["members"]}
    assert members == set(applied["selected"])
    statuses = {i["person_id"]: i["status"] for i in
                c.get_opportunity(lead, org, opportunity["id"])["interests"]}
    assert sorted(statuses.values()) == ["not_selected", "selected", "selected"]
