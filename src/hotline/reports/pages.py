"""The printable report pages (/reports/monthly, /reports/weekly, A4 print CSS) and their workbook
downloads for the signed-in centre staff: the same `queries.report` and export as the API."""

from __future__ import annotations

from datetime import date
from pathlib import Path

from fastapi import FastAPI, Request
from fastapi.responses import HTMLResponse, Response

from hotline.auth.pages import PageRefusal, PageSession, PageSessionDep
from hotline.domain import rates as r
from hotline.domain.errors import DomainError
from hotline.reports import queries, routes, workbook
from hotline.web.deps import DbDep, LangDep, NowDep, SettingsDep, ZoneDep
from hotline.web.shell import Shell

pages = Shell(Path(__file__).parent / "templates")


def _period(kind: queries.Kind, request: Request, session: PageSession, today: date) -> queries.Period:
    q = request.query_params
    try:
        routes.allowed(session.user)
        if kind is queries.Kind.MONTHLY:
            return queries.month(q.get("month", "")[:20] or None, today)
        return queries.week(q.get("week", "")[:20] or None, today)
    except DomainError as err:
        raise PageRefusal(err, session) from None


def install(app: FastAPI) -> None:
    for kind in queries.Kind:
        _install(app, kind)


def _install(app: FastAPI, kind: queries.Kind) -> None:
    @app.get(
        f"/reports/{kind.value}",
        include_in_schema=False,
        response_class=HTMLResponse,
        name=f"report_{kind.value}",
    )
    def report_page(
        request: Request,
        db: DbDep,
        session: PageSessionDep,
        now: NowDep,
        zone: ZoneDep,
        lang: LangDep,
        settings: SettingsDep,
    ) -> HTMLResponse:
        period = _period(kind, request, session, now.astimezone(zone).date())
        with db.read() as s:
            found = queries.report(
                s, period, zone, settings.assessment_config, now, lang, rules=settings.ranking_config
            )
        return pages.render(
            request,
            "report.html",
            {
                "report": found,
                "codes": workbook.UNIT_CODES,
                "names": {c: (r.NAMES[c][1] if lang == "en" else r.NAMES[c][0]) for c in r.RateCode},
                "all_codes": list(r.RateCode),
                "kind": kind.value,
                "share": r.Measure.SHARE,
                "hours": r.Measure.HOURS,
            },
            user=session.user,
            csrf=session.csrf,
            now=now,
        )

    @app.get(f"/reports/{kind.value}.xlsx", include_in_schema=False, name=f"report_{kind.value}_xlsx")
    def report_workbook(
        request: Request,
        db: DbDep,
        session: PageSessionDep,
        now: NowDep,
        zone: ZoneDep,
        lang: LangDep,
        settings: SettingsDep,
    ) -> Response:
        period = _period(kind, request, session, now.astimezone(zone).date())
        return routes.exported(db, session.user, period, zone, now, lang, settings)
