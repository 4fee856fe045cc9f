"""Rankings take their per-unit rates from the database's tallies (issue 14's "one source"): on a
week of the demo city's history they equal the rankings computed from every ticket's facts in
Python, on SQLite and PostgreSQL."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from hotline.analytics import queries as analytics
from hotline.assessment import queries
from hotline.db.engine import Database
from hotline.demo import history
from hotline.domain import assessment as a
from hotline.domain import rates as r
from tests.demo.conftest import DEADLINES, END, PLAN, demo_city_database

ZONE = ZoneInfo("Asia/Shanghai")


@pytest.fixture(scope="module", params=["sqlite", "postgresql"])
def week(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Database]:
    folder: Path = tmp_path_factory.mktemp(f"rankings-{request.param}")
    with demo_city_database(request.param, folder) as db:
        history.generate(db, PLAN, END, DEADLINES)
        yield db


def _from_facts(
    s: object, period: a.Period, config: r.AssessmentConfig, as_of: datetime
) -> dict[int, dict[r.RateCode, r.Rate]]:
    """The reference: every lead unit's rates from its tickets' facts, counted in Python."""
    by_unit: dict[int, list[r.TicketFacts]] = {}
    start, end = queries.bounds(period, ZONE)
    for t in analytics.facts(s, start, end, config.basis):  # type: ignore[arg-type]
        if t.lead_unit is not None:
            by_unit.setdefault(t.lead_unit, []).append(t)
    return {u: r.follow_up_rates(ts, config, as_of) for u, ts in by_unit.items()}


@pytest.mark.parametrize("kind", list(a.PeriodKind))
@pytest.mark.parametrize("basis", list(r.PeriodBasis))
def test_rankings_from_tallies_equal_rankings_from_facts(
    week: Database, kind: a.PeriodKind, basis: r.PeriodBasis
) -> None:
    config = r.AssessmentConfig(basis=basis, fairly_satisfied_weight=0.9)
    ranking = a.RankingConfig(min_volume=2)
    period = a.Period.containing(kind, END.astimezone(ZONE).date())
    with week.read() as s:
        kinds = queries.unit_kinds(s)
        for as_of in (END, END - timedelta(days=2)):
            got = queries.unit_rates(s, period, ZONE, config, as_of)
            want = _from_facts(s, period, config, as_of)
            if kind is a.PeriodKind.MONTH:  # the week of END has few answers yet: it holds its start
                assert sum(v[r.RateCode.COMPOSITE].denominator for v in want.values()) > 20
            assert a.standings(got, kinds, ranking) == a.standings(want, kinds, ranking)
            # every unit with a figure has the same figure (units whose tickets all were merged or
            # withdrawn have none now: their figures were all empty)
            for unit, figures in want.items():
                if unit not in got:
                    assert all(f.denominator == 0 for f in figures.values()), unit
                    continue
                for code, rate in got[unit].items():
                    w = figures[code]
                    assert (rate.numerator, rate.denominator) == (pytest.approx(w.numerator), w.denominator)
                    assert rate.value == pytest.approx(w.value)
            ranked = [p for ps in a.standings(got, kinds, ranking).values() for p in ps if p.place]
            assert len(ranked) >= (3 if kind is a.PeriodKind.MONTH else 0)


def test_every_units_drill_down_of_every_rate_equals_its_row_of_the_rates(week: Database) -> None:
    """The drill-down reads only the unit's tickets (`only_unit`); on a month of demo history with
    every case (send-backs, merges, withdrawals, reopens, overdue steps) its lines still add up to
    the unit's own row of `/api/v1/rates` (`analytics.queries.report`, counted in SQL)."""
    config = r.AssessmentConfig(fairly_satisfied_weight=0.9)
    period = a.Period.containing(a.PeriodKind.MONTH, END.astimezone(ZONE).date())
    start, end = queries.bounds(period, ZONE)
    with week.read() as s:
        found = analytics.tallies(s, start, end, analytics.GroupBy.UNIT, config, END)
        units = sorted(u for u in found if isinstance(u, int))
        assert len(units) >= 10
        lines = 0
        for unit in units:
            [row] = analytics.report(
                s, start, end, analytics.GroupBy.UNIT, config, END, "zh", only_unit=unit
            ).rows
            for code in r.RateCode:
                down = queries.behind(s, unit, code, period, ZONE, END, config)
                want = row.rates[code]
                assert down.denominator == want.denominator, (unit, code)
                # hours: SQLite subtracts julian days, exact to about a millisecond per ticket
                assert down.numerator == pytest.approx(want.numerator, abs=1e-5), (unit, code)
                lines += len(down.lines)
        assert lines > 1000
