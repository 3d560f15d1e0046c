"""Panels: inviting the chosen (invitations), who started a selection and who invited its
panel, and which ways a volunteer can be reached.

Revision ID: panels_0002
"""
import sqlalchemy as sa
from alembic import op

from involve.kernel.db import UtcDateTime

revision = "panels_0002"
down_revision = "panels_0001"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("registrations") as batch:
        batch.add_column(sa.Column("contact_ways", sa.String(40)))
    with op.batch_alter_table("selection_jobs") as batch:
        batch.add_column(sa.Column("started_by", sa.String(36)))
        batch.add_column(sa.Column("invited_at", UtcDateTime))
        batch.add_column(sa.Column("invited_by", sa.String(36)))
        batch.add_column(sa.Column("invitation_message", sa.Text))
    op.create_table(
        "invitations",
        sa.Column("id", sa.String(36), primary_key=True),
        sa.Column("job_id", sa.String(36), sa.ForeignKey("selection_jobs.id"), nullable=False,
                  index=True),
        sa.Column("campaign_id", sa.String(36), nullable=False, index=True),
        sa.Column("organisation_id", sa.String(36), nullable=False, index=True),
        sa.Column("registration_id", sa.String(36), nullable=False, index=True),
        sa.Column("person_id", sa.String(36), index=True),
        sa.Column("token_hash", sa.String(64), unique=True),
        sa.Column("channel", sa.String(20), nullable=False),
        sa.Column("status", sa.String(20), nullable=False, index=True),
        sa.Column("sent_at", UtcDateTime),
        sa.Column("send_failed", sa.Boolean, nullable=False, server_default=sa.false()),
        sa.Column("answered_at", UtcDateTime),
        sa.Column("replaced_by", sa.String(36)),
        sa.Column("replaces", sa.String(36)),
        sa.Column("created_at", UtcDateTime, nullable=False),
    )


def downgrade():
    op.drop_table("invitations")
    with op.batch_alter_table("selection_jobs") as batch:
        batch.drop_column("invitation_message")
        batch.drop_column("invited_by")
        batch.drop_column("invited_at")
        batch.drop_column("started_by")
    with op.batch_alter_table("registrations") as batch:
        batch.drop_column("contact_ways")
