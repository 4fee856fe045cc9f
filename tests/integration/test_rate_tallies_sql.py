"""Rates counted in SQL equal the reference (every ticket's facts counted in Python), on a week of
the demo city's history with high shares of every case, on SQLite and PostgreSQL."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import select

from hotline.analytics import queries
from hotline.db.engine import Database
from hotline.demo import history
from hotline.domain import rates as r
from hotline.tickets.models import AssignmentRow
from tests.demo.conftest import DEADLINES, END, PLAN, demo_city_database


@pytest.fixture(scope="module", params=["sqlite", "postgresql"])
def week(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Database]:
    folder: Path = tmp_path_factory.mktemp(f"tallies-{request.param}")
    with demo_city_database(request.param, folder) as db:
        history.generate(db, PLAN, END, DEADLINES)
        yield db


def _same(a: queries.Report, b: queries.Report) -> None:
    assert [(x.key, x.name) for x in a.rows] == [(x.key, x.name) for x in b.rows]
    for got, want in zip([*a.rows, a.total], [*b.rows, b.total], strict=True):
        if want is None:
            assert got is None
            continue
        assert got is not None
        for code in r.RateCode:
            g, w = got.rates[code], want.rates[code]
            assert g.denominator == w.denominator, (got.key, code)
            assert g.numerator == pytest.approx(w.numerator, abs=1e-5), (got.key, code)
            assert (g.value is None) == (w.value is None), (got.key, code)
            if w.value is not None:
                # hours: SQLite subtracts julian days, exact to about a millisecond
                assert g.value == pytest.approx(w.value, abs=1e-5), (got.key, code)


@pytest.mark.parametrize("basis", list(r.PeriodBasis))
@pytest.mark.parametrize("group_by", list(queries.GroupBy))
def test_sql_tallies_equal_the_reference(
    week: Database, group_by: queries.GroupBy, basis: r.PeriodBasis
) -> None:
    config = r.AssessmentConfig(basis=basis, fairly_satisfied_weight=0.9)
    start, end = END - timedelta(days=8), END + timedelta(days=1)
    with week.read() as s:
        for as_of in (END, END - timedelta(days=2)):  # now, and as it stood two days ago
            got = queries.report(s, start, end, group_by, config, as_of, "zh")
            want = queries.report_from_facts(s, start, end, group_by, config, as_of, "zh")
            assert sum(row.rates[r.RateCode.CLOSURE].denominator for row in want.rows) > 100
            _same(got, want)


@pytest.mark.parametrize("group_by", list(queries.GroupBy))
def test_a_units_own_figures_equal_the_reference(week: Database, group_by: queries.GroupBy) -> None:
    config = r.AssessmentConfig()
    start, end = END - timedelta(days=8), END + timedelta(days=1)
    with week.read() as s:
        busiest = s.scalars(select(AssignmentRow.unit_id).group_by(AssignmentRow.unit_id).limit(3)).all()
        for unit in busiest:
            got = queries.report(s, start, end, group_by, config, END, "en", only_unit=unit)
            want = queries.report_from_facts(s, start, end, group_by, config, END, "en", only_unit=unit)
            _same(got, want)


def test_the_overdue_column_agrees_with_the_deadlines(week: Database) -> None:
    with week.read() as s:
        rows = s.execute(select(AssignmentRow.overdue, AssignmentRow.deadlines)).all()
    assert any(o for o, _ in rows)
    assert all(o == any(d.get("overdue") for d in ds or []) for o, ds in rows)
