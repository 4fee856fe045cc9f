"""Rates over HTTP: centre staff, supervisors and administrators read every group; a unit's people
read their own unit's figures only."""

from __future__ import annotations

from dataclasses import replace
from datetime import date, datetime, time, timedelta
from typing import Annotated
from zoneinfo import ZoneInfo

from fastapi import APIRouter, Query

from hotline.analytics import queries
from hotline.analytics import schemas as s
from hotline.auth.deps import UserDep
from hotline.domain import rates as r
from hotline.domain.errors import forbidden, invalid
from hotline.domain.vocabulary import Role
from hotline.web.deps import DbDep, LangDep, NowDep, SettingsDep, ZoneDep

router = APIRouter(prefix="/api/v1", tags=["assessment 考核"])

MAX_DAYS = 400
_UNIT_ROLES = {Role.UNIT_HANDLER, Role.UNIT_REVIEWER}


def _start(day: date, zone: ZoneInfo) -> datetime:
    return datetime.combine(day, time(), tzinfo=zone)


def _row(row: queries.Row, config: r.AssessmentConfig, lang: str) -> s.RowOut:
    return s.RowOut(
        key=row.key,
        name=row.name,
        rates=[
            s.RateOut(
                code=code.value,
                name=r.NAMES[code][1] if lang == "en" else r.NAMES[code][0],
                measure=rate.measure.value,
                numerator=rate.numerator,
                denominator=rate.denominator,
                value=rate.value,
                definition=config.definition(code, lang),
            )
            for code, rate in row.rates.items()
        ],
    )


@router.get("/rates", response_model=s.RatesOut, response_model_by_alias=True)
def rates(
    db: DbDep,
    user: UserDep,
    zone: ZoneDep,
    now: NowDep,
    lang: LangDep,
    settings: SettingsDep,
    start: Annotated[date, Query(alias="from", description="First day of the period (centre's zone)")],
    end: Annotated[date, Query(alias="to", description="Last day of the period (inclusive)")],
    group_by: Annotated[queries.GroupBy, Query()] = queries.GroupBy.UNIT,
    basis: Annotated[
        r.PeriodBasis | None,
        Query(description="received (default) or closed: which time puts a ticket in the period"),
    ] = None,
) -> s.RatesOut:
    """Every rate of the period per unit, district, category or channel, each with its numerator,
    denominator and definition."""
    if not (user.is_centre or user.role in _UNIT_ROLES) or user.role is Role.SYSTEM:
        raise forbidden("permission.rates")
    if end < start:
        raise invalid("rates.period", field="to")
    if (end - start).days + 1 > MAX_DAYS:
        raise invalid("rates.period_too_long", field="to", max_days=MAX_DAYS)
    config = settings.assessment_config if basis is None else replace(settings.assessment_config, basis=basis)
    only_unit = None if user.is_centre else user.unit_id
    with db.read() as session:
        found = queries.report(
            session,
            _start(start, zone),
            _start(end + timedelta(days=1), zone),
            group_by,
            config,
            now,
            lang,
            only_unit=only_unit,
            zone=zone,
        )
    return s.RatesOut(
        from_=start,
        to=end,
        group_by=group_by.value,
        basis=config.basis.value,
        as_of=now.astimezone(zone),
        rows=[_row(x, config, lang) for x in found.rows],
        total=None if found.total is None else _row(found.total, config, lang),
    )
