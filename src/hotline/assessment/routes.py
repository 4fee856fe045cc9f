"""Rankings over HTTP. Centre staff, supervisors and administrators read every group and the lists;
a unit's handlers and reviewers read their own unit's standing only. Supervisors and administrators
close a period (its ranking is frozen)."""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated
from zoneinfo import ZoneInfo

from fastapi import APIRouter, Depends, Query

from hotline.assessment import queries, service
from hotline.assessment import schemas as s
from hotline.audit.service import Actor
from hotline.auth.deps import UserDep
from hotline.auth.service import CurrentUser
from hotline.domain import assessment as a
from hotline.domain import rates as r
from hotline.domain.errors import forbidden, invalid, not_found
from hotline.domain.vocabulary import Role
from hotline.web.deps import DbDep, LangDep, NowDep, SettingsDep, ZoneDep

router = APIRouter(prefix="/api/v1/rankings", tags=["assessment 考核"])

UNIT_ROLES = frozenset({Role.UNIT_HANDLER, Role.UNIT_REVIEWER})
CLOSERS = frozenset({Role.SUPERVISOR, Role.ADMIN})


def assessment_config(settings: SettingsDep) -> r.AssessmentConfig:
    return settings.assessment_config


def ranking_config(settings: SettingsDep) -> a.RankingConfig:
    """The centre's ranking settings (`HOTLINE_ASSESSMENT_*`, docs/assessment.md)."""
    return settings.ranking_config


ConfigDep = Annotated[r.AssessmentConfig, Depends(assessment_config)]
RankingDep = Annotated[a.RankingConfig, Depends(ranking_config)]


def period_of(kind: a.PeriodKind, day: date) -> a.Period:
    """The period of ``day``; a day no hotline has tickets on is 422 naming ``date``."""
    try:
        return a.Period.containing(kind, day)
    except ValueError:
        raise invalid("assessment.date", field="date", low=a.MIN_YEAR, high=a.MAX_YEAR) from None


def may_read(user: CurrentUser) -> bool:
    return (user.is_centre or user.role in UNIT_ROLES) and user.role is not Role.SYSTEM


def drill_target(user: CurrentUser, unit: str, rate: str, period: str) -> tuple[int, r.RateCode, a.Period]:
    """The unit, rate and period of a drill-down, or the refusal: 422 naming the field for a period,
    rate or unit that names none; 403 when a unit's people ask for another unit's tickets."""
    if not may_read(user):
        raise forbidden("permission.rankings")
    try:
        chosen = a.Period.parse(period)
    except ValueError:
        raise invalid("assessment.period", field="period") from None
    try:
        code = r.RateCode(rate or r.RateCode.COMPOSITE.value)
    except ValueError:
        raise invalid("assessment.rate", field="rate") from None
    if not unit.isdigit() or len(unit) > 9:
        raise invalid("assessment.unit", field="unit")
    if not user.is_centre and int(unit) != user.unit_id:
        raise forbidden("permission.rankings_unit")
    return int(unit), code, chosen


def figure_out(f: r.Rate, lang: str) -> s.FigureOut:
    return s.FigureOut(
        code=f.code.value,
        name=r.NAMES[f.code][1] if lang == "en" else r.NAMES[f.code][0],
        numerator=f.numerator,
        denominator=f.denominator,
        value=f.value,
    )


def placing_out(p: a.Placing, view: queries.RankingView, names: dict[int, str], lang: str) -> s.PlacingOut:
    unit = int(str(p.unit))
    figures = view.figures.get(unit, {})
    return s.PlacingOut(
        unit_id=unit,
        name=names.get(unit),
        group=p.group.value,
        place=p.place,
        of=p.of,
        score=p.score,
        volume=p.volume,
        previous_place=p.previous_place,
        movement=p.movement,
        bottom=p.bottom,
        figures=[figure_out(f, lang) for f in figures.values()],
    )


def visible_groups(
    view: queries.RankingView, user: CurrentUser, group: a.PeerGroup | None
) -> list[tuple[a.PeerGroup, list[a.Placing]]]:
    """Every group (or the one asked for) for the centre; the unit's own placing for its people."""
    if user.is_centre:
        return [(g, view.groups.get(g, [])) for g in a.PeerGroup if group in (None, g)]
    own = a.own_standing(view.groups, user.unit_id)
    return [] if own is None else [(own.group, [own])]


@router.get("", response_model=s.RankingOut)
def rankings(
    db: DbDep,
    user: UserDep,
    zone: ZoneDep,
    now: NowDep,
    lang: LangDep,
    config: ConfigDep,
    ranking: RankingDep,
    period: Annotated[a.PeriodKind, Query(description="week (weekly ranking) or month (assessment)")] = (
        a.PeriodKind.MONTH
    ),
    day: Annotated[
        date | None, Query(alias="date", description="Any day of the period; default today")
    ] = None,
    group: Annotated[a.PeerGroup | None, Query(description="One peer group; default all")] = None,
) -> s.RankingOut:
    """The period's ranking in every peer group, with movement against the previous period and each
    unit's figures (numerator and denominator); a unit's people get their own standing only."""
    if not may_read(user):
        raise forbidden("permission.rankings")
    chosen = period_of(period, day or now.astimezone(zone).date())
    with db.read() as session:
        view = queries.ranking_of(session, chosen, zone, now, config, ranking)
        names = queries.unit_names(session, lang)
    return s.RankingOut(
        period=chosen.key,
        kind=chosen.kind.value,
        start=chosen.start,
        end=chosen.last_day,
        closed=view.closed,
        closed_at=None if view.closed_at is None else view.closed_at.astimezone(zone),
        as_of=view.as_of.astimezone(zone),
        min_volume=ranking.min_volume,
        definition=config.definition(r.RateCode.COMPOSITE, lang),
        groups=[
            s.GroupOut(
                group=g.value,
                name=a.GROUP_NAMES[g][1] if lang == "en" else a.GROUP_NAMES[g][0],
                placings=[placing_out(p, view, names, lang) for p in ps],
            )
            for g, ps in visible_groups(view, user, group)
        ],
    )


@router.get("/lists", response_model=s.ListsOut)
def ranking_lists(
    db: DbDep,
    user: UserDep,
    zone: ZoneDep,
    now: NowDep,
    lang: LangDep,
    config: ConfigDep,
    ranking: RankingDep,
    period: Annotated[a.PeriodKind, Query(description="week or month")] = a.PeriodKind.MONTH,
    day: Annotated[date | None, Query(alias="date", description="Any day of the latest period")] = None,
) -> s.ListsOut:
    """The watchlist (蜗牛席: bottom two three periods running), the red list and the black list.
    A unit's people see only the entries about their own unit."""
    if not may_read(user):
        raise forbidden("permission.rankings")
    chosen = period_of(period, day or now.astimezone(zone).date())
    with db.read() as session:
        views = queries.history(session, chosen, zone, now, config, ranking)
        names = queries.unit_names(session, lang)
    found = a.lists([v.groups for v in views], ranking)
    latest = views[-1]

    def shown(ps: list[a.Placing]) -> list[s.PlacingOut]:
        return [placing_out(p, latest, names, lang) for p in ps if user.is_centre or p.unit == user.unit_id]

    return s.ListsOut(
        period=chosen.key,
        kind=chosen.kind.value,
        periods=[v.period.key for v in views],
        watchlist=shown(found.watchlist),
        red=shown(found.red),
        black=shown(found.black),
        settings={
            "min_volume": ranking.min_volume,
            "bottom": ranking.bottom,
            "watch_periods": ranking.watch_periods,
            "red_top": ranking.red_top,
            "red_min": ranking.red_min,
            "black_bottom": ranking.black_bottom,
            "black_max": ranking.black_max,
        },
    )


@router.get("/tickets", response_model=s.DrillDownOut)
def ranking_tickets(
    db: DbDep,
    user: UserDep,
    zone: ZoneDep,
    now: NowDep,
    lang: LangDep,
    config: ConfigDep,
    unit: Annotated[str, Query(description="The unit's id")] = "",
    rate: Annotated[
        str, Query(description="Any rate code of /api/v1/rates (composite, closure, overdue, …)")
    ] = "composite",
    period: Annotated[str, Query(description="2026-11 (a month) or 2026-W48 (an ISO week)")] = "",
) -> s.DrillDownOut:
    """The tickets behind one of a unit's figures: every ticket it led in the period (or, for
    timely acknowledgement, overdue and improper send-backs, every assignment dispatched to it),
    what each adds to the numerator in the rate's measure and whether it is in the denominator,
    counted ones first. The lines add up to `numerator` and `denominator`, the unit's figure on
    `/api/v1/rates` for the period. A unit's people may read their own unit's only."""
    unit_id, code, chosen = drill_target(user, unit, rate, period)
    with db.read() as session:
        names = queries.unit_names(session, lang)
        if unit_id not in names:
            raise not_found("assessment.unit_not_found")
        found = queries.explained(session, unit_id, code, chosen, zone, now, config)
    f = found.down.figure
    return s.DrillDownOut(
        unit_id=unit_id,
        unit=names[unit_id],
        period=chosen.key,
        code=code.value,
        name=r.NAMES[code][1] if lang == "en" else r.NAMES[code][0],
        measure=f.measure.value,
        definition=config.definition(code, lang),
        numerator=f.numerator,
        denominator=f.denominator,
        value=f.value,
        as_of=found.as_of.astimezone(zone),
        kept=None if found.kept is None else figure_out(found.kept, lang),
        lines=[line_out(x, zone) for x in found.down.lines],
    )


def line_out(x: queries.TicketLine, zone: ZoneInfo) -> s.DrillLineOut:
    def local(at: datetime | None) -> datetime | None:
        return None if at is None else at.astimezone(zone)

    a_ = x.assignment
    return s.DrillLineOut(
        ticket_id=x.id,
        number=x.number,
        title=x.title,
        status=x.status,
        received_at=x.received_at.astimezone(zone),
        closed_at=local(x.closed_at),
        counted=x.counted,
        adds=x.adds,
        why=x.why,
        answer=None
        if x.answer is None
        else s.AnswerOut(
            at=x.answer.at.astimezone(zone),
            contacted=x.answer.contacted,
            solved=x.answer.solved,
            satisfaction=x.answer.satisfaction.value,
        ),
        assignment=None
        if a_ is None
        else s.AssignmentOut(
            role=a_.role.value,
            state=a_.state.value,
            dispatched_at=a_.dispatched_at.astimezone(zone),
            acknowledge_due_at=local(a_.acknowledge_due_at),
            acknowledged_at=local(a_.acknowledged_at),
            reply_due_at=local(a_.reply_due_at),
            replied_at=local(a_.replied_at),
            overdue=a_.overdue,
            improper_send_backs=a_.improper_send_backs,
        ),
    )


@router.post("/close", response_model=s.RankingOut)
def close(
    body: s.CloseIn,
    db: DbDep,
    user: UserDep,
    zone: ZoneDep,
    now: NowDep,
    lang: LangDep,
    config: ConfigDep,
    ranking: RankingDep,
) -> s.RankingOut:
    """Freeze a finished period's ranking as a snapshot (audited); afterwards it is read from the
    snapshot and later changes to tickets do not move it. Closing twice is a conflict."""
    if user.role not in CLOSERS:
        raise forbidden("permission.rankings_close")
    try:
        kind = a.PeriodKind(body.period)
    except ValueError:
        raise invalid("assessment.period_kind", field="period") from None
    chosen = period_of(kind, body.date)
    with db.write() as session:
        service.close(session, chosen, zone, now, Actor.of(user), config, ranking)
    return rankings(db, user, zone, now, lang, config, ranking, kind, body.date, None)
