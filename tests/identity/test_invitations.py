"""Invitations kept so administrators can see who has not answered, send them again (a new
link; the old one stops) and cancel them; the role is said in the email and on sign-up."""
import re

import pytest
from sqlalchemy import text

from involve.identity import accounts, audit, invitations
from involve.kernel.db import transaction
from involve.kernel.errors import BadRequest, Conflict, NotFound

BASE = "https://involve.example"


class Mailbox(list):
    def __call__(self, to, subject, body):
        self.append((to, subject, body))

    def token(self, index=-1):
        return re.search(r"/register\?invitation=([\w-]+)", self[index][2]).group(1)


@pytest.fixture
def admin(organisation):
    return {"person_id": "admin-id", "token_id": None, "platform_admin": False,
            "roles": {organisation: ["admin"]}}


def invite(sessions, keys, mail, admin, organisation, name, email, role):
    with transaction(sessions) as session:
        return invitations.invite(session, keys, mail, admin, organisation,
                                  {"name": name, "email": email, "role": role}, BASE)


def register(sessions, keys, record, token, name="Cara Council", email="cara@example.org"):
    with transaction(sessions) as session:
        return accounts.register(session, keys, record, {
            "invitation": token, "name": name, "email": email,
            "password": "a long enough password"})


def test_the_invitation_says_the_role_and_is_listed_until_answered(identity_db, keys, record,
                                                                   organisation, admin):
    mail = Mailbox()
    made = invite(identity_db, keys, mail, admin, organisation, "Cara Council",
                  "cara@example.org", "council_member")
    assert made["sent"] is True and made["expires_in_days"] == 14
    to, subject, body = mail[0]
    assert to == "cara@example.org" and subject == "You are invited to join Riverside Recovery on Involve"
    assert "Hello Cara Council" in body
    assert "has invited you to join Involve as a council member" in body
    assert "check the changes services say they have made" in body  # what the role does
    with transaction(identity_db) as session:
        details = invitations.details(session, keys, mail.token())
        [pending] = invitations.pending(session, keys, admin, organisation)
    assert details["organisation_name"] == "Riverside Recovery" and details["role"] == "council_member"
    assert details["role_name"] == "Council member" and details["role_as"] == "a council member"
    assert (details["name"], details["email"]) == ("Cara Council", "cara@example.org")
    assert pending["id"] == made["id"] and pending["name"] == "Cara Council"
    assert pending["email"] == "cara@example.org" and pending["role"] == "council_member"
    assert pending["status"] == "pending" and pending["expired"] is False
    with identity_db() as session:  # the invitee's details are encrypted at rest
        stored = " ".join(str(v) for row in session.execute(text("SELECT * FROM invitations"))
                          for v in row)
    assert "Cara" not in stored and "cara@example.org" not in stored

    person = register(identity_db, keys, record, mail.token())
    assert person["roles"] == ["council_member"]
    with transaction(identity_db) as session:
        assert invitations.pending(session, keys, admin, organisation) == []
        with pytest.raises(BadRequest):
            invitations.details(session, keys, mail.token())  # used
    with identity_db() as session:
        row = session.execute(text("SELECT status, contact, person_id FROM invitations")).one()
    assert tuple(row) == ("accepted", None, person["id"])  # the copy of her details is gone


def test_sending_again_makes_a_new_link_and_ends_the_old_one(identity_db, keys, record,
                                                             organisation, admin):
    mail = Mailbox()
    made = invite(identity_db, keys, mail, admin, organisation, "Dev Done", "dev@example.org",
                  "volunteer")
    old = mail.token()
    with transaction(identity_db) as session:
        again = invitations.resend(session, keys, mail, admin, organisation, made["id"], BASE)
    assert again["times_sent"] == 2 and len(mail) == 2 and mail[1][0] == "dev@example.org"
    new = mail.token()
    assert new != old
    with pytest.raises(BadRequest):
        register(identity_db, keys, record, old, name="Dev Done", email="dev@example.org")
    assert register(identity_db, keys, record, new, name="Dev Done",
                    email="dev@example.org")["roles"] == ["volunteer"]
    with transaction(identity_db) as session, pytest.raises(Conflict):
        invitations.resend(session, keys, mail, admin, organisation, made["id"], BASE)


def test_a_cancelled_invitation_cannot_be_used_and_its_details_are_forgotten(
        identity_db, keys, record, organisation, admin):
    mail = Mailbox()
    made = invite(identity_db, keys, mail, admin, organisation, "Eve Early", "eve@example.org",
                  "staff")
    with transaction(identity_db) as session:
        cancelled = invitations.cancel(session, keys, admin, organisation, made["id"])
    assert cancelled["status"] == "cancelled" and cancelled["name"] == "Eve Early"
    with pytest.raises(BadRequest):
        register(identity_db, keys, record, mail.token(), name="Eve", email="eve@example.org")
    with transaction(identity_db) as session:
        assert invitations.pending(session, keys, admin, organisation) == []
        with pytest.raises(Conflict):
            invitations.cancel(session, keys, admin, organisation, made["id"])
    with transaction(identity_db) as session, pytest.raises(NotFound):
        invitations.cancel(session, keys, admin, "another-organisation", made["id"])
    with identity_db() as session:
        assert session.execute(text("SELECT contact FROM invitations")).scalar() is None
        entries = audit.entries(session, organisation)
    assert [e["action"] for e in entries] == ["invitation.cancelled", "invitation.sent"]
    # in the admin's words (the audit log page shows them), never the role's code
    assert [e["reason"] for e in entries] == ["invited as Staff"] * 2


def test_people_who_may_not_see_names_see_invitations_without_them(identity_db, keys,
                                                                    organisation, admin):
    invite(identity_db, keys, Mailbox(), admin, organisation, "Fay Far", "fay@example.org",
           "volunteer")
    staff = {"person_id": "s", "token_id": None, "platform_admin": False,
             "roles": {organisation: ["staff"]}}
    with transaction(identity_db) as session:
        [listed] = invitations.pending(session, keys, staff, organisation)
    assert listed["name"] is None and listed["email"] is None and listed["role"] == "volunteer"
