"""No contact detail, password or token ever appears in a log line or an event.

Distinctive values are seeded through every identity flow; then everything the logs (at DEBUG,
every logger) and the identity events carried is scanned for them.
"""
import json
import logging

from nameko.standalone.rpc import ClusterRpcClient

from tests.support.accounts import last_link, make_org
from tests.support.running import Client

NAME = "Xylophone Quagmire"
EMAIL = "xylo.quagmire@example.org"
PHONE = "07700 123987"
ADDRESS = "12 Zanzibar Crescent"
PASSWORD = "Pa55word-Unique-991"
NEW_PASSWORD = "Another-Unique-Pa55-442"


def test_personal_data_stays_out_of_logs_and_events(platform, admin, service_config, caplog,
                                                    identity_events):
    caplog.set_level(logging.DEBUG)
    org = make_org(admin)
    data_dir = service_config["DATA_DIR"]
    admin.post(f"/api/v1/organisations/{org}/invitations",
               {"email": EMAIL, "name": NAME, "role": "volunteer"})
    invitation, _ = last_link(data_dir, "/register")
    admin.get(f"/api/v1/organisations/{org}/invitations")
    admin.get(f"/register?invitation={invitation}")
    status, person = Client(platform).post("/api/v1/auth/register", {
        "invitation": invitation, "name": NAME, "email": EMAIL, "phone": PHONE,
        "address": ADDRESS, "password": PASSWORD, "consents": ["panel_selection"]})
    assert status == 201
    Client(platform).post("/api/v1/auth/sign-in", {"email": EMAIL, "password": "wrong password!"})
    person_client = Client(platform).sign_in(EMAIL, PASSWORD)
    admin.get(f"/api/v1/organisations/{org}/directory?q=xylophone")
    admin.get(f"/admin/organisations/{org}/people")
    with ClusterRpcClient(uri=service_config["AMQP_URI"]) as rpc:  # a message about them
        rpc.identity.notify_person(person["id"], {
            "subject": f"About {NAME}", "body": f"We will visit {ADDRESS}.", "link": "/account"})
    person_client.get("/api/v1/me/messages")
    person_client.get("/account/messages")
    person_client.get("/api/v1/me/export")
    admin.get(f"/api/v1/organisations/{org}/people/{person['id']}?reason=checking+the+logs")
    status, token = admin.post(f"/api/v1/organisations/{org}/tokens",
                               {"name": "feed", "permissions": ["people.read"]})
    Client(platform, token=token["token"]).get(f"/api/v1/organisations/{org}/people")
    Client(platform).post("/api/v1/auth/password-reset", {"email": EMAIL})
    reset, _ = last_link(data_dir, "/reset-password")
    Client(platform).post("/api/v1/auth/password-reset/confirm",
                          {"token": reset, "password": NEW_PASSWORD})
    session_cookie = next(c.value for c in person_client.jar if c.name == "involve_session")
    Client(platform).sign_in(EMAIL, NEW_PASSWORD).post("/api/v1/me/erase", {"confirm": True})

    events = identity_events(100, timeout=3)
    assert {e["type"].split(".")[2] + "." + e["type"].split(".")[3] for e in events} >= {
        "person.registered", "consent.changed", "person.erased"}
    secrets = [NAME, EMAIL, PHONE, ADDRESS, PASSWORD, NEW_PASSWORD, "wrong password!",
               token["token"], invitation, reset, session_cookie, "xylo.quagmire"]
    logged = "\n".join(record.getMessage() + " " + repr(record.args) for record in caplog.records)
    published = json.dumps(events)
    assert len(caplog.records) > 20  # the logs did capture the services at work
    for secret in secrets:
        assert secret not in logged, f"{secret!r} appeared in a log line"
        assert secret not in published, f"{secret!r} appeared in an event"


def test_story_authors_stay_private_in_logs_and_events(platform, admin, service_config, caplog,
                                                       amqp_uri_for_clients):
    """A story's author email, and the identifying details a moderator removes, never reach a
    log line or a feedback event; only the moderated public text is published."""
    from tests.support.events import listening
    from tests.support.feedback import make_setting, moderate_and_publish, story, wait_for_alerts

    caplog.set_level(logging.DEBUG)
    author_email = "quentin.zorrino@example.net"
    private_text = (f"Nurse {NAME} shouted at me. Ring me on {PHONE} or visit {ADDRESS}. "
                    "My NHS number is 943 476 5919 and I was born on 3 March 1981.")
    public_text = "A nurse shouted at me in reception and I did not go back for a week."
    with listening(amqp_uri_for_clients, "feedback") as wait_for:
        setting = make_setting(platform, admin, service_config["DATA_DIR"])
        sam = setting.people["sam"]
        assert sam.post(f"{setting.staff}/subscriptions", {
            "care_service_ids": [setting.riverside], "min_criticality": 0})[0] == 201
        status, submitted = Client(platform).post(f"{setting.api}/stories", story(
            setting, text=private_text, email=author_email))
        assert status == 201, submitted
        moderate_and_publish(setting, submitted["story_id"], text=public_text, criticality=3)
        assert wait_for_alerts(sam, setting, submitted["story_id"])
        status, _ = setting.people["rae"].post(
            f"{setting.staff}/stories/{submitted['story_id']}/responses",
            {"text": "We are sorry. We have spoken to the team.",
             "responder_title": "Service manager", "change_status": "none"})
        assert status == 201
        events = wait_for(100, timeout=3)
    assert {e["type"].split(".")[2] + "." + e["type"].split(".")[3] for e in events} >= {
        "story.submitted", "story.published"}
    published = json.dumps(events)
    logged = "\n".join(record.getMessage() + " " + repr(record.args) for record in caplog.records)
    assert public_text in published  # the moderated text is what goes out
    for secret in [author_email, "quentin.zorrino", NAME, PHONE, ADDRESS, "943 476 5919",
                   "3 March 1981", submitted["tracking_code"]]:
        assert secret not in logged, f"{secret!r} appeared in a log line"
        assert secret not in published, f"{secret!r} appeared in an event"
