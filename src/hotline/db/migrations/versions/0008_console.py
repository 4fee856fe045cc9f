"""console: saved search filters; indexes for the centre's queues and keyset-paged search

Revision ID: 0008_console
Revises: 0007_routing_model
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import hotline.db.types

revision: str = "0008_console"
down_revision: str | None = "0007_routing_model"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "console_saved_filters",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=60), nullable=False),
        sa.Column("query", sa.String(length=1000), nullable=False),
        sa.Column("created_at", hotline.db.types.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"], name=op.f("fk_console_saved_filters_user_id_users")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_console_saved_filters")),
        sa.UniqueConstraint("user_id", "name", name=op.f("uq_console_saved_filters_user_id_name")),
    )
    # search: newest first, paged by (received_at, id); a caller's earlier tickets by phone
    op.create_index("ix_tickets_received_at_id", "tickets", ["received_at", "id"], unique=False)
    # the centre's queues: supervised tickets; replies and send-backs by state; overdue by due time;
    # extensions waiting for a decision
    op.create_index(
        "ix_tickets_supervised_received_at", "tickets", ["supervised", "received_at"], unique=False
    )
    op.create_index(
        "ix_assignments_state_reply_due_at", "assignments", ["state", "reply_due_at"], unique=False
    )
    op.create_index(
        "ix_assignments_state_acknowledge_due_at",
        "assignments",
        ["state", "acknowledge_due_at"],
        unique=False,
    )
    op.create_index(
        "ix_assignments_pending_extension_until", "assignments", ["pending_extension_until"], unique=False
    )


def downgrade() -> None:
    op.drop_index("ix_assignments_pending_extension_until", table_name="assignments")
    op.drop_index("ix_assignments_state_acknowledge_due_at", table_name="assignments")
    op.drop_index("ix_assignments_state_reply_due_at", table_name="assignments")
    op.drop_index("ix_tickets_supervised_received_at", table_name="tickets")
    op.drop_index("ix_tickets_received_at_id", table_name="tickets")
    op.drop_table("console_saved_filters")
