"""The feedback domain as plain modules on SQLite and PostgreSQL: submission checks, moderation,
routing through the subscription index, trust, escalation, digests and erasure."""
import random
import uuid
from datetime import timedelta

import pytest
from sqlalchemy import select, text

from involve.feedback import (
    alerts,
    contract,
    digests,
    escalation,
    responses,
    routing,
    stories,
    subscriptions,
    tags,
)
from involve.feedback.models import Alert, Story, SubscriptionKey
from involve.kernel import idempotency
from involve.kernel.db import now, transaction
from involve.kernel.errors import Conflict, InvalidInput, NotFound
from tests.support.databases import statements_on

from .helpers import PUBLISHABLE_TEXT, story

ORG = "org-1"
SERVICES = [{"id": f"cs-{i}", "name": f"Service {i}"} for i in range(5)]


def submit(session, record, body, author=None, org=ORG, when=None):
    values = stories.check_submission(body)
    chosen = stories.check_care_services(values, SERVICES)
    return stories.create(session, record, org, values, chosen,
                          author or {"person_id": str(uuid.uuid4()), "can_reply": True},
                          None, when or now())


def publish(session, record, story_id, criticality=2, tag_ids=(), when=None, org=ORG):
    body = {"title": "A long wait", "text": PUBLISHABLE_TEXT, "criticality": criticality,
            "tag_ids": list(tag_ids)}
    stories.moderate(session, org, story_id, body, "moderator-1", when or now())
    return stories.publish(session, record, org, story_id, {}, "moderator-1", when or now())


def tag_id(session, name, org=ORG):
    return next(t["id"] for t in tags.list_for(session, org) if t["name"] == name)


def subscribe(session, org=ORG, **body):
    values = subscriptions.check(body)
    return subscriptions.create(session, org, values, "lead-1", now())


# --- submission ---------------------------------------------------------------------------
@pytest.mark.parametrize("field,value,expected", [
    ("text", "", "Please write between 1 and 7000 characters."),
    ("text", "   ", "Please write between 1 and 7000 characters."),
    ("text", "x" * 7001, "Please write between 1 and 7000 characters."),
    ("text", "GIF89a\x01\x02\x7f binary", "not ordinary text"),
    ("title", "", "Please write between 1 and 150 characters."),
    ("relationship", "cousin", "Please choose how you are connected to the service."),
    ("email", "not-an-email", "Please enter an email address"),
    ("care_service_ids", [], "Please choose between 1 and 5 services."),
])
def test_bad_stories_are_refused_naming_the_field(field, value, expected):
    with pytest.raises(InvalidInput) as caught:
        stories.check_submission({**story(["cs-0"]), field: value})
    assert list(caught.value.fields) == [field]
    assert expected in caught.value.fields[field][0]


def test_new_lines_tabs_and_html_are_kept_as_text():
    body = story(["cs-0"], text="Line one\n\tLine two <script>alert(1)</script>")
    assert stories.check_submission(body)["text"].endswith("<script>alert(1)</script>")


def test_unknown_care_service_is_refused():
    values = stories.check_submission(story(["cs-0", "elsewhere"]))
    with pytest.raises(InvalidInput) as caught:
        stories.check_care_services(values, SERVICES)
    assert "care_service_ids" in caught.value.fields


def test_submission_stores_no_email_and_events_carry_no_text(feedback_sessions,
                                                              events_recorded):
    with transaction(feedback_sessions) as session:
        out = submit(session, events_recorded, story(["cs-1"], email="me@example.com",
                                                     form_id="form-0001"))
    assert out["status"] == "received" and len(out["tracking_code"]) >= 26
    with transaction(feedback_sessions) as session:
        row = session.get(Story, out["story_id"])
        assert out["tracking_code"] not in str(vars(row)) and "me@example.com" not in str(
            vars(row))
        assert row.tracking_hash == stories.hash_code(out["tracking_code"].lower())
        # the same form sent twice is refused, not stored twice
        with pytest.raises(Conflict) as caught:
            submit(session, events_recorded, story(["cs-1"], form_id="form-0001"))
        assert "form_id" in caught.value.fields
    [(kind, data, _)] = events_recorded.seen
    assert kind == "story.submitted" and set(data) == {
        "story_id", "care_service_ids", "relationship", "assisted"}


def test_tracking_codes_have_no_letter_that_looks_like_a_digit():
    codes = [stories.new_tracking_code() for _ in range(200)]
    letters = "".join(code.replace("-", "") for code in codes)
    assert not set(letters) & set("ILOU") and set(letters) <= set(stories.CODE_ALPHABET)
    assert {len(code.replace("-", "")) for code in codes} == {26} and len(set(codes)) == 200
    assert all({len(group) for group in code.split("-")[:-1]} == {4} for code in codes)


def test_a_code_is_found_however_it_is_typed_and_old_codes_still_work(feedback_sessions,
                                                                        events_recorded):
    with transaction(feedback_sessions) as session:
        out = submit(session, events_recorded, story(["cs-1"]))
        old = submit(session, events_recorded, story(["cs-2"]))
        # a code given before Crockford's alphabet (RFC 4648 base32: letters and 2-7)
        old_code = "MFRG-GZDF-MZTW-Q2LK-NNWG-23TP-OB"
        session.get(Story, old["story_id"]).tracking_hash = stories.hash_code(old_code)
    code = out["tracking_code"]
    typed = [code, code.lower(), code.replace("-", ""), code.replace("-", " "),
             " ".join(code.replace("-", "")), code.replace("0", "O").replace("1", "l"),
             code.lower().replace("0", "o").replace("1", "i")]
    with transaction(feedback_sessions) as session:
        for variant in typed:
            assert stories.track(session, {"tracking_code": variant})["id"] == out["story_id"]
        for variant in (old_code, old_code.lower().replace("-", ""),
                        old_code.replace("O", "0"), old_code.replace("B", "8")):
            assert stories.track(session, {"tracking_code": variant})["id"] == old["story_id"]
        wrong = code[:-1] + ("X" if code[-1] != "X" else "Y")
        with pytest.raises(NotFound) as caught:
            stories.track(session, {"tracking_code": wrong})
        assert list(caught.value.fields) == ["tracking_code"]


# --- moderation ---------------------------------------------------------------------------
def test_moderator_sees_details_highlighted_and_must_confirm_them(feedback_sessions,
                                                                   events_recorded):
    with transaction(feedback_sessions) as session:
        story_id = submit(session, events_recorded, story(["cs-1"]))["story_id"]
        view = stories.for_moderation(session, ORG, story_id)
        kinds = {(d["kind"], d["text"]) for d in view["identifying_details"]}
        assert {("name", "Jones"), ("name", "John Smith"), ("phone", "07700 900123"),
                ("date", "12 March")} <= kinds
        assert stories.moderation_queue(session, ORG)[0]["identifying_count"] == len(kinds)
        # no criticality yet: refused
        with pytest.raises(Conflict) as caught:
            stories.publish(session, events_recorded, ORG, story_id, {"hold_days": 0}, "m", now())
        assert "criticality" in caught.value.fields
        stories.moderate(session, ORG, story_id, {**{k: view["original"][k] for k in (
            "title", "text", "what_was_good", "what_could_be_improved")}, "criticality": 3},
                         "m", now())
        with pytest.raises(Conflict) as caught:
            stories.publish(session, events_recorded, ORG, story_id, {}, "m", now())
        assert "identifying_details_checked" in caught.value.fields
        # the moderator removes them: publishable without the tick
        publish(session, events_recorded, story_id)
        public = stories.public_one(session, ORG, story_id)
    assert public["text"] == PUBLISHABLE_TEXT and "criticality" not in public
    published = next(d for t, d, _ in events_recorded.seen if t == "story.published")
    assert published["text"] == PUBLISHABLE_TEXT and "criticality" not in published
    assert "07700" not in str(published)


def test_held_story_goes_public_when_the_hold_ends(feedback_sessions, events_recorded):
    start = now()
    with transaction(feedback_sessions) as session:
        story_id = submit(session, events_recorded, story(["cs-1"]))["story_id"]
        stories.moderate(session, ORG, story_id, {"title": "t", "text": PUBLISHABLE_TEXT,
                                                   "criticality": 5}, "m", start)
        stories.publish(session, events_recorded, ORG, story_id, {"hold_days": 2}, "m", start)
        with pytest.raises(NotFound):
            stories.public_one(session, ORG, story_id)
        assert stories.release_held(session, events_recorded, start + timedelta(days=1)) == 0
        assert stories.release_held(session, events_recorded, start + timedelta(days=2)) == 1
        assert stories.public_one(session, ORG, story_id)["status"] == "published"


def test_rejection_reason_reaches_the_author(feedback_sessions, events_recorded):
    with transaction(feedback_sessions) as session:
        out = submit(session, events_recorded, story(["cs-1"]))
        _, notice = stories.reject(session, events_recorded, ORG, out["story_id"],
                                   {"reason": "It names a member of staff."}, "m", now())
        tracked = stories.track(session, {"tracking_code": out["tracking_code"]})
    assert tracked["status"] == "rejected"
    assert tracked["rejection_reason"] == "It names a member of staff."
    assert notice["subject"] and out["tracking_code"] not in notice["body"]


# --- routing ------------------------------------------------------------------------------
def test_routing_alerts_exactly_the_matching_subscriptions(feedback_sessions, events_recorded):
    with transaction(feedback_sessions) as session:
        story_id = submit(session, events_recorded, story(["cs-1", "cs-2"]))["story_id"]
        waiting = tag_id(session, "waiting time")
        kind = tag_id(session, "kind staff")
        match = {
            "service": subscribe(session, person_id="p-service", care_service_ids=["cs-2"]),
            "tag": subscribe(session, person_id="p-tag", tag_ids=[waiting]),
            "both": subscribe(session, person_id="p-both", care_service_ids=["cs-1"],
                              tag_ids=[waiting, kind]),
            "everything": subscribe(session, team_name="Quality", team_email="q@example.org"),
            "digest": subscribe(session, person_id="p-digest", delivery="digest"),
        }
        subscribe(session, person_id="p-other-service", care_service_ids=["cs-3"])
        subscribe(session, person_id="p-other-tag", care_service_ids=["cs-1"], tag_ids=[kind])
        subscribe(session, person_id="p-too-critical", min_criticality=3)
        subscribe(session, org="org-2", person_id="p-other-org")
        publish(session, events_recorded, story_id, criticality=2, tag_ids=[waiting])
        due = routing.route(session, story_id, now())
        got = session.scalars(select(Alert).where(Alert.story_id == story_id)).all()
    assert {a.subscription_id for a in got} == {s["id"] for s in match.values()}
    assert {a.id for a in got if a.email_due} == set(due)
    assert [a.person_id for a in got if a.digest_due] == ["p-digest"]
    assert [a.team_email for a in got if a.team_email] == ["q@example.org"]


def test_routing_reads_only_the_story_keys_among_many_subscriptions(feedback_sessions,
                                                                     events_recorded):
    rng = random.Random(2)
    services = [f"cs-{i}" for i in range(5)] + [f"other-{i}" for i in range(200)]
    with transaction(feedback_sessions) as session:
        story_id = submit(session, events_recorded, story(["cs-1"]))["story_id"]
        tag_ids = [t["id"] for t in tags.list_for(session, ORG)]
        wanted = set()
        for i in range(1500):
            chosen_services = rng.sample(services, rng.choice([0] + [1] * 4 + [2] * 5))
            chosen_tags = rng.sample(tag_ids, rng.choice([0, 1, 1, 2]))
            minimum = rng.randint(0, 5)
            sub = subscribe(session, person_id=f"p-{i}", care_service_ids=chosen_services,
                            tag_ids=chosen_tags, min_criticality=minimum)
            if ((not chosen_services or "cs-1" in chosen_services)
                    and (not chosen_tags or tag_ids[0] in chosen_tags) and minimum <= 3):
                wanted.add(sub["id"])
        publish(session, events_recorded, story_id, criticality=3, tag_ids=[tag_ids[0]])
        stats = {}
        routing.route(session, story_id, now(), stats)
        got = set(session.scalars(select(Alert.subscription_id).where(
            Alert.story_id == story_id)))
        total_keys = session.scalar(select(text("count(*)")).select_from(SubscriptionKey))
    assert got == wanted and len(wanted) > 20
    # the lookup touched only index rows for (cs-1 or any) x (its tag or any)
    assert stats["keys_examined"] < total_keys / 10


def test_a_story_is_routed_in_one_insert_and_a_replayed_event_writes_nothing(
        feedback_sessions, events_recorded):
    with transaction(feedback_sessions) as session:
        story_id = submit(session, events_recorded, story(["cs-1"]))["story_id"]
        for i in range(300):
            subscribe(session, person_id=f"p-{i}", care_service_ids=["cs-1"],
                      delivery="immediate" if i % 2 else "digest")
        publish(session, events_recorded, story_id)

    def handle(event_id):  # what the story.published handler does, in its transaction
        with transaction(feedback_sessions) as session:
            if not idempotency.first_time(session, event_id, "feedback.route_story"):
                return []
            return routing.route(session, story_id, now())

    with statements_on(feedback_sessions, "alerts") as inserts:
        due = handle("event-1")
    assert len(inserts) == 1  # one statement for the 300 alerts, not one per alert
    with statements_on(feedback_sessions, "alerts") as inserts:
        assert handle("event-1") == []  # the broker delivers the same event again
    assert inserts == []
    with feedback_sessions() as session:
        got = session.scalars(select(Alert).where(Alert.story_id == story_id)).all()
    assert len(got) == 300 and len({a.person_id for a in got}) == 300
    assert {a.id for a in got if a.email_due} == set(due) and len(due) == 150


def test_the_routing_lookup_uses_the_index(feedback_sessions):
    query = ("SELECT subscription_id FROM subscription_keys WHERE organisation_id = 'o' "
             "AND care_service_key IN ('a', '*') AND tag_key IN ('t', '*')")
    with feedback_sessions() as session:
        if session.bind.dialect.name == "sqlite":
            plan = " ".join(str(r) for r in session.execute(text("EXPLAIN QUERY PLAN " + query)))
        else:
            session.execute(text("SET enable_seqscan = off"))
            plan = " ".join(str(r) for r in session.execute(text("EXPLAIN " + query)))
    assert "ix_subscription_keys_lookup" in plan


# --- responses and trust ------------------------------------------------------------------
def test_responses_are_moderated_until_the_responder_is_trusted(feedback_sessions,
                                                                events_recorded):
    with transaction(feedback_sessions) as session:
        first = submit(session, events_recorded, story(["cs-1"]))
        second = submit(session, events_recorded, story(["cs-1"]))
        for s in (first, second):
            publish(session, events_recorded, s["story_id"])
        answer = {"text": "Thank you. We now show the waiting time.",
                  "responder_title": "Service manager"}
        held, _ = responses.respond(session, events_recorded, ORG, first["story_id"], answer,
                                    "manager-1", 1, now())
        assert held["status"] == "pending" and stories.public_one(
            session, ORG, first["story_id"])["responses"] == []
        responses.publish(session, events_recorded, ORG, held["id"], now())
        # one published response: trusted (threshold 1), so the next goes straight out...
        quick, notice = responses.respond(session, events_recorded, ORG, second["story_id"],
                                          answer, "manager-1", 1, now())
        assert quick["status"] == "published" and notice is not None
        # ...unless it claims a change
        change, _ = responses.respond(session, events_recorded, ORG, second["story_id"], {
            **answer, "change_status": "made", "change_description": "A sign in reception."},
            "manager-1", 1, now())
        assert change["status"] == "pending"
        # someone else is not trusted yet
        other, _ = responses.respond(session, events_recorded, ORG, second["story_id"], answer,
                                     "manager-2", 1, now())
        assert other["status"] == "pending"
        assert stories.public_one(session, ORG, second["story_id"])["status"] == "responded"


def test_a_panel_confirms_or_disputes_a_claimed_change_once(feedback_sessions, events_recorded):
    """Besides the author, a panel (e.g. the service user council) may check a change."""
    with transaction(feedback_sessions) as session:
        told = submit(session, events_recorded, story(["cs-1"]))
        publish(session, events_recorded, told["story_id"])
        plain, _ = responses.respond(session, events_recorded, ORG, told["story_id"], {
            "text": "Thank you for telling us.", "responder_title": "Service manager"},
            "manager-1", 10, now())
        change, _ = responses.respond(session, events_recorded, ORG, told["story_id"], {
            "text": "We now show the waiting time.", "responder_title": "Service manager",
            "change_status": "made", "change_description": "A screen in reception."},
            "manager-1", 10, now())
        for pending in (plain, change):
            responses.publish(session, events_recorded, ORG, pending["id"], now())
        with pytest.raises(NotFound):  # a response that claims no change has nothing to check
            responses.record_panel_verdict(session, events_recorded, ORG, plain["id"],
                                           {"verdict": "confirmed"}, "council-1", now())
        with pytest.raises(NotFound):  # another organisation's panel
            responses.record_panel_verdict(session, events_recorded, "org-2", change["id"],
                                           {"verdict": "confirmed"}, "council-1", now())
        with pytest.raises(InvalidInput) as bad:
            responses.record_panel_verdict(session, events_recorded, ORG, change["id"],
                                           {"verdict": "maybe"}, "council-1", now())
        assert list(bad.value.fields) == ["verdict"]
        checked = responses.record_panel_verdict(
            session, events_recorded, ORG, change["id"],
            {"verdict": "disputed", "note": "The screen is switched off."}, "council-1", now())
        assert checked["panel_verdict"] == "disputed" and checked["author_verdict"] is None
        with pytest.raises(Conflict):
            responses.record_panel_verdict(session, events_recorded, ORG, change["id"],
                                           {"verdict": "confirmed"}, "council-2", now())
        public = stories.public_one(session, ORG, told["story_id"])
    shown = next(r for r in public["responses"] if r["id"] == change["id"])
    assert shown["panel_verdict"] == "disputed" and "switched off" not in str(shown)
    recorded = [data for kind, data, _ in events_recorded.seen if kind == "change.recorded"]
    assert recorded[-1]["panel_verdict"] == "disputed"
    assert "switched off" not in str(recorded)  # the panel's note stays with staff


def test_a_change_needs_a_description():
    with pytest.raises(InvalidInput) as caught:
        stories.validate(contract.FeedbackRespond(), {"text": "ok", "responder_title": "m",
                                                      "change_status": "planned"})
    assert "change_description" in caught.value.fields


# --- escalation ---------------------------------------------------------------------------
def test_critical_unanswered_story_escalates_in_two_stages_once_each(feedback_sessions,
                                                                    events_recorded):
    start = now()
    hour = 3600
    with transaction(feedback_sessions) as session:
        critical = submit(session, events_recorded, story(["cs-1"]))["story_id"]
        answered = submit(session, events_recorded, story(["cs-1"]))["story_id"]
        mild = submit(session, events_recorded, story(["cs-1"]))["story_id"]
        publish(session, events_recorded, critical, criticality=4, when=start)
        publish(session, events_recorded, answered, criticality=5, when=start)
        publish(session, events_recorded, mild, criticality=3, when=start)
        responses.respond(session, events_recorded, ORG, answered, {
            "text": "We are sorry.", "responder_title": "Manager"}, "m-1", 0, start)
        subscribe(session, person_id="manager", care_service_ids=["cs-1"],
                  escalation_contact=True, min_criticality=5)
        subscribe(session, person_id="not-a-contact", care_service_ids=["cs-1"])
        subscribe(session, person_id="other-manager", care_service_ids=["cs-3"],
                  escalation_contact=True)

    def run(at):
        with transaction(feedback_sessions) as session:
            organisations = escalation.organisations_for_second_stage(session, at, 4, hour)
            escalation.run(session, events_recorded, at, 4, hour,
                           {org: ["lead-1"] for org in organisations})
            return [(a.story_id, a.person_id, a.stage) for a in session.scalars(
                select(Alert).where(Alert.kind == "escalation").order_by(Alert.stage))]

    assert run(start + timedelta(minutes=59)) == []
    assert run(start + timedelta(minutes=61)) == [(critical, "manager", 1)]
    assert run(start + timedelta(minutes=90)) == [(critical, "manager", 1)]
    assert run(start + timedelta(minutes=121)) == [(critical, "manager", 1),
                                                   (critical, "lead-1", 2)]
    assert run(start + timedelta(days=5)) == [(critical, "manager", 1), (critical, "lead-1", 2)]
    escalated = [d for t, d, _ in events_recorded.seen if t == "story.escalated"]
    assert escalated == [{"story_id": critical, "stage": 1, "care_service_ids": ["cs-1"]},
                         {"story_id": critical, "stage": 2, "care_service_ids": ["cs-1"]}]


# --- emails, digests, inbox ---------------------------------------------------------------
def test_due_emails_are_sent_once_and_retried_after_a_failure(feedback_sessions,
                                                             events_recorded):
    with transaction(feedback_sessions) as session:
        story_id = submit(session, events_recorded, story(["cs-1"]))["story_id"]
        subscribe(session, person_id="p-1")
        subscribe(session, team_name="Quality", team_email="q@example.org")
        publish(session, events_recorded, story_id)
        due = routing.route(session, story_id, now())
    sent = []

    def broken(message):
        raise OSError("mail server down")

    assert alerts.send_due(feedback_sessions, broken, now(), ids=due) == 0
    assert alerts.send_due(feedback_sessions, sent.append, now(), ids=due) == 2
    assert alerts.send_due(feedback_sessions, sent.append, now()) == 0
    assert sorted(m["person_id"] or m["team_email"] for m in sent) == ["p-1", "q@example.org"]
    assert all("A long wait" in m["body"] and "criticality" not in m["body"] for m in sent)


def test_emails_to_people_go_in_batches_and_a_failed_one_is_retried(feedback_sessions,
                                                                    events_recorded):
    with transaction(feedback_sessions) as session:
        story_id = submit(session, events_recorded, story(["cs-1"]))["story_id"]
        for i in range(5):
            subscribe(session, person_id=f"p-{i}")
        subscribe(session, team_name="Quality", team_email="q@example.org")
        publish(session, events_recorded, story_id)
        due = routing.route(session, story_id, now())
    batches, teams, tried = [], [], set()

    def many(messages):  # identity's notify_people: p-3's email fails the first time
        batches.append(sorted(m["person_id"] for m in messages))
        went = [m["person_id"] != "p-3" or "p-3" in tried for m in messages]
        tried.update(m["person_id"] for m in messages)
        return went

    assert alerts.send_due(feedback_sessions, teams.append, now(), ids=due, deliver_many=many,
                           batch_size=3) == 5
    assert sorted(len(b) for b in batches) == [2, 3]
    assert sorted(p for b in batches for p in b) == [f"p-{i}" for i in range(5)]
    assert [m["team_email"] for m in teams] == ["q@example.org"]
    assert alerts.send_due(feedback_sessions, teams.append, now(), deliver_many=many) == 1
    assert batches[-1] == ["p-3"]  # only the one that failed is sent again
    assert alerts.send_due(feedback_sessions, teams.append, now(), deliver_many=many) == 0


def test_two_senders_never_send_the_same_email(feedback_sessions, events_recorded):
    with transaction(feedback_sessions) as session:
        story_id = submit(session, events_recorded, story(["cs-1"]))["story_id"]
        subscribe(session, person_id="p-1")
        publish(session, events_recorded, story_id)
        routing.route(session, story_id, now())
    sent, second = [], []

    def deliver(message):
        # meanwhile another instance of the service looks for due emails
        second.append(alerts.send_due(feedback_sessions, sent.append, now()))
        sent.append(message)

    assert alerts.send_due(feedback_sessions, deliver, now()) == 1
    assert second == [0] and len(sent) == 1


def test_digest_subscribers_get_one_email_per_period(feedback_sessions, events_recorded):
    start = now()
    with transaction(feedback_sessions) as session:
        subscribe(session, person_id="p-digest", delivery="digest")
        for _ in range(3):
            story_id = submit(session, events_recorded, story(["cs-1"]))["story_id"]
            publish(session, events_recorded, story_id)
            assert routing.route(session, story_id, start) == []
        assert digests.run(session, start, 86400) == []
        [message] = digests.run(session, start + timedelta(days=1, seconds=1), 86400)
        assert message["person_id"] == "p-digest" and message["subject"].startswith("3 new")
        assert digests.run(session, start + timedelta(days=3), 86400) == []
        inbox = alerts.inbox(session, ORG, "p-digest")
        assert len(inbox) == 3 and all(a["read_at"] is None for a in inbox)
        alerts.mark_read(session, ORG, "p-digest", inbox[0]["id"], now())
        with pytest.raises(NotFound):
            alerts.mark_read(session, ORG, "someone-else", inbox[1]["id"], now())
        assert alerts.inbox(session, ORG, "p-digest")[0]["read_at"] is not None


def test_a_digest_taken_by_another_instance_is_not_sent_again(feedback_sessions,
                                                              events_recorded):
    """Two instances may run the digest timer at once: the claim is one conditional UPDATE, so
    the one that read the subscription before the other sent it finds nothing to claim."""
    from involve.feedback.models import Subscription

    start = now()
    with transaction(feedback_sessions) as session:
        sub_id = subscribe(session, person_id="p-digest", delivery="digest")["id"]
        story_id = submit(session, events_recorded, story(["cs-1"]))["story_id"]
        publish(session, events_recorded, story_id)
        routing.route(session, story_id, start)
    due = start + timedelta(days=1, seconds=1)
    with feedback_sessions() as late:  # the slower instance has already read the subscription
        stale = late.get(Subscription, sub_id)
        late.expunge(stale)
    with transaction(feedback_sessions) as session:
        assert len(digests.run(session, due, 86400)) == 1
    with transaction(feedback_sessions) as session:
        assert digests._claim(session, stale, due, due - timedelta(days=1)) is False
        assert digests.run(session, due, 86400) == []


# --- erasure ------------------------------------------------------------------------------
def test_erasure_unlinks_the_author_and_removes_a_subscriber(feedback_sessions,
                                                            events_recorded):
    author = {"person_id": "author-1", "can_reply": True}
    with transaction(feedback_sessions) as session:
        public = submit(session, events_recorded, story(["cs-1"]), author=author)
        waiting = submit(session, events_recorded, story(["cs-1"]), author=author)
        publish(session, events_recorded, public["story_id"])
        subscribe(session, person_id="author-1")
        routing.route(session, public["story_id"], now())
        stories.forget_author(session, "author-1")
        subscriptions.forget_person(session, "author-1")
    with transaction(feedback_sessions) as session:
        kept = session.get(Story, public["story_id"])
        assert kept.author_person_id is None and kept.tracking_hash is None
        assert kept.text == PUBLISHABLE_TEXT  # the original words (with details) are gone
        assert session.get(Story, waiting["story_id"]) is None
        assert subscriptions.list_for(session, ORG) == []
        assert alerts.inbox(session, ORG, "author-1") == []
        with pytest.raises(NotFound):
            stories.track(session, {"tracking_code": public["tracking_code"]})
        assert stories.public_one(session, ORG, public["story_id"])["text"] == PUBLISHABLE_TEXT
