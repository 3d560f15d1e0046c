"""Feedback: stories, tags, subscriptions and their routing index, alerts, responses.

Revision ID: feedback_0001
"""
import sqlalchemy as sa
from alembic import op

from involve.kernel.db import UtcDateTime

revision = "feedback_0001"
down_revision = None
branch_labels = ("feedback",)
depends_on = None


def upgrade():
    op.create_table(
        "stories",
        sa.Column("id", sa.String(36), primary_key=True),
        sa.Column("organisation_id", sa.String(36), nullable=False, index=True),
        sa.Column("author_person_id", sa.String(36), index=True),
        sa.Column("author_can_reply", sa.Boolean, nullable=False, server_default=sa.false()),
        sa.Column("assisted_by", sa.String(36)),
        sa.Column("tracking_hash", sa.String(64), unique=True),
        sa.Column("form_id", sa.String(64)),
        sa.Column("relationship", sa.String(20), nullable=False),
        sa.Column("title", sa.String(150), nullable=False),
        sa.Column("text", sa.Text, nullable=False),
        sa.Column("what_was_good", sa.Text),
        sa.Column("what_could_be_improved", sa.Text),
        sa.Column("edited", sa.JSON),
        sa.Column("criticality", sa.Integer),
        sa.Column("status", sa.String(20), nullable=False, index=True),
        sa.Column("rejection_reason", sa.Text),
        sa.Column("hold_until", UtcDateTime),
        sa.Column("submitted_at", UtcDateTime, nullable=False),
        sa.Column("moderated_by", sa.String(36)),
        sa.Column("published_at", UtcDateTime),
        sa.Column("first_response_at", UtcDateTime),
        sa.Column("escalation_stage", sa.Integer, nullable=False, server_default="0"),
        sa.UniqueConstraint("organisation_id", "form_id", name="uq_story_form"),
    )
    op.create_table(
        "story_care_services",
        sa.Column("story_id", sa.String(36), sa.ForeignKey("stories.id"), primary_key=True),
        sa.Column("care_service_id", sa.String(36), primary_key=True, index=True),
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column("position", sa.Integer, nullable=False, server_default="0"),
    )
    op.create_table(
        "tags",
        sa.Column("id", sa.String(36), primary_key=True),
        sa.Column("organisation_id", sa.String(36), nullable=False, index=True),
        sa.Column("name", sa.String(60), nullable=False),
        sa.Column("group", sa.String(60), nullable=False),
        sa.Column("sentiment", sa.String(10), nullable=False),
        sa.UniqueConstraint("organisation_id", "name", name="uq_tag_name"),
    )
    op.create_table(
        "story_tags",
        sa.Column("story_id", sa.String(36), sa.ForeignKey("stories.id"), primary_key=True),
        sa.Column("tag_id", sa.String(36), sa.ForeignKey("tags.id"), primary_key=True,
                  index=True),
    )
    op.create_table(
        "subscriptions",
        sa.Column("id", sa.String(36), primary_key=True),
        sa.Column("organisation_id", sa.String(36), nullable=False, index=True),
        sa.Column("person_id", sa.String(36), index=True),
        sa.Column("team_name", sa.String(120)),
        sa.Column("team_email", sa.String(254)),
        sa.Column("care_service_ids", sa.JSON, nullable=False),
        sa.Column("tag_ids", sa.JSON, nullable=False),
        sa.Column("min_criticality", sa.Integer, nullable=False, server_default="0"),
        sa.Column("delivery", sa.String(10), nullable=False),
        sa.Column("escalation_contact", sa.Boolean, nullable=False, server_default=sa.false()),
        sa.Column("created_by", sa.String(36)),
        sa.Column("created_at", UtcDateTime, nullable=False),
        sa.Column("last_digest_at", UtcDateTime),
    )
    op.create_table(
        "subscription_keys",
        sa.Column("subscription_id", sa.String(36), sa.ForeignKey("subscriptions.id"),
                  primary_key=True),
        sa.Column("care_service_key", sa.String(36), primary_key=True),
        sa.Column("tag_key", sa.String(36), primary_key=True),
        sa.Column("organisation_id", sa.String(36), nullable=False),
    )
    op.create_index("ix_subscription_keys_lookup", "subscription_keys",
                    ["organisation_id", "care_service_key", "tag_key"])
    op.create_table(
        "alerts",
        sa.Column("id", sa.String(36), primary_key=True),
        sa.Column("organisation_id", sa.String(36), nullable=False, index=True),
        sa.Column("subscription_id", sa.String(36), index=True),
        sa.Column("person_id", sa.String(36), index=True),
        sa.Column("team_email", sa.String(254)),
        sa.Column("kind", sa.String(20), nullable=False),
        sa.Column("stage", sa.Integer),
        sa.Column("story_id", sa.String(36), nullable=False, index=True),
        sa.Column("title", sa.String(200), nullable=False),
        sa.Column("created_at", UtcDateTime, nullable=False),
        sa.Column("read_at", UtcDateTime),
        sa.Column("email_due", sa.Boolean, nullable=False, server_default=sa.false()),
        sa.Column("email_sent_at", UtcDateTime),
        sa.Column("email_attempts", sa.Integer, nullable=False, server_default="0"),
        sa.Column("email_claim", sa.String(36), index=True),
        sa.Column("email_claimed_until", UtcDateTime),
        sa.Column("digest_due", sa.Boolean, nullable=False, server_default=sa.false()),
        sa.Column("digested_at", UtcDateTime),
    )
    op.create_table(
        "responses",
        sa.Column("id", sa.String(36), primary_key=True),
        sa.Column("story_id", sa.String(36), sa.ForeignKey("stories.id"), nullable=False,
                  index=True),
        sa.Column("organisation_id", sa.String(36), nullable=False, index=True),
        sa.Column("responder_person_id", sa.String(36), index=True),
        sa.Column("responder_title", sa.String(150), nullable=False),
        sa.Column("text", sa.Text, nullable=False),
        sa.Column("change_status", sa.String(10), nullable=False),
        sa.Column("change_description", sa.Text),
        sa.Column("status", sa.String(10), nullable=False, index=True),
        sa.Column("rejection_reason", sa.Text),
        sa.Column("author_verdict", sa.String(10)),
        sa.Column("verdict_note", sa.Text),
        sa.Column("verdict_at", UtcDateTime),
        sa.Column("created_at", UtcDateTime, nullable=False),
        sa.Column("published_at", UtcDateTime),
    )


def downgrade():
    op.drop_table("responses")
    op.drop_table("alerts")
    op.drop_index("ix_subscription_keys_lookup", "subscription_keys")
    op.drop_table("subscription_keys")
    op.drop_table("subscriptions")
    op.drop_table("story_tags")
    op.drop_table("tags")
    op.drop_table("story_care_services")
    op.drop_table("stories")
