"""Reading stored photos: a ticket's list, or one by its name. Who may see them is decided by the
caller (a tracking code with the phone's last four digits, or a staff member who may see the
ticket) before any of these is asked."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from hotline.media.models import MediaRow


@dataclass(frozen=True)
class MediaInfo:
    name: str
    ticket_id: int
    content_type: str
    width: int
    height: int
    size_bytes: int
    uploaded_by: str
    created_at: datetime


def _info(r: MediaRow) -> MediaInfo:
    return MediaInfo(
        r.name, r.ticket_id, r.content_type, r.width, r.height, r.size_bytes, r.uploaded_by, r.created_at
    )


def of_ticket(session: Session, ticket_id: int) -> list[MediaInfo]:
    rows = session.scalars(select(MediaRow).where(MediaRow.ticket_id == ticket_id).order_by(MediaRow.id))
    return [_info(r) for r in rows]


def by_name(session: Session, ticket_id: int, name: str) -> MediaInfo | None:
    """The photo `name` if it belongs to `ticket_id` (a name from another ticket is not found)."""
    row = session.scalars(
        select(MediaRow).where(MediaRow.name == name, MediaRow.ticket_id == ticket_id)
    ).first()
    return None if row is None else _info(row)
