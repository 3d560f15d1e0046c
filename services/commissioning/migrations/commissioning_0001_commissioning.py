"""Commissioning: projects (phases, principles, budget), groups and memberships, opportunities and
interests, working agreements, training, meetings (papers, attendance, decisions), jargon lists,
confidentiality briefings, conflicts of interest, provider evaluation, payments and bulletins.

Revision ID: commissioning_0001
"""
import sqlalchemy as sa
from alembic import op

from involve.kernel.db import UtcDateTime

revision = "commissioning_0001"
down_revision = None
branch_labels = ("commissioning",)
depends_on = None


def upgrade():
    op.create_table('benefits_advice',
    sa.Column('id', sa.String(length=36), nullable=False),
    sa.Column('organisation_id', sa.String(length=36), nullable=False),
    sa.Column('person_id', sa.String(length=36), nullable=True),
    sa.Column('offered_on', sa.Date(), nullable=False),
    sa.Column('taken_up', sa.Boolean(), nullable=False),
    sa.Column('recorded_by', sa.String(length=36), nullable=True),
    sa.Column('recorded_at', UtcDateTime, nullable=False),
    sa.PrimaryKeyConstraint('id')
    )
    op.create_index(op.f('ix_benefits_advice_organisation_id'), 'benefits_advice', ['organisation_id'])
    op.create_index(op.f('ix_benefits_advice_person_id'), 'benefits_advice', ['person_id'])
    op.create_table('claims',
    sa.Column('id', sa.String(length=36), nullable=False),
    sa.Column('organisation_id', sa.String(length=36), nullable=False),
    sa.Column('claim_key', sa.String(length=200), nullable=False),
    sa.Column('person_id', sa.String(length=36), nullable=True),
    sa.Column('activity_kind', sa.String(length=30), nullable=False),
    sa.Column('activity_ref', sa.String(length=100), nullable=False),
    sa.Column('project_id', sa.String(length=36), nullable=True),
    sa.Column('role', sa.String(length=100), nullable=False),
    sa.Column('activity_date', sa.Date(), nullable=False),
    sa.Column('preparation_hours', sa.Numeric(precision=6, scale=2), nullable=False),
    sa.Column('attendance_hours', sa.Numeric(precision=6, scale=2), nullable=False),
    sa.Column('rate', sa.Numeric(precision=12, scale=2), nullable=False),
    sa.Column('rate_unit', sa.String(length=10), nullable=False),
    sa.Column('rate_version', sa.Integer(), nullable=False),
    sa.Column('fee_due', sa.Numeric(precision=12, scale=2), nullable=False),
    sa.Column('payment_choice', sa.String(length=10), nullable=False),
    sa.Column('fee', sa.Numeric(precision=12, scale=2), nullable=False),
    sa.Column('method', sa.String(length=10), nullable=False),
    sa.Column('expenses_total', sa.Numeric(precision=12, scale=2), nullable=False),
    sa.Column('total', sa.Numeric(precision=12, scale=2), nullable=False),
    sa.Column('status', sa.String(length=20), nullable=False),
    sa.Column('request_hash', sa.String(length=64), nullable=True),
    sa.Column('submitted_by', sa.String(length=36), nullable=True),
    sa.Column('submitted_at', UtcDateTime, nullable=True),
    sa.Column('authorised_by', sa.String(length=36), nullable=True),
    sa.Column('authorised_at', UtcDateTime, nullable=True),
    sa.Column('rejected_reason', sa.Text(), nullable=False),
    sa.Column('paid_by', sa.String(length=36), nullable=True),
    sa.Column('paid_at', UtcDateTime, nullable=True),
    sa.Column('payment_reference', sa.String(length=100), nullable=False),
    sa.Column('erased', sa.Boolean(), nullable=False),
    sa.Column('created_at', UtcDateTime, nullable=False),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('organisation_id', 'claim_key', name='uq_claim_key')
    )
    op.create_index(op.f('ix_claims_organisation_id'), 'claims', ['organisation_id'])
    op.create_index(op.f('ix_claims_person_id'), 'claims', ['person_id'])
    op.create_index(op.f('ix_claims_project_id'), 'claims', ['project_id'])
    op.create_index(op.f('ix_claims_status'), 'claims', ['status'])
    op.create_table('erasures',
    sa.Column('event_id', sa.String(length=36), nullable=False),
    sa.Column('person_id', sa.String(length=36), nullable=False),
    sa.Column('erased_at', UtcDateTime, nullable=False),
    sa.Column('kept', sa.JSON(), nullable=False),
    sa.Column('removed', sa.JSON(), nullable=False),
    sa.PrimaryKeyConstraint('event_id')
    )
    op.create_index(op.f('ix_erasures_person_id'), 'erasures', ['person_id'])
    op.create_table('jargon_lists',
    sa.Column('organisation_id', sa.String(length=36), nullable=False),
    sa.Column('seeded_at', UtcDateTime, nullable=False),
    sa.PrimaryKeyConstraint('organisation_id')
    )
    op.create_table('jargon_terms',
    sa.Column('id', sa.String(length=36), nullable=False),
    sa.Column('organisation_id', sa.String(length=36), nullable=False),
    sa.Column('term', sa.String(length=100), nullable=False),
    sa.Column('term_key', sa.String(length=100), nullable=False),
    sa.Column('plain', sa.String(length=300), nullable=False),
    sa.Column('kind', sa.String(length=10), nullable=False),
    sa.Column('created_at', UtcDateTime, nullable=False),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('organisation_id', 'term_key', name='uq_jargon_term')
    )
    op.create_index(op.f('ix_jargon_terms_organisation_id'), 'jargon_terms', ['organisation_id'])
    op.create_table('payment_policies',
    sa.Column('id', sa.String(length=36), nullable=False),
    sa.Column('organisation_id', sa.String(length=36), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('effective_from', sa.Date(), nullable=False),
    sa.Column('rates', sa.JSON(), nullable=False),
    sa.Column('mileage_rate', sa.Numeric(precision=12, scale=2), nullable=False),
    sa.Column('yearly_threshold', sa.Numeric(precision=12, scale=2), nullable=False),
    sa.Column('target_days_to_pay', sa.Integer(), nullable=False),
    sa.Column('notes', sa.Text(), nullable=False),
    sa.Column('created_by', sa.String(length=36), nullable=True),
    sa.Column('created_at', UtcDateTime, nullable=False),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('organisation_id', 'version', name='uq_policy_version')
    )
    op.create_index(op.f('ix_payment_policies_organisation_id'), 'payment_policies', ['organisation_id'])
    op.create_table('projects',
    sa.Column('id', sa.String(length=36), nullable=False),
    sa.Column('organisation_id', sa.String(length=36), nullable=False),
    sa.Column('title', sa.String(length=200), nullable=False),
    sa.Column('purpose', sa.Text(), nullable=False),
    sa.Column('care_service_ids', sa.JSON(), nullable=False),
    sa.Column('negotiable', sa.Text(), nullable=False),
    sa.Column('not_negotiable', sa.Text(), nullable=False),
    sa.Column('formal_responsibility', sa.Text(), nullable=False),
    sa.Column('how_decisions_are_made', sa.Text(), nullable=False),
    sa.Column('phase', sa.String(length=20), nullable=False),
    sa.Column('project_manager_id', sa.String(length=36), nullable=True),
    sa.Column('lead_officer_id', sa.String(length=36), nullable=True),
    sa.Column('deputy_id', sa.String(length=36), nullable=True),
    sa.Column('evaluation_weights', sa.JSON(), nullable=False),
    sa.Column('price_scored_separately', sa.Boolean(), nullable=False),
    sa.Column('created_by', sa.String(length=36), nullable=True),
    sa.Column('created_at', UtcDateTime, nullable=False),
    sa.PrimaryKeyConstraint('id')
    )
    op.create_index(op.f('ix_projects_organisation_id'), 'projects', ['organisation_id'])
    op.create_table('training_kinds',
    sa.Column('id', sa.String(length=36), nullable=False),
    sa.Column('organisation_id', sa.String(length=36), nullable=False),
    sa.Column('key', sa.String(length=60), nullable=False),
    sa.Column('label', sa.String(length=200), nullable=False),
    sa.Column('created_at', UtcDateTime, nullable=False),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('organisation_id', 'key', name='uq_training_kind')
    )
    op.create_index(op.f('ix_training_kinds_organisation_id'), 'training_kinds', ['organisation_id'])
    op.create_table('training_records',
    sa.Column('id', sa.String(length=36), nullable=False),
    sa.Column('organisation_id', sa.String(length=36), nullable=False),
    sa.Column('person_id', sa.String(length=36), nullable=True),
    sa.Column('kind', sa.String(length=60), nullable=False),
    sa.Column('completed_on', sa.Date(), nullable=False),
    sa.Column('provider', sa.String(length=200), nullable=False),
    sa.Column('recorded_by', sa.String(length=36), nullable=True),
    sa.Column('recorded_at', UtcDateTime, nullable=False),
    sa.PrimaryKeyConstraint('id')
    )
    op.create_index(op.f('ix_training_records_organisation_id'), 'training_records', ['organisation_id'])
    op.create_index(op.f('ix_training_records_person_id'), 'training_records', ['person_id'])
    op.create_table('agreements',
    sa.Column('id', sa.String(length=36), nullable=False),
    sa.Column('project_id', sa.String(length=36), nullable=False),
    sa.Column('person_id', sa.String(length=36), nullable=True),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('terms', sa.JSON(), nullable=False),
    sa.Column('created_by', sa.String(length=36), nullable=True),
    sa.Column('created_at', UtcDateTime, nullable=False),
    sa.Column('member_signed_at', UtcDateTime, nullable=True),
    sa.Column('commissioner_signed_at', UtcDateTime, nullable=True),
    sa.Column('commissioner_signed_by', sa.String(length=36), nullable=True),
    sa.ForeignKeyConstraint(['project_id'], ['projects.id'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('project_id', 'person_id', 'version', name='uq_agreement_version')
    )
    op.create_index(op.f('ix_agreements_person_id'), 'agreements', ['person_id'])
    op.create_index(op.f('ix_agreements_project_id'), 'agreements', ['project_id'])
    op.create_table('budget_lines',
    sa.Column('id', sa.String(length=36), nullable=False),
    sa.Column('project_id', sa.String(length=36), nullable=False),
    sa.Column('kind', sa.String(length=30), nullable=False),
    sa.Column('description', sa.String(length=300), nullable=False),
    sa.Column('amount', sa.Numeric(precision=12, scale=2), nullable=False),
    sa.Column('created_at', UtcDateTime, nullable=False),
    sa.ForeignKeyConstraint(['project_id'], ['projects.id'], ),
    sa.PrimaryKeyConstraint('id')
    )
    op.create_index(op.f('ix_budget_lines_project_id'), 'budget_lines', ['project_id'])
    op.create_table('bulletins',
    sa.Column('id', sa.String(length=36), nullable=False),
    sa.Column('project_id', sa.String(length=36), nullable=False),
    sa.Column('title', sa.String(length=200), nullable=False),
    sa.Column('introduction', sa.Text(), nullable=False),
    sa.Column('item_ids', sa.JSON(), nullable=False),
    sa.Column('decision_ids', sa.JSON(), nullable=False),
    sa.Column('check', sa.JSON(), nullable=False),
    sa.Column('status', sa.String(length=20), nullable=False),
    sa.Column('created_by', sa.String(length=36), nullable=True),
    sa.Column('created_at', UtcDateTime, nullable=False),
    sa.Column('published_at', UtcDateTime, nullable=True),
    sa.ForeignKeyConstraint(['project_id'], ['projects.id'], ),
    sa.PrimaryKeyConstraint('id')
    )
    op.create_index(op.f('ix_bulletins_project_id'), 'bulletins', ['project_id'])
    op.create_table('claim_expenses',
    sa.Column('id', sa.String(length=36), nullable=False),
    sa.Column('claim_id', sa.String(length=36), nullable=False),
    sa.Column('kind', sa.String(length=20), nullable=False),
    sa.Column('description', sa.String(length=300), nullable=False),
    sa.Column('miles', sa.Numeric(precision=8, scale=1), nullable=True),
    sa.Column('amount', sa.Numeric(precision=12, scale=2), nullable=False),
    sa.Column('receipt', sa.String(length=200), nullable=False),
    sa.ForeignKeyConstraint(['claim_id'], ['claims.id'], ),
    sa.PrimaryKeyConstraint('id')
    )
    op.create_index(op.f('ix_claim_expenses_claim_id'), 'claim_expenses', ['claim_id'])
    op.create_table('conflicts',
    sa.Column('id', sa.String(length=36), nullable=False),
    sa.Column('project_id', sa.String(length=36), nullable=False),
    sa.Column('person_id', sa.String(length=36), nullable=True),
    sa.Column('kind', sa.String(length=30), nullable=False),
    sa.Column('description', sa.Text(), nullable=False),
    sa.Column('care_service_id', sa.String(length=100), nullable=True),
    sa.Column('bidder_id', sa.String(length=36), nullable=True),
    sa.Column('declared_at', UtcDateTime, nullable=False),
    sa.Column('decision', sa.String(length=20), nullable=False),
    sa.Column('decision_reason', sa.Text(), nullable=False),
    sa.Column('decided_by', sa.String(length=36), nullable=True),
    sa.Column('decided_at', UtcDateTime, nullable=True),
    sa.Column('decision_meeting_id', sa.String(length=36), nullable=True),
    sa.ForeignKeyConstraint(['project_id'], ['projects.id'], ),
    sa.PrimaryKeyConstraint('id')
    )
    op.create_index(op.f('ix_conflicts_person_id'), 'conflicts', ['person_id'])
    op.create_index(op.f('ix_conflicts_project_id'), 'conflicts', ['project_id'])
    op.create_table('groups',
    sa.Column('id', sa.String(length=36), nullable=False),
    sa.Column('project_id', sa.String(length=36), nullable=False),
    sa.Column('kind', sa.String(length=30), nullable=False),
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('required_training', sa.JSON(), nullable=False),
    sa.Column('created_at', UtcDateTime, nullable=False),
    sa.ForeignKeyConstraint(['project_id'], ['projects.id'], ),
    sa.PrimaryKeyConstraint('id')
    )
    op.create_index(op.f('ix_groups_project_id'), 'groups', ['project_id'])
    op.create_table('principles',
    sa.Column('id', sa.String(length=36), nullable=False),
    sa.Column('project_id', sa.String(length=36), nullable=False),
    sa.Column('text', sa.Text(), nullable=False),
    sa.Column('agreed_on', sa.Date(), nullable=False),
    sa.Column('agreed_by', sa.JSON(), nullable=False),
    sa.Column('how_agreed', sa.Text(), nullable=False),
    sa.Column('recorded_by', sa.String(length=36), nullable=True),
    sa.Column('recorded_at', UtcDateTime, nullable=False),
    sa.ForeignKeyConstraint(['project_id'], ['projects.id'], ),
    sa.PrimaryKeyConstraint('id')
    )
    op.create_index(op.f('ix_principles_project_id'), 'principles', ['project_id'])
    op.create_table('project_phases',
    sa.Column('id', sa.String(length=36), nullable=False),
    sa.Column('project_id', sa.String(length=36), nullable=False),
    sa.Column('from_phase', sa.String(length=20), nullable=True),
    sa.Column('to_phase', sa.String(length=20), nullable=False),
    sa.Column('note', sa.Text(), nullable=False),
    sa.Column('changed_by', sa.String(length=36), nullable=True),
    sa.Column('changed_at', UtcDateTime, nullable=False),
    sa.ForeignKeyConstraint(['project_id'], ['projects.id'], ),
    sa.PrimaryKeyConstraint('id')
    )
    op.create_index(op.f('ix_project_phases_project_id'), 'project_phases', ['project_id'])
    op.create_table('meetings',
    sa.Column('id', sa.String(length=36), nullable=False),
    sa.Column('project_id', sa.String(length=36), nullable=False),
    sa.Column('group_id', sa.String(length=36), nullable=True),
    sa.Column('title', sa.String(length=200), nullable=False),
    sa.Column('kind', sa.String(length=30), nullable=False),
    sa.Column('starts_at', UtcDateTime, nullable=False),
    sa.Column('hours', sa.Numeric(precision=6, scale=2), nullable=False),
    sa.Column('preparation_hours', sa.Numeric(precision=6, scale=2), nullable=False),
    sa.Column('location', sa.String(length=300), nullable=False),
    sa.Column('accessibility', sa.Text(), nullable=False),
    sa.Column('agenda', sa.JSON(), nullable=False),
    sa.Column('required_training', sa.JSON(), nullable=False),
    sa.Column('status', sa.String(length=20), nullable=False),
    sa.Column('minutes', sa.Text(), nullable=False),
    sa.Column('held_at', UtcDateTime, nullable=True),
    sa.Column('created_at', UtcDateTime, nullable=False),
    sa.ForeignKeyConstraint(['group_id'], ['groups.id'], ),
    sa.ForeignKeyConstraint(['project_id'], ['projects.id'], ),
    sa.PrimaryKeyConstraint('id')
    )
    op.create_index(op.f('ix_meetings_project_id'), 'meetings', ['project_id'])
    op.create_index(op.f('ix_meetings_starts_at'), 'meetings', ['starts_at'])
    op.create_table('memberships',
    sa.Column('id', sa.String(length=36), nullable=False),
    sa.Column('group_id', sa.String(length=36), nullable=False),
    sa.Column('person_id', sa.String(length=36), nullable=True),
    sa.Column('capacity', sa.String(length=20), nullable=False),
    sa.Column('role', sa.String(length=100), nullable=False),
    sa.Column('starts_on', sa.Date(), nullable=False),
    sa.Column('ends_on', sa.Date(), nullable=True),
    sa.Column('created_at', UtcDateTime, nullable=False),
    sa.ForeignKeyConstraint(['group_id'], ['groups.id'], ),
    sa.PrimaryKeyConstraint('id')
    )
    op.create_index(op.f('ix_memberships_group_id'), 'memberships', ['group_id'])
    op.create_index(op.f('ix_memberships_person_id'), 'memberships', ['person_id'])
    op.create_table('opportunities',
    sa.Column('id', sa.String(length=36), nullable=False),
    sa.Column('project_id', sa.String(length=36), nullable=False),
    sa.Column('title', sa.String(length=200), nullable=False),
    sa.Column('activity', sa.Text(), nullable=False),
    sa.Column('time_commitment', sa.Text(), nullable=False),
    sa.Column('payment_offered', sa.Text(), nullable=False),
    sa.Column('training_and_support', sa.Text(), nullable=False),
    sa.Column('accessibility', sa.Text(), nullable=False),
    sa.Column('places', sa.Integer(), nullable=False),
    sa.Column('group_id', sa.String(length=36), nullable=True),
    sa.Column('selection', sa.String(length=20), nullable=False),
    sa.Column('status', sa.String(length=20), nullable=False),
    sa.Column('closes_on', sa.Date(), nullable=True),
    sa.Column('panel_campaign_id', sa.String(length=36), nullable=True),
    sa.Column('panel_selection_id', sa.String(length=36), nullable=True),
    sa.Column('published_at', UtcDateTime, nullable=True),
    sa.Column('selection_completed_at', UtcDateTime, nullable=True),
    sa.Column('created_at', UtcDateTime, nullable=False),
    sa.ForeignKeyConstraint(['group_id'], ['groups.id'], ),
    sa.ForeignKeyConstraint(['project_id'], ['projects.id'], ),
    sa.PrimaryKeyConstraint('id')
    )
    op.create_index(op.f('ix_opportunities_panel_campaign_id'), 'opportunities', ['panel_campaign_id'])
    op.create_index(op.f('ix_opportunities_project_id'), 'opportunities', ['project_id'])
    op.create_table('spend',
    sa.Column('id', sa.String(length=36), nullable=False),
    sa.Column('budget_line_id', sa.String(length=36), nullable=False),
    sa.Column('amount', sa.Numeric(precision=12, scale=2), nullable=False),
    sa.Column('spent_on', sa.Date(), nullable=False),
    sa.Column('description', sa.String(length=300), nullable=False),
    sa.Column('recorded_by', sa.String(length=36), nullable=True),
    sa.Column('recorded_at', UtcDateTime, nullable=False),
    sa.ForeignKeyConstraint(['budget_line_id'], ['budget_lines.id'], ),
    sa.PrimaryKeyConstraint('id')
    )
    op.create_index(op.f('ix_spend_budget_line_id'), 'spend', ['budget_line_id'])
    op.create_table('tenders',
    sa.Column('id', sa.String(length=36), nullable=False),
    sa.Column('project_id', sa.String(length=36), nullable=False),
    sa.Column('title', sa.String(length=200), nullable=False),
    sa.Column('description', sa.Text(), nullable=False),
    sa.Column('status', sa.String(length=20), nullable=False),
    sa.Column('weights', sa.JSON(), nullable=False),
    sa.Column('price_scored_separately', sa.Boolean(), nullable=False),
    sa.Column('evaluation_group_id', sa.String(length=36), nullable=True),
    sa.Column('price_evaluator_ids', sa.JSON(), nullable=False),
    sa.Column('value_amount', sa.Numeric(precision=12, scale=2), nullable=True),
    sa.Column('currency', sa.String(length=3), nullable=False),
    sa.Column('awarded_bidder_id', sa.String(length=36), nullable=True),
    sa.Column('awarded_at', UtcDateTime, nullable=True),
    sa.Column('award_value', sa.Numeric(precision=12, scale=2), nullable=True),
    sa.Column('created_at', UtcDateTime, nullable=False),
    sa.Column('scoring_started_at', UtcDateTime, nullable=True),
    sa.Column('moderated_at', UtcDateTime, nullable=True),
    sa.ForeignKeyConstraint(['evaluation_group_id'], ['groups.id'], ),
    sa.ForeignKeyConstraint(['project_id'], ['projects.id'], ),
    sa.PrimaryKeyConstraint('id')
    )
    op.create_index(op.f('ix_tenders_project_id'), 'tenders', ['project_id'])
    op.create_table('attendance',
    sa.Column('meeting_id', sa.String(length=36), nullable=False),
    sa.Column('person_key', sa.String(length=36), nullable=False),
    sa.Column('person_id', sa.String(length=36), nullable=True),
    sa.Column('status', sa.String(length=20), nullable=False),
    sa.Column('capacity', sa.String(length=20), nullable=False),
    sa.ForeignKeyConstraint(['meeting_id'], ['meetings.id'], ),
    sa.PrimaryKeyConstraint('meeting_id', 'person_key')
    )
    op.create_index(op.f('ix_attendance_person_id'), 'attendance', ['person_id'])
    op.create_table('bidders',
    sa.Column('id', sa.String(length=36), nullable=False),
    sa.Column('tender_id', sa.String(length=36), nullable=False),
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('name_key', sa.String(length=200), nullable=False),
    sa.Column('care_service_ids', sa.JSON(), nullable=False),
    sa.Column('bid_value', sa.Numeric(precision=12, scale=2), nullable=True),
    sa.Column('created_at', UtcDateTime, nullable=False),
    sa.ForeignKeyConstraint(['tender_id'], ['tenders.id'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('tender_id', 'name_key', name='uq_bidder_name')
    )
    op.create_index(op.f('ix_bidders_tender_id'), 'bidders', ['tender_id'])
    op.create_table('briefings',
    sa.Column('id', sa.String(length=36), nullable=False),
    sa.Column('meeting_id', sa.String(length=36), nullable=False),
    sa.Column('group_id', sa.String(length=36), nullable=True),
    sa.Column('created_by', sa.String(length=36), nullable=True),
    sa.Column('created_at', UtcDateTime, nullable=False),
    sa.ForeignKeyConstraint(['group_id'], ['groups.id'], ),
    sa.ForeignKeyConstraint(['meeting_id'], ['meetings.id'], ),
    sa.PrimaryKeyConstraint('id')
    )
    op.create_index(op.f('ix_briefings_meeting_id'), 'briefings', ['meeting_id'])
    op.create_table('evaluation_audit',
    sa.Column('id', sa.String(length=36), nullable=False),
    sa.Column('tender_id', sa.String(length=36), nullable=False),
    sa.Column('seq', sa.Integer(), nullable=False),
    sa.Column('action', sa.String(length=40), nullable=False),
    sa.Column('actor_id', sa.String(length=36), nullable=True),
    sa.Column('detail', sa.JSON(), nullable=False),
    sa.Column('at', UtcDateTime, nullable=False),
    sa.ForeignKeyConstraint(['tender_id'], ['tenders.id'], ),
    sa.PrimaryKeyConstraint('id')
    )
    op.create_index(op.f('ix_evaluation_audit_tender_id'), 'evaluation_audit', ['tender_id'])
    op.create_table('interests',
    sa.Column('id', sa.String(length=36), nullable=False),
    sa.Column('opportunity_id', sa.String(length=36), nullable=False),
    sa.Column('person_id', sa.String(length=36), nullable=True),
    sa.Column('note', sa.Text(), nullable=False),
    sa.Column('panel_registration_id', sa.String(length=36), nullable=True),
    sa.Column('status', sa.String(length=20), nullable=False),
    sa.Column('created_at', UtcDateTime, nullable=False),
    sa.Column('decided_at', UtcDateTime, nullable=True),
    sa.Column('decided_by', sa.String(length=36), nullable=True),
    sa.ForeignKeyConstraint(['opportunity_id'], ['opportunities.id'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('opportunity_id', 'person_id', name='uq_interest')
    )
    op.create_index(op.f('ix_interests_opportunity_id'), 'interests', ['opportunity_id'])
    op.create_index(op.f('ix_interests_person_id'), 'interests', ['person_id'])
    op.create_table('questions',
    sa.Column('id', sa.String(length=36), nullable=False),
    sa.Column('tender_id', sa.String(length=36), nullable=False),
    sa.Column('category', sa.String(length=20), nullable=False),
    sa.Column('text', sa.Text(), nullable=False),
    sa.Column('weight', sa.Numeric(precision=6, scale=2), nullable=False),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['tender_id'], ['tenders.id'], ),
    sa.PrimaryKeyConstraint('id')
    )
    op.create_index(op.f('ix_questions_tender_id'), 'questions', ['tender_id'])
    op.create_table('confidential_items',
    sa.Column('id', sa.String(length=36), nullable=False),
    sa.Column('organisation_id', sa.String(length=36), nullable=False),
    sa.Column('project_id', sa.String(length=36), nullable=False),
    sa.Column('briefing_id', sa.String(length=36), nullable=False),
    sa.Column('title', sa.String(length=200), nullable=False),
    sa.Column('detail', sa.Text(), nullable=False),
    sa.Column('until_kind', sa.String(length=10), nullable=False),
    sa.Column('release_at', UtcDateTime, nullable=True),
    sa.Column('release_event', sa.String(length=200), nullable=True),
    sa.Column('release_event_key', sa.String(length=200), nullable=True),
    sa.Column('status', sa.String(length=20), nullable=False),
    sa.Column('released_at', UtcDateTime, nullable=True),
    sa.Column('released_by', sa.String(length=36), nullable=True),
    sa.Column('released_how', sa.String(length=20), nullable=True),
    sa.Column('due_at', UtcDateTime, nullable=True),
    sa.ForeignKeyConstraint(['briefing_id'], ['briefings.id'], ),
    sa.ForeignKeyConstraint(['project_id'], ['projects.id'], ),
    sa.PrimaryKeyConstraint('id')
    )
    op.create_index(op.f('ix_confidential_items_briefing_id'), 'confidential_items', ['briefing_id'])
    op.create_index(op.f('ix_confidential_items_organisation_id'), 'confidential_items', ['organisation_id'])
    op.create_index(op.f('ix_confidential_items_project_id'), 'confidential_items', ['project_id'])
    op.create_index(op.f('ix_confidential_items_release_at'), 'confidential_items', ['release_at'])
    op.create_index(op.f('ix_confidential_items_status'), 'confidential_items', ['status'])
    op.create_table('moderations',
    sa.Column('id', sa.String(length=36), nullable=False),
    sa.Column('tender_id', sa.String(length=36), nullable=False),
    sa.Column('bidder_id', sa.String(length=36), nullable=False),
    sa.Column('question_id', sa.String(length=36), nullable=False),
    sa.Column('score', sa.Integer(), nullable=False),
    sa.Column('rationale', sa.Text(), nullable=False),
    sa.Column('moderated_by', sa.String(length=36), nullable=True),
    sa.Column('moderated_at', UtcDateTime, nullable=False),
    sa.ForeignKeyConstraint(['bidder_id'], ['bidders.id'], ),
    sa.ForeignKeyConstraint(['question_id'], ['questions.id'], ),
    sa.ForeignKeyConstraint(['tender_id'], ['tenders.id'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('bidder_id', 'question_id', name='uq_moderation')
    )
    op.create_index(op.f('ix_moderations_tender_id'), 'moderations', ['tender_id'])
    op.create_table('scores',
    sa.Column('id', sa.String(length=36), nullable=False),
    sa.Column('tender_id', sa.String(length=36), nullable=False),
    sa.Column('bidder_id', sa.String(length=36), nullable=False),
    sa.Column('question_id', sa.String(length=36), nullable=False),
    sa.Column('evaluator_key', sa.String(length=36), nullable=False),
    sa.Column('evaluator_id', sa.String(length=36), nullable=True),
    sa.Column('score', sa.Integer(), nullable=False),
    sa.Column('justification', sa.Text(), nullable=False),
    sa.Column('submitted', sa.Boolean(), nullable=False),
    sa.Column('conflict_ids', sa.JSON(), nullable=False),
    sa.Column('saved_at', UtcDateTime, nullable=False),
    sa.Column('submitted_at', UtcDateTime, nullable=True),
    sa.ForeignKeyConstraint(['bidder_id'], ['bidders.id'], ),
    sa.ForeignKeyConstraint(['question_id'], ['questions.id'], ),
    sa.ForeignKeyConstraint(['tender_id'], ['tenders.id'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('bidder_id', 'question_id', 'evaluator_key', name='uq_score')
    )
    op.create_index(op.f('ix_scores_bidder_id'), 'scores', ['bidder_id'])
    op.create_index(op.f('ix_scores_evaluator_id'), 'scores', ['evaluator_id'])
    op.create_index(op.f('ix_scores_tender_id'), 'scores', ['tender_id'])
    op.create_table('decisions',
    sa.Column('id', sa.String(length=36), nullable=False),
    sa.Column('meeting_id', sa.String(length=36), nullable=False),
    sa.Column('text', sa.Text(), nullable=False),
    sa.Column('reasons', sa.Text(), nullable=False),
    sa.Column('confidential_item_id', sa.String(length=36), nullable=True),
    sa.Column('recorded_by', sa.String(length=36), nullable=True),
    sa.Column('decided_at', UtcDateTime, nullable=False),
    sa.ForeignKeyConstraint(['confidential_item_id'], ['confidential_items.id'], ),
    sa.ForeignKeyConstraint(['meeting_id'], ['meetings.id'], ),
    sa.PrimaryKeyConstraint('id')
    )
    op.create_index(op.f('ix_decisions_meeting_id'), 'decisions', ['meeting_id'])
    op.create_table('papers',
    sa.Column('id', sa.String(length=36), nullable=False),
    sa.Column('meeting_id', sa.String(length=36), nullable=False),
    sa.Column('title', sa.String(length=200), nullable=False),
    sa.Column('body', sa.Text(), nullable=False),
    sa.Column('author_id', sa.String(length=36), nullable=True),
    sa.Column('confidential_item_id', sa.String(length=36), nullable=True),
    sa.Column('check', sa.JSON(), nullable=False),
    sa.Column('status', sa.String(length=20), nullable=False),
    sa.Column('issued_despite_check', sa.Boolean(), nullable=False),
    sa.Column('created_at', UtcDateTime, nullable=False),
    sa.Column('issued_at', UtcDateTime, nullable=True),
    sa.ForeignKeyConstraint(['confidential_item_id'], ['confidential_items.id'], ),
    sa.ForeignKeyConstraint(['meeting_id'], ['meetings.id'], ),
    sa.PrimaryKeyConstraint('id')
    )
    op.create_index(op.f('ix_papers_meeting_id'), 'papers', ['meeting_id'])


def downgrade():
    op.drop_table("papers")
    op.drop_table("decisions")
    op.drop_table("scores")
    op.drop_table("moderations")
    op.drop_table("confidential_items")
    op.drop_table("questions")
    op.drop_table("interests")
    op.drop_table("evaluation_audit")
    op.drop_table("briefings")
    op.drop_table("bidders")
    op.drop_table("attendance")
    op.drop_table("tenders")
    op.drop_table("spend")
    op.drop_table("opportunities")
    op.drop_table("memberships")
    op.drop_table("meetings")
    op.drop_table("project_phases")
    op.drop_table("principles")
    op.drop_table("groups")
    op.drop_table("conflicts")
    op.drop_table("claim_expenses")
    op.drop_table("bulletins")
    op.drop_table("budget_lines")
    op.drop_table("agreements")
    op.drop_table("training_records")
    op.drop_table("training_kinds")
    op.drop_table("projects")
    op.drop_table("payment_policies")
    op.drop_table("jargon_terms")
    op.drop_table("jargon_lists")
    op.drop_table("erasures")
    op.drop_table("claims")
    op.drop_table("benefits_advice")
