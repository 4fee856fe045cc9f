"""Follow-up tables: one task per ticket and handling round, and the SMS replies received.

A task's answer is not stored here alone: it becomes the ticket's `ticket.followed_up` event (the
ticket's log is the record); the task keeps what the queue needs (due time, attempts, outcome)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Boolean, ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from hotline.db.base import Base
from hotline.db.types import UTCDateTime


class FollowUpTaskRow(Base):
    __tablename__ = "followup_tasks"
    __table_args__ = (
        UniqueConstraint("ticket_id", "round", name="uq_followup_tasks_ticket_round"),
        Index("ix_followup_tasks_state_due", "state", "due_at"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    ticket_id: Mapped[int] = mapped_column(ForeignKey("tickets.id"))
    # the ticket's reopen count when its reply was approved: a reopened ticket is asked again
    round: Mapped[int] = mapped_column(Integer)
    # open → done (answered, or given up: no answer, refused, wrong number) | cancelled | exempt
    state: Mapped[str] = mapped_column(String(12))
    approved_at: Mapped[datetime] = mapped_column(UTCDateTime)
    due_at: Mapped[datetime] = mapped_column(UTCDateTime)
    citizen_name: Mapped[str | None] = mapped_column(String(100))
    phone: Mapped[str | None] = mapped_column(String(32))
    # the merged duplicate whose caller is asked when the incident's own caller left no number
    contact_ticket_id: Mapped[int | None] = mapped_column(Integer)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    last_outcome: Mapped[str | None] = mapped_column(String(16))
    last_attempt_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    outcome: Mapped[str | None] = mapped_column(String(16))
    reason: Mapped[str | None] = mapped_column(Text)
    method: Mapped[str | None] = mapped_column(String(10))
    contacted: Mapped[bool | None] = mapped_column(Boolean)
    solved: Mapped[bool | None] = mapped_column(Boolean)
    satisfaction: Mapped[str | None] = mapped_column(String(20))
    comment: Mapped[str | None] = mapped_column(Text)
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    finished_by_user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    sms_message_id: Mapped[str | None] = mapped_column(String(64), unique=True)
    sms_sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)


class SmsReplyRow(Base):
    """Each SMS reply the gateway called back with, once: a retried callback finds its row."""

    __tablename__ = "followup_sms_replies"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    message_id: Mapped[str] = mapped_column(String(64), unique=True)
    task_id: Mapped[int] = mapped_column(ForeignKey("followup_tasks.id"), index=True)
    phone: Mapped[str] = mapped_column(String(32))
    text: Mapped[str] = mapped_column(String(500))
    # answered (recorded as the follow-up) | unclear (left to an operator)
    result: Mapped[str] = mapped_column(String(12))
    received_at: Mapped[datetime] = mapped_column(UTCDateTime)


class CallRow(Base):
    """One robot call of a follow-up task: placed by the worker's campaign, finished once by its
    result (the keys pressed). ``call_id`` is what the telephony side reports back with, so a
    retried result finds its row and records nothing more."""

    __tablename__ = "followup_calls"
    __table_args__ = (Index("ix_followup_calls_task_state", "task_id", "state"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    call_id: Mapped[str] = mapped_column(String(64), unique=True)
    task_id: Mapped[int] = mapped_column(ForeignKey("followup_tasks.id"))
    phone: Mapped[str] = mapped_column(String(32))
    # placed → answered | unclear (handed to an operator) | no_answer | refused (finished task)
    state: Mapped[str] = mapped_column(String(12))
    status: Mapped[str | None] = mapped_column(String(12))  # the telephony's: answered, no_answer, busy…
    keys: Mapped[str | None] = mapped_column(String(64))
    note: Mapped[str | None] = mapped_column(Text)
    placed_at: Mapped[datetime] = mapped_column(UTCDateTime)
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
