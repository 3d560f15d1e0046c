"""Inviting the chosen panel (issue 11), plain modules on SQLite and PostgreSQL: who gets a link
and who the coordinator contacts, accepting and declining by the link, a decline replaced by
someone who keeps every quota and invited in turn, the coordinator's own records for people
from a spreadsheet, and the public record of a campaign's draws."""
import pytest

from involve.kernel.db import transaction
from involve.kernel.errors import Conflict, InvalidInput, NotFound
from involve.panels import campaigns, invitations, jobs, public, registrations
from involve.panels.models import Invitation, SelectionJob
from tests.support.panels import (
    KEY,
    ORG,
    check_quotas,
    make_campaign,
    run,
    seed004_multi_campaign,
    seed004_multi_volunteers,
)


def register_people(sessions, record, campaign_id, people):
    """Volunteers as the service registers them: identity's answer passed in (every third one
    gave a phone number only, the rest an email address)."""
    ids = []
    for n, p in enumerate(people):
        volunteer = {"person_id": f"person-{n}", "email": n % 3 != 2, "phone": n % 3 == 2,
                     "account": False}
        with transaction(sessions) as s:
            ids.append(registrations.register(s, record, KEY, campaign_id, p, volunteer)["id"])
    return ids


@pytest.fixture
def chosen(panels_sessions, events_recorded, rules):
    c = make_campaign(panels_sessions, events_recorded, rules, seed004_multi_campaign())
    ids = register_people(panels_sessions, events_recorded, c["id"], seed004_multi_volunteers())
    job = run(panels_sessions, c["id"], algorithm="maximin", seed=11)
    assert job.status == "done", job.message
    phone_only = {i for n, i in enumerate(ids) if n % 3 == 2}
    assert phone_only & set(job.result["panel"]) and set(job.result["panel"]) - phone_only
    return c, ids, job


def invite(sessions, job_id, data=None):
    with transaction(sessions) as s:
        job = s.get(SelectionJob, job_id)
        invitations.invite(s, job, "coordinator-1", data or {})
        return invitations.links_to_send(s, job)


def test_the_panel_is_invited_and_answers_by_link(panels_sessions, chosen):
    c, ids, job = chosen
    phone_only = {i for n, i in enumerate(ids) if n % 3 == 2}
    links = invite(panels_sessions, job.id, {"message": "The first meeting is on 3 March."})
    with panels_sessions() as s:
        summary = invitations.summary(s, s.get(SelectionJob, job.id))
    assert summary["invited"] and summary["counts"]["invited"] == 12
    assert summary["message"] == "The first meeting is on 3 March."
    channels = {m["registration_id"]: m["channel"] for m in summary["members"]}
    assert set(channels) == set(job.result["panel"])
    assert {i for i, ch in channels.items() if ch == "coordinator"} == phone_only & set(channels)
    assert {item["person_id"] for item in links} == {
        f"person-{ids.index(i)}" for i, ch in channels.items() if ch == "link"}
    with panels_sessions() as s:  # tokens are kept only as hashes
        stored = {r.token_hash for r in s.query(Invitation)}
    assert not {item["token"] for item in links} & stored
    with transaction(panels_sessions) as s:
        for item in links:
            invitations.mark_sent(s, item["invitation_id"], True)

    # a second invitation of this or another selection of the campaign is refused
    other = run(panels_sessions, c["id"], algorithm="maximin", seed=12)
    for job_id in (job.id, other.id):
        with pytest.raises(Conflict):
            invite(panels_sessions, job_id)

    first, second = links[0], links[1]
    with panels_sessions() as s:
        seen = invitations.public_view(s, invitations.by_token(s, first["token"]))
    assert seen["status"] == "invited" and seen["purpose"] == c["purpose"]
    assert seen["message"] == "The first meeting is on 3 March."
    assert "person_id" not in seen and seen["reference"] in job.result["panel"]
    with transaction(panels_sessions) as s:
        assert invitations.answer(s, first["token"], {"answer": "accept"})["status"] == "accepted"
    with transaction(panels_sessions) as s:  # twice is harmless
        assert invitations.answer(s, first["token"], {"answer": "accept"})["status"] == "accepted"

    # a decline: someone who keeps every quota is chosen and invited in their place
    with transaction(panels_sessions) as s:
        out = invitations.answer(s, second["token"], {"answer": "decline"})
    assert out["status"] == "declined" and out["declined"] and out["replacement_id"]
    assert out["coordinator_id"] == "coordinator-1"
    with transaction(panels_sessions) as s:
        again = invitations.links_to_send(s, s.get(SelectionJob, job.id))
    replacement = out["replacement_id"]
    assert replacement not in job.result["panel"]
    with panels_sessions() as s:
        job_now = s.get(SelectionJob, job.id)
        panel = jobs.current_panel(s, job_now)
        summary = invitations.summary(s, job_now)
    left = next(m for m in summary["members"] if m["status"] == "declined")
    assert left["status"] == "declined" and left["replaced_by"] == replacement
    new = next(m for m in summary["members"] if m["registration_id"] == replacement)
    assert new["status"] == "invited" and new["replaces"] == left["registration_id"]
    assert len(panel) == 12 and left["registration_id"] not in panel and replacement in panel
    assert summary["members"][-1]["status"] == "declined"  # who left is listed last
    answers = {p["id"]: p["features"] for p in job.input["people"]}
    by_feature = {}
    for q in job.input["quotas"]:  # the selection's own quotas, one yes/no feature per service
        by_feature.setdefault(q["feature"], []).append(q)
    check_quotas([{"name": f, "values": qs} for f, qs in by_feature.items()], answers, panel)
    if new["channel"] == "link":
        assert [item["invitation_id"] for item in again] and len(again) == 1

    with pytest.raises(Conflict), transaction(panels_sessions) as s:  # declining is final
        invitations.answer(s, second["token"], {"answer": "accept"})
    with pytest.raises(NotFound), panels_sessions() as s:
        invitations.by_token(s, "not-a-real-token-at-all")
    with pytest.raises(InvalidInput) as caught, transaction(panels_sessions) as s:
        invitations.answer(s, first["token"], {"answer": "maybe"})
    assert "answer" in caught.value.fields


def test_the_coordinator_records_answers_and_drop_outs(panels_sessions, chosen):
    c, ids, job = chosen
    invite(panels_sessions, job.id)
    with panels_sessions() as s:
        members = invitations.summary(s, s.get(SelectionJob, job.id))["members"]
    by_phone = next(m for m in members if m["channel"] == "coordinator")
    assert by_phone["contact_ways"] == ["phone"] and by_phone["spreadsheet_id"] is None
    with transaction(panels_sessions) as s:
        out = invitations.record_answer(s, s.get(SelectionJob, job.id), {
            "registration_id": by_phone["registration_id"], "answer": "accept"})
    assert out["counts"]["accepted"] == 1
    with pytest.raises(InvalidInput) as caught, transaction(panels_sessions) as s:
        invitations.record_answer(s, s.get(SelectionJob, job.id), {
            "registration_id": "someone-else", "answer": "decline"})
    assert "registration_id" in caught.value.fields

    # "Find a replacement" on an invited panel: marked as dropped out, replacement invited
    with transaction(panels_sessions) as s:
        out = invitations.drop_out(s, s.get(SelectionJob, job.id),
                                   {"dropped_id": by_phone["registration_id"], "seed": 3})
    assert out["replacement_id"] and out["quotas_met"]
    with panels_sessions() as s:
        members = invitations.summary(s, s.get(SelectionJob, job.id))["members"]
    gone = next(m for m in members if m["registration_id"] == by_phone["registration_id"])
    assert gone["status"] == "dropped_out" and gone["replaced_by"] == out["replacement_id"]
    assert sum(1 for m in members if m["status"] in ("invited", "accepted")) == 12

    # the public record of the campaign's draws says which one became the panel
    with panels_sessions() as s:
        draws = public.campaign_draws(s, c["id"])
        record = public.draw(s, job.id)
    assert [d["used_for_panel"] for d in draws["draws"]] == [True]
    assert record["used_for_panel"] and record["references"] == sorted(ids)
    assert record["record"]["panel"] == job.result["panel"]
    assert record["questions"][2]["multiple"] is True


def test_people_from_a_spreadsheet_are_listed_by_their_own_id(panels_sessions, events_recorded,
                                                              rules):
    c = make_campaign(panels_sessions, events_recorded, rules, seed004_multi_campaign())
    header = "student,gender,level of study,services used: wellbeing,services used: mental " \
             "health,services used: disability,services used: counselling"
    rows = []
    for n, p in enumerate(seed004_multi_volunteers(), start=1):
        a = p["answers"]
        rows.append(",".join([f"LSE-{n:03}", a["Gender"], a["level of study"]] + [
            "yes" if s in a["services used"] else "no" for s in (
                "wellbeing", "mental health", "disability", "counselling")]))
    with transaction(panels_sessions) as s:
        registrations.import_csv(s, events_recorded, KEY, campaigns.load(s, ORG, c["id"]),
                                 {"people_csv": header + "\n" + "\n".join(rows) + "\n",
                                  "id_column": "student"})
    job = run(panels_sessions, c["id"], algorithm="maximin", seed=2)
    assert invite(panels_sessions, job.id) == []  # nobody to send a link to
    with panels_sessions() as s:
        members = invitations.summary(s, s.get(SelectionJob, job.id))["members"]
        refs = registrations.spreadsheet_ids(s, job.result["panel"])
    assert {m["channel"] for m in members} == {"coordinator"}
    assert sorted(m["spreadsheet_id"] for m in members) == sorted(refs.values())
    assert all(ref.startswith("LSE-") for ref in refs.values())
