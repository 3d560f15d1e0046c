"""Webhooks: an organisation's events delivered to its own systems, signed (Standard Webhooks v1)."""
