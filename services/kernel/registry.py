"""The one list of Involve's services: where each one's Nameko class lives.

The CLI (``involve up``, ``involve service NAME``), the gateway's health check, the tests and the
layout test all read it from here, so adding a service means adding one line.
"""
from __future__ import annotations

SERVICES = {
    "identity": "involve.identity.service:IdentityService",
    "panels": "involve.panels.service:PanelsService",
    "mystery_shopping": "involve.mystery_shopping.service:MysteryShoppingService",
    "feedback": "involve.feedback.service:FeedbackService",
    "commissioning": "involve.commissioning.service:CommissioningService",
    "reporting": "involve.reporting.service:ReportingService",
    "webhooks": "involve.webhooks.service:WebhooksService",
    "gateway": "involve.gateway.service:GatewayService",
}
BACKEND = [name for name in SERVICES if name != "gateway"]
