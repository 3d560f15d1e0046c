"""Inviting the chosen panel: who is asked, who said yes or no, who took a decliner's place.

The coordinator invites a finished selection's panel once (the selection then is the campaign's
panel). Each member who registered on the public page with contact details (or signed in) is
sent a link through identity's ``notify_person`` (the address never comes here) to accept or
decline; a spreadsheet's people, and people identity cannot send a link to (a phone number
only), are contacted by the coordinator, who records their answer. A decline, or the coordinator
recording that a member dropped out, finds a replacement who keeps every quota (jobs.replace)
and invites them the same way.

Tokens are random, sent once and stored only as a SHA-256. Sending happens after the
transaction that created the invitation: ``links_to_send`` makes the tokens, the service sends
them and ``mark_sent`` records the outcome; anything not sent shows on the page with "Send again"
(a new token each time, so an old link that never arrived is simply never valid).
"""
from __future__ import annotations

import csv
import hashlib
import io
import secrets
import uuid

from sqlalchemy import select

from involve.kernel.db import now
from involve.kernel.errors import Conflict, InvalidInput, NotFound
from involve.kernel.schemas import validate

from . import jobs, registrations
from .contract import PanelInvitationAnswer, PanelInvite, PanelMemberAnswer
from .models import Campaign, Invitation, Registration, SelectionJob

LINK, COORDINATOR = "link", "coordinator"
INVITED, ACCEPTED, DECLINED, DROPPED_OUT = "invited", "accepted", "declined", "dropped_out"
ON_PANEL = (INVITED, ACCEPTED)
LINK_PATH = "/panels/invitations/"


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def _channel(registration: Registration | None) -> str:
    """A link when identity can reach them for this panel; the coordinator otherwise."""
    if registration is None or not registration.person_id or not registration.consent_contact:
        return COORDINATOR
    ways = (registration.contact_ways or "").split()
    if ways and "email" not in ways and "account" not in ways:
        return COORDINATOR  # a phone number only: identity cannot send a link
    return LINK


def _new(session, job: SelectionJob, registration_id: str, replaces: str | None = None):
    registration = session.get(Registration, registration_id)
    row = Invitation(
        id=str(uuid.uuid4()), job_id=job.id, campaign_id=job.campaign_id,
        organisation_id=job.organisation_id, registration_id=registration_id,
        person_id=registration.person_id if registration else None, token_hash=None,
        channel=_channel(registration), status=INVITED, sent_at=None, send_failed=False,
        answered_at=None, replaced_by=None, replaces=replaces, created_at=now())
    session.add(row)
    return row


def invited_selection(session, campaign_id: str) -> SelectionJob | None:
    """The selection whose panel was invited: the campaign's panel."""
    return session.scalars(select(SelectionJob).where(
        SelectionJob.campaign_id == campaign_id, SelectionJob.invited_at.is_not(None))
        .limit(1)).first()


def invite(session, job: SelectionJob, inviter_id: str | None, data: dict) -> dict:
    """Invite the selection's panel (as it is after any replacements)."""
    values = validate(PanelInvite(), data)
    if job.status != "done":
        raise Conflict("Only a finished selection's panel can be invited.")
    if job.invited_at is not None:
        raise Conflict("This panel has already been invited.")
    other = invited_selection(session, job.campaign_id)
    if other is not None:
        raise Conflict("Another selection of this campaign has already been invited: it is the "
                       "campaign's panel.", {"selection_id": [other.id]})
    job.invited_at = now()
    job.invited_by = inviter_id
    job.invitation_message = " ".join((values["message"] or "").split()) or None
    for registration_id in jobs.current_panel(session, job):
        _new(session, job, registration_id)
    session.flush()
    return summary(session, job)


def links_to_send(session, job: SelectionJob) -> list[dict]:
    """Fresh tokens for every link invitation not sent yet: [{"invitation_id", "person_id",
    "token"}]. Commit, then send each and record it with mark_sent."""
    out = []
    for row in session.scalars(select(Invitation).where(
            Invitation.job_id == job.id, Invitation.channel == LINK,
            Invitation.status.in_(ON_PANEL), Invitation.sent_at.is_(None),
            Invitation.send_failed.is_(False))):
        token = secrets.token_urlsafe(24)
        row.token_hash = token_hash(token)
        out.append({"invitation_id": row.id, "person_id": row.person_id, "token": token})
    return out


def mark_sent(session, invitation_id: str, delivered: bool) -> None:
    row = session.get(Invitation, invitation_id)
    if row is None:
        return
    if delivered:
        row.sent_at, row.send_failed = now(), False
    else:  # identity could neither email them nor put it in an Involve inbox
        row.send_failed = True


def by_token(session, token) -> Invitation:
    row = None
    if isinstance(token, str) and 10 <= len(token) <= 100:
        row = session.scalars(select(Invitation).where(
            Invitation.token_hash == token_hash(token))).first()
    if row is None:
        raise NotFound("This link is not valid. It may be out of date: a newer invitation may "
                       "have been sent to you.", {"token": ["Unknown or replaced link."]})
    return row


def public_view(session, row: Invitation) -> dict:
    """What the invited person sees: the panel's purpose and their own answer, nothing else."""
    campaign = session.get(Campaign, row.campaign_id)
    job = session.get(SelectionJob, row.job_id)
    return {"status": row.status, "purpose": campaign.purpose,
            "organisation_id": campaign.organisation_id, "campaign_id": campaign.id,
            "selection_id": row.job_id, "reference": row.registration_id,
            "message": job.invitation_message,
            "answered_at": row.answered_at.isoformat() if row.answered_at else None}


def _leave(session, job: SelectionJob, row: Invitation, status: str) -> dict:
    """A member declined or dropped out: record it, find a replacement and invite them."""
    row.status, row.answered_at = status, now()
    try:
        replaced = jobs.replace(session, job, {"dropped_id": row.registration_id, "seed": None})
    except (Conflict, InvalidInput) as exc:
        return {"replacement_id": None, "message": exc.message}
    if replaced["replacement_id"]:
        row.replaced_by = replaced["replacement_id"]
        _new(session, job, replaced["replacement_id"], replaces=row.registration_id)
    session.flush()
    return replaced


def answer(session, token: str, data: dict) -> dict:
    """The invited person's answer by their link. Accepting twice is harmless; declining is
    final (their place is offered to someone else)."""
    values = validate(PanelInvitationAnswer(), data)
    row = by_token(session, token)
    job = session.get(SelectionJob, row.job_id)
    outcome = {"replacement_id": None}
    if row.status in (DECLINED, DROPPED_OUT):
        raise Conflict("You have already told us you cannot take part, so there is nothing more "
                       "to do. Thank you.")
    if values["answer"] == "accept":
        if row.status != ACCEPTED:
            row.status, row.answered_at = ACCEPTED, now()
    else:
        outcome = _leave(session, job, row, DECLINED)
    return dict(public_view(session, row), replacement_id=outcome["replacement_id"],
                coordinator_id=job.invited_by, declined=values["answer"] == "decline")


def _member(session, job: SelectionJob, registration_id) -> Invitation:
    row = session.scalars(select(Invitation).where(
        Invitation.job_id == job.id, Invitation.registration_id == registration_id,
        Invitation.status.in_(ON_PANEL))).first() if isinstance(registration_id, str) else None
    if row is None:
        raise InvalidInput("That person is not on the invited panel.",
                           {"registration_id": ["Not a member of this panel."]})
    return row


def record_answer(session, job: SelectionJob, data: dict) -> dict:
    """The coordinator records the answer of someone they contacted themselves."""
    values = validate(PanelMemberAnswer(), data)
    if job.invited_at is None:
        raise Conflict("Invite the panel first.")
    row = _member(session, job, values["registration_id"])
    outcome = {"replacement_id": None, "message": ""}
    if values["answer"] == "accept":
        row.status, row.answered_at = ACCEPTED, now()
    else:
        outcome = _leave(session, job, row, DECLINED)
    return dict(summary(session, job), replacement_id=outcome["replacement_id"],
                replacement_message=outcome["message"])


def drop_out(session, job: SelectionJob, data: dict) -> dict:
    """The coordinator's "Find a replacement": on an invited panel the member is marked as
    dropped out and their replacement invited; before that, only the replacement is made.
    Returns what jobs.replace returns."""
    if job.invited_at is None:
        return jobs.replace(session, job, data)
    dropped = data.get("dropped_id") if isinstance(data, dict) else None
    row = session.scalars(select(Invitation).where(
        Invitation.job_id == job.id, Invitation.registration_id == dropped,
        Invitation.status.in_(ON_PANEL))).first() if isinstance(dropped, str) else None
    if row is None:
        return jobs.replace(session, job, data)  # refused there, naming dropped_id
    row.status, row.answered_at = DROPPED_OUT, now()
    replaced = jobs.replace(session, job, data)
    if replaced["replacement_id"]:
        row.replaced_by = replaced["replacement_id"]
        _new(session, job, replaced["replacement_id"], replaces=row.registration_id)
    session.flush()
    return replaced


def resend(session, job: SelectionJob, registration_id: str) -> None:
    """Send a member's link again (a new one: the old link stops working)."""
    row = _member(session, job, registration_id)
    if row.channel != LINK and not row.person_id:
        raise Conflict("We cannot send this person a link: contact them yourself.")
    row.channel, row.sent_at, row.send_failed = LINK, None, False


def summary(session, job: SelectionJob) -> dict:
    """Everyone invited for this selection, current panel first, then those who left."""
    rows = list(session.scalars(select(Invitation).where(Invitation.job_id == job.id)
                                .order_by(Invitation.created_at, Invitation.id)))
    refs = registrations.spreadsheet_ids(session, [r.registration_id for r in rows])
    ways = dict(session.execute(select(Registration.id, Registration.contact_ways).where(
        Registration.id.in_([r.registration_id for r in rows]))).all()) if rows else {}
    members = [{
        "registration_id": r.registration_id, "person_id": r.person_id,
        "spreadsheet_id": refs.get(r.registration_id), "status": r.status,
        "channel": r.channel, "contact_ways": (ways.get(r.registration_id) or "").split(),
        "sent": r.sent_at is not None, "send_failed": bool(r.send_failed),
        "sent_at": r.sent_at.isoformat() if r.sent_at else None,
        "answered_at": r.answered_at.isoformat() if r.answered_at else None,
        "replaced_by": r.replaced_by, "replaces": r.replaces} for r in rows]
    members.sort(key=lambda m: m["status"] not in ON_PANEL)
    counts = {s: sum(1 for m in members if m["status"] == s)
              for s in (INVITED, ACCEPTED, DECLINED, DROPPED_OUT)}
    return {"selection_id": job.id, "invited": job.invited_at is not None,
            "invited_at": job.invited_at.isoformat() if job.invited_at else None,
            "invited_by": job.invited_by, "message": job.invitation_message,
            "members": members, "counts": counts}


STATUS_WORDS = {None: "chosen, not invited yet", INVITED: "invited", ACCEPTED: "accepted",
                DECLINED: "declined", DROPPED_OUT: "dropped out"}


def panel_csv(session, job: SelectionJob) -> str:
    """The panel as a spreadsheet the coordinator can match against theirs: the registration
    reference, the imported spreadsheet's own id, where they stand and whose place they took."""
    jobs.report(job)  # refuses a selection that has not finished
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(["reference", registrations.SPREADSHEET_ID, "status", "took the place of",
                     "replaced by"])
    if job.invited_at is not None:
        for m in summary(session, job)["members"]:
            writer.writerow([m["registration_id"], m["spreadsheet_id"] or "",
                             STATUS_WORDS[m["status"]], m["replaces"] or "",
                             m["replaced_by"] or ""])
        return out.getvalue()
    panel = jobs.current_panel(session, job)
    refs = registrations.spreadsheet_ids(session, panel)
    for registration_id in panel:
        writer.writerow([registration_id, refs.get(registration_id, ""), STATUS_WORDS[None], "",
                         ""])
    return out.getvalue()
