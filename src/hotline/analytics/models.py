"""The read tables of day tallies: a day's counts per group, so a month's rates sum ~30 rows per
group instead of visiting each of its tickets (docs/assessment.md "Day tallies").

Written only by `analytics.service.refresh_day_tallies` (the worker); read by `analytics.queries`,
which uses a stored day only while it is fresh and counts every other day live."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import Date, Float, Index, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from hotline.db.base import Base
from hotline.db.types import UTCDateTime


class TallyDay(Base):
    """One tallied day of the centre (its zone's calendar day) and what its tally was computed
    from: the day's tickets and the sum of their versions (every event bumps a ticket's version,
    so any later change to one of them changes the sum), the instant it was counted as of, and
    the first instant after it at which time alone would change a count (an acknowledge deadline
    passing, a back-dated answer coming due): the stored tally is true from ``as_of`` until then.
    With the day's two counts the monthly report names beside its cut case lists."""

    __tablename__ = "tally_days"

    zone: Mapped[str] = mapped_column(String(64), primary_key=True)
    day: Mapped[date] = mapped_column(Date, primary_key=True)
    tickets: Mapped[int] = mapped_column(Integer)
    versions: Mapped[int] = mapped_column(Integer)
    as_of: Mapped[datetime] = mapped_column(UTCDateTime)
    valid_until: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # the report's case counts of the day (`tickets.queries.report_case_totals`): tickets with an
    # overdue step, unsatisfied answers
    overdue_tickets: Mapped[int] = mapped_column(Integer)
    unsatisfied: Mapped[int] = mapped_column(Integer)
    computed_at: Mapped[datetime] = mapped_column(UTCDateTime)
    computed_by: Mapped[str] = mapped_column(String(100))


class DayTally(Base):
    """The `domain.rates.Tally` of one group of one day: ``kind`` unit | category | channel, ``key``
    the unit id (as text), category code or channel; NULL is the group without a key."""

    __tablename__ = "day_tallies"
    __table_args__ = (Index("ix_day_tallies_zone_kind_day", "zone", "kind", "day"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    zone: Mapped[str] = mapped_column(String(64))
    day: Mapped[date] = mapped_column(Date)
    kind: Mapped[str] = mapped_column(String(10))
    key: Mapped[str | None] = mapped_column(String(100))
    received: Mapped[int] = mapped_column(Integer)
    at_intake: Mapped[int] = mapped_column(Integer)
    followed: Mapped[int] = mapped_column(Integer)
    contacted: Mapped[int] = mapped_column(Integer)
    solved: Mapped[int] = mapped_column(Integer)
    satisfied: Mapped[int] = mapped_column(Integer)
    fairly_satisfied: Mapped[int] = mapped_column(Integer)
    reopened: Mapped[int] = mapped_column(Integer)
    closed: Mapped[int] = mapped_column(Integer)
    on_time: Mapped[int] = mapped_column(Integer)
    handling_seconds: Mapped[float] = mapped_column(Float)
    assignments: Mapped[int] = mapped_column(Integer)
    acknowledgeable: Mapped[int] = mapped_column(Integer)
    timely: Mapped[int] = mapped_column(Integer)
    overdue: Mapped[int] = mapped_column(Integer)
    improper_send_backs: Mapped[int] = mapped_column(Integer)
