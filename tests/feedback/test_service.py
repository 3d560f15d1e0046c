"""The feedback service on a real RabbitMQ with identity beside it (SQLite and PostgreSQL): the
seed 002 flow, escalation by the timer, bad input, and erasure."""
import time

import pytest
from sqlalchemy import select

from involve.kernel.errors import Conflict, Forbidden, InvalidInput, NotFound
from involve.kernel.mail import read_outbox

from .helpers import ADMIN, PUBLISHABLE_TEXT, staff, story


def wait_until(check, timeout=15):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = check()
        if value:
            return value
        time.sleep(0.1)
    raise AssertionError("it did not happen in time")


def mail_to(address):
    return [m for m in read_outbox() if m["To"] == address]


@pytest.fixture
def riverside(rpc):
    """An addiction charity with three services, a moderator, two managers and a lead."""
    org = rpc.identity.create_organisation(ADMIN, {"name": "Riverside Recovery"})["id"]
    services = [rpc.identity.create_care_service(ADMIN, org, {"name": name, "kind": "addiction"})
                ["id"] for name in ("Drop-in Centre", "Needle Exchange", "Family Support")]
    people = {}
    for key, roles in (("moderator", ["moderator"]), ("manager", ["responder"]),
                       ("other", ["responder"]), ("lead", ["involvement_lead"])):
        people[key] = rpc.identity.create_person(ADMIN, org, {
            "name": key.title(), "email": f"{key}@riverside.test", "roles": roles})["id"]
    who = {
        "moderator": staff(org, people["moderator"], "moderator"),
        "manager": staff(org, people["manager"], "responder"),
        "other": staff(org, people["other"], "responder"),
        "lead": staff(org, people["lead"], "involvement_lead"),
    }
    return org, services, people, who


def moderate_and_publish(rpc, org, who, story_id, criticality=2, tag_names=()):
    tags = {t["name"]: t["id"] for t in rpc.feedback.list_tags(who["moderator"], org)}
    rpc.feedback.moderate_story(who["moderator"], org, story_id, {
        "title": "We waited three hours with no word", "text": PUBLISHABLE_TEXT,
        "what_was_good": "The nurse listened.", "criticality": criticality,
        "tag_ids": [tags[n] for n in tag_names]})
    return rpc.feedback.publish_story(who["moderator"], org, story_id, {})


def test_seed_002_story_reaches_the_right_manager_and_leads_to_change(rpc, riverside,
                                                                     feedback_events):
    org, (drop_in, needles, _family), _people, who = riverside
    mine = rpc.feedback.create_subscription(who["manager"], org, {
        "care_service_ids": [drop_in], "min_criticality": 1})
    rpc.feedback.create_subscription(who["other"], org, {"care_service_ids": [needles]})

    # an anonymous story, with an email for replies that feedback never keeps
    sent = rpc.feedback.submit_story(org, story([drop_in], email="author@example.org"))
    assert sent["status"] == "received"
    code = sent["tracking_code"]

    # moderation shows the identifying details highlighted
    [queued] = rpc.feedback.moderation_queue(who["moderator"], org)
    assert queued["id"] == sent["story_id"] and queued["identifying_count"] >= 3
    view = rpc.feedback.story_for_moderation(who["moderator"], org, sent["story_id"])
    kinds = {(d["kind"], d["text"]) for d in view["identifying_details"]}
    assert {("name", "John Smith"), ("phone", "07700 900123")} <= kinds
    with pytest.raises(Forbidden):
        rpc.feedback.story_for_moderation(who["manager"], org, sent["story_id"])
    moderate_and_publish(rpc, org, who, sent["story_id"], criticality=2,
                         tag_names=["waiting time"])

    # the matching subscriber, and only they, is alerted: inbox and email
    inbox = wait_until(lambda: rpc.feedback.inbox(who["manager"], org))
    assert [(a["kind"], a["story_id"]) for a in inbox] == [("story", sent["story_id"])]
    wait_until(lambda: mail_to("manager@riverside.test"))
    time.sleep(0.5)
    assert rpc.feedback.inbox(who["other"], org) == []
    assert mail_to("other@riverside.test") == []
    assert mine["care_service_ids"] == [drop_in]

    # the manager answers and says the change is made: a moderator checks it first
    response = rpc.feedback.respond(who["manager"], org, sent["story_id"], {
        "text": "Thank you. Reception now shows the waiting time on a board.",
        "responder_title": "Service manager, Drop-in Centre", "change_status": "made",
        "change_description": "A board in reception shows the waiting time."})
    assert response["status"] == "pending"
    [pending] = rpc.feedback.response_queue(who["moderator"], org)
    rpc.feedback.publish_response(who["moderator"], org, pending["id"])
    wait_until(lambda: mail_to("author@example.org"))
    assert code not in mail_to("author@example.org")[0].get_content()

    # the author follows the story with the code and confirms the change
    tracked = rpc.feedback.track_story({"tracking_code": code})
    assert tracked["status"] == "change_made" and tracked["awaiting_verdict"] == [pending["id"]]
    rpc.feedback.record_verdict({"tracking_code": code, "response_id": pending["id"],
                                 "verdict": "confirmed", "note": "I saw the board."})
    with pytest.raises(Conflict):
        rpc.feedback.record_verdict({"tracking_code": code, "response_id": pending["id"],
                                     "verdict": "disputed"})

    # public pages: the moderated story, its response and change, no identifying details
    public = rpc.feedback.public_story(org, sent["story_id"])
    assert public["text"] == PUBLISHABLE_TEXT and public["status"] == "change_made"
    assert public["responses"][0]["author_verdict"] == "confirmed"
    listing = rpc.feedback.public_stories(org, {"care_service_id": drop_in, "tag": "waiting time"})
    assert listing["total"] == 1
    everything = str(listing) + str(public)
    for secret in ("07700", "John Smith", "Jones", "author@example.org", "criticality", code):
        assert secret not in everything
    summary = rpc.feedback.public_service_summary(org, drop_in)
    assert (summary["stories_published"], summary["stories_responded"], summary["changes_made"],
            summary["changes_confirmed"], summary["response_rate"]) == (1, 1, 1, 1, 1.0)

    events = feedback_events(5)
    kinds = [e["type"].split(".", 2)[2].rsplit(".", 1)[0] for e in events]
    assert kinds == ["story.submitted", "story.published", "response.published",
                     "change.recorded", "change.recorded"]
    assert events[-1]["data"]["verdict"] == "confirmed"
    submitted = events[0]["data"]
    assert set(submitted) == {"story_id", "care_service_ids", "relationship", "assisted"}
    for event in events:
        assert "author@example.org" not in str(event) and "criticality" not in str(event)


def test_critical_unanswered_story_escalates_to_manager_then_lead(rpc, riverside,
                                                                 feedback_events):
    org, (drop_in, _needles, _family), _people, who = riverside
    rpc.feedback.create_subscription(who["manager"], org, {
        "care_service_ids": [drop_in], "escalation_contact": True})
    critical = rpc.feedback.submit_story(org, story([drop_in]))["story_id"]
    answered = rpc.feedback.submit_story(org, story([drop_in]))["story_id"]
    moderate_and_publish(rpc, org, who, critical, criticality=5)
    moderate_and_publish(rpc, org, who, answered, criticality=5)
    # the other story is answered (a first response is moderated before it is public)
    first = rpc.feedback.respond(who["other"], org, answered, {
        "text": "We are sorry and will call you.", "responder_title": "Manager"})
    rpc.feedback.publish_response(who["moderator"], org, first["id"])

    def escalations():
        seen = [e["data"] for e in feedback_events(99, timeout=0.5)
                if e["type"].endswith("story.escalated.v1")]
        return seen if len(seen) >= 2 else None

    escalated = wait_until(escalations, timeout=20)
    assert escalated == [{"story_id": critical, "stage": 1, "care_service_ids": [drop_in]},
                         {"story_id": critical, "stage": 2, "care_service_ids": [drop_in]}]
    manager = [(a["kind"], a["stage"], a["story_id"]) for a in
               rpc.feedback.inbox(who["manager"], org) if a["kind"] == "escalation"]
    lead = [(a["kind"], a["stage"], a["story_id"]) for a in rpc.feedback.inbox(who["lead"], org)]
    assert manager == [("escalation", 1, critical)]
    assert lead == [("escalation", 2, critical)]
    time.sleep(2.5)  # more timer runs: nothing fires twice
    assert len([e for e in feedback_events(99, timeout=0.5)
                if e["type"].endswith("story.escalated.v1")]) == 2


def test_bad_input_is_refused_and_nothing_is_stored(rpc, riverside):
    org, (drop_in, *_), people, who = riverside
    cases = [
        (story([drop_in], text=""), InvalidInput, "text"),
        (story([drop_in], text="x" * 7001), InvalidInput, "text"),
        (story([drop_in], text="\x89PNG\r\n\x1a\n\x00\x00"), InvalidInput, None),
        (story([drop_in], text="\x1b[31mred"), InvalidInput, "text"),
        (story(["no-such-service"]), InvalidInput, "care_service_ids"),
        (story([drop_in], email="nope"), InvalidInput, "email"),
    ]
    for body, error, field in cases:
        with pytest.raises(error) as caught:
            rpc.feedback.submit_story(org, body)
        if field:
            assert field in caught.value.args[1], caught.value.args
    with pytest.raises(NotFound) as caught:
        rpc.feedback.submit_story("no-such-organisation", story([drop_in]))
    assert "organisation_id" in caught.value.args[1]
    with pytest.raises(NotFound):
        rpc.feedback.track_story({"tracking_code": "AAAA-BBBB"})
    assert rpc.feedback.moderation_queue(who["moderator"], org) == []
    # a story can be published only from moderation, and HTML stays text
    sent = rpc.feedback.submit_story(org, story([drop_in], title="<script>x()</script>"))
    assert rpc.feedback.story_for_moderation(who["moderator"], org, sent["story_id"])[
        "original"]["title"] == "<script>x()</script>"
    with pytest.raises(Conflict) as caught:
        rpc.feedback.publish_story(who["moderator"], org, sent["story_id"], {})
    assert "criticality" in caught.value.args[1]
    # another organisation's staff cannot see it
    outsider = staff("another-org", people["moderator"], "moderator")
    with pytest.raises(Forbidden):
        rpc.feedback.moderation_queue(outsider, org)


def test_erased_author_and_subscriber_are_forgotten(rpc, riverside, database_url):
    from involve.feedback.models import Story
    from involve.kernel.db import make_engine, session_factory

    org, (drop_in, *_), people, who = riverside
    rpc.feedback.create_subscription(who["other"], org, {})
    sent = rpc.feedback.submit_story(org, story([drop_in], email="author@example.org"))
    moderate_and_publish(rpc, org, who, sent["story_id"])
    wait_until(lambda: rpc.feedback.inbox(who["other"], org))
    engine = make_engine(database_url.replace("{service}", "feedback"))
    with session_factory(engine)() as session:
        author = session.scalar(select(Story.author_person_id).where(
            Story.id == sent["story_id"]))
    engine.dispose()

    rpc.identity.erase_me({"person_id": author}, {"confirm": True})
    rpc.identity.erase_me({"person_id": people["other"]}, {"confirm": True})

    def forgotten():
        try:
            rpc.feedback.track_story({"tracking_code": sent["tracking_code"]})
        except NotFound:
            return rpc.feedback.list_subscriptions(who["lead"], org) == []
        return False

    wait_until(forgotten)
    assert rpc.feedback.public_story(org, sent["story_id"])["text"] == PUBLISHABLE_TEXT
    assert rpc.feedback.inbox(who["other"], org) == []


def test_volunteer_tells_a_story_for_someone_and_staff_manage_only_their_subscriptions(
        rpc, riverside, feedback_events):
    org, (drop_in, needles, _), people, who = riverside
    volunteer_id = rpc.identity.create_person(ADMIN, org, {
        "name": "Val", "email": "val@riverside.test", "roles": ["volunteer"]})["id"]
    volunteer = staff(org, volunteer_id, "volunteer")
    sent = rpc.feedback.submit_assisted_story(volunteer, org, story([needles]))
    assert rpc.feedback.story_for_moderation(who["moderator"], org, sent["story_id"])["assisted"]
    with pytest.raises(Forbidden):  # a member of the public cannot moderate
        rpc.feedback.moderation_queue(volunteer, org)
    [submitted] = feedback_events(1)
    assert submitted["data"]["assisted"] is True

    # a responder subscribes themselves, but not others or a team; a lead may
    own = rpc.feedback.create_subscription(who["manager"], org, {"care_service_ids": [drop_in]})
    assert own["person_id"] == people["manager"]
    for body in ({"person_id": people["other"]},
                 {"team_name": "Quality", "team_email": "quality@riverside.test"}):
        with pytest.raises(Forbidden):
            rpc.feedback.create_subscription(who["manager"], org, body)
    team = rpc.feedback.create_subscription(who["lead"], org, {
        "team_name": "Quality", "team_email": "quality@riverside.test", "delivery": "digest"})
    with pytest.raises(InvalidInput) as caught:
        rpc.feedback.create_subscription(who["lead"], org, {"person_id": "not-a-member"})
    assert "person_id" in caught.value.args[1]
    with pytest.raises(InvalidInput) as caught:
        rpc.feedback.create_subscription(who["manager"], org, {"care_service_ids": ["nope"]})
    assert "care_service_ids" in caught.value.args[1]
    assert [s["id"] for s in rpc.feedback.list_subscriptions(who["manager"], org)] == [own["id"]]
    assert len(rpc.feedback.list_subscriptions(who["lead"], org)) == 2
    with pytest.raises(Forbidden):
        rpc.feedback.delete_subscription(who["manager"], org, team["id"])
    rpc.feedback.delete_subscription(who["lead"], org, team["id"])
    rpc.feedback.delete_subscription(who["manager"], org, own["id"])
    assert rpc.feedback.list_subscriptions(who["lead"], org) == []
