"""Gateway: the feedback web pages (issue 4)."""
from __future__ import annotations


class FeedbackPages:
    """Mixed into GatewayService; every method name here must be unique across the mixins."""
