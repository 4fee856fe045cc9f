"""Reads of the console's own table: a person's saved filters."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from hotline.console.models import SavedFilter


@dataclass(frozen=True)
class Saved:
    id: int
    name: str
    query: str


def saved_filters(session: Session, user_id: int) -> list[Saved]:
    """The person's saved filters, by name."""
    rows = session.execute(
        select(SavedFilter.id, SavedFilter.name, SavedFilter.query)
        .where(SavedFilter.user_id == user_id)
        .order_by(SavedFilter.name)
    )
    return [Saved(r.id, r.name, r.query) for r in rows]
