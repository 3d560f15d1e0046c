"""The gateway (Nameko): the HTTP API and web pages. The only part of Involve open to the world.

It holds no data of its own: every answer comes from a service over RPC. Each area (a folder
named like its service) brings its API routes and its pages; ``web/`` holds the plumbing they
share. This class only puts them together.
"""
from __future__ import annotations

from involve.kernel.nameko_parts import MetricsEndpoint
from involve.kernel.rpc import RpcClient

from .commissioning.api import CommissioningApi
from .commissioning.pages import CommissioningPages
from .feedback.api import FeedbackApi
from .feedback.pages import FeedbackPages
from .identity.api import IdentityApi
from .identity.pages import IdentityPages
from .mystery_shopping.api import MysteryShoppingApi
from .mystery_shopping.pages import MysteryShoppingPages
from .panels.api import PanelsApi
from .panels.pages import PanelsPages
from .reporting.api import ReportingApi
from .reporting.pages import ReportingPages
from .web import accesslog
from .web.principals import PrincipalCache
from .web.site import Site
from .webhooks.api import WebhooksApi
from .webhooks.pages import WebhooksPages

accesslog.install()  # links in emails carry secrets in their query: never in the access log


class GatewayService(FeedbackApi, FeedbackPages, MysteryShoppingApi, MysteryShoppingPages, PanelsApi,
                     PanelsPages, IdentityPages, IdentityApi, WebhooksApi, WebhooksPages,
                     CommissioningApi, CommissioningPages, ReportingApi, ReportingPages, Site,
                     MetricsEndpoint):
    name = "gateway"
    rpc = RpcClient()
    principals = PrincipalCache()
