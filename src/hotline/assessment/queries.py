"""Reads of rankings: a period's ranking (from its snapshot once closed, else computed from the
per-unit tallies the database counts, `analytics.queries.tallies`, turned into rates by
`domain.rates.rates_from` — the numbers `/api/v1/rates` and the reports show), the lists, a unit's
standing and the tickets behind a figure (the one read that loads ticket facts, one unit's). A
unit's figures are those of the tickets it leads; the period is a week or month of the centre's
calendar (its time zone)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, time
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.orm import Session

from hotline.analytics import queries as analytics
from hotline.assessment.models import RankingSnapshot
from hotline.directory import queries as directory
from hotline.domain import assessment as a
from hotline.domain import drilldown as d
from hotline.domain import rates as r
from hotline.tickets import queries as tickets

#: The figures a ranking keeps per unit: the score and the three rates it is made of.
FIGURES = d.FOLLOW_UP_RATES


@dataclass(frozen=True)
class RankingView:
    period: a.Period
    groups: a.Ranking
    figures: dict[int, dict[r.RateCode, r.Rate]]  # per unit: FIGURES
    as_of: datetime  # answers up to this instant count
    closed_at: datetime | None = None
    closed_by: str | None = None

    @property
    def closed(self) -> bool:
        return self.closed_at is not None


def bounds(period: a.Period, zone: ZoneInfo) -> tuple[datetime, datetime]:
    """The period's first and first-after instants, midnight in the centre's zone."""
    return datetime.combine(period.start, time(), zone), datetime.combine(period.end, time(), zone)


def unit_kinds(session: Session) -> dict[int, str]:
    """The kind of every active unit (its kind decides its peer group)."""
    return {u.id: u.kind for u in directory.units(session) if u.active}


def unit_names(session: Session, lang: str) -> dict[int, str]:
    return {u.id: (u.name_en or u.name) if lang == "en" else u.name for u in directory.units(session)}


def unit_facts(
    session: Session, period: a.Period, zone: ZoneInfo, config: r.AssessmentConfig, unit: int
) -> list[r.TicketFacts]:
    """The facts of the period's tickets the unit leads or holds a dispatched assignment of."""
    start, end = bounds(period, zone)
    return analytics.facts(session, start, end, config.basis, only_unit=unit)


def unit_rates(
    session: Session, period: a.Period, zone: ZoneInfo, config: r.AssessmentConfig, as_of: datetime
) -> dict[int, dict[r.RateCode, r.Rate]]:
    """Every lead unit's follow-up rates and composite score in the period, counted by the database
    (the work follows the period's tickets, not every ticket's facts in Python). Units that lead no
    counted ticket (only assignments, or only merged or withdrawn tickets) have no figures: they
    are listed unranked, as units with no tickets are."""
    start, end = bounds(period, zone)
    found = analytics.tallies(session, start, end, analytics.GroupBy.UNIT, config, as_of, zone=zone)
    return {
        u: {c: v for c, v in r.rates_from(t, config).items() if c in FIGURES}
        for u, t in found.items()
        if isinstance(u, int) and t.received > 0
    }


def snapshot(session: Session, period: a.Period) -> RankingSnapshot | None:
    return session.scalars(
        select(RankingSnapshot).where(
            RankingSnapshot.period_kind == period.kind.value, RankingSnapshot.period_start == period.start
        )
    ).first()


def computed(
    session: Session,
    period: a.Period,
    zone: ZoneInfo,
    now: datetime,
    config: r.AssessmentConfig,
    ranking: a.RankingConfig,
    previous: a.Ranking | None,
) -> RankingView:
    """The period's ranking from the tickets as they stand at ``now``."""
    rates = unit_rates(session, period, zone, config, now)
    groups = a.standings(rates, unit_kinds(session), ranking, previous)
    figures = {u: {c: v[c] for c in FIGURES} for u, v in rates.items()}
    return RankingView(period, groups, figures, now)


def ranking_of(
    session: Session,
    period: a.Period,
    zone: ZoneInfo,
    now: datetime,
    config: r.AssessmentConfig,
    ranking: a.RankingConfig,
) -> RankingView:
    """The period's ranking: its snapshot when closed, else computed, with movement against the
    previous period (its snapshot when closed, else computed too)."""
    found = snapshot(session, period)
    if found is not None:
        return from_snapshot(found)
    before = snapshot(session, period.previous())
    previous = (
        from_snapshot(before).groups
        if before is not None
        else computed(session, period.previous(), zone, now, config, ranking, None).groups
    )
    return computed(session, period, zone, now, config, ranking, previous)


def history(
    session: Session,
    period: a.Period,
    zone: ZoneInfo,
    now: datetime,
    config: r.AssessmentConfig,
    ranking: a.RankingConfig,
) -> list[RankingView]:
    """The rankings of the last ``ranking.watch_periods`` periods up to ``period``, oldest first."""
    out: list[RankingView] = []
    for p in period.back(ranking.watch_periods):
        found = snapshot(session, p)
        out.append(
            from_snapshot(found)
            if found is not None
            else computed(session, p, zone, now, config, ranking, out[-1].groups if out else None)
        )
    return out


# --- snapshots as JSON -------------------------------------------------------------------------


def to_json(view: RankingView) -> dict[str, Any]:
    """What a closed period keeps: every placing and the figures behind it."""
    return {
        "as_of": view.as_of.isoformat(),
        "groups": {
            g.value: [
                {
                    "unit": p.unit,
                    "place": p.place,
                    "score": p.score,
                    "volume": p.volume,
                    "of": p.of,
                    "previous_place": p.previous_place,
                    "bottom": p.bottom,
                }
                for p in ps
            ]
            for g, ps in view.groups.items()
        },
        "figures": {
            str(u): {c.value: [f.numerator, f.denominator, f.value] for c, f in fs.items()}
            for u, fs in view.figures.items()
        },
    }


def from_snapshot(row: RankingSnapshot) -> RankingView:
    data = row.ranking
    groups: a.Ranking = {
        a.PeerGroup(g): [a.Placing(group=a.PeerGroup(g), **p) for p in ps] for g, ps in data["groups"].items()
    }
    figures = {
        int(u): {r.RateCode(c): r.Rate(r.RateCode(c), n, d, v) for c, (n, d, v) in fs.items()}
        for u, fs in data["figures"].items()
    }
    return RankingView(
        a.Period(a.PeriodKind(row.period_kind), row.period_start),
        groups,
        figures,
        datetime.fromisoformat(data["as_of"]),
        row.closed_at,
        row.closed_by,
    )


# --- the tickets behind a figure ---------------------------------------------------------------


@dataclass(frozen=True)
class TicketLine:
    """One line behind a figure: a ticket the unit led, or (assignment rates) one of its
    assignments, with what it adds to the numerator and whether it is in the denominator."""

    id: int
    number: str
    title: str | None
    received_at: datetime
    closed_at: datetime | None
    status: str
    answer: r.FollowUpAnswer | None  # the valid follow-up
    adds: float  # to the numerator, in the rate's measure (a share's 0–1, a count, hours)
    counted: bool  # in the denominator
    why: str  # the reason's key in the catalogue (assess.why.<why>)
    assignment: r.AssignmentFacts | None  # the assignment the line is about (assignment rates)


@dataclass(frozen=True)
class DrillDown:
    code: r.RateCode
    lines: list[TicketLine]
    figure: r.Rate  # what the lines add up to: the figure the rates page shows

    @property
    def numerator(self) -> float:
        return self.figure.numerator

    @property
    def denominator(self) -> int:
        return self.figure.denominator


def behind(
    session: Session,
    unit: int,
    code: r.RateCode,
    period: a.Period,
    zone: ZoneInfo,
    as_of: datetime,
    config: r.AssessmentConfig,
) -> DrillDown:
    """Every line behind one of the unit's figures in the period: the tickets it led (ticket rates)
    or each assignment the centre dispatched to it (acknowledgement, overdue, improper send-backs),
    counted ones first, the ones pulling the figure down first among them. The lines add up to the
    unit's row of `/api/v1/rates` for the period (`domain.drilldown`)."""
    ts = unit_facts(session, period, zone, config, unit)
    found = d.parts(ts, unit, code, config, as_of)
    briefs = tickets.briefs(session, {p.ticket.id for p in found}) if found else {}
    lines = [
        TicketLine(
            p.ticket.id,
            tickets.number(p.ticket.id, p.ticket.received_at, zone),
            briefs[p.ticket.id].title if p.ticket.id in briefs else None,
            p.ticket.received_at,
            p.ticket.closed_at,
            p.ticket.status,
            r.valid_follow_up(p.ticket, as_of) if p.ticket.counted else None,
            p.numerator,
            p.counted,
            p.why,
            p.assignment,
        )
        for p in d.worst_first(found, code)
    ]
    return DrillDown(code, lines, d.figure(found, code))


def own_rates(
    session: Session,
    unit: int,
    period: a.Period,
    zone: ZoneInfo,
    config: r.AssessmentConfig,
    as_of: datetime,
) -> dict[r.RateCode, r.Rate]:
    """Every rate of one unit in the period, as its row of `/api/v1/rates` shows it (counted by the
    database; first-contact resolution is the centre's, no rate for a unit)."""
    start, end = bounds(period, zone)
    found = analytics.tallies(session, start, end, analytics.GroupBy.UNIT, config, as_of, only_unit=unit)
    return r.rates_from(found.get(unit, r.Tally()), config, first_contact=False)


@dataclass(frozen=True)
class Explained:
    down: DrillDown
    as_of: datetime  # the lines are counted as of this instant
    kept: r.Rate | None  # a closed period's ranking figure, as its snapshot keeps it


def explained(
    session: Session,
    unit: int,
    code: r.RateCode,
    period: a.Period,
    zone: ZoneInfo,
    now: datetime,
    config: r.AssessmentConfig,
) -> Explained:
    """The drill-down the page and the API show. A ranking figure (`FIGURES`) of a closed period is
    counted as of the closing instant, beside the figure its snapshot keeps; every other rate is
    never frozen (as `/api/v1/rates`), so it is counted as of ``now``."""
    found = snapshot(session, period) if code in FIGURES else None
    frozen = None if found is None else from_snapshot(found)
    as_of = now if frozen is None else frozen.as_of
    down = behind(session, unit, code, period, zone, as_of, config)
    kept = None
    if frozen is not None:
        kept = frozen.figures.get(unit, {}).get(code) or r.Rate(code, 0, 0, None)
    return Explained(down, as_of, kept)
