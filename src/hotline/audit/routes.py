"""The audit over HTTP: administrators read who changed what, when, from what to what."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any
from zoneinfo import ZoneInfo

from fastapi import APIRouter, Query

from hotline.audit import queries
from hotline.audit import schemas as s
from hotline.auth.deps import UserDep
from hotline.domain.errors import forbidden, invalid
from hotline.domain.vocabulary import Role
from hotline.web.deps import DbDep, ZoneDep
from hotline.web.numbers import Offset
from hotline.web.text import PlainStr

router = APIRouter(prefix="/api/v1", tags=["audit 审计"])


def changed(before: Any, after: Any) -> list[str]:
    if not isinstance(before, dict) or not isinstance(after, dict):
        return []
    return sorted(k for k in before.keys() | after.keys() if before.get(k) != after.get(k))


def _aware(value: datetime | None, zone: ZoneInfo) -> datetime | None:
    """A time without a zone is the centre's, like everywhere else in the API."""
    if value is None or value.tzinfo is not None:
        return value
    return value.replace(tzinfo=zone)


@router.get("/audit", response_model=s.EntryPage)
def audit(
    db: DbDep,
    user: UserDep,
    zone: ZoneDep,
    entity_type: Annotated[
        PlainStr | None, Query(max_length=40, description="e.g. kb_article, ticket")
    ] = None,
    entity_id: Annotated[PlainStr | None, Query(max_length=100)] = None,
    actor: Annotated[
        PlainStr | None, Query(max_length=100, description="A username, or router/cli/loader")
    ] = None,
    action: Annotated[
        PlainStr | None, Query(max_length=64, description="A tag, or a dotted prefix: kb, open311.key")
    ] = None,
    since: Annotated[datetime | None, Query(alias="from", description="From this time (inclusive)")] = None,
    until: Annotated[datetime | None, Query(alias="to", description="Up to this time (exclusive)")] = None,
    limit: Annotated[int, Query(ge=1, le=200)] = 50,
    offset: Annotated[Offset, Query()] = 0,
) -> s.EntryPage:
    """Admin changes and routing decisions, newest first (administrators only)."""
    if user.role is not Role.ADMIN:
        raise forbidden("permission.admin")
    since, until = _aware(since, zone), _aware(until, zone)
    if since is not None and until is not None and until < since:
        raise invalid("audit.time_range", field="to")
    filters = queries.Filters(entity_type, entity_id, actor, action, since, until)
    with db.read() as session:
        entries, total = queries.page(session, filters, limit, offset)
    return s.EntryPage(
        items=[
            s.EntryOut(
                id=e.id,
                at=e.at.astimezone(zone),
                actor=s.ActorOut(user_id=e.actor_user_id, name=e.actor_name),
                action=e.action,
                entity_type=e.entity_type,
                entity_id=e.entity_id,
                before=e.before,
                after=e.after,
                changed=changed(e.before, e.after),
                note=e.note,
                details=e.details,
            )
            for e in entries
        ],
        total=total,
        limit=limit,
        offset=offset,
    )
