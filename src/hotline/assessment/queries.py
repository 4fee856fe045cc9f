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
from hotline.domain import rates as r
from hotline.tickets import queries as tickets

#: The figures a ranking keeps per unit: the score and the three rates it is made of.
FIGURES = a.DRILLABLE


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
    session: Session, period: a.Period, zone: ZoneInfo, config: r.AssessmentConfig
) -> list[r.TicketFacts]:
    start, end = bounds(period, zone)
    return analytics.facts(session, start, end, config.basis)


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
    id: int
    number: str
    title: str | None
    received_at: datetime
    status: str
    answer: r.FollowUpAnswer | None  # the valid follow-up
    share: float | None  # what it adds to the numerator; None: not in the denominator


@dataclass(frozen=True)
class DrillDown:
    lines: list[TicketLine]
    numerator: float
    denominator: int


def behind(
    session: Session,
    unit: int,
    code: r.RateCode,
    period: a.Period,
    zone: ZoneInfo,
    as_of: datetime,
    config: r.AssessmentConfig,
) -> DrillDown:
    """Every ticket the unit led in the period, with what each adds to the figure (counted ones
    first); the shares add up to the figure's numerator, the counted ones to its denominator."""
    ts = [t for t in unit_facts(session, period, zone, config) if t.lead_unit == unit]
    found = tickets.briefs(session, [t.id for t in ts]) if ts else {}
    lines = [
        TicketLine(
            t.id,
            tickets.number(t.id, t.received_at, zone),
            found[t.id].title if t.id in found else None,
            t.received_at,
            t.status,
            r.valid_follow_up(t, as_of) if t.counted else None,
            a.share(t, code, config, as_of),
        )
        for t in ts
    ]
    lines.sort(key=lambda x: (x.share is None, x.share if x.share is not None else 0, x.received_at, x.id))
    counted = [x.share for x in lines if x.share is not None]
    return DrillDown(lines, sum(counted), len(counted))
