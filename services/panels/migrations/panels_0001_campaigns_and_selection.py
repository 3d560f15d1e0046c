"""Panels: campaigns, registrations of interest, selection jobs, replacements.

Revision ID: panels_0001
"""
import sqlalchemy as sa
from alembic import op

from involve.kernel.db import UtcDateTime

revision = "panels_0001"
down_revision = None
branch_labels = ("panels",)
depends_on = None


def upgrade():
    op.create_table(
        "campaigns",
        sa.Column("id", sa.String(36), primary_key=True),
        sa.Column("organisation_id", sa.String(36), nullable=False, index=True),
        sa.Column("purpose", sa.String(500), nullable=False),
        sa.Column("panel_size", sa.Integer, nullable=False),
        sa.Column("closes_at", UtcDateTime),
        sa.Column("status", sa.String(20), nullable=False),
        sa.Column("categories", sa.JSON, nullable=False),
        sa.Column("quota_rule", sa.JSON),
        sa.Column("household_rule", sa.Boolean, nullable=False, server_default=sa.true()),
        sa.Column("created_at", UtcDateTime, nullable=False),
        sa.Column("closed_at", UtcDateTime),
    )
    op.create_table(
        "registrations",
        sa.Column("id", sa.String(36), primary_key=True),
        sa.Column("campaign_id", sa.String(36), sa.ForeignKey("campaigns.id"), nullable=False,
                  index=True),
        sa.Column("organisation_id", sa.String(36), nullable=False, index=True),
        sa.Column("person_id", sa.String(36), index=True),
        sa.Column("contact_ref", sa.String(100)),
        sa.Column("answers", sa.JSON, nullable=False),
        sa.Column("household_key", sa.String(64), index=True),
        sa.Column("consent_contact", sa.Boolean, nullable=False, server_default=sa.false()),
        sa.Column("consent_selection", sa.Boolean, nullable=False, server_default=sa.false()),
        sa.Column("source", sa.String(20), nullable=False),
        sa.Column("created_at", UtcDateTime, nullable=False),
    )
    op.create_table(
        "selection_jobs",
        sa.Column("id", sa.String(36), primary_key=True),
        sa.Column("campaign_id", sa.String(36), sa.ForeignKey("campaigns.id"), nullable=False,
                  index=True),
        sa.Column("organisation_id", sa.String(36), nullable=False, index=True),
        sa.Column("algorithm", sa.String(20), nullable=False),
        sa.Column("seed", sa.String(40), nullable=False),
        sa.Column("status", sa.String(20), nullable=False, index=True),
        sa.Column("progress", sa.Float, nullable=False, server_default="0"),
        sa.Column("message", sa.String(500), nullable=False, server_default=""),
        sa.Column("cancel_requested", sa.Boolean, nullable=False, server_default=sa.false()),
        sa.Column("cancel_requested_at", UtcDateTime),
        sa.Column("worker_host", sa.String(200)),
        sa.Column("worker_pid", sa.Integer),
        sa.Column("heartbeat_at", UtcDateTime),
        sa.Column("created_at", UtcDateTime, nullable=False),
        sa.Column("started_at", UtcDateTime),
        sa.Column("finished_at", UtcDateTime),
        sa.Column("input", sa.JSON, nullable=False),
        sa.Column("result", sa.JSON),
        sa.Column("audit", sa.JSON),
        sa.Column("report", sa.JSON),
        sa.Column("error", sa.JSON),
    )
    op.create_table(
        "replacements",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("job_id", sa.String(36), sa.ForeignKey("selection_jobs.id"), nullable=False,
                  index=True),
        sa.Column("dropped_id", sa.String(36), nullable=False),
        sa.Column("replacement_id", sa.String(36)),
        sa.Column("seed", sa.String(40), nullable=False),
        sa.Column("candidates", sa.Integer, nullable=False),
        sa.Column("panel", sa.JSON, nullable=False),
        sa.Column("message", sa.Text, nullable=False),
        sa.Column("created_at", UtcDateTime, nullable=False),
    )


def downgrade():
    op.drop_table("replacements")
    op.drop_table("selection_jobs")
    op.drop_table("registrations")
    op.drop_table("campaigns")
