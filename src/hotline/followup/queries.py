"""Reads of follow-up tasks: the operator's queue (due first) and one task with its script facts."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from zoneinfo import ZoneInfo

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from hotline.directory import queries as directory
from hotline.domain.errors import not_found
from hotline.followup.models import CallRow, FollowUpTaskRow, SmsReplyRow
from hotline.tickets import queries as tickets

_EXCERPT = 80


@dataclass(frozen=True)
class TaskView:
    id: int
    ticket_id: int
    number: str
    tracking_code: str
    round: int
    state: str
    due_at: datetime
    due: bool
    approved_at: datetime
    citizen_name: str | None
    phone: str | None
    contact_ticket_id: int | None
    attempts: int
    last_outcome: str | None
    last_attempt_at: datetime | None
    outcome: str | None
    reason: str | None
    sms_sent_at: datetime | None
    kind: str
    title: str | None
    content: str
    lead_unit: str | None
    contacted: bool | None
    solved: bool | None
    satisfaction: str | None
    comment: str | None
    finished_at: datetime | None
    reply: str | None = None
    sms_replies: tuple[str, ...] = ()
    call_notes: tuple[str, ...] = ()  # why the robot handed the call to an operator

    @property
    def excerpt(self) -> str:
        text = self.title or self.content
        return text if len(text) <= _EXCERPT else text[: _EXCERPT - 1] + "…"


@dataclass(frozen=True)
class Queue:
    due: list[TaskView]
    upcoming: list[TaskView]
    due_total: int
    upcoming_total: int


def _local(dt: datetime | None, zone: ZoneInfo) -> datetime | None:
    return None if dt is None else dt.astimezone(zone)


def _views(
    s: Session, rows: list[FollowUpTaskRow], now: datetime, zone: ZoneInfo, lang: str
) -> list[TaskView]:
    briefs = tickets.briefs(s, {r.ticket_id for r in rows})
    units = directory.unit_names(s, {b.lead_unit_id for b in briefs.values() if b.lead_unit_id})
    out = []
    for r in rows:
        b = briefs[r.ticket_id]
        unit = units.get(b.lead_unit_id) if b.lead_unit_id else None
        out.append(
            TaskView(
                id=r.id,
                ticket_id=r.ticket_id,
                number=tickets.number(b.id, b.received_at, zone),
                tracking_code=b.tracking_code,
                round=r.round,
                state=r.state,
                due_at=r.due_at.astimezone(zone),
                due=r.state == "open" and r.due_at <= now,
                approved_at=r.approved_at.astimezone(zone),
                citizen_name=r.citizen_name,
                phone=r.phone,
                contact_ticket_id=r.contact_ticket_id,
                attempts=r.attempts,
                last_outcome=r.last_outcome,
                last_attempt_at=_local(r.last_attempt_at, zone),
                outcome=r.outcome,
                reason=r.reason,
                sms_sent_at=_local(r.sms_sent_at, zone),
                kind=b.kind,
                title=b.title,
                content=b.content,
                lead_unit=None
                if unit is None
                else (unit.name_en or unit.name if lang == "en" else unit.name),
                contacted=r.contacted,
                solved=r.solved,
                satisfaction=r.satisfaction,
                comment=r.comment,
                finished_at=_local(r.finished_at, zone),
            )
        )
    return out


def queue(s: Session, now: datetime, zone: ZoneInfo, lang: str, limit: int = 50) -> Queue:
    """Open tasks: those due now (longest waiting first), then those not yet due (soonest first)."""
    is_open = FollowUpTaskRow.state == "open"
    due_rows = s.scalars(
        select(FollowUpTaskRow)
        .where(is_open, FollowUpTaskRow.due_at <= now)
        .order_by(FollowUpTaskRow.due_at, FollowUpTaskRow.id)
        .limit(limit)
    ).all()
    later_rows = s.scalars(
        select(FollowUpTaskRow)
        .where(is_open, FollowUpTaskRow.due_at > now)
        .order_by(FollowUpTaskRow.due_at, FollowUpTaskRow.id)
        .limit(limit)
    ).all()
    due_total, upcoming_total = s.execute(
        select(
            func.count().filter(FollowUpTaskRow.due_at <= now),
            func.count().filter(FollowUpTaskRow.due_at > now),
        ).where(is_open)
    ).one()
    return Queue(
        due=_views(s, list(due_rows), now, zone, lang),
        upcoming=_views(s, list(later_rows), now, zone, lang),
        due_total=int(due_total or 0),
        upcoming_total=int(upcoming_total or 0),
    )


def task(s: Session, task_id: int, now: datetime, zone: ZoneInfo, lang: str) -> TaskView:
    """One task with what the operator reads out: the unit's reply, and any SMS replies."""
    row = s.get(FollowUpTaskRow, task_id)
    if row is None:
        raise not_found("followup.not_found")
    view = _views(s, [row], now, zone, lang)[0]
    replies = s.scalars(
        select(SmsReplyRow.text).where(SmsReplyRow.task_id == task_id).order_by(SmsReplyRow.id)
    ).all()
    notes = s.scalars(
        select(CallRow.note).where(CallRow.task_id == task_id, CallRow.note.is_not(None)).order_by(CallRow.id)
    ).all()
    return TaskView(
        **{
            **view.__dict__,
            "reply": tickets.lead_reply(s, row.ticket_id),
            "sms_replies": tuple(replies),
            "call_notes": tuple(n for n in notes if n),
        }
    )


def tasks_of_ticket(s: Session, ticket_id: int, now: datetime, zone: ZoneInfo, lang: str) -> list[TaskView]:
    rows = s.scalars(
        select(FollowUpTaskRow).where(FollowUpTaskRow.ticket_id == ticket_id).order_by(FollowUpTaskRow.round)
    ).all()
    return _views(s, list(rows), now, zone, lang)


def open_task_of(s: Session, ticket_id: int) -> int | None:
    """The ticket's open follow-up task, if any (the portal asks the questions while there is one)."""
    return s.scalar(
        select(FollowUpTaskRow.id).where(
            FollowUpTaskRow.ticket_id == ticket_id, FollowUpTaskRow.state == "open"
        )
    )
