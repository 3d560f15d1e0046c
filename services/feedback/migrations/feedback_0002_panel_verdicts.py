"""Feedback: a panel (e.g. the service user council) may confirm or dispute a claimed change too.

Revision ID: feedback_0002
"""
import sqlalchemy as sa
from alembic import op

from involve.kernel.db import UtcDateTime

revision = "feedback_0002"
down_revision = "feedback_0001"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("responses") as table:
        table.add_column(sa.Column("panel_verdict", sa.String(10)))
        table.add_column(sa.Column("panel_note", sa.Text))
        table.add_column(sa.Column("panel_verdict_by", sa.String(36)))
        table.add_column(sa.Column("panel_verdict_at", UtcDateTime))


def downgrade():
    with op.batch_alter_table("responses") as table:
        for column in ("panel_verdict_at", "panel_verdict_by", "panel_note", "panel_verdict"):
            table.drop_column(column)
