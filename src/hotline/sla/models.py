"""The time-limit policy as an administrator keeps it: one row per rule of the policy table."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Boolean, ForeignKey, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from hotline.db.base import Base
from hotline.db.types import UTCDateTime


class TimeLimitRule(Base):
    """A rule of ``domain.deadlines.TimeLimitPolicy``; a key field left empty means "any"."""

    __tablename__ = "time_limit_rules"
    __table_args__ = (UniqueConstraint("position"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    position: Mapped[int] = mapped_column(Integer)
    urgency: Mapped[str | None] = mapped_column(String(20))
    kind: Mapped[str | None] = mapped_column(String(20))
    category_code: Mapped[str | None] = mapped_column(String(100))
    complex: Mapped[bool | None] = mapped_column(Boolean)
    acknowledge: Mapped[str | None] = mapped_column(String(16))
    contact: Mapped[str | None] = mapped_column(String(16))
    reply: Mapped[str | None] = mapped_column(String(16))
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime)
    updated_by_user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
