"""The AsyncAPI 3.0 document of every event Involve publishes, built from the event catalogue
(the JSON Schemas each service declares in ``services/<service>/events/``), and the catalogue
table of docs/events.md, built from that document so the two cannot drift.

The document describes an integrator's application: it *receives* each event (one ``receive``
operation per channel). A channel is one routing key on one service's topic exchange.
"""
from __future__ import annotations

import uuid
from urllib.parse import urlsplit

from involve.kernel import catalogue, settings
from involve.kernel.events import envelope, schema_url

EXAMPLE_TIME = "2026-01-05T09:30:00+00:00"
EXAMPLE_ORGANISATION = "286c5b55-4155-45e6-b557-7fb7bffe0665"
CLASSIFICATION_TEXT = {
    "public": "Public: may be shown to anyone.",
    "internal": "Internal: for the organisation and its systems, not for publication.",
    "pseudonymous": "Pseudonymous: names people only by their Involve id; keep it private and "
                    "never join it with other data to find out who they are.",
}


def channel_id(event: catalogue.EventType) -> str:
    return f"{event.service}.{event.name}"


def broker_host() -> str:
    """host:port of the broker, from AMQP_URI (never its user name or password)."""
    parts = urlsplit(str(settings.get("AMQP_URI")))
    return f"{parts.hostname or 'localhost'}:{parts.port or 5672}"


def example_envelope(event: catalogue.EventType, base_url: str, data: dict | None = None) -> dict:
    data = event.examples[0] if data is None else data
    subject = next((v for k, v in data.items() if k.endswith("_id") and isinstance(v, str)), None)
    message = envelope(event.service, event.name, data, subject=subject,
                       organisation=EXAMPLE_ORGANISATION if event.organisation_scoped else None,
                       classification=event.classification, version=event.version,
                       event_id=str(uuid.uuid5(uuid.NAMESPACE_URL, event.type)))
    message["time"] = EXAMPLE_TIME
    message["dataschema"] = schema_url(base_url, event.type)
    return message


def _description(event: catalogue.EventType) -> str:
    webhooks = ("Offered by webhook to the organisation it belongs to." if event.organisation_scoped
                else "Belongs to no single organisation, so it is not offered by webhook.")
    return (f"{event.description}\n\n{CLASSIFICATION_TEXT[event.classification]} {webhooks}\n\n"
            f"Exchange `{event.exchange}` (topic), routing key `{event.name}`.")


def build(version: str, base_url: str | None = None) -> dict:
    base_url = base_url or str(settings.get("GATEWAY_URL"))
    channels, operations, schemas, messages = {}, {}, {}, {}
    for event in catalogue.published():
        cid = channel_id(event)
        schemas[f"{cid}.data"] = catalogue.data_schema(event)
        messages[cid] = {
            "name": event.type,
            "title": event.title,
            "summary": event.title,
            "description": _description(event),
            "contentType": "application/json",
            "payload": catalogue.envelope_schema(
                event, data={"$ref": f"#/components/schemas/{cid}.data"}),
            "tags": [{"name": event.classification}, {"name": event.service}],
            "externalDocs": {"url": schema_url(base_url, event.type),
                             "description": "The JSON Schema of data (the envelope's dataschema)"},
            "examples": [{"name": f"{cid}.example", "summary": f"A {event.name} event",
                          "payload": example_envelope(event, base_url, ex)}
                         for ex in event.examples],
            "bindings": {"amqp": {"messageType": event.type, "bindingVersion": "0.3.0"}},
            "x-involve-classification": event.classification,
            "x-involve-organisation": event.organisation_scoped,
            "x-involve-webhooks": event.organisation_scoped,
        }
        channels[cid] = {
            "address": event.name,
            "title": event.title,
            "description": f"Routing key `{event.name}` on the `{event.exchange}` topic exchange.",
            "messages": {"event": {"$ref": f"#/components/messages/{cid}"}},
            "bindings": {"amqp": {"is": "routingKey", "bindingVersion": "0.3.0", "exchange": {
                "name": event.exchange, "type": "topic", "durable": True, "autoDelete": False,
                "vhost": "/"}}},
        }
        operations[f"receive.{cid}"] = {
            "action": "receive",
            "channel": {"$ref": f"#/channels/{cid}"},
            "messages": [{"$ref": f"#/channels/{cid}/messages/event"}],
            "title": f"Receive {event.name}",
            "summary": event.title,
            "bindings": {"amqp": {"ack": True, "bindingVersion": "0.3.0"}},
        }
    return {
        "asyncapi": "3.0.0",
        "info": {
            "title": "Involve events",
            "version": version,
            "description": (
                "Domain events published by Involve's services. Each service publishes on its own "
                "durable topic exchange `<service>.events`; the routing key is the event type "
                "without prefix or version. Every message is a CloudEvents 1.0 envelope in "
                "structured JSON whose `data` matches the JSON Schema at its `dataschema`. "
                "Delivery is at least once: use `id` to ignore duplicates. Organisations can "
                "also receive their own events as signed webhooks (Standard Webhooks v1)."),
            "externalDocs": {"url": f"{base_url.rstrip('/')}/asyncapi.json",
                             "description": "This document"},
        },
        "defaultContentType": "application/json",
        "servers": {"involve": {
            "host": broker_host(), "protocol": "amqp", "protocolVersion": "0.9.1",
            "description": "Involve's RabbitMQ. Ask the operators for a user that may read the "
                           "`*.events` exchanges and declare its own queues."}},
        "channels": channels,
        "operations": operations,
        "components": {"schemas": schemas, "messages": messages},
    }


# --- docs/events.md ----------------------------------------------------------------------------------
START = "<!-- catalogue: generated from /asyncapi.json by `involve events docs`; do not edit -->"
END = "<!-- end of catalogue -->"


def _kind(schema: dict) -> str:
    kinds = schema.get("type", "")
    kinds = [kinds] if isinstance(kinds, str) else list(kinds)
    if "enum" in schema:
        values = ", ".join(f"`{v}`" for v in schema["enum"] if v is not None)
        kinds = ["one of " + values] + (["null"] if "null" in kinds else [])
    elif "array" in kinds:
        item = _kind(schema.get("items", {}))
        kinds = [f"list of {item}" if k == "array" else k for k in kinds]
    if schema.get("format"):
        kinds = [f"{k} ({schema['format']})" if k == "string" else k for k in kinds]
    return " or ".join(kinds)


def markdown(document: dict) -> str:
    """The catalogue section of docs/events.md, from the AsyncAPI document."""
    messages = document["components"]["messages"]
    schemas = document["components"]["schemas"]
    lines = [START, "", "| type | exchange | routing key | classification | by webhook |",
             "|---|---|---|---|---|"]
    channels = document["channels"]
    for cid, channel in channels.items():
        message = messages[cid]
        exchange = channel["bindings"]["amqp"]["exchange"]["name"]
        lines.append(f"| [{message['name']}](#{cid.replace('.', '')}) | {exchange} | "
                     f"{channel['address']} | {message['x-involve-classification']} | "
                     f"{'yes' if message['x-involve-webhooks'] else 'no'} |")
    for cid in channels:
        message = messages[cid]
        data = schemas[f"{cid}.data"]
        lines += ["", f"### {cid}", "", f"**{message['title']}.** {data.get('description', '')}",
                  "", f"`{message['name']}`, schema `/schemas/events/{message['name']}.json`", "",
                  "| field | type | required | meaning |", "|---|---|---|---|"]
        for name, field in data["properties"].items():
            required = "yes" if name in data.get("required", []) else "no"
            lines.append(f"| {name} | {_kind(field)} | {required} | "
                         f"{field.get('description', '')} |")
    lines += ["", END]
    return "\n".join(lines)
