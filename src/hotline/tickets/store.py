"""The ticket store: load a ticket by replaying its log; append new log entries and the state.

`append` is the one function that writes ticket events. It inserts the new entries and writes
the projected state in the same transaction, guarded by the version the caller loaded: if
someone else changed the ticket meanwhile, nothing is written and a 409 conflict is raised.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Select, Table, bindparam, func, insert, select, update
from sqlalchemy.orm import Session

from hotline.domain import events as e
from hotline.domain.errors import conflict, not_found
from hotline.domain.ticket import Actor, Assignment, Recorded, Ticket, next_check_at, replay, step_open
from hotline.domain.vocabulary import DeadlineStep, Role, TicketStatus
from hotline.notify import service as notify
from hotline.tickets.models import AssignmentRow, TicketEventRow, TicketRow
from hotline.tickets.rows import ticket_columns

# Plain Core tables for the inserts: the ORM's unit of work (add + flush) cost more than the
# INSERT itself on the intake path (bench/intake.py), and these rows are never read back as objects.
TICKETS = TicketRow.__table__
EVENTS = TicketEventRow.__table__
ASSIGNMENTS = AssignmentRow.__table__
_INSERT_TICKET = insert(TICKETS).returning(TICKETS.c.id)
_INSERT_EVENT = insert(EVENTS)
_INSERT_ASSIGNMENT = insert(ASSIGNMENTS)
# Core UPDATEs for the same reason: the ORM's update re-synchronised the session's objects (which
# this path never holds), costing more than the statement.
_UPDATE_TICKET = update(TICKETS).where(
    TICKETS.c.id == bindparam("b_id"), TICKETS.c.version == bindparam("b_version")
)
_UPDATE_ASSIGNMENT = update(ASSIGNMENTS).where(
    ASSIGNMENTS.c.ticket_id == bindparam("b_ticket"), ASSIGNMENTS.c.no == bindparam("b_no")
)


def load_records(session: Session, ticket_id: int) -> list[Recorded]:
    rows = session.scalars(
        select(TicketEventRow).where(TicketEventRow.ticket_id == ticket_id).order_by(TicketEventRow.seq)
    ).all()
    return [_record(r) for r in rows]


def load(session: Session, ticket_id: int) -> Ticket:
    records = load_records(session, ticket_id)
    if not records:
        raise not_found("ticket.not_found")
    return replay(records)


def _record(row: TicketEventRow) -> Recorded:
    return Recorded(
        seq=row.seq,
        event=e.from_payload(row.tag, row.payload),
        actor=Actor(role=Role(row.actor_role), user_id=row.actor_user_id, unit_id=row.actor_unit_id),
        occurred_at=row.occurred_at,
        from_status=TicketStatus(row.from_status) if row.from_status else None,
        to_status=TicketStatus(row.to_status),
    )


def assignment_columns(a: Assignment) -> dict[str, Any]:
    return {
        "no": a.no,
        "unit_id": a.unit,
        "role": a.role.value,
        "state": a.state.value,
        "parent_no": a.parent_no,
        "dispatched_at": a.dispatched_at,
        "acknowledged_at": a.acknowledged_at,
        "contacted_at": a.contacted_at,
        "replied_at": a.replied_at,
        "reviewed_at": a.reviewed_at,
        "reply": a.reply,
        "send_back_reason": a.send_back_reason,
        "state_before_send_back": a.state_before_send_back.value if a.state_before_send_back else None,
        "pending_extension_until": a.pending_extension_until,
        "pending_extension_reason": a.pending_extension_reason,
        "reply_due_at": a.reply_due_at,
        "original_reply_due_at": a.original_reply_due_at,
        "extensions_approved": a.extensions_approved,
        "rejections": a.rejections,
        "improper_send_backs": a.improper_send_backs,
        "overdue": any(d.overdue for d in a.deadlines),
        "urges": a.urges,
        "escalations": a.escalations,
        "arrived_at": a.arrived_at,
        "verify_unit_id": a.verify_unit,
        "verify_requested_at": a.verify_requested_at,
        "verifications_failed": a.verifications_failed,
        "acknowledge_due_at": _due(a, DeadlineStep.ACKNOWLEDGE),
        "contact_due_at": _due(a, DeadlineStep.CONTACT),
        "deadlines": [
            {
                "step": d.step.value,
                "limit": d.limit,
                "due_at": _iso(d.due_at),
                "warn_at": _iso(d.warn_at),
                "warned": d.warned,
                "overdue": d.overdue,
                "open": step_open(a, d.step),
            }
            for d in a.deadlines
        ],
        "next_check_at": next_check_at(a),
    }


def _due(a: Assignment, step: DeadlineStep) -> Any:
    d = a.deadline(step)
    return None if d is None else d.due_at


def _iso(dt: Any) -> str | None:
    return None if dt is None else dt.astimezone(UTC).isoformat()


def _event_rows(ticket_id: int, records: Sequence[Recorded]) -> list[dict[str, Any]] | dict[str, Any]:
    """The rows to insert; a single row as a plain dict (one INSERT, not the executemany path)."""
    rows = _event_row_list(ticket_id, records)
    return rows[0] if len(rows) == 1 else rows


def _event_row_list(ticket_id: int | None, records: Sequence[Recorded]) -> list[dict[str, Any]]:
    return [
        {
            "ticket_id": ticket_id,
            "seq": r.seq,
            "tag": r.event.TAG,
            "occurred_at": r.occurred_at,
            "actor_role": r.actor.role.value,
            "actor_user_id": r.actor.user_id,
            "actor_unit_id": r.actor.unit_id,
            "from_status": r.from_status.value if r.from_status else None,
            "to_status": r.to_status.value,
            "assignment_no": getattr(r.event, "no", None),
            "payload": e.to_payload(r.event),
        }
        for r in records
    ]


Dependents = Sequence[tuple[Table, Sequence[dict[str, Any]]]]
"""Rows of other tables that belong to a new ticket, per table; their `ticket_id` is filled in when
the ticket is stored (any value the rows carry for it is ignored)."""


def create(
    session: Session,
    ticket: Ticket,
    records: Sequence[Recorded],
    created_by: int | None,
    dependents: Dependents = (),
) -> int:
    """Store a new ticket — its row, first events, assignments, inbox and outbox entries, and the
    caller's `dependents` (e.g. its routing-queue entry, an idempotency key) — and return its id.

    On PostgreSQL that is ONE statement (data-modifying CTEs hanging off `INSERT … RETURNING id`):
    on the intake path the round trips to the database, not the rows, were the cost. Elsewhere
    (SQLite) the ticket row first, then one INSERT per table."""
    rows: list[tuple[Table, Sequence[dict[str, Any]]]] = [(EVENTS, _event_row_list(None, records))]
    if ticket.assignments:
        rows.append((ASSIGNMENTS, [assignment_columns(a) for a in ticket.assignments]))
    rows += notify.new_ticket_rows(session, ticket, records)
    rows += dependents
    columns = {**ticket_columns(ticket), "created_by_user_id": created_by}
    conn = session.connection()
    if conn.dialect.name == "postgresql":
        present = [(t, r) for t, r in rows if r]
        stmt, names = _one_statement(present)
        params = {f"t_{k}": v for k, v in columns.items()}
        for (_table, table_rows), row_names in zip(present, names, strict=True):
            for row, row_names_one in zip(table_rows, row_names, strict=True):
                for column, name in row_names_one:
                    params[name] = row[column]
        return int(conn.execute(stmt, params).scalar_one())
    ticket_id = int(conn.execute(_INSERT_TICKET, columns).scalar_one())
    for table, table_rows in rows:
        if table_rows:
            filled = [{**row, "ticket_id": ticket_id} for row in table_rows]
            conn.execute(insert(table), filled[0] if len(filled) == 1 else filled)
    return ticket_id


def create_many(session: Session, made: Sequence[tuple[Ticket, Sequence[Recorded], int | None]]) -> list[int]:
    """``create`` for many tickets at once, each (state, its whole log, created by): one INSERT per
    table for the batch. For bulk loads (the demo's benchmark history), where each ticket's log was
    decided by the workflow beforehand and the state is its replay; the rows are the ones ``create``
    and ``append`` would have left."""
    if not made:
        return []
    conn = session.connection()
    ids = list(
        conn.execute(
            insert(TICKETS).returning(TICKETS.c.id, sort_by_parameter_order=True),
            [{**ticket_columns(t), "created_by_user_id": by} for t, _r, by in made],
        ).scalars()
    )
    rows: dict[str, tuple[Table, list[dict[str, Any]]]] = {}

    def add(table: Table, table_rows: Sequence[dict[str, Any]], ticket_id: int) -> None:
        rows.setdefault(table.name, (table, []))[1].extend({**r, "ticket_id": ticket_id} for r in table_rows)

    for ticket_id, (t, records, _by) in zip(ids, made, strict=True):
        add(EVENTS, _event_row_list(ticket_id, records), ticket_id)
        add(ASSIGNMENTS, [assignment_columns(a) for a in t.assignments], ticket_id)
        for table, table_rows in notify.new_ticket_rows(session, t, records):
            add(table, table_rows, ticket_id)
    for table, table_rows in rows.values():
        if table_rows:
            conn.execute(insert(table), table_rows)
    return ids


_STATEMENTS: dict[tuple[Any, ...], tuple[Select[Any], list[list[list[tuple[str, str]]]]]] = {}


def _one_statement(
    rows: Sequence[tuple[Table, Sequence[dict[str, Any]]]],
) -> tuple[Select[Any], list[list[list[tuple[str, str]]]]]:
    """The single PostgreSQL statement for a new ticket with these rows, built once per shape
    (tables, and the columns of each row) and reused: building and compiling it costs more than
    running it. Also gives, per table, per row, the (column, parameter name) pairs to bind."""
    shape = tuple((table.name, tuple(tuple(r) for r in table_rows)) for table, table_rows in rows)
    found = _STATEMENTS.get(shape)
    if found is not None:
        return found
    ticket_cols = [c.name for c in TICKETS.c if c.name != "id"]
    new = (
        insert(TICKETS)
        .values({c: bindparam(f"t_{c}", type_=TICKETS.c[c].type) for c in ticket_cols})
        .returning(TICKETS.c.id)
        .cte("new_ticket")
    )
    ctes = []
    names: list[list[list[tuple[str, str]]]] = []
    for ti, (table, table_rows) in enumerate(rows):
        per_row = []
        for ri, row in enumerate(table_rows):
            cols = [c for c in row if c != "ticket_id"]
            pairs = [(c, f"d{ti}_{ri}_{c}") for c in cols]
            select_row = select(new.c.id, *(bindparam(n, type_=table.c[c].type) for c, n in pairs))
            ctes.append(insert(table).from_select(["ticket_id", *cols], select_row).cte(f"d{ti}_{ri}"))
            per_row.append(pairs)
        names.append(per_row)
    stmt = select(new.c.id).add_cte(*ctes)
    _STATEMENTS[shape] = (stmt, names)
    return stmt, names


def append(
    session: Session, ticket_id: int, before: Ticket, after: Ticket, records: Sequence[Recorded]
) -> None:
    """Append log entries and write the new state, if nobody changed the ticket since `before`."""
    if not records:
        return
    result = session.connection().execute(
        _UPDATE_TICKET, {**ticket_columns(after), "b_id": ticket_id, "b_version": before.version}
    )
    if result.rowcount != 1:
        raise conflict("concurrency.conflict")
    session.connection().execute(_INSERT_EVENT, _event_rows(ticket_id, records))
    _write_assignments(session, ticket_id, after, {a.no for a in before.assignments}, before)
    notify.on_events(session, ticket_id, after, records)


def _write_assignments(
    session: Session, ticket_id: int, after: Ticket, existing: set[int], before: Ticket | None = None
) -> None:
    old = {a.no: a for a in before.assignments} if before else {}
    new_rows = [
        {"ticket_id": ticket_id, **assignment_columns(a)} for a in after.assignments if a.no not in existing
    ]
    if new_rows:
        session.connection().execute(_INSERT_ASSIGNMENT, new_rows)
    for a in after.assignments:
        if a.no in existing and old.get(a.no) != a:
            session.connection().execute(
                _UPDATE_ASSIGNMENT, {**assignment_columns(a), "b_ticket": ticket_id, "b_no": a.no}
            )


def refresh_assignments(session: Session, ticket_id: int, state: Ticket) -> None:
    """Rewrite a ticket's assignment rows from its state (the log's truth): a repair, no new event."""
    for a in state.assignments:
        session.execute(
            update(AssignmentRow)
            .where(AssignmentRow.ticket_id == ticket_id, AssignmentRow.no == a.no)
            .values(**assignment_columns(a))
        )


# --- many tickets at once (the sweeper): the same writes, a few statements per batch ------------


def load_many(session: Session, ticket_ids: Sequence[int]) -> dict[int, Ticket]:
    """Several tickets' states, replayed from one query of their logs."""
    rows = session.scalars(
        select(TicketEventRow)
        .where(TicketEventRow.ticket_id.in_(ticket_ids))
        .order_by(TicketEventRow.ticket_id, TicketEventRow.seq)
    ).all()
    logs: dict[int, list[Recorded]] = {}
    for row in rows:
        logs.setdefault(row.ticket_id, []).append(_record(row))
    return {tid: replay(records) for tid, records in logs.items()}


def append_many(session: Session, changes: Sequence[tuple[int, Ticket, Ticket, Sequence[Recorded]]]) -> None:
    """``append`` for many tickets, each (id, before, after, records): the same guarded writes (all
    or nothing: one ticket changed meanwhile fails them all), batched into one statement per table."""
    changes = [c for c in changes if c[3]]
    if not changes:
        return
    conn = session.connection()
    tickets = TicketRow.__table__
    result = conn.execute(
        update(tickets).where(tickets.c.id == bindparam("b_id"), tickets.c.version == bindparam("b_version")),
        [
            {**ticket_columns(after), "b_id": tid, "b_version": before.version}
            for tid, before, after, _ in changes
        ],
    )
    if result.rowcount != len(changes):
        raise conflict("concurrency.conflict")
    session.execute(
        insert(TicketEventRow), [row for tid, _, _, recs in changes for row in _event_row_list(tid, recs)]
    )
    assignments = AssignmentRow.__table__
    new_rows: list[dict[str, Any]] = []
    changed: list[dict[str, Any]] = []
    for tid, before, after, _ in changes:
        old = {a.no: a for a in before.assignments}
        for a in after.assignments:
            if a.no not in old:
                new_rows.append({"ticket_id": tid, **assignment_columns(a)})
            elif old[a.no] != a:
                changed.append({**assignment_columns(a), "b_ticket": tid, "b_no": a.no})
    if new_rows:
        session.execute(insert(AssignmentRow), new_rows)
    if changed:
        conn.execute(
            update(assignments).where(
                assignments.c.ticket_id == bindparam("b_ticket"), assignments.c.no == bindparam("b_no")
            ),
            changed,
        )
    notify.on_events_many(session, [(tid, after, recs) for tid, _, after, recs in changes])


def claim_due(session: Session, now: datetime, batch: int) -> list[tuple[int, int, int]]:
    """The sweeper's claim: (ticket, assignment no, unit) of due assignments, earliest first, their
    tickets locked for the caller.

    Locking the ticket rows (not the assignments) keeps the lock order of every other writer, which
    updates the ticket row first: no deadlock with a person acting on the same ticket."""
    rows = session.execute(
        select(AssignmentRow.ticket_id, AssignmentRow.no, AssignmentRow.unit_id)
        .join(TicketRow, TicketRow.id == AssignmentRow.ticket_id)
        .where(AssignmentRow.next_check_at <= now)
        .order_by(AssignmentRow.next_check_at)
        .limit(batch)
        .with_for_update(skip_locked=True, of=TicketRow)
    ).all()
    return [(r.ticket_id, r.no, r.unit_id) for r in rows]


def earliest_check(session: Session) -> datetime | None:
    """The earliest instant anything is due on an open assignment (one index lookup)."""
    return session.scalar(select(func.min(AssignmentRow.next_check_at)))
