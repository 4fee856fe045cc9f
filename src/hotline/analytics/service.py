"""Writes of analytics: only its own read tables, the day tallies (docs/assessment.md "Day
tallies"). Nothing here writes a ticket.

`refresh_day_tallies` is the worker's periodic job: every past day of the centre whose stored
tally is missing or stale is counted again with the live SQL (`tickets.queries.assessment_tallies`
over that one day) and stored with what it was counted from. A reader never writes: it uses the
stored days that are fresh and counts the others live (`analytics.queries.tallies`)."""

from __future__ import annotations

from dataclasses import asdict
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from hotline.analytics.models import DayTally, TallyDay
from hotline.analytics.queries import KINDS, day_bounds, is_fresh
from hotline.db.engine import Database
from hotline.tickets import queries as tickets

#: How far back the worker keeps days tallied: the longest period the rates accept (400 days).
DAYS = 400


def stale_days(session: Session, now: datetime, zone: ZoneInfo, days: int = DAYS) -> list[date]:
    """The past days (before today in ``zone``, from the first ticket's day, at most ``days`` back)
    whose tally is missing or no longer true as of ``now``, newest first (a reader most likely asks
    for the last weeks)."""
    today = now.astimezone(zone).date()
    first = tickets.first_received(session)
    if first is None:
        return []
    oldest = max(today - timedelta(days=days), first.astimezone(zone).date())
    window = [oldest + timedelta(days=i) for i in range((today - oldest).days)]
    stored = {
        row.day: row
        for row in session.scalars(
            select(TallyDay).where(TallyDay.zone == zone.key, TallyDay.day >= oldest, TallyDay.day < today)
        )
    }
    current = tickets.day_versions(session, [day_bounds(d, zone) for d in window])
    return [
        d
        for d, now_is in reversed(list(zip(window, current, strict=True)))
        if not is_fresh(stored.get(d), now_is, now)
    ]


def tally_day(db: Database, day: date, zone: ZoneInfo, now: datetime, by: str = "worker") -> None:
    """Count one day of the centre as of ``now`` and store it, replacing what was stored. The day's
    row is locked first (two workers do not both write it); its tickets' versions are read before
    the counts, so a ticket written meanwhile leaves the day stale, never wrongly fresh."""
    start, end = day_bounds(day, zone)
    with db.write() as s:
        s.get(TallyDay, (zone.key, day), with_for_update=True)
        ((count, versions),) = tickets.day_versions(s, [(start, end)])
        rows = [
            DayTally(
                zone=zone.key, day=day, kind=kind, key=None if key is None else str(key), **asdict(tally)
            )
            for kind in KINDS
            for key, tally in tickets.assessment_tallies(
                s, start, end, by_closed=False, as_of=now, group=kind
            ).items()
        ]
        overdue, unsatisfied = tickets.report_case_totals(s, start, end, by_closed=False, as_of=now)
        until = tickets.tally_changes_after(s, start, end, now)
        s.execute(delete(DayTally).where(DayTally.zone == zone.key, DayTally.day == day))
        s.add_all(rows)
        s.merge(
            TallyDay(
                zone=zone.key,
                day=day,
                tickets=count,
                versions=versions,
                as_of=now,
                valid_until=until,
                overdue_tickets=overdue,
                unsatisfied=unsatisfied,
                computed_at=now,
                computed_by=by,
            )
        )


def refresh_day_tallies(
    db: Database, now: datetime, zone: ZoneInfo, *, limit: int | None = None, days: int = DAYS
) -> list[date]:
    """The worker's job: tally again every stale or missing past day (at most ``limit`` a pass,
    newest first); returns the days it counted."""
    with db.read() as s:
        todo = stale_days(s, now, zone, days)
    for day in todo[:limit]:
        tally_day(db, day, zone, now)
    return todo[:limit]
