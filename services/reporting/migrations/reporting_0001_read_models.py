"""Reporting: the event log, the read models projected from it, and reporting's own records
(self-assessments and what a lead chose to show on the public page).

Revision ID: reporting_0001
"""
import sqlalchemy as sa
from alembic import op

from involve.kernel.db import UtcDateTime

revision = "reporting_0001"
down_revision = None
branch_labels = ("reporting",)
depends_on = None


def upgrade():
    op.create_table('assessment_scores',
    sa.Column('assessment_id', sa.String(length=36), nullable=False),
    sa.Column('criterion_id', sa.String(length=64), nullable=False),
    sa.Column('perspective', sa.String(length=20), nullable=False),
    sa.Column('score', sa.Integer(), nullable=False),
    sa.Column('comment', sa.Text(), nullable=False),
    sa.Column('evidence', sa.JSON(), nullable=True),
    sa.Column('recorded_by', sa.String(length=64), nullable=True),
    sa.Column('recorded_at', UtcDateTime, nullable=False),
    sa.PrimaryKeyConstraint('assessment_id', 'criterion_id', 'perspective')
    )
    op.create_table('assessments',
    sa.Column('id', sa.String(length=36), nullable=False),
    sa.Column('organisation_id', sa.String(length=64), nullable=False),
    sa.Column('framework', sa.String(length=64), nullable=False),
    sa.Column('level', sa.String(length=40), nullable=True),
    sa.Column('title', sa.String(length=200), nullable=False),
    sa.Column('period_start', sa.Date(), nullable=False),
    sa.Column('period_end', sa.Date(), nullable=False),
    sa.Column('care_service_id', sa.String(length=64), nullable=True),
    sa.Column('criteria', sa.JSON(), nullable=False),
    sa.Column('created_by', sa.String(length=64), nullable=True),
    sa.Column('created_at', UtcDateTime, nullable=False),
    sa.PrimaryKeyConstraint('id')
    )
    op.create_index(op.f('ix_assessments_organisation_id'), 'assessments', ['organisation_id'], unique=False)
    op.create_table('erasures',
    sa.Column('person_hash', sa.String(length=64), nullable=False),
    sa.Column('replacement', sa.String(length=40), nullable=False),
    sa.Column('erased_at', UtcDateTime, nullable=False),
    sa.PrimaryKeyConstraint('person_hash'),
    sa.UniqueConstraint('replacement')
    )
    op.create_table('event_log',
    sa.Column('seq', sa.Integer(), autoincrement=True, nullable=False),
    sa.Column('event_id', sa.String(length=200), nullable=False),
    sa.Column('source', sa.String(length=64), nullable=False),
    sa.Column('type', sa.String(length=200), nullable=False),
    sa.Column('name', sa.String(length=100), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('organisation_id', sa.String(length=64), nullable=True),
    sa.Column('occurred_at', UtcDateTime, nullable=False),
    sa.Column('received_at', UtcDateTime, nullable=False),
    sa.Column('status', sa.String(length=20), nullable=False),
    sa.Column('note', sa.String(length=300), nullable=True),
    sa.Column('envelope', sa.JSON(), nullable=False),
    sa.PrimaryKeyConstraint('seq'),
    sa.UniqueConstraint('event_id')
    )
    op.create_index(op.f('ix_event_log_organisation_id'), 'event_log', ['organisation_id'], unique=False)
    op.create_index('ix_event_log_status', 'event_log', ['status'], unique=False)
    op.create_table('publications',
    sa.Column('organisation_id', sa.String(length=64), nullable=False),
    sa.Column('kind', sa.String(length=20), nullable=False),
    sa.Column('ref', sa.String(length=64), nullable=False),
    sa.Column('published_by', sa.String(length=64), nullable=True),
    sa.Column('published_at', UtcDateTime, nullable=False),
    sa.PrimaryKeyConstraint('organisation_id', 'kind', 'ref')
    )
    op.create_table('reporting_state',
    sa.Column('key', sa.String(length=50), nullable=False),
    sa.Column('value', sa.JSON(), nullable=True),
    sa.PrimaryKeyConstraint('key')
    )
    op.create_table('rp_activities',
    sa.Column('activity_id', sa.String(length=240), nullable=False),
    sa.Column('organisation_id', sa.String(length=64), nullable=False),
    sa.Column('kind', sa.String(length=40), nullable=False),
    sa.Column('person_id', sa.String(length=64), nullable=True),
    sa.Column('capacity', sa.String(length=30), nullable=True),
    sa.Column('project_id', sa.String(length=64), nullable=True),
    sa.Column('at', UtcDateTime, nullable=False),
    sa.PrimaryKeyConstraint('activity_id')
    )
    op.create_index('ix_rp_activities_org_at', 'rp_activities', ['organisation_id', 'at'], unique=False)
    op.create_index('ix_rp_activities_person', 'rp_activities', ['person_id'], unique=False)
    op.create_table('rp_activity_services',
    sa.Column('activity_id', sa.String(length=240), nullable=False),
    sa.Column('care_service_id', sa.String(length=64), nullable=False),
    sa.Column('organisation_id', sa.String(length=64), nullable=False),
    sa.PrimaryKeyConstraint('activity_id', 'care_service_id')
    )
    op.create_index('ix_rp_activity_services_cs', 'rp_activity_services', ['care_service_id'], unique=False)
    op.create_table('rp_briefing_items',
    sa.Column('item_id', sa.String(length=64), nullable=False),
    sa.Column('organisation_id', sa.String(length=64), nullable=True),
    sa.Column('project_id', sa.String(length=64), nullable=True),
    sa.Column('briefing_id', sa.String(length=64), nullable=True),
    sa.Column('meeting_id', sa.String(length=64), nullable=True),
    sa.Column('until', sa.String(length=10), nullable=True),
    sa.Column('due_at', UtcDateTime, nullable=True),
    sa.Column('recorded_at', UtcDateTime, nullable=True),
    sa.Column('released_at', UtcDateTime, nullable=True),
    sa.Column('on_time', sa.Boolean(), nullable=True),
    sa.Column('released_how', sa.String(length=20), nullable=True),
    sa.PrimaryKeyConstraint('item_id')
    )
    op.create_index(op.f('ix_rp_briefing_items_organisation_id'), 'rp_briefing_items',
                    ['organisation_id'], unique=False)
    op.create_table('rp_bulletin_services',
    sa.Column('bulletin_id', sa.String(length=64), nullable=False),
    sa.Column('care_service_id', sa.String(length=64), nullable=False),
    sa.Column('organisation_id', sa.String(length=64), nullable=True),
    sa.PrimaryKeyConstraint('bulletin_id', 'care_service_id')
    )
    op.create_index('ix_rp_bulletin_services_cs', 'rp_bulletin_services', ['care_service_id'], unique=False)
    op.create_table('rp_bulletins',
    sa.Column('bulletin_id', sa.String(length=64), nullable=False),
    sa.Column('organisation_id', sa.String(length=64), nullable=True),
    sa.Column('project_id', sa.String(length=64), nullable=True),
    sa.Column('published_at', UtcDateTime, nullable=True),
    sa.Column('items', sa.Integer(), nullable=True),
    sa.Column('decisions', sa.Integer(), nullable=True),
    sa.Column('title', sa.String(length=300), nullable=True),
    sa.Column('introduction', sa.Text(), nullable=True),
    sa.Column('content', sa.JSON(), nullable=True),
    sa.PrimaryKeyConstraint('bulletin_id')
    )
    op.create_index(op.f('ix_rp_bulletins_organisation_id'), 'rp_bulletins',
                    ['organisation_id'], unique=False)
    op.create_table('rp_calls',
    sa.Column('call_id', sa.String(length=64), nullable=False),
    sa.Column('organisation_id', sa.String(length=64), nullable=True),
    sa.Column('round_id', sa.String(length=64), nullable=True),
    sa.Column('care_service_id', sa.String(length=64), nullable=True),
    sa.Column('shopper_id', sa.String(length=64), nullable=True),
    sa.Column('persona', sa.String(length=40), nullable=True),
    sa.Column('efficiency', sa.Float(), nullable=True),
    sa.Column('feeling', sa.Float(), nullable=True),
    sa.Column('recorded_at', UtcDateTime, nullable=True),
    sa.PrimaryKeyConstraint('call_id')
    )
    op.create_index('ix_rp_calls_org_at', 'rp_calls', ['organisation_id', 'recorded_at'], unique=False)
    op.create_table('rp_campaigns',
    sa.Column('campaign_id', sa.String(length=64), nullable=False),
    sa.Column('organisation_id', sa.String(length=64), nullable=True),
    sa.Column('panel_size', sa.Integer(), nullable=True),
    sa.Column('opened_at', UtcDateTime, nullable=True),
    sa.PrimaryKeyConstraint('campaign_id')
    )
    op.create_index(op.f('ix_rp_campaigns_organisation_id'), 'rp_campaigns',
                    ['organisation_id'], unique=False)
    op.create_table('rp_care_services',
    sa.Column('care_service_id', sa.String(length=64), nullable=False),
    sa.Column('organisation_id', sa.String(length=64), nullable=True),
    sa.Column('name', sa.String(length=300), nullable=True),
    sa.Column('kind', sa.String(length=50), nullable=True),
    sa.Column('region', sa.String(length=200), nullable=True),
    sa.Column('ver', sa.String(length=80), nullable=True),
    sa.PrimaryKeyConstraint('care_service_id')
    )
    op.create_index(op.f('ix_rp_care_services_organisation_id'), 'rp_care_services',
                    ['organisation_id'], unique=False)
    op.create_table('rp_claims',
    sa.Column('claim_id', sa.String(length=64), nullable=False),
    sa.Column('organisation_id', sa.String(length=64), nullable=True),
    sa.Column('person_id', sa.String(length=64), nullable=True),
    sa.Column('project_id', sa.String(length=64), nullable=True),
    sa.Column('activity_kind', sa.String(length=40), nullable=True),
    sa.Column('submitted_at', UtcDateTime, nullable=True),
    sa.Column('target_days', sa.Integer(), nullable=True),
    sa.Column('rejected_at', UtcDateTime, nullable=True),
    sa.Column('paid_at', UtcDateTime, nullable=True),
    sa.Column('days_to_pay', sa.Float(), nullable=True),
    sa.Column('within_target', sa.Boolean(), nullable=True),
    sa.Column('amount', sa.String(length=20), nullable=True),
    sa.PrimaryKeyConstraint('claim_id')
    )
    op.create_index('ix_rp_claims_org', 'rp_claims', ['organisation_id', 'submitted_at'], unique=False)
    op.create_table('rp_decisions',
    sa.Column('decision_id', sa.String(length=64), nullable=False),
    sa.Column('organisation_id', sa.String(length=64), nullable=True),
    sa.Column('meeting_id', sa.String(length=64), nullable=True),
    sa.Column('project_id', sa.String(length=64), nullable=True),
    sa.Column('decided_at', UtcDateTime, nullable=True),
    sa.Column('confidential', sa.Boolean(), nullable=True),
    sa.PrimaryKeyConstraint('decision_id')
    )
    op.create_index(op.f('ix_rp_decisions_organisation_id'), 'rp_decisions',
                    ['organisation_id'], unique=False)
    op.create_table('rp_evaluations',
    sa.Column('tender_id', sa.String(length=64), nullable=False),
    sa.Column('organisation_id', sa.String(length=64), nullable=True),
    sa.Column('project_id', sa.String(length=64), nullable=True),
    sa.Column('evaluators', sa.Integer(), nullable=True),
    sa.Column('service_user_evaluators', sa.Integer(), nullable=True),
    sa.Column('moderated_at', UtcDateTime, nullable=True),
    sa.PrimaryKeyConstraint('tender_id')
    )
    op.create_index(op.f('ix_rp_evaluations_organisation_id'), 'rp_evaluations',
                    ['organisation_id'], unique=False)
    op.create_table('rp_meetings',
    sa.Column('meeting_id', sa.String(length=64), nullable=False),
    sa.Column('organisation_id', sa.String(length=64), nullable=True),
    sa.Column('project_id', sa.String(length=64), nullable=True),
    sa.Column('kind', sa.String(length=30), nullable=True),
    sa.Column('held_at', UtcDateTime, nullable=True),
    sa.Column('hours', sa.Float(), nullable=True),
    sa.Column('invited', sa.Integer(), nullable=True),
    sa.Column('attended', sa.Integer(), nullable=True),
    sa.Column('service_users_attended', sa.Integer(), nullable=True),
    sa.Column('decision_maker_present', sa.Boolean(), nullable=True),
    sa.PrimaryKeyConstraint('meeting_id')
    )
    op.create_index('ix_rp_meetings_org_at', 'rp_meetings', ['organisation_id', 'held_at'], unique=False)
    op.create_table('rp_organisations',
    sa.Column('organisation_id', sa.String(length=64), nullable=False),
    sa.Column('name', sa.String(length=300), nullable=True),
    sa.Column('kind', sa.String(length=50), nullable=True),
    sa.Column('ver', sa.String(length=80), nullable=True),
    sa.PrimaryKeyConstraint('organisation_id')
    )
    op.create_table('rp_payment_policies',
    sa.Column('organisation_id', sa.String(length=64), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('effective_from', sa.Date(), nullable=True),
    sa.Column('target_days', sa.Integer(), nullable=True),
    sa.Column('set_at', UtcDateTime, nullable=True),
    sa.PrimaryKeyConstraint('organisation_id', 'version')
    )
    op.create_table('rp_people',
    sa.Column('organisation_id', sa.String(length=64), nullable=False),
    sa.Column('person_id', sa.String(length=64), nullable=False),
    sa.Column('roles', sa.JSON(), nullable=True),
    sa.Column('first_seen', UtcDateTime, nullable=True),
    sa.Column('ver', sa.String(length=80), nullable=True),
    sa.PrimaryKeyConstraint('organisation_id', 'person_id')
    )
    op.create_table('rp_project_services',
    sa.Column('project_id', sa.String(length=64), nullable=False),
    sa.Column('care_service_id', sa.String(length=64), nullable=False),
    sa.Column('ver', sa.String(length=80), nullable=False),
    sa.Column('organisation_id', sa.String(length=64), nullable=True),
    sa.PrimaryKeyConstraint('project_id', 'care_service_id', 'ver')
    )
    op.create_index('ix_rp_project_services_cs', 'rp_project_services', ['care_service_id'], unique=False)
    op.create_table('rp_projects',
    sa.Column('project_id', sa.String(length=64), nullable=False),
    sa.Column('organisation_id', sa.String(length=64), nullable=True),
    sa.Column('title', sa.String(length=300), nullable=True),
    sa.Column('phase', sa.String(length=20), nullable=True),
    sa.Column('phase_ver', sa.String(length=80), nullable=True),
    sa.Column('scope_ver', sa.String(length=80), nullable=True),
    sa.PrimaryKeyConstraint('project_id')
    )
    op.create_index(op.f('ix_rp_projects_organisation_id'), 'rp_projects', ['organisation_id'], unique=False)
    op.create_table('rp_responses',
    sa.Column('response_id', sa.String(length=64), nullable=False),
    sa.Column('organisation_id', sa.String(length=64), nullable=True),
    sa.Column('story_id', sa.String(length=64), nullable=True),
    sa.Column('published_at', UtcDateTime, nullable=True),
    sa.Column('responder_title', sa.String(length=300), nullable=True),
    sa.Column('text', sa.Text(), nullable=True),
    sa.Column('initial_change_status', sa.String(length=20), nullable=True),
    sa.Column('change_status', sa.String(length=20), nullable=True),
    sa.Column('change_description', sa.Text(), nullable=True),
    sa.Column('verdict', sa.String(length=20), nullable=True),
    sa.Column('panel_verdict', sa.String(length=20), nullable=True),
    sa.Column('changed_at', UtcDateTime, nullable=True),
    sa.Column('ver', sa.String(length=80), nullable=True),
    sa.PrimaryKeyConstraint('response_id')
    )
    op.create_index('ix_rp_responses_org', 'rp_responses', ['organisation_id', 'published_at'], unique=False)
    op.create_index(op.f('ix_rp_responses_story_id'), 'rp_responses', ['story_id'], unique=False)
    op.create_table('rp_round_services',
    sa.Column('round_id', sa.String(length=64), nullable=False),
    sa.Column('care_service_id', sa.String(length=64), nullable=False),
    sa.Column('organisation_id', sa.String(length=64), nullable=True),
    sa.Column('calls', sa.Integer(), nullable=True),
    sa.Column('efficiency', sa.Float(), nullable=True),
    sa.Column('feeling', sa.Float(), nullable=True),
    sa.PrimaryKeyConstraint('round_id', 'care_service_id')
    )
    op.create_index(op.f('ix_rp_round_services_organisation_id'), 'rp_round_services',
                    ['organisation_id'], unique=False)
    op.create_table('rp_rounds',
    sa.Column('round_id', sa.String(length=64), nullable=False),
    sa.Column('organisation_id', sa.String(length=64), nullable=True),
    sa.Column('name', sa.String(length=300), nullable=True),
    sa.Column('set_key', sa.String(length=200), nullable=True),
    sa.Column('starts_on', sa.Date(), nullable=True),
    sa.Column('ends_on', sa.Date(), nullable=True),
    sa.Column('scheduled_at', UtcDateTime, nullable=True),
    sa.Column('closed_at', UtcDateTime, nullable=True),
    sa.PrimaryKeyConstraint('round_id')
    )
    op.create_index(op.f('ix_rp_rounds_organisation_id'), 'rp_rounds', ['organisation_id'], unique=False)
    op.create_table('rp_selections',
    sa.Column('selection_id', sa.String(length=64), nullable=False),
    sa.Column('organisation_id', sa.String(length=64), nullable=True),
    sa.Column('campaign_id', sa.String(length=64), nullable=True),
    sa.Column('algorithm', sa.String(length=30), nullable=True),
    sa.Column('panel_size', sa.Integer(), nullable=True),
    sa.Column('pool_size', sa.Integer(), nullable=True),
    sa.Column('quotas', sa.JSON(), nullable=True),
    sa.Column('completed_at', UtcDateTime, nullable=True),
    sa.PrimaryKeyConstraint('selection_id')
    )
    op.create_index('ix_rp_selections_org_at', 'rp_selections',
                    ['organisation_id', 'completed_at'], unique=False)
    op.create_table('rp_stories',
    sa.Column('story_id', sa.String(length=64), nullable=False),
    sa.Column('organisation_id', sa.String(length=64), nullable=True),
    sa.Column('relationship', sa.String(length=30), nullable=True),
    sa.Column('assisted', sa.Boolean(), nullable=True),
    sa.Column('submitted_at', UtcDateTime, nullable=True),
    sa.Column('published_at', UtcDateTime, nullable=True),
    sa.Column('title', sa.String(length=300), nullable=True),
    sa.Column('rejected_at', UtcDateTime, nullable=True),
    sa.Column('first_response_at', UtcDateTime, nullable=True),
    sa.Column('escalated_at', UtcDateTime, nullable=True),
    sa.Column('escalation_stage', sa.Integer(), nullable=True),
    sa.PrimaryKeyConstraint('story_id')
    )
    op.create_index('ix_rp_stories_org_pub', 'rp_stories', ['organisation_id', 'published_at'], unique=False)
    op.create_table('rp_story_services',
    sa.Column('story_id', sa.String(length=64), nullable=False),
    sa.Column('care_service_id', sa.String(length=64), nullable=False),
    sa.Column('organisation_id', sa.String(length=64), nullable=True),
    sa.PrimaryKeyConstraint('story_id', 'care_service_id')
    )
    op.create_index('ix_rp_story_services_cs', 'rp_story_services', ['care_service_id'], unique=False)


def downgrade():
    for table in ("assessment_scores", "assessments", "publications", "reporting_state",
                  "erasures", "event_log"):
        op.drop_table(table)
    bind = op.get_bind()
    for name in sa.inspect(bind).get_table_names():
        if name.startswith("rp_"):
            op.drop_table(name)
