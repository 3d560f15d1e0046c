"""Gateway: the feedback HTTP API (issue 4)."""
from __future__ import annotations


class FeedbackApi:
    """Mixed into GatewayService; every method name here must be unique across the mixins."""
