"""Payments and expenses as plain modules on SQLite and PostgreSQL: a policy before the first
claim, rates as versioned data, Decimal money, declined and reduced payments, expenses with
receipts and mileage, never authorised by the claimant, benefits advice before the first
payment, tax years from 6 April with the threshold warning, idempotent claims and payments, the
finance CSV, claims started from a meeting, and erasure that keeps only amounts and dates."""
import csv
import io
from datetime import date, timedelta
from decimal import Decimal

import pytest
from sqlalchemy import select

from involve.commissioning import common, erasure, groups, meetings, payments, projects, training
from involve.commissioning.models import Claim, ClaimExpense, Erasure
from involve.kernel.db import now, transaction
from involve.kernel.errors import Conflict, Forbidden, InvalidInput

from .helpers import ORG, PROJECT, SERVICES, person, soon

POLICY = {"effective_from": "2025-04-06", "rates": [
    {"activity_kind": "commissioning_meeting", "unit": "hour", "amount": "25.00"},
    {"activity_kind": "panel_session", "unit": "session", "amount": "15.00"},
    {"activity_kind": "mystery_shopping_round", "unit": "session", "amount": "20.00"}],
    "target_days_to_pay": 14}


def claim(**changes):
    return {"claim_key": "form:" + person(), "activity_kind": "commissioning_meeting",
            "activity_date": date.today().isoformat(), "preparation_hours": "1",
            "attendance_hours": "2.5", "method": "bank", **changes}


def submit(session, record, who, body, by=None):
    return payments.submit(session, record, ORG, payments.check_claim(body), who, by or who,
                           now())


def test_tax_years_start_on_6_april():
    assert common.tax_year(date(2026, 4, 5)) == "2025-26"
    assert common.tax_year(date(2026, 4, 6)) == "2026-27"
    assert common.tax_year_bounds(date(2026, 1, 1)) == (date(2025, 4, 6), date(2026, 4, 5))


def test_there_is_no_claim_before_a_payment_policy(sessions, events_recorded):
    with transaction(sessions) as session, pytest.raises(Conflict) as caught:
        submit(session, events_recorded, person(), claim())
    assert "policy" in caught.value.message and "activity_date" in caught.value.fields


@pytest.mark.parametrize("change,field", [
    ({"attendance_hours": "1.1"}, "attendance_hours"),
    ({"method": "crypto"}, "method"),
    ({"payment_choice": "reduced"}, "reduced_fee"),
    ({"reduced_fee": "10.00"}, "reduced_fee"),
    ({"expenses": [{"kind": "travel", "amount": "4.20"}]}, "expenses"),
    ({"expenses": [{"kind": "mileage", "amount": "4.20", "miles": "12"}]}, "expenses"),
    ({"expenses": [{"kind": "childcare", "amount": "12.345", "receipt": "r1"}]}, "expenses"),
    ({"claim_key": "short"}, "claim_key"),
])
def test_bad_claims_are_refused_naming_the_field(change, field):
    with pytest.raises(InvalidInput) as caught:
        payments.check_claim(claim(**change))
    assert field in caught.value.fields


def test_a_claim_prices_time_and_expenses_in_exact_decimals(sessions, events_recorded):
    who = person()
    with transaction(sessions) as session:
        payments.set_policy(session, ORG, POLICY, "lead-1", now())
        out = submit(session, events_recorded, who, claim(expenses=[
            {"kind": "mileage", "miles": "12.5", "description": "Home to the town hall"},
            {"kind": "carer_cover", "amount": "30.00", "receipt": "sitter-receipt-114.jpg"},
            {"kind": "travel", "amount": "3.10", "receipt": "bus ticket 0042"}]))
        stored = session.get(Claim, out["id"])
    assert (out["fee_due"], out["fee"], out["rate"], out["rate_version"]) == (
        "87.50", "87.50", "25.00", 1)
    assert out["expenses_total"] == "38.73"  # 12.5 miles at 45p = 5.63, plus 30.00 and 3.10
    assert out["total"] == "126.23"
    assert isinstance(stored.total, Decimal) and stored.total == Decimal("126.23")
    assert out["flags"]["tax"].endswith("get advice.")
    assert "cannot decide this for you" in out["flags"]["benefits"]
    assert "benefits advice" in out["notice"]
    event = next(d for t, d, _ in events_recorded.seen if t == "claim.submitted")
    assert event["total"] == "126.23" and event["person_id"] == who
    assert "receipt" not in str(event) and "town hall" not in str(event)


def test_people_may_decline_or_reduce_their_payment(sessions, events_recorded):
    with transaction(sessions) as session:
        payments.set_policy(session, ORG, POLICY, "lead-1", now())
        declined = submit(session, events_recorded, person(), claim(
            payment_choice="declined", expenses=[
                {"kind": "travel", "amount": "6.40", "receipt": "train 7781"}]))
        reduced = submit(session, events_recorded, person(), claim(
            payment_choice="reduced", reduced_fee="40.00"))
        with pytest.raises(InvalidInput) as caught:
            submit(session, events_recorded, person(), claim(
                payment_choice="reduced", reduced_fee="90.00"))
        assert "reduced_fee" in caught.value.fields
        voucher = submit(session, events_recorded, person(), claim(
            activity_kind="panel_session", attendance_hours="0", preparation_hours="0",
            method="voucher"))
    assert (declined["fee"], declined["total"], declined["flags"]["tax"]) == ("0.00", "6.40", None)
    assert (reduced["fee_due"], reduced["fee"]) == ("87.50", "40.00")
    assert (voucher["fee"], voucher["method"]) == ("15.00", "voucher")  # seed 004's £15
    assert voucher["flags"]["tax"]  # vouchers count as income too


def test_rates_are_versioned_data_and_a_claim_keeps_its_version(sessions, events_recorded):
    with transaction(sessions) as session:
        payments.set_policy(session, ORG, POLICY, "lead-1", now())
        old = submit(session, events_recorded, person(), claim(
            activity_date=(date.today() - timedelta(days=10)).isoformat()))
        payments.set_policy(session, ORG, {**POLICY, "effective_from": (
            date.today() - timedelta(days=2)).isoformat(), "rates": [
            {"activity_kind": "commissioning_meeting", "unit": "hour", "amount": "27.50"}]},
            "lead-1", now())
        new = submit(session, events_recorded, person(), claim())
        history = payments.policies(session, ORG)
        with pytest.raises(InvalidInput) as caught:  # the new version has no panel rate
            submit(session, events_recorded, person(), claim(activity_kind="panel_session"))
        assert "activity_kind" in caught.value.fields
    assert (old["rate"], old["rate_version"]) == ("25.00", 1)
    assert (new["rate"], new["rate_version"], new["fee"]) == ("27.50", 2, "96.25")
    assert [p["version"] for p in history] == [1, 2]


def test_a_claim_sent_twice_is_one_claim(sessions, events_recorded):
    who = person()
    body = claim(claim_key="form:meeting-2026-03-02")
    with transaction(sessions) as session:
        payments.set_policy(session, ORG, POLICY, "lead-1", now())
        first = submit(session, events_recorded, who, body)
        again = submit(session, events_recorded, who, body)
        with pytest.raises(Conflict) as caught:
            submit(session, events_recorded, who, {**body, "attendance_hours": "3"})
        assert "claim_key" in caught.value.fields
        with pytest.raises(Conflict):  # nor can someone else use the key
            submit(session, events_recorded, person(), body)
        count = len(session.scalars(select(Claim)).all())
    assert again["id"] == first["id"] and again["replayed"] and count == 1
    assert [t for t, _, _ in events_recorded.seen].count("claim.submitted") == 1


def test_nobody_authorises_or_pays_their_own_claim_and_a_claim_is_paid_once(
        sessions, events_recorded):
    who, lead = person(), person()
    with transaction(sessions) as session:
        payments.set_policy(session, ORG, POLICY, lead, now())
        made = submit(session, events_recorded, who, claim())
        own = submit(session, events_recorded, lead, claim())
        with pytest.raises(Forbidden):
            payments.authorise(session, ORG, own["id"], lead, now())
        with pytest.raises(Conflict):  # not authorised yet
            payments.pay(session, events_recorded, ORG, made["id"], {}, lead, now())
        payments.authorise(session, ORG, made["id"], lead, now())
        with pytest.raises(Conflict) as caught:  # benefits advice comes first
            payments.pay(session, events_recorded, ORG, made["id"], {}, lead, now())
        assert "benefits advice" in caught.value.message
        payments.record_advice(session, ORG, payments.check_advice({
            "person_id": who, "offered_on": date.today().isoformat(), "taken_up": True}),
            lead, now())
        paid = payments.pay(session, events_recorded, ORG, made["id"],
                            {"payment_reference": "BACS 0031"}, lead, now())
        again = payments.pay(session, events_recorded, ORG, made["id"],
                             {"payment_reference": "BACS 0032"}, lead, now())
    assert paid["status"] == "paid" and paid["payment_reference"] == "BACS 0031"
    assert again["already_paid"] and again["payment_reference"] == "BACS 0031"
    made_events = [d for t, d, _ in events_recorded.seen if t == "payment.made"]
    assert len(made_events) == 1
    event = made_events[0]
    assert set(event) == {"claim_id", "person_id", "activity_kind", "project_id", "fee",
                          "expenses", "amount", "method", "submitted_at", "paid_at",
                          "days_to_pay", "target_days", "within_target", "tax_year"}
    assert event["within_target"] is True and event["days_to_pay"] < 1


def test_the_yearly_total_warns_at_the_threshold(sessions, events_recorded):
    who, lead = person(), person()
    with transaction(sessions) as session:
        payments.set_policy(session, ORG, {**POLICY, "yearly_threshold": "200.00"}, lead, now())
        payments.record_advice(session, ORG, payments.check_advice({
            "person_id": who, "offered_on": date.today().isoformat()}), lead, now())
        first = submit(session, events_recorded, who, claim(attendance_hours="3"))
        payments.authorise(session, ORG, first["id"], lead, now())
        payments.pay(session, events_recorded, ORG, first["id"], {}, lead, now())
        second = submit(session, events_recorded, who, claim(attendance_hours="2"))
    assert first["yearly_total"]["warning"] is None
    year = second["yearly_total"]
    assert (year["paid"], year["waiting"], year["total"]) == ("100.00", "75.00", "175.00")
    with transaction(sessions) as session:
        third = submit(session, events_recorded, who, claim(
            attendance_hours="1", expenses=[{"kind": "travel", "amount": "50.00",
                                             "receipt": "taxi 19"}]))
    assert third["yearly_total"]["total"] == "225.00"  # fees only: expenses are not income
    assert "reaches £200.00" in third["yearly_total"]["warning"]
    assert "get advice" in third["yearly_total"]["warning"]


def test_the_finance_export_lists_claims_by_id_with_exact_money(sessions, events_recorded):
    who, lead = person(), person()
    with transaction(sessions) as session:
        payments.set_policy(session, ORG, POLICY, lead, now())
        payments.record_advice(session, ORG, payments.check_advice({
            "person_id": who, "offered_on": date.today().isoformat()}), lead, now())
        made = submit(session, events_recorded, who, claim(expenses=[
            {"kind": "mileage", "miles": "3"}]))
        payments.authorise(session, ORG, made["id"], lead, now())
        payments.pay(session, events_recorded, ORG, made["id"], {}, lead, now())
        submit(session, events_recorded, who, claim(activity_kind="panel_session",
                                                    method="voucher"))
        text = payments.export_csv(session, ORG, {})
        only_paid_today = payments.export_csv(session, ORG, {
            "paid_from": date.today().isoformat()})
        timing = payments.timeliness(session, ORG)
    rows = list(csv.DictReader(io.StringIO(text)))
    assert [r["status"] for r in rows] == ["paid", "submitted"]
    assert (rows[0]["fee"], rows[0]["expenses"], rows[0]["total"]) == ("87.50", "1.35", "88.85")
    assert rows[0]["person_id"] == who and rows[0]["tax_year"] == common.tax_year(date.today())
    assert len(list(csv.DictReader(io.StringIO(only_paid_today)))) == 1
    assert timing["paid"] == 1 and timing["share_within_target"] == 1.0 and timing["waiting"] == 1


def test_a_held_meeting_starts_claims_once_for_the_service_users_who_came(
        sessions, events_recorded):
    ann, ben, officer = person(), person(), person()
    with transaction(sessions) as session:
        payments.set_policy(session, ORG, POLICY, "lead-1", now())
        values = projects.check_create(PROJECT)
        projects.check_care_services(values, SERVICES)
        project = projects.create(session, events_recorded, ORG, values, "c-1", now())
        steering = groups.create(session, ORG, project["id"], {"kind": "steering",
                                                               "name": "Steering group"},
                                 training.kinds(session, ORG), now())
        for who, capacity in ((ann, "service_user"), (ben, "service_user"),
                              (officer, "commissioner")):
            groups.add_member(session, ORG, steering["id"], groups.check_member(
                {"person_id": who, "capacity": capacity}), now())
        meeting = meetings.create(session, ORG, project["id"], {
            "title": "Steering group", "group_id": steering["id"],
            "starts_at": soon(seconds=-1).isoformat(), "hours": "2",
            "preparation_hours": "0.5"}, now())
        meetings.record_held(session, events_recorded, ORG, meeting["id"], meetings.check_held({
            "attendance": [{"person_id": ann, "status": "attended"},
                           {"person_id": ben, "status": "apologies"},
                           {"person_id": officer, "status": "attended"}]}), now())
        made = payments.drafts_for_meeting(session, ORG, meeting["id"], now())
        again = payments.drafts_for_meeting(session, ORG, meeting["id"], now())
        [draft] = payments.list_claims(session, ORG, person_id=ann)
        completed = submit(session, events_recorded, ann, {
            "claim_key": draft["claim_key"], "activity_kind": "commissioning_meeting",
            "activity_ref": meeting["id"], "project_id": project["id"],
            "activity_date": draft["activity_date"], "preparation_hours": "0.5",
            "attendance_hours": "2", "method": "voucher"})
    assert len(made) == 1 and again == []
    assert (draft["status"], draft["fee"], draft["person_id"]) == ("draft", "62.50", ann)
    assert completed["id"] == draft["id"] and completed["status"] == "submitted"
    assert completed["method"] == "voucher"


def test_erasure_keeps_only_amounts_and_dates_and_records_that(sessions, events_recorded):
    who, lead = person(), person()
    with transaction(sessions) as session:
        payments.set_policy(session, ORG, POLICY, lead, now())
        payments.record_advice(session, ORG, payments.check_advice({
            "person_id": who, "offered_on": date.today().isoformat()}), lead, now())
        made = submit(session, events_recorded, who, claim(
            claim_key=f"meeting:m1:{who}", role="Steering member", expenses=[
                {"kind": "childcare", "amount": "24.00", "receipt": "nursery-receipt.pdf",
                 "description": "Nursery for my son"}]))
        payments.authorise(session, ORG, made["id"], lead, now())
        payments.pay(session, events_recorded, ORG, made["id"],
                     {"payment_reference": "BACS 77 J SMITH"}, lead, now())
        training.record(session, events_recorded, ORG, training.check_record({
            "person_id": who, "kind": "options_appraisal",
            "completed_on": date.today().isoformat()}), lead, now())
    with transaction(sessions) as session:
        done = erasure.forget(session, "event-1", who, now())
    with transaction(sessions) as session:
        row = session.get(Claim, made["id"])
        expense = session.scalars(select(ClaimExpense)).one()
        log = session.scalars(select(Erasure)).one()
        remaining = payments.export_csv(session, ORG, {})
        assert training.records_of(session, ORG, who) == []
        assert payments.advice_of(session, ORG, who) == []
    assert (row.person_id, row.erased, row.total, row.paid_at is not None) == (
        None, True, Decimal("111.50"), True)
    assert who not in row.claim_key and row.role == "" and row.payment_reference == ""
    assert (expense.amount, expense.receipt, expense.description) == (Decimal("24.00"), "", "")
    assert who not in remaining and "SMITH" not in remaining and "111.50" in remaining
    assert done["kept"]["claims"] == 1 and log.person_id == who
    assert log.removed["training_records"] == 1 and log.removed["benefits_advice"] == 1
