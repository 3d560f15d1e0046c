"""Identity and access end to end through the gateway, against real RabbitMQ and databases."""
import urllib.request

from sqlalchemy import select, text

from involve.identity.models import Person
from tests.support.accounts import ADMIN_EMAIL, PASSWORD, invite_and_register, last_link, make_org
from tests.support.running import Client


def test_care_services_belong_to_their_organisation(platform, admin):
    org = make_org(admin)
    status, service = admin.post(f"/api/v1/organisations/{org}/care-services", {
        "name": "Sheffield Primary Care Addiction Service", "kind": "addiction",
        "region": "Yorkshire", "public_phone": "0114 000 0000"})
    assert status == 201, service
    assert admin.get(f"/api/v1/organisations/{org}/care-services")[1] == [service]
    status, changed = admin.patch(f"/api/v1/organisations/{org}/care-services/{service['id']}",
                                  {"region": "South Yorkshire"})
    assert status == 200 and changed["region"] == "South Yorkshire" and changed["name"] == service["name"]
    status, body = admin.post(f"/api/v1/organisations/{org}/care-services",
                              {"name": "X", "kind": "hospital", "website": "not a url"})
    assert status == 422 and set(body["error"]["fields"]) == {"kind", "website"}


def test_invitation_registration_sign_in_and_my_account(platform, admin, service_config):
    org = make_org(admin)
    person_id, token = invite_and_register(admin, platform, service_config["DATA_DIR"], org,
                                           "sam@example.org", "council_member")
    # the link works once
    status, body = Client(platform).post("/api/v1/auth/register", {
        "invitation": token, "name": "Eve", "email": "eve@example.org", "password": PASSWORD})
    assert status == 400 and "token" in body["error"]["fields"]

    sam = Client(platform).sign_in("sam@example.org", PASSWORD)
    status, me = sam.get("/api/v1/me")
    assert status == 200
    assert me["id"] == person_id and me["roles"] == {org: ["council_member"]}
    assert me["consents"]["being_contacted"]["given"] is True
    status, changed = sam.put("/api/v1/me/consents", {"purpose": "being_contacted", "given": False})
    assert status == 200 and changed["given"] is False
    assert sam.get("/api/v1/me")[1]["consents"]["being_contacted"]["given"] is False
    # council members may not manage people
    status, body = sam.post(f"/api/v1/organisations/{org}/people", {"name": "X"})
    assert status == 403
    # signing out ends the session at once
    assert sam.post("/api/v1/auth/sign-out")[0] == 200
    assert sam.get("/api/v1/me")[0] == 401


def test_contact_details_are_encrypted_at_rest_and_reads_are_audited(platform, admin,
                                                                     identity_sessions):
    org = make_org(admin)
    status, person = admin.post(f"/api/v1/organisations/{org}/people", {
        "name": "Zebedee Quixotic", "email": "zebedee.quixotic@example.org",
        "phone": "07700 900461", "roles": ["volunteer"]})
    assert status == 201
    with identity_sessions() as session:
        dumped = " ".join(str(v) for row in session.execute(text("SELECT * FROM people")).all()
                          for v in row)
    for secret in ("Zebedee", "zebedee.quixotic", "07700 900461"):
        assert secret not in dumped
    status, listed = admin.get(f"/api/v1/organisations/{org}/people")
    assert listed == [{"id": person["id"], "roles": ["volunteer"]}]  # no contact details
    status, body = admin.get(f"/api/v1/organisations/{org}/people/{person['id']}")
    assert status == 422 and "reason" in body["error"]["fields"]
    status, detail = admin.get(f"/api/v1/organisations/{org}/people/{person['id']}"
                               "?reason=arranging+a+panel+meeting")
    assert status == 200 and detail["contact"]["name"] == "Zebedee Quixotic"
    status, log = admin.get(f"/api/v1/organisations/{org}/audit")
    reads = [e for e in log if e["action"] == "contact.read"]
    assert reads and reads[0]["reason"] == "arranging a panel meeting"
    assert reads[0]["subject_person_id"] == person["id"]


def test_sign_in_is_throttled_after_repeated_failures(platform, admin):
    client = Client(platform)
    statuses = [client.post("/api/v1/auth/sign-in", {"email": ADMIN_EMAIL, "password": "wrong one"})[0]
                for _ in range(6)]
    assert statuses[:5] == [401] * 5
    assert statuses[5] == 429
    # even the right password is refused while throttled
    status, body = client.post("/api/v1/auth/sign-in",
                               {"email": ADMIN_EMAIL, "password": "a long admin password"})
    assert status == 429 and "wait" in body["error"]["message"]


def test_a_cookie_request_without_the_csrf_token_is_refused(platform, admin):
    status, body = admin.post("/api/v1/organisations", {"name": "Forged Org"}, csrf=False)
    assert status == 403 and "csrf_token" in body["error"]["fields"]
    assert [o["name"] for o in admin.get("/api/v1/organisations")[1]] == []


def test_password_reset_by_single_use_link(platform, admin, service_config):
    org = make_org(admin)
    invite_and_register(admin, platform, service_config["DATA_DIR"], org, "kim@example.org", "staff")
    old_session = Client(platform).sign_in("kim@example.org", PASSWORD)
    # the same answer whether or not the email has an account
    assert Client(platform).post("/api/v1/auth/password-reset", {"email": "nobody@example.org"})[0] == 202
    assert Client(platform).post("/api/v1/auth/password-reset", {"email": "kim@example.org"})[0] == 202
    token, message = last_link(service_config["DATA_DIR"], "/reset-password")
    assert message["To"] == "kim@example.org"
    new_password = "a brand new password"
    confirm = {"token": token, "password": new_password}
    assert Client(platform).post("/api/v1/auth/password-reset/confirm", confirm)[0] == 200
    assert Client(platform).post("/api/v1/auth/password-reset/confirm", confirm)[0] == 400
    assert old_session.get("/api/v1/me")[0] == 401  # sessions end when the password changes
    Client(platform).sign_in("kim@example.org", new_password)
    assert Client(platform).post("/api/v1/auth/sign-in",
                                 {"email": "kim@example.org", "password": PASSWORD})[0] == 401


def test_api_tokens_are_scoped_and_revoked_at_once(platform, admin):
    org, other = make_org(admin), make_org(admin, "Turning Point")
    status, created = admin.post(f"/api/v1/organisations/{org}/tokens",
                                 {"name": "reporting export", "permissions": ["care_services.read"]})
    assert status == 201 and created["token"].startswith("inv_")
    listed = admin.get(f"/api/v1/organisations/{org}/tokens")[1]
    assert "token" not in listed[0] or not listed[0].get("token")  # never shown again
    integrator = Client(platform, token=created["token"])
    assert integrator.get(f"/api/v1/organisations/{org}/care-services")[0] == 200
    assert integrator.get(f"/api/v1/organisations/{other}/care-services")[0] == 403
    assert integrator.post(f"/api/v1/organisations/{org}/care-services",
                           {"name": "X", "kind": "other"})[0] == 403  # not in its permissions
    assert admin.delete(f"/api/v1/organisations/{org}/tokens/{created['id']}")[0] == 200
    assert integrator.get(f"/api/v1/organisations/{org}/care-services")[0] == 401
    assert Client(platform, token="inv_made_up").get("/api/v1/me")[0] == 401


def test_export_and_erasure(platform, admin, service_config, identity_sessions, identity_events):
    org = make_org(admin)
    person_id, _ = invite_and_register(admin, platform, service_config["DATA_DIR"], org,
                                       "rowan@example.org", "service_user", name="Rowan Example")
    rowan = Client(platform).sign_in("rowan@example.org", PASSWORD)
    status, exported = rowan.get("/api/v1/me/export")
    assert status == 200
    assert exported["id"] == person_id and exported["contact"]["name"] == "Rowan Example"
    assert exported["roles"] == {org: ["service_user"]}
    status, body = rowan.post("/api/v1/me/erase", {"confirm": False})
    assert status == 422 and "confirm" in body["error"]["fields"]
    assert rowan.post("/api/v1/me/erase", {"confirm": True})[0] == 200
    with identity_sessions() as session:
        person = session.get(Person, person_id)
        assert person.contact is None and person.email_lookup is None and person.erased_at
        assert session.execute(text("SELECT count(*) FROM accounts WHERE person_id = :p"),
                               {"p": person_id}).scalar() == 0
        assert session.scalars(select(Person.id).where(Person.id == person_id)).all() == [person_id]
    assert Client(platform).post("/api/v1/auth/sign-in",
                                 {"email": "rowan@example.org", "password": PASSWORD})[0] == 401
    events = identity_events(10, timeout=3)
    erased = [e for e in events if e["type"] == "involve.identity.person.erased.v1"]
    assert len(erased) == 1 and erased[0]["data"]["person_id"] == person_id
    assert admin.get(f"/api/v1/organisations/{org}/people")[1] == []


def test_self_registration_needs_a_real_organisation(platform, admin):
    org = make_org(admin)
    status, body = Client(platform).post("/api/v1/auth/register", {
        "name": "Lee", "email": "lee@example.org", "password": PASSWORD})
    assert status == 422 and "organisation_id" in body["error"]["fields"]
    status, body = Client(platform).post("/api/v1/auth/register", {
        "name": "Lee", "email": "lee@example.org", "password": "short", "organisation_id": org})
    assert status == 422 and "password" in body["error"]["fields"]
    status, body = Client(platform).post("/api/v1/auth/register", {
        "name": "Lee", "email": "lee@example.org", "password": PASSWORD, "organisation_id": org})
    assert status == 201 and body["roles"] == ["service_user"]
    status, body = Client(platform).post("/api/v1/auth/register", {
        "name": "Lee again", "email": "LEE@example.org", "password": PASSWORD, "organisation_id": org})
    assert status == 409 and "email" in body["error"]["fields"]


def test_anonymous_writes_are_limited_per_client(platform, service_config):
    """One client cannot flood inboxes with reset emails (or fill the database)."""
    from involve.gateway.web import ratelimit

    ratelimit._seen.clear()  # the gateway runs in this test process; start from a clean count
    with service_config.patch({"ANONYMOUS_WRITES_PER_MINUTE": 3}):
        client = Client(platform)
        statuses = [client.post("/api/v1/auth/password-reset", {"email": "x@example.org"})[0]
                    for _ in range(4)]
        status, body = client.post("/api/v1/auth/password-reset", {"email": "x@example.org"})
    assert statuses == [202, 202, 202, 429]
    assert status == 429 and "Please wait" in body["error"]["message"]


def _gateway_with_its_cache(container_factory):
    """A second gateway instance in its own container; returns (base URL, its principal cache),
    once its cache listens for identity's broadcasts."""
    import time

    from nameko import config

    from involve.cli.rabbit import free_port
    from involve.gateway.service import GatewayService
    from involve.gateway.web.principals import PrincipalCache

    port = free_port()
    with config.patch({"WEB_SERVER_ADDRESS": f"127.0.0.1:{port}"}):
        container = container_factory(GatewayService)
        container.start()
    cache = next(d for d in container.dependencies if isinstance(d, PrincipalCache))
    deadline = time.monotonic() + 30
    while not cache.connected:
        assert time.monotonic() < deadline, "the principal cache never connected"
        time.sleep(0.05)
    return f"http://127.0.0.1:{port}", cache


def test_a_token_revoked_through_one_gateway_is_refused_by_another(platform, admin,
                                                                   container_factory):
    other, cache = _gateway_with_its_cache(container_factory)
    org = make_org(admin)
    created = admin.post(f"/api/v1/organisations/{org}/tokens",
                         {"name": "dashboard", "permissions": ["care_services.read"]})[1]
    read = f"/api/v1/organisations/{org}/care-services"
    here, there = Client(platform, token=created["token"]), Client(other, token=created["token"])
    assert here.get(read)[0] == there.get(read)[0] == 200
    assert there.get(read)[0] == 200
    held = [p for _, p in cache.entries.values() if p.get("token_id") == created["id"]]
    assert len(held) == 1  # the other gateway answers from its cache now
    # revoked through the first gateway (the platform's), refused by the second at once
    assert admin.delete(f"/api/v1/organisations/{org}/tokens/{created['id']}")[0] == 200
    assert there.get(read)[0] == 401
    assert here.get(read)[0] == 401


def test_signing_out_and_losing_a_role_end_access_through_every_gateway(platform, admin,
                                                                        container_factory,
                                                                        service_config):
    other, cache = _gateway_with_its_cache(container_factory)
    org = make_org(admin)
    person_id, _ = invite_and_register(admin, platform, service_config["DATA_DIR"], org,
                                       "lee@example.org", "admin")
    lee = Client(platform).sign_in("lee@example.org", PASSWORD)
    lee_there = Client(other)  # the same browser (its cookie) on the other gateway
    lee_there.jar, lee_there.csrf = lee.jar, lee.csrf
    lee_there.opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(lee.jar))
    tokens = f"/api/v1/organisations/{org}/tokens"
    assert lee_there.get(tokens)[0] == 200 and lee_there.get(tokens)[0] == 200
    assert any(p.get("person_id") == person_id for _, p in cache.entries.values())
    assert admin.put(f"/api/v1/organisations/{org}/people/{person_id}/roles",
                     {"roles": ["volunteer"]})[0] == 200
    assert lee_there.get(tokens)[0] == 403  # no longer an admin there, at once
    assert lee.post("/api/v1/auth/sign-out")[0] == 200
    assert lee_there.get("/api/v1/me")[0] == 401
