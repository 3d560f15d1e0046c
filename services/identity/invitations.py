"""Invitations: an email with a single-use link to create an account with a role in an
organisation. Kept so administrators can see who has not answered, resend and cancel.

The invitee's name and email are encrypted like contact details and cleared once the invitation
is accepted or cancelled. Every resend makes a new link and ends the old one.
"""
from __future__ import annotations

import uuid
from datetime import timedelta

from sqlalchemy import select, update

from involve.kernel.db import now
from involve.kernel.errors import Conflict, NotFound
from involve.kernel.policy import ROLE_DESCRIPTIONS, ROLE_NAMES, allowed
from involve.kernel.schemas import validate

from . import audit, links
from .contract import Invitation as InvitationInput
from .crypto import Keys
from .models import Invitation, OneTimeLink, Organisation

DAYS = 14
_input = InvitationInput()
# "... invited you to join Involve as <this>."
ROLE_AS = {"service_user": "someone who uses its services", "volunteer": "a volunteer",
           "council_member": "a council member", "staff": "a member of staff",
           "responder": "someone who answers stories", "moderator": "a moderator",
           "commissioner": "a commissioner", "involvement_lead": "an involvement lead",
           "admin": "an administrator"}
assert set(ROLE_AS) == set(ROLE_NAMES)


def _as(role: str) -> str:
    """The audit log's words for an invitation: the role as the admin's pages name it."""
    return f"invited as {ROLE_NAMES.get(role, role)}"


def _day(moment) -> str:
    return f"{moment.day} {moment:%B %Y}"


def _organisation(session, organisation_id: str) -> Organisation:
    organisation = session.get(Organisation, organisation_id)
    if organisation is None:
        raise NotFound("We could not find that organisation.", {"organisation_id": ["Unknown id."]})
    return organisation


def _email(mailer, organisation: Organisation, role: str, name: str, email: str, token: str,
           expires_at, base_url: str) -> None:
    mailer(email, f"You are invited to join {organisation.name} on Involve",
           f"Hello {name},\n\n"
           f"{organisation.name} has invited you to join Involve as {ROLE_AS[role]}.\n"
           f"On Involve you will be able to {ROLE_DESCRIPTIONS[role]}.\n\n"
           f"Create your account here. The link works once, until {_day(expires_at)}:\n\n"
           f"{base_url}/register?invitation={token}\n\n"
           "If you were not expecting this, you can ignore this email.\n")


def _new_link(session, invitation: Invitation) -> str:
    return links.make(session, "invitation", invitation.expires_at - now(),
                      organisation_id=invitation.organisation_id, role=invitation.role,
                      invitation_id=invitation.id)


def _end_links(session, invitation_id: str) -> None:
    session.execute(update(OneTimeLink).where(OneTimeLink.invitation_id == invitation_id,
                                              OneTimeLink.used_at.is_(None))
                    .values(used_at=now()))


def invite(session, keys: Keys, mailer, principal, organisation_id: str, data: dict,
           base_url: str) -> dict:
    values = validate(_input, data)
    organisation = _organisation(session, organisation_id)
    invitation = Invitation(
        id=str(uuid.uuid4()), organisation_id=organisation_id, role=values["role"],
        contact=keys.encrypt({"name": values["name"], "email": values["email"]}),
        status="pending", invited_by=audit.actor_of(principal), created_at=now(),
        last_sent_at=now(), times_sent=1, expires_at=now() + timedelta(days=DAYS))
    session.add(invitation)
    session.flush()
    token = _new_link(session, invitation)
    audit.record(session, principal, "invitation.sent", _as(values["role"]), None, organisation_id)
    _email(mailer, organisation, values["role"], values["name"], values["email"], token,
           invitation.expires_at, base_url)
    return {"sent": True, "expires_in_days": DAYS, "id": invitation.id}


def _view(keys: Keys, invitation: Invitation, with_names: bool) -> dict:
    contact = keys.decrypt(invitation.contact) if with_names else {}
    return {"id": invitation.id, "name": contact.get("name"), "email": contact.get("email"),
            "role": invitation.role, "status": invitation.status,
            "expired": invitation.expires_at < now(),
            "created_at": invitation.created_at.isoformat(),
            "last_sent_at": invitation.last_sent_at.isoformat(),
            "times_sent": invitation.times_sent, "expires_at": invitation.expires_at.isoformat()}


def pending(session, keys: Keys, principal, organisation_id: str) -> list[dict]:
    """The invitations nobody has answered yet, newest first (expired ones too, to resend).
    Names and emails only for those allowed to see people by name; the read is audited."""
    _organisation(session, organisation_id)
    rows = list(session.scalars(select(Invitation).where(
        Invitation.organisation_id == organisation_id, Invitation.status == "pending")
        .order_by(Invitation.created_at.desc(), Invitation.id)))
    with_names = allowed(principal, "people.names", organisation_id)
    if rows and with_names:
        audit.record(session, principal, "invitations.read",
                     f"pending invitations listed ({len(rows)})", None, organisation_id)
    return [_view(keys, row, with_names) for row in rows]


def _pending(session, organisation_id: str, invitation_id: str) -> Invitation:
    invitation = session.get(Invitation, invitation_id) if isinstance(invitation_id, str) else None
    if invitation is None or invitation.organisation_id != organisation_id:
        raise NotFound("We could not find that invitation.", {"invitation_id": ["Unknown id."]})
    if invitation.status != "pending":
        raise Conflict(f"This invitation has already been {invitation.status}, so it cannot "
                       "be changed.", {"invitation_id": [f"Already {invitation.status}."]})
    return invitation


def resend(session, keys: Keys, mailer, principal, organisation_id: str, invitation_id: str,
           base_url: str) -> dict:
    """A new link (the old one stops working), valid for another DAYS days, emailed again."""
    invitation = _pending(session, organisation_id, invitation_id)
    _end_links(session, invitation.id)
    invitation.expires_at = now() + timedelta(days=DAYS)
    invitation.last_sent_at = now()
    invitation.times_sent += 1
    token = _new_link(session, invitation)
    contact = keys.decrypt(invitation.contact)
    audit.record(session, principal, "invitation.resent", _as(invitation.role), None,
                 organisation_id)
    _email(mailer, _organisation(session, organisation_id), invitation.role, contact["name"],
           contact["email"], token, invitation.expires_at, base_url)
    return _view(keys, invitation, allowed(principal, "people.names", organisation_id))


def cancel(session, keys: Keys, principal, organisation_id: str, invitation_id: str) -> dict:
    """The link stops working at once; the invitee's name and email are forgotten."""
    invitation = _pending(session, organisation_id, invitation_id)
    _end_links(session, invitation.id)
    view = _view(keys, invitation, allowed(principal, "people.names", organisation_id))
    invitation.status = "cancelled"
    invitation.answered_at = now()
    invitation.contact = None
    audit.record(session, principal, "invitation.cancelled", _as(invitation.role), None,
                 organisation_id)
    return {**view, "status": "cancelled"}


def accepted(session, link: OneTimeLink, person_id: str) -> None:
    """Registration used the invitation's link: it is answered, its copy of the contact goes."""
    if not link.invitation_id:
        return
    invitation = session.get(Invitation, link.invitation_id)
    if invitation is not None and invitation.status == "pending":
        invitation.status = "accepted"
        invitation.answered_at = now()
        invitation.person_id = person_id
        invitation.contact = None


def details(session, keys: Keys, token) -> dict:
    """What the sign-up page says about an invitation, for whoever holds its link: which
    organisation, as what, and the name and email it was sent to (to fill in the form)."""
    link = links.find(session, "invitation", token)
    organisation = _organisation(session, link.organisation_id)
    invitation = session.get(Invitation, link.invitation_id) if link.invitation_id else None
    contact = keys.decrypt(invitation.contact) if invitation is not None else {}
    return {"organisation_id": organisation.id, "organisation_name": organisation.name,
            "role": link.role, "role_name": ROLE_NAMES.get(link.role, link.role),
            "role_as": ROLE_AS.get(link.role, link.role),
            "role_description": ROLE_DESCRIPTIONS.get(link.role, ""),
            "name": contact.get("name"), "email": contact.get("email"),
            "expires_at": link.expires_at.isoformat()}
