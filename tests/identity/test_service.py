"""The identity service over a real broker (SQLite and PostgreSQL): notify_person as other
services call it, the header facts that come with a page's session check, and names refused
to roles that may not see them."""
from pathlib import Path

import pytest

from involve.kernel.errors import Forbidden, InvalidInput
from involve.kernel.mail import read_outbox

PLATFORM_ADMIN = {"person_id": None, "token_id": None, "platform_admin": True, "roles": {}}
PASSWORD = "a long enough password"


@pytest.fixture
def rpc(service_config, container_factory):
    from nameko.standalone.rpc import ClusterRpcClient

    from involve.identity.service import IdentityService
    from tests.support.running import start_service

    start_service(container_factory, IdentityService)
    with ClusterRpcClient(uri=service_config["AMQP_URI"]) as client:
        yield client


def test_notify_person_fills_the_inbox_the_header_counts_and_the_choice_is_kept(
        rpc, service_config):
    org = rpc.identity.create_organisation(PLATFORM_ADMIN, {"name": "Phoenix Futures"})["id"]
    cara = rpc.identity.register({"name": "Cara Council", "email": "cara@example.org",
                                  "password": PASSWORD, "organisation_id": org})["id"]
    token = rpc.identity.sign_in({"email": "cara@example.org", "password": PASSWORD})[
        "session_token"]
    principal = rpc.identity.authenticate_session(token)
    assert "header" not in principal  # API requests do not pay for the header
    assert rpc.identity.authenticate_session(token, True)["header"] == {
        "name": "Cara Council", "unread_messages": 0}

    told = rpc.identity.notify_person(cara, {"subject": "Your panel", "body": "You were chosen.",
                                             "link": "/account", "organisation_id": org})
    assert told == {"sent": True, "stored": True}
    [email] = [m for m in read_outbox(Path(service_config["DATA_DIR"]) / "mail")
               if m["To"] == "cara@example.org"]
    assert email["Subject"] == "Your panel" and "/account" in email.get_content()
    assert rpc.identity.authenticate_session(token, True)["header"]["unread_messages"] == 1
    assert rpc.identity.me(principal)["unread_messages"] == 1

    assert rpc.identity.set_my_notifications(principal, {"notifications": "inbox_only"}) == {
        "notifications": "inbox_only"}
    assert rpc.identity.notify_person(cara, {"subject": "Again", "body": "Quietly."}) == {
        "sent": False, "stored": True}
    assert len([m for m in read_outbox(Path(service_config["DATA_DIR"]) / "mail")
                if m["To"] == "cara@example.org"]) == 1
    inbox = rpc.identity.my_messages(principal)
    assert [m["subject"] for m in inbox] == ["Again", "Your panel"]
    assert rpc.identity.mark_my_messages_read(principal) == {"marked_read": 2}
    assert rpc.identity.me(principal)["unread_messages"] == 0
    # an older caller (feedback today) sends subject and body only: still works
    assert rpc.identity.notify_person("unknown-person", {"subject": "s", "body": "b"}) == {
        "sent": False, "stored": False}
    with pytest.raises(InvalidInput):
        rpc.identity.notify_person(cara, {"subject": "s", "body": "b", "link": "http://x.example"})


def test_names_only_for_roles_allowed_to_see_them(rpc):
    org = rpc.identity.create_organisation(PLATFORM_ADMIN, {"name": "Riverside"})["id"]
    cara = rpc.identity.create_person(PLATFORM_ADMIN, org, {
        "name": "Cara Council", "roles": ["council_member"]})["id"]
    for role in ("staff", "moderator", "council_member", "volunteer"):
        refused = {"person_id": "x", "token_id": None, "platform_admin": False,
                   "roles": {org: [role]}}
        with pytest.raises(Forbidden):
            rpc.identity.people_names(refused, org, [cara])
        with pytest.raises(Forbidden):
            rpc.identity.people_directory(refused, org, {})
    token = {"person_id": None, "token_id": "t", "platform_admin": False, "roles": {},
             "token_scope": {"organisation_id": org, "permissions": ["people.read"]}}
    with pytest.raises(Forbidden):
        rpc.identity.people_names(token, org, [cara])
    commissioner = {"person_id": "c", "token_id": None, "platform_admin": False,
                    "roles": {org: ["commissioner"]}}
    assert rpc.identity.people_names(commissioner, org, [cara], "the report") == {
        cara: "Cara Council"}
    assert [p["name"] for p in rpc.identity.people_directory(
        commissioner, org, {"roles": ["council_member"]})] == ["Cara Council"]
    reads = [e for e in rpc.identity.audit_log(PLATFORM_ADMIN, org) if e["action"] == "names.read"]
    assert [e["actor"] for e in reads] == ["person:c", "person:c"]
    assert reads[1]["reason"] == "the report (1 person)"
