"""workbench: the operator's handling time at intake, and the caller history's index

Revision ID: 0011_workbench
Revises: 0010_followup
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0011_workbench"
down_revision: str | None = "0010_followup"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.add_column("tickets", sa.Column("intake_seconds", sa.Integer(), nullable=True))
    op.create_index(
        "ix_tickets_citizen_phone_received_at", "tickets", ["citizen_phone", "received_at"], unique=False
    )


def downgrade() -> None:
    op.drop_index("ix_tickets_citizen_phone_received_at", table_name="tickets")
    op.drop_column("tickets", "intake_seconds")
