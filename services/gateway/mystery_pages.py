"""Gateway: the mystery-shopping web pages (issue 5)."""
from __future__ import annotations


class MysteryShoppingPages:
    """Mixed into GatewayService; every method name here must be unique across the mixins."""
