"""Webhooks through the gateway, received by the worked example (examples/webhook_receiver.py),
which verifies every delivery with the standardwebhooks library and checks its data against the
schema its dataschema names."""
import base64
import json
from pathlib import Path

import eventlet
from jsonschema import Draft7Validator
from standardwebhooks import Webhook

from involve.kernel.mail import read_outbox
from tests.support.accounts import PASSWORD, invite_and_register, make_org
from tests.support.running import Client, http

CARE = {"name": "Sheffield Recovery Hub", "kind": "addiction", "region": "Sheffield"}


def _hook(client, org, url, types=("care_service.created",), **extra):
    status, body = client.post(f"/api/v1/organisations/{org}/webhooks",
                               {"url": url, "event_types": list(types), **extra})
    assert status == 201, body
    return body


def _wait(predicate, timeout=10):
    for _ in range(int(timeout / 0.05)):
        value = predicate()
        if value:
            return value
        eventlet.sleep(0.05)
    return predicate()


def test_a_new_care_service_reaches_the_integrators_receiver_signed_once(hooks, admin, receivers):
    org, other = make_org(admin, "Phoenix Futures"), make_org(admin, "Elsewhere Trust")
    receiver = receivers()
    hook = _hook(admin, org, receiver.url, description="Case-management system")
    assert hook["secret"].startswith("whsec_")
    assert len(base64.b64decode(hook["secret"][len("whsec_"):])) >= 24
    assert hook["event_types"] == ["care_service.created"] and hook["enabled"] is True
    receiver.start(hook["secret"])

    status, care = admin.post(f"/api/v1/organisations/{org}/care-services", CARE)
    assert status == 201
    admin.post(f"/api/v1/organisations/{other}/care-services", {**CARE, "name": "Not yours"})
    admin.patch(f"/api/v1/organisations/{org}/care-services/{care['id']}", {"region": "Leeds"})

    [entry] = receiver.wait_for(1)
    assert entry["answered"] == 204 and entry["verified"] and entry["data_valid"]
    envelope = entry["envelope"]
    assert envelope["type"] == "involve.identity.care_service.created.v1"
    assert envelope["data"]["care_service_id"] == care["id"] and envelope["organisation"] == org
    assert entry["webhook_id"] == envelope["id"]
    # the dataschema is the gateway's, and the schema there accepts the data
    assert envelope["dataschema"] == f"{hooks}/schemas/events/{envelope['type']}.json"
    status, schema, _ = http("GET", envelope["dataschema"])
    assert status == 200 and Draft7Validator(json.loads(schema)).is_valid(envelope["data"])
    eventlet.sleep(1)  # nothing else arrives: not the other organisation's, not the update
    assert len(receiver.entries()) == 1

    [delivery] = admin.get(f"/api/v1/organisations/{org}/webhooks/{hook['id']}/deliveries")[1]
    assert delivery["status"] == "delivered" and delivery["attempts"] == 1
    assert delivery["response_status"] == 204 and delivery["event_id"] == envelope["id"]


def test_a_failed_delivery_is_retried_with_the_same_webhook_id(hooks, admin, receivers):
    org = make_org(admin)
    receiver = receivers()
    hook = _hook(admin, org, receiver.url)
    receiver.start(hook["secret"], "--fail-first", "1")
    admin.post(f"/api/v1/organisations/{org}/care-services", CARE)

    first, second = receiver.wait_for(2)
    assert (first["answered"], second["answered"]) == (500, 204)
    assert first["webhook_id"] == second["webhook_id"] and first["verified"] and second["verified"]
    log = _wait(lambda: [d for d in admin.get(
        f"/api/v1/organisations/{org}/webhooks/{hook['id']}/deliveries")[1]
        if d["status"] == "delivered"])
    assert log[0]["attempts"] == 2 and log[0]["response_status"] == 204

    # a manual replay sends it once more, still with the same webhook-id: the receiver sees a
    # duplicate and ignores it
    status, replayed = admin.post(f"/api/v1/organisations/{org}/webhooks/{hook['id']}"
                                  f"/deliveries/{log[0]['id']}/replay")
    assert status == 202 and replayed["status"] == "pending"
    third = receiver.wait_for(3)[2]
    assert third["webhook_id"] == first["webhook_id"] and third["duplicate"] is True


def test_410_gone_turns_the_webhook_off_and_tells_the_admins(hooks, admin, receivers,
                                                               service_config):
    org = make_org(admin)
    invite_and_register(admin, hooks, service_config["DATA_DIR"], org, "lead@phoenix.example",
                        "admin")
    lead = Client(hooks).sign_in("lead@phoenix.example", PASSWORD)
    receiver = receivers()
    hook = _hook(lead, org, receiver.url)
    receiver.start(hook["secret"], "--gone")
    lead.post(f"/api/v1/organisations/{org}/care-services", CARE)

    assert receiver.wait_for(1)[0]["answered"] == 410
    url = f"/api/v1/organisations/{org}/webhooks/{hook['id']}"
    off = _wait(lambda: (lambda h: h if not h["enabled"] else None)(lead.get(url)[1]))
    assert off["disabled_reason"] == "gone"
    mail = Path(service_config["DATA_DIR"]) / "mail"
    told = _wait(lambda: [m for m in read_outbox(mail) if m["To"] == "lead@phoenix.example"
                          and "webhook" in m["Subject"]])
    assert told and hook["id"] in told[0].get_content() and hook["secret"] not in told[0].get_content()

    lead.post(f"/api/v1/organisations/{org}/care-services", {**CARE, "name": "Second"})
    eventlet.sleep(1)
    assert len(receiver.entries()) == 1  # nothing more is sent to a webhook that is off


def test_after_the_last_retry_the_webhook_is_turned_off(hooks, admin, receivers):
    org = make_org(admin)
    receiver = receivers()
    hook = _hook(admin, org, receiver.url)
    receiver.start(hook["secret"], "--fail-first", "99")
    admin.post(f"/api/v1/organisations/{org}/care-services", CARE)
    entries = receiver.wait_for(3)  # the first try and the two retries of the test schedule
    assert [e["answered"] for e in entries] == [500, 500, 500]
    off = _wait(lambda: (lambda h: h if not h["enabled"] else None)(
        admin.get(f"/api/v1/organisations/{org}/webhooks/{hook['id']}")[1]))
    assert off["disabled_reason"] == "failing"
    [delivery] = admin.get(f"/api/v1/organisations/{org}/webhooks/{hook['id']}/deliveries")[1]
    assert delivery["status"] == "failed" and delivery["attempts"] == 3
    eventlet.sleep(0.8)
    assert len(receiver.entries()) == 3


def test_a_rotated_secret_signs_beside_the_old_one_during_the_overlap(hooks, admin, receivers):
    org = make_org(admin)
    receiver = receivers()
    hook = _hook(admin, org, receiver.url)
    receiver.start(hook["secret"])  # the receiver still knows only the old secret
    status, rotated = admin.post(f"/api/v1/organisations/{org}/webhooks/{hook['id']}/rotate-secret")
    assert status == 200 and rotated["secret"].startswith("whsec_")
    assert rotated["secret"] != hook["secret"] and rotated["previous_secret_expires_at"]
    admin.post(f"/api/v1/organisations/{org}/care-services", CARE)
    [entry] = receiver.wait_for(1)
    assert entry["verified"] and len(entry["headers"]["webhook-signature"].split(" ")) == 2
    # the new secret verifies the same delivery, so the receiver can switch at any time
    assert Webhook(rotated["secret"]).verify(entry["body"], entry["headers"]) == entry["envelope"]


def test_the_secret_is_never_shown_again_nor_logged(hooks, admin, receivers, caplog):
    caplog.set_level("DEBUG")
    org = make_org(admin)
    receiver = receivers()
    hook = _hook(admin, org, receiver.url)
    receiver.start(hook["secret"])
    base = f"/api/v1/organisations/{org}/webhooks"
    rotated = admin.post(f"{base}/{hook['id']}/rotate-secret")[1]
    admin.post(f"/api/v1/organisations/{org}/care-services", CARE)
    assert receiver.wait_for(1)[0]["verified"]
    answers = [admin.get(base)[1], admin.get(f"{base}/{hook['id']}")[1],
               admin.patch(f"{base}/{hook['id']}", {"description": "CRM"})[1],
               admin.get(f"{base}/{hook['id']}/deliveries")[1]]
    page = admin.get(f"/admin/organisations/{org}/webhooks/{hook['id']}")[1]
    seen = json.dumps(answers) + page + caplog.text
    for secret in (hook["secret"], rotated["secret"]):
        assert secret not in seen and secret[len("whsec_"):] not in seen
    assert all("secret" not in a for a in answers[:1][0] + answers[1:3])
    assert "webhook" in caplog.text  # the logs were captured (the service logged the creation)


def test_bad_input_is_refused_naming_the_field(hooks, admin, service_config):
    org = make_org(admin)
    base = f"/api/v1/organisations/{org}/webhooks"
    status, body = admin.post(base, {"url": "https://93.184.216.34/h", "event_types": ["no.such"]})
    assert status == 422 and "0" in body["error"]["fields"]["event_types"]
    status, body = admin.post(base, {"url": "https://93.184.216.34/h", "event_types": ["person.erased"]})
    assert status == 422 and "single organisation" in str(body["error"]["fields"]["event_types"])
    status, body = admin.post(base, {"url": "https://93.184.216.34/h", "event_types": []})
    assert status == 422 and "event_types" in body["error"]["fields"]
    status, body = admin.post(base, {"event_types": ["care_service.created"]})
    assert status == 422 and "url" in body["error"]["fields"]
    status, body = admin.post(base, {"url": "https://u:p@example.org/h",
                                     "event_types": ["care_service.created"]})
    assert status == 422 and "url" in body["error"]["fields"]
    with service_config.patch({"WEBHOOKS_ALLOW_PRIVATE": False}):
        for url in ("http://93.184.216.34/h", "https://127.0.0.1/h", "https://10.1.2.3/h",
                    "https://169.254.169.254/latest/meta-data", "https://[::1]/h",
                    "https://[fd00:ec2::254]/h"):
            status, body = admin.post(base, {"url": url, "event_types": ["care_service.created"]})
            assert status == 422 and list(body["error"]["fields"]) == ["url"], (url, body)
    status, body = admin.patch(f"{base}/no-such-webhook", {"description": "x"})
    assert status == 404
    assert admin.get(base)[1] == []


def test_only_admins_and_tokens_allowed_to_may_manage_webhooks(hooks, admin, service_config):
    org = make_org(admin)
    invite_and_register(admin, hooks, service_config["DATA_DIR"], org, "staff@phoenix.example",
                        "staff")
    staff = Client(hooks).sign_in("staff@phoenix.example", PASSWORD)
    assert staff.get(f"/api/v1/organisations/{org}/webhooks")[0] == 403
    assert staff.post(f"/api/v1/organisations/{org}/webhooks", {
        "url": "https://93.184.216.34/h", "event_types": ["care_service.created"]})[0] == 403
    token = Client(hooks, token=admin.post(f"/api/v1/organisations/{org}/tokens", {
        "name": "crm", "permissions": ["webhooks.manage"]})[1]["token"])
    status, made = token.post(f"/api/v1/organisations/{org}/webhooks", {
        "url": "http://127.0.0.1:9/h", "event_types": ["involve.identity.care_service.created.v1"]})
    assert status == 201 and made["event_types"] == ["care_service.created"]
    assert token.delete(f"/api/v1/organisations/{org}/webhooks/{made['id']}")[1]["deleted"] is True
    assert token.get(f"/api/v1/organisations/{org}/webhooks")[1] == []
