"""Table of the knowledge base: one row per article (a unit's duty list, or an answer)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, Boolean, ForeignKey, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from hotline.db.base import Base
from hotline.db.types import UTCDateTime


class KbArticle(Base):
    __tablename__ = "kb_articles"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    kind: Mapped[str] = mapped_column(String(20), index=True)  # duty | answer
    title: Mapped[str] = mapped_column(String(200))
    body: Mapped[str] = mapped_column(Text)
    keywords: Mapped[list[str]] = mapped_column(JSON, default=list)
    category_code: Mapped[str | None] = mapped_column(String(100))
    unit_id: Mapped[int | None] = mapped_column(ForeignKey("units.id"), index=True)
    # Where it came from: directory (a unit's duties, kept in step with the directory), demo (the
    # demo city's answers), admin (written or edited by an administrator: never overwritten).
    source: Mapped[str] = mapped_column(String(20))
    # Stable key of generated articles ("duty:dept-urban", "demo:social-security-card"); NULL for
    # an administrator's own, so re-syncing finds its rows without duplicating them.
    source_key: Mapped[str | None] = mapped_column(String(100), unique=True)
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime)
    updated_by_user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
