"""Writes of notifications: what each recorded event tells whom (inbox), and the outbox entry that
webhooks deliver from. Called by the ticket store in the same transaction as the event append, so an
event and its notifications are committed together or not at all."""

from __future__ import annotations

import secrets
from collections.abc import Sequence
from datetime import datetime
from typing import Any
from urllib.parse import urlsplit

from sqlalchemy import Table, insert
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Session

from hotline.audit import service as audit
from hotline.auth.service import CurrentUser
from hotline.directory import queries as directory
from hotline.domain import events as e
from hotline.domain.errors import invalid, not_found
from hotline.domain.permissions import ReviewerTree, reviewer_of
from hotline.domain.ticket import Recorded, Ticket, delegating_unit
from hotline.domain.vocabulary import OPEN_ASSIGNMENT_STATES, Role
from hotline.notify import queries
from hotline.notify.models import Notification, NotificationRead, OutboxEntry, WebhookSubscription

_INSERT_OUTBOX = insert(OutboxEntry.__table__)
_INSERT_NOTIFICATION = insert(Notification.__table__)

# A recipient: (unit, role or None for everyone in it). Centre recipients use the centre's unit id.
_CENTRE = -1


Recipient = tuple[str, int, str | None, str | None, str | None, int | None]
"""(kind, unit, role or None for everyone in it, step, note, assignment number it is about)."""


def _recipients(ticket: Ticket, ev: e.Event, tree: ReviewerTree | None = None) -> list[Recipient]:
    """Each notification an event causes; ``_CENTRE`` = the centre. New work points to the
    assignment just made for the unit told (not the one that caused it: the delegating parent,
    the sent-back assignment)."""
    made: list[Recipient] = []
    no = getattr(ev, "no", None)

    def holder(no: int) -> int:
        return ticket.assignment(no).unit

    def reviewer(no: int) -> tuple[int, str | None]:
        r = reviewer_of(delegating_unit(ticket, ticket.assignment(no)), tree)
        return (_CENTRE if r.unit is None else r.unit), r.role.value

    match ev:
        case e.TicketDispatched():
            made += [("assignment", m.unit, None, None, ev.note, m.no) for m in ev.assignments]
        case e.SendBackAccepted() if ev.redispatch:
            made += [("assignment", m.unit, None, None, ev.reason, m.no) for m in ev.redispatch]
        case e.TicketReopened() if ev.assignment is not None:
            made.append(("assignment", ev.assignment.unit, None, None, ev.reason, ev.assignment.no))
        case e.AssignmentDelegated():
            made.append(("assignment", ev.child.unit, None, None, ev.note, ev.child.no))
        case e.AssignmentUrged():
            made.append(("urge", holder(ev.no), None, ev.step, ev.note, no))
        case e.DeadlineWarned():
            made.append(("warning", holder(ev.no), None, ev.step, None, no))
        case e.AssignmentEscalated():
            # The superior unit (unless that is the centre itself: its supervisors are told anyway).
            if ev.superior_unit is not None:
                made.append(("escalation", ev.superior_unit, None, ev.step, None, no))
            made.append(("escalation", _CENTRE, Role.SUPERVISOR.value, ev.step, None, no))
        case e.ExtensionRequested():
            made.append(("extension_requested", _CENTRE, Role.DISPATCHER.value, None, ev.reason, no))
        case e.ExtensionApproved():
            made.append(("extension_approved", holder(ev.no), None, None, ev.reason, no))
        case e.ExtensionRefused():
            made.append(("extension_refused", holder(ev.no), None, None, ev.reason, no))
        case e.AssignmentSentBack():
            unit, role = reviewer(ev.no)
            made.append(("send_back", unit, role, None, ev.reason, no))
        case e.AssignmentReplied():
            unit, role = reviewer(ev.no)
            made.append(("reply", unit, role, None, None, no))
        case e.AssignmentRejected():
            made.append(("rejected", holder(ev.no), None, None, ev.reason, no))
        case e.InformationAdded():
            # every unit still working on it, at its own open assignment; before dispatch, the
            # centre's operators
            first: dict[int, int] = {}
            for a in ticket.assignments:
                if a.state in OPEN_ASSIGNMENT_STATES:
                    first.setdefault(a.unit, a.no)
            made += [("information", u, None, None, ev.text, n) for u, n in sorted(first.items())] or [
                ("information", _CENTRE, Role.OPERATOR.value, None, ev.text, None)
            ]
    return made


def on_events(session: Session, ticket_id: int, after: Ticket, records: Sequence[Recorded]) -> None:
    """Inbox notifications and outbox entries for newly appended log entries (same transaction)."""
    on_events_many(session, [(ticket_id, after, records)])


def on_events_many(session: Session, appended: Sequence[tuple[int, Ticket, Sequence[Recorded]]]) -> None:
    """``on_events`` for several tickets: one insert per table."""
    outbox: list[dict[str, Any]] = []
    inbox: list[dict[str, Any]] = []
    centre: int | None = None
    for ticket_id, after, records in appended:
        centre = _rows(session, ticket_id, after, records, outbox, inbox, centre)
    conn = session.connection()  # plain Core inserts: these rows are never read back as objects
    if outbox:
        conn.execute(_INSERT_OUTBOX, outbox if len(outbox) > 1 else outbox[0])
    if inbox:
        conn.execute(_INSERT_NOTIFICATION, inbox if len(inbox) > 1 else inbox[0])


def new_ticket_rows(
    session: Session, ticket: Ticket, records: Sequence[Recorded]
) -> list[tuple[Table, list[dict[str, Any]]]]:
    """``on_events`` for a ticket being created: the outbox and inbox rows, for the ticket store to
    write together with the ticket (which fills in their ``ticket_id``)."""
    outbox: list[dict[str, Any]] = []
    inbox: list[dict[str, Any]] = []
    _rows(session, None, ticket, records, outbox, inbox, None)
    return [(OutboxEntry.__table__, outbox), (Notification.__table__, inbox)]


def _rows(
    session: Session,
    ticket_id: int | None,
    after: Ticket,
    records: Sequence[Recorded],
    outbox: list[dict[str, Any]],
    inbox: list[dict[str, Any]],
    centre: int | None,
) -> int | None:
    units = sorted({a.unit for a in after.assignments})
    tree: ReviewerTree | None = None
    for r in records:
        extra = [r.event.superior_unit] if isinstance(r.event, e.AssignmentEscalated) else []
        concerned = sorted({*units, *(u for u in extra if u is not None)})
        outbox.append(
            {
                "ticket_id": ticket_id,
                "seq": r.seq,
                "tag": r.event.TAG,
                "unit_ids": concerned,
                "created_at": r.occurred_at,
            }
        )
        if tree is None and isinstance(r.event, e.AssignmentReplied | e.AssignmentSentBack):
            tree = directory.reviewers(session, units)
        wanted = _recipients(after, r.event, tree)
        if centre is None and any(u == _CENTRE for _k, u, *_ in wanted):
            centre = directory.centre_unit_id(session)
        for kind, unit, role, step, note, no in wanted:
            if unit == _CENTRE:
                if centre is None:
                    continue
                unit = centre
            elif kind == "escalation" and unit == centre:
                continue
            inbox.append(
                {
                    "unit_id": unit,
                    "role": role,
                    "user_id": None,
                    "kind": kind,
                    "ticket_id": ticket_id,
                    "assignment_no": no,
                    "event_seq": r.seq,
                    "step": step,
                    "note": note,
                    "created_at": r.occurred_at,
                }
            )
    return centre


def mark_read(session: Session, user: CurrentUser, notification_id: int, now: datetime) -> None:
    """Mark one of the caller's notifications read (idempotent); another's is "not found"."""
    if not queries.addressed_to(session, user, [notification_id]):
        raise not_found("notification.not_found")
    _insert_reads(session, user.id, [notification_id], now)


def mark_all_read(session: Session, user: CurrentUser, now: datetime) -> int:
    ids = queries.unread_ids(session, user)
    _insert_reads(session, user.id, ids, now)
    return len(ids)


def _insert_reads(session: Session, user_id: int, ids: Sequence[int], now: datetime) -> None:
    """Read receipts; a receipt already there (a double click, two tabs) is kept as it was."""
    if not ids:
        return
    rows = [{"notification_id": i, "user_id": user_id, "read_at": now} for i in ids]
    dialect = session.get_bind().dialect.name
    stmt = (pg_insert if dialect == "postgresql" else sqlite_insert)(NotificationRead)
    session.execute(stmt.on_conflict_do_nothing(), rows)


# --- webhook subscriptions (administrators) ------------------------------------------------------


def _check_subscription(
    session: Session, url: str | None, unit_id: int | None, tags: list[str] | None
) -> None:
    if url is not None:
        parsed = urlsplit(url)
        if parsed.scheme not in ("http", "https") or not parsed.netloc:
            raise invalid("webhook.url", field="url")
    if unit_id is not None and not directory.active_unit_ids(session, [unit_id]):
        raise invalid("unit.not_found", unit=unit_id, field="unit_id")
    for tag in tags or []:
        if tag not in e.EVENT_TYPES:
            raise invalid("validation.failed", field="event_tags")


def create_subscription(
    session: Session, data: dict[str, Any], actor: audit.Actor, now: datetime
) -> tuple[WebhookSubscription, str]:
    """A new receiver; returns it with its secret (generated when none is given), shown only once."""
    _check_subscription(session, data["url"], data.get("unit_id"), data.get("event_tags"))
    secret = data.get("secret") or secrets.token_urlsafe(32)
    sub = WebhookSubscription(
        name=data["name"],
        url=data["url"],
        secret=secret,
        unit_id=data.get("unit_id"),
        event_tags=sorted(set(data.get("event_tags") or [])),
        active=data.get("active", True),
        created_at=now,
        updated_at=now,
    )
    session.add(sub)
    session.flush()
    audit.record(session, actor, "webhook.created", "webhook", sub.id, at=now, after=audit.snapshot(sub))
    return sub, secret


def update_subscription(
    session: Session,
    sub_id: int,
    changes: dict[str, Any],
    actor: audit.Actor,
    now: datetime,
    action: str = "webhook.updated",
) -> WebhookSubscription:
    sub = session.get(WebhookSubscription, sub_id)
    if sub is None:
        raise not_found("webhook.not_found")
    _check_subscription(session, changes.get("url"), changes.get("unit_id"), changes.get("event_tags"))
    before, old_secret = audit.snapshot(sub), sub.secret
    for name, value in changes.items():
        if name == "event_tags":
            value = sorted(set(value or []))
        setattr(sub, name, value)
    sub.updated_at = now
    session.flush()
    note = "签名密钥已更换 signing secret replaced" if sub.secret != old_secret else None
    audit.record(
        session, actor, action, "webhook", sub.id, at=now, before=before, after=audit.snapshot(sub), note=note
    )
    return sub


def deactivate_subscription(session: Session, sub_id: int, actor: audit.Actor, now: datetime) -> None:
    """Stop sending new events; deliveries already made stay, for the record (and may still be sent)."""
    update_subscription(session, sub_id, {"active": False}, actor, now, action="webhook.deactivated")
