"""The webhooks service (Nameko): an organisation's events, delivered to its own systems over
HTTPS and signed as Standard Webhooks v1 says (issue 14). A thin shell around the plain modules.

It listens to every service's events exchange (a durable queue per exchange, acknowledged only
after the delivery rows are committed), records a delivery for each endpoint of the event's own
organisation that wants it, and the courier sends them. Admin methods take the ``principal`` the
gateway resolved and check the shared policy (``webhooks.manage``) again here. See
docs/webhooks-service.md.
"""
from __future__ import annotations

import logging
from pathlib import Path

from nameko.timer import timer

from involve.kernel import settings
from involve.kernel.db import now
from involve.kernel.errors import InvalidInput
from involve.kernel.nameko_parts import Database, ServiceBase, api, on_event
from involve.kernel.policy import require
from involve.kernel.registry import BACKEND
from involve.kernel.rpc import RpcClient, call
from involve.kernel.schemas import validate

from . import deliveries, endpoints
from .contract import WebhookChange, WebhookCreate
from .courier import Courier

log = logging.getLogger(__name__)
ACTION = "webhooks.manage"


class WebhooksService(ServiceBase):
    name = "webhooks"
    db = Database(migrations=Path(__file__).parent / "migrations")
    rpc = RpcClient()
    courier = Courier()

    # --- endpoints ----------------------------------------------------------------------
    @api
    def create_webhook(self, principal, organisation_id, data):
        require(principal, ACTION, organisation_id)
        values = validate(WebhookCreate(), data)
        with self.db.transaction() as session:
            created = endpoints.create(session, self.courier.box, organisation_id, values,
                                       (principal or {}).get("person_id"), now())
        log.info("webhook %s created for organisation %s", created["id"], organisation_id)
        return created

    @api
    def list_webhooks(self, principal, organisation_id):
        require(principal, ACTION, organisation_id)
        with self.db.sessions() as session:
            return endpoints.list_for(session, organisation_id)

    @api
    def get_webhook(self, principal, organisation_id, webhook_id):
        require(principal, ACTION, organisation_id)
        with self.db.sessions() as session:
            return endpoints.view(endpoints.load(session, organisation_id, webhook_id))

    @api
    def change_webhook(self, principal, organisation_id, webhook_id, data):
        require(principal, ACTION, organisation_id)
        values = validate(WebhookChange(), data)
        with self.db.transaction() as session:
            changed = endpoints.change(session, organisation_id, webhook_id, values, now())
        self.courier.wake()
        return changed

    @api
    def delete_webhook(self, principal, organisation_id, webhook_id):
        require(principal, ACTION, organisation_id)
        with self.db.transaction() as session:
            return endpoints.delete(session, organisation_id, webhook_id)

    @api
    def rotate_secret(self, principal, organisation_id, webhook_id):
        require(principal, ACTION, organisation_id)
        with self.db.transaction() as session:
            rotated = endpoints.rotate(session, self.courier.box, organisation_id, webhook_id, now())
        log.info("the secret of webhook %s was rotated", rotated["id"])
        return rotated

    # --- the delivery log ---------------------------------------------------------------
    @api
    def list_deliveries(self, principal, organisation_id, webhook_id, filters=None):
        require(principal, ACTION, organisation_id)
        status = (filters or {}).get("status") or None
        if status is not None and status not in deliveries.STATUSES:
            raise InvalidInput("Choose a status from the list.", {
                "status": [f"Choose one of: {', '.join(deliveries.STATUSES)}."]})
        with self.db.sessions() as session:
            return deliveries.log(session, organisation_id, webhook_id, status)

    @api
    def replay_delivery(self, principal, organisation_id, webhook_id, delivery_id):
        require(principal, ACTION, organisation_id)
        with self.db.transaction() as session:
            replayed = deliveries.replay(session, organisation_id, webhook_id, delivery_id, now())
        self.courier.wake()
        return replayed

    # --- telling admins an endpoint was turned off --------------------------------------
    @timer(interval=2)
    def tell_admins(self):
        """Email the organisation's admins about each endpoint turned off (410 or failing)."""
        with self.db.sessions() as session:
            due = endpoints.notices_due(session)
        for endpoint in due:
            with self.db.transaction() as session:
                if not endpoints.claim_notice(session, endpoint.id):
                    continue  # another instance is sending it
            link = (str(settings.get("GATEWAY_URL")).rstrip("/") +
                    f"/admin/organisations/{endpoint.organisation_id}/webhooks/{endpoint.id}")
            message = endpoints.notice_for(endpoint, link)
            try:
                admins = call(self.rpc.identity.people_with_role, endpoint.organisation_id, "admin")
                for person_id in admins:
                    call(self.rpc.identity.notify_person, person_id, message)
            except Exception as exc:  # noqa: BLE001 - identity away: tell them next round
                log.warning("could not tell admins about a disabled webhook (%s)", type(exc).__name__)
                with self.db.transaction() as session:
                    endpoints.notice_not_sent(session, endpoint.id)
                return


def _handler(source: str):
    def handle(self, message):
        if not isinstance(message, dict):
            log.warning("an event on %s.events that is not an envelope was ignored", source)
            return
        with self.db.transaction() as session:
            created = deliveries.fan_out(session, message, now())
        if created:
            self.courier.wake()

    handle.__name__ = handle.__qualname__ = f"on_{source}_event"
    return on_event(source, "#")(handle)


# One durable queue per service's events exchange, bound to every routing key ("#").
for _source in BACKEND:
    if _source != WebhooksService.name:
        setattr(WebhooksService, f"on_{_source}_event", _handler(_source))
