"""What a weekly or monthly report holds, read once and shown twice (page and workbook).

The rates are `analytics.queries.report` — the numbers `GET /api/v1/rates` answers for the same
period; the ranking orders units by composite score within their peer group (a simple ranking:
the assessment package's richer one replaces it); top categories and places are the category and
district rows with the most tickets counted; the cases come from `tickets.queries.report_cases`.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from enum import StrEnum
from zoneinfo import ZoneInfo

from sqlalchemy.orm import Session

from hotline.analytics import queries as analytics
from hotline.directory import queries as directory
from hotline.domain import rates as r
from hotline.domain.errors import invalid
from hotline.tickets import queries as tickets

TOP = 10
#: How many overdue and unsatisfied cases each shows: a printed page names the first ones (the
#: count says how many there are), the workbook carries far more.
PAGE_CASES = 20
WORKBOOK_CASES = 1000
#: Peer groups: units are ranked against units of the same standing (DESIGN §5).
PEER_GROUPS: dict[str, str] = {
    "district": "district",
    "street": "street",
    "town": "street",
    "department": "department",
    "enterprise": "enterprise",
}
PEER_ORDER = ("district", "street", "department", "enterprise", "other")


class Kind(StrEnum):
    WEEKLY = "weekly"
    MONTHLY = "monthly"


@dataclass(frozen=True)
class Period:
    kind: Kind
    code: str  # 2026-11 or 2026-W47, as the page's form and the file name say it
    first: date
    last: date  # inclusive

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
    key: str
    name: str
    rank: int | None
    composite: r.Rate
    rates: dict[r.RateCode, r.Rate]


@dataclass(frozen=True)
class PeerGroup:
    code: str
    standings: list[Standing]


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
    categories: list[analytics.Row]  # the most tickets first, at most TOP
    places: list[analytics.Row]  # districts, the most tickets first
    cases: tickets.ReportCases
    unit_names: dict[int, str]
    category_names: dict[str, str]
    definitions: list[Definition]


def _received(row: analytics.Row) -> int:
    return row.rates[r.RateCode.CLOSURE].denominator


def ranking(
    rows: list[analytics.Row], units: dict[int, directory.UnitInfo], min_volume: int
) -> list[PeerGroup]:
    """Units by composite score within their peer group, best first; fewer than ``min_volume``
    valid follow-ups: listed, not ranked (`domain.rates.rank`)."""
    by_group: dict[str, dict[str, analytics.Row]] = {}
    for row in rows:
        if row.key is None:
            continue
        unit = units.get(int(row.key))
        group = PEER_GROUPS.get(unit.kind, "other") if unit else "other"
        by_group.setdefault(group, {})[row.key] = row
    out = []
    for code in PEER_ORDER:
        members = by_group.get(code)
        if not members:
            continue
        standings = [
            Standing(
                str(s.key),
                members[str(s.key)].name or str(s.key),
                s.rank,
                members[str(s.key)].rates[r.RateCode.COMPOSITE],
                members[str(s.key)].rates,
            )
            for s in r.rank({k: v.rates for k, v in members.items()}, min_volume)
        ]
        out.append(PeerGroup(code, standings))
    return out


def report(
    session: Session,
    period: Period,
    zone: ZoneInfo,
    config: r.AssessmentConfig,
    as_of: datetime,
    lang: str,
    *,
    cases: int = PAGE_CASES,
) -> Report:
    """Everything one report shows, read in one transaction; ``cases``: the most listed of each kind."""
    start, end = period.bounds(zone)
    by_unit = analytics.report(session, start, end, analytics.GroupBy.UNIT, config, as_of, lang)
    by_category = analytics.report(session, start, end, analytics.GroupBy.CATEGORY, config, as_of, lang)
    by_district = analytics.report(session, start, end, analytics.GroupBy.DISTRICT, config, as_of, lang)
    units = {u.id: u for u in directory.units(session)}
    found = tickets.report_cases(
        session,
        start,
        end,
        by_closed=config.basis is r.PeriodBasis.CLOSED,
        as_of=as_of,
        zone=zone,
        limit=cases,
    )
    listed = [*found.overdue, *found.typical, *found.unsatisfied]
    codes = {c.category_code for c in listed if c.category_code}
    categories = directory.categories_by_code(session, codes)
    assert by_unit.total is not None
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
        ranking=ranking(by_unit.rows, units, config.min_volume),
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
