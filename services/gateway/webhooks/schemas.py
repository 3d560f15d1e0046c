"""The webhooks part of the HTTP API: request bodies from the webhooks service's contract, and
the answers (documented in /openapi.json). The secret appears only in the answers to creating an
endpoint and to rotating its secret."""
from marshmallow import fields

from involve.kernel.schemas import StrictSchema
from involve.webhooks.contract import WebhookChange, WebhookCreate

__all__ = [
    "Webhook",
    "WebhookChange",
    "WebhookCreate",
    "WebhookCreated",
    "WebhookDelivery",
    "WebhookSecret",
]


class Webhook(StrictSchema):
    id = fields.String()
    organisation_id = fields.String()
    url = fields.String()
    description = fields.String()
    event_types = fields.List(fields.String())
    enabled = fields.Boolean()
    disabled_reason = fields.String(allow_none=True, metadata={
        "description": "by_admin, gone (the receiver answered 410) or failing (retries ran out)"})
    disabled_at = fields.String(allow_none=True)
    secret_rotated_at = fields.String(allow_none=True)
    previous_secret_expires_at = fields.String(allow_none=True, metadata={
        "description": "Until then deliveries carry a signature with the previous secret too"})
    created_at = fields.String()
    updated_at = fields.String()
    deleted = fields.Boolean()


class WebhookCreated(Webhook):
    secret = fields.String(metadata={
        "description": "whsec_ + base64 of 32 random bytes. Shown only now: store it safely."})


class WebhookSecret(StrictSchema):
    id = fields.String()
    secret = fields.String(metadata={"description": "The new secret, shown only now"})
    previous_secret_expires_at = fields.String(allow_none=True)


class WebhookDelivery(StrictSchema):
    id = fields.String()
    webhook_id = fields.String()
    event_id = fields.String(metadata={"description": "Also the webhook-id header"})
    event_type = fields.String()
    status = fields.String(metadata={"description": "pending, delivered, failed or cancelled"})
    attempts = fields.Integer()
    next_attempt_at = fields.String(allow_none=True)
    last_attempt_at = fields.String(allow_none=True)
    response_status = fields.Integer(allow_none=True)
    error = fields.String(allow_none=True)
    created_at = fields.String()
    delivered_at = fields.String(allow_none=True)
