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
EVENTS_RETRIED = Counter(
    "involve_events_retried_total",
    "Events a handler failed on and set aside to try again after a pause",
    ["service", "handler"],
)
EVENTS_PARKED = Counter(
    "involve_events_parked_total",
    "Events parked in a handler's dead-letter queue (.parked) after their last try, or "
    "because they were not events at all: alert on any increase",
    ["service", "handler"],
)
RPC_REPLIES_DROPPED = Counter(
    "involve_rpc_replies_dropped_total",
    "RPC replies dropped because the broker could not take them before the caller gave up",
    ["service"],
)
RPC_REQUESTS_REPEATED = Counter(
    "involve_rpc_requests_repeated_total",
    "RPC requests the broker delivered again after this process had started them (their "
    "acknowledgement was lost with a killed broker): acknowledged and not run twice",
    ["service"],
)


def exposition() -> tuple[bytes, str]:
    return generate_latest(), CONTENT_TYPE_LATEST
