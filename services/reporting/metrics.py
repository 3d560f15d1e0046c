"""Every metric reporting shows, defined once: its name, what it means in plain English, how it
is computed, and the code that computes it. The dashboard page, its CSV and PDF, the API, the
self-assessment's suggested evidence and the Prometheus gauges all read them from here, so two
pages can never disagree about a number (Decidim's counters did: decidim/decidim#8845, fixed by
defining each metric once in #14287).

A metric reads rows from one *source* (a query on the read models for one organisation, a
period and optionally a care service) and *reduces* them to a value. The same reduce over each
month's rows gives the metric over time, so a month's figure and the period's always agree.
"""
from __future__ import annotations

import math
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from statistics import median

from sqlalchemy import and_, or_, select

from . import models as m

SERVICE_USER_ROLES = ("service_user", "volunteer", "council_member")
SERVICE_USER_CAPACITIES = ("service_user", "carer")
ROLE_NAMES = {"service_user": "People who use services", "volunteer": "Volunteers",
              "council_member": "Council members", "staff": "Staff",
              "responder": "Staff who answer stories", "moderator": "Moderators",
              "commissioner": "Commissioners", "involvement_lead": "Involvement leads",
              "admin": "Administrators", "unknown": "Role not known"}
ACTIVITY_NAMES = {"mystery_call": "Mystery-shopping calls", "meeting_attended":
                  "Commissioning meetings attended", "agreement_signed":
                  "Working agreements signed", "training": "Training completed",
                  "story_told": "Stories told", "panel_registration": "Panel registrations"}
PERSONAL_KINDS = ("mystery_call", "meeting_attended", "agreement_signed", "training")


# --- the query behind every metric ----------------------------------------------------------------
@dataclass(frozen=True)
class Scope:
    """One organisation, a period (dates, both included) and optionally one care service."""
    organisation_id: str
    start: date
    end: date
    care_service_id: str | None = None

    @property
    def since(self) -> datetime:
        return datetime.combine(self.start, time.min, tzinfo=UTC)

    @property
    def until(self) -> datetime:  # the moment after the period
        return datetime.combine(self.end + timedelta(days=1), time.min, tzinfo=UTC)

    def months(self) -> list[str]:
        out, year, month = [], self.start.year, self.start.month
        while (year, month) <= (self.end.year, self.end.month):
            out.append(f"{year:04d}-{month:02d}")
            year, month = (year + 1, 1) if month == 12 else (year, month + 1)
        return out


def month_of(moment) -> str:
    return f"{moment.year:04d}-{moment.month:02d}"


def _project_in_service(care_service_id):
    ps, pr = m.rp_project_services, m.rp_projects
    return select(ps.c.project_id).join(pr, and_(pr.c.project_id == ps.c.project_id,
                                                 pr.c.scope_ver == ps.c.ver)).where(
        ps.c.care_service_id == care_service_id)


def _within(column, scope: Scope):
    return and_(column >= scope.since, column < scope.until)


def _rows(session, query) -> list[dict]:
    # fetched at once and zipped with the column names: a third of a dashboard's time on
    # PostgreSQL went on fetching row by row into mappings
    result = session.execute(query)
    keys = tuple(result.keys())
    return [dict(zip(keys, row, strict=True)) for row in result.all()]


def src_activities(session, scope: Scope) -> list[dict]:
    a = m.rp_activities
    query = select(a.c.kind, a.c.person_id, a.c.capacity, a.c.at).where(
        a.c.organisation_id == scope.organisation_id, _within(a.c.at, scope))
    if scope.care_service_id:
        s = m.rp_activity_services
        query = query.where(or_(
            a.c.activity_id.in_(select(s.c.activity_id).where(
                s.c.care_service_id == scope.care_service_id)),
            a.c.project_id.in_(_project_in_service(scope.care_service_id))))
    rows = _rows(session, query)
    people = {r["person_id"] for r in rows if r["person_id"]}
    roles = {}
    if people:
        p = m.rp_people
        found = session.execute(select(p.c.person_id, p.c.roles).where(
            p.c.organisation_id == scope.organisation_id)).all()
        roles = {person: list(r or []) for person, r in found if person in people}
    for r in rows:
        r["roles"] = roles.get(r["person_id"], [])
    return rows


def src_selections(session, scope: Scope) -> list[dict]:
    s = m.rp_selections
    return _rows(session, select(s.c.selection_id, s.c.panel_size, s.c.quotas,
                                 s.c.completed_at.label("at")).where(
        s.c.organisation_id == scope.organisation_id, _within(s.c.completed_at, scope))
        .order_by(s.c.completed_at))


def src_calls(session, scope: Scope) -> list[dict]:
    c = m.rp_calls
    query = select(c.c.efficiency, c.c.feeling, c.c.care_service_id,
                   c.c.recorded_at.label("at")).where(
        c.c.organisation_id == scope.organisation_id, _within(c.c.recorded_at, scope))
    if scope.care_service_id:
        query = query.where(c.c.care_service_id == scope.care_service_id)
    return _rows(session, query)


def _story_filter(query, column, scope):
    if scope.care_service_id:
        s = m.rp_story_services
        query = query.where(column.in_(select(s.c.story_id).where(
            s.c.care_service_id == scope.care_service_id)))
    return query


def src_stories(session, scope: Scope) -> list[dict]:
    s = m.rp_stories
    query = select(s.c.story_id, s.c.published_at.label("at"), s.c.first_response_at).where(
        s.c.organisation_id == scope.organisation_id, _within(s.c.published_at, scope))
    return _rows(session, _story_filter(query, s.c.story_id, scope))


def src_changes(session, scope: Scope) -> list[dict]:
    r = m.rp_responses
    query = select(r.c.change_status, r.c.initial_change_status, r.c.verdict, r.c.panel_verdict,
                   r.c.published_at.label("at")).where(
        r.c.organisation_id == scope.organisation_id, _within(r.c.published_at, scope))
    rows = _rows(session, _story_filter(query, r.c.story_id, scope))
    for row in rows:
        row["status"] = row["change_status"] or row["initial_change_status"] or "none"
    return rows


def _project_filter(query, column, scope):
    if scope.care_service_id:
        query = query.where(column.in_(_project_in_service(scope.care_service_id)))
    return query


def src_meetings(session, scope: Scope) -> list[dict]:
    t = m.rp_meetings
    query = select(t.c.attended, t.c.service_users_attended, t.c.decision_maker_present,
                   t.c.held_at.label("at")).where(
        t.c.organisation_id == scope.organisation_id, _within(t.c.held_at, scope))
    return _rows(session, _project_filter(query, t.c.project_id, scope))


def src_payments(session, scope: Scope) -> list[dict]:
    t = m.rp_claims
    query = select(t.c.days_to_pay, t.c.within_target, t.c.paid_at.label("at")).where(
        t.c.organisation_id == scope.organisation_id, _within(t.c.paid_at, scope))
    return _rows(session, _project_filter(query, t.c.project_id, scope))


def src_briefings(session, scope: Scope) -> list[dict]:
    t = m.rp_briefing_items
    query = select(t.c.on_time, t.c.released_at.label("at")).where(
        t.c.organisation_id == scope.organisation_id, _within(t.c.released_at, scope))
    return _rows(session, _project_filter(query, t.c.project_id, scope))


def src_bulletins(session, scope: Scope) -> list[dict]:
    t = m.rp_bulletins
    query = select(t.c.bulletin_id, t.c.published_at.label("at")).where(
        t.c.organisation_id == scope.organisation_id, _within(t.c.published_at, scope))
    if scope.care_service_id:
        s = m.rp_bulletin_services
        query = query.where(or_(
            t.c.bulletin_id.in_(select(s.c.bulletin_id).where(
                s.c.care_service_id == scope.care_service_id)),
            t.c.project_id.in_(_project_in_service(scope.care_service_id))))
    return _rows(session, query)


def src_policies(session, scope: Scope) -> list[dict]:
    t = m.rp_payment_policies
    return _rows(session, select(t.c.version, t.c.set_at.label("at")).where(
        t.c.organisation_id == scope.organisation_id, t.c.set_at < scope.until))


def src_evaluations(session, scope: Scope) -> list[dict]:
    t = m.rp_evaluations
    query = select(t.c.evaluators, t.c.service_user_evaluators, t.c.moderated_at.label("at"))\
        .where(t.c.organisation_id == scope.organisation_id, _within(t.c.moderated_at, scope))
    return _rows(session, _project_filter(query, t.c.project_id, scope))


SOURCES: dict[str, Callable] = {
    "activities": src_activities, "selections": src_selections, "calls": src_calls,
    "stories": src_stories, "changes": src_changes, "meetings": src_meetings,
    "payments": src_payments, "briefings": src_briefings, "bulletins": src_bulletins,
    "policies": src_policies, "evaluations": src_evaluations,
}


# --- reducing rows to a value ----------------------------------------------------------------------
def _share(part: int, whole: int):
    return None if whole == 0 else part / whole


def _mean(values):
    values = [v for v in values if v is not None]
    return None if not values else sum(values) / len(values)


def _involved(rows):
    """Activities with a person taking part as a service user: a service-user role, or a
    service-user or carer capacity at the meeting."""
    return [r for r in rows if r["person_id"] and r["kind"] in PERSONAL_KINDS and (
        r["capacity"] in SERVICE_USER_CAPACITIES
        or any(role in SERVICE_USER_ROLES for role in r["roles"]))]


def people_involved(rows):
    return len({r["person_id"] for r in _involved(rows)})


def top_tenth_share(rows):
    counts = sorted(Counter(r["person_id"] for r in _involved(rows)).values(), reverse=True)
    if not counts:
        return None
    top = math.ceil(len(counts) / 10)
    return sum(counts[:top]) / sum(counts)


def people_by_role(rows):
    by_person = {}
    for r in _involved(rows):
        by_person[r["person_id"]] = r["roles"]
    counts = Counter()
    for roles in by_person.values():
        for role in (roles or ["unknown"]):
            counts[role] += 1
    return dict(counts)


def activities_by_kind(rows):
    return dict(Counter(r["kind"] for r in rows))


def _values(row):
    return [q for q in (row["quotas"] or []) if row["panel_size"]]


def quotas_met(rows):
    checked = [q for r in rows for q in _values(r)]
    return _share(sum(1 for q in checked if q["min"] <= q["selected"] <= q["max"]), len(checked))


def diversity_gap(rows):
    gaps = [abs(q["selected"] - (q["min"] + q["max"]) / 2) / r["panel_size"] * 100
            for r in rows for q in _values(r)]
    return _mean(gaps)


def latest_panel(rows):
    with_quotas = [r for r in rows if r["quotas"] and r["panel_size"]]
    if not with_quotas:
        return None
    r = with_quotas[-1]
    return [{"category": q["feature"], "value": q["value"], "selected": q["selected"],
             "selected_share": q["selected"] / r["panel_size"],
             "target_share": (q["min"] + q["max"]) / 2 / r["panel_size"],
             "quota": f"{q['min']} to {q['max']}", "pool": q["pool"]} for q in r["quotas"]]


def median_days(rows, start, end):
    days = [(r[end] - r[start]).total_seconds() / 86400 for r in rows
            if r.get(start) is not None and r.get(end) is not None]
    return None if not days else median(days)


def _changes(rows, status=None, confirmed=False):
    found = [r for r in rows if r["status"] in (("planned", "made") if status is None
                                                 else (status,))]
    if confirmed:
        found = [r for r in found if "confirmed" in (r["verdict"], r["panel_verdict"])]
    return len(found)


@dataclass(frozen=True)
class Metric:
    key: str
    section: str
    name: str
    definition: str
    computation: str
    unit: str  # count | share | days | score_100 | score_5 | yes_no | points | table
    source: str
    reduce: Callable
    per_care_service: bool = True  # False: the organisation's figure, whatever the filter
    cumulative: bool = False  # over time: everything up to the end of each month
    columns: tuple = field(default=())  # for a table: (key, heading, unit)


SECTIONS = {
    "involvement": "People involved",
    "panels": "Panels",
    "mystery_shopping": "Mystery shopping",
    "feedback": "Stories and responses",
    "commissioning": "Commissioning",
    "payments": "Payments for involvement",
}

METRICS: list[Metric] = [
    Metric("people_involved", "involvement", "People involved",
           "How many different people took part as service users (people who use services, "
           "volunteers, council members, or anyone attending as a service user or carer).",
           "Distinct pseudonymous ids with at least one mystery-shopping call, commissioning "
           "meeting attended, working agreement signed or training completed in the period.",
           "count", "activities", people_involved),
    Metric("top_tenth_share", "involvement", "Share of activity by the most active tenth",
           "How much of the involvement is done by the busiest 10% of the people involved. A "
           "high share warns of over-reliance on the same few people.",
           "The activities of the most active 10% of people involved (rounded up to whole "
           "people) divided by all their activities in the period.",
           "share", "activities", top_tenth_share),
    Metric("people_by_role", "involvement", "People involved, by role",
           "The people involved, counted under each of their roles at the organisation.",
           "Distinct people involved in the period, by the roles identity last gave them; "
           "someone with two roles counts under both.",
           "table", "activities", people_by_role, columns=(("role", "Role", "text"),
                                                           ("people", "People", "count"))),
    Metric("activities_by_kind", "involvement", "Involvement, by activity",
           "How many times people took part, by kind of activity.",
           "Activities in the period by kind: mystery-shopping calls, meetings attended, "
           "agreements signed, training, stories told, panel registrations.",
           "table", "activities", activities_by_kind,
           columns=(("activity", "Activity", "text"), ("count", "Times", "count"))),
    Metric("panels_selected", "panels", "Panels selected",
           "How many panels were selected by lottery.",
           "Completed panel selections in the period.", "count", "selections", len,
           per_care_service=False),
    Metric("panel_quotas_met", "panels", "Panel places meeting their targets",
           "How often a panel had as many people of each group (for example each age band) as "
           "its targets asked for.",
           "Category values whose number of people selected lies within the quota's minimum "
           "and maximum, over every category value of every panel selected in the period.",
           "share", "selections", quotas_met, per_care_service=False),
    Metric("panel_diversity_gap", "panels", "Distance from target shares",
           "How far panels were from the make-up they aimed for: 0 means exactly on target.",
           "For each category value: the share of the panel with it, minus its target share "
           "(the middle of its quota divided by the panel size), ignoring the sign; the mean "
           "in percentage points over every value of every panel selected in the period.",
           "points", "selections", diversity_gap, per_care_service=False),
    Metric("latest_panel", "panels", "Make-up of the latest panel",
           "The latest panel in the period against its targets: numbers of people only, "
           "never who.",
           "From the latest selection in the period: people selected per category value, "
           "their share of the panel, the target share and the quota.",
           "table", "selections", latest_panel, per_care_service=False,
           columns=(("category", "Category", "text"), ("value", "Value", "text"),
                    ("selected", "Selected", "count"), ("selected_share", "Share", "share"),
                    ("target_share", "Target share", "share"), ("quota", "Quota", "text"))),
    Metric("mystery_calls", "mystery_shopping", "Mystery-shopping calls",
           "How many calls mystery shoppers made and recorded.",
           "Calls recorded in the period.", "count", "calls", len),
    Metric("mystery_efficiency", "mystery_shopping", "How efficiently calls were handled",
           "How well calls were handled as a process, out of 100 (the share of the benchmark "
           "questions met). Reported apart from how calls felt.",
           "The mean of the efficiency scores of the calls recorded in the period.",
           "score_100", "calls", lambda rows: _mean(r["efficiency"] for r in rows)),
    Metric("mystery_feeling", "mystery_shopping", "How calls felt",
           "How welcome and listened to the shoppers felt, from 1 to 5. Reported apart from "
           "how efficiently calls were handled.",
           "The mean of the feeling scores of the calls recorded in the period.",
           "score_5", "calls", lambda rows: _mean(r["feeling"] for r in rows)),
    Metric("stories_published", "feedback", "Stories published",
           "How many stories people told were published.",
           "Stories published in the period.", "count", "stories", len),
    Metric("response_rate", "feedback", "Stories answered",
           "The share of published stories the service has answered in public.",
           "Stories published in the period that have a published response (by now), divided "
           "by the stories published in the period.", "share", "stories",
           lambda rows: _share(sum(1 for r in rows if r["first_response_at"]), len(rows))),
    Metric("median_days_to_response", "feedback", "Typical time to a response",
           "How long people usually wait for a public response to their story.",
           "The median, over stories published in the period that have been answered, of the "
           "days from publication to the first published response.", "days", "stories",
           lambda rows: median_days(rows, "at", "first_response_at")),
    Metric("changes_planned", "feedback", "Changes planned",
           "Responses to stories that say a change is planned.",
           "Responses published in the period whose change is (still) planned.", "count",
           "changes", lambda rows: _changes(rows, "planned")),
    Metric("changes_made", "feedback", "Changes made",
           "Responses to stories that say a change has been made.",
           "Responses published in the period whose change is made.", "count", "changes",
           lambda rows: _changes(rows, "made")),
    Metric("changes_confirmed", "feedback", "Changes confirmed",
           "Changes that the person who told the story, or a panel of service users, confirmed "
           "really happened.",
           "Responses published in the period claiming a change (planned or made) that the "
           "story's author or a panel has confirmed.", "count", "changes",
           lambda rows: _changes(rows, confirmed=True)),
    Metric("meetings_held", "commissioning", "Commissioning meetings held",
           "Meetings of commissioning groups that took place.",
           "Meetings recorded as held in the period.", "count", "meetings", len),
    Metric("meetings_with_decision_maker", "commissioning",
           "Meetings with a decision-maker present",
           "How often someone who can make the decision (the lead officer or their deputy) was "
           "in the room with the service users.",
           "Meetings held in the period with the lead officer or deputy present, divided by the "
           "meetings held.", "share", "meetings",
           lambda rows: _share(sum(1 for r in rows if r["decision_maker_present"]), len(rows))),
    Metric("service_user_share_at_meetings", "commissioning", "Service users among those at meetings",
           "The share of the people at commissioning meetings who came as service users.",
           "Service users who attended, divided by everyone who attended, over the meetings "
           "held in the period.", "share", "meetings",
           lambda rows: _share(sum(r["service_users_attended"] for r in rows),
                               sum(r["attended"] for r in rows))),
    Metric("service_user_evaluators", "commissioning", "Service users among evaluators",
           "The share of the people scoring providers' bids who are service users.",
           "Service-user evaluators divided by all evaluators, over the evaluations moderated "
           "in the period.", "share", "evaluations",
           lambda rows: _share(sum(r["service_user_evaluators"] for r in rows),
                               sum(r["evaluators"] for r in rows))),
    Metric("briefings_on_time", "commissioning", "Confidential items released on time",
           "How often information kept confidential was shared when it was promised.",
           "Briefing items released in the period that were released on time, divided by the "
           "items released.", "share", "briefings",
           lambda rows: _share(sum(1 for r in rows if r["on_time"]), len(rows))),
    Metric("bulletins_published", "commissioning", "Bulletins published",
           "News from commissioning projects shared with everyone.",
           "Bulletins published in the period.", "count", "bulletins", len),
    Metric("payment_policy_in_place", "payments", "A payment policy in place",
           "Whether the organisation has a policy for paying people for their time and "
           "expenses.", "Whether a payment policy had been set by the end of the period.",
           "yes_no", "policies", lambda rows: bool(rows), per_care_service=False,
           cumulative=True),
    Metric("payments_made", "payments", "Claims paid",
           "How many claims for involvement were paid.", "Claims paid in the period.", "count",
           "payments", len),
    Metric("median_days_to_pay", "payments", "Typical time from claim to payment",
           "How long people usually wait to be paid after they claim.",
           "The median, over claims paid in the period, of the days from the claim being sent "
           "to it being paid.", "days", "payments",
           lambda rows: None if not rows else median(r["days_to_pay"] for r in rows)),
    Metric("paid_within_target", "payments", "Claims paid within the target time",
           "The share of claims paid within the time the payment policy promises.",
           "Claims paid in the period within the policy's target days, divided by the claims "
           "paid in the period.", "share", "payments",
           lambda rows: _share(sum(1 for r in rows if r["within_target"]), len(rows))),
]
BY_KEY = {metric.key: metric for metric in METRICS}
assert len(BY_KEY) == len(METRICS)
assert all(metric.source in SOURCES and metric.section in SECTIONS for metric in METRICS)


# --- what people read ----------------------------------------------------------------------------
def display(unit: str, value) -> str:
    """A value as the pages, CSV and PDF show it."""
    if value is None:
        return "No data yet"
    if unit == "share":
        return f"{round(value * 100)}%"
    if unit == "days":
        return f"{value:.1f} days"
    if unit == "score_100":
        return f"{value:.0f} out of 100"
    if unit == "score_5":
        return f"{value:.1f} out of 5"
    if unit == "points":
        return f"{value:.1f} percentage points"
    if unit == "yes_no":
        return "Yes" if value else "No"
    if unit == "count":
        return f"{value:,}"
    return str(value)


def _table(metric: Metric, value) -> list[dict]:
    if value is None:
        return []
    if isinstance(value, list):
        return value
    first, second = metric.columns[0][0], metric.columns[1][0]
    names = ROLE_NAMES if first == "role" else ACTIVITY_NAMES
    return [{first: names.get(k, k), second: v}
            for k, v in sorted(value.items(), key=lambda kv: (-kv[1], kv[0]))]


def definitions() -> list[dict]:
    return [{"key": mt.key, "section": mt.section, "section_title": SECTIONS[mt.section],
             "name": mt.name, "definition": mt.definition, "computation": mt.computation,
             "unit": mt.unit, "per_care_service": mt.per_care_service} for mt in METRICS]


class Evaluator:
    """Computes metrics for one scope, reading each source once."""

    def __init__(self, session, scope: Scope):
        self.session, self.scope = session, scope
        self._cache: dict[tuple, list[dict]] = {}
        self._by_month: dict[tuple, list[tuple[str, dict]]] = {}

    def _key(self, source: str, organisation_wide: bool) -> tuple:
        scope = self.scope
        if organisation_wide and scope.care_service_id:
            scope = Scope(scope.organisation_id, scope.start, scope.end, None)
        return source, scope

    def rows(self, source: str, organisation_wide: bool) -> list[dict]:
        key = self._key(source, organisation_wide)
        if key not in self._cache:
            self._cache[key] = SOURCES[source](self.session, key[1])
        return self._cache[key]

    def _months_of_rows(self, source: str, organisation_wide: bool) -> list[tuple[str, dict]]:
        """(month, row) for each row, in the rows' order: each row's month worked out once per
        source, not once per metric and month (that was most of a dashboard's time)."""
        key = self._key(source, organisation_wide)
        if key not in self._by_month:
            self._by_month[key] = [(month_of(r["at"]), r)
                                   for r in self.rows(source, organisation_wide)]
        return self._by_month[key]

    def value(self, key: str):
        metric = BY_KEY[key]
        return metric.reduce(self.rows(metric.source, not metric.per_care_service))

    def series(self, metric: Metric) -> list[dict]:
        dated = self._months_of_rows(metric.source, not metric.per_care_service)
        in_month: dict[str, list[dict]] = {}
        if not metric.cumulative:
            for month, row in dated:
                in_month.setdefault(month, []).append(row)
        out = []
        for month in self.scope.months():
            chosen = ([r for m_, r in dated if m_ <= month] if metric.cumulative
                      else in_month.get(month, []))
            value = metric.reduce(chosen)
            out.append({"month": month, "value": value, "display": display(metric.unit, value)})
        return out

    def metric(self, key: str, with_series: bool = True) -> dict:
        mt = BY_KEY[key]
        value = self.value(key)
        out = {"key": mt.key, "name": mt.name, "definition": mt.definition,
               "computation": mt.computation, "unit": mt.unit, "value": value,
               "display": display(mt.unit, value) if mt.unit != "table" else None,
               "organisation_wide": bool(self.scope.care_service_id and not mt.per_care_service)}
        if mt.unit == "table":
            out["table"] = {"columns": [{"key": k, "heading": h, "unit": u}
                                        for k, h, u in mt.columns],
                            "rows": _table(mt, value)}
            out["value"] = out["table"]["rows"]
        elif with_series:
            out["series"] = self.series(mt)
        return out


# --- operational figures: what ops alert on (now, not over a period) ---------------------------------
BRIEFING_GRACE = timedelta(minutes=5)  # the release timer runs every half minute


def _unanswered_critical(at):
    s = m.rp_stories
    return s.c.organisation_id, and_(s.c.escalated_at.is_not(None),
                                     s.c.first_response_at.is_(None))


def _overdue_claims(at):
    c = m.rp_claims
    # a claim is due target_days after it was sent; compared in Python-free SQL would need
    # date arithmetic that differs by database, so the query narrows and Python decides
    return c.c.organisation_id, and_(c.c.paid_at.is_(None), c.c.rejected_at.is_(None),
                                     c.c.target_days.is_not(None), c.c.submitted_at.is_not(None))


def _briefings_late(at):
    b = m.rp_briefing_items
    return b.c.organisation_id, and_(b.c.until == "date", b.c.released_at.is_(None),
                                     b.c.due_at.is_not(None), b.c.due_at < at - BRIEFING_GRACE)


@dataclass(frozen=True)
class Operational:
    key: str
    gauge: str
    name: str
    definition: str
    table: object
    where: Callable


OPERATIONAL = [
    Operational("unanswered_critical_stories", "involve_reporting_unanswered_critical_stories",
                "Critical stories still unanswered",
                "Published stories rated critical that had no public response in the time "
                "allowed (feedback escalated them) and still have none.",
                m.rp_stories, _unanswered_critical),
    Operational("overdue_claims", "involve_reporting_overdue_claims", "Claims overdue",
                "Claims for involvement not yet paid or rejected, sent longer ago than the "
                "payment policy's target days.", m.rp_claims, _overdue_claims),
    Operational("briefings_past_release", "involve_reporting_briefings_past_release",
                "Confidential items past their release time",
                "Briefing items due to be released at a time that has passed (by more than five "
                "minutes) and are still confidential.", m.rp_briefing_items, _briefings_late),
]


def operational(session, at: datetime, organisation_id: str | None = None) -> dict:
    """{key: {organisation_id: count}} for every operational figure (one organisation or all)."""
    out = {}
    for figure in OPERATIONAL:
        org_column, condition = figure.where(at)
        query = select(org_column, *([figure.table.c.submitted_at, figure.table.c.target_days]
                                     if figure.key == "overdue_claims" else [])).where(condition)
        if organisation_id:
            query = query.where(org_column == organisation_id)
        counts = Counter()
        for row in session.execute(query):
            if figure.key == "overdue_claims" and \
                    row[1] + timedelta(days=row[2]) >= at:
                continue
            counts[row[0]] += 1
        out[figure.key] = dict(counts)
    return out
