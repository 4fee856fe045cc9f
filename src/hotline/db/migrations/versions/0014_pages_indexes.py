"""pages at a million tickets: postings read index-only in document order; open supervised tickets

Revision ID: 0014_pages_indexes
Revises: 0012_media
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0014_pages_indexes"
down_revision: str | None = "0012_media"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

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


def downgrade() -> None:
    op.drop_index("ix_tickets_supervised_open", table_name="tickets")
    op.create_index("ix_search_postings_scope_term", "search_postings", ["scope", "term"])
    op.drop_index("ix_search_postings_scope_term_doc", table_name="search_postings")
