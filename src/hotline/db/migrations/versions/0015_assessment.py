"""assessment: closed rankings (ranking_snapshots)

Revision ID: 0015_assessment
Revises: 0014_pages_indexes
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import hotline.db.types

revision: str = "0015_assessment"
down_revision: str | None = "0014_pages_indexes"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "ranking_snapshots",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("period_kind", sa.String(length=10), nullable=False),
        sa.Column("period_start", sa.Date(), nullable=False),
        sa.Column("closed_at", hotline.db.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("closed_by", sa.String(length=100), nullable=False),
        sa.Column("closed_by_user_id", sa.Integer(), nullable=True),
        sa.Column("settings", sa.JSON(), nullable=False),
        sa.Column("ranking", sa.JSON(), nullable=False),
        sa.ForeignKeyConstraint(
            ["closed_by_user_id"], ["users.id"], name=op.f("fk_ranking_snapshots_closed_by_user_id_users")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_ranking_snapshots")),
        sa.UniqueConstraint(
            "period_kind", "period_start", name=op.f("uq_ranking_snapshots_period_kind_period_start")
        ),
    )


def downgrade() -> None:
    op.drop_table("ranking_snapshots")
