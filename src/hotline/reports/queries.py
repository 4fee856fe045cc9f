"""What a weekly or monthly report holds, read once and shown twice (page and workbook).

The rates are `analytics.queries.report` — the numbers `GET /api/v1/rates` answers for the same
period; the ranking is the assessment's own (`assessment.queries`: standings per peer group,
movement against the previous period, the watchlist and the red and black lists) — the numbers
`GET /api/v1/rankings` answers, frozen once the period is closed; top categories and places are the
category and district rows with the most tickets counted; the cases come from
`tickets.queries.report_cases`.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from enum import StrEnum
from zoneinfo import ZoneInfo

from sqlalchemy.orm import Session

from hotline.analytics import queries as analytics
from hotline.assessment import queries as assessment
from hotline.directory import queries as directory
from hotline.domain import assessment as a
from hotline.domain import rates as r
from hotline.domain.errors import invalid
from hotline.tickets import queries as tickets

TOP = 10
#: How many overdue and unsatisfied cases each shows: a printed page names the first ones (the
#: count says how many there are), the workbook carries far more.
PAGE_CASES = 20
WORKBOOK_CASES = 1000


class Kind(StrEnum):
    WEEKLY = "weekly"
    MONTHLY = "monthly"


@dataclass(frozen=True)
class Period:
    kind: Kind
    code: str  # 2026-11 or 2026-W47, as the page's form and the file name say it
    first: date
    last: date  # inclusive

    @property
    def assessed(self) -> a.Period:
        """The same week or month as the assessment names it (ISO weeks, calendar months)."""
        kind = a.PeriodKind.WEEK if self.kind is Kind.WEEKLY else a.PeriodKind.MONTH
        return a.Period(kind, self.first)

    def bounds(self, zone: ZoneInfo) -> tuple[datetime, datetime]:
        return (
            datetime.combine(self.first, time(), tzinfo=zone),
            datetime.combine(self.last + timedelta(days=1), time(), tzinfo=zone),
        )


_MONTH = re.compile(r"^(\d{4})-(\d{2})$")
_WEEK = re.compile(r"^(\d{4})-W(\d{2})$")


def month(text: str | None, today: date) -> Period:
    """``2026-11``; none: the last whole month before today. Anything else: 422 naming ``month``."""
    if not text:
        first = (today.replace(day=1) - timedelta(days=1)).replace(day=1)
    else:
        m = _MONTH.match(text)
        if m is None or not (1 <= int(m[2]) <= 12) or int(m[1]) < 2000:
            raise invalid("reports.month", field="month", value=text[:20])
        first = date(int(m[1]), int(m[2]), 1)
    last = (first.replace(day=28) + timedelta(days=4)).replace(day=1) - timedelta(days=1)
    return Period(Kind.MONTHLY, f"{first:%Y-%m}", first, last)


def week(text: str | None, today: date) -> Period:
    """``2026-W47`` (ISO week, Monday first); none: the last whole week. Else 422 naming ``week``."""
    if not text:
        first = today - timedelta(days=today.weekday() + 7)
    else:
        m = _WEEK.match(text)
        try:
            if m is None or int(m[1]) < 2000:
                raise ValueError(text)
            first = date.fromisocalendar(int(m[1]), int(m[2]), 1)
        except ValueError:
            raise invalid("reports.week", field="week", value=text[:20]) from None
    year, number, _ = first.isocalendar()
    return Period(Kind.WEEKLY, f"{year}-W{number:02d}", first, first + timedelta(days=6))


@dataclass(frozen=True)
class Standing:
    """One unit's placing, as `/api/v1/rankings` gives it."""

    key: str
    name: str
    rank: int | None
    composite: r.Rate
    previous_rank: int | None
    movement: int | None  # places gained since the previous period; None: either unranked
    bottom: bool  # in the group's bottom places this period
    marks: tuple[str, ...]  # "watchlist", "red", "black"


@dataclass(frozen=True)
class PeerGroup:
    code: str  # domain.assessment.PeerGroup
    name: str
    standings: list[Standing]  # units with a valid follow-up, ranked ones first
    idle: list[str]  # the names of the group's units with none this period (one line, not rows)


@dataclass(frozen=True)
class Definition:
    code: r.RateCode
    name: str
    text: str


@dataclass(frozen=True)
class Report:
    period: Period
    zone: ZoneInfo
    as_of: datetime
    config: r.AssessmentConfig
    total: analytics.Row
    units: list[analytics.Row]
    ranking: list[PeerGroup]
    ranking_config: a.RankingConfig
    ranking_closed_at: datetime | None  # the ranking is the frozen one closed then
    categories: list[analytics.Row]  # the most tickets first, at most TOP
    places: list[analytics.Row]  # districts, the most tickets first
    cases: tickets.ReportCases
    unit_names: dict[int, str]
    category_names: dict[str, str]
    definitions: list[Definition]


def _received(row: analytics.Row) -> int:
    return row.rates[r.RateCode.CLOSURE].denominator


def ranking(
    session: Session,
    period: Period,
    zone: ZoneInfo,
    now: datetime,
    config: r.AssessmentConfig,
    rules: a.RankingConfig,
    lang: str,
) -> tuple[list[PeerGroup], datetime | None]:
    """The assessment's ranking of the period (its snapshot once closed), every peer group best
    first, each unit marked when it is on the watchlist, the red or the black list; and when the
    period was closed (None: computed now)."""
    views = assessment.history(session, period.assessed, zone, now, config, rules)
    view = (
        views[-1]
        if len(views) > 1
        else assessment.ranking_of(session, period.assessed, zone, now, config, rules)
    )
    found = a.lists([v.groups for v in views], rules)
    marks: dict[object, list[str]] = {}
    for mark, placings in (("watchlist", found.watchlist), ("red", found.red), ("black", found.black)):
        for p in placings:
            marks.setdefault(p.unit, []).append(mark)
    names = assessment.unit_names(session, lang)
    empty = r.Rate(r.RateCode.COMPOSITE, 0, 0, None)
    out = [
        PeerGroup(
            group.value,
            a.GROUP_NAMES[group][1] if lang == "en" else a.GROUP_NAMES[group][0],
            [
                Standing(
                    str(p.unit),
                    names.get(int(str(p.unit)), str(p.unit)),
                    p.place,
                    view.figures.get(int(str(p.unit)), {}).get(r.RateCode.COMPOSITE, empty),
                    p.previous_place,
                    p.movement,
                    p.bottom,
                    tuple(marks.get(p.unit, ())),
                )
                for p in view.groups.get(group, [])
                if p.volume > 0 or p.place is not None
            ],
            [
                names.get(int(str(p.unit)), str(p.unit))
                for p in view.groups.get(group, [])
                if p.volume == 0 and p.place is None
            ],
        )
        for group in a.PeerGroup
        if view.groups.get(group)
    ]
    return out, view.closed_at


def report(
    session: Session,
    period: Period,
    zone: ZoneInfo,
    config: r.AssessmentConfig,
    as_of: datetime,
    lang: str,
    *,
    rules: a.RankingConfig | None = None,
    cases: int = PAGE_CASES,
) -> Report:
    """Everything one report shows, read in one transaction; ``cases``: the most listed of each kind."""
    start, end = period.bounds(zone)
    by_unit = analytics.report(session, start, end, analytics.GroupBy.UNIT, config, as_of, lang, zone=zone)
    by_category = analytics.report(
        session, start, end, analytics.GroupBy.CATEGORY, config, as_of, lang, zone=zone
    )
    by_district = analytics.report(
        session, start, end, analytics.GroupBy.DISTRICT, config, as_of, lang, zone=zone
    )
    units = {u.id: u for u in directory.units(session)}
    found = tickets.report_cases(
        session,
        start,
        end,
        by_closed=config.basis is r.PeriodBasis.CLOSED,
        as_of=as_of,
        zone=zone,
        limit=cases,
        totals=analytics.case_totals(session, start, end, config, as_of, zone),
    )
    listed = [*found.overdue, *found.typical, *found.unsatisfied]
    codes = {c.category_code for c in listed if c.category_code}
    categories = directory.categories_by_code(session, codes)
    assert by_unit.total is not None
    rules = rules or a.RankingConfig(min_volume=config.min_volume)
    groups, closed_at = ranking(session, period, zone, as_of, config, rules, lang)
    return Report(
        period=period,
        zone=zone,
        as_of=as_of,
        config=config,
        total=by_unit.total,
        units=sorted(
            (row for row in by_unit.rows if row.key is not None and _received(row) + _assigned(row) > 0),
            key=lambda row: units[int(row.key)].path if row.key and int(row.key) in units else "",
        ),
        ranking=groups,
        ranking_config=rules,
        ranking_closed_at=closed_at,
        categories=_top([row for row in by_category.rows if row.key is not None]),
        places=_top(by_district.rows),
        cases=found,
        unit_names={u.id: (u.name_en or u.name) if lang == "en" else u.name for u in units.values()},
        category_names={k: (c.name_en or c.name) if lang == "en" else c.name for k, c in categories.items()},
        definitions=[
            Definition(
                code, r.NAMES[code][1] if lang == "en" else r.NAMES[code][0], config.definition(code, lang)
            )
            for code in r.RateCode
        ],
    )


def _assigned(row: analytics.Row) -> int:
    return row.rates[r.RateCode.OVERDUE].denominator


def _top(rows: list[analytics.Row]) -> list[analytics.Row]:
    return sorted((x for x in rows if _received(x) > 0), key=lambda x: (-_received(x), str(x.key)))[:TOP]
