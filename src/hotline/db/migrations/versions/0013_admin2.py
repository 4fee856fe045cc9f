"""admin2: a password set by an administrator must be changed at next login; audit notes as data

Revision ID: 0013_admin2
Revises: 0012_media
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0013_admin2"
down_revision: str | None = "0012_media"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("users") as batch:
        batch.add_column(
            sa.Column("must_change_password", sa.Boolean(), nullable=False, server_default=sa.false())
        )
    with op.batch_alter_table("audit_entries") as batch:
        batch.add_column(sa.Column("details", sa.JSON(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("audit_entries") as batch:
        batch.drop_column("details")
    with op.batch_alter_table("users") as batch:
        batch.drop_column("must_change_password")
