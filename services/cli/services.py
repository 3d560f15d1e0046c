"""Where each service's Nameko class lives, and the local ports used by `involve up`."""
from __future__ import annotations

import importlib

SERVICES = {
    "identity": "involve.identity.service:IdentityService",
    "panels": "involve.panels.service:PanelsService",
    "mystery_shopping": "involve.mystery_shopping.service:MysteryShoppingService",
    "feedback": "involve.feedback.service:FeedbackService",
    "commissioning": "involve.commissioning.service:CommissioningService",
    "reporting": "involve.reporting.service:ReportingService",
    "gateway": "involve.gateway.service:GatewayService",
}
BACKEND = [name for name in SERVICES if name != "gateway"]


def service_class(name: str):
    module, cls = SERVICES[name].split(":")
    return getattr(importlib.import_module(module), cls)


def local_metrics_port(name: str, gateway_port: int) -> int:
    """Each back-end service serves /metrics on its own loopback port next to the gateway's."""
    return gateway_port + 1 + BACKEND.index(name)
