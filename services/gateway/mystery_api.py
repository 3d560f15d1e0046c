"""Gateway: the mystery-shopping HTTP API (issue 5)."""
from __future__ import annotations


class MysteryShoppingApi:
    """Mixed into GatewayService; every method name here must be unique across the mixins."""
