"""Tables of routing: administrators' explicit rules, and what routing advised for each ticket."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Boolean, Float, ForeignKey, Integer, String, false
from sqlalchemy.orm import Mapped, mapped_column

from hotline.db.base import Base
from hotline.db.types import UTCDateTime


class RoutingRule(Base):
    """An explicit rule: text containing any of `keywords` (and none of `exclude_keywords`), in
    `area_unit_id`'s territory if given, goes to `category_code` and/or `unit_id`."""

    __tablename__ = "routing_rules"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    keywords: Mapped[list[str]] = mapped_column(JSON, default=list)
    exclude_keywords: Mapped[list[str]] = mapped_column(JSON, default=list)
    category_code: Mapped[str | None] = mapped_column(String(100))
    unit_id: Mapped[int | None] = mapped_column(ForeignKey("units.id"))
    area_unit_id: Mapped[int | None] = mapped_column(ForeignKey("units.id"))
    confidence: Mapped[float] = mapped_column(Float, default=0.95)
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime)
    updated_by_user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))


class TicketRouting(Base):
    """Routing's advice for one ticket, computed at intake: suggestions with their reasons, the
    place, an emergency, duplicates, kb answers, and what was done (auto-dispatched or not, why).
    The event log stays the record of what happened; this is what the operator was shown."""

    __tablename__ = "ticket_routing"

    ticket_id: Mapped[int] = mapped_column(ForeignKey("tickets.id"), primary_key=True)
    computed_at: Mapped[datetime] = mapped_column(UTCDateTime)
    suggestions: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)
    top_category_code: Mapped[str | None] = mapped_column(String(100))
    top_unit_id: Mapped[int | None] = mapped_column(ForeignKey("units.id"))
    top_confidence: Mapped[float | None] = mapped_column(Float)
    emergency_service: Mapped[str | None] = mapped_column(String(8))
    emergency: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)
    district_id: Mapped[int | None] = mapped_column(ForeignKey("units.id"))
    street_id: Mapped[int | None] = mapped_column(ForeignKey("units.id"), index=True)
    community_id: Mapped[int | None] = mapped_column(ForeignKey("units.id"))
    grid_id: Mapped[int | None] = mapped_column(ForeignKey("units.id"))
    place: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    duplicates: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)
    answers: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)
    # auto_dispatched | below_threshold | emergency | duplicate | answer_at_intake | no_unit |
    # disabled | not_received | dispatch_refused | nothing_to_route
    decision: Mapped[str] = mapped_column(String(40))
    auto_dispatched: Mapped[bool] = mapped_column(Boolean, default=False)
    # the classifier asked for this advice, if any: its version (when it was trained) and its note
    # (why it had nothing to say, e.g. no Chinese for a Chinese model)
    model_used: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    model_version: Mapped[str | None] = mapped_column(String(40))
    model_note: Mapped[str | None] = mapped_column(String(300))


class RoutingQueueRow(Base):
    """A ticket taken in and not yet routed. Intake writes the row in its own transaction (so no
    acknowledged ticket is ever left unrouted); the router claims rows with a lease, routes the
    ticket, and deletes the row. A router that dies mid-way leaves the lease to run out."""

    __tablename__ = "routing_queue"

    ticket_id: Mapped[int] = mapped_column(ForeignKey("tickets.id"), primary_key=True)
    enqueued_at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    lease_until: Mapped[datetime | None] = mapped_column(UTCDateTime)
    last_error: Mapped[str | None] = mapped_column(String(1000))
