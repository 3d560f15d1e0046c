"""Payments and expenses for any involvement activity (a commissioning meeting, a panel session,
a mystery-shopping round, other), after NIHR's guidance: a versioned payment policy per
organisation (rates are data) in place before the first claim; claims with hours (preparation
and attendance apart), the rate and its version, the fee (which people may decline or reduce),
the method and expenses with receipts; an authoriser who is never the claimant; benefits advice
offered and recorded before a person's first payment; tax and benefits flagged as "get advice",
never decided; yearly totals per tax year (from 6 April) with a warning at the policy's
threshold; the time from claim to payment; and never the same claim paid twice.

Money is Decimal end to end (Numeric columns), sent as strings."""
from __future__ import annotations

import csv
import hashlib
import io
import json
import uuid
from datetime import date
from decimal import ROUND_HALF_UP, Decimal

from sqlalchemy import func, select, update

from involve.kernel.db import now as clock
from involve.kernel.errors import Conflict, Forbidden, InvalidInput, NotFound
from involve.kernel.schemas import validate

from . import common, groups
from .contract import (
    BenefitsAdviceRecord,
    PaymentClaimCreate,
    PaymentClaimFilters,
    PaymentClaimReject,
    PaymentExportFilters,
    PaymentMade,
    PaymentPolicyCreate,
)
from .models import Attendance, BenefitsAdvice, Claim, ClaimExpense, Meeting, PaymentPolicy, Project

_policy_input = PaymentPolicyCreate()
_advice_input = BenefitsAdviceRecord()
_claim_input = PaymentClaimCreate()
_reject_input = PaymentClaimReject()
_paid_input = PaymentMade()
_export_input = PaymentExportFilters()
_filters_input = PaymentClaimFilters()
ZERO = Decimal("0.00")
TAX_FLAG = ("Payments for your time count as income for tax, vouchers included (receipted "
            "expenses do not). If you are not sure what this means for you, get advice.")
BENEFITS_FLAG = ("Payments can affect benefits, and the rules differ by benefit and by how you "
                 "are paid (cash, bank or voucher). Get advice before you accept: we cannot "
                 "decide this for you.")


# --- policy -------------------------------------------------------------------------------------
def set_policy(session, organisation_id: str, data, actor, now, record_event=None) -> dict:
    values = validate(_policy_input, data)
    version = (session.scalar(select(func.max(PaymentPolicy.version)).where(
        PaymentPolicy.organisation_id == organisation_id)) or 0) + 1
    row = PaymentPolicy(
        id=str(uuid.uuid4()), organisation_id=organisation_id, version=version,
        effective_from=values["effective_from"],
        rates=[{"activity_kind": r["activity_kind"], "unit": r["unit"],
                "amount": common.money(r["amount"])} for r in values["rates"]],
        mileage_rate=values["mileage_rate"], yearly_threshold=values["yearly_threshold"],
        target_days_to_pay=values["target_days_to_pay"], notes=values["notes"].strip(),
        created_by=actor, created_at=now)
    session.add(row)
    session.flush()
    if record_event is not None:
        record_event(session, "payment_policy.set", {
            "version": row.version, "effective_from": common.iso(row.effective_from),
            "target_days_to_pay": row.target_days_to_pay, "set_at": now.isoformat()},
            subject=row.id, organisation=organisation_id, classification="internal")
    return policy_dict(row)


def policy_dict(p: PaymentPolicy) -> dict:
    return {"id": p.id, "version": p.version, "effective_from": common.iso(p.effective_from),
            "rates": list(p.rates), "mileage_rate": common.money(p.mileage_rate),
            "yearly_threshold": common.money(p.yearly_threshold),
            "target_days_to_pay": p.target_days_to_pay, "notes": p.notes,
            "created_at": common.iso(p.created_at)}


def policies(session, organisation_id: str) -> list[dict]:
    return [policy_dict(p) for p in session.scalars(select(PaymentPolicy).where(
        PaymentPolicy.organisation_id == organisation_id).order_by(PaymentPolicy.version))]


def policy_on(session, organisation_id: str, on: date) -> PaymentPolicy:
    row = session.scalar(select(PaymentPolicy).where(
        PaymentPolicy.organisation_id == organisation_id, PaymentPolicy.effective_from <= on)
        .order_by(PaymentPolicy.version.desc()).limit(1))
    if row is None:
        raise Conflict("There is no payment policy for that date yet. The organisation agrees "
                       "its payment and expenses policy before anyone claims.",
                       {"activity_date": ["No payment policy covers this date."]})
    return row


def _policy_version(session, organisation_id: str, version: int) -> PaymentPolicy | None:
    return session.scalar(select(PaymentPolicy).where(
        PaymentPolicy.organisation_id == organisation_id, PaymentPolicy.version == version))


# --- benefits advice ------------------------------------------------------------------------------
def check_advice(data) -> dict:
    return validate(_advice_input, data)


def record_advice(session, organisation_id: str, values: dict, actor, now) -> dict:
    if values["offered_on"] > now.date():
        raise InvalidInput("Record advice once it has been offered.",
                           {"offered_on": ["This date is in the future."]})
    row = BenefitsAdvice(id=str(uuid.uuid4()), organisation_id=organisation_id,
                         person_id=values["person_id"], offered_on=values["offered_on"],
                         taken_up=values["taken_up"], recorded_by=actor, recorded_at=now)
    session.add(row)
    session.flush()
    return advice_dict(row)


def advice_dict(a: BenefitsAdvice) -> dict:
    return {"id": a.id, "person_id": a.person_id, "offered_on": common.iso(a.offered_on),
            "taken_up": a.taken_up, "recorded_at": common.iso(a.recorded_at)}


def advice_of(session, organisation_id: str, person_id: str) -> list[BenefitsAdvice]:
    return list(session.scalars(select(BenefitsAdvice).where(
        BenefitsAdvice.organisation_id == organisation_id, BenefitsAdvice.person_id == person_id)
        .order_by(BenefitsAdvice.offered_on)))


# --- claims ---------------------------------------------------------------------------------------
def check_claim(data) -> dict:
    return validate(_claim_input, data)


def _fingerprint(values: dict, person_id: str) -> str:
    def plain(v):
        if isinstance(v, (Decimal, date)):
            return str(v)
        if isinstance(v, list):
            return [plain(x) for x in v]
        if isinstance(v, dict):
            return {k: plain(x) for k, x in sorted(v.items())}
        return v
    body = {k: plain(v) for k, v in values.items() if k != "person_id"} | {"person": person_id}
    return hashlib.sha256(json.dumps(body, sort_keys=True).encode()).hexdigest()


def _rate(policy: PaymentPolicy, kind: str) -> dict:
    for rate in policy.rates:
        if rate["activity_kind"] == kind:
            return rate
    raise InvalidInput("The payment policy has no rate for this kind of activity.",
                       {"activity_kind": ["No rate for this in the payment policy."]})


def _price(policy: PaymentPolicy, values: dict) -> tuple[dict, Decimal, Decimal, list[dict]]:
    rate = _rate(policy, values["activity_kind"])
    amount = Decimal(rate["amount"])
    hours = values["preparation_hours"] + values["attendance_hours"]
    if rate["unit"] == "hour":
        if hours <= 0:
            raise InvalidInput("Give the hours spent (preparation and attendance).",
                               {"attendance_hours": ["Give the hours you attended."]})
        fee_due = (amount * hours).quantize(common.PENNY, rounding=ROUND_HALF_UP)
    else:
        fee_due = amount
    choice = values["payment_choice"]
    if choice == "declined":
        fee = ZERO
    elif choice == "reduced":
        fee = values["reduced_fee"]
        if not ZERO < fee < fee_due:
            raise InvalidInput(f"A reduced payment is more than £0 and less than the "
                               f"{common.pounds(fee_due)} due (or decline it).",
                               {"reduced_fee": [f"Give less than {common.pounds(fee_due)}."]})
    else:
        fee = fee_due
    expenses = []
    for e in values["expenses"]:
        value = (e["miles"] * policy.mileage_rate).quantize(common.PENNY, rounding=ROUND_HALF_UP) \
            if e["kind"] == "mileage" else e["amount"]
        expenses.append({**e, "amount": value})
    return rate, fee_due, fee, expenses


def submit(session, record_event, organisation_id: str, values: dict, claimant: str,
           submitted_by: str | None, now) -> dict:
    """``values`` from check_claim; ``claimant`` is the person paid (the service checked they
    belong to the organisation). The same claim_key sent again returns the claim already made;
    a different claim under a used key is refused."""
    fingerprint = _fingerprint(values, claimant)
    existing = session.scalar(select(Claim).where(Claim.organisation_id == organisation_id,
                                                  Claim.claim_key == values["claim_key"]))
    if existing is not None and (existing.person_id != claimant or existing.status != "draft"):
        if existing.person_id == claimant and existing.request_hash == fingerprint:
            return view(session, existing, now) | {"replayed": True}
        raise Conflict("A different claim was already sent with this claim key, so nothing was "
                       "changed. Start a new claim for a different activity.",
                       {"claim_key": ["Already used for another claim."]})
    if values["activity_date"] > now.date():
        raise InvalidInput("Claim for an activity once it has happened.",
                           {"activity_date": ["This date is in the future."]})
    if values["project_id"]:
        common.project(session, organisation_id, values["project_id"])
    policy = policy_on(session, organisation_id, values["activity_date"])
    rate, fee_due, fee, expenses = _price(policy, values)
    claim = existing or Claim(id=str(uuid.uuid4()), organisation_id=organisation_id,
                              claim_key=values["claim_key"], person_id=claimant, created_at=now)
    claim.activity_kind, claim.activity_ref = values["activity_kind"], values["activity_ref"]
    claim.project_id, claim.role = values["project_id"], values["role"].strip()
    claim.activity_date = values["activity_date"]
    claim.preparation_hours, claim.attendance_hours = (values["preparation_hours"],
                                                       values["attendance_hours"])
    claim.rate, claim.rate_unit, claim.rate_version = (Decimal(rate["amount"]), rate["unit"],
                                                       policy.version)
    claim.fee_due, claim.fee, claim.payment_choice = fee_due, fee, values["payment_choice"]
    claim.method = values["method"]
    claim.expenses_total = sum((e["amount"] for e in expenses), ZERO)
    claim.total = claim.fee + claim.expenses_total
    claim.status, claim.request_hash = "submitted", fingerprint
    claim.submitted_by, claim.submitted_at = submitted_by, now
    if existing is None:
        session.add(claim)
    else:
        for old in session.scalars(select(ClaimExpense).where(ClaimExpense.claim_id == claim.id)):
            session.delete(old)
    session.flush()
    for e in expenses:
        session.add(ClaimExpense(id=str(uuid.uuid4()), claim_id=claim.id, kind=e["kind"],
                                 description=e["description"].strip(), miles=e["miles"],
                                 amount=e["amount"], receipt=e["receipt"].strip()))
    session.flush()
    record_event(session, "claim.submitted", {
        "claim_id": claim.id, "person_id": claimant, "activity_kind": claim.activity_kind,
        "project_id": claim.project_id, "activity_date": claim.activity_date.isoformat(),
        "fee": common.money(claim.fee), "expenses": common.money(claim.expenses_total),
        "total": common.money(claim.total), "method": claim.method,
        "payment_choice": claim.payment_choice, "rate_version": claim.rate_version,
        "submitted_at": now.isoformat(), "tax_year": common.tax_year(claim.activity_date),
        "target_days": policy.target_days_to_pay},
        subject=claim.id, organisation=organisation_id, classification="pseudonymous", version=2)
    return view(session, claim, now)


def load(session, organisation_id: str, claim_id) -> Claim:
    claim = session.get(Claim, claim_id) if isinstance(claim_id, str) else None
    if claim is None or claim.organisation_id != organisation_id:
        raise NotFound("We could not find that claim.", {"claim_id": ["Unknown id."]})
    return claim


def _not_claimant(claim: Claim, actor: str | None, what: str) -> None:
    if actor and actor in (claim.person_id, claim.submitted_by):
        raise Forbidden(f"Someone other than the claimant must {what} a claim: nobody "
                        f"{what}s their own.")


def authorise(session, organisation_id: str, claim_id: str, actor, now) -> dict:
    claim = load(session, organisation_id, claim_id)
    _not_claimant(claim, actor, "authorise")
    if claim.status != "submitted":
        raise Conflict(f"This claim is {claim.status}, so it cannot be authorised.")
    claim.status, claim.authorised_by, claim.authorised_at = "authorised", actor, now
    return view(session, claim, now)


def reject(session, organisation_id: str, claim_id: str, data, actor, now,
           record_event=None) -> dict:
    values = validate(_reject_input, data)
    claim = load(session, organisation_id, claim_id)
    _not_claimant(claim, actor, "reject")
    if claim.status not in ("submitted", "authorised"):
        raise Conflict(f"This claim is {claim.status}, so it cannot be rejected.")
    claim.status, claim.rejected_reason = "rejected", values["reason"].strip()
    if record_event is not None:  # never the reason: it may be about the person
        record_event(session, "claim.rejected", {
            "claim_id": claim.id, "person_id": claim.person_id, "rejected_at": now.isoformat()},
            subject=claim.id, organisation=organisation_id, classification="pseudonymous")
    return view(session, claim, now)


def pay(session, record_event, organisation_id: str, claim_id: str, data, actor, now) -> dict:
    """Record the payment of an authorised claim. Paying a paid claim again changes nothing and
    says so: a claim is never paid twice."""
    values = validate(_paid_input, data or {})
    claim = load(session, organisation_id, claim_id)
    if claim.status == "paid":
        return view(session, claim, now) | {"already_paid": True}
    _not_claimant(claim, actor, "pay")
    if claim.status != "authorised":
        raise Conflict(f"This claim is {claim.status}: it is paid once it has been authorised.")
    if claim.person_id and not advice_of(session, organisation_id, claim.person_id):
        raise Conflict("Offer this person benefits advice, and record it, before their first "
                       "payment.", {"person_id": ["No benefits advice recorded yet."]})
    claimed = session.execute(
        update(Claim).where(Claim.id == claim.id, Claim.status == "authorised")
        .values(status="paid", paid_at=now, paid_by=actor,
                payment_reference=values["payment_reference"].strip())
        .execution_options(synchronize_session=False)).rowcount
    session.refresh(claim)
    if not claimed:  # paid by someone else a moment ago
        return view(session, claim, now) | {"already_paid": True}
    policy = _policy_version(session, organisation_id, claim.rate_version)
    days = _days(claim)
    target = policy.target_days_to_pay if policy else None
    record_event(session, "payment.made", {
        "claim_id": claim.id, "person_id": claim.person_id, "activity_kind": claim.activity_kind,
        "project_id": claim.project_id, "fee": common.money(claim.fee),
        "expenses": common.money(claim.expenses_total), "amount": common.money(claim.total),
        "method": claim.method, "submitted_at": common.iso(claim.submitted_at),
        "paid_at": now.isoformat(), "days_to_pay": float(days), "target_days": target,
        "within_target": target is not None and days <= target,
        "tax_year": common.tax_year(now.date())},
        subject=claim.id, organisation=organisation_id, classification="pseudonymous")
    return view(session, claim, now)


def _days(claim: Claim) -> Decimal:
    if not claim.paid_at or not claim.submitted_at:
        return Decimal("0")
    seconds = Decimal((claim.paid_at - claim.submitted_at).total_seconds())
    return (seconds / Decimal(86400)).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)


# --- totals, flags and views ----------------------------------------------------------------------------
def yearly(session, organisation_id: str, person_id: str, on: date) -> dict:
    """Income (fees, not receipted expenses) in the tax year containing ``on``: paid (by date
    paid) and waiting (submitted or authorised, by the activity's date)."""
    start, end = common.tax_year_bounds(on)
    rows = session.scalars(select(Claim).where(Claim.organisation_id == organisation_id,
                                               Claim.person_id == person_id))
    paid = waiting = ZERO
    for c in rows:
        if c.status == "paid" and start <= c.paid_at.date() <= end:
            paid += c.fee
        elif c.status in ("submitted", "authorised") and start <= c.activity_date <= end:
            waiting += c.fee
    policy = session.scalar(select(PaymentPolicy).where(
        PaymentPolicy.organisation_id == organisation_id).order_by(
        PaymentPolicy.version.desc()).limit(1))
    threshold = policy.yearly_threshold if policy else Decimal("1000.00")
    out = {"tax_year": common.tax_year(on), "from": start.isoformat(), "to": end.isoformat(),
           "paid": common.money(paid), "waiting": common.money(waiting),
           "total": common.money(paid + waiting), "threshold": common.money(threshold),
           "warning": None}
    if paid + waiting >= threshold:
        out["warning"] = (f"Payments for your time in the {out['tax_year']} tax year come to "
                          f"{common.pounds(paid + waiting)}, which reaches "
                          f"{common.pounds(threshold)}. You may need to tell HMRC, and it may "
                          "affect benefits: get advice.")
    return out


def expenses_of(session, claim_id: str) -> list[dict]:
    return [{"kind": e.kind, "description": e.description,
             "miles": str(e.miles) if e.miles is not None else None,
             "amount": common.money(e.amount), "receipt": e.receipt}
            for e in session.scalars(select(ClaimExpense).where(ClaimExpense.claim_id == claim_id)
                                     .order_by(ClaimExpense.kind, ClaimExpense.id))]


def view(session, claim: Claim, now) -> dict:
    out = {"id": claim.id, "claim_key": claim.claim_key, "person_id": claim.person_id,
           "activity_kind": claim.activity_kind, "activity_ref": claim.activity_ref,
           "project_id": claim.project_id, "role": claim.role,
           "activity_date": common.iso(claim.activity_date),
           "preparation_hours": common.hours(claim.preparation_hours),
           "attendance_hours": common.hours(claim.attendance_hours),
           "rate": common.money(claim.rate), "rate_unit": claim.rate_unit,
           "rate_version": claim.rate_version, "fee_due": common.money(claim.fee_due),
           "payment_choice": claim.payment_choice, "fee": common.money(claim.fee),
           "method": claim.method, "expenses": expenses_of(session, claim.id),
           "expenses_total": common.money(claim.expenses_total),
           "total": common.money(claim.total), "status": claim.status,
           "submitted_at": common.iso(claim.submitted_at),
           "authorised_by": claim.authorised_by, "authorised_at": common.iso(claim.authorised_at),
           "rejected_reason": claim.rejected_reason or None,
           "paid_at": common.iso(claim.paid_at), "payment_reference": claim.payment_reference,
           "days_to_pay": float(_days(claim)) if claim.paid_at else None,
           "erased": claim.erased,
           "flags": {"tax": TAX_FLAG if claim.fee > 0 else None,
                     "benefits": BENEFITS_FLAG if claim.fee > 0 else None}}
    if claim.person_id and not claim.erased:
        out["yearly_total"] = yearly(session, claim.organisation_id, claim.person_id,
                                     claim.activity_date)
        out["benefits_advice_recorded"] = bool(advice_of(session, claim.organisation_id,
                                                         claim.person_id))
        if not out["benefits_advice_recorded"] and claim.fee > 0:
            out["notice"] = ("Before your first payment we will offer you benefits advice, so "
                             "you can decide with full information.")
    return out


def list_claims(session, organisation_id: str, status: str | None = None,
                person_id: str | None = None) -> list[dict]:
    query = select(Claim).where(Claim.organisation_id == organisation_id)
    if status:
        query = query.where(Claim.status == status)
    if person_id:
        query = query.where(Claim.person_id == person_id)
    moment = clock()
    return [view(session, c, moment) for c in session.scalars(
        query.order_by(Claim.created_at.desc()))]


def search(session, organisation_id: str, filters) -> list[dict]:
    values = validate(_filters_input, filters or {})
    return list_claims(session, organisation_id, values["status"], values["person_id"])


def get(session, organisation_id: str, claim_id: str, viewer: str | None, reader: bool,
        now) -> dict:
    claim = load(session, organisation_id, claim_id)
    if not reader and claim.person_id != viewer:
        raise Forbidden("You can see your own claims only.")
    return view(session, claim, now)


def person_summary(session, organisation_id: str, person_id: str, now) -> dict:
    claims = list_claims(session, organisation_id, person_id=person_id)
    years = sorted({c["yearly_total"]["tax_year"] for c in claims if "yearly_total" in c} |
                   {common.tax_year(now.date())}, reverse=True)
    this_year = yearly(session, organisation_id, person_id, now.date())
    paid = [c for c in claims if c["status"] == "paid"]
    return {"person_id": person_id, "claims": claims, "this_tax_year": this_year,
            "tax_years": years,
            "benefits_advice": [advice_dict(a) for a in advice_of(session, organisation_id,
                                                                  person_id)],
            "median_days_to_pay": _median([c["days_to_pay"] for c in paid])}


def _median(values: list[float]) -> float | None:
    values = sorted(v for v in values if v is not None)
    if not values:
        return None
    mid = len(values) // 2
    return values[mid] if len(values) % 2 else round((values[mid - 1] + values[mid]) / 2, 2)


def timeliness(session, organisation_id: str) -> dict:
    """Time from claim to payment: the median, and the share paid within the policy's target."""
    paid = list(session.scalars(select(Claim).where(Claim.organisation_id == organisation_id,
                                                    Claim.status == "paid")))
    days = [float(_days(c)) for c in paid]
    within = 0
    for c in paid:
        policy = _policy_version(session, organisation_id, c.rate_version)
        if policy and _days(c) <= policy.target_days_to_pay:
            within += 1
    waiting = session.scalar(select(func.count()).select_from(Claim).where(
        Claim.organisation_id == organisation_id, Claim.status.in_(("submitted", "authorised"))))
    return {"paid": len(paid), "median_days_to_pay": _median(days),
            "share_within_target": round(within / len(paid), 4) if paid else None,
            "waiting": waiting}


EXPORT_COLUMNS = ("claim_id", "person_id", "activity_kind", "activity_ref", "project_id",
                  "activity_date", "preparation_hours", "attendance_hours", "rate", "rate_unit",
                  "rate_version", "payment_choice", "fee", "expenses", "total", "method",
                  "status", "submitted_at", "authorised_by", "authorised_at", "paid_at",
                  "payment_reference", "days_to_pay", "tax_year")


def export_csv(session, organisation_id: str, filters=None) -> str:
    """Every claim for finance, by pseudonymous id (names and bank details stay with identity
    and finance); money as exact decimals."""
    values = validate(_export_input, filters or {})
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(EXPORT_COLUMNS)
    rows = session.scalars(select(Claim).where(Claim.organisation_id == organisation_id,
                                               Claim.status != "draft")
                           .order_by(Claim.submitted_at, Claim.id))
    for c in rows:
        if values["paid_from"] and (not c.paid_at or c.paid_at.date() < values["paid_from"]):
            continue
        if values["paid_to"] and (not c.paid_at or c.paid_at.date() > values["paid_to"]):
            continue
        writer.writerow([
            c.id, c.person_id or "(erased)", c.activity_kind, c.activity_ref, c.project_id or "",
            c.activity_date.isoformat(), common.hours(c.preparation_hours),
            common.hours(c.attendance_hours), common.money(c.rate), c.rate_unit, c.rate_version,
            c.payment_choice, common.money(c.fee), common.money(c.expenses_total),
            common.money(c.total), c.method, c.status, common.iso(c.submitted_at) or "",
            c.authorised_by or "", common.iso(c.authorised_at) or "", common.iso(c.paid_at) or "",
            c.payment_reference, str(_days(c)) if c.paid_at else "",
            common.tax_year(c.paid_at.date() if c.paid_at else c.activity_date)])
    return out.getvalue()


# --- claims started from a meeting ---------------------------------------------------------------
def drafts_for_meeting(session, organisation_id: str, meeting_id: str, now) -> list[str]:
    """When a meeting is held, each service user or carer who attended gets a claim started for
    them (the meeting's hours and the policy's rate), which they check, change (decline, reduce,
    add expenses) and send. The claim key is the meeting and the person, so handling the same
    event twice starts nothing twice."""
    meeting = session.get(Meeting, meeting_id)
    if meeting is None or meeting.status != "held":
        return []
    project = session.get(Project, meeting.project_id)
    if project is None or project.organisation_id != organisation_id:
        return []
    on = meeting.held_at.date()
    try:
        policy = policy_on(session, organisation_id, on)
        rate = _rate(policy, "commissioning_meeting")
    except (Conflict, InvalidInput):
        return []  # no policy or no rate for meetings: nothing to start
    made = []
    for row in session.scalars(select(Attendance).where(Attendance.meeting_id == meeting.id,
                                                        Attendance.status == "attended")):
        if not row.person_id or row.capacity not in (*groups.SERVICE_USER_CAPACITIES, "carer"):
            continue
        key = f"meeting:{meeting.id}:{row.person_id}"
        if session.scalar(select(Claim.id).where(Claim.organisation_id == organisation_id,
                                                 Claim.claim_key == key)):
            continue
        hours = Decimal(meeting.hours) + Decimal(meeting.preparation_hours)
        amount = Decimal(rate["amount"])
        fee = (amount * hours).quantize(common.PENNY, rounding=ROUND_HALF_UP) \
            if rate["unit"] == "hour" else amount
        claim = Claim(
            id=str(uuid.uuid4()), organisation_id=organisation_id, claim_key=key,
            person_id=row.person_id, activity_kind="commissioning_meeting",
            activity_ref=meeting.id, project_id=project.id, role="", activity_date=on,
            preparation_hours=meeting.preparation_hours, attendance_hours=meeting.hours,
            rate=amount, rate_unit=rate["unit"], rate_version=policy.version, fee_due=fee,
            payment_choice="full", fee=fee, method="bank", expenses_total=ZERO, total=fee,
            status="draft", created_at=now)
        session.add(claim)
        session.flush()
        made.append(claim.id)
    return made
