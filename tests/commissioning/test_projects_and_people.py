"""Projects, groups, working agreements and training as plain modules on SQLite and PostgreSQL:
clarity of purpose, phases with their history, principles before leaving Analyse, budget and
spend, the service-user share of groups, agreements signed both ways and versioned, and the
warnings before an activity."""
from datetime import date, timedelta
from decimal import Decimal

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext

from involve.commissioning import agreements, groups, projects, readiness, training
from involve.commissioning.models import Base, Claim
from involve.kernel.db import now, transaction
from involve.kernel.errors import Conflict, Forbidden, InvalidInput

from .helpers import ORG, PROJECT, SERVICES, TERMS, person


def test_the_migration_makes_exactly_the_tables_the_models_describe(sessions):
    ours = set(Base.metadata.tables)

    def include(obj, name, type_, reflected, compare_to):  # the kernel's tables are its own
        table = name if type_ == "table" else getattr(getattr(obj, "table", None), "name", None)
        return table in ours

    with sessions() as session:
        context = MigrationContext.configure(session.connection(),
                                             opts={"include_object": include})
        drift = compare_metadata(context, Base.metadata)
    assert drift == []


def make_project(session, record, **changes):
    values = projects.check_create({**PROJECT, **changes})
    projects.check_care_services(values, SERVICES)
    return projects.create(session, record, ORG, values, "commissioner-1", now())


def test_a_project_keeps_its_clarity_of_purpose_and_starts_in_analyse(sessions, events_recorded):
    with transaction(sessions) as session:
        out = make_project(session, events_recorded)
    assert out["phase"] == "analyse"
    assert out["clarity_of_purpose"]["not_negotiable"] == PROJECT["not_negotiable"]
    assert out["evaluation_weights"] == {"quality": 75, "price": 20, "social_value": 5}
    assert [h["to_phase"] for h in out["phase_history"]] == ["analyse"]
    assert events_recorded.seen[0][0] == "project.phase_changed"


@pytest.mark.parametrize("change,field", [
    ({"title": "x"}, "title"),
    ({"care_service_ids": []}, "care_service_ids"),
    ({"evaluation_weights": {"quality": 70, "price": 20, "social_value": 20}},
     "evaluation_weights"),
    ({"lead_officer_id": "same", "deputy_id": "same"}, "deputy_id"),
    ({"colour": "blue"}, "colour"),
])
def test_bad_projects_are_refused_naming_the_field(change, field):
    with pytest.raises(InvalidInput) as caught:
        projects.check_create({**PROJECT, **change})
    assert field in caught.value.fields


def test_care_services_must_be_the_organisations():
    values = projects.check_create({**PROJECT, "care_service_ids": ["cs-day", "elsewhere"]})
    with pytest.raises(InvalidInput) as caught:
        projects.check_care_services(values, SERVICES)
    assert "care_service_ids" in caught.value.fields


def test_a_project_leaves_analyse_only_with_principles_agreed_with_service_users(
        sessions, events_recorded):
    su, officer = person(), person()
    with transaction(sessions) as session:
        project = make_project(session, events_recorded)
        with pytest.raises(Conflict) as caught:
            projects.change_phase(session, events_recorded, ORG, project["id"],
                                  {"phase": "plan"}, "c-1", now())
        assert "principles" in caught.value.message
        principle = {"text": "Nobody loses a service before its replacement opens.",
                     "agreed_on": date.today().isoformat(), "agreed_by": [officer]}
        with pytest.raises(InvalidInput) as caught:  # staff alone do not agree principles
            projects.add_principle(session, ORG, project["id"],
                                   projects.check_principle(principle),
                                   {officer: ["commissioner"]}, "c-1", now())
        assert "agreed_by" in caught.value.fields
        projects.add_principle(session, ORG, project["id"], projects.check_principle(
            {**principle, "agreed_by": [su, officer], "how_agreed": "Reference group"}),
            {su: ["service_user"], officer: ["commissioner"]}, "c-1", now())
        moved = projects.change_phase(session, events_recorded, ORG, project["id"],
                                      {"phase": "plan"}, "c-1", now())
        with pytest.raises(InvalidInput) as caught:  # one phase at a time
            projects.change_phase(session, events_recorded, ORG, project["id"],
                                  {"phase": "review"}, "c-1", now())
        with pytest.raises(InvalidInput) as caught:  # going back needs a reason
            projects.change_phase(session, events_recorded, ORG, project["id"],
                                  {"phase": "analyse"}, "c-1", now())
        assert "note" in caught.value.fields
    assert moved["phase"] == "plan"
    assert [(h["from_phase"], h["to_phase"]) for h in moved["phase_history"]] == [
        (None, "analyse"), ("analyse", "plan")]
    assert moved["principles"][0]["agreed_by"] == [su, officer]
    last = events_recorded.seen[-1]
    assert last[0] == "project.phase_changed" and last[1]["principles_agreed"] == 1
    assert last[1]["to_phase"] == "plan" and last[1]["from_phase"] == "analyse"


def test_budget_lines_show_spend_and_paid_claims_count_against_reimbursement(
        sessions, events_recorded):
    with transaction(sessions) as session:
        project = make_project(session, events_recorded)
        budget = projects.add_budget_line(session, ORG, project["id"], {
            "kind": "training_and_support", "amount": "3000.00"}, now())
        budget = projects.add_budget_line(session, ORG, project["id"], {
            "kind": "reimbursement", "amount": "1500"}, now())
        training_line = budget["lines"][0]["id"]
        budget = projects.record_spend(session, ORG, training_line, {
            "amount": "450.50", "spent_on": date.today().isoformat(),
            "description": "Interview skills course"}, "c-1", now())
        session.add(Claim(id=person(), organisation_id=ORG, claim_key="test:claim-1",
                          person_id=person(), activity_kind="commissioning_meeting",
                          project_id=project["id"], activity_date=date.today(),
                          preparation_hours=Decimal("1"), attendance_hours=Decimal("2"),
                          rate=Decimal("25"), rate_unit="hour", rate_version=1,
                          fee_due=Decimal("75"), payment_choice="full", fee=Decimal("75"),
                          method="bank", expenses_total=Decimal("12.40"),
                          total=Decimal("87.40"), status="paid", paid_at=now(),
                          created_at=now()))
        session.flush()
        budget = projects.budget(session, common_project(session, project["id"]))
    by_kind = {line["kind"]: line for line in budget["lines"]}
    assert by_kind["training_and_support"]["spent"] == "450.50"
    assert by_kind["training_and_support"]["remaining"] == "2549.50"
    assert by_kind["reimbursement"]["spent_from_claims"] == "87.40"
    assert budget["total"] == "4500.00" and budget["spent"] == "537.90"
    with pytest.raises(InvalidInput) as caught:
        projects.add_budget_line(session, ORG, project["id"], {
            "kind": "reimbursement", "amount": "10.005"}, now())
    assert "amount" in caught.value.fields


def common_project(session, project_id):
    from involve.commissioning import common

    return common.project(session, ORG, project_id)


def test_groups_show_their_service_user_share_and_one_person_sits_on_several(
        sessions, events_recorded):
    users = [person() for _ in range(5)]
    officer = person()
    with transaction(sessions) as session:
        project = make_project(session, events_recorded)
        kinds = training.kinds(session, ORG)
        reference = groups.create(session, ORG, project["id"], {
            "kind": "reference", "name": "Service user reference group"}, kinds, now())
        steering = groups.create(session, ORG, project["id"], {
            "kind": "steering", "name": "Project steering group"}, kinds, now())
        peer = groups.create(session, ORG, project["id"], {
            "kind": "peer", "name": "Service user commissioners' peer group"}, kinds, now())
        for u in users:
            groups.add_member(session, ORG, reference["id"], groups.check_member(
                {"person_id": u, "capacity": "service_user"}), now())
        for u in users[:3]:  # seed 003: three reference-group members join the steering group
            groups.add_member(session, ORG, steering["id"], groups.check_member(
                {"person_id": u, "capacity": "service_user", "role": "steering member"}), now())
        groups.add_member(session, ORG, steering["id"], groups.check_member(
            {"person_id": officer, "capacity": "commissioner", "role": "chair"}), now())
        with pytest.raises(InvalidInput) as caught:
            groups.add_member(session, ORG, peer["id"], groups.check_member(
                {"person_id": officer, "capacity": "commissioner"}), now())
        assert "capacity" in caught.value.fields
        with pytest.raises(Conflict):
            groups.add_member(session, ORG, steering["id"], groups.check_member(
                {"person_id": users[0], "capacity": "service_user"}), now())
        listing = {g["kind"]: g for g in groups.list_for(session, ORG, project["id"],
                                                         date.today())}
        assert groups.in_project(session, project["id"], users[4])
        assert not groups.in_project(session, project["id"], person())
    assert listing["reference"]["service_user_share"]["share"] == 1.0
    assert listing["steering"]["service_user_share"] == {
        "service_users": 3, "members": 4, "share": 0.75,
        "text": "3 of 4 members are service users"}
    assert {m["person_id"] for m in listing["steering"]["members"]} & set(users) == set(users[:3])


def test_a_membership_that_has_ended_no_longer_counts(sessions, events_recorded):
    someone = person()
    with transaction(sessions) as session:
        project = make_project(session, events_recorded)
        group = groups.create(session, ORG, project["id"], {"kind": "reference", "name": "Ref"},
                              training.kinds(session, ORG), now())
        m = groups.add_member(session, ORG, group["id"], groups.check_member(
            {"person_id": someone, "capacity": "service_user",
             "starts_on": (date.today() - timedelta(days=30)).isoformat()}), now())
        groups.end_membership(session, ORG, m.id, {
            "ends_on": (date.today() - timedelta(days=1)).isoformat()})
        assert not groups.is_member(session, group["id"], someone, date.today())
        assert groups.is_member(session, group["id"], someone, date.today() - timedelta(days=5))


def test_agreements_need_both_signatures_and_a_change_needs_them_again(sessions,
                                                                       events_recorded):
    member, commissioner = person(), person()
    with transaction(sessions) as session:
        project = make_project(session, events_recorded)
        first = agreements.create(session, ORG, project["id"], agreements.check_create(
            {**TERMS, "person_id": member}), commissioner, now())
        assert not agreements.signed_current(session, project["id"], member)
        with pytest.raises(Forbidden):
            agreements.sign(session, events_recorded, ORG, first["id"], "member", commissioner,
                            now())
        with pytest.raises(Forbidden):
            agreements.sign(session, events_recorded, ORG, first["id"], "commissioner", member,
                            now())
        agreements.sign(session, events_recorded, ORG, first["id"], "member", member, now())
        signed = agreements.sign(session, events_recorded, ORG, first["id"], "commissioner",
                                 commissioner, now())
        assert signed["fully_signed"] and signed["member_signed_at"]
        assert agreements.signed_current(session, project["id"], member)
        second = agreements.change(session, ORG, first["id"], {
            "time_commitment": "Four hours a month, not two."}, commissioner, now())
        assert second["version"] == 2 and not second["fully_signed"]
        assert not agreements.signed_current(session, project["id"], member)
        with pytest.raises(Conflict):  # the old version can no longer be signed
            agreements.sign(session, events_recorded, ORG, first["id"], "member", member, now())
        history = agreements.history(session, ORG, project["id"], member)
    assert [(h["version"], h["fully_signed"], h["current"]) for h in history] == [
        (1, True, False), (2, False, True)]
    assert history[1]["terms"]["time_commitment"] == "Four hours a month, not two."
    assert history[1]["terms"]["remit"] == TERMS["remit"]
    signed_events = [d for t, d, _ in events_recorded.seen if t == "agreement.signed"]
    assert [(e["party"], e["fully_signed"]) for e in signed_events] == [
        ("member", False), ("commissioner", True)]
    assert all(set(e) == {"agreement_id", "project_id", "person_id", "version", "party",
                          "fully_signed", "signed_at"} for e in signed_events)


def test_an_agreement_without_a_field_is_refused_naming_it():
    body = {**TERMS, "person_id": person()}
    del body["complaints_process"]
    with pytest.raises(InvalidInput) as caught:
        agreements.check_create(body)
    assert "complaints_process" in caught.value.fields


def test_training_warns_before_an_activity_and_counts_only_if_done_by_then(
        sessions, events_recorded):
    ready, late, unsigned = person(), person(), person()
    activity_day = date.today() + timedelta(days=7)
    with transaction(sessions) as session:
        project = make_project(session, events_recorded)
        training.add_kind(session, ORG, {"key": "safeguarding",
                                         "label": "Safeguarding adults"}, now())
        assert "safeguarding" in training.kinds(session, ORG)
        for who in (ready, late):
            a = agreements.create(session, ORG, project["id"], agreements.check_create(
                {**TERMS, "person_id": who}), "c-1", now())
            agreements.sign(session, events_recorded, ORG, a["id"], "member", who, now())
            agreements.sign(session, events_recorded, ORG, a["id"], "commissioner", "c-1", now())
        training.record(session, events_recorded, ORG, training.check_record({
            "person_id": ready, "kind": "interviewing_providers",
            "completed_on": date.today().isoformat()}), "c-1", now())
        with pytest.raises(InvalidInput) as caught:
            training.record(session, events_recorded, ORG, training.check_record({
                "person_id": late, "kind": "juggling",
                "completed_on": date.today().isoformat()}), "c-1", now())
        assert "kind" in caught.value.fields
        found = readiness.warnings_for(session, ORG, project["id"], [ready, late, unsigned],
                                       ["interviewing_providers"], "the interview panel",
                                       activity_day)
    by_person = {}
    for w in found:
        by_person.setdefault(w["person_id"], []).append(w["code"])
    assert ready not in by_person
    assert by_person[late] == ["training_missing"]
    assert by_person[unsigned] == ["no_signed_agreement", "training_missing"]
    message = next(w["message"] for w in found if w["person_id"] == late)
    assert "Interviewing potential providers" in message and "Before the interview panel" in message
    event = next(d for t, d, _ in events_recorded.seen if t == "training.recorded")
    assert set(event) == {"training_id", "person_id", "kind", "completed_on", "recorded_at"}
