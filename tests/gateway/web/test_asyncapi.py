"""/asyncapi.json is a valid AsyncAPI 3.0 document listing every event type the code publishes,
built from the same schemas the outbox enforces; /schemas/events/<type>.json serves each one;
docs/events.md is generated from the document."""
import copy
import json
from pathlib import Path

import pytest
from jsonschema import Draft7Validator

from involve.gateway.service import GatewayService
from involve.gateway.web import asyncapi
from involve.kernel import catalogue
from tests.support.running import http, start_service

ROOT = Path(__file__).resolve().parents[3]
OFFICIAL = json.loads((Path(__file__).parent / "data" / "asyncapi-3.0.0.schema.json").read_text())


@pytest.fixture
def database_url(tmp_path):
    """The gateway has no database: one kind is enough here."""
    return f"sqlite:///{tmp_path}/{{service}}.db"


@pytest.fixture
def gateway(service_config, container_factory):
    with service_config.patch({"GATEWAY_URL": "https://involve.example.org"}):
        yield f"http://127.0.0.1:{start_service(container_factory, GatewayService)}"


def _resolve(document, node):
    """Inline the document's local $refs (the payload's data schema) for validating examples."""
    if isinstance(node, dict):
        if set(node) == {"$ref"} and node["$ref"].startswith("#/"):
            target = document
            for step in node["$ref"][2:].split("/"):
                target = target[step]
            return _resolve(document, target)
        return {k: _resolve(document, v) for k, v in node.items()}
    if isinstance(node, list):
        return [_resolve(document, v) for v in node]
    return node


def test_the_document_is_valid_asyncapi_3_and_lists_every_published_type(gateway):
    status, document, _ = http("GET", gateway + "/asyncapi.json")
    assert status == 200
    errors = sorted(Draft7Validator(OFFICIAL).iter_errors(document), key=str)
    assert [f"{list(e.absolute_path)}: {e.message}" for e in errors[:5]] == []
    assert document["asyncapi"] == "3.0.0"
    assert document["servers"]["involve"]["protocol"] == "amqp"
    types = {m["name"] for m in document["components"]["messages"].values()}
    assert types == {e.type for e in catalogue.published()} and len(types) >= 19
    for cid, channel in document["channels"].items():
        event = catalogue.find(channel["address"])
        assert channel["bindings"]["amqp"]["exchange"]["name"] == event.exchange
        operation = document["operations"][f"receive.{cid}"]
        assert operation["action"] == "receive"
        assert operation["channel"] == {"$ref": f"#/channels/{cid}"}
        message = document["components"]["messages"][cid]
        assert message["x-involve-classification"] == event.classification
        assert message["examples"]


def test_every_example_is_a_valid_envelope_of_its_type(gateway):
    document = http("GET", gateway + "/asyncapi.json")[1]
    for cid, message in document["components"]["messages"].items():
        payload = _resolve(document, copy.deepcopy(message["payload"]))
        for example in message["examples"]:
            errors = list(Draft7Validator(payload).iter_errors(example["payload"]))
            assert errors == [], (cid, errors[0].message)
            assert example["payload"]["dataschema"] == (
                f"https://involve.example.org/schemas/events/{message['name']}.json")


def test_each_schema_is_served_where_the_envelope_points(gateway):
    for event in catalogue.published():
        status, schema, headers = http("GET", f"{gateway}/schemas/events/{event.type}.json")
        assert status == 200 and headers["Content-Type"] == "application/schema+json"
        schema = json.loads(schema)
        assert schema["$id"] == f"https://involve.example.org/schemas/events/{event.type}.json"
        Draft7Validator.check_schema(schema)
        assert Draft7Validator(schema).is_valid(event.examples[0])
        assert not Draft7Validator(schema).is_valid({**event.examples[0], "email": "a@b.example"})
    status, body, _ = http("GET", f"{gateway}/schemas/events/involve.identity.nothing.v1.json")
    assert status == 404 and body["error"]["fields"] == {"type": ["Unknown event type."]}


def test_docs_events_md_is_generated_from_the_document():
    page = (ROOT / "docs" / "events.md").read_text()
    expected = asyncapi.markdown(asyncapi.build("0"))
    assert expected in page, "the catalogue in docs/events.md is stale: run `involve events docs`"
    for event in catalogue.published():
        assert f"| [{event.type}]" in page


def test_the_broker_address_never_shows_its_password(service_config):
    with service_config.patch({"AMQP_URI": "pyamqp://involve:s3cret@rabbit.internal:5673/"}):
        document = asyncapi.build("0")
    assert document["servers"]["involve"]["host"] == "rabbit.internal:5673"
    assert "s3cret" not in json.dumps(document)
