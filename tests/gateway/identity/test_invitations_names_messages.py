"""Through the gateway: pending invitations listed, sent again and cancelled; people by name
for the roles allowed (never for a token or staff); messages on Involve and the choice of
email, with the count in My account."""
from pathlib import Path

from nameko.standalone.rpc import ClusterRpcClient

from involve.kernel.mail import read_outbox
from involve.kernel.policy import TOKEN_PERMISSIONS
from tests.support.accounts import PASSWORD, invite_and_register, last_link, make_org
from tests.support.running import Client


def emails_to(data_dir, address):
    return [m for m in read_outbox(Path(data_dir) / "mail") if m["To"] == address]


def test_invitations_are_listed_resent_and_cancelled(platform, admin, service_config):
    org = make_org(admin)
    api, data_dir = f"/api/v1/organisations/{org}", service_config["DATA_DIR"]
    status, cara = admin.post(f"{api}/invitations", {
        "name": "Cara Council", "email": "cara@example.org", "role": "council_member"})
    assert status == 202 and cara["sent"] is True
    first_link, message = last_link(data_dir, "/register")
    assert "as a council member" in message.get_content()
    dan = admin.post(f"{api}/invitations", {"name": "Dan Dupe", "email": "dan@example.org",
                                            "role": "volunteer"})[1]
    status, pending = admin.get(f"{api}/invitations")
    assert status == 200
    assert [(i["name"], i["email"], i["role"]) for i in pending] == [
        ("Dan Dupe", "dan@example.org", "volunteer"),
        ("Cara Council", "cara@example.org", "council_member")]

    status, again = admin.post(f"{api}/invitations/{cara['id']}/resend")
    assert status == 200 and again["times_sent"] == 2
    new_link, _ = last_link(data_dir, "/register")
    assert len(emails_to(data_dir, "cara@example.org")) == 2
    status, cancelled = admin.delete(f"{api}/invitations/{dan['id']}")
    assert status == 200 and cancelled["status"] == "cancelled"
    assert admin.delete(f"{api}/invitations/{dan['id']}")[0] == 409
    assert admin.post(f"{api}/invitations/no-such-invitation/resend")[0] == 404

    register = {"name": "Cara Council", "email": "cara@example.org", "password": PASSWORD}
    assert Client(platform).post("/api/v1/auth/register",
                                 {**register, "invitation": first_link})[0] == 400
    status, person = Client(platform).post("/api/v1/auth/register",
                                           {**register, "invitation": new_link})
    assert status == 201 and person["roles"] == ["council_member"]
    assert admin.get(f"{api}/invitations")[1] == []
    actions = [e["action"] for e in admin.get(f"{api}/audit")[1]]
    for action in ("invitation.sent", "invitation.resent", "invitation.cancelled",
                   "invitations.read"):
        assert action in actions


def test_names_for_those_allowed_ids_for_everyone_else(platform, admin, service_config):
    org = make_org(admin)
    api, data_dir = f"/api/v1/organisations/{org}", service_config["DATA_DIR"]
    invite_and_register(admin, platform, data_dir, org, "cara@example.org", "council_member",
                        name="Cara Council")
    invite_and_register(admin, platform, data_dir, org, "sid@example.org", "staff", name="Sid")
    invite_and_register(admin, platform, data_dir, org, "cy@example.org", "commissioner",
                        name="Cy Commissioner")
    status, found = admin.get(f"{api}/directory?roles=council_member&purpose=being_contacted")
    assert status == 200
    assert [(p["name"], p["roles"], p["agreed"]) for p in found] == [
        ("Cara Council", ["council_member"], True)]  # she agreed when she registered
    cy = Client(platform).sign_in("cy@example.org", PASSWORD)
    assert [p["name"] for p in cy.get(f"{api}/directory?q=cara")[1]] == ["Cara Council"]
    sid = Client(platform).sign_in("sid@example.org", PASSWORD)
    assert sid.get(f"{api}/directory")[0] == 403
    assert sid.get(f"{api}/people")[0] == 200  # staff still see the list, by id only
    token = admin.post(f"{api}/tokens", {"name": "all", "permissions": TOKEN_PERMISSIONS})[1]
    assert Client(platform, token=token["token"]).get(f"{api}/directory")[0] == 403
    status, body = admin.get(f"{api}/directory?roles=wizard")
    assert status == 422 and "roles" in body["error"]["fields"]
    reads = [e for e in admin.get(f"{api}/audit")[1] if e["action"] == "names.read"]
    assert [e["people_count"] for e in reads] == [1, 1]
    assert all("Cara" not in e["reason"] for e in reads)


def test_messages_and_the_choice_of_email(platform, admin, service_config):
    org = make_org(admin)
    data_dir = service_config["DATA_DIR"]
    cara_id, _ = invite_and_register(admin, platform, data_dir, org, "cara@example.org",
                                     "council_member", name="Cara Council")
    cara = Client(platform).sign_in("cara@example.org", PASSWORD)
    assert cara.get("/api/v1/me")[1]["notifications"] == "email_and_inbox"
    status, body = cara.put("/api/v1/me/notifications", {"notifications": "sometimes"})
    assert status == 422 and "notifications" in body["error"]["fields"]
    assert cara.put("/api/v1/me/notifications", {"notifications": "inbox_only"}) == (
        200, {"notifications": "inbox_only"})
    before = len(emails_to(data_dir, "cara@example.org"))
    with ClusterRpcClient(uri=service_config["AMQP_URI"]) as rpc:
        told = rpc.identity.notify_person(cara_id, {
            "subject": "You have been chosen", "body": "Please say if you can come.",
            "link": "/account", "organisation_id": org})
    assert told == {"sent": False, "stored": True}
    assert len(emails_to(data_dir, "cara@example.org")) == before  # inbox only: no email
    me = cara.get("/api/v1/me")[1]
    assert me["unread_messages"] == 1
    [message] = cara.get("/api/v1/me/messages")[1]
    assert message["subject"] == "You have been chosen" and message["link"] == "/account"
    assert message["organisation_name"] == "Phoenix Futures" and message["emailed"] is False
    # nobody else can read or mark it: it is simply not found for them
    assert admin.post(f"/api/v1/me/messages/{message['id']}/read")[0] == 404
    status, opened = cara.post(f"/api/v1/me/messages/{message['id']}/read")
    assert status == 200 and opened["body"] == "Please say if you can come."
    assert cara.get("/api/v1/me")[1]["unread_messages"] == 0
    assert cara.post("/api/v1/me/messages/read") == (200, {"marked_read": 0})
