"""The media table: one row per stored photo, beside its file under the data dir (never the web
root). The file's name is random, so knowing one photo's address tells nothing of another's."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Boolean, ForeignKey, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from hotline.db.base import Base
from hotline.db.types import UTCDateTime


class MediaRow(Base):
    __tablename__ = "media"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(64), unique=True)  # random hex + suffix; also the file
    ticket_id: Mapped[int] = mapped_column(ForeignKey("tickets.id"), index=True)
    content_type: Mapped[str] = mapped_column(String(50))
    original_type: Mapped[str] = mapped_column(String(50))  # what was uploaded, by its content
    width: Mapped[int] = mapped_column(Integer)
    height: Mapped[int] = mapped_column(Integer)
    size_bytes: Mapped[int] = mapped_column(Integer)
    sha256: Mapped[str] = mapped_column(String(64))
    location_kept: Mapped[bool] = mapped_column(Boolean, default=False)
    # who: "citizen" (the public portal) or a signed-in person's user id
    uploaded_by: Mapped[str] = mapped_column(String(20))
    uploaded_by_user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
