"""Prometheus metrics shared by every service (one process usually runs one service)."""
from __future__ import annotations

from prometheus_client import CONTENT_TYPE_LATEST, Counter, Gauge, Histogram, generate_latest

ENTRYPOINT_CALLS = Counter(
    "involve_entrypoint_calls_total",
    "Calls to a service entrypoint (RPC, event handler, HTTP, timer)",
    ["service", "entrypoint", "outcome"],
)
ENTRYPOINT_SECONDS = Histogram(
    "involve_entrypoint_seconds",
    "Time spent in a service entrypoint",
    ["service", "entrypoint"],
)
OUTBOX_PENDING = Gauge(
    "involve_outbox_pending", "Events waiting in the outbox to be relayed", ["service"]
)
OUTBOX_RELAYED = Counter(
    "involve_outbox_relayed_total", "Events relayed from the outbox to RabbitMQ", ["service"]
)
EVENTS_HANDLED = Counter(
    "involve_events_handled_total",
    "Events handled, or skipped as already handled",
    ["service", "handler", "result"],
)


def exposition() -> tuple[bytes, str]:
    return generate_latest(), CONTENT_TYPE_LATEST
