"""The reporting service's tables (the migration is migrations/reporting_0001).

Three kinds, kept apart on purpose:

* **the log** (``event_log``, ``erasures``): every event received, once, in the order received.
  Append-only, with one exception the law makes: when a person erases their data, their
  pseudonymous id is replaced in the log by a random stand-in (``erasures`` remembers the
  SHA-256 of the id, never the id, so an event replayed later is rewritten too).
* **the read models** (``rp_*``): projections of the log and nothing else. ``involve reporting
  rebuild`` empties them and replays the log; the result is the same as built event by event.
* **reporting's own records** (``assessments``, ``assessment_scores``, ``publications``):
  what people write here (self-assessment scores, a lead's choice to show a round's results
  on the public page). Never rebuilt.

People appear only by pseudonymous id. Every row of a read model carries ``organisation_id``.
"""
from __future__ import annotations

from sqlalchemy import JSON, Boolean, Column, Date, Float, Index, Integer, MetaData, String, Table, Text

from involve.kernel.db import UtcDateTime

metadata = MetaData()
ID = String(64)  # ids from other services (uuids today; room for an integrator's own)


def _id(name, **kw):
    return Column(name, ID, **kw)


# --- the log --------------------------------------------------------------------------------------
event_log = Table(
    "event_log", metadata,
    Column("seq", Integer, primary_key=True, autoincrement=True),
    Column("event_id", String(200), nullable=False, unique=True),
    Column("source", String(64), nullable=False),
    Column("type", String(200), nullable=False),
    Column("name", String(100), nullable=False),  # routing key, e.g. story.published
    Column("version", Integer, nullable=False),
    Column("organisation_id", ID, nullable=True, index=True),
    Column("occurred_at", UtcDateTime, nullable=False),
    Column("received_at", UtcDateTime, nullable=False),
    Column("status", String(20), nullable=False),  # applied | skipped
    Column("note", String(300), nullable=True),
    Column("envelope", JSON, nullable=False),
)
Index("ix_event_log_status", event_log.c.status)

erasures = Table(
    "erasures", metadata,
    Column("person_hash", String(64), primary_key=True),  # sha256 of the erased id
    Column("replacement", String(40), nullable=False, unique=True),
    Column("erased_at", UtcDateTime, nullable=False),
)

state = Table(
    "reporting_state", metadata,
    Column("key", String(50), primary_key=True),
    Column("value", JSON, nullable=True),
)

# --- read models (projections of the log) -----------------------------------------------------------
rp_organisations = Table(
    "rp_organisations", metadata,
    _id("organisation_id", primary_key=True),
    Column("name", String(300)), Column("kind", String(50)),
    Column("ver", String(80)),
)
rp_care_services = Table(
    "rp_care_services", metadata,
    _id("care_service_id", primary_key=True),
    _id("organisation_id", index=True),
    Column("name", String(300)), Column("kind", String(50)), Column("region", String(200)),
    Column("ver", String(80)),
)
rp_people = Table(
    "rp_people", metadata,
    _id("organisation_id", primary_key=True), _id("person_id", primary_key=True),
    Column("roles", JSON), Column("first_seen", UtcDateTime), Column("ver", String(80)),
)
# Every piece of involvement: one row per person per activity (or no person: a story, a
# registration). Care services through activity_services, or the project's.
rp_activities = Table(
    "rp_activities", metadata,
    Column("activity_id", String(240), primary_key=True),
    _id("organisation_id", nullable=False),
    Column("kind", String(40), nullable=False),
    _id("person_id", nullable=True),
    Column("capacity", String(30), nullable=True),
    _id("project_id", nullable=True),
    Column("at", UtcDateTime, nullable=False),
)
Index("ix_rp_activities_org_at", rp_activities.c.organisation_id, rp_activities.c.at)
Index("ix_rp_activities_person", rp_activities.c.person_id)
rp_activity_services = Table(
    "rp_activity_services", metadata,
    Column("activity_id", String(240), primary_key=True), _id("care_service_id", primary_key=True),
    _id("organisation_id", nullable=False),
)
Index("ix_rp_activity_services_cs", rp_activity_services.c.care_service_id)

rp_campaigns = Table(
    "rp_campaigns", metadata,
    _id("campaign_id", primary_key=True), _id("organisation_id", index=True),
    Column("panel_size", Integer), Column("opened_at", UtcDateTime),
)
rp_selections = Table(
    "rp_selections", metadata,
    _id("selection_id", primary_key=True), _id("organisation_id"), _id("campaign_id"),
    Column("algorithm", String(30)), Column("panel_size", Integer), Column("pool_size", Integer),
    Column("quotas", JSON), Column("completed_at", UtcDateTime),
)
Index("ix_rp_selections_org_at", rp_selections.c.organisation_id, rp_selections.c.completed_at)

rp_rounds = Table(
    "rp_rounds", metadata,
    _id("round_id", primary_key=True), _id("organisation_id", index=True),
    Column("name", String(300)), Column("set_key", String(200)),
    Column("starts_on", Date), Column("ends_on", Date),
    Column("scheduled_at", UtcDateTime), Column("closed_at", UtcDateTime),
)
rp_round_services = Table(
    "rp_round_services", metadata,
    _id("round_id", primary_key=True), _id("care_service_id", primary_key=True),
    _id("organisation_id", index=True),
    Column("calls", Integer), Column("efficiency", Float), Column("feeling", Float),
)
rp_calls = Table(
    "rp_calls", metadata,
    _id("call_id", primary_key=True), _id("organisation_id"), _id("round_id"),
    _id("care_service_id"), _id("shopper_id"), Column("persona", String(40)),
    Column("efficiency", Float), Column("feeling", Float), Column("recorded_at", UtcDateTime),
)
Index("ix_rp_calls_org_at", rp_calls.c.organisation_id, rp_calls.c.recorded_at)

rp_stories = Table(
    "rp_stories", metadata,
    _id("story_id", primary_key=True), _id("organisation_id"),
    Column("relationship", String(30)), Column("assisted", Boolean),
    Column("submitted_at", UtcDateTime), Column("published_at", UtcDateTime),
    Column("title", String(300)), Column("rejected_at", UtcDateTime),
    Column("first_response_at", UtcDateTime), Column("escalated_at", UtcDateTime),
    Column("escalation_stage", Integer),
)
Index("ix_rp_stories_org_pub", rp_stories.c.organisation_id, rp_stories.c.published_at)
rp_story_services = Table(
    "rp_story_services", metadata,
    _id("story_id", primary_key=True), _id("care_service_id", primary_key=True),
    _id("organisation_id"),
)
Index("ix_rp_story_services_cs", rp_story_services.c.care_service_id)
rp_responses = Table(
    "rp_responses", metadata,
    _id("response_id", primary_key=True), _id("organisation_id"), _id("story_id", index=True),
    Column("published_at", UtcDateTime), Column("responder_title", String(300)),
    Column("text", Text), Column("initial_change_status", String(20)),
    Column("change_status", String(20)), Column("change_description", Text),
    Column("verdict", String(20)), Column("panel_verdict", String(20)),
    Column("changed_at", UtcDateTime), Column("ver", String(80)),
)
Index("ix_rp_responses_org", rp_responses.c.organisation_id, rp_responses.c.published_at)

rp_projects = Table(
    "rp_projects", metadata,
    _id("project_id", primary_key=True), _id("organisation_id", index=True),
    Column("title", String(300)), Column("phase", String(20)),
    Column("phase_ver", String(80)), Column("scope_ver", String(80)),
)
# Care services in a project's scope, per version of the scope: the current ones are those whose
# ``ver`` is the project's ``scope_ver``.
rp_project_services = Table(
    "rp_project_services", metadata,
    _id("project_id", primary_key=True), _id("care_service_id", primary_key=True),
    Column("ver", String(80), primary_key=True), _id("organisation_id"),
)
Index("ix_rp_project_services_cs", rp_project_services.c.care_service_id)
rp_meetings = Table(
    "rp_meetings", metadata,
    _id("meeting_id", primary_key=True), _id("organisation_id"), _id("project_id"),
    Column("kind", String(30)), Column("held_at", UtcDateTime), Column("hours", Float),
    Column("invited", Integer), Column("attended", Integer),
    Column("service_users_attended", Integer), Column("decision_maker_present", Boolean),
)
Index("ix_rp_meetings_org_at", rp_meetings.c.organisation_id, rp_meetings.c.held_at)
rp_decisions = Table(
    "rp_decisions", metadata,
    _id("decision_id", primary_key=True), _id("organisation_id", index=True),
    _id("meeting_id"), _id("project_id"), Column("decided_at", UtcDateTime),
    Column("confidential", Boolean),
)
rp_briefing_items = Table(
    "rp_briefing_items", metadata,
    _id("item_id", primary_key=True), _id("organisation_id", index=True), _id("project_id"),
    _id("briefing_id"), _id("meeting_id"), Column("until", String(10)),
    Column("due_at", UtcDateTime), Column("recorded_at", UtcDateTime),
    Column("released_at", UtcDateTime), Column("on_time", Boolean),
    Column("released_how", String(20)),
)
rp_evaluations = Table(
    "rp_evaluations", metadata,
    _id("tender_id", primary_key=True), _id("organisation_id", index=True), _id("project_id"),
    Column("evaluators", Integer), Column("service_user_evaluators", Integer),
    Column("moderated_at", UtcDateTime),
)
rp_claims = Table(
    "rp_claims", metadata,
    _id("claim_id", primary_key=True), _id("organisation_id"), _id("person_id"),
    _id("project_id"), Column("activity_kind", String(40)),
    Column("submitted_at", UtcDateTime), Column("target_days", Integer),
    Column("rejected_at", UtcDateTime), Column("paid_at", UtcDateTime),
    Column("days_to_pay", Float), Column("within_target", Boolean),
    Column("amount", String(20)),
)
Index("ix_rp_claims_org", rp_claims.c.organisation_id, rp_claims.c.submitted_at)
rp_payment_policies = Table(
    "rp_payment_policies", metadata,
    _id("organisation_id", primary_key=True), Column("version", Integer, primary_key=True),
    Column("effective_from", Date), Column("target_days", Integer), Column("set_at", UtcDateTime),
)
rp_bulletins = Table(
    "rp_bulletins", metadata,
    _id("bulletin_id", primary_key=True), _id("organisation_id", index=True), _id("project_id"),
    Column("published_at", UtcDateTime), Column("items", Integer), Column("decisions", Integer),
    Column("title", String(300)), Column("introduction", Text), Column("content", JSON),
)
rp_bulletin_services = Table(
    "rp_bulletin_services", metadata,
    _id("bulletin_id", primary_key=True), _id("care_service_id", primary_key=True),
    _id("organisation_id"),
)
Index("ix_rp_bulletin_services_cs", rp_bulletin_services.c.care_service_id)

READ_MODELS = [t for name, t in metadata.tables.items() if name.startswith("rp_")]

# --- reporting's own records ---------------------------------------------------------------------------
assessments = Table(
    "assessments", metadata,
    Column("id", String(36), primary_key=True),
    _id("organisation_id", nullable=False, index=True),
    Column("framework", String(64), nullable=False),
    Column("level", String(40), nullable=True),
    Column("title", String(200), nullable=False),
    Column("period_start", Date, nullable=False),
    Column("period_end", Date, nullable=False),
    _id("care_service_id", nullable=True),
    Column("criteria", JSON, nullable=False),  # frozen when the assessment starts
    _id("created_by", nullable=True),
    Column("created_at", UtcDateTime, nullable=False),
)
assessment_scores = Table(
    "assessment_scores", metadata,
    Column("assessment_id", String(36), primary_key=True),
    Column("criterion_id", String(64), primary_key=True),
    Column("perspective", String(20), primary_key=True),  # service_users | staff | agreed
    Column("score", Integer, nullable=False),
    Column("comment", Text, nullable=False),
    Column("evidence", JSON, nullable=True),  # what was suggested when it was agreed
    _id("recorded_by", nullable=True),
    Column("recorded_at", UtcDateTime, nullable=False),
)
publications = Table(
    "publications", metadata,
    _id("organisation_id", primary_key=True),
    Column("kind", String(20), primary_key=True),  # round
    _id("ref", primary_key=True),
    _id("published_by", nullable=True),
    Column("published_at", UtcDateTime, nullable=False),
)
