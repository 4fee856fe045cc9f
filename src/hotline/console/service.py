"""Writes of the console's own table: save a search under a name, delete it. Each recorded in the
audit with who and when, in the same transaction."""

from __future__ import annotations

from datetime import datetime
from typing import Final

from sqlalchemy import select
from sqlalchemy.orm import Session

from hotline.audit import service as audit
from hotline.auth.service import CurrentUser
from hotline.console.models import SavedFilter
from hotline.domain.errors import invalid, not_found

MAX_NAME: Final = 60
#: A person keeps at most this many: one more is refused (nothing is dropped silently).
MAX_SAVED: Final = 50


def save_filter(session: Session, user: CurrentUser, name: str, query: str, now: datetime) -> int:
    """Save ``query`` under ``name``; the same name again replaces what it held."""
    name = " ".join(name.split())
    if not name or len(name) > MAX_NAME:
        raise invalid("console.filter_name", field="name")
    if len(query) > 1000:
        raise invalid("console.field_invalid", field="query", value=query[:40])
    row = session.scalar(select(SavedFilter).where(SavedFilter.user_id == user.id, SavedFilter.name == name))
    actor = audit.Actor.of(user)
    if row is not None:
        before = {"name": row.name, "query": row.query}
        row.query, row.created_at = query, now
        audit.record(
            session,
            actor,
            "console.filter.update",
            "saved_filter",
            row.id,
            at=now,
            before=before,
            after={"name": name, "query": query},
        )
        return row.id
    count = len(session.scalars(select(SavedFilter.id).where(SavedFilter.user_id == user.id)).all())
    if count >= MAX_SAVED:
        raise invalid("console.too_many_filters", field="name", max=MAX_SAVED)
    row = SavedFilter(user_id=user.id, name=name, query=query, created_at=now)
    session.add(row)
    session.flush()
    audit.record(
        session,
        actor,
        "console.filter.create",
        "saved_filter",
        row.id,
        at=now,
        after={"name": name, "query": query},
    )
    return row.id


def delete_filter(session: Session, user: CurrentUser, filter_id: int, now: datetime) -> None:
    """Delete one of the person's own saved filters (another's is "not found", as if absent)."""
    row = session.get(SavedFilter, filter_id)
    if row is None or row.user_id != user.id:
        raise not_found("console.filter_not_found")
    before = {"name": row.name, "query": row.query}
    session.delete(row)
    audit.record(
        session,
        audit.Actor.of(user),
        "console.filter.delete",
        "saved_filter",
        filter_id,
        at=now,
        before=before,
    )
