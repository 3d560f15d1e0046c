"""Accounts for tests that go through the gateway: an organisation, invitations and sign-up."""
import re
from pathlib import Path

from involve.kernel.mail import read_outbox
from tests.support.running import Client

ADMIN_EMAIL = "admin@involve.test"
ADMIN_PASSWORD = "a long admin password"
PASSWORD = "correct horse battery"


def make_org(admin, name="Phoenix Futures"):
    status, org = admin.post("/api/v1/organisations", {"name": name})
    assert status == 201, org
    return org["id"]


def last_link(data_dir, path):
    messages = read_outbox(Path(data_dir) / "mail")
    body = messages[-1].get_content()
    return re.search(rf"{re.escape(path)}\?\w+=([\w-]+)", body).group(1), messages[-1]


def invite_and_register(admin, platform, data_dir, org, email, role, name="Sam"):
    status, body = admin.post(f"/api/v1/organisations/{org}/invitations",
                              {"email": email, "name": name, "role": role})
    assert status == 202, body
    token, message = last_link(data_dir, "/register")
    assert message["To"] == email
    status, person = Client(platform).post("/api/v1/auth/register", {
        "invitation": token, "name": name, "email": email, "password": PASSWORD,
        "consents": ["being_contacted"]})
    assert status == 201, person
    return person["id"], token


def new_member(admin, organisation_id, email, roles, password="a long enough password"):
    """Invite-free shortcut: the admin adds a person, then they register via an invitation."""
    status, body = admin.post(f"/api/v1/organisations/{organisation_id}/people",
                              {"name": email.split("@")[0], "email": email, "roles": roles})
    assert status == 201, body
    return body["id"]
