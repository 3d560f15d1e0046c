"""The read models: what each event writes, and how writes merge.

Every known event type and version has a function that turns the event into *writes*: (read
model, key, values). Every column of a read model has one merge rule:

* ``first``: set while empty (a fact only one event states, such as when a story was published);
* ``min`` / ``max``: the earliest or latest of the values seen (the first response to a story);
* ``lww:<group>``: the group of columns written together with the newest version
  (``<group>_ver`` or ``ver``: the event's time and id), such as a care service's name.

Each rule is idempotent and gives the same result whatever the order of the writes, so:
an event delivered twice changes nothing; events handled out of order (several instances, a
backfill) give the same tables; and ``rebuild`` (the whole log, merged a chunk at a time and
written in bulk) gives exactly what handling the events one by one gave. The tests check it.

Read models listed with ``append_only`` hold rows written once, whole (one activity).
"""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime

from sqlalchemy import select, tuple_, update
from sqlalchemy.dialects import postgresql, sqlite

from . import models as m


@dataclass(frozen=True)
class View:
    table: object
    rules: dict = field(default_factory=dict)
    append_only: bool = False

    @property
    def key(self) -> tuple[str, ...]:
        return tuple(c.name for c in self.table.primary_key.columns)

    @property
    def name(self) -> str:
        return self.table.name


def _rules(first=(), lww=(), mins=(), maxs=(), group="", ver="ver"):
    rules = dict.fromkeys(first, "first")
    rules |= dict.fromkeys(lww, f"lww:{ver}")
    rules |= dict.fromkeys(mins, "min")
    rules |= dict.fromkeys(maxs, "max")
    if lww:
        rules[ver] = f"ver:{ver}"
    return rules


VIEWS = {v.name: v for v in [
    View(m.rp_organisations, _rules(lww=("name", "kind"))),
    View(m.rp_care_services, _rules(first=("organisation_id",), lww=("name", "kind", "region"))),
    View(m.rp_people, {**_rules(lww=("roles",)), "first_seen": "min"}),
    View(m.rp_activities, append_only=True),
    View(m.rp_activity_services, append_only=True),
    View(m.rp_campaigns, _rules(first=("organisation_id", "panel_size", "opened_at"))),
    View(m.rp_selections, _rules(first=("organisation_id", "campaign_id", "algorithm",
                                        "panel_size", "pool_size", "quotas", "completed_at"))),
    View(m.rp_rounds, _rules(first=("organisation_id", "name", "set_key", "starts_on", "ends_on",
                                    "scheduled_at", "closed_at"))),
    View(m.rp_round_services, _rules(first=("organisation_id", "calls", "efficiency",
                                            "feeling"))),
    View(m.rp_calls, _rules(first=("organisation_id", "round_id", "care_service_id",
                                   "shopper_id", "persona", "efficiency", "feeling",
                                   "recorded_at"))),
    View(m.rp_stories, {**_rules(first=("organisation_id", "relationship", "assisted",
                                        "submitted_at", "published_at", "title",
                                        "rejected_at")),
                        "first_response_at": "min", "escalated_at": "min",
                        "escalation_stage": "max"}),
    View(m.rp_story_services, append_only=True),
    View(m.rp_responses, _rules(first=("organisation_id", "story_id", "published_at",
                                       "responder_title", "text", "initial_change_status"),
                                lww=("change_status", "change_description", "verdict",
                                     "panel_verdict", "changed_at"))),
    View(m.rp_projects, {**_rules(first=("organisation_id",)),
                         **_rules(lww=("phase",), ver="phase_ver"),
                         **_rules(lww=("title",), ver="scope_ver")}),
    View(m.rp_project_services, append_only=True),
    View(m.rp_meetings, _rules(first=("organisation_id", "project_id", "kind", "held_at", "hours",
                                      "invited", "attended", "service_users_attended",
                                      "decision_maker_present"))),
    View(m.rp_decisions, _rules(first=("organisation_id", "meeting_id", "project_id",
                                       "decided_at", "confidential"))),
    View(m.rp_briefing_items, _rules(first=("organisation_id", "project_id", "briefing_id",
                                            "meeting_id", "until", "due_at", "recorded_at",
                                            "released_at", "on_time", "released_how"))),
    View(m.rp_evaluations, _rules(first=("organisation_id", "project_id", "evaluators",
                                         "service_user_evaluators", "moderated_at"))),
    View(m.rp_claims, _rules(first=("organisation_id", "person_id", "project_id",
                                    "activity_kind", "submitted_at", "target_days",
                                    "rejected_at", "paid_at", "days_to_pay", "within_target",
                                    "amount"))),
    View(m.rp_payment_policies, _rules(first=("effective_from", "target_days", "set_at"))),
    View(m.rp_bulletins, _rules(first=("organisation_id", "project_id", "published_at", "items",
                                       "decisions", "title", "introduction", "content"))),
    View(m.rp_bulletin_services, append_only=True),
]}
assert {v.table for v in VIEWS.values()} == set(m.READ_MODELS)
# Columns that hold a person's pseudonymous id (rewritten when the person is erased).
PERSON_COLUMNS = [(m.rp_people, "person_id"), (m.rp_activities, "person_id"),
                  (m.rp_calls, "shopper_id"), (m.rp_claims, "person_id")]


# --- merging ---------------------------------------------------------------------------------------
def merge(view: View, current: dict, write: dict) -> dict:
    """``write`` merged into ``current`` (a row or another write) by the view's rules."""
    out = dict(current)
    groups = {}
    for column, value in write.items():
        rule = view.rules.get(column)
        if rule is None or value is None:
            continue
        if rule == "first":
            if out.get(column) is None:
                out[column] = value
        elif rule == "min":
            out[column] = value if out.get(column) is None else min(out[column], value)
        elif rule == "max":
            out[column] = value if out.get(column) is None else max(out[column], value)
        elif rule.startswith("ver:"):
            groups[column] = value
    for ver_column, ver in groups.items():
        if out.get(ver_column) is None or ver > out[ver_column]:
            out[ver_column] = ver
            for column, rule in view.rules.items():
                if rule == f"lww:{ver_column}":
                    out[column] = write.get(column)
    return out


class Writes:
    """Writes gathered for one event or a chunk of the log, merged per (view, key)."""

    def __init__(self):
        self.rows: dict[str, dict[tuple, dict]] = {}

    def add(self, view_name: str, values: dict) -> None:
        view = VIEWS[view_name]
        key = tuple(values[k] for k in view.key)
        rows = self.rows.setdefault(view_name, {})
        if view.append_only:
            rows.setdefault(key, values)
        elif key in rows:
            rows[key] = merge(view, rows[key], values)
        else:
            rows[key] = merge(view, {k: values[k] for k in view.key}, values)

    def __len__(self):
        return sum(len(r) for r in self.rows.values())


def _insert_ignore(session, table):
    if session.bind.dialect.name == "postgresql":
        return postgresql.insert(table).on_conflict_do_nothing()
    return sqlite.insert(table).on_conflict_do_nothing()


def apply(session, writes: Writes) -> None:
    """Merge the writes into the read models: insert what is missing, then merge the rest."""
    for view_name, rows in writes.rows.items():
        view = VIEWS[view_name]
        table = view.table
        columns = [c.name for c in table.columns]
        if view.append_only:
            session.execute(_insert_ignore(session, table),
                            [{c: r.get(c) for c in columns} for r in rows.values()])
            continue
        keys = list(rows)
        session.execute(_insert_ignore(session, table),
                        [dict(zip(view.key, k, strict=True)) for k in keys])
        key_cols = [table.c[k] for k in view.key]
        current = {}
        for start in range(0, len(keys), 400):
            part = keys[start:start + 400]
            where = (key_cols[0].in_([k[0] for k in part]) if len(key_cols) == 1
                     else tuple_(*key_cols).in_(part))
            query = select(table).where(where)
            if session.bind.dialect.name == "postgresql":
                query = query.with_for_update()
            for row in session.execute(query).mappings():
                current[tuple(row[k] for k in view.key)] = dict(row)
        changed = []
        for key, write in rows.items():
            before = current[key]
            after = merge(view, before, write)
            if after != before:
                changed.append(after)
        if changed:
            others = [c for c in columns if c not in view.key]
            statement = update(table).where(
                *[table.c[k] == _bind(f"k_{k}") for k in view.key]).values(
                {c: _bind(f"v_{c}") for c in others})
            session.connection().execute(statement, [
                {**{f"k_{k}": r[k] for k in view.key}, **{f"v_{c}": r.get(c) for c in others}}
                for r in changed])


def _bind(name):
    from sqlalchemy import bindparam

    return bindparam(name)


def clear(session) -> None:
    for table in reversed(m.READ_MODELS):
        session.execute(table.delete())


# --- reading events ------------------------------------------------------------------------------
@dataclass
class Event:
    id: str
    source: str
    name: str
    version: int
    organisation_id: str | None
    time: datetime
    data: dict

    @property
    def ver(self) -> str:
        return f"{self.time.strftime('%Y-%m-%dT%H:%M:%S.%f')}|{self.id}"


def when(value) -> datetime | None:
    """An ISO time (any offset) as a UTC datetime; None stays None."""
    if value is None:
        return None
    moment = datetime.fromisoformat(str(value).replace("Z", "+00:00"))
    if moment.tzinfo is None:
        raise ValueError("a time without a time zone")
    return moment.astimezone(UTC)


def day(value) -> date | None:
    return None if value is None else date.fromisoformat(str(value)[:10])


def _org(e: Event) -> str:
    org = e.organisation_id or e.data.get("organisation_id")
    if not isinstance(org, str) or not org:
        raise ValueError("the event belongs to no organisation")
    return org


def _ids(value) -> list[str]:
    if value is None:
        return []
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise ValueError("expected a list of ids")
    return list(dict.fromkeys(value))


Project = Callable[[Event, Writes], None]
HANDLERS: dict[tuple[str, str, int], Project] = {}
NOTHING_TO_PROJECT = set()


def handles(source: str, name: str, *versions: int):
    def register(fn):
        for version in versions:
            HANDLERS[(source, name, version)] = fn
        return fn
    return register


def knows_nothing_to_project(source: str, name: str, *versions: int) -> None:
    """Known types that no read model needs (recorded and counted as applied)."""
    for version in versions:
        HANDLERS[(source, name, version)] = lambda e, w: None
        NOTHING_TO_PROJECT.add((source, name, version))


def activity(w: Writes, e: Event, kind: str, *, n: int = 0, person=None, capacity=None,
             project=None, at=None, care_services=()) -> None:
    activity_id = f"{e.id}:{n}"
    org = _org(e)
    w.add("rp_activities", {"activity_id": activity_id, "organisation_id": org, "kind": kind,
                            "person_id": person, "capacity": capacity, "project_id": project,
                            "at": at or e.time})
    for care_service in care_services:
        w.add("rp_activity_services", {"activity_id": activity_id,
                                       "care_service_id": care_service, "organisation_id": org})


# identity ----------------------------------------------------------------------------------------
@handles("identity", "organisation.created", 1)
def _organisation(e, w):
    w.add("rp_organisations", {"organisation_id": e.data["organisation_id"],
                               "name": e.data["name"], "kind": e.data.get("kind"),
                               "ver": e.ver})


@handles("identity", "care_service.created", 1)
@handles("identity", "care_service.updated", 1)
def _care_service(e, w):
    w.add("rp_care_services", {"care_service_id": e.data["care_service_id"],
                               "organisation_id": _org(e), "name": e.data["name"],
                               "kind": e.data.get("kind"), "region": e.data.get("region"),
                               "ver": e.ver})


@handles("identity", "person.registered", 1)
@handles("identity", "roles.changed", 1)
def _roles(e, w):
    roles = e.data["roles"]
    if not isinstance(roles, list):
        raise ValueError("roles must be a list")
    w.add("rp_people", {"organisation_id": _org(e), "person_id": e.data["person_id"],
                        "roles": sorted(set(roles)), "first_seen": e.time, "ver": e.ver})


knows_nothing_to_project("identity", "consent.changed", 1)
knows_nothing_to_project("identity", "person.erased", 1)  # the log itself forgets (log.py)


# panels ------------------------------------------------------------------------------------------
@handles("panels", "campaign.opened", 1)
def _campaign(e, w):
    w.add("rp_campaigns", {"campaign_id": e.data["campaign_id"], "organisation_id": _org(e),
                           "panel_size": int(e.data["panel_size"]), "opened_at": e.time})


@handles("panels", "registration.received", 1)
def _registration(e, w):
    activity(w, e, "panel_registration")


@handles("panels", "selection.completed", 1, 2)
def _selection(e, w):
    quotas = None
    if e.version >= 2:
        quotas = [{"feature": str(q["feature"]), "value": str(q["value"]), "min": int(q["min"]),
                   "max": int(q["max"]), "selected": int(q["selected"]), "pool": int(q["pool"])}
                  for q in e.data["quotas"]]
    w.add("rp_selections", {"selection_id": e.data["selection_id"], "organisation_id": _org(e),
                            "campaign_id": e.data.get("campaign_id"),
                            "algorithm": e.data.get("algorithm"),
                            "panel_size": int(e.data["panel_size"]),
                            "pool_size": int(e.data["pool_size"]), "quotas": quotas,
                            "completed_at": e.time})


# mystery shopping --------------------------------------------------------------------------------
@handles("mystery_shopping", "round.scheduled", 1)
def _round(e, w):
    org = _org(e)
    w.add("rp_rounds", {"round_id": e.data["round_id"], "organisation_id": org,
                        "name": e.data["name"], "set_key": (e.data.get("question_set") or {})
                        .get("key"), "starts_on": day(e.data["starts_on"]),
                        "ends_on": day(e.data["ends_on"]), "scheduled_at": e.time})
    for care_service in _ids(e.data["care_service_ids"]):
        w.add("rp_round_services", {"round_id": e.data["round_id"],
                                    "care_service_id": care_service, "organisation_id": org})


def _score(value):
    return None if value is None else float(value)


@handles("mystery_shopping", "call.recorded", 1)
def _call(e, w):
    org = _org(e)
    score = _score
    w.add("rp_calls", {"call_id": e.data["call_id"], "organisation_id": org,
                       "round_id": e.data["round_id"],
                       "care_service_id": e.data["care_service_id"],
                       "shopper_id": e.data.get("shopper_id"), "persona": e.data.get("persona"),
                       "efficiency": score(e.data.get("efficiency")),
                       "feeling": score(e.data.get("feeling")), "recorded_at": e.time})
    activity(w, e, "mystery_call", person=e.data.get("shopper_id"),
             care_services=[e.data["care_service_id"]])


@handles("mystery_shopping", "round.closed", 1)
def _round_closed(e, w):
    org = _org(e)
    w.add("rp_rounds", {"round_id": e.data["round_id"], "organisation_id": org,
                        "set_key": (e.data.get("question_set") or {}).get("key"),
                        "closed_at": e.time})
    for s in e.data["services"]:
        w.add("rp_round_services", {
            "round_id": e.data["round_id"], "care_service_id": s["care_service_id"],
            "organisation_id": org, "calls": int(s["calls"]),
            "efficiency": _score(s.get("efficiency")), "feeling": _score(s.get("feeling"))})


# feedback ----------------------------------------------------------------------------------------
def _story_services(w, e, org):
    services = _ids(e.data["care_service_ids"])
    for care_service in services:
        w.add("rp_story_services", {"story_id": e.data["story_id"],
                                    "care_service_id": care_service, "organisation_id": org})
    return services


@handles("feedback", "story.submitted", 1)
def _story_submitted(e, w):
    org = _org(e)
    w.add("rp_stories", {"story_id": e.data["story_id"], "organisation_id": org,
                         "relationship": e.data.get("relationship"),
                         "assisted": bool(e.data.get("assisted")), "submitted_at": e.time})
    services = _story_services(w, e, org)
    activity(w, e, "story_told", care_services=services)


@handles("feedback", "story.published", 1)
def _story_published(e, w):
    org = _org(e)
    w.add("rp_stories", {"story_id": e.data["story_id"], "organisation_id": org,
                         "published_at": when(e.data.get("published_at")) or e.time,
                         "title": e.data.get("title")})
    _story_services(w, e, org)


@handles("feedback", "story.rejected", 1)
def _story_rejected(e, w):
    w.add("rp_stories", {"story_id": e.data["story_id"], "organisation_id": _org(e),
                         "rejected_at": e.time})


@handles("feedback", "response.published", 1)
def _response(e, w):
    org = _org(e)
    w.add("rp_responses", {"response_id": e.data["response_id"], "organisation_id": org,
                           "story_id": e.data["story_id"], "published_at": e.time,
                           "responder_title": e.data.get("responder_title"),
                           "text": e.data.get("text"),
                           "initial_change_status": e.data.get("change_status")})
    w.add("rp_stories", {"story_id": e.data["story_id"], "organisation_id": org,
                         "first_response_at": e.time})


@handles("feedback", "change.recorded", 1)
def _change(e, w):
    w.add("rp_responses", {"response_id": e.data["response_id"], "organisation_id": _org(e),
                           "story_id": e.data["story_id"],
                           "change_status": e.data["change_status"],
                           "change_description": e.data.get("description"),
                           "verdict": e.data.get("verdict"),
                           "panel_verdict": e.data.get("panel_verdict"),
                           "changed_at": e.time, "ver": e.ver})


@handles("feedback", "story.escalated", 1)
def _escalated(e, w):
    w.add("rp_stories", {"story_id": e.data["story_id"], "organisation_id": _org(e),
                         "escalated_at": e.time, "escalation_stage": int(e.data["stage"])})


# commissioning -----------------------------------------------------------------------------------
def _scope(w, e, org):
    w.add("rp_projects", {"project_id": e.data["project_id"], "organisation_id": org,
                          "title": e.data["title"], "scope_ver": e.ver})
    for care_service in _ids(e.data["care_service_ids"]):
        w.add("rp_project_services", {"project_id": e.data["project_id"],
                                      "care_service_id": care_service, "ver": e.ver,
                                      "organisation_id": org})


@handles("commissioning", "project.phase_changed", 1, 2)
def _phase(e, w):
    org = _org(e)
    w.add("rp_projects", {"project_id": e.data["project_id"], "organisation_id": org,
                          "phase": e.data["to_phase"], "phase_ver": e.ver})
    if e.version >= 2:
        _scope(w, e, org)


@handles("commissioning", "project.updated", 1)
def _project_updated(e, w):
    _scope(w, e, _org(e))


@handles("commissioning", "agreement.signed", 1)
def _agreement(e, w):
    if e.data.get("party") == "member":
        activity(w, e, "agreement_signed", person=e.data["person_id"],
                 project=e.data.get("project_id"))


@handles("commissioning", "training.recorded", 1)
def _training(e, w):
    activity(w, e, "training", person=e.data["person_id"],
             at=datetime.combine(day(e.data["completed_on"]), datetime.min.time(),
                                 tzinfo=UTC))


@handles("commissioning", "meeting.held", 1, 2)
def _meeting(e, w):
    org = _org(e)
    held_at = when(e.data["held_at"])
    w.add("rp_meetings", {"meeting_id": e.data["meeting_id"], "organisation_id": org,
                          "project_id": e.data.get("project_id"), "kind": e.data.get("kind"),
                          "held_at": held_at, "hours": float(e.data.get("hours") or 0),
                          "invited": int(e.data["invited"]), "attended": int(e.data["attended"]),
                          "service_users_attended": int(e.data["service_users_attended"]),
                          "decision_maker_present": bool(e.data["decision_maker_present"])})
    if e.version >= 2:
        for n, attendee in enumerate(e.data["attendees"]):
            activity(w, e, "meeting_attended", n=n, person=attendee["person_id"],
                     capacity=attendee.get("capacity"), project=e.data.get("project_id"),
                     at=held_at)


@handles("commissioning", "decision.recorded", 1)
def _decision(e, w):
    w.add("rp_decisions", {"decision_id": e.data["decision_id"], "organisation_id": _org(e),
                           "meeting_id": e.data.get("meeting_id"),
                           "project_id": e.data.get("project_id"),
                           "decided_at": when(e.data.get("decided_at")) or e.time,
                           "confidential": bool(e.data.get("confidential"))})


@handles("commissioning", "briefing.recorded", 1)
def _briefing(e, w):
    org = _org(e)
    for item in e.data["items"]:
        w.add("rp_briefing_items", {"item_id": item["item_id"], "organisation_id": org,
                                    "project_id": e.data.get("project_id"),
                                    "briefing_id": e.data.get("briefing_id"),
                                    "meeting_id": e.data.get("meeting_id"),
                                    "until": item.get("until"), "due_at": when(item.get("due_at")),
                                    "recorded_at": e.time})


@handles("commissioning", "briefing.released", 1)
def _released(e, w):
    w.add("rp_briefing_items", {"item_id": e.data["item_id"], "organisation_id": _org(e),
                                "project_id": e.data.get("project_id"),
                                "briefing_id": e.data.get("briefing_id"),
                                "meeting_id": e.data.get("meeting_id"),
                                "until": e.data.get("until"), "due_at": when(e.data.get("due_at")),
                                "released_at": when(e.data.get("released_at")) or e.time,
                                "on_time": bool(e.data.get("on_time")),
                                "released_how": e.data.get("released_how")})


knows_nothing_to_project("commissioning", "conflict.declared", 1)
knows_nothing_to_project("commissioning", "opportunity.published", 1)


@handles("commissioning", "evaluation.moderated", 1)
def _evaluation(e, w):
    w.add("rp_evaluations", {"tender_id": e.data["tender_id"], "organisation_id": _org(e),
                             "project_id": e.data.get("project_id"),
                             "evaluators": int(e.data["evaluators"]),
                             "service_user_evaluators": int(e.data["service_user_evaluators"]),
                             "moderated_at": e.time})


@handles("commissioning", "claim.submitted", 1, 2)
def _claim(e, w):
    w.add("rp_claims", {"claim_id": e.data["claim_id"], "organisation_id": _org(e),
                        "person_id": e.data.get("person_id"),
                        "project_id": e.data.get("project_id"),
                        "activity_kind": e.data.get("activity_kind"),
                        "submitted_at": when(e.data.get("submitted_at")) or e.time,
                        "target_days": (int(e.data["target_days"]) if e.version >= 2
                                        and e.data.get("target_days") is not None else None),
                        "amount": e.data.get("total")})


@handles("commissioning", "claim.rejected", 1)
def _claim_rejected(e, w):
    w.add("rp_claims", {"claim_id": e.data["claim_id"], "organisation_id": _org(e),
                        "rejected_at": when(e.data.get("rejected_at")) or e.time})


@handles("commissioning", "payment.made", 1)
def _paid(e, w):
    target = e.data.get("target_days")
    w.add("rp_claims", {"claim_id": e.data["claim_id"], "organisation_id": _org(e),
                        "person_id": e.data.get("person_id"),
                        "project_id": e.data.get("project_id"),
                        "activity_kind": e.data.get("activity_kind"),
                        "submitted_at": when(e.data.get("submitted_at")),
                        "target_days": None if target is None else int(target),
                        "paid_at": when(e.data.get("paid_at")) or e.time,
                        "days_to_pay": float(e.data["days_to_pay"]),
                        "within_target": bool(e.data.get("within_target")),
                        "amount": e.data.get("amount")})


@handles("commissioning", "payment_policy.set", 1)
def _policy(e, w):
    w.add("rp_payment_policies", {"organisation_id": _org(e), "version": int(e.data["version"]),
                                  "effective_from": day(e.data.get("effective_from")),
                                  "target_days": e.data.get("target_days_to_pay"),
                                  "set_at": e.time})


@handles("commissioning", "bulletin.published", 1, 2)
def _bulletin(e, w):
    org = _org(e)
    row = {"bulletin_id": e.data["bulletin_id"], "organisation_id": org,
           "project_id": e.data.get("project_id"),
           "published_at": when(e.data.get("published_at")) or e.time,
           "items": int(e.data.get("items") or 0), "decisions": int(e.data.get("decisions") or 0)}
    if e.version >= 2:
        row |= {"title": e.data["title"], "introduction": e.data.get("introduction") or "",
                "content": {"items": [{"title": i["title"], "detail": i["detail"]}
                                      for i in e.data["released_items"]],
                            "decisions": [{"decision_id": d["decision_id"], "text": d["text"],
                                           "reasons": d.get("reasons") or "",
                                           "decided_at": d.get("decided_at")}
                                          for d in e.data["released_decisions"]]}}
        for care_service in _ids(e.data["care_service_ids"]):
            w.add("rp_bulletin_services", {"bulletin_id": e.data["bulletin_id"],
                                           "care_service_id": care_service,
                                           "organisation_id": org})
    w.add("rp_bulletins", row)


def known(source: str, name: str, version: int) -> bool:
    return (source, name, version) in HANDLERS


def project(event: Event, writes: Writes) -> None:
    """Add the event's writes; raises KeyError, TypeError or ValueError on malformed data."""
    HANDLERS[(event.source, event.name, event.version)](event, writes)
