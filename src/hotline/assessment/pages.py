"""The rankings pages: `/assessment` (the centre: every peer group's ranking with movement, a chart
and the lists; a unit: its own standing) and `/assessment/tickets` (the tickets behind one figure,
with its numerator, denominator and definition). They read the same queries as the JSON API and
close a period through the same service."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path
from urllib.parse import urlencode

from fastapi import FastAPI, Request
from fastapi.responses import HTMLResponse, RedirectResponse

from hotline.assessment import queries, service
from hotline.assessment.routes import CLOSERS, ConfigDep, RankingDep, drill_target, may_read, period_of
from hotline.audit.service import Actor
from hotline.auth.pages import CheckedFormDep, PageRefusal, PageSessionDep
from hotline.domain import assessment as a
from hotline.domain import drilldown as d
from hotline.domain import rates as r
from hotline.domain.errors import DomainError, forbidden, invalid, not_found
from hotline.web.deps import DbDep, LangDep, NowDep, ZoneDep
from hotline.web.shell import Shell

pages = Shell(Path(__file__).parent / "templates")


def drill(unit: int, code: r.RateCode, period: a.Period) -> str:
    return "/assessment/tickets?" + urlencode({"unit": unit, "rate": code.value, "period": period.key})


def _period(kind: str | None, raw: str | None, today: date) -> a.Period:
    try:
        k = a.PeriodKind(kind or "month")
    except ValueError:
        raise invalid("assessment.period_kind", field="period") from None
    try:
        day = date.fromisoformat(raw) if raw else today
    except ValueError:
        raise invalid("assessment.period", field="date") from None
    return period_of(k, day)


def install(app: FastAPI) -> None:
    @app.get("/assessment", include_in_schema=False, response_class=HTMLResponse)
    def assessment_page(
        request: Request,
        db: DbDep,
        session: PageSessionDep,
        zone: ZoneDep,
        now: NowDep,
        lang: LangDep,
        config: ConfigDep,
        ranking: RankingDep,
    ) -> HTMLResponse:
        user = session.user
        if not may_read(user):
            raise PageRefusal(forbidden("permission.rankings"), session)
        q = request.query_params
        try:
            period = _period(q.get("period"), q.get("date"), now.astimezone(zone).date())
        except DomainError as err:
            raise PageRefusal(err, session) from None
        with db.read() as s:
            views = queries.history(s, period, zone, now, config, ranking)
            # the history's latest was ranked against the one before it: the same as ranking_of
            view = views[-1] if len(views) > 1 else queries.ranking_of(s, period, zone, now, config, ranking)
            names = queries.unit_names(s, lang)
            mine = (
                None
                if user.is_centre or user.unit_id is None
                else queries.own_rates(s, user.unit_id, period, zone, config, now)
            )
        found = a.lists([v.groups for v in views], ranking)
        own = None if user.is_centre else a.own_standing(view.groups, user.unit_id)
        groups = [(g, view.groups.get(g, [])) for g in a.PeerGroup] if user.is_centre else []
        chart = {
            g.value: [
                {
                    "name": names.get(int(str(p.unit)), str(p.unit)),
                    "score": round(p.score, 4),
                    "bottom": p.bottom,
                }
                for p in ps
                if p.place is not None and p.score is not None
            ]
            for g, ps in groups
        }

        def link(kind: a.PeriodKind, day: date) -> str:
            return "/assessment?" + urlencode({"period": kind.value, "date": day.isoformat()})

        ended = period.end <= now.astimezone(zone).date()
        return pages.render(
            request,
            "assessment.html",
            {
                "period": period,
                "view": view,
                "groups": groups,
                "names": names,
                "own": own,
                "lists": found,
                "watched": [v.period.key for v in views],
                "chart_json": json.dumps(chart, ensure_ascii=False).replace("<", "\\u003c"),
                "codes": queries.FIGURES,
                "mine": None
                if mine is None
                else [
                    (c, v, drill(user.unit_id, c, period))
                    for c, v in mine.items()
                    if c not in queries.FIGURES
                ],
                "rate_names": r.NAMES,
                "group_names": a.GROUP_NAMES,
                "drill": drill,
                "ranking": ranking,
                "definition": config.definition(r.RateCode.COMPOSITE, lang),
                "weights": config.weights,
                "w": config.fairly_satisfied_weight,
                "previous": link(period.kind, period.previous().start),
                "next": link(period.kind, period.end) if ended else None,
                "weekly": link(a.PeriodKind.WEEK, period.start),
                "monthly": link(a.PeriodKind.MONTH, period.start),
                "may_close": user.role in CLOSERS and ended and not view.closed,
                "closed_flash": q.get("closed") == "1",
                "as_of": view.as_of.astimezone(zone),
                "closed_at": None if view.closed_at is None else view.closed_at.astimezone(zone),
            },
            user=user,
            csrf=session.csrf,
        )

    @app.post("/assessment/close", include_in_schema=False)
    def assessment_close(
        db: DbDep,
        session: PageSessionDep,
        form: CheckedFormDep,
        zone: ZoneDep,
        now: NowDep,
        config: ConfigDep,
        ranking: RankingDep,
    ) -> RedirectResponse:
        user = session.user
        if user.role not in CLOSERS:
            raise PageRefusal(forbidden("permission.rankings_close"), session)
        try:
            period = _period(str(form.get("period") or ""), str(form.get("date") or ""), now.date())
            with db.write() as s:
                service.close(s, period, zone, now, Actor.of(user), config, ranking)
        except DomainError as err:
            raise PageRefusal(err, session) from None
        target = "/assessment?" + urlencode(
            {"period": period.kind.value, "date": period.start.isoformat(), "closed": 1}
        )
        return RedirectResponse(target, status_code=303)

    @app.get("/assessment/tickets", include_in_schema=False, response_class=HTMLResponse)
    def assessment_tickets(
        request: Request,
        db: DbDep,
        session: PageSessionDep,
        zone: ZoneDep,
        now: NowDep,
        lang: LangDep,
        config: ConfigDep,
        ranking: RankingDep,
    ) -> HTMLResponse:
        user = session.user
        q = request.query_params
        try:
            unit, code, period = drill_target(
                user, q.get("unit") or "", q.get("rate") or "", q.get("period") or ""
            )
        except DomainError as err:
            raise PageRefusal(err, session) from None
        with db.read() as s:
            names = queries.unit_names(s, lang)
            if unit not in names:
                raise PageRefusal(not_found("assessment.unit_not_found"), session)
            found = queries.explained(s, unit, code, period, zone, now, config)
        down = found.down
        return pages.render(
            request,
            "assessment_tickets.html",
            {
                "period": period,
                "unit": unit,
                "unit_name": names[unit],
                "code": code,
                "rate_name": r.NAMES[code],
                "definition": config.definition(code, lang),
                "down": down,
                "figure": down.figure,
                "measure": down.figure.measure.value,
                "kept": found.kept,
                "as_of": found.as_of.astimezone(zone),
                "zone": zone,
                "per_assignment": code in d.ASSIGNMENT_RATES,
                "follow_up": code in d.FOLLOW_UP_RATES,
                "others": [(c, r.NAMES[c], drill(unit, c, period)) for c in r.RateCode],
                "back": "/assessment?"
                + urlencode({"period": period.kind.value, "date": period.start.isoformat()}),
            },
            user=user,
            csrf=session.csrf,
        )
