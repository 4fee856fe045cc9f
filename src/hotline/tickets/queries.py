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
from typing import Any, Final
from zoneinfo import ZoneInfo

from sqlalchemy import ColumnElement, and_, case, func, literal, or_, select, text, true, tuple_, union_all
from sqlalchemy.orm import Session, aliased

from hotline.auth.service import CurrentUser
from hotline.directory import queries as directory
from hotline.directory.queries import UnitInfo
from hotline.domain.deadlines import TimeLimit, TimeLimitError
from hotline.domain.errors import forbidden, not_found
from hotline.domain.privacy import mask_address, mask_name, mask_phone
from hotline.domain.rates import Tally
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
        # what the worker reported, what the grid is asked to verify on site (核查), and what it
        # verified (found through the indexed tag: verification findings are few)
        grids = directory.unit_ids_under(user.unit_path)
        asked = select(AssignmentRow.ticket_id).where(AssignmentRow.verify_unit_id.in_(grids))
        verified = select(TicketEventRow.ticket_id).where(
            TicketEventRow.tag.in_(["verification.passed", "verification.failed"]),
            TicketEventRow.actor_unit_id.in_(grids),
        )
        cond = or_(
            cond, TicketRow.created_by_user_id == user.id, TicketRow.id.in_(asked), TicketRow.id.in_(verified)
        )
    return cond


def ticket_number(row: TicketRow, zone: ZoneInfo) -> str:
    return number(row.id, row.received_at, zone)


def number(ticket_id: int, received_at: datetime, zone: ZoneInfo) -> str:
    """A ticket's number as people say it: the day it was received and its id."""
    return f"{received_at.astimezone(zone):%Y%m%d}{ticket_id:06d}"


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


def sees_personal_data(user: CurrentUser, holder_units: Collection[int]) -> bool:
    """Whether the citizen's name, phone and address are shown in full: to those who call citizens
    (the centre desk, and handlers of a unit holding the ticket); everyone else sees them masked."""
    return user.role in _FULL_PHONE_CENTRE or (
        user.role in _FULL_PHONE_HOLDERS and user.unit_id in holder_units
    )


_MASKS = {"citizen_phone": mask_phone, "citizen_name": mask_name, "address": mask_address}


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
    units = _units(
        session,
        {row.lead_unit_id} | {a.unit_id for a in assignments} | {a.verify_unit_id for a in assignments},
    )
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
    full = sees_personal_data(user, {a.unit_id for a in assignments})
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
        citizen_name=row.citizen_name if full else mask_name(row.citizen_name),
        citizen_phone=row.citizen_phone if full else mask_phone(row.citizen_phone),
        address=row.address if full else mask_address(row.address),
        latitude=row.latitude,
        longitude=row.longitude,
        intake_seconds=row.intake_seconds,
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
        arrived_at=_local(a.arrived_at, zone),
        verify_unit=_ref(units, a.verify_unit_id, lang),
        verify_requested_at=_local(a.verify_requested_at, zone),
        verifications_failed=a.verifications_failed,
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


CALLER_HISTORY_LIMIT = 5


@dataclass(frozen=True)
class CallerTicket:
    """One of a caller's earlier tickets, as the operator needs it while on the phone: what it was
    about and how it ended (or where it stands)."""

    ticket_id: int
    number: str
    received_at: datetime
    kind_label: str
    excerpt: str
    status: str
    status_label: str
    lead_unit: str | None
    outcome: str | None  # the answer given, the follow-up's verdict, or where it was handed off


def caller_history(
    session: Session,
    phone: str,
    user: CurrentUser,
    zone: ZoneInfo,
    lang: str,
    *,
    limit: int = CALLER_HISTORY_LIMIT,
) -> list[CallerTicket]:
    """A caller's latest tickets, newest first, at most ``limit``: one range scan of
    ``ix_tickets_citizen_phone_received_at`` however many tickets the caller or the city has.
    Only the centre desk looks callers up by phone (it is shown the phone in full)."""
    if user.role not in _FULL_PHONE_CENTRE | {Role.SUPERVISOR, Role.ADMIN}:
        raise forbidden("permission.role", role=user.role.value, action="tickets.caller_history")
    rows = session.execute(
        select(
            TicketRow.id,
            TicketRow.received_at,
            TicketRow.kind,
            TicketRow.title,
            func.substr(TicketRow.content, 1, 60).label("excerpt"),
            TicketRow.status,
            TicketRow.lead_unit_id,
            func.substr(TicketRow.answer, 1, 60).label("answer"),
            TicketRow.satisfaction,
            TicketRow.handed_off_to,
            TicketRow.merged_into_id,
        )
        .where(TicketRow.citizen_phone == phone)
        .order_by(TicketRow.received_at.desc(), TicketRow.id.desc())
        .limit(limit)
    ).all()
    units = _units(session, {r.lead_unit_id for r in rows})
    found = []
    for r in rows:
        if r.answer:
            outcome = r.answer
        elif r.satisfaction:
            outcome = label(r.satisfaction, lang)
        elif r.handed_off_to:
            outcome = r.handed_off_to
        elif r.merged_into_id:
            outcome = f"#{r.merged_into_id}"
        else:
            outcome = None
        lead = _ref(units, r.lead_unit_id, lang)
        found.append(
            CallerTicket(
                ticket_id=r.id,
                number=f"{r.received_at.astimezone(zone):%Y%m%d}{r.id:06d}",
                received_at=r.received_at.astimezone(zone),
                kind_label=label(r.kind, lang),
                excerpt=r.title or r.excerpt,
                status=r.status,
                status_label=label(r.status, lang),
                lead_unit=lead.name if lead is not None else None,
                outcome=outcome,
            )
        )
    return found


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
    session: Session,
    user: CurrentUser,
    zone: ZoneInfo,
    lang: str,
    now: datetime,
    *,
    limit: int = 100,
    offset: int = 0,
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
        .order_by(due.is_(None), due, AssignmentRow.id)  # the id last: a stable order to page by
        .limit(limit)
        .offset(offset)
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


@dataclass(frozen=True)
class ReviewItem:
    """A subordinate unit's reply or send-back that waits for this unit's review."""

    ticket_id: int
    number: str
    title: str | None
    content_excerpt: str
    assignment_no: int
    unit: out.UnitRef
    what: str
    what_label: str
    text: str | None
    since: datetime | None
    supervised: bool


def awaiting_review(
    session: Session, user: CurrentUser, zone: ZoneInfo, lang: str, *, limit: int = 50
) -> list[ReviewItem]:
    """What subordinate units passed up that this unit's reviewer decides: replies and send-backs
    of work delegated at or below the unit, where the unit is the nearest one with a reviewer
    (a community without one has its grids' replies reviewed by its street). Oldest first."""
    if user.role is not Role.UNIT_REVIEWER:
        return []
    child, parent = aliased(AssignmentRow), aliased(AssignmentRow)
    waiting = or_(
        child.state == AssignmentState.REPLIED.value,
        (child.state == AssignmentState.SENT_BACK.value) & child.state_before_send_back.is_not(None),
    )
    rows = session.execute(
        select(child, parent.unit_id, TicketRow)
        .join(parent, (parent.ticket_id == child.ticket_id) & (parent.no == child.parent_no))
        .join(TicketRow, TicketRow.id == child.ticket_id)
        .where(parent.unit_id.in_(directory.unit_ids_under(user.unit_path)), waiting)
        .order_by(child.id)
        .limit(limit * 4)  # some may be for a reviewer further down the subtree: they are dropped below
    ).all()
    tree = directory.reviewers(session, {delegating for _a, delegating, _t in rows})
    mine = [(a, t) for a, delegating, t in rows if tree.reviewer_for(delegating).unit == user.unit_id]
    units = _units(session, {a.unit_id for a, _ in mine})
    items = []
    for a, t in mine[:limit]:
        unit = _ref(units, a.unit_id, lang)
        assert unit is not None
        replied = a.state == AssignmentState.REPLIED.value
        items.append(
            ReviewItem(
                ticket_id=t.id,
                number=ticket_number(t, zone),
                title=t.title,
                content_excerpt=t.content[:80],
                assignment_no=a.no,
                unit=unit,
                what="reply" if replied else "send_back",
                what_label=label(a.state, lang),
                text=a.reply if replied else a.send_back_reason,
                since=_local(a.replied_at if replied else None, zone),
                supervised=t.supervised,
            )
        )
    return items


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
        if not full_phone:
            for key, mask in _MASKS.items():
                if key in payload:
                    payload[key] = mask(payload[key])
        reason = payload.get("reason") or payload.get("note")
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


def count_events(session: Session) -> int:
    """How many entries all tickets' logs hold (what a restore reports)."""
    return int(session.scalar(select(func.count()).select_from(TicketEventRow)) or 0)


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


_FACT_CHUNK = 1000  # ticket ids per probing statement (SQLite's bound parameters are limited)


def assessment_facts(
    session: Session, start: datetime, end: datetime, *, by_closed: bool, only_unit: int | None = None
) -> AssessmentFacts:
    """The tickets received (or, ``by_closed``, closed) in [start, end), their top-level assignments,
    and every follow-up answer and reopen in their logs (the projection keeps only the last answer).
    ``only_unit``: only the tickets that unit leads or holds a top-level assignment of (each with
    all its assignments) — what one unit's drill-down needs, not the whole period's.

    The tickets first, then their assignments and log entries probed by ticket id in chunks through
    their ticket_id indexes: given the tickets as a subquery, PostgreSQL hash-joined them to a scan
    of the whole assignments and log tables, a cost that grew with every past year (docs/assessment.md)."""
    _no_jit(session)
    at = TicketRow.closed_at if by_closed else TicketRow.received_at
    period: list[ColumnElement[bool]] = [at >= start, at < end]
    if only_unit is not None:
        held = (
            select(AssignmentRow.id)
            .where(
                AssignmentRow.ticket_id == TicketRow.id,
                AssignmentRow.unit_id == only_unit,
                AssignmentRow.parent_no.is_(None),
            )
            .exists()
        )
        period.append(or_(TicketRow.lead_unit_id == only_unit, held))
    rows = session.execute(
        select(
            TicketRow.id,
            TicketRow.channel,
            TicketRow.category_code,
            TicketRow.status,
            TicketRow.received_at,
            TicketRow.closed_at,
            TicketRow.lead_unit_id,
            TicketRow.answer.is_not(None).label("answered"),
        )
        .where(*period)
        .order_by(TicketRow.id)
    ).all()
    ids = [r.id for r in rows]
    assignments: list[AssessedAssignment] = []
    events: list[AssessedEvent] = []
    for k in range(0, len(ids), _FACT_CHUNK):
        chunk = ids[k : k + _FACT_CHUNK]
        assignments += [
            AssessedAssignment(*a)
            for a in session.execute(
                select(
                    AssignmentRow.ticket_id,
                    AssignmentRow.unit_id,
                    AssignmentRow.role,
                    AssignmentRow.state,
                    AssignmentRow.dispatched_at,
                    AssignmentRow.acknowledged_at,
                    AssignmentRow.acknowledge_due_at,
                    AssignmentRow.replied_at,
                    AssignmentRow.reply_due_at,
                    AssignmentRow.overdue,  # written by the store from the deadlines (0019)
                    AssignmentRow.improper_send_backs,
                )
                .where(AssignmentRow.ticket_id.in_(chunk), AssignmentRow.parent_no.is_(None))
                .order_by(AssignmentRow.ticket_id, AssignmentRow.no)
            )
        ]
        events += [
            AssessedEvent(*e)
            for e in session.execute(
                select(
                    TicketEventRow.ticket_id,
                    TicketEventRow.tag,
                    TicketEventRow.occurred_at,
                    TicketEventRow.payload,
                )
                .where(
                    TicketEventRow.ticket_id.in_(chunk),
                    TicketEventRow.tag.in_(("ticket.followed_up", "ticket.reopened")),
                )
                .order_by(TicketEventRow.ticket_id, TicketEventRow.seq)
            )
        ]
    # every dispatch makes a top-level assignment, so a ticket with none was never dispatched
    dispatched = {a.ticket_id for a in assignments}
    tickets = [
        AssessedTicket(
            r.id,
            r.channel,
            r.category_code,
            r.status,
            r.received_at,
            r.closed_at,
            r.lead_unit_id,
            bool(r.answered) and r.id not in dispatched,
        )
        for r in rows
    ]
    return AssessmentFacts(tickets, assignments, events)


# --- what became of dispatches made by the system (秒派): the live measure of routing ----------

_SENT_BACK = "assignment.sent_back"
_ACCEPTED = "assignment.send_back_accepted"
_REJECTED = "assignment.send_back_rejected"
_DISPATCHED = "ticket.dispatched"


@dataclass(frozen=True, slots=True)
class SystemDispatch:
    """One dispatch made by the system actor (routing's 秒派), and what became of it.

    ``send_back`` is the fate of the dispatched lead assignment: None (never sent back),
    ``pending`` (sent back, not yet decided), ``rejected`` (the centre held the unit responsible:
    the dispatch was right) or ``accepted`` (the unit was right: the dispatch was wrong, and the
    ticket was re-dispatched, to ``redispatched_to`` when known).
    """

    ticket_id: int
    dispatched_at: datetime
    category_code: str | None
    unit_id: int
    send_back: str | None
    redispatched_to: int | None

    @property
    def wrong(self) -> bool:
        return self.send_back == "accepted"


def _lead(assignments: list[dict[str, Any]]) -> dict[str, Any] | None:
    return next((a for a in assignments if a.get("role") == "lead" and a.get("parent_no") is None), None)


def system_dispatches(session: Session, start: datetime, end: datetime) -> list[SystemDispatch]:
    """Dispatches by the system actor made in [start, end), each with its later send-back and
    re-dispatch, read from the event log (the record of what happened)."""
    made = session.execute(
        select(
            TicketEventRow.ticket_id, TicketEventRow.seq, TicketEventRow.occurred_at, TicketEventRow.payload
        )
        .where(
            TicketEventRow.tag == _DISPATCHED,
            TicketEventRow.actor_role == Role.SYSTEM.value,
            TicketEventRow.occurred_at >= start,
            TicketEventRow.occurred_at < end,
        )
        .order_by(TicketEventRow.occurred_at, TicketEventRow.ticket_id)
    ).all()
    ids = sorted({r.ticket_id for r in made})
    later: dict[int, list[Any]] = {}
    for i in range(0, len(ids), 500):  # bounded IN lists
        rows = session.execute(
            select(TicketEventRow.ticket_id, TicketEventRow.seq, TicketEventRow.tag, TicketEventRow.payload)
            .where(
                TicketEventRow.ticket_id.in_(ids[i : i + 500]),
                TicketEventRow.tag.in_([_SENT_BACK, _ACCEPTED, _REJECTED, _DISPATCHED]),
            )
            .order_by(TicketEventRow.ticket_id, TicketEventRow.seq)
        ).all()
        for r in rows:
            later.setdefault(r.ticket_id, []).append(r)
    found = []
    for d in made:
        lead = _lead(d.payload.get("assignments") or [])
        if lead is None:
            continue
        fate: str | None = None
        redispatched_to: int | None = None
        for ev in later.get(d.ticket_id, []):
            if ev.seq <= d.seq:
                continue
            if ev.tag == _DISPATCHED:  # dispatched again after the send-back was accepted
                if fate == "accepted" and redispatched_to is None:
                    again = _lead(ev.payload.get("assignments") or [])
                    redispatched_to = again["unit"] if again else None
                break
            if ev.payload.get("no") != lead["no"]:
                continue
            if ev.tag == _SENT_BACK:
                fate = "pending"
            elif ev.tag == _REJECTED:
                fate = "rejected"
            elif ev.tag == _ACCEPTED:
                fate = "accepted"
                again = _lead(ev.payload.get("redispatch") or [])
                redispatched_to = again["unit"] if again else None
                if again is not None:
                    break
        found.append(
            SystemDispatch(
                d.ticket_id,
                d.occurred_at,
                d.payload.get("category"),
                int(lead["unit"]),
                fate,
                redispatched_to,
            )
        )
    return found


def open_assignments(session: Session, unit_id: int) -> int:
    """How many assignments a unit holds that are not finished (the directory refuses to retire
    a unit with work in hand)."""
    states = [s.value for s in OPEN_ASSIGNMENT_STATES]
    return int(
        session.scalar(
            select(func.count()).where(AssignmentRow.unit_id == unit_id, AssignmentRow.state.in_(states))
        )
        or 0
    )


# --- the centre console (hotline.console): its queues and its search ------------------------------

#: The queues the centre works, in the order of the console's tabs.
CENTRE_QUEUES: tuple[str, ...] = ("waiting", "decide", "review", "overdue", "supervised", "closing")
_URGENCY_FIRST = {"emergency": 0, "urgent": 1, "normal": 2}
# Statuses the centre closes from: reviewed (follow up, then close), followed up, answered at intake.
_TO_CLOSE = ("reviewed", "followed_up", "answered")
_WORKING = ("acknowledged", "contacted", "delegated")


@dataclass(frozen=True)
class CentreItem:
    """One row of a console queue or of a search: the ticket, and for a queue of assignments the
    assignment the row is about (its unit, its state, its next due time, what it asks)."""

    ticket_id: int
    number: str
    tracking_code: str
    title: str | None
    content: str
    kind_label: str
    channel_label: str
    urgency: str
    urgency_label: str
    status: str
    status_label: str
    supervised: bool
    received_at: datetime
    category_code: str | None
    lead_unit: out.UnitRef | None
    citizen_phone: str | None
    address: str | None
    assignment_no: int | None = None
    unit: out.UnitRef | None = None
    assignment_state: str | None = None
    assignment_state_label: str | None = None
    due_at: datetime | None = None
    asks: str | None = None  # send_back | extension | reply: what the centre decides on
    asks_text: str | None = None  # the unit's reason or reply
    extension_until: datetime | None = None
    urges: int = 0

    @property
    def urgent(self) -> bool:
        return self.urgency != "normal"

    @property
    def excerpt(self) -> str:
        return self.title or self.content[:80]


def _decide_cond() -> ColumnElement[bool]:
    """Top-level assignments waiting for the centre: a send-back or an extension request."""
    return AssignmentRow.parent_no.is_(None) & or_(
        (AssignmentRow.state == AssignmentState.SENT_BACK.value)
        & AssignmentRow.state_before_send_back.is_not(None),
        AssignmentRow.pending_extension_until.is_not(None)
        & AssignmentRow.state.in_([s.value for s in OPEN_ASSIGNMENT_STATES]),
    )


def _review_cond() -> ColumnElement[bool]:
    """Replies of the units the centre dispatched to (no parent): the centre reviews them."""
    return (AssignmentRow.state == AssignmentState.REPLIED.value) & AssignmentRow.parent_no.is_(None)


def _overdue_cond(now: datetime) -> ColumnElement[bool]:
    """Open assignments past the deadline of the step they owe: acknowledging, or the reply.
    Each branch is a range on an index (state, due time)."""
    return or_(
        (AssignmentRow.state == AssignmentState.PENDING.value) & (AssignmentRow.acknowledge_due_at < now),
        AssignmentRow.state.in_(_WORKING) & (AssignmentRow.reply_due_at < now),
    )


def _open_ticket() -> ColumnElement[bool]:
    return TicketRow.status.not_in(["closed", "merged", "withdrawn", "handed_off"])


#: A console tab counts up to this many rows and then shows "999+": a queue that long is read from
#: its top, and counting it to the end would cost more than the page may.
COUNT_CAP: Final = 1000


def centre_queue_counts(session: Session, now: datetime) -> dict[str, int]:
    """How many rows each console queue holds, at most COUNT_CAP each, in one statement. Each count
    reads at most COUNT_CAP index entries whatever the size of the tables."""

    def n(query: Any) -> Any:
        capped = query.limit(COUNT_CAP).subquery()
        return select(func.count()).select_from(capped).scalar_subquery()

    assignments = select(AssignmentRow.id)
    row = session.execute(
        select(
            n(select(TicketRow.id).where(TicketRow.status == "received")),
            n(assignments.where(_decide_cond())),
            n(assignments.where(_review_cond())),
            n(assignments.where(_overdue_cond(now))),
            n(select(TicketRow.id).where(TicketRow.supervised == true(), _open_ticket())),
            n(select(TicketRow.id).where(TicketRow.status.in_(_TO_CLOSE))),
        )
    ).one()
    return dict(zip(CENTRE_QUEUES, (int(x or 0) for x in row), strict=True))


def _item(
    t: TicketRow,
    a: AssignmentRow | None,
    units: dict[int, UnitInfo],
    user: CurrentUser,
    zone: ZoneInfo,
    lang: str,
    asks: str | None = None,
) -> CentreItem:
    full_phone = user.role in _FULL_PHONE_CENTRE
    extra: dict[str, Any] = {}
    if a is not None:
        due = {
            AssignmentState.PENDING.value: a.acknowledge_due_at,
            AssignmentState.REPLIED.value: a.replied_at,
        }.get(a.state, a.reply_due_at)
        asks_text = {
            "send_back": a.send_back_reason,
            "extension": a.pending_extension_reason,
            "reply": a.reply,
        }.get(asks or "")
        extra = {
            "assignment_no": a.no,
            "unit": _ref(units, a.unit_id, lang),
            "assignment_state": a.state,
            "assignment_state_label": label(a.state, lang),
            "due_at": _local(due, zone),
            "asks": asks,
            "asks_text": asks_text,
            "extension_until": _local(a.pending_extension_until, zone),
            "urges": a.urges,
        }
    return CentreItem(
        ticket_id=t.id,
        number=ticket_number(t, zone),
        tracking_code=t.tracking_code,
        title=t.title,
        content=t.content,
        kind_label=label(t.kind, lang),
        channel_label=label(t.channel, lang),
        urgency=t.urgency,
        urgency_label=label(t.urgency, lang),
        status=t.status,
        status_label=label(t.status, lang),
        supervised=t.supervised,
        received_at=t.received_at.astimezone(zone),
        category_code=t.category_code,
        lead_unit=_ref(units, t.lead_unit_id, lang),
        citizen_phone=t.citizen_phone if full_phone else mask_phone(t.citizen_phone),
        address=t.address,
        **extra,
    )


def centre_queue(
    session: Session,
    user: CurrentUser,
    queue: str,
    zone: ZoneInfo,
    lang: str,
    now: datetime,
    *,
    limit: int = 100,
) -> list[CentreItem]:
    """The first ``limit`` rows of one console queue, what matters most on top: the oldest waiting
    (emergencies first) for dispatch, the nearest deadline among decisions, the oldest reply, the
    most overdue, the oldest supervised, the oldest to close. Two statements (rows, unit names)."""
    if not user.is_centre:
        raise forbidden("permission.role", role=user.role.value, action="console")
    if queue not in CENTRE_QUEUES:
        raise not_found("console.no_queue", queue=queue)
    urgency_rank = case(_URGENCY_FIRST, value=TicketRow.urgency, else_=3)
    pairs: list[tuple[TicketRow, AssignmentRow | None]]
    if queue in ("waiting", "supervised", "closing"):
        query = select(TicketRow)
        if queue == "waiting":
            query = query.where(TicketRow.status == "received").order_by(
                urgency_rank, TicketRow.received_at, TicketRow.id
            )
        elif queue == "supervised":
            query = query.where(TicketRow.supervised == true(), _open_ticket()).order_by(
                TicketRow.received_at, TicketRow.id
            )
        else:
            query = query.where(TicketRow.status.in_(_TO_CLOSE)).order_by(TicketRow.updated_at, TicketRow.id)
        pairs = [(t, None) for t in session.scalars(query.limit(limit))]
    else:
        joined = select(AssignmentRow, TicketRow).join(TicketRow, TicketRow.id == AssignmentRow.ticket_id)
        if queue == "decide":
            query = joined.where(_decide_cond()).order_by(
                AssignmentRow.reply_due_at.is_(None), AssignmentRow.reply_due_at, AssignmentRow.id
            )
        elif queue == "review":
            query = joined.where(_review_cond()).order_by(AssignmentRow.replied_at, AssignmentRow.id)
        else:
            due = _next_due()
            query = joined.where(_overdue_cond(now)).order_by(due, AssignmentRow.id)
        pairs = [(t, a) for a, t in session.execute(query.limit(limit)).all()]
    units = _units(
        session, {t.lead_unit_id for t, _ in pairs} | {a.unit_id for _, a in pairs if a is not None}
    )
    items = []
    for t, a in pairs:
        asks = None
        if queue == "decide" and a is not None:
            asks = "extension" if a.pending_extension_until is not None else "send_back"
        elif queue == "review":
            asks = "reply"
        items.append(_item(t, a, units, user, zone, lang, asks))
    return items


@dataclass(frozen=True)
class TicketFilter:
    """What a console search narrows by; None (or empty) leaves a field out. ``ids`` are the
    tickets a full-text search found (the caller asks the search index); times are UTC."""

    tracking_code: str | None = None
    phone: str | None = None
    ids: Collection[int] | None = None
    unit_path: str | None = None
    category_code: str | None = None
    status: str | None = None
    channel: str | None = None
    received_from: datetime | None = None
    received_before: datetime | None = None


@dataclass(frozen=True)
class SearchPage:
    items: list[CentreItem]
    #: The (received_at, id) of the last row, to ask for the page after it; None on the last page.
    next_after: tuple[datetime, int] | None


def _filtered(f: TicketFilter) -> list[ColumnElement[bool]]:
    conds: list[ColumnElement[bool]] = []
    if f.tracking_code:
        conds.append(TicketRow.tracking_code == f.tracking_code)
    if f.phone:
        conds.append(TicketRow.citizen_phone == f.phone)
    if f.ids is not None:
        conds.append(TicketRow.id.in_(list(f.ids)))
    if f.unit_path:
        conds.append(TicketRow.lead_unit_id.in_(directory.unit_ids_under(f.unit_path)))
    if f.category_code:
        conds.append(
            or_(
                TicketRow.category_code == f.category_code,
                TicketRow.category_code.startswith(f.category_code + ".", autoescape=True),
            )
        )
    if f.status:
        conds.append(TicketRow.status == f.status)
    if f.channel:
        conds.append(TicketRow.channel == f.channel)
    if f.received_from is not None:
        conds.append(TicketRow.received_at >= f.received_from)
    if f.received_before is not None:
        conds.append(TicketRow.received_at < f.received_before)
    return conds


def search_centre(
    session: Session,
    user: CurrentUser,
    f: TicketFilter,
    zone: ZoneInfo,
    lang: str,
    *,
    after: tuple[datetime, int] | None = None,
    limit: int = 50,
) -> SearchPage:
    """Tickets matching every given filter, newest first, paged by keyset: the page after
    ``after`` reads ``limit`` + 1 rows along the index (received_at, id), however deep it is, so
    the thousandth page costs what the first does. Two statements (rows, unit names)."""
    if not user.is_centre:
        raise forbidden("permission.role", role=user.role.value, action="console")
    if f.ids is not None and not f.ids:
        return SearchPage([], None)
    query = select(TicketRow).where(*_filtered(f))
    if after is not None:
        query = query.where(tuple_(TicketRow.received_at, TicketRow.id) < after)
    rows = list(
        session.scalars(query.order_by(TicketRow.received_at.desc(), TicketRow.id.desc()).limit(limit + 1))
    )
    more = len(rows) > limit
    rows = rows[:limit]
    units = _units(session, {t.lead_unit_id for t in rows})
    items = [_item(t, None, units, user, zone, lang) for t in rows]
    last = rows[-1] if rows and more else None
    return SearchPage(items, None if last is None else (last.received_at, last.id))


def find_ticket_id(session: Session, ref: str, zone: ZoneInfo) -> int | None:
    """The ticket a person names by its number (day + id, as shown) or its tracking code."""
    ref = ref.strip().upper()
    if ref.isdigit() and len(ref) > 8:
        row = session.execute(
            select(TicketRow.id, TicketRow.received_at).where(TicketRow.id == int(ref[8:]))
        ).first()
        if row is not None and f"{row.received_at.astimezone(zone):%Y%m%d}" == ref[:8]:
            return int(row.id)
    found = session.scalar(select(TicketRow.id).where(TicketRow.tracking_code == ref))
    return None if found is None else int(found)


@dataclass(frozen=True)
class AwaitingFollowUp:
    """A ticket whose lead reply the centre approved and that nobody has followed up yet, as the
    follow-up package reads it: the round (its reopen count) and when the reply was approved."""

    id: int
    tracking_code: str
    round: int
    approved_at: datetime
    received_at: datetime
    citizen_name: str | None
    citizen_phone: str | None
    duplicate_ids: list[int]
    lead_unit_id: int | None
    kind: str
    title: str | None
    content: str


def reviewed_rounds(session: Session) -> list[tuple[int, int]]:
    """(id, reopen count) of every ticket in `reviewed`: the reply approved, no follow-up yet."""
    rows = session.execute(
        select(TicketRow.id, TicketRow.reopen_count)
        .where(TicketRow.status == "reviewed")
        .order_by(TicketRow.id)
    )
    return [(i, r) for i, r in rows]


def awaiting_follow_up(session: Session, ids: Collection[int]) -> list[AwaitingFollowUp]:
    """These tickets, if still in `reviewed`, with what a follow-up needs. The approval time is
    that of the event that moved the ticket to `reviewed` last."""
    if not ids:
        return []
    approved = (
        select(func.max(TicketEventRow.occurred_at))
        .where(TicketEventRow.ticket_id == TicketRow.id, TicketEventRow.to_status == "reviewed")
        .correlate(TicketRow)
        .scalar_subquery()
    )
    rows = session.execute(
        select(
            TicketRow.id,
            TicketRow.tracking_code,
            TicketRow.reopen_count,
            approved.label("approved_at"),
            TicketRow.received_at,
            TicketRow.citizen_name,
            TicketRow.citizen_phone,
            TicketRow.duplicate_ids,
            TicketRow.lead_unit_id,
            TicketRow.kind,
            TicketRow.title,
            TicketRow.content,
        )
        .where(TicketRow.status == "reviewed", TicketRow.id.in_(list(ids)))
        .order_by(TicketRow.id)
    ).all()
    return [
        AwaitingFollowUp(
            r.id,
            r.tracking_code,
            r.reopen_count,
            r.approved_at or r.received_at,
            r.received_at,
            r.citizen_name,
            r.citizen_phone,
            list(r.duplicate_ids or []),
            r.lead_unit_id,
            r.kind,
            r.title,
            r.content,
        )
        for r in rows
    ]


def contacts(session: Session, ids: Collection[int]) -> dict[int, tuple[str | None, str | None]]:
    """(citizen name, phone) of these tickets: the callers of an incident's merged duplicates."""
    if not ids:
        return {}
    rows = session.execute(
        select(TicketRow.id, TicketRow.citizen_name, TicketRow.citizen_phone).where(TicketRow.id.in_(ids))
    )
    return {i: (name, phone) for i, name, phone in rows}


def statuses(session: Session, ids: Collection[int]) -> dict[int, tuple[str, int]]:
    """Each ticket's status and reopen count (follow-up tasks check their ticket has not moved on)."""
    if not ids:
        return {}
    rows = session.execute(
        select(TicketRow.id, TicketRow.status, TicketRow.reopen_count).where(TicketRow.id.in_(list(ids)))
    )
    return {i: (status, reopen) for i, status, reopen in rows}


# --- the grid worker's page (docs/grid.md) ------------------------------------------------------


@dataclass(frozen=True)
class VerificationItem:
    """A reply the user's grid is asked to verify on site (核查), oldest request first."""

    ticket_id: int
    number: str
    title: str | None
    content_excerpt: str
    address: str | None
    latitude: float | None
    longitude: float | None
    assignment_no: int
    unit: out.UnitRef
    reply: str | None
    requested_at: datetime
    note: str | None


def verifications_for(
    session: Session, user: CurrentUser, zone: ZoneInfo, lang: str
) -> list[VerificationItem]:
    """What the user's grid is asked to verify now: two statements, whatever the tables' size."""
    rows = session.execute(
        select(AssignmentRow, TicketRow)
        .join(TicketRow, TicketRow.id == AssignmentRow.ticket_id)
        .where(AssignmentRow.verify_unit_id.in_(directory.unit_ids_under(user.unit_path)))
        .order_by(AssignmentRow.verify_requested_at, AssignmentRow.id)
        .limit(200)
    ).all()
    if not rows:
        return []
    notes = _verification_notes(session, [(t.id, a.no) for a, t in rows])
    units = _units(session, {a.unit_id for a, _ in rows})
    items = []
    for a, t in rows:
        unit = _ref(units, a.unit_id, lang)
        assert unit is not None and a.verify_requested_at is not None
        items.append(
            VerificationItem(
                ticket_id=t.id,
                number=ticket_number(t, zone),
                title=t.title,
                content_excerpt=t.content[:80],
                address=t.address,
                latitude=t.latitude,
                longitude=t.longitude,
                assignment_no=a.no,
                unit=unit,
                reply=a.reply,
                requested_at=a.verify_requested_at.astimezone(zone),
                note=notes.get((t.id, a.no)),
            )
        )
    return items


def _verification_notes(session: Session, keys: list[tuple[int, int]]) -> dict[tuple[int, int], str | None]:
    """The note of the latest `verification.requested` of each (ticket, assignment)."""
    found: dict[tuple[int, int], str | None] = {}
    rows = session.execute(
        select(TicketEventRow.ticket_id, TicketEventRow.assignment_no, TicketEventRow.payload)
        .where(
            TicketEventRow.tag == "verification.requested",
            TicketEventRow.ticket_id.in_({k[0] for k in keys}),
        )
        .order_by(TicketEventRow.seq)
    ).all()
    for r in rows:
        if r.assignment_no is not None:
            found[(r.ticket_id, r.assignment_no)] = (r.payload or {}).get("note")
    return found


@dataclass(frozen=True)
class ReportItem:
    """A ticket the user reported (a grid worker's own reports), newest first."""

    ticket_id: int
    number: str
    tracking_code: str
    content_excerpt: str
    status: str
    status_label: str
    received_at: datetime


def reported_by(
    session: Session, user: CurrentUser, zone: ZoneInfo, lang: str, *, limit: int = 10
) -> list[ReportItem]:
    rows = session.scalars(
        select(TicketRow)
        .where(TicketRow.created_by_user_id == user.id)
        .order_by(TicketRow.received_at.desc(), TicketRow.id.desc())
        .limit(limit)
    ).all()
    return [
        ReportItem(
            ticket_id=t.id,
            number=ticket_number(t, zone),
            tracking_code=t.tracking_code,
            content_excerpt=t.content[:60],
            status=t.status,
            status_label=label(t.status, lang),
            received_at=t.received_at.astimezone(zone),
        )
        for t in rows
    ]


# --- assessment counted in SQL: one GROUP BY per side, the formulas stay in domain.rates ---------

_FOLLOWED_UP = "ticket.followed_up"
_REOPENED = "ticket.reopened"
_NOT_COUNTED = ("merged", "withdrawn", "handed_off")
_OWES_NO_REPLY = (AssignmentState.CANCELLED.value, AssignmentState.SENT_BACK.value)


def _seconds_between(session: Session, start: Any, end: Any) -> ColumnElement[Any]:
    if session.get_bind().dialect.name == "postgresql":
        return func.extract("epoch", end - start)
    return (func.julianday(end) - func.julianday(start)) * 86400.0


def _no_jit(session: Session) -> None:
    """PostgreSQL compiles a big aggregate with JIT when its cost estimate is high: on these
    month-sized GROUP BYs that took 1.8 s of a 2.3 s query (bench/assessment.py). Off for this
    transaction only."""
    if session.get_bind().dialect.name == "postgresql":
        session.execute(text("SET LOCAL jit = off"))


def _n(condition: ColumnElement[bool]) -> ColumnElement[Any]:
    return func.coalesce(func.sum(case((condition, 1), else_=0)), 0)


def _period_assignments(session: Session, pt: Any) -> tuple[Any, ColumnElement[bool]]:
    """The centre-dispatched assignments of the tickets in ``pt`` and the join condition: LATERAL
    on PostgreSQL (one index probe per ticket), a plain join on SQLite (whose planner probes the
    index anyway and has no LATERAL)."""
    a = AssignmentRow
    columns = select(
        a.ticket_id,
        a.unit_id,
        a.state,
        a.overdue,
        a.improper_send_backs,
        a.acknowledged_at,
        a.acknowledge_due_at,
    ).where(a.parent_no.is_(None))
    if session.get_bind().dialect.name == "postgresql":
        # OFFSET 0: without it PostgreSQL pulls the subquery up into a hash join over the table.
        return columns.where(a.ticket_id == pt.c.id).offset(0).lateral("period_assignments"), true()
    sub = columns.subquery("period_assignments")
    return sub, sub.c.ticket_id == pt.c.id


def assessment_tallies(
    session: Session,
    start: datetime,
    end: datetime,
    *,
    by_closed: bool,
    as_of: datetime,
    group: str,
    only_unit: int | None = None,
) -> dict[Any, Tally]:
    """The tally of every group (``group``: unit, category or channel) of the tickets received (or
    closed) in [start, end), counted as `domain.rates.tally_of` counts the facts `assessment_facts`
    reads: ticket counts go to the ticket's lead unit, assignment counts to the dispatched
    assignment's unit. ``only_unit``: a unit's own tickets and assignments only."""
    _no_jit(session)
    t = TicketRow
    at = t.closed_at if by_closed else t.received_at
    in_period = and_(at >= start, at < end)
    # The last answer by as_of, one index probe per ticket of the period (tag, ticket_id, seq):
    # the work follows the period's tickets, not the whole log.
    last_answer = (
        select(TicketEventRow.payload)
        .where(
            TicketEventRow.tag == _FOLLOWED_UP,
            TicketEventRow.ticket_id == t.id,
            TicketEventRow.occurred_at <= as_of,
        )
        .order_by(TicketEventRow.seq.desc())
        .limit(1)
        .correlate(t)
        .scalar_subquery()
    )
    # Only the columns counted: the whole row (content, JSON lists) made every ticket of the month
    # wider than the tally needs.
    period = select(
        t.id,
        t.status,
        t.answer,
        t.received_at,
        t.closed_at,
        t.lead_unit_id,
        t.category_code,
        t.channel,
        last_answer.label("answer_payload"),
    ).where(in_period)
    if only_unit is not None:
        period = period.where(t.lead_unit_id == only_unit)
    # OFFSET 0 keeps PostgreSQL from inlining the subquery: the answer is looked up once per
    # ticket, not once per place the outer query reads it.
    p = period.offset(0).subquery()
    counted = p.c.status.not_in(_NOT_COUNTED)
    answer = p.c.answer_payload
    followed = and_(counted, answer.is_not(None))
    closed = and_(counted, p.c.closed_at.is_not(None), p.c.closed_at <= as_of)
    dispatched = select(AssignmentRow.id).where(AssignmentRow.ticket_id == p.c.id).exists()
    reopened = (
        select(TicketEventRow.id)
        .where(
            TicketEventRow.tag == _REOPENED,
            TicketEventRow.ticket_id == p.c.id,
            TicketEventRow.occurred_at <= as_of,
        )
        .exists()
    )
    late_lead = (
        select(AssignmentRow.id)
        .where(
            AssignmentRow.ticket_id == p.c.id,
            AssignmentRow.parent_no.is_(None),
            AssignmentRow.role == "lead",
            AssignmentRow.reply_due_at.is_not(None),
            AssignmentRow.state.not_in(_OWES_NO_REPLY),
            or_(AssignmentRow.replied_at.is_(None), AssignmentRow.replied_at > AssignmentRow.reply_due_at),
        )
        .exists()
    )
    satisfaction = answer["satisfaction"].as_string()
    ticket_key = {"unit": p.c.lead_unit_id, "category": p.c.category_code, "channel": p.c.channel}[group]
    seconds = _seconds_between(session, p.c.received_at, p.c.closed_at)
    tickets_q = select(
        ticket_key.label("key"),
        _n(counted),
        _n(and_(counted, p.c.answer.is_not(None), ~dispatched)),
        _n(followed),
        _n(and_(followed, answer["contacted"].as_boolean())),
        _n(and_(followed, answer["solved"].as_boolean())),
        _n(and_(followed, satisfaction == "satisfied")),
        _n(and_(followed, satisfaction == "fairly_satisfied")),
        _n(and_(followed, reopened)),
        _n(closed),
        _n(and_(closed, ~late_lead)),
        func.coalesce(func.sum(case((closed, seconds), else_=0.0)), 0.0),
    ).group_by(ticket_key)
    # The period's assignments reached from its tickets through `ix_assignments_ticket_id`, not a
    # hash join over the whole table: on PostgreSQL a LATERAL subquery leaves the planner only the
    # index probe, so the cost follows the period, not the table's history.
    pt = select(t.id, t.category_code, t.channel).where(in_period).subquery()
    a, on = _period_assignments(session, pt)
    acked = and_(a.c.acknowledged_at.is_not(None), a.c.acknowledged_at <= as_of)
    has_due = a.c.acknowledge_due_at.is_not(None)
    owes_reply = a.c.state.not_in(_OWES_NO_REPLY)
    assignment_key = {"unit": a.c.unit_id, "category": pt.c.category_code, "channel": pt.c.channel}[group]
    assignments_q = (
        select(
            assignment_key.label("key"),
            func.count(),
            _n(a.c.overdue),
            func.coalesce(func.sum(a.c.improper_send_backs), 0),
            _n(and_(has_due, or_(acked, and_(a.c.acknowledge_due_at <= as_of, owes_reply)))),
            _n(and_(has_due, acked, a.c.acknowledged_at <= a.c.acknowledge_due_at)),
        )
        .select_from(pt)
        .join(a, on)
        .group_by(assignment_key)
    )
    if only_unit is not None:
        assignments_q = assignments_q.where(a.c.unit_id == only_unit)
    found: dict[Any, Tally] = {}
    for key, *n in session.execute(tickets_q):
        found[key] = Tally(*(int(x) for x in n[:-1]), handling_seconds=float(n[-1]))
    for key, total, overdue, improper, acknowledgeable, timely in session.execute(assignments_q):
        found[key] = found.get(key, Tally()) + Tally(
            assignments=int(total),
            overdue=int(overdue),
            improper_send_backs=int(improper),
            acknowledgeable=int(acknowledgeable),
            timely=int(timely),
        )
    return found


def day_versions(session: Session, days: Sequence[tuple[datetime, datetime]]) -> list[tuple[int, int]]:
    """For each span [start, end) (a day of the centre), its tickets (by received time) and the sum
    of their versions: the day tallies' freshness check. Every write of a ticket bumps its version
    and a ticket's received time never moves, so the pair changes whenever anything counted of the
    day's tickets does. Read from `ix_tickets_received_at_version` alone; one statement per 200
    days (SQLite caps a compound SELECT at 500 parts)."""
    found: list[tuple[int, int]] = []
    for at in range(0, len(days), 200):
        parts = [
            select(
                literal(i).label("i"),
                func.count().label("n"),
                func.coalesce(func.sum(TicketRow.version), 0).label("v"),
            ).where(TicketRow.received_at >= start, TicketRow.received_at < end)
            for i, (start, end) in enumerate(days[at : at + 200])
        ]
        rows = sorted(session.execute(union_all(*parts)).all())
        found.extend((int(n), int(v)) for _, n, v in rows)
    return found


def first_received(session: Session) -> datetime | None:
    """When the first ticket was received: no day before it needs a tally."""
    return session.scalar(select(func.min(TicketRow.received_at)))


def tally_changes_after(session: Session, start: datetime, end: datetime, after: datetime) -> datetime | None:
    """The first instant after ``after`` at which time alone changes the tally of the tickets
    received in [start, end): a follow-up answer, a reopen, a closure or an acknowledgement
    recorded with a later time, or an acknowledge deadline falling due (every ``<= as_of`` of
    `assessment_tallies`). Until then a tally counted as of ``after`` stays true if nothing is
    written; None: no such instant."""
    day = select(TicketRow.id).where(TicketRow.received_at >= start, TicketRow.received_at < end)
    a = AssignmentRow
    top = and_(a.ticket_id.in_(day), a.parent_no.is_(None))
    candidates = (
        select(func.min(TicketEventRow.occurred_at)).where(
            TicketEventRow.tag.in_((_FOLLOWED_UP, _REOPENED)),
            TicketEventRow.ticket_id.in_(day),
            TicketEventRow.occurred_at > after,
        ),
        select(func.min(TicketRow.closed_at)).where(
            TicketRow.received_at >= start, TicketRow.received_at < end, TicketRow.closed_at > after
        ),
        select(func.min(a.acknowledged_at)).where(top, a.acknowledged_at > after),
        select(func.min(a.acknowledge_due_at)).where(top, a.acknowledge_due_at > after),
    )
    found = [session.scalar(q) for q in candidates]
    return min((x for x in found if x is not None), default=None)


# --- the cases a weekly or monthly report lists ----------------------------------------------------


@dataclass(frozen=True)
class ReportCase:
    """One ticket a report names: overdue, typical (supervised or reopened), or answered unsatisfied."""

    id: int
    number: str
    title: str
    category_code: str | None
    lead_unit_id: int | None
    status: str
    received_at: datetime
    reopen_count: int
    supervised: bool
    at: datetime | None = None  # the unsatisfied answer's time
    comment: str | None = None  # what the citizen said


@dataclass(frozen=True)
class ReportCases:
    overdue: list[ReportCase]
    overdue_total: int
    typical: list[ReportCase]
    unsatisfied: list[ReportCase]
    unsatisfied_total: int


_CASE_COLUMNS = (
    TicketRow.id,
    TicketRow.title,
    TicketRow.content,
    TicketRow.category_code,
    TicketRow.lead_unit_id,
    TicketRow.status,
    TicketRow.received_at,
    TicketRow.reopen_count,
    TicketRow.supervised,
)


def _case(row: Any, zone: ZoneInfo, **extra: Any) -> ReportCase:
    title = row.title or (row.content[:40] + ("…" if len(row.content) > 40 else ""))
    return ReportCase(
        row.id,
        number(row.id, row.received_at, zone),
        title,
        row.category_code,
        row.lead_unit_id,
        row.status,
        row.received_at,
        row.reopen_count,
        row.supervised,
        **extra,
    )


def _late() -> ColumnElement[bool]:
    """The ticket has a centre-dispatched assignment recorded overdue."""
    return (
        select(AssignmentRow.id)
        .where(
            AssignmentRow.ticket_id == TicketRow.id, AssignmentRow.parent_no.is_(None), AssignmentRow.overdue
        )
        .exists()
    )


def _unsatisfied(session: Session, as_of: datetime) -> tuple[Any, ColumnElement[bool]]:
    """The unsatisfied answers (by ``as_of``) of the tickets the outer query reads, and the join
    condition: on PostgreSQL a LATERAL probe per ticket through `ix_ticket_events_tag_ticket_id_seq`
    (OFFSET 0 keeps the planner from turning it into a scan of the whole log, which it did: 3.4 s at
    2M tickets, growing with the history), a plain join on SQLite."""
    e = TicketEventRow
    answers = select(e.ticket_id, e.id, e.occurred_at, e.payload["note"].as_string().label("note")).where(
        e.tag == _FOLLOWED_UP,
        e.occurred_at <= as_of,
        e.payload["satisfaction"].as_string() == "unsatisfied",
    )
    if session.get_bind().dialect.name == "postgresql":
        return answers.where(e.ticket_id == TicketRow.id).offset(0).lateral("unsatisfied"), true()
    sub = answers.subquery("unsatisfied")
    return sub, sub.c.ticket_id == TicketRow.id


def report_case_totals(
    session: Session, start: datetime, end: datetime, *, by_closed: bool, as_of: datetime
) -> tuple[int, int]:
    """How many tickets of [start, end) have an overdue step, and how many unsatisfied answers they
    got by ``as_of``: the full counts the report's cut lists name."""
    _no_jit(session)
    at = TicketRow.closed_at if by_closed else TicketRow.received_at
    in_period = and_(at >= start, at < end)
    overdue = session.scalar(select(func.count()).select_from(TicketRow).where(in_period, _late())) or 0
    answers, on = _unsatisfied(session, as_of)
    unhappy = (
        session.scalar(select(func.count()).select_from(TicketRow).join(answers, on).where(in_period)) or 0
    )
    return int(overdue), int(unhappy)


def report_cases(
    session: Session,
    start: datetime,
    end: datetime,
    *,
    by_closed: bool,
    as_of: datetime,
    zone: ZoneInfo,
    limit: int = 50,
    typical: int = 10,
    totals: tuple[int, int] | None = None,
) -> ReportCases:
    """The period's overdue tickets (a centre-dispatched assignment recorded overdue), its typical
    cases (supervised or reopened, most reopened first) and every unsatisfied answer with the
    citizen's comment, each list cut at ``limit`` with its full count (``totals``: those counts
    as `report_case_totals` gives them, when the caller has them from the day tallies)."""
    _no_jit(session)
    at = TicketRow.closed_at if by_closed else TicketRow.received_at
    in_period = and_(at >= start, at < end)
    overdue_total, unsatisfied_total = totals or report_case_totals(
        session, start, end, by_closed=by_closed, as_of=as_of
    )
    overdue = [
        _case(row, zone)
        for row in session.execute(
            select(*_CASE_COLUMNS)
            .where(in_period, _late())
            .order_by(TicketRow.received_at, TicketRow.id)
            .limit(limit)
        )
    ]
    typical_rows = [
        _case(row, zone)
        for row in session.execute(
            select(*_CASE_COLUMNS)
            .where(in_period, or_(TicketRow.supervised, TicketRow.reopen_count > 0))
            .order_by(TicketRow.reopen_count.desc(), TicketRow.supervised.desc(), TicketRow.id)
            .limit(typical)
        )
    ]
    answers, on = _unsatisfied(session, as_of)
    unsatisfied = [
        _case(row, zone, at=row.occurred_at, comment=row.note)
        for row in session.execute(
            select(*_CASE_COLUMNS, answers.c.occurred_at, answers.c.note)
            .select_from(TicketRow)
            .join(answers, on)
            .where(in_period)
            .order_by(answers.c.occurred_at, answers.c.id)
            .limit(limit)
        )
    ]
    return ReportCases(overdue, overdue_total, typical_rows, unsatisfied, unsatisfied_total)
