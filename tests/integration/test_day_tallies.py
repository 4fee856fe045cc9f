"""The day tallies stay exact: after the worker tallies a week of demo history (follow-ups late and
on time, reopens, merges, withdrawals, send-backs, overdue steps), old tickets change through the
platform's own write path and time passes, and at each step the rates read from the stored days
equal the live count — by unit, category, channel and district, in the report and the ranking —
on SQLite and PostgreSQL. And the worker's job counts again a stale day, not a fresh one."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any, TypeVar

import pytest
from sqlalchemy import func, select, text

from hotline.analytics import queries
from hotline.analytics import service as tallying
from hotline.analytics.models import TallyDay
from hotline.config import Settings
from hotline.db.engine import Database
from hotline.demo import history
from hotline.domain import commands as c
from hotline.domain import rates as r
from hotline.domain.assessment import RankingConfig
from hotline.domain.errors import DomainError
from hotline.domain.ticket import Actor
from hotline.domain.vocabulary import Kind, Role, Satisfaction
from hotline.intake import service as intake
from hotline.intake.schemas import TicketIn
from hotline.reports import queries as reports
from hotline.tickets import service as tickets
from hotline.tickets.models import TicketRow
from hotline.worker import Worker
from tests.demo.conftest import DEADLINES, END, PLAN, demo_city_database

ZONE = Settings().zone
CONFIG = r.AssessmentConfig(fairly_satisfied_weight=0.9)
DISPATCHER = Actor(role=Role.DISPATCHER)
OPERATOR = Actor(role=Role.OPERATOR)
T = TypeVar("T")


@pytest.fixture(scope="module", params=["sqlite", "postgresql"])
def week(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Database]:
    folder: Path = tmp_path_factory.mktemp(f"day-tallies-{request.param}")
    with demo_city_database(request.param, folder) as db:
        history.generate(db, PLAN, END, DEADLINES)
        yield db


def _period() -> tuple[datetime, datetime]:
    """The history's days and a few empty ones before, up to the end of the day after END."""
    first = (END - timedelta(days=10)).astimezone(ZONE).date()
    last = END.astimezone(ZONE).date() + timedelta(days=1)
    return queries.day_bounds(first, ZONE)[0], queries.day_bounds(last, ZONE)[1]


def _live(db: Database, read: Callable[[Any], T]) -> T:
    """What ``read`` gives with no stored day: the day tallies emptied in a transaction rolled back."""
    with db.write() as s:
        s.execute(text("DELETE FROM day_tallies"))
        s.execute(text("DELETE FROM tally_days"))
        found = read(s)
        s.rollback()
    return found


def _same_tallies(got: dict[Any, r.Tally], want: dict[Any, r.Tally]) -> None:
    assert got.keys() == want.keys()
    for k, w in want.items():
        g = got[k]
        # handling seconds: a sum of day sums, not one sum, differs in the last bits of a double
        assert g.handling_seconds == pytest.approx(w.handling_seconds, rel=1e-9), k
        assert {**vars(g), "handling_seconds": 0} == {**vars(w), "handling_seconds": 0}, k


def _rates(report: queries.Report) -> list[tuple[Any, ...]]:
    return [
        (
            row.key,
            row.name,
            code,
            rate.numerator,
            rate.denominator,
            None if rate.value is None else round(rate.value, 9),
        )
        for row in [*report.rows, *([report.total] if report.total else [])]
        for code, rate in row.rates.items()
    ]


def _check(db: Database, as_of: datetime) -> queries.Sources:
    """Everything read from the stored days equals the live count as of ``as_of``; returns where the
    period's tally came from."""
    start, end = _period()
    with db.read() as s:
        for group_by in queries.GroupBy:
            got = queries.tallies(s, start, end, group_by, CONFIG, as_of, zone=ZONE)
            want = queries.tallies(s, start, end, group_by, CONFIG, as_of)  # no zone: all live
            assert sum(t.received for t in want.values()) > 200
            _same_tallies(got, want)
        got_report = _rates(
            queries.report(s, start, end, queries.GroupBy.DISTRICT, CONFIG, as_of, "zh", zone=ZONE)
        )
        where = queries.sources(s, start, end, ZONE, as_of)
    want_report = _rates(
        _live(
            db,
            lambda s: queries.report(s, start, end, queries.GroupBy.DISTRICT, CONFIG, as_of, "zh", zone=ZONE),
        )
    )
    assert got_report == want_report
    period = reports.month(f"{END.astimezone(ZONE):%Y-%m}", END.astimezone(ZONE).date())

    def monthly(s: Any) -> Any:
        whole = reports.report(s, period, ZONE, CONFIG, as_of, "zh")
        ranked = reports.ranking(s, period, ZONE, as_of, CONFIG, RankingConfig(min_volume=1), "zh")
        return (
            [
                _rates(queries.Report(rows, whole.total))
                for rows in (whole.units, whole.categories, whole.places)
            ],
            ranked[0],
            whole.cases,  # the case lists and their full counts
        )

    with db.read() as s:
        got_monthly = monthly(s)
    assert got_monthly == _live(db, monthly)
    assert any(x.rank is not None for g in got_monthly[1] for x in g.standings)
    assert got_monthly[2].overdue_total > 0 and got_monthly[2].unsatisfied_total > 0
    return where


def _day_of(at: datetime) -> Any:
    return at.astimezone(ZONE).date()


def _first_that_takes(db: Database, ids: list[int], command: c.Command, actor: Actor, now: datetime) -> int:
    for ticket_id in ids:
        try:
            tickets.execute(db, ticket_id, command, actor, now, DEADLINES)
            return ticket_id
        except DomainError:
            continue
    raise AssertionError(f"no ticket took {command}")


def _received_day(db: Database, ticket_id: int) -> Any:
    with db.read() as s:
        return _day_of(s.scalars(select(TicketRow.received_at).where(TicketRow.id == ticket_id)).one())


def _received_on(db: Database, day: Any, **where: Any) -> list[int]:
    lo, hi = queries.day_bounds(day, ZONE)
    with db.read() as s:
        q = select(TicketRow.id).where(TicketRow.received_at >= lo, TicketRow.received_at < hi)
        for name, value in where.items():
            q = q.where(getattr(TicketRow, name) == value)
        return list(s.scalars(q.order_by(TicketRow.id)))


def test_stored_days_stay_equal_to_the_live_count(week: Database) -> None:
    now = END
    done = tallying.refresh_day_tallies(week, now, ZONE)
    assert len(done) >= 6  # the history's past days
    where = _check(week, now)
    assert len(where.stored) == len(done)  # every past day from the store, today live
    assert where.live[-1][1] == _period()[1]

    # A late follow-up (the answer comes after the day was tallied) of a ticket of an old day:
    # that day alone goes live.
    now = END + timedelta(hours=1)
    waiting = [
        i
        for d in range(1, 7)
        for status in ("reviewed", "answered")
        for i in _received_on(week, _day_of(END) - timedelta(days=d), status=status)
    ]
    followed = _first_that_takes(
        week,
        waiting,
        c.RecordFollowUp(contacted=True, solved=False, satisfaction=Satisfaction.UNSATISFIED),
        OPERATOR,
        now,
    )
    old = _received_day(week, followed)
    where = _check(week, now)
    assert old not in where.stored and len(where.stored) >= len(done) - 2  # (a deadline may pass too)

    # A followed-up ticket of an old day reopened (a second time where the history has one reopened
    # once; the ticket just followed up late otherwise).
    now += timedelta(hours=1)
    reopened_once = [
        i
        for count in (1, 0)  # reopened once already if the history has one, else a first time
        for d in range(1, 7)
        for i in _received_on(
            week, _day_of(END) - timedelta(days=d), status="followed_up", reopen_count=count
        )
    ]
    reopened = _first_that_takes(
        week, [*reopened_once, followed], c.Reopen(reason="再次重办"), DISPATCHER, now
    )
    twice = _received_day(week, reopened)
    where = _check(week, now)
    assert twice not in where.stored

    # A new ticket back-dated into a tallied day, dispatched now (its acknowledge deadline to come).
    back = _day_of(END) - timedelta(days=2)
    at = queries.day_bounds(back, ZONE)[0] + timedelta(hours=10)
    made = intake.submit(
        week, TicketIn(kind=Kind.COMPLAINT, content="补录：上周的来电，路灯不亮"), at, lambda s: None
    )
    with week.read() as s:
        unit = s.scalars(select(TicketRow.lead_unit_id).where(TicketRow.lead_unit_id.is_not(None))).first()
    assert unit is not None
    tickets.execute(week, made.ticket_id, c.Dispatch(lead_unit=unit), DISPATCHER, now, DEADLINES)
    where = _check(week, now)
    assert back not in where.stored

    # The worker counts the three days again; everything is stored once more.
    redone = tallying.refresh_day_tallies(week, now, ZONE)
    assert {old, twice, back} <= set(redone)
    assert len(_check(week, now).stored) == len(done)

    # Time passes, nobody writes: at the first instant a stored day's count would change by itself
    # (an acknowledge deadline falling due, …) that day is read live, and the figures still agree.
    with week.read() as s:
        until = s.scalar(select(func.min(TallyDay.valid_until)))
    assert until is not None
    later = until + timedelta(seconds=1)
    start, end = _period()
    with week.read() as s:  # the deadline does change a count: a stale day read as fresh would differ
        live = [queries.tallies(s, start, end, queries.GroupBy.UNIT, CONFIG, t) for t in (now, later)]
    assert live[0] != live[1]
    where = _check(week, later)
    assert back not in where.stored
    # …and as of an instant before the days were counted, everything is live.
    assert _check(week, END - timedelta(days=2)).stored == []


def test_the_worker_counts_a_stale_day_again_and_a_fresh_one_not(week: Database) -> None:
    now = END + timedelta(hours=5)
    worker = Worker(week, lambda: now, deliveries=False, tallies_zone=ZONE)
    worker.run_once()
    assert worker.run_once().tallied == 0  # all fresh: nothing counted again
    day = _day_of(END) - timedelta(days=3)
    _first_that_takes(week, _received_on(week, day), c.Supervise(note="督办"), DISPATCHER, now)
    others = "FROM {} WHERE day != :d"
    with week.read() as s:
        rows = set(s.scalars(text("SELECT id " + others.format("day_tallies")), {"d": day}))
        stamps = s.execute(text("SELECT day, computed_at " + others.format("tally_days")), {"d": day}).all()
    now += timedelta(minutes=1)
    assert worker.run_once().tallied == 1  # the supervised ticket's day, and only it
    with week.read() as s:
        assert set(s.scalars(text("SELECT id " + others.format("day_tallies")), {"d": day})) == rows
        assert (
            s.execute(text("SELECT day, computed_at " + others.format("tally_days")), {"d": day}).all()
            == stamps
        )
        assert s.scalar(select(TallyDay.computed_at).where(TallyDay.day == day)) == now
    assert day in _check(week, now).stored
