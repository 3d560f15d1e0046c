"""The gateway (Nameko): the HTTP API and web pages. The only part of Involve open to the world.

It holds no data of its own: every answer comes from a service over RPC.
"""
from __future__ import annotations

import eventlet
from nameko.rpc import ClusterRpc
from nameko.web.handlers import http

from involve.kernel import settings
from involve.kernel.nameko_parts import MetricsEndpoint

from . import openapi, pages
from .feedback_api import FeedbackApi
from .feedback_pages import FeedbackPages
from .identity_api import IdentityApi
from .mystery_api import MysteryShoppingApi
from .mystery_pages import MysteryShoppingPages
from .panels_api import PanelsApi
from .panels_pages import PanelsPages
from .identity_pages import IdentityPages
from .routes import json_response
from .schemas import Health

BACKEND_SERVICES = ("identity", "panels", "mystery_shopping", "feedback", "commissioning",
                    "reporting")
VERSION = "0.1.0"


class GatewayService(FeedbackApi, FeedbackPages, MysteryShoppingApi, MysteryShoppingPages, PanelsApi,
                     PanelsPages, IdentityPages, IdentityApi, MetricsEndpoint):
    name = "gateway"
    rpc = ClusterRpc()

    def _service_health(self) -> dict:
        timeout = float(settings.get("HEALTH_TIMEOUT_SECONDS"))
        replies = {}
        for service in BACKEND_SERVICES:
            try:
                replies[service] = getattr(self.rpc, service).health.call_async()
            except Exception as exc:  # e.g. no queue for that service yet
                replies[service] = exc
        report = {}
        with eventlet.Timeout(timeout, False):
            for service, reply in replies.items():
                if isinstance(reply, Exception):
                    continue
                try:
                    reply.result()
                    report[service] = {"status": "up"}
                except Exception as exc:
                    report[service] = {"status": "down", "detail": type(exc).__name__}
        for service in BACKEND_SERVICES:
            report.setdefault(service, {"status": "down", "detail": "no answer in time"})
        return report

    @http("GET", "/health")
    def health(self, request):
        services = self._service_health()
        healthy = all(s["status"] == "up" for s in services.values())
        body = Health().dump({"status": "ok" if healthy else "degraded", "services": services})
        return json_response(body, 200 if healthy else 503)

    @http("GET", "/openapi.json")
    def openapi_document(self, request):
        return json_response(openapi.build(VERSION))

    @http("GET", "/")
    def home(self, request):
        return pages.render("home.html", title="Involve", viewer=self.page_viewer(request),
                            path=request.path)

    @http("GET", "/static/<string:name>")
    def static(self, request, name):
        return pages.static_file(name)
