"""Reads of tickets: detail, lists, the event log and the public timeline — from the projection.

Visibility: centre roles see every ticket; a unit's people see tickets assigned to their unit or
to any unit below it; a grid worker also sees what they reported. The citizen's phone is shown in
full only to those who call citizens: the centre desk, and handlers of a unit holding the ticket.
"""

from __future__ import annotations

import math
from collections.abc import Collection, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import ColumnElement, case, func, or_, select, true, tuple_
from sqlalchemy.orm import Session

from hotline.auth.service import CurrentUser
from hotline.directory import queries as directory
from hotline.directory.queries import UnitInfo
from hotline.domain.deadlines import TimeLimit, TimeLimitError
from hotline.domain.errors import forbidden, not_found
from hotline.domain.privacy import mask_phone
from hotline.domain.ticket import Ticket
from hotline.domain.vocabulary import OPEN_ASSIGNMENT_STATES, AssignmentState, Role, label
from hotline.tickets import schemas as out
from hotline.tickets.models import AssignmentRow, TicketEventRow, TicketRow
from hotline.tickets.rows import ticket_columns

_FULL_PHONE_CENTRE = {Role.OPERATOR, Role.DISPATCHER}
_FULL_PHONE_HOLDERS = {Role.UNIT_HANDLER, Role.GRID_WORKER}


def visible(user: CurrentUser) -> ColumnElement[bool]:
    if user.is_centre:
        return true()
    in_subtree = select(AssignmentRow.ticket_id).where(
        AssignmentRow.unit_id.in_(directory.unit_ids_under(user.unit_path))
    )
    cond = TicketRow.id.in_(in_subtree)
    if user.role is Role.GRID_WORKER:
        cond = or_(cond, TicketRow.created_by_user_id == user.id)
    return cond


def ticket_number(row: TicketRow, zone: ZoneInfo) -> str:
    return f"{row.received_at.astimezone(zone):%Y%m%d}{row.id:06d}"


def _local(dt: datetime | None, zone: ZoneInfo) -> datetime | None:
    return None if dt is None else dt.astimezone(zone)


def require_visible(session: Session, ticket_id: int, user: CurrentUser) -> None:
    """404 if there is no such ticket, 403 if `user` may not see it (for another package's reads,
    e.g. the ticket's photos in media/)."""
    _get_visible(session, ticket_id, user)


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


def _units(session: Session, ids: set[int | None]) -> dict[int, UnitInfo]:
    return directory.unit_names(session, {i for i in ids if i is not None})


def _ref(units: dict[int, UnitInfo], unit_id: int | None, lang: str) -> out.UnitRef | None:
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
    units: dict[int, UnitInfo],
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
    a: AssignmentRow, units: dict[int, UnitInfo], zone: ZoneInfo, lang: str, now: datetime | None = None
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


@dataclass(frozen=True)
class InboxItem:
    """One open assignment in a unit's inbox, with the deadline that falls due next."""

    ticket_id: int
    number: str
    title: str | None
    content_excerpt: str
    kind_label: str
    urgent: bool
    urgency_label: str
    supervised: bool
    assignment_no: int
    unit: out.UnitRef
    subordinate: bool
    state: str
    state_label: str
    urges: int
    next_deadline: out.DeadlineOut | None


@dataclass(frozen=True)
class Inbox:
    items: list[InboxItem]
    total: int


def _next_due() -> ColumnElement[datetime | None]:
    """The due time of the step an assignment owes next (acknowledge, then contact, then reply)."""
    return case(
        (AssignmentRow.state == AssignmentState.PENDING.value, AssignmentRow.acknowledge_due_at),
        (
            AssignmentRow.state == AssignmentState.ACKNOWLEDGED.value,
            func.coalesce(AssignmentRow.contact_due_at, AssignmentRow.reply_due_at),
        ),
        else_=AssignmentRow.reply_due_at,
    )


def unit_inbox(
    session: Session, user: CurrentUser, zone: ZoneInfo, lang: str, now: datetime, *, limit: int = 100
) -> Inbox:
    """The open assignments of the user's unit and of the units below it, what falls due first on
    top (those without a deadline last): three statements whatever the size of the tables."""
    conds = [
        AssignmentRow.unit_id.in_(directory.unit_ids_under(user.unit_path)),
        AssignmentRow.state.in_([s.value for s in OPEN_ASSIGNMENT_STATES]),
    ]
    total = session.scalar(select(func.count()).select_from(AssignmentRow).where(*conds)) or 0
    due = _next_due()
    rows = session.execute(
        select(AssignmentRow, TicketRow)
        .join(TicketRow, TicketRow.id == AssignmentRow.ticket_id)
        .where(*conds)
        .order_by(due.is_(None), due, AssignmentRow.id)
        .limit(limit)
    ).all()
    units = _units(session, {a.unit_id for a, _ in rows})
    items = []
    for a, t in rows:
        open_steps = [d for d in a.deadlines or [] if d["open"]]
        first = min(open_steps, key=lambda d: d["due_at"], default=None)
        unit = _ref(units, a.unit_id, lang)
        assert unit is not None
        items.append(
            InboxItem(
                ticket_id=t.id,
                number=ticket_number(t, zone),
                title=t.title,
                content_excerpt=t.content[:80],
                kind_label=label(t.kind, lang),
                urgent=t.urgency != "normal",
                urgency_label=label(t.urgency, lang),
                supervised=t.supervised,
                assignment_no=a.no,
                unit=unit,
                subordinate=a.unit_id != user.unit_id,
                state=a.state,
                state_label=label(a.state, lang),
                urges=a.urges,
                next_deadline=None if first is None else _deadline(a, first, zone, lang, now),
            )
        )
    return Inbox(items=items, total=total)


def ticket_events(
    session: Session, ticket_id: int, user: CurrentUser, zone: ZoneInfo, lang: str
) -> list[out.EventOut]:
    _get_visible(session, ticket_id, user)
    events = session.scalars(
        select(TicketEventRow).where(TicketEventRow.ticket_id == ticket_id).order_by(TicketEventRow.seq)
    ).all()
    units = _units(session, {ev.actor_unit_id for ev in events})
    user_ids = {ev.actor_user_id for ev in events if ev.actor_user_id is not None}
    names = directory.user_names(session, user_ids)
    full_phone = user.role in _FULL_PHONE_CENTRE
    result = []
    for ev in events:
        payload = dict(ev.payload)
        if "citizen_phone" in payload and not full_phone:
            payload["citizen_phone"] = mask_phone(payload["citizen_phone"])
        reason = payload.get("reason") or payload.get("note") or payload.get("text")
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


# --- for other packages: plain records, not rows --------------------------------------------------


@dataclass(frozen=True)
class LoggedEvent:
    """One stored event of a ticket's log, as other packages (webhooks) read it."""

    tag: str
    ticket_id: int
    seq: int
    occurred_at: datetime
    assignment_no: int | None
    actor_role: str | None
    actor_unit_id: int | None
    from_status: str | None
    to_status: str | None
    payload: dict[str, Any]


@dataclass(frozen=True)
class TicketFacts:
    """A ticket's routing and state facts, as other packages (webhooks) read them."""

    id: int
    tracking_code: str
    status: str
    kind: str
    urgency: str
    category_code: str | None
    lead_unit_id: int | None
    supervised: bool


def received_at(session: Session, ids: Collection[int]) -> dict[int, datetime]:
    """When these tickets were received (their numbers are the day and the id)."""
    if not ids:
        return {}
    return dict(
        session.execute(select(TicketRow.id, TicketRow.received_at).where(TicketRow.id.in_(ids))).all()
    )


@dataclass(frozen=True)
class TrackedTicket:
    """What the public view of a ticket (tracking) reads of it."""

    id: int
    tracking_code: str
    status: str
    kind: str
    received_at: datetime
    updated_at: datetime
    lead_unit_id: int | None
    answer: str | None
    citizen_phone: str | None


def by_tracking_code(session: Session, code: str) -> TrackedTicket | None:
    row = session.scalars(select(TicketRow).where(TicketRow.tracking_code == code)).first()
    if row is None:
        return None
    return TrackedTicket(
        row.id,
        row.tracking_code,
        row.status,
        row.kind,
        row.received_at,
        row.updated_at,
        row.lead_unit_id,
        row.answer,
        row.citizen_phone,
    )


def _logged(ev: TicketEventRow) -> LoggedEvent:
    return LoggedEvent(
        ev.tag,
        ev.ticket_id,
        ev.seq,
        ev.occurred_at,
        ev.assignment_no,
        ev.actor_role,
        ev.actor_unit_id,
        ev.from_status,
        ev.to_status,
        ev.payload,
    )


def log_of(session: Session, ticket_id: int) -> list[LoggedEvent]:
    """A ticket's event log in order."""
    rows = session.scalars(
        select(TicketEventRow).where(TicketEventRow.ticket_id == ticket_id).order_by(TicketEventRow.seq)
    )
    return [_logged(ev) for ev in rows]


def assignment_units(session: Session, ticket_id: int) -> dict[int, int]:
    """Each assignment's number and the unit holding it."""
    rows = session.execute(
        select(AssignmentRow.no, AssignmentRow.unit_id).where(AssignmentRow.ticket_id == ticket_id)
    )
    return {no: unit_id for no, unit_id in rows}


def lead_reply(session: Session, ticket_id: int) -> str | None:
    """The reply of the lead unit the centre dispatched to (its latest assignment, after a reopen)."""
    return session.scalar(
        select(AssignmentRow.reply)
        .where(
            AssignmentRow.ticket_id == ticket_id,
            AssignmentRow.role == "lead",
            AssignmentRow.parent_no.is_(None),
        )
        .order_by(AssignmentRow.no.desc())
        .limit(1)
    )


def logged_events(session: Session, keys: Collection[tuple[int, int]]) -> dict[tuple[int, int], LoggedEvent]:
    """The events with these (ticket id, seq) keys."""
    rows = session.scalars(
        select(TicketEventRow).where(tuple_(TicketEventRow.ticket_id, TicketEventRow.seq).in_(keys))
    )
    return {(ev.ticket_id, ev.seq): _logged(ev) for ev in rows}


def ticket_facts(session: Session, ids: Collection[int]) -> dict[int, TicketFacts]:
    rows = session.scalars(select(TicketRow).where(TicketRow.id.in_(ids)))
    return {
        t.id: TicketFacts(
            t.id, t.tracking_code, t.status, t.kind, t.urgency, t.category_code, t.lead_unit_id, t.supervised
        )
        for t in rows
    }


@dataclass(frozen=True)
class TicketBrief:
    """A ticket's text, place and routing facts, as routing reads them (advice, duplicates,
    history, retraining)."""

    id: int
    tracking_code: str
    status: str
    kind: str
    channel: str
    title: str | None
    content: str
    category_code: str | None
    address: str | None
    latitude: float | None
    longitude: float | None
    received_at: datetime
    lead_unit_id: int | None
    satisfaction: str | None
    duplicate_ids: list[int]


_BRIEF = (
    TicketRow.id,
    TicketRow.tracking_code,
    TicketRow.status,
    TicketRow.kind,
    TicketRow.channel,
    TicketRow.title,
    TicketRow.content,
    TicketRow.category_code,
    TicketRow.address,
    TicketRow.latitude,
    TicketRow.longitude,
    TicketRow.received_at,
    TicketRow.lead_unit_id,
    TicketRow.satisfaction,
    TicketRow.duplicate_ids,
)


def _brief(r: Any) -> TicketBrief:
    return TicketBrief(*r[:-1], list(r.duplicate_ids or []))


def brief(session: Session, ticket_id: int) -> TicketBrief | None:
    row = session.execute(select(*_BRIEF).where(TicketRow.id == ticket_id)).first()
    return None if row is None else _brief(row)


def briefs(session: Session, ids: Collection[int]) -> dict[int, TicketBrief]:
    return {r.id: _brief(r) for r in session.execute(select(*_BRIEF).where(TicketRow.id.in_(ids)))}


def recent_briefs(
    session: Session, since: datetime, statuses: Collection[str], ids: Collection[int] | None, limit: int
) -> list[TicketBrief]:
    """Tickets received since ``since`` in one of ``statuses`` (among ``ids`` when given), newest first."""
    query = select(*_BRIEF).where(TicketRow.received_at >= since, TicketRow.status.in_(list(statuses)))
    if ids is not None:
        query = query.where(TicketRow.id.in_(ids))
    rows = session.execute(query.order_by(TicketRow.received_at.desc()).limit(limit))
    return [_brief(r) for r in rows]


def routed_briefs(session: Session) -> list[TicketBrief]:
    """Every ticket that has a lead unit, by id (examples for retraining)."""
    rows = session.execute(select(*_BRIEF).where(TicketRow.lead_unit_id.is_not(None)).order_by(TicketRow.id))
    return [_brief(r) for r in rows]


def texts(session: Session) -> list[tuple[int, str | None, str]]:
    """(id, title, content) of every ticket, for the full-text index."""
    return [
        (i, title, content)
        for i, title, content in session.execute(select(TicketRow.id, TicketRow.title, TicketRow.content))
    ]


def last_dispatchers(session: Session, ids: Collection[int] | None = None) -> dict[int, str]:
    """For each ticket (of ``ids``, or all), the role of whoever last dispatched it (a dispatch or an
    accepted send-back)."""
    query = select(TicketEventRow.ticket_id, TicketEventRow.actor_role).where(
        TicketEventRow.tag.in_(["ticket.dispatched", "assignment.send_back_accepted"])
    )
    if ids is not None:
        query = query.where(TicketEventRow.ticket_id.in_(ids))
    last: dict[int, str] = {}
    for ticket_id, role in session.execute(query.order_by(TicketEventRow.ticket_id, TicketEventRow.seq)):
        last[ticket_id] = role
    return last


def count(session: Session) -> int:
    """How many tickets the platform holds (any status)."""
    return int(session.scalar(select(func.count()).select_from(TicketRow)) or 0)


# --- facts for assessment (hotline.analytics) ----------------------------------------------------


@dataclass(frozen=True)
class AssessedTicket:
    id: int
    channel: str
    category_code: str | None
    status: str
    received_at: datetime
    closed_at: datetime | None
    lead_unit_id: int | None
    answered_at_intake: bool


@dataclass(frozen=True)
class AssessedAssignment:
    """An assignment the centre dispatched (no parent): the one assessment counts."""

    ticket_id: int
    unit_id: int
    role: str
    state: str
    dispatched_at: datetime
    acknowledged_at: datetime | None
    acknowledge_due_at: datetime | None
    replied_at: datetime | None
    reply_due_at: datetime | None
    overdue: bool
    improper_send_backs: int


@dataclass(frozen=True)
class AssessedEvent:
    """A follow-up answer (``payload`` holds contacted, solved, satisfaction) or a reopen."""

    ticket_id: int
    tag: str
    at: datetime
    payload: dict[str, Any]


@dataclass(frozen=True)
class AssessmentFacts:
    tickets: list[AssessedTicket]
    assignments: list[AssessedAssignment]
    events: list[AssessedEvent]


def assessment_facts(session: Session, start: datetime, end: datetime, *, by_closed: bool) -> AssessmentFacts:
    """The tickets received (or, ``by_closed``, closed) in [start, end), their top-level assignments,
    and every follow-up answer and reopen in their logs (the projection keeps only the last answer)."""
    at = TicketRow.closed_at if by_closed else TicketRow.received_at
    chosen = select(TicketRow.id).where(at >= start, at < end)
    tickets = [
        AssessedTicket(
            r.id,
            r.channel,
            r.category_code,
            r.status,
            r.received_at,
            r.closed_at,
            r.lead_unit_id,
            r.answer is not None and not r.dispatched,
        )
        for r in session.execute(
            select(
                TicketRow.id,
                TicketRow.channel,
                TicketRow.category_code,
                TicketRow.status,
                TicketRow.received_at,
                TicketRow.closed_at,
                TicketRow.lead_unit_id,
                TicketRow.answer,
                select(AssignmentRow.id)
                .where(AssignmentRow.ticket_id == TicketRow.id)
                .exists()
                .label("dispatched"),
            ).where(at >= start, at < end)
        )
    ]
    assignments = [
        AssessedAssignment(
            a.ticket_id,
            a.unit_id,
            a.role,
            a.state,
            a.dispatched_at,
            a.acknowledged_at,
            a.acknowledge_due_at,
            a.replied_at,
            a.reply_due_at,
            any(d.get("overdue") for d in a.deadlines or []),
            a.improper_send_backs,
        )
        for a in session.scalars(
            select(AssignmentRow).where(
                AssignmentRow.ticket_id.in_(chosen), AssignmentRow.parent_no.is_(None)
            )
        )
    ]
    events = [
        AssessedEvent(e.ticket_id, e.tag, e.occurred_at, e.payload)
        for e in session.execute(
            select(
                TicketEventRow.ticket_id,
                TicketEventRow.tag,
                TicketEventRow.occurred_at,
                TicketEventRow.payload,
            )
            .where(
                TicketEventRow.ticket_id.in_(chosen),
                TicketEventRow.tag.in_(("ticket.followed_up", "ticket.reopened")),
            )
            .order_by(TicketEventRow.ticket_id, TicketEventRow.seq)
        )
    ]
    return AssessmentFacts(tickets, assignments, events)
