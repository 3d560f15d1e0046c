"""The event log and its read models, on SQLite and PostgreSQL: every event recorded once,
unknown and malformed ones recorded and skipped (never failing), rebuild equal to what the
handlers built one event at a time (in any order, with events arriving meanwhile), erasure."""
import random
from pathlib import Path

from sqlalchemy import Text, cast, func, select

import involve.reporting
from involve.kernel.db import make_engine, migrate, session_factory, transaction
from involve.kernel.events import envelope
from involve.reporting import log
from involve.reporting import models as m
from tests.support.reporting_events import generate

from .helpers import World, feed, feed_at_once, snapshot, uid


def _statuses(sessions):
    with sessions() as session:
        return dict(session.execute(select(m.event_log.c.status, func.count())
                                    .group_by(m.event_log.c.status)).all())


def test_each_event_is_recorded_once_and_unknown_ones_are_kept_and_skipped(sessions):
    w = World()
    created = w.add("identity", "organisation.created", {"organisation_id": w.org,
                                                         "name": "Phoenix Futures",
                                                         "kind": "charity"})
    newer = w.add("feedback", "story.published", {"story_id": uid(), "shape": "v9"}, version=9)
    unheard = w.add("feedback", "story.tagged", {"story_id": uid()})
    broken = w.add("feedback", "story.submitted", {"story_id": uid()})  # no care services
    foreign = envelope("webhooks", "delivery.failed", {"x": 1}, organisation=w.org)
    statuses = feed(sessions, [created, created, newer, unheard, broken, foreign,
                               "not an event", {"no": "id"}, {**created, "id": uid(),
                                                              "type": "garbage"}])
    assert statuses == ["applied", "duplicate", "skipped", "skipped", "skipped", "skipped",
                        "refused", "refused", "skipped"]
    with sessions() as session:
        notes = dict(session.execute(select(m.event_log.c.type, m.event_log.c.note)).all())
        assert session.scalar(select(func.count()).select_from(m.event_log)) == 6
        assert session.scalar(select(m.rp_organisations.c.name)) == "Phoenix Futures"
    assert notes["involve.feedback.story.published.v9"] == \
        "a type or version reporting does not know"
    assert notes["involve.feedback.story.submitted.v1"].startswith("its data could not be read")
    assert notes["garbage"] == "not an Involve event type"
    assert notes["involve.identity.organisation.created.v1"] is None


def _other_database(database_url):
    engine = make_engine(database_url.replace("{service}", "testsvc"))
    migrate(engine, Path(involve.reporting.__file__).parent / "migrations")
    return engine, session_factory(engine)


def test_rebuild_gives_exactly_what_the_handlers_built_in_any_order(sessions, database_url):
    events = list(generate(700, organisations=3, seed=5))
    feed(sessions, events)
    built = snapshot(sessions)
    assert sum(len(rows) for rows in built.values()) > 700  # a realistic spread of read models
    assert {name for name, rows in built.items() if rows} >= {
        "rp_stories", "rp_responses", "rp_calls", "rp_meetings", "rp_claims", "rp_bulletins",
        "rp_activities", "rp_selections", "rp_projects", "rp_people"}
    before = _statuses(sessions)
    progress = []
    counts = log.rebuild(lambda: transaction(sessions), progress.append, chunk=90)
    assert snapshot(sessions) == built
    assert _statuses(sessions) == before and counts["events"] == len(events) == sum(progress)
    assert counts["skipped"] == before["skipped"] > 0  # the unknown kinds stay skipped
    # the same events handled in another order (several instances, a backfill) give the same
    engine, shuffled = _other_database(database_url)
    try:
        mixed = events[:]
        random.Random(3).shuffle(mixed)
        feed_at_once(shuffled, mixed + mixed[:50])  # and some delivered twice
        assert snapshot(shuffled) == built
    finally:
        engine.dispose()


def test_events_arriving_during_a_rebuild_are_kept(sessions, database_url):
    events = list(generate(400, organisations=2, seed=8))
    first, later = events[:300], events[300:]
    feed(sessions, first)
    arrived = iter(later[i:i + 25] for i in range(0, len(later), 25))

    def meanwhile(_done):
        feed(sessions, next(arrived, []))

    log.rebuild(lambda: transaction(sessions), meanwhile, chunk=60)
    feed(sessions, [e for batch in arrived for e in batch])
    engine, fresh = _other_database(database_url)
    try:
        feed_at_once(fresh, events)
        assert snapshot(sessions) == snapshot(fresh)
    finally:
        engine.dispose()


def test_an_erased_person_is_replaced_everywhere_and_stays_counted(sessions):
    w = World()
    sue, raj = uid(), uid()
    cs = uid()
    w.add("identity", "person.registered", {"person_id": sue, "roles": ["service_user"]})
    w.add("identity", "person.registered", {"person_id": raj, "roles": ["volunteer"]})
    round_id = uid()
    for person in (sue, raj, sue):
        w.at(hours=1)
        w.add("mystery_shopping", "call.recorded", {
            "round_id": round_id, "call_id": uid(), "care_service_id": cs, "shopper_id": person,
            "persona": "referrer", "efficiency": 80.0, "feeling": 4.0})
    feed(sessions, w.events)
    erased = envelope("identity", "person.erased", {"person_id": sue, "organisations": [w.org]})
    late = w.add("commissioning", "training.recorded", {  # replayed from an outbox later
        "training_id": uid(), "person_id": sue, "kind": "interviewing_providers",
        "completed_on": "2026-03-01", "recorded_at": w.clock.isoformat()})
    assert feed(sessions, [erased, late]) == ["applied", "applied"]
    with sessions() as session:
        assert session.scalar(select(func.count()).select_from(m.event_log).where(
            cast(m.event_log.c.envelope, Text).like(f"%{sue}%"))) == 0
        shoppers = session.scalars(select(m.rp_calls.c.shopper_id)).all()
        people = session.scalars(select(m.rp_activities.c.person_id)).all()
        stand_in = session.scalar(select(m.erasures.c.replacement))
        stored_hash = session.scalar(select(m.erasures.c.person_hash))
    assert sue not in shoppers + people and stored_hash != sue
    assert sorted(shoppers) == sorted([stand_in, raj, stand_in])  # still two distinct people
    assert people.count(stand_in) == 3  # two calls and the training, under one stand-in
    built = snapshot(sessions)
    log.rebuild(lambda: transaction(sessions))
    assert snapshot(sessions) == built


def test_the_generated_events_match_the_catalogue_so_the_figures_are_about_real_shapes():
    """The events the tests and the benchmark feed reporting are the ones the services publish:
    every known type matches its JSON Schema (the strange ones have no schema, on purpose)."""
    from involve.kernel import catalogue

    unknown, checked = set(), set()
    for event in generate(6000, organisations=3, seed=2):
        declared = catalogue.by_type(event["type"])
        if declared is None:
            unknown.add(event["type"])
            continue
        catalogue.check(declared.service, declared.name, event["data"],
                        organisation=event.get("organisation"),
                        classification=event.get("dataclassification"))
        checked.add(event["type"])
    assert unknown == {"involve.feedback.story.published.v9", "involve.feedback.story.tagged.v1"}
    assert len(checked) >= 25
