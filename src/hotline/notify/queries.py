"""Reads of the inbox: a person's notifications (their own and their unit's), unread counts, and
for supervision the units whose notifications nobody there has read yet."""

from __future__ import annotations

from collections.abc import Sequence
from zoneinfo import ZoneInfo

from sqlalchemy import ColumnElement, and_, exists, func, or_, select
from sqlalchemy.orm import Session

from hotline.auth.service import CurrentUser
from hotline.directory import queries as directory
from hotline.directory.queries import UnitInfo
from hotline.domain.errors import forbidden
from hotline.domain.vocabulary import label
from hotline.notify import schemas as out
from hotline.notify.models import Notification, NotificationRead
from hotline.tickets import queries as tickets

# kind -> (zh, en); {step} is the step's label. Automatic urges (by the sweeper) carry a step.
TITLES: dict[str, tuple[str, str]] = {
    "assignment": ("新派单：请及时签收", "New assignment: please acknowledge it"),
    "urge": ("催办：请加快办理", "Urged: please speed up"),
    "urge_overdue": ("超期催办：{step}已超期", "Overdue: {step} is past its deadline"),
    "warning": ("预警：{step}即将到期", "Warning: {step} is nearly due"),
    "escalation": ("督办升级：{step}已超期", "Escalated: {step} is overdue on a supervised ticket"),
    "extension_requested": ("延期申请待审批", "An extension request waits for a decision"),
    "extension_approved": ("延期申请已批准", "Extension approved"),
    "extension_refused": ("延期申请未获批准", "Extension refused"),
    "send_back": ("退单待审核", "A send-back waits for a decision"),
    "reply": ("答复待审核", "A reply waits for review"),
    "rejected": ("答复被退回，请重新办理", "Reply rejected: please work on it again"),
    "information": ("诉求人补充了信息", "The citizen added information"),
}
KIND_LABELS: dict[str, tuple[str, str]] = {
    "assignment": ("新派单", "New assignment"),
    "urge": ("催办", "Urge"),
    "warning": ("预警", "Warning"),
    "escalation": ("督办", "Escalation"),
    "extension_requested": ("延期申请", "Extension request"),
    "extension_approved": ("延期批准", "Extension approved"),
    "extension_refused": ("延期未批准", "Extension refused"),
    "send_back": ("退单", "Send-back"),
    "reply": ("待审核", "Reply to review"),
    "rejected": ("退回重办", "Reply rejected"),
    "information": ("补充信息", "Information added"),
}


def _pick(pair: tuple[str, str], lang: str) -> str:
    return pair[1] if lang == "en" else pair[0]


def title(kind: str, step: str | None, lang: str) -> str:
    key = "urge_overdue" if kind == "urge" and step else kind
    template = _pick(TITLES.get(key, (kind, kind)), lang)
    return template.format(step=label(step, lang) if step else "")


def addressed(user: CurrentUser) -> ColumnElement[bool]:
    """Notifications for this person: to them, or to their unit (all of it, or their role in it)."""
    return or_(
        Notification.user_id == user.id,
        and_(
            Notification.unit_id == user.unit_id,
            or_(Notification.role.is_(None), Notification.role == user.role.value),
        ),
    )


def _read_by(user_id: int) -> ColumnElement[bool]:
    return exists().where(
        NotificationRead.notification_id == Notification.id, NotificationRead.user_id == user_id
    )


def _read_in_unit() -> ColumnElement[bool]:
    """Someone of the addressed unit has read it."""
    return exists().where(
        NotificationRead.notification_id == Notification.id,
        NotificationRead.user_id.in_(directory.user_ids_of_unit(Notification.unit_id)),
    )


def addressed_to(session: Session, user: CurrentUser, ids: Sequence[int]) -> list[int]:
    return list(session.scalars(select(Notification.id).where(Notification.id.in_(ids), addressed(user))))


def unread_ids(session: Session, user: CurrentUser) -> list[int]:
    return list(session.scalars(select(Notification.id).where(addressed(user), ~_read_by(user.id))))


def unread_count(session: Session, user: CurrentUser) -> out.UnreadCount:
    mine = and_(addressed(user), ~_read_by(user.id))
    total = session.scalar(select(func.count()).select_from(Notification).where(mine)) or 0
    rows = session.execute(
        select(Notification.kind, func.count()).where(mine).group_by(Notification.kind)
    ).all()
    return out.UnreadCount(unread=total, by_kind={k: n for k, n in rows})


def _may_see_unit(session: Session, user: CurrentUser, unit_id: int) -> None:
    if user.is_centre:
        return
    path = directory.unit_paths(session, [unit_id]).paths.get(unit_id)
    if path is None or not path.startswith(user.unit_path):
        raise forbidden("permission.not_visible")


def inbox(
    session: Session,
    user: CurrentUser,
    zone: ZoneInfo,
    lang: str,
    *,
    unread_only: bool = False,
    unit_id: int | None = None,
    kind: str | None = None,
    limit: int = 50,
    offset: int = 0,
) -> out.InboxPage:
    """The caller's inbox, newest first; or, with ``unit_id``, that unit's (centre roles, or a unit
    above it), where "read" means someone of that unit has read it."""
    if unit_id is None:
        where: ColumnElement[bool] = addressed(user)
        read = _read_by(user.id)
    else:
        _may_see_unit(session, user, unit_id)
        where = Notification.unit_id == unit_id
        read = _read_in_unit()
    conds = [where]
    if kind:
        conds.append(Notification.kind == kind)
    if unread_only:
        conds.append(~read)
    total = session.scalar(select(func.count()).select_from(Notification).where(*conds)) or 0
    rows = session.execute(
        select(Notification, read.label("read"))
        .where(*conds)
        .order_by(Notification.created_at.desc(), Notification.id.desc())
        .limit(limit)
        .offset(offset)
    ).all()
    received = tickets.received_at(session, {n.ticket_id for n, _ in rows})
    units = directory.unit_names(session, {n.unit_id for n, _ in rows if n.unit_id is not None})
    items = [
        out.NotificationOut(
            id=n.id,
            kind=n.kind,
            kind_label=_pick(KIND_LABELS.get(n.kind, (n.kind, n.kind)), lang),
            title=title(n.kind, n.step, lang),
            ticket_id=n.ticket_id,
            ticket_number=f"{received[n.ticket_id].astimezone(zone):%Y%m%d}{n.ticket_id:06d}",
            assignment_no=n.assignment_no,
            step=n.step,
            note=n.note,
            unit=None
            if n.unit_id not in units
            else out.UnitRef(id=n.unit_id, name=_unit_name(units[n.unit_id], lang)),
            role=n.role,
            created_at=n.created_at.astimezone(zone),
            read=bool(is_read),
        )
        for n, is_read in rows
    ]
    return out.InboxPage(items=items, total=total, limit=limit, offset=offset)


def _unit_name(unit: UnitInfo, lang: str) -> str:
    return (unit.name_en or unit.name) if lang == "en" else unit.name


def unit_unread(session: Session, user: CurrentUser, lang: str) -> list[out.UnitUnread]:
    """Per unit the user may watch: notifications nobody in that unit has read yet, oldest first."""
    visible = (
        Notification.unit_id.is_not(None)
        if user.is_centre
        else Notification.unit_id.in_(directory.unit_ids_under(user.unit_path))
    )
    rows = session.execute(
        select(Notification.unit_id, func.count(Notification.id), func.min(Notification.created_at))
        .where(visible, ~_read_in_unit())
        .group_by(Notification.unit_id)
        .order_by(func.count(Notification.id).desc(), Notification.unit_id)
    ).all()
    units = directory.unit_names(session, {unit_id for unit_id, _, _ in rows})
    return [
        out.UnitUnread(
            unit=out.UnitRef(id=unit_id, name=_unit_name(units[unit_id], lang)),
            unread=n,
            oldest_unread_at=oldest,
        )
        for unit_id, n, oldest in rows
        if unit_id in units
    ]
