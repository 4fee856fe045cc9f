"""Reads of the audit: entries by entity, actor, action and time, newest first."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session

from hotline.audit.models import AuditEntry


@dataclass(frozen=True)
class Filters:
    entity_type: str | None = None
    entity_id: str | None = None
    actor: str | None = None  # a username or a system actor's name
    action: str | None = None  # a tag (kb.article.updated) or a dotted prefix of tags (kb, kb.article)
    since: datetime | None = None  # inclusive
    until: datetime | None = None  # exclusive


@dataclass(frozen=True)
class Entry:
    id: int
    at: datetime
    actor_user_id: int | None
    actor_name: str
    action: str
    entity_type: str
    entity_id: str | None
    before: Any
    after: Any
    note: str | None
    details: dict[str, Any] | None = None


def page(session: Session, filters: Filters, limit: int, offset: int) -> tuple[list[Entry], int]:
    """One page of matching entries, newest first, and how many match in all."""
    conditions = []
    if filters.entity_type is not None:
        conditions.append(AuditEntry.entity_type == filters.entity_type)
    if filters.entity_id is not None:
        conditions.append(AuditEntry.entity_id == filters.entity_id)
    if filters.actor is not None:
        conditions.append(AuditEntry.actor_name == filters.actor)
    if filters.action is not None:
        conditions.append(
            or_(
                AuditEntry.action == filters.action,
                AuditEntry.action.startswith(filters.action + ".", autoescape=True),
            )
        )
    if filters.since is not None:
        conditions.append(AuditEntry.at >= filters.since)
    if filters.until is not None:
        conditions.append(AuditEntry.at < filters.until)
    total = int(session.scalar(select(func.count()).select_from(AuditEntry).where(*conditions)) or 0)
    rows = session.scalars(
        select(AuditEntry)
        .where(*conditions)
        .order_by(AuditEntry.at.desc(), AuditEntry.id.desc())
        .limit(limit)
        .offset(offset)
    )
    return [
        Entry(
            id=r.id,
            at=r.at,
            actor_user_id=r.actor_user_id,
            actor_name=r.actor_name,
            action=r.action,
            entity_type=r.entity_type,
            entity_id=r.entity_id,
            before=r.before,
            after=r.after,
            note=r.note,
            details=r.details,
        )
        for r in rows
    ], total
