"""The thin end-to-end slice through real RabbitMQ: gateway -> identity -> outbox -> any AMQP client."""
from openapi_spec_validator import validate as validate_openapi

from tests.support.running import http


def test_created_organisation_reaches_an_amqp_client(platform, admin, identity_events):
    listener = identity_events
    status, body = admin.post("/api/v1/organisations", {"name": "Phoenix Futures", "kind": "charity"})
    assert status == 201, body
    assert body["name"] == "Phoenix Futures" and body["kind"] == "charity"
    events = listener(1)
    assert len(events) == 1
    event = events[0]
    assert {"id", "type", "source", "time", "data", "specversion", "organisation"} <= set(event)
    assert event["type"] == "involve.identity.organisation.created.v1"
    assert event["source"] == "involve/identity"
    assert event["data"]["organisation_id"] == body["id"]
    assert event["organisation"] == body["id"]

    status, fetched = admin.get(f"/api/v1/organisations/{body['id']}")
    assert status == 200 and fetched == body
    status, listed = admin.get("/api/v1/organisations")
    assert status == 200 and [o["id"] for o in listed] == [body["id"]]


def test_bad_input_gets_a_precise_4xx_and_stores_nothing(platform, admin, identity_events):
    listener = identity_events
    url = "/api/v1/organisations"
    status, body = admin.post(url, {"name": "A", "colour": "red"})
    assert status == 422
    assert set(body["error"]["fields"]) == {"name", "colour"}
    status, body = admin.post(url, raw=b"{not json", headers={"Content-Type": "application/json"})
    assert status == 400 and body["error"]["fields"] == {"_body": ["Not valid JSON."]}
    status, body = admin.post(url, raw=b"name=x", headers={"Content-Type": "text/plain"})
    assert status == 400 and "Content-Type" in body["error"]["message"]
    status, body = admin.post(url, {"name": 12})
    assert status == 422 and "name" in body["error"]["fields"]
    status, body = admin.get(url + "/no-such-id")
    assert status == 404 and body["error"]["code"] == "not_found"

    assert admin.post(url, {"name": "Mind in Camden"})[0] == 201
    status, body = admin.post(url, {"name": "  mind IN camden "})
    assert status == 409 and "name" in body["error"]["fields"]

    status, listed = admin.get(url)
    assert [o["name"] for o in listed] == ["Mind in Camden"]
    assert len(listener(2, timeout=2)) == 1  # only the one accepted write produced an event


def test_health_names_services_that_are_down(platform):
    status, body, _ = http("GET", platform + "/health")
    assert status == 503
    assert body["status"] == "degraded"
    assert body["services"]["identity"] == {"status": "up"}
    assert body["services"]["reporting"]["status"] == "down"  # not started in this test


def test_openapi_document_is_valid_and_describes_the_routes(platform):
    status, document, _ = http("GET", platform + "/openapi.json")
    assert status == 200
    validate_openapi(document)
    post = document["paths"]["/api/v1/organisations"]["post"]
    assert post["requestBody"]["content"]["application/json"]["schema"]["$ref"].endswith(
        "/OrganisationCreate")
    assert {"201", "401", "403", "409", "422"} <= set(post["responses"])


def _created_count(platform):
    status, text, _ = http("GET", platform + "/metrics")
    assert status == 200
    line = 'involve_http_requests_total{route="POST /api/v1/organisations",status="201"} '
    found = [float(row[len(line):]) for row in text.splitlines() if row.startswith(line)]
    return found[0] if found else 0.0


def test_metrics_count_requests(platform, admin):
    before = _created_count(platform)
    admin.post("/api/v1/organisations", {"name": "Change Grow Live"})
    admin.post("/api/v1/organisations", {"name": "Turning Point"})
    assert _created_count(platform) == before + 2


def test_home_page_is_plain_accessible_html(platform):
    status, html, headers = http("GET", platform + "/")
    assert status == 200
    assert '<html lang="en-GB">' in html and 'href="#main"' in html and "<h1>" in html
    assert "default-src 'self'" in headers["Content-Security-Policy"]
    status, css, _ = http("GET", platform + "/static/involve.css")
    assert status == 200 and ":focus" in css
    assert http("GET", platform + "/static/..%2Fservice.py")[0] == 404
