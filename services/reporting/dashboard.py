"""The involvement dashboard: every metric (metrics.py) for one organisation, a period and
optionally a care service, by section, with its figures month by month; and the operational
figures as they stand now. The page, the CSV, the PDF and the API all show this one answer."""
from __future__ import annotations

from datetime import date, timedelta

from sqlalchemy import select

from involve.kernel.db import now
from involve.kernel.errors import InvalidInput
from involve.kernel.schemas import validate

from . import log as event_log
from . import metrics as mt
from . import models as m
from .contract import ReportingFilters

_filters = ReportingFilters()


def default_period(today: date) -> tuple[date, date]:
    """The last twelve months: from the first day of the month eleven months ago to today."""
    year, month = today.year, today.month - 11
    while month < 1:
        year, month = year - 1, month + 12
    return date(year, month, 1), today


def care_services(session, organisation_id: str) -> list[dict]:
    t = m.rp_care_services
    return [{"id": r[0], "name": r[1]} for r in session.execute(
        select(t.c.care_service_id, t.c.name).where(t.c.organisation_id == organisation_id)
        .order_by(t.c.name, t.c.care_service_id))]


def organisation(session, organisation_id: str) -> dict:
    name = session.scalar(select(m.rp_organisations.c.name).where(
        m.rp_organisations.c.organisation_id == organisation_id))
    return {"id": organisation_id, "name": name}


def scope_from(session, organisation_id: str, filters) -> mt.Scope:
    values = validate(_filters, filters or {})
    start, end = default_period(now().date())
    start, end = values["from_"] or start, values["to"] or end
    if values["from_"] and not values["to"] and start > end:
        end = start + timedelta(days=365)
    if values["to"] and not values["from_"] and start > end:
        start = end - timedelta(days=364)
    if start > end:
        raise InvalidInput("The end comes before the start.", {"to": ["The end comes before "
                                                                      "the start."]})
    care_service_id = values["care_service_id"]
    if care_service_id and care_service_id not in {c["id"] for c in care_services(
            session, organisation_id)}:
        raise InvalidInput("We could not find that care service.", {
            "care_service_id": ["Choose one of the organisation's care services."]})
    return mt.Scope(organisation_id, start, end, care_service_id)


def build(session, scope: mt.Scope, with_series: bool = True) -> dict:
    evaluator = mt.Evaluator(session, scope)
    sections = []
    for key, title in mt.SECTIONS.items():
        chosen = [metric for metric in mt.METRICS if metric.section == key]
        sections.append({"key": key, "title": title,
                         "metrics": [evaluator.metric(metric.key, with_series)
                                     for metric in chosen]})
    figures = mt.operational(session, now(), scope.organisation_id)
    services = care_services(session, scope.organisation_id)
    rebuild = event_log.get_state(session, "rebuild") or {}
    return {
        "organisation": organisation(session, scope.organisation_id),
        "period": {"from": scope.start.isoformat(), "to": scope.end.isoformat()},
        "care_service": next((c for c in services if c["id"] == scope.care_service_id), None),
        "care_services": services, "months": scope.months(), "sections": sections,
        "operational": [{"key": f.key, "name": f.name, "definition": f.definition,
                         "value": figures[f.key].get(scope.organisation_id, 0)}
                        for f in mt.OPERATIONAL],
        "rebuilding": bool(rebuild.get("running")),
        "generated_at": now().isoformat(),
    }
