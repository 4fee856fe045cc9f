"""The reports over HTTP: the Excel workbooks of the weekly and monthly report, for the centre's
staff only; every export is audited. The page (`pages.py`) shows the same `queries.report`."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated
from zoneinfo import ZoneInfo

from fastapi import APIRouter, Query
from fastapi.responses import Response

from hotline.auth.deps import UserDep
from hotline.auth.service import CurrentUser
from hotline.config import Settings
from hotline.db.engine import Database
from hotline.domain.errors import forbidden
from hotline.domain.vocabulary import Role
from hotline.reports import queries, service, workbook
from hotline.web.catalogue import text
from hotline.web.deps import DbDep, LangDep, NowDep, SettingsDep, ZoneDep

router = APIRouter(prefix="/api/v1/reports", tags=["assessment 考核"])

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def allowed(user: CurrentUser) -> None:
    """Centre staff (operators, dispatchers, supervisors, administrators); units read their own
    figures through /api/v1/rates, not the centre's report."""
    if not user.is_centre or user.role is Role.SYSTEM:
        raise forbidden("permission.reports")


def exported(
    db: Database,
    user: CurrentUser,
    period: queries.Period,
    zone: ZoneInfo,
    now: datetime,
    lang: str,
    settings: Settings,
) -> Response:
    """Read the report, record the export, answer the workbook."""
    with db.read() as session:
        found = queries.report(
            session,
            period,
            zone,
            settings.assessment_config,
            now,
            lang,
            rules=settings.ranking_config,
            cases=queries.WORKBOOK_CASES,
        )
    with db.write() as session:
        service.record_export(session, user, period, lang, now)
    body = workbook.workbook(found, lambda key, default=None, **p: text(key, lang, default, **p), lang)
    name = f"hotline-{period.kind.value}-{period.code}.xlsx"
    return Response(body, media_type=XLSX, headers={"Content-Disposition": f'attachment; filename="{name}"'})


@router.get("/monthly.xlsx", response_class=Response, responses={200: {"content": {XLSX: {}}}})
def monthly_xlsx(
    db: DbDep,
    user: UserDep,
    zone: ZoneDep,
    now: NowDep,
    lang: LangDep,
    settings: SettingsDep,
    month: Annotated[
        str | None, Query(description="2026-11; none: the last whole month", max_length=20)
    ] = None,
) -> Response:
    """The monthly report (月报) as an Excel workbook: rates, ranking, top categories and places,
    overdue, typical and unsatisfied cases, definitions — the numbers of /api/v1/rates."""
    allowed(user)
    return exported(db, user, queries.month(month, now.astimezone(zone).date()), zone, now, lang, settings)


@router.get("/weekly.xlsx", response_class=Response, responses={200: {"content": {XLSX: {}}}})
def weekly_xlsx(
    db: DbDep,
    user: UserDep,
    zone: ZoneDep,
    now: NowDep,
    lang: LangDep,
    settings: SettingsDep,
    week: Annotated[
        str | None, Query(description="ISO week, 2026-W47; none: the last whole week", max_length=20)
    ] = None,
) -> Response:
    """The weekly report (周报) as an Excel workbook, the same parts as the monthly one."""
    allowed(user)
    return exported(db, user, queries.week(week, now.astimezone(zone).date()), zone, now, lang, settings)
