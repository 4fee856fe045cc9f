"""pages at a million tickets: postings read index-only in document order; open supervised tickets; undecided send-backs

Revision ID: 0014_pages_indexes
Revises: 0013_admin2
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0014_pages_indexes"
down_revision: str | None = "0013_admin2"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

SENT_BACK_UNDECIDED = "parent_no IS NULL AND state = 'sent_back' AND state_before_send_back IS NOT NULL"
SUPERVISED_OPEN = "supervised AND status NOT IN ('closed', 'merged', 'withdrawn', 'handed_off')"


def upgrade() -> None:
    op.create_index(
        "ix_search_postings_scope_term_doc", "search_postings", ["scope", "term", "document_id", "tf"]
    )
    op.drop_index("ix_search_postings_scope_term", table_name="search_postings")
    op.create_index(
        "ix_tickets_supervised_open",
        "tickets",
        ["received_at", "id"],
        postgresql_where=sa.text(SUPERVISED_OPEN),
        sqlite_where=sa.text(SUPERVISED_OPEN),
    )
    op.create_index(
        "ix_assignments_decide_sent_back",
        "assignments",
        ["reply_due_at", "id"],
        postgresql_where=sa.text(SENT_BACK_UNDECIDED),
        sqlite_where=sa.text(SENT_BACK_UNDECIDED),
    )


def downgrade() -> None:
    op.drop_index("ix_assignments_decide_sent_back", table_name="assignments")
    op.drop_index("ix_tickets_supervised_open", table_name="tickets")
    op.create_index("ix_search_postings_scope_term", "search_postings", ["scope", "term"])
    op.drop_index("ix_search_postings_scope_term_doc", table_name="search_postings")
