"""Meetings, the plain-English check, confidentiality briefings and bulletins as plain modules on
SQLite and PostgreSQL: jargon flagged from an editable list, papers that do not go out until
they read plainly, attendance and whether a decision-maker came, items released at their time
(once, however many instances look) or at their event, papers refused outside the group until
then, and bulletins that can never carry a still-confidential item."""
from datetime import timedelta

import pytest

from involve.commissioning import briefings, bulletins, groups, meetings, plain_english, projects, training
from involve.kernel.db import now, transaction
from involve.kernel.errors import Conflict, Forbidden, InvalidInput, NotFound

from .helpers import JARGON_PAPER, ORG, PLAIN_PAPER, PROJECT, SERVICES, person, soon


# --- the plain-English check -------------------------------------------------------------------
def test_a_jargon_heavy_paper_is_flagged_with_what_to_fix(sessions):
    with transaction(sessions) as session:
        result = plain_english.check(session, ORG, {"text": JARGON_PAPER}, now())
    assert not result["ok"]
    flagged = {j["term"] for j in result["jargon"]}
    assert {"options appraisal", "procurement", "reconfiguration", "initiate", "undertake",
            "stakeholder", "facilitate", "going forward", "in accordance with"} <= flagged
    acronyms = {a["acronym"]: a for a in result["acronyms"]}
    assert set(acronyms) >= {"KPI", "QIPP", "CQUIN", "PSR", "ICB"}
    assert acronyms["QIPP"]["known"] and "Quality, Innovation" in acronyms["QIPP"]["plain"]
    assert result["long_sentences"] and result["long_sentences"][0]["words"] > 25
    assert result["readability"]["flesch_reading_ease"] < 30 and not result["readability"]["ok"]
    assert any("try “buying services”" in a for a in result["advice"])


def test_a_plain_paper_passes_and_an_explained_acronym_is_not_flagged(sessions):
    with transaction(sessions) as session:
        plain = plain_english.check(session, ORG, {"text": PLAIN_PAPER}, now())
        explained = plain_english.check(session, ORG, {
            "text": "The Care Quality Commission (CQC) checks the day centre. The CQC visits "
                    "every year and writes a short report that anyone can read."}, now())
    assert plain["ok"], plain["advice"]
    assert plain["readability"]["flesch_reading_ease"] >= 60
    assert explained["acronyms"] == []


def test_the_jargon_list_is_the_organisations_to_edit(sessions):
    with transaction(sessions) as session:
        listed = plain_english.list_terms(session, ORG, now())
        stakeholder = next(t for t in listed if t["term"] == "stakeholder")
        plain_english.remove_term(session, ORG, stakeholder["id"], now())
        plain_english.add_term(session, ORG, {"term": "Tier 4", "plain": "hospital care",
                                              "kind": "jargon"}, now())
        with pytest.raises(Conflict):
            plain_english.add_term(session, ORG, {"term": "tier  4"}, now())
        result = plain_english.check(session, ORG, {
            "text": "Every stakeholder was told that Tier 4 beds are full this winter, and "
                    "that nobody will lose their place."}, now())
        other = plain_english.check(session, "org-2", {"text": "A stakeholder asked."}, now())
    assert [j["term"] for j in result["jargon"]] == ["Tier 4"]
    assert [j["term"] for j in other["jargon"]] == ["stakeholder"]


# --- meetings -------------------------------------------------------------------------------------
@pytest.fixture
def setting(sessions, events_recorded):
    """A project whose steering group has two service users, with the lead officer and a
    deputy; plus an outsider on the reference group only."""
    people = {k: person() for k in ("ann", "ben", "lead", "deputy", "outsider")}
    with transaction(sessions) as session:
        values = projects.check_create({**PROJECT, "lead_officer_id": people["lead"],
                                        "deputy_id": people["deputy"]})
        projects.check_care_services(values, SERVICES)
        project = projects.create(session, events_recorded, ORG, values, "c-1", now())
        kinds = training.kinds(session, ORG)
        steering = groups.create(session, ORG, project["id"], {
            "kind": "steering", "name": "Steering group"}, kinds, now())
        reference = groups.create(session, ORG, project["id"], {
            "kind": "reference", "name": "Reference group"}, kinds, now())
        for who in ("ann", "ben"):
            groups.add_member(session, ORG, steering["id"], groups.check_member(
                {"person_id": people[who], "capacity": "service_user"}), now())
        groups.add_member(session, ORG, steering["id"], groups.check_member(
            {"person_id": people["lead"], "capacity": "commissioner"}), now())
        groups.add_member(session, ORG, reference["id"], groups.check_member(
            {"person_id": people["outsider"], "capacity": "service_user"}), now())
        meeting = meetings.create(session, ORG, project["id"], {
            "title": "Steering group: options for the day centre", "group_id": steering["id"],
            "starts_at": soon(seconds=-1).isoformat(), "hours": "2", "preparation_hours": "1",
            "agenda": [{"title": "Options"}]}, now())
    return {"people": people, "project": project, "steering": steering,
            "reference": reference, "meeting": meeting}


def test_a_paper_goes_out_only_once_it_reads_plainly_or_with_a_reason(sessions, setting):
    meeting = setting["meeting"]
    with transaction(sessions) as session:
        paper = meetings.add_paper(session, ORG, meeting["id"], {
            "title": "Options", "body": JARGON_PAPER}, "c-1", now())
        assert not paper["check"]["ok"]
        with pytest.raises(Conflict) as caught:
            meetings.issue_paper(session, ORG, paper["id"], {}, now())
        assert caught.value.fields["body"]
        with pytest.raises(InvalidInput) as caught:
            meetings.issue_paper(session, ORG, paper["id"], {"issue_anyway": True}, now())
        assert "reason" in caught.value.fields
        revised = meetings.revise_paper(session, ORG, paper["id"], {
            "title": "Options", "body": PLAIN_PAPER}, "c-1", now())
        assert revised["check"]["ok"]
        issued = meetings.issue_paper(session, ORG, paper["id"], {}, now())
    assert issued["status"] == "issued" and not issued["issued_despite_check"]


def test_attendance_says_whether_a_decision_maker_came(sessions, events_recorded, setting):
    p = setting["people"]
    with transaction(sessions) as session:
        held = meetings.record_held(session, events_recorded, ORG, setting["meeting"]["id"],
                                    meetings.check_held({"attendance": [
                                        {"person_id": p["ann"], "status": "attended"},
                                        {"person_id": p["ben"], "status": "apologies"},
                                        {"person_id": p["deputy"], "status": "attended"},
                                        {"person_id": p["lead"], "status": "apologies"}],
                                        "minutes": "We agreed to look at three options."}),
                                    now())
        with pytest.raises(Conflict):
            meetings.record_held(session, events_recorded, ORG, setting["meeting"]["id"],
                                 meetings.check_held({"attendance": [
                                     {"person_id": p["ann"], "status": "attended"}]}), now())
    summary = held["attendance_summary"]
    assert (summary["attended"], summary["apologies"], summary["service_users_attended"]) == (
        2, 2, 1)
    assert summary["decision_maker_present"] and summary["deputy_present"]
    assert not summary["lead_officer_present"]
    event = next(d for t, d, _ in events_recorded.seen if t == "meeting.held")
    assert event["decision_maker_present"] is True and event["invited"] == 3
    # v2: who attended, by pseudonymous id and capacity only (for reporting's concentration)
    assert sorted(event["attendees"], key=lambda a: a["person_id"]) == sorted(
        [{"person_id": p["ann"], "capacity": "service_user"},
         {"person_id": p["deputy"], "capacity": "commissioner"}], key=lambda a: a["person_id"])
    assert not any(v in str(event) for k, v in p.items() if k not in ("ann", "deputy"))


def test_a_decision_needs_its_reasons(sessions, setting):
    with transaction(sessions) as session, pytest.raises(InvalidInput) as caught:
        meetings.record_decision(session, None, ORG, setting["meeting"]["id"],
                                 {"text": "Close the day centre"}, "c-1", now())
    assert caught.value.fields["reasons"] == ["Say why this was decided."]


# --- confidentiality ----------------------------------------------------------------------------
def brief(session, setting, **item):
    return briefings.create(session, ORG, setting["meeting"]["id"], {"items": [{
        "title": "The preferred option", "detail": "The steering group prefers option B: a "
        "network of community hubs run with a user-led charity.", **item}]}, "c-1", now())


def test_an_item_is_refused_outside_its_group_until_its_time_then_released_once(
        sessions, events_recorded, setting):
    p = setting["people"]
    with transaction(sessions) as session:
        made = brief(session, setting, until=soon(seconds=1).isoformat())
        item_id = made["items"][0]["id"]
        paper = meetings.add_paper(session, ORG, setting["meeting"]["id"], {
            "title": "Option B in detail", "body": PLAIN_PAPER,
            "confidential_item_id": item_id}, "c-1", now())
    with transaction(sessions) as session:
        with pytest.raises(Forbidden) as caught:
            meetings.get_paper(session, ORG, paper["id"], p["outsider"], False, now())
        assert "confidential until" in caught.value.message
        assert meetings.get_paper(session, ORG, paper["id"], p["ann"], False, now())["body"]
        outside = meetings.get(session, ORG, setting["meeting"]["id"], p["outsider"], False,
                               now())
        assert outside["papers"][0]["title"] == "A confidential paper"
        assert "body" not in outside["papers"][0]
        assert "detail" not in outside["briefings"][0]["items"][0]
        mine = briefings.for_member(session, p["ann"], now())
        assert mine[0]["say"].startswith("Keep this confidential until")
        assert briefings.release_due(session, events_recorded, now(), 3600) == []
    later = now() + timedelta(seconds=2)
    with transaction(sessions) as session:
        assert briefings.release_due(session, events_recorded, later, 3600) == [item_id]
        assert briefings.release_due(session, events_recorded, later, 3600) == []
        assert meetings.get_paper(session, ORG, paper["id"], p["outsider"], False, later)["body"]
        assert briefings.for_member(session, p["ann"], later)[0]["say"] == \
            "You may share this now."
        notices = briefings.announcements(session, [item_id], later)
    assert {n["person_id"] for n in notices} == {p["ann"], p["ben"], p["lead"]}
    released = [d for t, d, _ in events_recorded.seen if t == "briefing.released"]
    assert len(released) == 1 and released[0]["on_time"] is True
    assert released[0]["released_how"] == "timer" and released[0]["until"] == "date"
    assert "option B" not in str(released)


def test_two_instances_releasing_at_once_release_an_item_once(sessions, events_recorded,
                                                              setting):
    with transaction(sessions) as session:
        brief(session, setting, until=soon(seconds=1).isoformat())
    later = now() + timedelta(seconds=2)
    first, second = sessions(), sessions()
    try:
        with first.begin():
            got_first = briefings.release_due(first, events_recorded, later, 3600)
        with second.begin():
            got_second = briefings.release_due(second, events_recorded, later, 3600)
    finally:
        first.close()
        second.close()
    assert len(got_first) == 1 and got_second == []


def test_an_item_waits_for_its_event_which_the_commissioner_marks(sessions, events_recorded,
                                                                  setting):
    with transaction(sessions) as session:
        made = brief(session, setting, until_event="Contract awarded")
        item = made["items"][0]
        assert item["say"] == "Keep this confidential until Contract awarded."
        with pytest.raises(NotFound) as caught:
            briefings.mark_event(session, events_recorded, ORG, setting["project"]["id"],
                                 {"event": "contract signed"}, "c-1", now(), 3600)
        assert "event" in caught.value.fields
        out = briefings.mark_event(session, events_recorded, ORG, setting["project"]["id"],
                                   {"event": "contract  AWARDED"}, "c-1", now(), 3600)
    assert out["released"] == [item["id"]]
    event = next(d for t, d, _ in events_recorded.seen if t == "briefing.released")
    assert event["until"] == "event" and event["released_how"] == "event" and event["on_time"]


def test_a_late_release_is_not_on_time(sessions, events_recorded, setting):
    with transaction(sessions) as session:
        brief(session, setting, until=soon(seconds=1).isoformat())
    with transaction(sessions) as session:
        briefings.release_due(session, events_recorded, now() + timedelta(hours=3), 3600)
    event = next(d for t, d, _ in events_recorded.seen if t == "briefing.released")
    assert event["on_time"] is False


@pytest.mark.parametrize("item,field", [
    ({"until": None}, "until"),
    ({"until": "2030-01-01T10:00:00Z", "until_event": "contract awarded"}, "until"),
    ({"until": "2030-01-01T10:00:00"}, "until"),
])
def test_an_item_needs_one_time_or_one_event(sessions, setting, item, field):
    with transaction(sessions) as session, pytest.raises(InvalidInput) as caught:
        brief(session, setting, **item)
    assert field in caught.value.fields["items"][0]


# --- bulletins -------------------------------------------------------------------------------------
def test_a_bulletin_can_never_carry_a_still_confidential_item(sessions, events_recorded,
                                                              setting):
    with transaction(sessions) as session:
        made = briefings.create(session, ORG, setting["meeting"]["id"], {"items": [
            {"title": "Three options are being looked at",
             "detail": "The steering group is looking at three options for the day centre.",
             "until": soon(seconds=1).isoformat()},
            {"title": "The preferred option",
             "detail": "The steering group prefers a network of community hubs.",
             "until_event": "contract awarded"}]}, "c-1", now())
        released_id, secret_id = (next(i["id"] for i in made["items"] if i["title"] == t)
                                  for t in ("Three options are being looked at",
                                            "The preferred option"))
    with transaction(sessions) as session:
        briefings.release_due(session, events_recorded, now() + timedelta(seconds=2), 3600)
    intro = ("Here is our news. We have met four times. You can come and talk to us on "
             "Tuesday at the day centre.")
    with transaction(sessions) as session:
        with pytest.raises(InvalidInput) as caught:
            bulletins.draft(session, ORG, setting["project"]["id"], {
                "title": "News from the steering group", "introduction": intro,
                "item_ids": [released_id, secret_id]}, "c-1", now())
        assert caught.value.fields["item_ids"] == {1: [
            "Still confidential until contract awarded."]}
        with pytest.raises(InvalidInput) as caught:  # nor in the bulletin's own words
            bulletins.draft(session, ORG, setting["project"]["id"], {
                "title": "News", "introduction": intro + " The steering group prefers a "
                "network of community hubs.", "item_ids": [released_id]}, "c-1", now())
        assert "introduction" in caught.value.fields
        sources = bulletins.sources(session, ORG, setting["project"]["id"])
        assert [i["id"] for i in sources["items"]] == [released_id]
        draft = bulletins.draft(session, ORG, setting["project"]["id"], {
            "title": "News from the steering group", "introduction": intro,
            "item_ids": [released_id]}, "c-1", now())
        published = bulletins.publish(session, events_recorded, ORG, draft["id"],
                                      {"publish_anyway": not draft["check"]["ok"],
                                       "reason": "Short news"}, now())
    assert "three options" in published["text"]
    assert "community hubs" not in published["text"]
    event = next(d for t, d, _ in events_recorded.seen if t == "bulletin.published")
    assert {k: event[k] for k in ("bulletin_id", "project_id", "items", "decisions")} == {
        "bulletin_id": published["id"], "project_id": setting["project"]["id"],
        "items": 1, "decisions": 0}
    # v2: the public bulletin itself, released information only (reporting's public page)
    assert event["title"] == "News from the steering group" and event["released_decisions"] == []
    assert [i["item_id"] for i in event["released_items"]] == [released_id]
    assert "community hubs" not in str(event)
