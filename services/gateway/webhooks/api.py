"""The webhooks part of the HTTP API: an organisation's endpoints, their secrets and delivery
log. Every route needs ``webhooks.manage`` (organisation admins, or a token given it) and calls
the webhooks service, which checks the policy again."""
from __future__ import annotations

from involve.kernel.rpc import call

from ..web.routes import route
from . import schemas as s

HOOKS = "/api/v1/organisations/<organisation_id>/webhooks"
ONE = HOOKS + "/<webhook_id>"
TAGS = ["webhooks"]
ACTION = "webhooks.manage"


class WebhooksApi:
    @route("POST", HOOKS, summary="Add a webhook endpoint (its secret is shown once)", tags=TAGS,
           body=s.WebhookCreate, response=s.WebhookCreated, status=201, action=ACTION)
    def webhooks_create(self, request, principal, body, organisation_id):
        return call(self.rpc.webhooks.create_webhook, principal, organisation_id, body)

    @route("GET", HOOKS, summary="The organisation's webhook endpoints", tags=TAGS,
           response=s.Webhook, many=True, action=ACTION)
    def webhooks_list(self, request, principal, organisation_id):
        return call(self.rpc.webhooks.list_webhooks, principal, organisation_id)

    @route("GET", ONE, summary="One webhook endpoint", tags=TAGS, response=s.Webhook,
           errors=(404,), action=ACTION)
    def webhooks_get(self, request, principal, organisation_id, webhook_id):
        return call(self.rpc.webhooks.get_webhook, principal, organisation_id, webhook_id)

    @route("PATCH", ONE, summary="Change a webhook endpoint, or turn it off or on", tags=TAGS,
           body=s.WebhookChange, response=s.Webhook, errors=(404,), action=ACTION)
    def webhooks_change(self, request, principal, body, organisation_id, webhook_id):
        return call(self.rpc.webhooks.change_webhook, principal, organisation_id, webhook_id, body)

    @route("DELETE", ONE, summary="Delete a webhook endpoint and its delivery log", tags=TAGS,
           response=s.Webhook, errors=(404,), action=ACTION)
    def webhooks_delete(self, request, principal, organisation_id, webhook_id):
        return call(self.rpc.webhooks.delete_webhook, principal, organisation_id, webhook_id)

    @route("POST", ONE + "/rotate-secret",
           summary="Make a new secret (shown once); the old one also signs during the overlap",
           tags=TAGS, response=s.WebhookSecret, errors=(404,), action=ACTION)
    def webhooks_rotate(self, request, principal, organisation_id, webhook_id):
        return call(self.rpc.webhooks.rotate_secret, principal, organisation_id, webhook_id)

    @route("GET", ONE + "/deliveries", summary="The delivery log (latest first, at most 100)",
           tags=TAGS, response=s.WebhookDelivery, many=True, errors=(404, 422), action=ACTION,
           query=("status",))
    def webhooks_deliveries(self, request, principal, organisation_id, webhook_id):
        return call(self.rpc.webhooks.list_deliveries, principal, organisation_id, webhook_id,
                    {"status": request.args.get("status", "")})

    @route("POST", ONE + "/deliveries/<delivery_id>/replay",
           summary="Send one delivery again (same webhook-id), from the start of the schedule",
           tags=TAGS, response=s.WebhookDelivery, status=202, errors=(404, 409), action=ACTION)
    def webhooks_replay(self, request, principal, organisation_id, webhook_id, delivery_id):
        return call(self.rpc.webhooks.replay_delivery, principal, organisation_id, webhook_id,
                    delivery_id)
