"""routing advice: which model was asked (used, version, its note)

Revision ID: 0007_routing_model
Revises: 0006_audit
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0007_routing_model"
down_revision: str | None = "0006_audit"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("ticket_routing") as batch:
        batch.add_column(sa.Column("model_used", sa.Boolean(), nullable=False, server_default=sa.false()))
        batch.add_column(sa.Column("model_version", sa.String(length=40), nullable=True))
        batch.add_column(sa.Column("model_note", sa.String(length=300), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("ticket_routing") as batch:
        batch.drop_column("model_note")
        batch.drop_column("model_version")
        batch.drop_column("model_used")
