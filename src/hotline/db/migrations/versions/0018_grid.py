"""grid: arrival on site and verification on site (核查) on the assignments

Revision ID: 0018_grid
Revises: 0016_calls
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import hotline.db.types

revision: str = "0018_grid"
down_revision: str | None = "0016_calls"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("assignments", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("arrived_at", hotline.db.types.UTCDateTime(timezone=True), nullable=True)
        )
        batch_op.add_column(sa.Column("verify_unit_id", sa.Integer(), nullable=True))
        batch_op.add_column(
            sa.Column("verify_requested_at", hotline.db.types.UTCDateTime(timezone=True), nullable=True)
        )
        batch_op.add_column(
            sa.Column("verifications_failed", sa.Integer(), nullable=False, server_default="0")
        )
        batch_op.create_foreign_key(
            batch_op.f("fk_assignments_verify_unit_id_units"), "units", ["verify_unit_id"], ["id"]
        )
        batch_op.create_index("ix_assignments_verify_unit_id", ["verify_unit_id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("assignments", schema=None) as batch_op:
        batch_op.drop_index("ix_assignments_verify_unit_id")
        batch_op.drop_constraint(batch_op.f("fk_assignments_verify_unit_id_units"), type_="foreignkey")
        batch_op.drop_column("verifications_failed")
        batch_op.drop_column("verify_requested_at")
        batch_op.drop_column("verify_unit_id")
        batch_op.drop_column("arrived_at")
