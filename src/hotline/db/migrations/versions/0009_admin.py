"""admin: a revision counter on units and categories, so caches of the directory see a rename or a move

Revision ID: 0009_admin
Revises: 0008_console
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0009_admin"
down_revision: str | None = "0008_console"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    for table in ("units", "categories"):
        with op.batch_alter_table(table) as batch:
            batch.add_column(sa.Column("revision", sa.Integer(), nullable=False, server_default="0"))


def downgrade() -> None:
    for table in ("units", "categories"):
        with op.batch_alter_table(table) as batch:
            batch.drop_column("revision")
