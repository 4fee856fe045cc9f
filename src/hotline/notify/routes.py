"""The inbox (every signed-in person) and webhook subscriptions (administrators) over HTTP."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated
from zoneinfo import ZoneInfo

from fastapi import APIRouter, Query, Response
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from hotline.audit.service import Actor
from hotline.auth.deps import UserDep
from hotline.auth.service import CurrentUser
from hotline.domain.errors import forbidden, not_found
from hotline.domain.vocabulary import Role
from hotline.notify import queries, service, webhooks
from hotline.notify import schemas as s
from hotline.notify.models import WebhookDelivery, WebhookSubscription
from hotline.web.deps import DbDep, LangDep, NowDep, ZoneDep

router = APIRouter(prefix="/api/v1/inbox", tags=["inbox 消息"])
admin = APIRouter(prefix="/api/v1/admin/webhooks", tags=["admin 管理"])


@router.get("", response_model=s.InboxPage)
def inbox(
    db: DbDep,
    user: UserDep,
    zone: ZoneDep,
    lang: LangDep,
    unread: bool = False,
    kind: str | None = None,
    unit_id: Annotated[
        int | None, Query(description="Another unit's inbox (centre, or a unit above it).")
    ] = None,
    limit: Annotated[int, Query(ge=1, le=200)] = 50,
    offset: Annotated[int, Query(ge=0)] = 0,
) -> s.InboxPage:
    """My notifications (to me, to my unit, to my role in my unit), newest first: urges (催办),
    warnings (预警), escalations (督办), new assignments, decisions waiting for me."""
    with db.read() as session:
        return queries.inbox(
            session,
            user,
            zone,
            lang,
            unread_only=unread,
            unit_id=unit_id,
            kind=kind,
            limit=limit,
            offset=offset,
        )


@router.get("/unread-count", response_model=s.UnreadCount)
def unread_count(db: DbDep, user: UserDep) -> s.UnreadCount:
    """How many of my notifications I have not read, in all and by kind (for the badge)."""
    with db.read() as session:
        return queries.unread_count(session, user)


@router.get("/units", response_model=list[s.UnitUnread])
def units_unread(db: DbDep, user: UserDep, zone: ZoneDep, lang: LangDep) -> list[s.UnitUnread]:
    """Per unit I may watch (the centre: all; a unit: itself and those below): notifications nobody
    there has read yet — who is not looking at their urges."""
    with db.read() as session:
        rows = queries.unit_unread(session, user, lang)
    return [r.model_copy(update={"oldest_unread_at": r.oldest_unread_at.astimezone(zone)}) for r in rows]


@router.post("/{notification_id}/read", status_code=204)
def mark_read(notification_id: int, db: DbDep, user: UserDep, now: NowDep) -> Response:
    with db.write() as session:
        service.mark_read(session, user, notification_id, now)
    return Response(status_code=204)


@router.post("/read-all", response_model=s.MarkedRead)
def mark_all_read(db: DbDep, user: UserDep, now: NowDep) -> s.MarkedRead:
    with db.write() as session:
        return s.MarkedRead(marked=service.mark_all_read(session, user, now))


# --- webhook subscriptions ---------------------------------------------------------------------


def _admin(user: CurrentUser) -> None:
    if user.role is not Role.ADMIN:
        raise forbidden("permission.admin")


def _local(dt: datetime | None, zone: ZoneInfo) -> datetime | None:
    return None if dt is None else dt.astimezone(zone)


def _out(session: Session, sub: WebhookSubscription, zone: ZoneInfo) -> s.SubscriptionOut:
    counts: dict[str, int] = dict(
        session.execute(  # type: ignore[arg-type]
            select(WebhookDelivery.status, func.count())
            .where(WebhookDelivery.subscription_id == sub.id)
            .group_by(WebhookDelivery.status)
        ).all()
    )
    return s.SubscriptionOut(
        id=sub.id,
        name=sub.name,
        url=sub.url,
        unit_id=sub.unit_id,
        event_tags=list(sub.event_tags or []),
        active=sub.active,
        secret_hint=sub.secret[-4:],
        created_at=sub.created_at.astimezone(zone),
        updated_at=sub.updated_at.astimezone(zone),
        pending=counts.get(webhooks.PENDING, 0),
        failed=counts.get(webhooks.FAILED, 0),
        delivered=counts.get(webhooks.DELIVERED, 0),
    )


@admin.get("", response_model=list[s.SubscriptionOut])
def list_subscriptions(db: DbDep, user: UserDep, zone: ZoneDep) -> list[s.SubscriptionOut]:
    _admin(user)
    with db.read() as session:
        subs = session.scalars(select(WebhookSubscription).order_by(WebhookSubscription.id)).all()
        return [_out(session, sub, zone) for sub in subs]


@admin.post("", response_model=s.SubscriptionCreated, status_code=201)
def create_subscription(body: s.SubscriptionIn, db: DbDep, user: UserDep, now: NowDep, zone: ZoneDep):
    """A department's system that receives events by POST, signed with HMAC-SHA256 (see
    docs/notifications.md). The secret is shown in this answer only."""
    _admin(user)
    with db.write() as session:
        sub, secret = service.create_subscription(session, body.model_dump(), Actor.of(user), now)
        return s.SubscriptionCreated(**_out(session, sub, zone).model_dump(), secret=secret)


@admin.patch("/{sub_id}", response_model=s.SubscriptionOut)
def update_subscription(
    sub_id: int, body: s.SubscriptionPatch, db: DbDep, user: UserDep, now: NowDep, zone: ZoneDep
) -> s.SubscriptionOut:
    _admin(user)
    with db.write() as session:
        changes = body.model_dump(exclude_unset=True)
        sub = service.update_subscription(session, sub_id, changes, Actor.of(user), now)
        return _out(session, sub, zone)


@admin.delete("/{sub_id}", status_code=204)
def delete_subscription(sub_id: int, db: DbDep, user: UserDep, now: NowDep) -> Response:
    """Deactivate: no new events are sent; its deliveries stay on record."""
    _admin(user)
    with db.write() as session:
        service.deactivate_subscription(session, sub_id, Actor.of(user), now)
    return Response(status_code=204)


@admin.get("/{sub_id}/deliveries", response_model=list[s.DeliveryOut])
def deliveries(
    sub_id: int,
    db: DbDep,
    user: UserDep,
    zone: ZoneDep,
    status: str | None = None,
    limit: Annotated[int, Query(ge=1, le=500)] = 100,
) -> list[s.DeliveryOut]:
    _admin(user)
    with db.read() as session:
        if session.get(WebhookSubscription, sub_id) is None:
            raise not_found("webhook.not_found")
        query = select(WebhookDelivery).where(WebhookDelivery.subscription_id == sub_id)
        if status:
            query = query.where(WebhookDelivery.status == status)
        rows = session.scalars(query.order_by(WebhookDelivery.id.desc()).limit(limit)).all()
        return [
            s.DeliveryOut(
                id=d.id,
                delivery_id=d.delivery_id,
                ticket_id=d.ticket_id,
                seq=d.seq,
                tag=d.tag,
                status=d.status,
                attempts=d.attempts,
                next_attempt_at=_local(d.next_attempt_at, zone),
                last_attempt_at=_local(d.last_attempt_at, zone),
                last_status_code=d.last_status_code,
                last_error=d.last_error,
                delivered_at=_local(d.delivered_at, zone),
                created_at=d.created_at.astimezone(zone),
            )
            for d in rows
        ]


@admin.post("/deliveries/{delivery_id}/retry", status_code=204)
def retry_delivery(delivery_id: int, db: DbDep, user: UserDep, now: NowDep) -> Response:
    """Send a failed delivery again (attempts start over)."""
    _admin(user)
    with db.write() as session:
        if not webhooks.retry(session, delivery_id, Actor.of(user), now):
            raise not_found("webhook.not_found")
    return Response(status_code=204)
