"""Table of closed rankings: a period's ranking frozen when the centre closes it (考核结果定格)."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import JSON, Date, ForeignKey, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from hotline.db.base import Base
from hotline.db.types import UTCDateTime


class RankingSnapshot(Base):
    """One closed period: every peer group's placings with the figures behind them, as JSON, and
    the settings they were made with; later changes to tickets do not move a closed ranking."""

    __tablename__ = "ranking_snapshots"
    __table_args__ = (UniqueConstraint("period_kind", "period_start"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    period_kind: Mapped[str] = mapped_column(String(10))  # week | month
    period_start: Mapped[date] = mapped_column(Date)
    closed_at: Mapped[datetime] = mapped_column(UTCDateTime)
    closed_by: Mapped[str] = mapped_column(String(100))
    closed_by_user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    settings: Mapped[Any] = mapped_column(JSON)
    ranking: Mapped[Any] = mapped_column(JSON)
