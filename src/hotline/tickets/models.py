"""Tables of tickets: the append-only event log, and the current state projected from it.

`ticket_events` is the source of truth. `tickets` and `assignments` hold the state that replaying
the log gives, written in the same transaction, so queries never need to replay.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import (
    JSON,
    Boolean,
    Float,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
    false,
    text,
)
from sqlalchemy.orm import Mapped, mapped_column

from hotline.db.base import Base
from hotline.db.types import UTCDateTime

#: The rows of the partial index behind the console's supervised queue (open, supervised tickets).
SUPERVISED_OPEN = "supervised AND status NOT IN ('closed', 'merged', 'withdrawn', 'handed_off')"


#: The rows of the partial index behind the console's decide queue: undecided top-level send-backs.
SENT_BACK_UNDECIDED = "parent_no IS NULL AND state = 'sent_back' AND state_before_send_back IS NOT NULL"


class TicketRow(Base):
    __tablename__ = "tickets"
    __table_args__ = (
        # The centre console's search: newest first, paged by (received_at, id).
        Index("ix_tickets_received_at_id", "received_at", "id"),
        # The console's supervised queue.
        Index("ix_tickets_supervised_received_at", "supervised", "received_at"),
        # … and its count: only supervised tickets still open, so it does not grow with history.
        Index(
            "ix_tickets_supervised_open",
            "received_at",
            "id",
            postgresql_where=text(SUPERVISED_OPEN),
            sqlite_where=text(SUPERVISED_OPEN),
        ),
        # The workbench's caller history: a caller's latest tickets, newest first, by an index scan.
        Index("ix_tickets_citizen_phone_received_at", "citizen_phone", "received_at"),
        # Assessment by closed time (basis=closed): the period's range scan.
        Index("ix_tickets_closed_at", "closed_at"),
        # The day tallies' freshness check: per day, its tickets and the sum of their versions,
        # read from the index alone (analytics.queries).
        Index("ix_tickets_received_at_version", "received_at", "version"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    tracking_code: Mapped[str] = mapped_column(String(16), unique=True)
    channel: Mapped[str] = mapped_column(String(20))
    kind: Mapped[str] = mapped_column(String(20))
    urgency: Mapped[str] = mapped_column(String(20))
    status: Mapped[str] = mapped_column(String(20), index=True)
    title: Mapped[str | None] = mapped_column(String(200))
    content: Mapped[str] = mapped_column(Text)
    category_code: Mapped[str | None] = mapped_column(String(100), index=True)
    citizen_name: Mapped[str | None] = mapped_column(String(100))
    citizen_phone: Mapped[str | None] = mapped_column(String(32))
    address: Mapped[str | None] = mapped_column(String(300))
    latitude: Mapped[float | None] = mapped_column(Float)
    longitude: Mapped[float | None] = mapped_column(Float)
    # Seconds from opening the intake form to submitting it (the workbench measures it).
    intake_seconds: Mapped[int | None] = mapped_column(Integer)
    lead_unit_id: Mapped[int | None] = mapped_column(ForeignKey("units.id"), index=True)
    supervised: Mapped[bool] = mapped_column(Boolean, default=False)
    complex: Mapped[bool] = mapped_column(Boolean, default=False)
    reopen_count: Mapped[int] = mapped_column(Integer, default=0)
    answer: Mapped[str | None] = mapped_column(Text)
    merged_into_id: Mapped[int | None] = mapped_column(ForeignKey("tickets.id"))
    duplicate_ids: Mapped[list[int]] = mapped_column(JSON, default=list)
    handed_off_to: Mapped[str | None] = mapped_column(String(8))
    followup_contacted: Mapped[bool | None] = mapped_column(Boolean)
    followup_solved: Mapped[bool | None] = mapped_column(Boolean)
    satisfaction: Mapped[str | None] = mapped_column(String(20))
    close_reason: Mapped[str | None] = mapped_column(Text)
    received_at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime)
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    created_by_user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    version: Mapped[int] = mapped_column(Integer)


class AssignmentRow(Base):
    __tablename__ = "assignments"
    __table_args__ = (
        UniqueConstraint("ticket_id", "no"),
        Index("ix_assignments_unit_state", "unit_id", "state"),
        # The sweeper's range scan: what is due for a warning or an overdue at or before now.
        Index("ix_assignments_next_check_at", "next_check_at"),
        # The console's queues: replies to review and send-backs by state, overdue by due time,
        # extensions waiting for a decision.
        Index("ix_assignments_state_reply_due_at", "state", "reply_due_at"),
        Index("ix_assignments_state_acknowledge_due_at", "state", "acknowledge_due_at"),
        Index("ix_assignments_pending_extension_until", "pending_extension_until"),
        # … and the send-backs the centre has still to decide (not every send-back ever made).
        Index(
            "ix_assignments_decide_sent_back",
            "reply_due_at",
            "id",
            postgresql_where=text(SENT_BACK_UNDECIDED),
            sqlite_where=text(SENT_BACK_UNDECIDED),
        ),
        # A grid worker's verifications to do (核查): the assignments a grid is asked to check.
        Index("ix_assignments_verify_unit_id", "verify_unit_id"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    ticket_id: Mapped[int] = mapped_column(ForeignKey("tickets.id"), index=True)
    no: Mapped[int] = mapped_column(Integer)
    unit_id: Mapped[int] = mapped_column(ForeignKey("units.id"))
    role: Mapped[str] = mapped_column(String(10))
    state: Mapped[str] = mapped_column(String(20))
    parent_no: Mapped[int | None] = mapped_column(Integer)
    dispatched_at: Mapped[datetime] = mapped_column(UTCDateTime)
    acknowledged_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    contacted_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    replied_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    reviewed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    reply: Mapped[str | None] = mapped_column(Text)
    send_back_reason: Mapped[str | None] = mapped_column(Text)
    state_before_send_back: Mapped[str | None] = mapped_column(String(20))
    pending_extension_until: Mapped[datetime | None] = mapped_column(UTCDateTime)
    pending_extension_reason: Mapped[str | None] = mapped_column(Text)
    reply_due_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    original_reply_due_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    extensions_approved: Mapped[int] = mapped_column(Integer, default=0)
    rejections: Mapped[int] = mapped_column(Integer, default=0)
    improper_send_backs: Mapped[int] = mapped_column(Integer, default=0)
    # Any step recorded overdue (the `deadlines` JSON says which): a plain column so assessment
    # counts it in SQL (migration 0019 filled it for rows written before).
    overdue: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    urges: Mapped[int] = mapped_column(Integer, default=0)
    escalations: Mapped[int] = mapped_column(Integer, default=0)
    # On site (到达现场) and verification on site (核查): see docs/grid.md.
    arrived_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    verify_unit_id: Mapped[int | None] = mapped_column(ForeignKey("units.id"))
    verify_requested_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    verifications_failed: Mapped[int] = mapped_column(Integer, default=0)
    acknowledge_due_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    contact_due_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # Each timed step: limit, due_at, warn_at, whether warned / overdue are recorded, still open.
    deadlines: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)
    # When the sweeper must look at this assignment next; NULL when nothing is left to record.
    next_check_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class TicketEventRow(Base):
    """One entry of a ticket's log. Rows are only ever inserted (see `store.append_events`)."""

    __tablename__ = "ticket_events"
    __table_args__ = (
        UniqueConstraint("ticket_id", "seq"),
        # Assessment: a ticket's last follow-up answer and its reopens, by (tag, ticket) range.
        Index("ix_ticket_events_tag_ticket_id_seq", "tag", "ticket_id", "seq"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    ticket_id: Mapped[int] = mapped_column(ForeignKey("tickets.id"))
    seq: Mapped[int] = mapped_column(Integer)
    tag: Mapped[str] = mapped_column(String(64), index=True)
    occurred_at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)
    actor_role: Mapped[str] = mapped_column(String(20))
    actor_user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    actor_unit_id: Mapped[int | None] = mapped_column(ForeignKey("units.id"))
    from_status: Mapped[str | None] = mapped_column(String(20))
    to_status: Mapped[str] = mapped_column(String(20))
    assignment_no: Mapped[int | None] = mapped_column(Integer)
    payload: Mapped[dict[str, Any]] = mapped_column(JSON)
