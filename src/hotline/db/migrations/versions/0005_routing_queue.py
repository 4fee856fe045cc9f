"""routing queue: tickets taken in and not yet routed

Revision ID: 0005_routing_queue
Revises: 0004_routing
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import hotline.db.types

revision: str = "0005_routing_queue"
down_revision: str | None = "0004_routing"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "routing_queue",
        sa.Column("ticket_id", sa.Integer(), nullable=False),
        sa.Column("enqueued_at", hotline.db.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("lease_until", hotline.db.types.UTCDateTime(timezone=True), nullable=True),
        sa.Column("last_error", sa.String(length=1000), nullable=True),
        sa.ForeignKeyConstraint(
            ["ticket_id"], ["tickets.id"], name=op.f("fk_routing_queue_ticket_id_tickets")
        ),
        sa.PrimaryKeyConstraint("ticket_id", name=op.f("pk_routing_queue")),
    )
    op.create_index(op.f("ix_routing_queue_enqueued_at"), "routing_queue", ["enqueued_at"], unique=False)


def downgrade() -> None:
    op.drop_index(op.f("ix_routing_queue_enqueued_at"), table_name="routing_queue")
    op.drop_table("routing_queue")
