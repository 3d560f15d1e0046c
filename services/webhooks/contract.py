"""The field rules of the webhooks API (read by the gateway's webhooks area too).

Whether an address may be used (https, not on a private network) and whether each event type is
in the catalogue are checked by the service itself (``addresses``, ``endpoints``): they depend on
configuration and the catalogue, not only on the shape of the request.
"""
from marshmallow import fields, validate

from involve.kernel.schemas import Partial, StrictSchema

MAX_URL = 2000
MAX_EVENT_TYPES = 50


class WebhookCreate(StrictSchema):
    url = fields.String(required=True, validate=validate.Length(
        min=1, max=MAX_URL, error=f"Use a web address of at most {MAX_URL} characters."),
        metadata={"description": "Where to send events: https://, on the public internet"})
    event_types = fields.List(
        fields.String(validate=validate.Length(min=1, max=200, error="Name an event type.")),
        required=True, validate=validate.Length(
            min=1, max=MAX_EVENT_TYPES, error="Choose at least one event type."),
        metadata={"description": "Routing keys from /asyncapi.json, e.g. care_service.created"})
    description = fields.String(load_default="", validate=validate.Length(
        max=500, error="Use at most 500 characters."),
        metadata={"description": "What this endpoint is for (for people reading the list)"})


class WebhookChange(Partial, WebhookCreate):
    enabled = fields.Boolean(metadata={"description": "false stops deliveries; true starts them "
                                                      "again after the endpoint was disabled"})
