"""Messages in an Involve inbox and each person's choice of how to be told things; invitations
kept so they can be listed, resent and cancelled; the several people an audit entry is about.

Revision ID: identity_0003
"""
import sqlalchemy as sa
from alembic import op

from involve.kernel.db import UtcDateTime

revision = "identity_0003"
down_revision = "identity_0002"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("people") as table:
        table.add_column(sa.Column("notifications", sa.String(20), nullable=False,
                                   server_default="email_and_inbox"))
    with op.batch_alter_table("one_time_links") as table:
        table.add_column(sa.Column("invitation_id", sa.String(36)))
        table.create_index("ix_one_time_links_invitation_id", ["invitation_id"])
    op.create_table(
        "invitations",
        sa.Column("id", sa.String(36), primary_key=True),
        sa.Column("organisation_id", sa.String(36), sa.ForeignKey("organisations.id"),
                  nullable=False, index=True),
        sa.Column("role", sa.String(40), nullable=False),
        sa.Column("contact", sa.Text),
        sa.Column("status", sa.String(20), nullable=False),
        sa.Column("invited_by", sa.String(60)),
        sa.Column("created_at", UtcDateTime, nullable=False),
        sa.Column("last_sent_at", UtcDateTime, nullable=False),
        sa.Column("times_sent", sa.Integer, nullable=False, server_default="1"),
        sa.Column("expires_at", UtcDateTime, nullable=False),
        sa.Column("answered_at", UtcDateTime),
        sa.Column("person_id", sa.String(36), index=True),
    )
    op.create_table(
        "messages",
        sa.Column("id", sa.String(36), primary_key=True),
        sa.Column("person_id", sa.String(36), sa.ForeignKey("people.id"), nullable=False),
        sa.Column("organisation_id", sa.String(36)),
        sa.Column("content", sa.Text, nullable=False),
        sa.Column("link", sa.String(500)),
        sa.Column("created_at", UtcDateTime, nullable=False),
        sa.Column("read_at", UtcDateTime),
        sa.Column("emailed", sa.Boolean, nullable=False, server_default=sa.false()),
    )
    # the header's unread count, on every page a signed-in person sees
    op.create_index("ix_messages_unread", "messages", ["person_id", "read_at"])
    op.create_table(
        "audit_subjects",
        sa.Column("entry_id", sa.Integer, sa.ForeignKey("audit_log.id"), primary_key=True),
        sa.Column("person_id", sa.String(36), primary_key=True, index=True),
    )


def downgrade():
    op.drop_table("audit_subjects")
    op.drop_index("ix_messages_unread", "messages")
    op.drop_table("messages")
    op.drop_table("invitations")
    with op.batch_alter_table("one_time_links") as table:
        table.drop_index("ix_one_time_links_invitation_id")
        table.drop_column("invitation_id")
    with op.batch_alter_table("people") as table:
        table.drop_column("notifications")
