"""assessment facts: assignments.overdue as a column, indexes for counting rates in SQL

Revision ID: 0019_assessment_facts
Revises: 0018_grid
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0019_assessment_facts"
down_revision: str | None = "0018_grid"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("assignments") as batch:
        batch.add_column(sa.Column("overdue", sa.Boolean(), server_default=sa.false(), nullable=False))
    # Rows written before: any step of the deadlines JSON recorded overdue.
    if op.get_bind().dialect.name == "postgresql":
        op.execute(
            "UPDATE assignments SET overdue = EXISTS (SELECT 1 FROM json_array_elements(deadlines) d"
            " WHERE (d ->> 'overdue')::boolean)"
        )
    else:
        op.execute(
            "UPDATE assignments SET overdue = EXISTS (SELECT 1 FROM json_each(deadlines) d"
            " WHERE json_extract(d.value, '$.overdue'))"
        )
    op.create_index("ix_tickets_closed_at", "tickets", ["closed_at"])
    op.create_index("ix_ticket_events_tag_ticket_id_seq", "ticket_events", ["tag", "ticket_id", "seq"])


def downgrade() -> None:
    op.drop_index("ix_ticket_events_tag_ticket_id_seq", table_name="ticket_events")
    op.drop_index("ix_tickets_closed_at", table_name="tickets")
    with op.batch_alter_table("assignments") as batch:
        batch.drop_column("overdue")
