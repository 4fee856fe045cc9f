"""day tallies: the read tables of per-day assessment counts, and the tickets' (received_at,
version) index their freshness check reads

Revision ID: 0020_day_tallies
Revises: 0019_assessment_facts
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from hotline.db.types import UTCDateTime

revision: str = "0020_day_tallies"
down_revision: str | None = "0019_assessment_facts"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_COUNTS = (
    "received",
    "at_intake",
    "followed",
    "contacted",
    "solved",
    "satisfied",
    "fairly_satisfied",
    "reopened",
    "closed",
    "on_time",
)
_ASSIGNMENT_COUNTS = ("assignments", "acknowledgeable", "timely", "overdue", "improper_send_backs")


def upgrade() -> None:
    op.create_table(
        "tally_days",
        sa.Column("zone", sa.String(64), primary_key=True),
        sa.Column("day", sa.Date(), primary_key=True),
        sa.Column("tickets", sa.Integer(), nullable=False),
        sa.Column("versions", sa.Integer(), nullable=False),
        sa.Column("as_of", UTCDateTime(timezone=True), nullable=False),
        sa.Column("valid_until", UTCDateTime(timezone=True), nullable=True),
        sa.Column("overdue_tickets", sa.Integer(), nullable=False),
        sa.Column("unsatisfied", sa.Integer(), nullable=False),
        sa.Column("computed_at", UTCDateTime(timezone=True), nullable=False),
        sa.Column("computed_by", sa.String(100), nullable=False),
    )
    op.create_table(
        "day_tallies",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("zone", sa.String(64), nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("kind", sa.String(10), nullable=False),
        sa.Column("key", sa.String(100), nullable=True),
        *(sa.Column(name, sa.Integer(), nullable=False) for name in _COUNTS),
        sa.Column("handling_seconds", sa.Float(), nullable=False),
        *(sa.Column(name, sa.Integer(), nullable=False) for name in _ASSIGNMENT_COUNTS),
    )
    op.create_index("ix_day_tallies_zone_kind_day", "day_tallies", ["zone", "kind", "day"])
    op.create_index("ix_tickets_received_at_version", "tickets", ["received_at", "version"])


def downgrade() -> None:
    op.drop_index("ix_tickets_received_at_version", table_name="tickets")
    op.drop_index("ix_day_tallies_zone_kind_day", table_name="day_tallies")
    op.drop_table("day_tallies")
    op.drop_table("tally_days")
