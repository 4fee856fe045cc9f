"""media: uploaded photos, their files under the data dir

Revision ID: 0012_media
Revises: 0011_workbench
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import hotline.db.types

revision: str = "0012_media"
down_revision: str | None = "0011_workbench"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "media",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=64), nullable=False),
        sa.Column("ticket_id", sa.Integer(), nullable=False),
        sa.Column("content_type", sa.String(length=50), nullable=False),
        sa.Column("original_type", sa.String(length=50), nullable=False),
        sa.Column("width", sa.Integer(), nullable=False),
        sa.Column("height", sa.Integer(), nullable=False),
        sa.Column("size_bytes", sa.Integer(), nullable=False),
        sa.Column("sha256", sa.String(length=64), nullable=False),
        sa.Column("location_kept", sa.Boolean(), nullable=False),
        sa.Column("uploaded_by", sa.String(length=20), nullable=False),
        sa.Column("uploaded_by_user_id", sa.Integer(), nullable=True),
        sa.Column("created_at", hotline.db.types.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["ticket_id"], ["tickets.id"], name=op.f("fk_media_ticket_id_tickets")),
        sa.ForeignKeyConstraint(
            ["uploaded_by_user_id"], ["users.id"], name=op.f("fk_media_uploaded_by_user_id_users")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_media")),
        sa.UniqueConstraint("name", name=op.f("uq_media_name")),
    )
    op.create_index(op.f("ix_media_ticket_id"), "media", ["ticket_id"], unique=False)


def downgrade() -> None:
    op.drop_index(op.f("ix_media_ticket_id"), table_name="media")
    op.drop_table("media")
