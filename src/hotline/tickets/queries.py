"""Reads of tickets: detail, lists, the event log and the public timeline — from the projection.

Visibility: centre roles see every ticket; a unit's people see tickets assigned to their unit or
to any unit below it; a grid worker also sees what they reported. The citizen's phone is shown in
full only to those who call citizens: the centre desk, and handlers of a unit holding the ticket.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import ColumnElement, func, or_, select, true
from sqlalchemy.orm import Session

from hotline.auth.service import CurrentUser
from hotline.directory.models import Unit, User
from hotline.domain.deadlines import TimeLimit, TimeLimitError
from hotline.domain.errors import forbidden, not_found
from hotline.domain.privacy import mask_phone
from hotline.domain.ticket import Ticket
from hotline.domain.vocabulary import Role, label
from hotline.tickets import schemas as out
from hotline.tickets.models import AssignmentRow, TicketEventRow, TicketRow
from hotline.tickets.store import ticket_columns

_FULL_PHONE_CENTRE = {Role.OPERATOR, Role.DISPATCHER}
_FULL_PHONE_HOLDERS = {Role.UNIT_HANDLER, Role.GRID_WORKER}


def visible(user: CurrentUser) -> ColumnElement[bool]:
    if user.is_centre:
        return true()
    in_subtree = (
        select(AssignmentRow.ticket_id)
        .join(Unit, Unit.id == AssignmentRow.unit_id)
        .where(Unit.path.startswith(user.unit_path, autoescape=True))
    )
    cond = TicketRow.id.in_(in_subtree)
    if user.role is Role.GRID_WORKER:
        cond = or_(cond, TicketRow.created_by_user_id == user.id)
    return cond


def ticket_number(row: TicketRow, zone: ZoneInfo) -> str:
    return f"{row.received_at.astimezone(zone):%Y%m%d}{row.id:06d}"


def _local(dt: datetime | None, zone: ZoneInfo) -> datetime | None:
    return None if dt is None else dt.astimezone(zone)


def _get_visible(session: Session, ticket_id: int, user: CurrentUser) -> TicketRow:
    row = session.get(TicketRow, ticket_id)
    if row is None:
        raise not_found("ticket.not_found")
    if (
        not user.is_centre
        and session.scalar(select(TicketRow.id).where(TicketRow.id == ticket_id, visible(user))) is None
    ):
        raise forbidden("permission.not_visible")
    return row


def _units(session: Session, ids: set[int | None]) -> dict[int, Unit]:
    wanted = {i for i in ids if i is not None}
    if not wanted:
        return {}
    return {u.id: u for u in session.scalars(select(Unit).where(Unit.id.in_(wanted)))}


def _ref(units: dict[int, Unit], unit_id: int | None, lang: str) -> out.UnitRef | None:
    if unit_id is None or unit_id not in units:
        return None
    u = units[unit_id]
    return out.UnitRef(id=u.id, name=(u.name_en or u.name) if lang == "en" else u.name)


def ticket_detail(
    session: Session,
    ticket_id: int,
    user: CurrentUser,
    zone: ZoneInfo,
    lang: str,
    now: datetime | None = None,
) -> out.TicketOut:
    row = _get_visible(session, ticket_id, user)
    assignments = session.scalars(
        select(AssignmentRow).where(AssignmentRow.ticket_id == ticket_id).order_by(AssignmentRow.no)
    ).all()
    units = _units(session, {row.lead_unit_id} | {a.unit_id for a in assignments})
    return _detail(row, assignments, units, user, zone, lang, now)


def new_ticket_detail(
    ticket_id: int, ticket: Ticket, created_by: CurrentUser, zone: ZoneInfo, lang: str
) -> out.TicketOut:
    """The answer to a submission, from the state just written (no read-back: nothing else can
    have changed a ticket that did not exist until this transaction committed, and a new ticket
    has no assignments yet, so no unit names to look up)."""
    assert not ticket.assignments, "a ticket is dispatched by a later command"
    row = TicketRow(id=ticket_id, **ticket_columns(ticket), created_by_user_id=created_by.id)
    return _detail(row, [], {}, created_by, zone, lang)


def _detail(
    row: TicketRow,
    assignments: Sequence[AssignmentRow],
    units: dict[int, Unit],
    user: CurrentUser,
    zone: ZoneInfo,
    lang: str,
    now: datetime | None = None,
) -> out.TicketOut:
    holds = any(a.unit_id == user.unit_id for a in assignments)
    full_phone = user.role in _FULL_PHONE_CENTRE or (user.role in _FULL_PHONE_HOLDERS and holds)
    return out.TicketOut(
        id=row.id,
        number=ticket_number(row, zone),
        tracking_code=row.tracking_code,
        status=row.status,
        status_label=label(row.status, lang),
        channel=row.channel,
        kind=row.kind,
        kind_label=label(row.kind, lang),
        urgency=row.urgency,
        title=row.title,
        content=row.content,
        category_code=row.category_code,
        citizen_name=row.citizen_name,
        citizen_phone=row.citizen_phone if full_phone else mask_phone(row.citizen_phone),
        address=row.address,
        latitude=row.latitude,
        longitude=row.longitude,
        lead_unit=_ref(units, row.lead_unit_id, lang),
        supervised=row.supervised,
        complex=row.complex,
        reopen_count=row.reopen_count,
        answer=row.answer,
        merged_into_id=row.merged_into_id,
        duplicate_ids=list(row.duplicate_ids or []),
        handed_off_to=row.handed_off_to,
        follow_up=None
        if row.satisfaction is None
        else out.FollowUpOut(
            contacted=row.followup_contacted,
            solved=row.followup_solved,
            satisfaction=row.satisfaction,
            satisfaction_label=label(row.satisfaction, lang),
        ),
        close_reason=row.close_reason,
        received_at=_local(row.received_at, zone),
        updated_at=_local(row.updated_at, zone),
        closed_at=_local(row.closed_at, zone),
        version=row.version,
        assignments=[_assignment(a, units, zone, lang, now) for a in assignments],
    )


_DONE_AT = {"acknowledge": "acknowledged_at", "contact": "contacted_at", "reply": "replied_at"}


def _deadline(
    a: AssignmentRow, d: dict[str, Any], zone: ZoneInfo, lang: str, now: datetime | None
) -> out.DeadlineOut:
    due = datetime.fromisoformat(d["due_at"])
    warn = datetime.fromisoformat(d["warn_at"]) if d.get("warn_at") else None
    done: datetime | None = getattr(a, _DONE_AT[d["step"]])
    remaining: int | None = None
    if d["open"]:
        current = now or datetime.now(UTC)
        remaining = math.floor((due - current).total_seconds())
        if current > due or d["overdue"]:
            state = "overdue"
        elif d["warned"] or (warn is not None and current >= warn):
            state = "warning"
        else:
            state = "on_time"
        done = None
    elif done is not None:
        state = "met" if done <= due else "met_late"
    else:
        state = "stopped"
    try:
        limit = TimeLimit.parse(d["limit"])
        limit_label = limit.label_en if lang == "en" else limit.label_zh
    except TimeLimitError:
        limit_label = d["limit"]
    return out.DeadlineOut(
        step=d["step"],
        step_label=label(d["step"], lang),
        limit=d["limit"],
        limit_label=limit_label,
        due_at=due.astimezone(zone),
        warn_at=_local(warn, zone),
        state=state,
        state_label=label(state, lang)
        if state != "stopped"
        else ("No longer timed" if lang == "en" else "不再计时"),
        remaining_seconds=remaining,
        done_at=_local(done, zone),
    )


def _assignment(
    a: AssignmentRow, units: dict[int, Unit], zone: ZoneInfo, lang: str, now: datetime | None = None
) -> out.AssignmentOut:
    unit = _ref(units, a.unit_id, lang)
    assert unit is not None
    return out.AssignmentOut(
        no=a.no,
        unit=unit,
        role=a.role,
        role_label=label(a.role, lang),
        state=a.state,
        state_label=label(a.state, lang),
        parent_no=a.parent_no,
        dispatched_at=_local(a.dispatched_at, zone),
        acknowledged_at=_local(a.acknowledged_at, zone),
        contacted_at=_local(a.contacted_at, zone),
        replied_at=_local(a.replied_at, zone),
        reviewed_at=_local(a.reviewed_at, zone),
        reply=a.reply,
        send_back_reason=a.send_back_reason,
        awaiting_send_back_decision=a.state == "sent_back" and a.state_before_send_back is not None,
        pending_extension=None
        if a.pending_extension_until is None
        else out.PendingExtension(
            until=_local(a.pending_extension_until, zone), reason=a.pending_extension_reason
        ),
        reply_due_at=_local(a.reply_due_at, zone),
        original_reply_due_at=_local(a.original_reply_due_at, zone),
        extensions_approved=a.extensions_approved,
        rejections=a.rejections,
        improper_send_backs=a.improper_send_backs,
        urges=a.urges,
        escalations=a.escalations,
        deadlines=[_deadline(a, d, zone, lang, now) for d in a.deadlines or []],
    )


def list_tickets(
    session: Session,
    user: CurrentUser,
    zone: ZoneInfo,
    lang: str,
    *,
    status: str | None = None,
    kind: str | None = None,
    unit_id: int | None = None,
    limit: int = 50,
    offset: int = 0,
) -> out.TicketPage:
    conds = [visible(user)]
    if status:
        conds.append(TicketRow.status == status)
    if kind:
        conds.append(TicketRow.kind == kind)
    if unit_id is not None:
        conds.append(
            TicketRow.id.in_(select(AssignmentRow.ticket_id).where(AssignmentRow.unit_id == unit_id))
        )
    total = session.scalar(select(func.count()).select_from(TicketRow).where(*conds)) or 0
    rows = session.scalars(
        select(TicketRow).where(*conds).order_by(TicketRow.id.desc()).limit(limit).offset(offset)
    ).all()
    units = _units(session, {r.lead_unit_id for r in rows})
    items = [
        out.TicketSummary(
            id=r.id,
            number=ticket_number(r, zone),
            status=r.status,
            status_label=label(r.status, lang),
            kind=r.kind,
            urgency=r.urgency,
            title=r.title,
            content_excerpt=r.content[:80],
            category_code=r.category_code,
            lead_unit=_ref(units, r.lead_unit_id, lang),
            supervised=r.supervised,
            received_at=_local(r.received_at, zone),
            updated_at=_local(r.updated_at, zone),
        )
        for r in rows
    ]
    return out.TicketPage(items=items, total=total, limit=limit, offset=offset)


def ticket_events(
    session: Session, ticket_id: int, user: CurrentUser, zone: ZoneInfo, lang: str
) -> list[out.EventOut]:
    _get_visible(session, ticket_id, user)
    events = session.scalars(
        select(TicketEventRow).where(TicketEventRow.ticket_id == ticket_id).order_by(TicketEventRow.seq)
    ).all()
    units = _units(session, {ev.actor_unit_id for ev in events})
    user_ids = {ev.actor_user_id for ev in events if ev.actor_user_id is not None}
    rows = session.execute(select(User.id, User.display_name).where(User.id.in_(user_ids)))
    names = {uid: name for uid, name in rows}
    full_phone = user.role in _FULL_PHONE_CENTRE
    result = []
    for ev in events:
        payload = dict(ev.payload)
        if "citizen_phone" in payload and not full_phone:
            payload["citizen_phone"] = mask_phone(payload["citizen_phone"])
        reason = payload.get("reason") or payload.get("note")
        result.append(
            out.EventOut(
                seq=ev.seq,
                tag=ev.tag,
                occurred_at=_local(ev.occurred_at, zone),
                actor=out.ActorOut(
                    role=ev.actor_role,
                    role_label=label(ev.actor_role, lang),
                    user_id=ev.actor_user_id,
                    user_name=names.get(ev.actor_user_id) if ev.actor_user_id else None,
                    unit=_ref(units, ev.actor_unit_id, lang),
                ),
                from_status=ev.from_status,
                to_status=ev.to_status,
                assignment_no=ev.assignment_no,
                reason=reason,
                payload=payload,
            )
        )
    return result


def count(session: Session) -> int:
    """How many tickets the platform holds (any status)."""
    return int(session.scalar(select(func.count()).select_from(TicketRow)) or 0)
