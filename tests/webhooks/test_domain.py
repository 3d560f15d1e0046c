"""The webhooks service's plain modules against real SQLite and PostgreSQL: signatures exactly as
Standard Webhooks v1 (checked with the standardwebhooks library), the SSRF guard, endpoints,
fan-out per organisation, claims that two senders cannot share, the retry schedule, 410 and
the last failure."""
import base64
import json
from datetime import UTC, datetime, timedelta

import pytest
from nameko import config
from sqlalchemy import select
from standardwebhooks import Webhook, WebhookVerificationError

from involve.kernel.db import transaction
from involve.kernel.errors import Conflict, InvalidInput, NotFound
from involve.webhooks import addresses, deliveries, endpoints, signing
from involve.webhooks.models import Delivery, Endpoint
from tests.support.databases import service_sessions

ORG, OTHER = "org-a", "org-b"
T0 = datetime(2026, 5, 1, 9, 0, tzinfo=UTC)
PUBLIC = "https://93.184.216.34/hooks"  # an address literal: checked without any DNS


@pytest.fixture
def sessions(database_url):
    with service_sessions(database_url, "webhooks") as factory:
        yield factory


@pytest.fixture
def box():
    return signing.SecretBox([__import__("cryptography.fernet").fernet.Fernet.generate_key()])


@pytest.fixture
def settings_for_tests():
    with config.patch({"WEBHOOKS_ALLOW_PRIVATE": False, "WEBHOOKS_RETRY_JITTER": 0.0,
                       "WEBHOOKS_RETRY_SCHEDULE": [5, 300, 1800],
                       "WEBHOOKS_RETRY_AFTER_MAX_SECONDS": 86400,
                       "WEBHOOKS_ROTATION_OVERLAP_SECONDS": 3600,
                       "WEBHOOKS_TIMEOUT_SECONDS": 15}):
        yield


def _endpoint(sessions, box, org=ORG, types=("care_service.created",)):
    with transaction(sessions) as s:
        return endpoints.create(s, box, org, {"url": PUBLIC, "event_types": list(types)},
                                "p-admin", T0)


def _event(org=ORG, key="care_service.created", event_id="ev-1"):
    return {"specversion": "1.0", "id": event_id, "source": "involve/identity",
            "type": f"involve.identity.{key}.v1", "time": T0.isoformat(),
            "datacontenttype": "application/json", "organisation": org,
            "dataschema": "https://involve.example.org/schemas/events/x.json",
            "dataclassification": "public", "data": {"care_service_id": "cs-1"}}


def _fan(sessions, message):
    with transaction(sessions) as s:
        return deliveries.fan_out(s, message, T0)


# --- signatures and secrets -------------------------------------------------------------------
def test_signatures_are_standard_webhooks_v1_as_the_library_checks_them():
    secret = signing.new_secret()
    assert secret.startswith("whsec_") and len(base64.b64decode(secret[6:])) == 32
    body = json.dumps({"id": "ev-1", "data": {"name": "Café"}}, ensure_ascii=False).encode()
    now = int(datetime.now(UTC).timestamp())
    headers = signing.headers([secret], "ev-1", now, body)
    assert Webhook(secret).verify(body, headers) == {"id": "ev-1", "data": {"name": "Café"}}
    assert headers["webhook-id"] == "ev-1" and headers["webhook-timestamp"] == str(now)
    # two secrets (a rotation): space-separated, each verifies on its own
    old, new = signing.new_secret(), signing.new_secret()
    both = signing.headers([new, old], "ev-1", now, body)
    assert both["webhook-signature"].count("v1,") == 2 and " " in both["webhook-signature"]
    assert Webhook(old).verify(body, both) and Webhook(new).verify(body, both)
    with pytest.raises(WebhookVerificationError):
        Webhook(signing.new_secret()).verify(body, both)
    with pytest.raises(WebhookVerificationError):
        Webhook(secret).verify(body + b" ", headers)


def test_secrets_are_sealed_at_rest_and_views_never_show_them(sessions, box, settings_for_tests):
    made = _endpoint(sessions, box)
    with sessions() as s:
        row = s.get(Endpoint, made["id"])
        assert made["secret"] not in row.secret_sealed
        assert box.open(row.secret_sealed) == made["secret"]
        assert "secret" not in endpoints.view(row)
        listed = endpoints.list_for(s, ORG)
    assert made["secret"] not in json.dumps(listed)
    other_box = signing.SecretBox([__import__("cryptography.fernet").fernet.Fernet.generate_key()])
    with pytest.raises(RuntimeError, match="WEBHOOKS_SECRET_KEYS"):
        other_box.open(row.secret_sealed)


def test_rotation_keeps_the_old_secret_signing_only_during_the_overlap(sessions, box,
                                                                       settings_for_tests):
    made = _endpoint(sessions, box)
    with transaction(sessions) as s:
        rotated = endpoints.rotate(s, box, ORG, made["id"], T0)
    with sessions() as s:
        row = s.get(Endpoint, made["id"])
        assert endpoints.signing_secrets(box, row, T0 + timedelta(minutes=59)) == [
            rotated["secret"], made["secret"]]
        assert endpoints.signing_secrets(box, row, T0 + timedelta(minutes=61)) == [rotated["secret"]]


# --- addresses (SSRF) ----------------------------------------------------------------------------
@pytest.mark.parametrize("url", [
    "https://127.0.0.1/h", "https://localhost/h", "https://10.0.0.5/h", "https://172.16.3.4/h",
    "https://192.168.1.10/h", "https://169.254.169.254/latest/meta-data/", "https://[::1]/h",
    "https://[fe80::1]/h", "https://[fd00:ec2::254]/h", "https://[::ffff:127.0.0.1]/h",
    "https://100.64.0.1/h", "https://0.0.0.0/h", "https://224.0.0.1/h"])
def test_private_loopback_link_local_and_metadata_addresses_are_refused(url, settings_for_tests):
    with pytest.raises(InvalidInput) as refused:
        addresses.check(url)
    assert list(refused.value.fields) == ["url"]
    assert addresses.check(PUBLIC) == PUBLIC


@pytest.mark.parametrize("url, says", [
    ("http://93.184.216.34/h", "https://"), ("ftp://93.184.216.34/h", "https://"),
    ("https://user:pw@93.184.216.34/h", "password"), ("https://93.184.216.34/h#x", "#"),
    ("93.184.216.34/h", "https://"), ("https:///h", "whole web address"),
    ("https://93.184.216.34:99999/h", "whole web address")])
def test_addresses_must_be_plain_https(url, says, settings_for_tests):
    with pytest.raises(InvalidInput, match=says):
        addresses.check(url)


def test_private_addresses_are_allowed_only_when_configured_and_metadata_never(settings_for_tests):
    with config.patch({"WEBHOOKS_ALLOW_PRIVATE": True}):
        assert addresses.check("http://127.0.0.1:8080/h") == "http://127.0.0.1:8080/h"
        target = addresses.resolve("http://localhost:8080/h?x=1")
        assert target.address in ("127.0.0.1", "::1") and target.path == "/h?x=1"
        with pytest.raises(InvalidInput):
            addresses.check("http://169.254.169.254/latest/meta-data/")


# --- endpoints -------------------------------------------------------------------------------------
def test_event_types_are_checked_against_the_catalogue(sessions, box, settings_for_tests):
    with transaction(sessions) as s:
        made = endpoints.create(s, box, ORG, {"url": PUBLIC, "event_types": [
            "care_service.created", "involve.feedback.story.published.v1", "care_service.created"]},
            None, T0)
    assert made["event_types"] == ["care_service.created", "story.published"]
    with pytest.raises(InvalidInput) as refused:
        endpoints.check_event_types(["care_service.created", "nothing.here", "consent.changed"])
    assert set(refused.value.fields["event_types"]) == {1, 2}


def test_another_organisation_cannot_see_or_change_an_endpoint(sessions, box, settings_for_tests):
    made = _endpoint(sessions, box)
    with transaction(sessions) as s:
        with pytest.raises(NotFound):
            endpoints.change(s, OTHER, made["id"], {"description": "mine now"}, T0)
        with pytest.raises(NotFound):
            endpoints.rotate(s, box, OTHER, made["id"], T0)
        with pytest.raises(NotFound):
            deliveries.log(s, OTHER, made["id"])
        assert endpoints.list_for(s, OTHER) == []


# --- fan-out ---------------------------------------------------------------------------------------
def test_an_event_goes_only_to_its_own_organisations_endpoints_that_want_it(sessions, box,
                                                                            settings_for_tests):
    mine = _endpoint(sessions, box)
    _endpoint(sessions, box, org=OTHER)
    _endpoint(sessions, box, types=("story.published",))
    created = _fan(sessions, _event())
    assert len(created) == 1
    with sessions() as s:
        [row] = s.scalars(select(Delivery)).all()
    assert row.endpoint_id == mine["id"] and row.status == "pending" and row.next_attempt_at == T0
    assert json.loads(row.body)["id"] == "ev-1"
    assert _fan(sessions, _event()) == []  # the same event again (a redelivery): nothing new
    assert _fan(sessions, {**_event(event_id="ev-2"), "organisation": None}) == []
    no_org = _event(event_id="ev-3")
    del no_org["organisation"]
    assert _fan(sessions, no_org) == []
    assert _fan(sessions, "not an envelope") == []


def test_a_turned_off_endpoint_gets_nothing_new(sessions, box, settings_for_tests):
    made = _endpoint(sessions, box)
    with transaction(sessions) as s:
        endpoints.change(s, ORG, made["id"], {"enabled": False}, T0)
    assert _fan(sessions, _event()) == []


# --- claiming and settling ---------------------------------------------------------------------------
def test_two_senders_never_claim_the_same_delivery(sessions, box, settings_for_tests):
    _endpoint(sessions, box)
    for n in range(6):
        _fan(sessions, _event(event_id=f"ev-{n}"))
    first = deliveries.claim_due(sessions, box, T0, 4)
    second = deliveries.claim_due(sessions, box, T0, 4)
    assert len(first) == 4 and len(second) == 2
    assert not {w.delivery_id for w in first} & {w.delivery_id for w in second}
    assert deliveries.claim_due(sessions, box, T0, 4) == []
    # a claim lapses (its sender died): the delivery is claimed again, and the old sender's
    # late answer no longer counts
    later = T0 + timedelta(seconds=deliveries.lease_seconds() + 1)
    again = deliveries.claim_due(sessions, box, later, 10)
    assert len(again) == 6
    assert deliveries.settle(sessions, first[0], deliveries.Outcome(status=200), later) == "lost"
    assert deliveries.settle(sessions, again[0], deliveries.Outcome(status=200), later) == "delivered"


def _one(sessions, box, now=T0):
    [work] = deliveries.claim_due(sessions, box, now, 1)
    return work


def _row(sessions, work):
    with sessions() as s:
        return s.get(Delivery, work.delivery_id), s.get(Endpoint, work.endpoint_id)


def test_failures_follow_the_schedule_then_fail_and_turn_the_endpoint_off(sessions, box,
                                                                          settings_for_tests):
    _endpoint(sessions, box)
    _fan(sessions, _event())
    moment = T0
    for delay in (5, 300, 1800):
        work = _one(sessions, box, moment)
        assert deliveries.settle(sessions, work, deliveries.Outcome(status=500), moment) == "pending"
        row, endpoint = _row(sessions, work)
        assert row.next_attempt_at == moment + timedelta(seconds=delay)
        moment = row.next_attempt_at
        assert deliveries.claim_due(sessions, box, moment - timedelta(seconds=1), 1) == []
    work = _one(sessions, box, moment)
    assert deliveries.settle(sessions, work, deliveries.Outcome(error="timeout"), moment) == "failed"
    row, endpoint = _row(sessions, work)
    assert row.attempts == 4 and row.status == "failed" and row.last_error == "timeout"
    assert not endpoint.enabled and endpoint.disabled_reason == "failing" and endpoint.notice_due


def test_a_recent_success_keeps_the_endpoint_on_when_one_delivery_fails(sessions, box,
                                                                        settings_for_tests):
    with config.patch({"WEBHOOKS_RETRY_SCHEDULE": []}):
        _endpoint(sessions, box)
        _fan(sessions, _event(event_id="ev-1"))
        failing = _one(sessions, box)
        _fan(sessions, _event(event_id="ev-2"))
        ok = _one(sessions, box)
        deliveries.settle(sessions, ok, deliveries.Outcome(status=204), T0)
        assert deliveries.settle(sessions, failing, deliveries.Outcome(status=500), T0) == "failed"
    assert _row(sessions, failing)[1].enabled is True


def test_retry_after_is_honoured_for_429_and_503_but_not_beyond_the_maximum(settings_for_tests):
    after = deliveries.Outcome(status=429, retry_after=1200)
    assert deliveries.next_delay(1, after) == 1200
    assert deliveries.next_delay(1, deliveries.Outcome(status=503, retry_after=1)) == 5
    assert deliveries.next_delay(1, deliveries.Outcome(status=500, retry_after=1200)) == 5
    with config.patch({"WEBHOOKS_RETRY_AFTER_MAX_SECONDS": 600}):
        assert deliveries.next_delay(1, after) == 600
    assert deliveries.next_delay(4, deliveries.Outcome(status=500)) is None


def test_the_default_schedule_is_the_specs_about_three_days_with_jitter():
    from involve.kernel.settings import DEFAULTS

    schedule = DEFAULTS["WEBHOOKS_RETRY_SCHEDULE"]
    assert schedule == [5, 300, 1800, 7200, 18000, 36000, 50400, 72000, 86400]
    assert 2.9 < sum(schedule) / 86400 < 3.3
    with config.patch({"WEBHOOKS_RETRY_SCHEDULE": schedule, "WEBHOOKS_RETRY_JITTER": 0.1,
                       "WEBHOOKS_RETRY_AFTER_MAX_SECONDS": 86400}):
        delays = {deliveries.next_delay(3, deliveries.Outcome(status=500)) for _ in range(50)}
    assert len(delays) > 1 and all(1620 <= d <= 1980 for d in delays)


def test_410_turns_the_endpoint_off_and_cancels_what_was_waiting(sessions, box,
                                                                 settings_for_tests):
    _endpoint(sessions, box)
    _fan(sessions, _event(event_id="ev-1"))
    _fan(sessions, _event(event_id="ev-2"))
    work = deliveries.claim_due(sessions, box, T0, 1)[0]
    assert deliveries.settle(sessions, work, deliveries.Outcome(status=410), T0) == "failed"
    with sessions() as s:
        statuses = sorted(d.status for d in s.scalars(select(Delivery)))
        endpoint = s.get(Endpoint, work.endpoint_id)
    assert statuses == ["cancelled", "failed"]
    assert endpoint.disabled_reason == "gone" and endpoint.notice_due


def test_replay_sends_a_delivery_again_from_the_start_of_the_schedule(sessions, box,
                                                                      settings_for_tests):
    made = _endpoint(sessions, box)
    _fan(sessions, _event())
    work = _one(sessions, box)
    deliveries.settle(sessions, work, deliveries.Outcome(status=200), T0)
    with transaction(sessions) as s:
        with pytest.raises(NotFound):
            deliveries.replay(s, OTHER, made["id"], work.delivery_id, T0)
        again = deliveries.replay(s, ORG, made["id"], work.delivery_id, T0)
    assert again["status"] == "pending" and again["attempts"] == 1
    with transaction(sessions) as s, pytest.raises(Conflict):
        deliveries.replay(s, ORG, made["id"], work.delivery_id, T0)
    second = _one(sessions, box)
    assert second.event_id == work.event_id and second.body == work.body
    with transaction(sessions) as s:
        endpoints.change(s, ORG, made["id"], {"enabled": False}, T0)
    deliveries.settle(sessions, second, deliveries.Outcome(status=200), T0)
    with transaction(sessions) as s, pytest.raises(Conflict, match="Turn the webhook on"):
        deliveries.replay(s, ORG, made["id"], work.delivery_id, T0)


def test_the_admins_notice_is_taken_by_one_instance_only(sessions, box, settings_for_tests):
    _endpoint(sessions, box)
    _fan(sessions, _event())
    work = _one(sessions, box)
    deliveries.settle(sessions, work, deliveries.Outcome(status=410), T0)
    with sessions() as s:
        [due] = endpoints.notices_due(s)
    with transaction(sessions) as s:
        assert endpoints.claim_notice(s, due.id) is True
    with transaction(sessions) as s:
        assert endpoints.claim_notice(s, due.id) is False  # a second instance finds it taken
        endpoints.notice_not_sent(s, due.id)  # the first could not send it: due again
    with sessions() as s:
        assert [e.id for e in endpoints.notices_due(s)] == [due.id]
    message = endpoints.notice_for(due, "https://involve.example.org/admin/x")
    assert due.url in message["body"] and "410" in message["body"]
