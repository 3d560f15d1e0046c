"""Prometheus figures for ops, from the operational metrics defined in metrics.py: one gauge per
figure, labelled by organisation, recomputed every REPORTING_GAUGE_SECONDS; and the events the
log received, by what happened to them."""
from __future__ import annotations

from prometheus_client import Counter, Gauge

from .metrics import OPERATIONAL, operational

GAUGES = {f.key: Gauge(f.gauge, f.definition, ["organisation"]) for f in OPERATIONAL}
EVENTS = Counter("involve_reporting_events_total",
                 "Events reporting received: applied to the read models, skipped (a type or "
                 "version it does not know, or data it cannot read), duplicate or refused",
                 ["status"])
_seen: dict[str, set[str]] = {key: set() for key in GAUGES}


def update(session, at) -> dict:
    figures = operational(session, at)
    for key, by_org in figures.items():
        gauge = GAUGES[key]
        for organisation_id, count in by_org.items():
            gauge.labels(organisation_id).set(count)
        for gone in _seen[key] - set(by_org):  # back to nothing: say 0, do not keep the old count
            gauge.labels(gone).set(0)
        _seen[key] |= set(by_org)
    return figures


def count(status: str) -> None:
    EVENTS.labels(status).inc()
