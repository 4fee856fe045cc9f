"""follow-up robot calls: one row per call placed by the campaign

Revision ID: 0016_calls
Revises: 0015_assessment
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import hotline.db.types

revision: str = "0016_calls"
down_revision: str | None = "0015_assessment"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "followup_calls",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("call_id", sa.String(length=64), nullable=False),
        sa.Column("task_id", sa.Integer(), nullable=False),
        sa.Column("phone", sa.String(length=32), nullable=False),
        sa.Column("state", sa.String(length=12), nullable=False),
        sa.Column("status", sa.String(length=12), nullable=True),
        sa.Column("keys", sa.String(length=64), nullable=True),
        sa.Column("note", sa.Text(), nullable=True),
        sa.Column("placed_at", hotline.db.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("finished_at", hotline.db.types.UTCDateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["task_id"], ["followup_tasks.id"], name=op.f("fk_followup_calls_task_id_followup_tasks")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_followup_calls")),
        sa.UniqueConstraint("call_id", name=op.f("uq_followup_calls_call_id")),
    )
    op.create_index("ix_followup_calls_task_state", "followup_calls", ["task_id", "state"], unique=False)


def downgrade() -> None:
    op.drop_index("ix_followup_calls_task_state", table_name="followup_calls")
    op.drop_table("followup_calls")
