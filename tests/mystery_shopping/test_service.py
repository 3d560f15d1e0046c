"""The mystery_shopping service on a real RabbitMQ, with identity beside it, on SQLite and
PostgreSQL: the seed 000 (Phoenix Futures) flow end to end, events, plugins, erasure."""
import base64
import io
import time

import pytest
from pypdf import PdfReader

from involve.kernel.errors import Conflict, Forbidden, InvalidInput, NotAuthenticated
from involve.kernel.mail import read_outbox

from .helpers import answers_for

ADMIN = {"person_id": None, "token_id": None, "platform_admin": True, "roles": {}}
SERVICES = ["Sheffield Primary Care Addiction Service", "Rotherham Recovery Hub",
            "Stoke Drug and Alcohol Service"]


def principal(person_id, organisation_id, *roles):
    return {"person_id": person_id, "token_id": None, "platform_admin": False,
            "roles": {organisation_id: list(roles)}}


def phoenix(rpc):
    """Phoenix Futures: three services, a lead, four council members, a member of staff."""
    org = rpc.identity.create_organisation(ADMIN, {"name": "Phoenix Futures"})["id"]
    care = {name: rpc.identity.create_care_service(ADMIN, org, {
        "name": name, "kind": "addiction", "website": "https://example.org/"})["id"]
        for name in SERVICES}
    lead = rpc.identity.create_person(ADMIN, org, {"name": "Lee", "roles": ["involvement_lead"]})
    members = [rpc.identity.create_person(ADMIN, org, {"name": f"Member {i}",
                                                       "email": f"member{i}@phoenix.test",
                                                       "roles": ["council_member"]})["id"]
               for i in range(4)]
    staff = rpc.identity.create_person(ADMIN, org, {"name": "Sam", "roles": ["staff"]})["id"]
    for member in members:  # each has said yes to being asked to mystery shop
        set_consent(rpc, org, member, True)
    return org, care, principal(lead["id"], org, "involvement_lead"), members, staff


def set_consent(rpc, org, person_id, given):
    """What the person does on their My account page, through identity."""
    return rpc.identity.set_my_consent(principal(person_id, org, "council_member"),
                                       {"purpose": "mystery_shopping", "given": given})


def record_calls(rpc, org, round_, questions, feeling_of):
    for a in round_["assignments"]:
        shopper = principal(a["shopper_id"], org, "council_member")
        yes, feeling = feeling_of(a["care_service_id"])
        # a draft first, as the shopper goes, then the whole record (answered within 60
        # seconds is worked out from the seconds, so they agree with the other answers)
        draft = rpc.mystery_shopping.save_call(shopper, org, a["id"], {
            "seconds_to_answer": 25 if yes else 90, "answers": {"answered-60s": "yes" if yes
                                                                else "no"}})
        assert draft["status"] == "draft"
        done = rpc.mystery_shopping.submit_call(shopper, org, a["id"], {
            "called_at": round_["starts_on"] + "T10:30:00+00:00", "persona": a["persona"],
            "answers": answers_for(questions, yes=yes, feeling=feeling,
                                   words="They were kind and told me what happens next."),
            "notes": "Unhurried.", "callback_promised": False})
        assert done["status"] == "submitted"


def test_seed_000_mystery_shopping_end_to_end(rpc, ms_events):
    org, care, lead, members, staff = phoenix(rpc)
    ms = rpc.mystery_shopping
    sets = ms.list_question_sets(lead, org)
    first_contact = next(s for s in sets if s["key"] == "involve.first-contact")
    assert first_contact["source"] == "first_contact" and not first_contact["frozen"]
    assert ms.question_set_problems(lead, org) == []

    # the roster: council members, each with the services they use or have used
    used = {members[0]: [care[SERVICES[0]]], members[1]: [care[SERVICES[1]]],
            members[2]: [], members[3]: [care[SERVICES[0]], care[SERVICES[2]]]}
    for person, services_used in used.items():
        ms.add_shopper(lead, org, {"person_id": person, "services_used": services_used})
    with pytest.raises(InvalidInput) as caught:
        ms.add_shopper(lead, org, {"person_id": staff})
    assert "person_id" in caught.value.fields
    assert len(ms.list_shoppers(lead, org)) == 4

    # schedule a round from the plugin's question set
    body = {"name": "January-February round", "question_set_id": first_contact["id"],
            "care_service_ids": list(care.values()), "calls_per_service": 2,
            "starts_on": "2026-01-05", "ends_on": "2026-02-27", "seed": 2026}
    with pytest.raises(Forbidden):
        ms.schedule_round(principal(members[0], org, "council_member"), org, body)
    with pytest.raises(InvalidInput) as caught:
        ms.schedule_round(lead, org, dict(body, care_service_ids=["not-ours"]))
    assert "care_service_ids" in caught.value.fields
    round_ = ms.schedule_round(lead, org, body)
    assert len(round_["assignments"]) == 6
    for a in round_["assignments"]:
        assert a["care_service_id"] not in used[a["shopper_id"]]  # never a service they use
    loads = [sum(a["shopper_id"] == p for a in round_["assignments"]) for p in members]
    assert max(loads) - min(loads) <= 1
    assert ms.get_question_set(lead, org, first_contact["id"])["frozen"] is True

    # shoppers see their own calls, with the questions and what they may use
    mine = ms.my_assignments(principal(members[2], org, "council_member"), org)
    assert mine and {m["round_name"] for m in mine} == {"January-February round"}
    assert mine[0]["information_allowed"] == "Only what the service's public website says."
    assert len(mine[0]["questions"]) == 13

    # bad input is refused naming the field; someone else's call is not theirs to record
    a = round_["assignments"][0]
    shopper = principal(a["shopper_id"], org, "council_member")
    with pytest.raises(InvalidInput) as caught:
        ms.save_call(shopper, org, a["id"], {"answers": {"felt-welcome": 9,
                                                        "answered-60s": "perhaps"}})
    assert set(caught.value.fields) == {"answers.felt-welcome", "answers.answered-60s"}
    stranger = next(p for p in members if p != a["shopper_id"])
    with pytest.raises(Forbidden) as caught:
        ms.save_call(principal(stranger, org, "council_member"), org, a["id"], {})
    assert "assignment_id" in caught.value.fields

    # Sheffield: not efficient but warm; the others: efficient but cold
    sheffield = care[SERVICES[0]]
    record_calls(rpc, org, round_, first_contact["questions"],
                 lambda c: (False, 5) if c == sheffield else (True, 2))
    closed = ms.close_round(lead, org, round_["id"])
    assert closed["status"] == "closed"
    report = ms.round_report(lead, org, round_["id"])
    scores = {s["name"]: (s["efficiency"], s["feeling"]) for s in report["services"]}
    assert scores == {SERVICES[0]: (0.0, 5.0), SERVICES[1]: (100.0, 2.0),
                      SERVICES[2]: (100.0, 2.0)}
    assert report["highlights"][0]["care_service_id"] == sheffield
    assert "They were kind" in report["highlights"][0]["quote"]
    assert report["agreement"]["shoppers"] >= 2

    events = ms_events(1 + 6 + 1)
    types = [e["type"] for e in events]
    assert types.count("involve.mystery_shopping.call.recorded.v1") == 6
    closed_event = next(e for e in events if e["type"] == "involve.mystery_shopping.round.closed.v1")
    assert closed_event["data"]["question_set"] == {"key": "involve.first-contact", "version": 1}
    assert {s["care_service_id"]: (s["calls"], s["efficiency"], s["feeling"])
            for s in closed_event["data"]["services"]} == {
        sheffield: (2, 0.0, 5.0), care[SERVICES[1]]: (2, 100.0, 2.0),
        care[SERVICES[2]]: (2, 100.0, 2.0)}
    recorded = next(e for e in events if e["type"].endswith("call.recorded.v1"))
    assert recorded["data"]["shopper_id"] in members and "notes" not in recorded["data"]

    # two months later: a second round; the report shows the trend
    second = ms.schedule_round(lead, org, dict(body, name="March-April round",
                                               starts_on="2026-03-02", ends_on="2026-04-24",
                                               seed=2027))
    record_calls(rpc, org, second, first_contact["questions"],
                 lambda c: (True, 5) if c == sheffield else (True, 3))
    ms.close_round(lead, org, second["id"])
    council_reader = principal(members[0], org, "council_member")
    report = ms.round_report(council_reader, org, second["id"])
    trend = next(t for t in report["trends"] if t["care_service_id"] == sheffield)
    assert [(p["round_name"], p["efficiency"], p["feeling"]) for p in trend["points"]] == [
        ("January-February round", 0.0, 5.0), ("March-April round", 100.0, 5.0)]

    exported = ms.export_round_csv(council_reader, org, second["id"])
    assert SERVICES[0] in exported["csv"] and "efficiency (0-100)" in exported["csv"]
    pdf = ms.export_round_pdf(lead, org, second["id"])
    text = "\n".join(p.extract_text() for p in
                     PdfReader(io.BytesIO(base64.b64decode(pdf["pdf_base64"]))).pages)
    assert f"{SERVICES[0]}: efficiency 100, feeling 5 " in text
    assert f"{SERVICES[1]}: efficiency 100, feeling 3 " in text
    assert text.startswith("Phoenix Futures")  # the organisation's name, from identity

    # another organisation's coordinator sees none of it
    other = rpc.identity.create_organisation(ADMIN, {"name": "Elsewhere"})["id"]
    with pytest.raises(Forbidden):
        ms.round_report(principal(lead["person_id"], other, "involvement_lead"), org,
                        second["id"])
    with pytest.raises(NotAuthenticated):
        ms.list_rounds(None, org)
    with pytest.raises(Conflict):
        ms.close_round(lead, org, second["id"])


def test_installed_question_set_plugins_show_up_and_a_malformed_one_is_named(
        third_party_installed, rpc):
    org = rpc.identity.create_organisation(ADMIN, {"name": "Phoenix Futures"})["id"]
    lead = principal("lead", org, "involvement_lead")
    keys = {s["key"]: s["source"] for s in rpc.mystery_shopping.list_question_sets(lead, org)}
    assert keys["acme.referrers"] == "acme_referrers"
    assert {"involve.first-contact", "example.family-contact"} <= set(keys)
    assert "broken.set" not in keys
    problems = rpc.mystery_shopping.question_set_problems(lead, org)
    assert problems == [{"plugin": "acme_broken_set", "set": "broken.set", "question": "rate-it",
                         "message": "kind: Choose one of: yes_no, scale_1_5, text."}]


def test_an_erased_shopper_is_forgotten(rpc):
    org, care, lead, members, _ = phoenix(rpc)
    ms = rpc.mystery_shopping
    set_id = next(s["id"] for s in ms.list_question_sets(lead, org)
                  if s["key"] == "involve.first-contact")
    for person in members:
        ms.add_shopper(lead, org, {"person_id": person})
    round_ = ms.schedule_round(lead, org, {
        "name": "January round", "question_set_id": set_id, "care_service_ids": list(care.values()),
        "calls_per_service": 1, "starts_on": "2026-01-05", "ends_on": "2026-02-27", "seed": 1})
    leaving = round_["assignments"][0]["shopper_id"]
    rpc.identity.erase_me(principal(leaving, org, "council_member"), {"confirm": True})
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:
        if leaving not in {s["person_id"] for s in ms.list_shoppers(lead, org)}:
            break
        time.sleep(0.1)
    assert leaving not in {s["person_id"] for s in ms.list_shoppers(lead, org)}
    after = ms.get_round(lead, org, round_["id"])["assignments"]
    assert leaving not in {a["shopper_id"] for a in after}
    assert all(a["status"] == "assigned" for a in after)  # given to the others


def test_odd_input_to_any_method_is_a_clear_refusal_never_a_crash(rpc):
    """Every RPC taking (principal, organisation_id, ...) answers odd values with an Involve error
    (a 4xx for the gateway), never an unexpected exception."""
    import inspect

    from involve.kernel.errors import InvolveError
    from involve.mystery_shopping.service import MysteryShoppingService

    org, care, lead, members, _ = phoenix(rpc)
    ms = rpc.mystery_shopping
    for person in members:
        ms.add_shopper(lead, org, {"person_id": person})
    set_id = ms.list_question_sets(lead, org)[0]["id"]
    round_ = ms.schedule_round(lead, org, {
        "name": "Round", "question_set_id": set_id, "care_service_ids": list(care.values()),
        "starts_on": "2026-01-05", "ends_on": "2026-02-27", "seed": 3})
    a = round_["assignments"][0]
    good = {"question_set_id": set_id, "shopper_id": ms.list_shoppers(lead, org)[0]["id"],
            "round_id": round_["id"], "assignment_id": a["id"]}
    odd = [None, 7, "x" * 300, [], {"answers": {"felt-welcome": [1]}}, {"questions": "all"},
           {"care_service_ids": "everything", "personas": 3}, {"called_at": "yesterday"}]
    methods = [name for name, fn in inspect.getmembers(MysteryShoppingService,
                                                       inspect.isfunction)
               if list(inspect.signature(fn).parameters)[1:3] == ["principal", "organisation_id"]]
    assert len(methods) >= 18
    refused = 0
    for name in methods:
        params = list(inspect.signature(getattr(MysteryShoppingService, name)).parameters)[3:]
        caller = principal(a["shopper_id"], org, "council_member", "involvement_lead")
        for position in range(len(params)):
            for value in odd:
                args = [good.get(p, {}) for p in params]
                args[position] = value
                try:
                    getattr(ms, name)(caller, org, *args)
                except InvolveError:
                    refused += 1
    assert refused > len(methods)


def test_only_people_who_agreed_can_be_added_and_a_withdrawal_keeps_them_out_of_rounds(rpc):
    org, care, lead, members, _ = phoenix(rpc)
    ms = rpc.mystery_shopping
    newcomer = rpc.identity.create_person(ADMIN, org, {"name": "Val", "roles": ["volunteer"]})["id"]
    with pytest.raises(InvalidInput) as caught:
        ms.add_shopper(lead, org, {"person_id": newcomer})
    assert list(caught.value.fields) == ["person_id"] and caught.value.status == 422
    assert caught.value.message == ("They have not agreed to be asked to mystery shop. They can say "
                                    "yes on their My account page, under \u201cBeing asked to "
                                    "mystery shop\u201d.")
    set_consent(rpc, org, newcomer, False)  # saying no is not agreeing either
    with pytest.raises(InvalidInput):
        ms.add_shopper(lead, org, {"person_id": newcomer})
    assert newcomer not in {s["person_id"] for s in ms.list_shoppers(lead, org)}
    set_consent(rpc, org, newcomer, True)
    assert ms.add_shopper(lead, org, {"person_id": newcomer})["person_id"] == newcomer

    # identity's check refuses purposes it does not know, naming the field
    with pytest.raises(InvalidInput) as caught:
        rpc.identity.people_consenting([newcomer], "anything_at_all")
    assert list(caught.value.fields) == ["purpose"]
    assert rpc.identity.people_consenting([newcomer, members[0], "unknown"], "mystery_shopping") \
        == [newcomer, members[0]]

    for person in members:
        ms.add_shopper(lead, org, {"person_id": person})
    set_id = next(s["id"] for s in ms.list_question_sets(lead, org)
                  if s["key"] == "involve.first-contact")
    body = {"name": "January round", "question_set_id": set_id,
            "care_service_ids": list(care.values()), "calls_per_service": 2,
            "starts_on": "2026-01-05", "ends_on": "2026-02-27", "seed": 11}
    first = ms.schedule_round(lead, org, body)
    assert newcomer in {a["shopper_id"] for a in first["assignments"]}

    # they change their mind: still on the roster, but the next round leaves them out
    set_consent(rpc, org, newcomer, False)
    assert newcomer in {s["person_id"] for s in ms.list_shoppers(lead, org)}
    second = ms.schedule_round(lead, org, dict(body, name="March round", starts_on="2026-03-02",
                                               ends_on="2026-04-24"))
    given = {a["shopper_id"] for a in second["assignments"]}
    assert len(second["assignments"]) == 6 and newcomer not in given and given <= set(members)
    # and a coordinator cannot put them back on after taking them off
    shopper_id = next(s["id"] for s in ms.list_shoppers(lead, org) if s["person_id"] == newcomer)
    ms.remove_shopper(lead, org, shopper_id)
    with pytest.raises(InvalidInput) as caught:
        ms.add_shopper(lead, org, {"person_id": newcomer})
    assert list(caught.value.fields) == ["person_id"]


def test_when_identity_is_not_answering_scheduling_and_adding_a_shopper_say_try_again(
        service_config, container_factory):
    """Only mystery_shopping is running: its calls to identity become ServiceUnavailable (503,
    "try again"), not a conflict, and nothing is stored."""
    from nameko.standalone.rpc import ClusterRpcClient

    from involve.kernel.errors import ServiceUnavailable
    from involve.mystery_shopping.service import MysteryShoppingService
    from tests.support.running import start_service

    start_service(container_factory, MysteryShoppingService)
    org = "org-without-identity"
    lead = principal("lead-1", org, "involvement_lead")
    with ClusterRpcClient(uri=service_config["AMQP_URI"]) as rpc:
        with pytest.raises(ServiceUnavailable) as caught:
            rpc.mystery_shopping.schedule_round(lead, org, {
                "name": "January and February", "question_set_id": "any",
                "care_service_ids": ["cs-1"], "starts_on": "2026-01-05",
                "ends_on": "2026-02-27"})
        assert "try again" in str(caught.value).lower()
        with pytest.raises(ServiceUnavailable):
            rpc.mystery_shopping.add_shopper(lead, org, {"person_id": "member-1"})
        assert rpc.mystery_shopping.list_rounds(lead, org) == []
        assert rpc.mystery_shopping.list_shoppers(lead, org) == []


def _mail(address, subject):
    return [m for m in read_outbox() if m["To"] == address and m["Subject"] == subject]


def _wait(check, timeout=20):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = check()
        if value:
            return value
        time.sleep(0.1)
    raise AssertionError("it did not happen in time")


def test_shoppers_are_told_of_their_calls_and_of_a_call_passed_to_them(rpc, ms_events):
    org, care, lead, members, _ = phoenix(rpc)
    ms = rpc.mystery_shopping
    set_id = next(s["id"] for s in ms.list_question_sets(lead, org)
                  if s["key"] == "involve.first-contact")
    for person in members[:3]:
        ms.add_shopper(lead, org, {"person_id": person})
    round_ = ms.schedule_round(lead, org, {
        "name": "Spring round", "question_set_id": set_id, "care_service_ids": list(care.values()),
        "calls_per_service": 1, "starts_on": "2026-03-02", "ends_on": "2026-04-24", "seed": 5})
    given = {m: sum(a["shopper_id"] == m for a in round_["assignments"]) for m in members[:3]}
    assert set(given.values()) == {1}
    for i in range(3):  # one message each, saying when, not what
        [message] = _wait(lambda i=i: _mail(f"member{i}@phoenix.test",
                                            "You have mystery-shopping calls to make"))
        text = message.get_content()
        assert "a call to make" in text and "“Spring round”" in text
        assert "between 2 March 2026 and 24 April 2026" in text
        assert f"/organisations/{org}/mystery-shopping/my-calls" in text
        assert not any(name in text for name in SERVICES)
    assert _mail("member3@phoenix.test", "You have mystery-shopping calls to make") == []

    # A shopper passes a call on: the one it goes to is told; they are not.
    a = round_["assignments"][0]
    moved = ms.reassign(principal(a["shopper_id"], org, "council_member"), org, a["id"],
                        {"reason": "Away"})
    index = members.index(moved["shopper_id"])
    _wait(lambda: _mail(f"member{index}@phoenix.test",
                        "A mystery-shopping call has been passed to you"))
    # The coordinator moves it again: the new shopper is told, and so is the one it left.
    again = ms.reassign(lead, org, a["id"], {})
    _wait(lambda: _mail(f"member{members.index(again['shopper_id'])}@phoenix.test",
                        "A mystery-shopping call has been passed to you"))
    _wait(lambda: _mail(f"member{index}@phoenix.test",
                        "One of your mystery-shopping calls has moved"))
    first = members.index(a["shopper_id"])
    assert _mail(f"member{first}@phoenix.test", "One of your mystery-shopping calls has moved") \
        == []  # they passed it on themselves
    events = ms_events(1 + 2)
    passed = [e for e in events if e["type"].endswith("call.reassigned.v1")]
    assert [(e["data"]["previous_shopper_id"], e["data"]["declined"]) for e in passed] == [
        (a["shopper_id"], True), (moved["shopper_id"], False)]
    assert all(set(e["data"]) == {"round_id", "assignment_id", "care_service_id", "persona",
                                  "shopper_id", "previous_shopper_id", "declined"}
               for e in passed)
