"""followup: a task per approved reply and handling round; SMS replies received

Revision ID: 0010_followup
Revises: 0009_admin
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import hotline.db.types

revision: str = "0010_followup"
down_revision: str | None = "0009_admin"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "followup_tasks",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("ticket_id", sa.Integer(), nullable=False),
        sa.Column("round", sa.Integer(), nullable=False),
        sa.Column("state", sa.String(length=12), nullable=False),
        sa.Column("approved_at", hotline.db.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("due_at", hotline.db.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("citizen_name", sa.String(length=100), nullable=True),
        sa.Column("phone", sa.String(length=32), nullable=True),
        sa.Column("contact_ticket_id", sa.Integer(), nullable=True),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("last_outcome", sa.String(length=16), nullable=True),
        sa.Column("last_attempt_at", hotline.db.types.UTCDateTime(timezone=True), nullable=True),
        sa.Column("outcome", sa.String(length=16), nullable=True),
        sa.Column("reason", sa.Text(), nullable=True),
        sa.Column("method", sa.String(length=10), nullable=True),
        sa.Column("contacted", sa.Boolean(), nullable=True),
        sa.Column("solved", sa.Boolean(), nullable=True),
        sa.Column("satisfaction", sa.String(length=20), nullable=True),
        sa.Column("comment", sa.Text(), nullable=True),
        sa.Column("finished_at", hotline.db.types.UTCDateTime(timezone=True), nullable=True),
        sa.Column("finished_by_user_id", sa.Integer(), nullable=True),
        sa.Column("sms_message_id", sa.String(length=64), nullable=True),
        sa.Column("sms_sent_at", hotline.db.types.UTCDateTime(timezone=True), nullable=True),
        sa.Column("created_at", hotline.db.types.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["finished_by_user_id"], ["users.id"], name=op.f("fk_followup_tasks_finished_by_user_id_users")
        ),
        sa.ForeignKeyConstraint(
            ["ticket_id"], ["tickets.id"], name=op.f("fk_followup_tasks_ticket_id_tickets")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_followup_tasks")),
        sa.UniqueConstraint("sms_message_id", name=op.f("uq_followup_tasks_sms_message_id")),
        sa.UniqueConstraint("ticket_id", "round", name="uq_followup_tasks_ticket_round"),
    )
    op.create_index("ix_followup_tasks_state_due", "followup_tasks", ["state", "due_at"], unique=False)
    op.create_table(
        "followup_sms_replies",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("message_id", sa.String(length=64), nullable=False),
        sa.Column("task_id", sa.Integer(), nullable=False),
        sa.Column("phone", sa.String(length=32), nullable=False),
        sa.Column("text", sa.String(length=500), nullable=False),
        sa.Column("result", sa.String(length=12), nullable=False),
        sa.Column("received_at", hotline.db.types.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["task_id"], ["followup_tasks.id"], name=op.f("fk_followup_sms_replies_task_id_followup_tasks")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_followup_sms_replies")),
        sa.UniqueConstraint("message_id", name=op.f("uq_followup_sms_replies_message_id")),
    )
    op.create_index(
        op.f("ix_followup_sms_replies_task_id"), "followup_sms_replies", ["task_id"], unique=False
    )


def downgrade() -> None:
    op.drop_index(op.f("ix_followup_sms_replies_task_id"), table_name="followup_sms_replies")
    op.drop_table("followup_sms_replies")
    op.drop_index("ix_followup_tasks_state_due", table_name="followup_tasks")
    op.drop_table("followup_tasks")
