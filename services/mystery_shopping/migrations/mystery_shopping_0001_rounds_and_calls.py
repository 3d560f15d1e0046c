"""Mystery shopping: question sets, shoppers, rounds, assignments, calls.

Revision ID: mystery_shopping_0001
"""
import sqlalchemy as sa
from alembic import op

from involve.kernel.db import UtcDateTime

revision = "mystery_shopping_0001"
down_revision = None
branch_labels = ("mystery_shopping",)
depends_on = None


def upgrade():
    op.create_table(
        "question_sets",
        sa.Column("id", sa.String(36), primary_key=True),
        sa.Column("organisation_id", sa.String(36), nullable=False, index=True),
        sa.Column("key", sa.String(100), nullable=False, index=True),
        sa.Column("version", sa.Integer, nullable=False),
        sa.Column("title", sa.String(200), nullable=False),
        sa.Column("description", sa.Text, nullable=False),
        sa.Column("source", sa.String(100), nullable=False),
        sa.Column("questions", sa.JSON, nullable=False),
        sa.Column("frozen", sa.Boolean, nullable=False, server_default=sa.false()),
        sa.Column("based_on_id", sa.String(36)),
        sa.Column("created_at", UtcDateTime, nullable=False),
        sa.UniqueConstraint("organisation_id", "key", "version",
                            name="uq_question_sets_scope_key_version"),
    )
    op.create_table(
        "shoppers",
        sa.Column("id", sa.String(36), primary_key=True),
        sa.Column("organisation_id", sa.String(36), nullable=False, index=True),
        sa.Column("person_id", sa.String(36), nullable=False, index=True),
        sa.Column("services_used", sa.JSON, nullable=False),
        sa.Column("personas", sa.JSON, nullable=False),
        sa.Column("active", sa.Boolean, nullable=False, server_default=sa.true()),
        sa.Column("created_at", UtcDateTime, nullable=False),
        sa.UniqueConstraint("organisation_id", "person_id", name="uq_shoppers_organisation_person"),
    )
    op.create_table(
        "rounds",
        sa.Column("id", sa.String(36), primary_key=True),
        sa.Column("organisation_id", sa.String(36), nullable=False, index=True),
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column("question_set_id", sa.String(36), sa.ForeignKey("question_sets.id"),
                  nullable=False, index=True),
        sa.Column("care_service_ids", sa.JSON, nullable=False),
        sa.Column("care_service_names", sa.JSON, nullable=False),
        sa.Column("personas", sa.JSON, nullable=False),
        sa.Column("calls_per_service", sa.Integer, nullable=False),
        sa.Column("starts_on", sa.Date, nullable=False),
        sa.Column("ends_on", sa.Date, nullable=False),
        sa.Column("information_allowed", sa.Text, nullable=False),
        sa.Column("seed", sa.String(40), nullable=False),
        sa.Column("status", sa.String(20), nullable=False),
        sa.Column("scores", sa.JSON),
        sa.Column("created_at", UtcDateTime, nullable=False),
        sa.Column("closed_at", UtcDateTime),
    )
    op.create_table(
        "assignments",
        sa.Column("id", sa.String(36), primary_key=True),
        sa.Column("round_id", sa.String(36), sa.ForeignKey("rounds.id"), nullable=False,
                  index=True),
        sa.Column("organisation_id", sa.String(36), nullable=False, index=True),
        sa.Column("care_service_id", sa.String(36), nullable=False),
        sa.Column("slot", sa.Integer, nullable=False),
        sa.Column("shopper_id", sa.String(36), index=True),
        sa.Column("persona", sa.String(30), nullable=False),
        sa.Column("status", sa.String(20), nullable=False),
        sa.Column("history", sa.JSON, nullable=False),
        sa.Column("created_at", UtcDateTime, nullable=False),
    )
    op.create_table(
        "calls",
        sa.Column("id", sa.String(36), primary_key=True),
        sa.Column("assignment_id", sa.String(36), sa.ForeignKey("assignments.id"), nullable=False,
                  unique=True),
        sa.Column("round_id", sa.String(36), sa.ForeignKey("rounds.id"), nullable=False,
                  index=True),
        sa.Column("organisation_id", sa.String(36), nullable=False, index=True),
        sa.Column("care_service_id", sa.String(36), nullable=False),
        sa.Column("shopper_id", sa.String(36), nullable=False, index=True),
        sa.Column("status", sa.String(20), nullable=False),
        sa.Column("called_at", UtcDateTime),
        sa.Column("persona", sa.String(30)),
        sa.Column("seconds_to_answer", sa.Integer),
        sa.Column("answers", sa.JSON, nullable=False),
        sa.Column("notes", sa.Text),
        sa.Column("callback_promised", sa.Boolean),
        sa.Column("callback_happened", sa.Boolean),
        sa.Column("efficiency", sa.Float),
        sa.Column("feeling", sa.Float),
        sa.Column("created_at", UtcDateTime, nullable=False),
        sa.Column("updated_at", UtcDateTime, nullable=False),
        sa.Column("submitted_at", UtcDateTime),
    )


def downgrade():
    op.drop_table("calls")
    op.drop_table("assignments")
    op.drop_table("rounds")
    op.drop_table("shoppers")
    op.drop_table("question_sets")
